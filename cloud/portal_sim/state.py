"""The simulator's state: faults, clock, tokens, rate limit, records and request counts."""

import random
import secrets
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from cloud.forward.portal.settings import PortalMapping, load_mapping
from cloud.portal_sim.clock import SimClock
from cloud.portal_sim.faults import Faults
from cloud.portal_sim.limiter import RateLimit
from cloud.portal_sim.records import Records


@dataclass
class Gate:
    """What the faults make of one request before it is processed (status None: go on)."""

    status: int | None = None
    error: str = ""
    retry_after_s: float | None = None


@dataclass
class SimState:
    """One simulator's world (the ASGI app runs on one event loop: no locks needed)."""

    faults: Faults
    mapping: PortalMapping = field(default_factory=load_mapping)
    clock: SimClock = field(init=False)
    limiter: RateLimit = field(init=False)
    records: Records = field(default_factory=Records)
    tokens: dict[str, float] = field(default_factory=dict)  # token → expiry (sim time)
    outage_until: float = 0.0
    statuses: Counter[str] = field(default_factory=Counter)
    delayed: int = 0  # answers held back by the latency fault
    captures: dict[str, dict[str, Any]] = field(default_factory=dict)
    epcis_events: dict[str, dict[str, Any]] = field(default_factory=dict)
    rng: random.Random = field(init=False)

    def __post_init__(self) -> None:
        self.records.dedupe = self.faults.dedupe
        self.clock = SimClock(self.faults.clock_speed)
        self.limiter = RateLimit(self.faults.rate_limit_per_s)
        self.rng = random.Random(self.faults.seed)

    def update_faults(self, changes: dict[str, Any]) -> None:
        """Apply run-time changes to the switches."""
        self.faults = Faults.model_validate({**self.faults.model_dump(), **changes})
        self.clock.set_speed(self.faults.clock_speed)
        self.limiter.set_rate(self.faults.rate_limit_per_s)
        self.records.dedupe = self.faults.dedupe
        if "seed" in changes:
            self.rng = random.Random(self.faults.seed)

    def start_outage(self, seconds: float) -> None:
        """Answer 503 to everything for `seconds` of simulated time from now."""
        self.outage_until = self.clock.now() + seconds

    def issue_token(self) -> tuple[str, float]:
        """A new bearer token and its lifetime in (simulated) seconds."""
        token = secrets.token_urlsafe(18)
        self.tokens[token] = self.clock.now() + self.faults.token_ttl_s
        return token, self.faults.token_ttl_s

    def expire_tokens(self) -> None:
        """Make every issued token invalid now."""
        self.tokens.clear()

    def authorised(self, header: str | None) -> bool:
        """Whether the Authorization header carries a live token."""
        if not header or not header.lower().startswith("bearer "):
            return False
        expiry = self.tokens.get(header[7:].strip())
        return expiry is not None and expiry > self.clock.now()

    def gate(self) -> Gate:
        """Outage, rate limit and random errors, in that order, before any processing."""
        if self.clock.now() < self.outage_until:
            return Gate(503, "ERR_MAINTENANCE")
        wait = self.limiter.take()
        if wait is not None:
            return Gate(429, "ERR_RATE_LIMIT", wait)
        if self.faults.error_rate and self.rng.random() < self.faults.error_rate:
            return Gate(503, "ERR_SYS_DEV")
        return Gate()

    def after(self) -> str | None:
        """What goes wrong after processing: 'lost' (502), 'timeout' (hang), or None."""
        roll = self.rng.random()
        if roll < self.faults.lost_answer_rate:
            return "lost"
        if roll < self.faults.lost_answer_rate + self.faults.timeout_rate:
            return "timeout"
        return None

    def snapshot(self) -> dict[str, Any]:
        """Counts for tests and operators."""
        return {
            "records": self.records.summary(),
            "statuses": dict(self.statuses),
            "delayed": self.delayed,
            "sim_time_s": self.clock.now(),
            "outage_until": self.outage_until,
            "epcis_events": len(self.epcis_events),
            "captures": len(self.captures),
            "faults": self.faults.model_dump(),
        }
