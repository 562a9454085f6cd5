"""After the story: wait until the pipeline has caught up, say what to open, count the story."""

import io
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx
import segno

from cloud.db.counts import SiteTotals, backlog, totals_of_sites
from cloud.db.errors import DatabaseError
from cloud.db.pool import Database
from txng.demo.portal import DESTINATION, DemoPortal
from txng.demo.story import DRIED, PLACES

SITES = sorted({site for site, _ in PLACES})
_SETTLE_MAX_S = 60.0
_SETTLE_QUIET_S = 2.0  # longer than the forwarder's re-check of items that were not ready


def settle(
    database: Database,
    unsent: Callable[[], int],
    stopping: Callable[[], bool],
    *,
    max_s: float = _SETTLE_MAX_S,
) -> bool:
    """Wait until devices, derived work and forwarding are done; False on timeout.

    Items that cannot go yet (a storage stay that has not ended) count as done when their
    number stays the same for a while.
    """
    deadline = time.monotonic() + max_s
    quiet_since, last_waiting = time.monotonic(), -1
    while time.monotonic() < deadline and not stopping():
        try:
            work, forward, waiting = backlog(database, DESTINATION)
        except DatabaseError:
            work, forward, waiting = 1, 1, -1
        if work or forward or unsent() or waiting != last_waiting:
            quiet_since, last_waiting = time.monotonic(), waiting
        elif time.monotonic() - quiet_since >= _SETTLE_QUIET_S:
            return True
        time.sleep(0.2)
    return False


def consumer_path(gtin: str, lot: str) -> str:
    """The consumer page of a batch (GS1 Digital Link), as a pack's QR code opens it."""
    return f"01/{gtin}/10/{lot}"


@dataclass(frozen=True)
class StoryCounts:
    """The story as stored and delivered."""

    totals: SiteTotals
    pages_ok: int
    portal: dict[str, int]  # confirmed records per kind
    stages: dict[str, int]  # confirmed stage events per stage

    def summary(self) -> dict[str, Any]:
        """The story's part of the summary line."""
        return {
            "batches": len(self.totals.batches),
            "events_stored": self.totals.events,
            "readings_stored": self.totals.readings,
            "alerts_raised": self.totals.alerts,
            "portal_events_accepted": self.portal.get("event", 0),
            "portal_records_accepted": self.portal,
            "portal_stages": self.stages,
            "consumer_pages": len(self.totals.batches),
            "consumer_pages_ok": self.pages_ok,
        }


def count_story(database: Database, web_url: str, portal: DemoPortal) -> StoryCounts:
    """Stored totals of the story's sites, consumer pages that answer 200, portal records."""
    totals = totals_of_sites(database, SITES)
    ok = 0
    with httpx.Client(base_url=web_url, timeout=10) as client:
        for _, gtin, lot in totals.batches:
            if client.get(consumer_path(gtin.strip(), lot)).status_code == 200:
                ok += 1
    return StoryCounts(totals, ok, *portal.accepted())


def qr_code(url: str) -> str:
    """The QR code of `url`, drawn with Unicode half blocks."""
    buffer = io.StringIO()
    segno.make(url, error="m").terminal(out=buffer, compact=True, border=2)
    return buffer.getvalue()


def what_to_open(counts: StoryCounts, web_url: str, portal_url: str) -> list[str]:
    """Where to look: the dried longan's batch page and consumer page, the alert, the portal."""
    dried = next((b for b in counts.totals.batches if (b[1].strip(), b[2]) == DRIED), None)
    lines = ["Open:"]
    if dried is not None:
        lines.append(f"  batch page      {web_url}ui/batches/{dried[0]}  (dried longan {DRIED[1]})")
        url = f"{web_url}{consumer_path(*DRIED)}"
        lines.append(f"  consumer page   {url}  (what the QR code on each bag opens:)")
        lines += [f"    {row}" for row in qr_code(url).splitlines() if row.strip()]
    if counts.totals.first_alert is not None:
        lines.append(f"  the alert       {web_url}ui/alerts")
    lines.append(f"  portal (sim.)   {portal_url}/_admin/state")
    lines.append(f"                  {portal_url}/_admin/records/event  (what it accepted)")
    return lines
