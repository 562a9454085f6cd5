"""AIM symbology identifiers (ISO/IEC 15424): the `]Cm` prefix a scanner may send first."""

import re

_AIM = re.compile(r"^\][A-Za-z][0-9A-Za-z]")

# The identifiers that say the data is a GS1 element string (FNC1 in first position).
GS1_SYMBOLOGIES = frozenset({"]C1", "]e0", "]d2", "]Q3", "]J1"})


def split_aim(text: str) -> tuple[str | None, str]:
    """The AIM identifier at the start of `text` (or None) and the data after it."""
    if _AIM.match(text):
        return text[:3], text[3:]
    return None, text
