"""`txng report batch|shipment|shipments …`: write a cold-chain report, list shipments."""

import argparse
import logging
from pathlib import Path

from cloud.db import timeline_store
from cloud.db.errors import DatabaseUnavailable
from cloud.db.pool import Database
from cloud.local_time import LOCAL_TIME
from cloud.reports.errors import Ambiguous, ReportError
from cloud.reports.scope import BatchReport, Request, ShipmentReport, StayReport
from cloud.reports.service import make_report, unit_shipments
from cloud.settings.common import required_database_url
from plumbing.logs import configure_logging
from plumbing.settings import ConfigError, log_level

log = logging.getLogger(__name__)


def _request(database: Database, args: argparse.Namespace) -> Request:
    if args.command == "shipment":
        return ShipmentReport(args.sscc, args.departed, args.profile)
    if (args.location is None) != (args.at is None):
        raise ConfigError("--location and --at go together (they name one stay)")
    gtin, _, lot = str(args.batch).partition("/")
    if lot:
        with database.transaction() as conn, conn.cursor() as cur:
            found = timeline_store.find_batch(cur, gtin.zfill(14), lot)
        if found is None:
            raise ReportError(f"no batch {gtin}/{lot}")
        batch_id = found
    elif gtin.isdigit():
        batch_id = int(gtin)
    else:
        raise ConfigError(f"batch {args.batch!r}: give its id or GTIN/LOT")
    if args.location is not None:
        return StayReport(batch_id, args.location, args.at, args.site)
    return BatchReport(batch_id)


def report_command(args: argparse.Namespace) -> int:
    """Write the report; 0 when written, 1 when there is nothing to report on, 2 on setup."""
    configure_logging(log_level(), json_lines=False)
    database = Database(required_database_url(args.database_url), max_connections=1)
    try:
        document = make_report(
            database, _request(database, args), fmt=args.format, language=args.lang
        )
    except Ambiguous as err:
        log.error("%s: choose one with --profile", err)
        return 1
    except ReportError as err:
        log.error("%s", err)
        return 1
    except DatabaseUnavailable as err:
        log.error("cannot report: %s", err)
        return 2
    finally:
        database.close()
    path = Path(args.output or document.filename)
    path.write_bytes(document.content)
    log.info(
        "%s written: %s (%s)",
        path,
        document.report.verdict.status,
        ", ".join(r.code for r in document.report.verdict.reasons),
    )
    return 0


def shipments_command(args: argparse.Namespace) -> int:
    """Log the unit's shipments, one a line; 1 if it has none."""
    configure_logging(log_level(), json_lines=False)
    database = Database(required_database_url(args.database_url), max_connections=1)
    try:
        shipments = unit_shipments(database, args.sscc)
    except DatabaseUnavailable as err:
        log.error("cannot list: %s", err)
        return 2
    finally:
        database.close()
    for s in shipments:
        log.info(
            "departed %s from %s, arrived %s at %s, %d legs",
            s.departed.astimezone(LOCAL_TIME).isoformat(),
            s.from_site,
            s.arrived.astimezone(LOCAL_TIME).isoformat() if s.arrived else "-",
            s.to_site or "(in transit)",
            len(s.legs),
        )
    if not shipments:
        log.error("unit %s has no shipments", args.sscc)
    return 0 if shipments else 1
