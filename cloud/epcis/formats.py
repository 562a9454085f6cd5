"""JSON Schema format checks EPCIS needs: RFC 3339 date-times (with offset), dates, URIs."""

import re
from datetime import datetime

from jsonschema import FormatChecker

_DATE_TIME = re.compile(
    r"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:[Zz]|[+-]\d{2}:\d{2})$"
)
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_URI = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:[^\s\"<>\\^`{|}]+$")


def is_date_time(value: object) -> bool:
    """RFC 3339 date-time: a full date, a time and an explicit offset (Z or ±hh:mm)."""
    if not isinstance(value, str):
        return True
    if not _DATE_TIME.match(value):
        return False
    try:
        datetime.fromisoformat(value.replace("z", "Z").replace("t", "T"))
    except ValueError:
        return False
    return True


def is_date(value: object) -> bool:
    """RFC 3339 full-date."""
    if not isinstance(value, str):
        return True
    if not _DATE.match(value):
        return False
    try:
        datetime.strptime(value, "%Y-%m-%d")
    except ValueError:
        return False
    return True


def is_uri(value: object) -> bool:
    """An absolute URI (RFC 3986: scheme ':' and no spaces), which includes CURIE-style terms."""
    return not isinstance(value, str) or bool(_URI.match(value))


def format_checker() -> FormatChecker:
    """A checker of date-time and date formats.

    `uri` is not checked as a format: the schema names CBV terms outside its own enums (e.g.
    sensor types such as `EffectiveDoseRate`) through `uri` alternatives, and documents that
    conformant repositories accept use them; the semantic checks judge vocabulary values.
    """
    checker = FormatChecker(formats=())
    checker.checks("date-time")(is_date_time)
    checker.checks("date")(is_date)
    return checker
