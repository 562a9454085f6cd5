"""Capped exponential backoff with jitter, and what a result makes of a claimed item."""

import random
from dataclasses import dataclass

from cloud.db.forward_store import WAITING, Finish
from cloud.db.rows.forward import OutboxItem
from cloud.forward.adapter import Outcome, Result


@dataclass(frozen=True)
class Backoff:
    """Delay before retry n (0-based): base·2ⁿ capped at cap, drawn from [½, 1] of that."""

    base_s: float = 1.0
    cap_s: float = 300.0

    def delay_s(self, attempts: int, *, draw: float | None = None) -> float:
        """The delay before the next attempt after `attempts` failed ones."""
        ceiling = min(self.cap_s, self.base_s * 2.0 ** min(attempts, 30))
        share = random.uniform(0.5, 1.0) if draw is None else draw
        return ceiling * share


def decide(item: OutboxItem, result: Result | None, backoff: Backoff) -> Finish:
    """The item's new state after one send (no result: transient)."""
    if result is None:
        result = Result(item.id, Outcome.TRANSIENT, "no result from the adapter")
    remote = dict(result.remote)
    if result.outcome is Outcome.ACCEPTED:
        return Finish(item.id, "sent", remote=remote)
    if result.outcome is Outcome.SKIPPED:
        return Finish(item.id, "skipped", error=result.detail or None, remote=remote)
    if result.outcome is Outcome.PERMANENT:
        return Finish(
            item.id,
            "parked",
            error=result.detail or "refused",
            missing_field=result.missing_field,
            remote=remote,
        )
    if result.outcome is Outcome.DEFERRED:
        return Finish(
            item.id,
            "pending",
            delay_s=result.retry_after_s if result.retry_after_s is not None else backoff.base_s,
            error=f"{WAITING}{result.detail}",
            remote=remote,
            count_attempt=False,
        )
    if result.outcome is Outcome.RATE_LIMITED:
        delay = result.retry_after_s if result.retry_after_s is not None else backoff.base_s
        return Finish(
            item.id,
            "pending",
            delay_s=delay,
            error=result.detail,
            remote=remote,
            count_attempt=False,
        )
    return Finish(
        item.id,
        "pending",
        delay_s=backoff.delay_s(item.attempts),
        error=result.detail or "transient failure",
        remote=remote,
    )
