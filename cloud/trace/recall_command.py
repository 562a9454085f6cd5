"""`txng recall batch GTIN LOT | sscc SSCC | serial GTIN SERIAL`: what a recall concerns."""

import logging
import sys
from pathlib import Path

from cloud.db.errors import DatabaseUnavailable
from cloud.db.pool import Database
from cloud.settings.common import required_database_url
from cloud.trace.recall_csv import recall_csv
from cloud.trace.recall_models import Recall
from cloud.trace.recall_service import RecallNotFound, parse_start, recall
from plumbing.logs import configure_logging
from plumbing.settings import log_level

log = logging.getLogger(__name__)


def _listing(found: Recall) -> str:
    lines = [f"recall from {found.start.kind}: scope {found.scope}"]
    lines += [
        f"batch\t{b.direction}\t{b.hop}\t{b.gtin}\t{b.lot}\t{b.product_name or '-'}\t"
        f"{b.site_id or '-'}\t{'-' if b.serials is None else b.serials} serials"
        for b in found.batches
    ]
    lines += [
        f"unit\t{u.direction}\t{u.sscc}\t{u.site_id}\t{u.packed_at:%Y-%m-%d %H:%M}"
        for u in found.units
    ]
    lines += [
        f"shipment\t{s.site_id}/{s.location or '-'}\t{s.first_time:%Y-%m-%d %H:%M}\t→ "
        f"{s.to_site or '?'}\t{s.arrived_at:%Y-%m-%d %H:%M}"
        if s.arrived_at
        else f"shipment\t{s.site_id}/{s.location or '-'}\t{s.first_time:%Y-%m-%d %H:%M}\t→ ?"
        for s in found.shipments
    ]
    lines += [
        f"receiver\t{r.site_id}\t{r.site_name or '-'}\t{r.first_time:%Y-%m-%d %H:%M}"
        for r in found.receivers
    ]
    lines += [
        f"place\t{p.direction}\t{p.site_id}/{p.location}\t{p.location_name or '-'}"
        for p in found.places
    ]
    return "\n".join(lines) + "\n"


def recall_command(
    kind: str,
    codes: list[str],
    *,
    site: str | None,
    csv_path: str | None,
    max_hops: int,
    database_url_option: str | None = None,
) -> int:
    """Print (or write as CSV) what the recall concerns: 0; 1 unknown start; 2 bad input or DB."""
    configure_logging(log_level(), json_lines=False)
    try:
        start = parse_start(kind, codes)
    except ValueError as err:
        log.error("%s", err)
        return 2
    database = Database(required_database_url(database_url_option), max_connections=1)
    try:
        with database.transaction() as conn, conn.cursor() as cur:
            found = recall(cur, start, site=site, max_hops=max_hops)
    except RecallNotFound as err:
        log.error("%s", err)
        return 1
    except DatabaseUnavailable as err:
        log.error("cannot recall: %s", err)
        return 2
    finally:
        database.close()
    if csv_path == "-":
        sys.stdout.write(recall_csv(found))
    else:
        sys.stdout.write(_listing(found))
        if csv_path:
            Path(csv_path).write_text(recall_csv(found), encoding="utf-8")
            log.info("recall written to %s", csv_path)
    return 0
