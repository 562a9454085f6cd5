"""GTIN checks before registration: 8, 13 or 14 digits with a valid GS1 check digit."""

from cloud.forward.errors import MissingData

LENGTHS = (8, 12, 13, 14)


def check_digit(body: str) -> int:
    """The GS1 mod-10 check digit of the digits before it."""
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return (10 - total % 10) % 10


def valid_gtin(value: str) -> bool:
    """Whether value is a GTIN-8/12/13/14 (or one zero-padded to 14) with a right check digit."""
    if not value.isdigit() or len(value) not in LENGTHS:
        return False
    return check_digit(value[:-1]) == int(value[-1])


def portal_gtin(value: str | None) -> str:
    """The GTIN as the portal takes it (8, 13 or 14 digits; leading padding removed).

    Raises MissingData naming `gtin` when it is missing or its check digit is wrong.
    """
    if not value:
        raise MissingData("gtin")
    gtin = value.strip()
    if not valid_gtin(gtin):
        raise MissingData("gtin", f"gtin {gtin!r}: not 8/13/14 digits with a valid check digit")
    if len(gtin) == 14 and gtin.startswith("000000"):
        return gtin[6:]  # a GTIN-8 padded to 14
    if len(gtin) == 14 and gtin.startswith("0"):
        return gtin[1:]  # a GTIN-13 padded to 14
    if len(gtin) == 12:
        return "0" + gtin
    return gtin
