"""`txng labels batch|reprint|sscc|layouts`: write label files (arguments in cli_args.py)."""

import argparse
import logging
import sys
from pathlib import Path

from cloud.db import integrity_store
from cloud.db.errors import DatabaseUnavailable, DataRejected
from cloud.db.pool import Database
from cloud.labels import service
from cloud.labels.errors import LabelError
from cloud.labels.layouts import SHEETS, THERMAL
from cloud.labels.service import BatchNotFound, LabelSet, Output
from cloud.labels.symbols import Symbology
from cloud.masterdata.rows import normalise_gtin
from cloud.settings.api import load_api_settings
from cloud.settings.common import required_database_url
from plumbing.logs import configure_logging
from plumbing.settings import ConfigError, configured, log_level

log = logging.getLogger(__name__)


def _base_url(given: str | None) -> str:
    if given:
        return given
    api = load_api_settings()
    if not configured(api, "api_public_base_url"):
        raise ConfigError(
            "TXNG_API_PUBLIC_BASE_URL: not set (or pass --base-url): the consumer page's "
            "public address goes into every QR code"
        )
    return api.api_public_base_url


def _output(args: argparse.Namespace) -> Output:
    if args.format:
        return Output(args.format)
    suffix = Path(args.out).suffix.lstrip(".").lower()
    try:
        return Output(suffix)
    except ValueError as err:
        raise LabelError("format", f"give --format (pdf, zpl, png, svg) for {args.out}") from err


def _batch_id(database: Database, gtin: str, lot: str) -> int:
    with database.transaction() as conn, conn.cursor() as cur:
        found = integrity_store.batch_id(cur, normalise_gtin(gtin), lot)
    if found is None:
        raise BatchNotFound(f"no batch {gtin}/{lot}")
    return found


def _make(args: argparse.Namespace, database: Database) -> LabelSet:
    if args.command == "batch":
        batch = _batch_id(database, args.gtin, args.lot)
        symbology = Symbology(args.symbology)
        if args.serials:
            return service.serialised_labels(
                database, batch_id=batch, site=None, symbology=symbology, count=args.serials,
                base_url=_base_url(args.base_url), created_by=args.by,
            )
        return service.batch_labels(
            database, batch_id=batch, site=None, symbology=symbology, copies=args.copies,
            base_url=_base_url(args.base_url),
        )
    if args.command == "reprint":
        return service.job_labels(
            database, job_id=args.job, site=None, base_url=_base_url(args.base_url)
        )
    batch_id = _batch_id(database, args.gtin, args.lot) if args.gtin and args.lot else None
    return service.sscc_labels(database, ssccs=args.sscc, site=None, batch_id=batch_id,
                               count=args.count)


def labels_command(args: argparse.Namespace) -> int:
    """Write the labels asked for to `--out`; exit 1 with the field to fix when they are bad."""
    configure_logging(log_level(), json_lines=False)
    if args.command == "layouts":
        for sheet in SHEETS.values():
            sys.stdout.write(f"pdf  {sheet.name:14} {sheet.description}\n")
        for roll in THERMAL.values():
            sys.stdout.write(
                f"zpl  {roll.name:14} {roll.width_mm:g} x {roll.height_mm:g} mm, "
                f"{roll.dpmm} dots/mm\n"
            )
        return 0
    database = Database(required_database_url(args.database_url), max_connections=1)
    try:
        output = _output(args)
        made = _make(args, database)
        content = service.write(made.labels, output, args.layout)
    except (LabelError, BatchNotFound) as err:
        log.error("no labels: %s", err)
        return 1
    except (DatabaseUnavailable, DataRejected) as err:
        log.error("no labels: %s", err)
        return 1
    finally:
        database.close()
    Path(args.out).write_bytes(content)
    job = f" (print job {made.job.id}: serials {made.job.serials[0]}-{made.job.serials[-1]})" \
        if made.job else ""
    log.info("%s: %d labels%s", args.out, len(made.labels), job)
    return 0
