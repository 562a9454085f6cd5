"""The `txng report …` subcommands' arguments (nothing heavy: the PDF library loads later)."""

import argparse
from datetime import datetime

from cloud.local_time import LOCAL_TIME
from cloud.reports.texts import LANGUAGES

FORMATS = ("pdf", "xlsx", "csv")


def _report(args: argparse.Namespace) -> int:
    from cloud.reports.command import report_command

    return report_command(args)


def _shipments(args: argparse.Namespace) -> int:
    from cloud.reports.command import shipments_command

    return shipments_command(args)


def _time(text: str) -> datetime:
    """An ISO 8601 time; without an offset it is Vietnam time."""
    try:
        at = datetime.fromisoformat(text)
    except ValueError as err:
        raise argparse.ArgumentTypeError(f"not an ISO 8601 time: {text!r}") from err
    return at if at.tzinfo is not None else at.replace(tzinfo=LOCAL_TIME)


def add_report_commands(groups: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    """`txng report batch`, `txng report shipment` and `txng report shipments`."""
    report = groups.add_parser("report", help="cold-chain reports (PDF, XLSX, CSV)")
    kinds = report.add_subparsers(dest="command", required=True)
    batch = kinds.add_parser("batch", help="a batch's whole life, or one stay (--location --at)")
    batch.add_argument("batch", help="batch id, or GTIN/LOT")
    batch.add_argument("--location", help="with --at: only the stay at this location")
    batch.add_argument("--at", type=_time, help="a time within that stay (ISO 8601)")
    batch.add_argument("--site", help="the stay's site, if the location code is not unique")
    shipment = kinds.add_parser("shipment", help="a logistic unit's journey between two sites")
    shipment.add_argument("sscc", help="the unit's SSCC (18 digits)")
    shipment.add_argument("--departed", type=_time, help="which shipment (default: the latest)")
    shipment.add_argument("--profile", help="the profile to judge by, if the contents differ")
    for command in (batch, shipment):
        command.add_argument("--format", choices=FORMATS, default="pdf")
        command.add_argument("--lang", choices=LANGUAGES, default="vi")
        command.add_argument("-o", "--output", help="file to write (default: a name in .)")
        command.add_argument("--database-url", help="overrides TXNG_DATABASE_URL")
        command.set_defaults(handler=_report)
    listing = kinds.add_parser("shipments", help="list a logistic unit's shipments")
    listing.add_argument("sscc")
    listing.add_argument("--database-url", help="overrides TXNG_DATABASE_URL")
    listing.set_defaults(handler=_shipments)
