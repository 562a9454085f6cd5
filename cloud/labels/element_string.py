"""GS1 element strings for labels, checked against the GS1 rules a symbol library leaves to us.

Check digits, AI value syntax (digits, CSET 82), dates (YYMMDD inside GS1's century window)
and maximum lengths are checked here, before anything is drawn, so a batch whose data would
print an invalid label gets an error naming the field.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Literal

from cloud.labels.errors import LabelError
from cloud.masterdata.rows import gs1_check_digit

# GS1 General Specifications, figure 7.11-1 (the 82 characters allowed in AI 10, 21, …).
CSET82 = frozenset(
    "!\"%&'()*+,-./0123456789:;<=>?ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz"
)
Kind = Literal["key", "date", "text", "count"]


@dataclass(frozen=True)
class AiRule:
    """How the value of one AI is written: its field name, kind and length."""

    ai: str
    field: str
    kind: Kind
    length: int  # the exact length for keys and dates, the maximum for text and counts
    fixed: bool  # a predefined-length AI: needs no FNC1 separator after it


RULES: dict[str, AiRule] = {
    rule.ai: rule
    for rule in (
        AiRule("00", "sscc", "key", 18, True),
        AiRule("01", "gtin", "key", 14, True),
        AiRule("02", "content_gtin", "key", 14, True),
        AiRule("11", "production_date", "date", 6, True),
        AiRule("13", "pack_date", "date", 6, True),
        AiRule("15", "best_before_date", "date", 6, True),
        AiRule("17", "expiry_date", "date", 6, True),
        AiRule("37", "count", "count", 8, False),
        AiRule("10", "lot", "text", 20, False),
        AiRule("21", "serial", "text", 20, False),
    )
}
# Predefined-length AIs first, variable ones last (each but the last then ends with FNC1).
_ORDER = {ai: i for i, ai in enumerate(RULES)}


@dataclass(frozen=True)
class Element:
    """One AI and its value, as written in the symbol."""

    ai: str
    value: str

    @property
    def rule(self) -> AiRule:
        """The rule of this element's AI."""
        return RULES[self.ai]


def check_key(value: str, field: str, length: int) -> str:
    """A GS1 key (GTIN-14, SSCC) of `length` digits with a valid check digit."""
    if len(value) != length or not value.isascii() or not value.isdigit():
        raise LabelError(field, f"must be {length} digits, not {value!r}")
    expected = gs1_check_digit(value[:-1])
    if int(value[-1]) != expected:
        raise LabelError(field, f"check digit of {value} is wrong (expected {expected})")
    return value


def check_text(value: str, field: str, max_length: int = 20) -> str:
    """A CSET 82 value of 1 to `max_length` characters (lots, serials)."""
    if not value:
        raise LabelError(field, "is empty")
    if len(value) > max_length:
        raise LabelError(field, f"{value!r} has {len(value)} characters; GS1 allows {max_length}")
    bad = sorted({c for c in value if c not in CSET82})
    if bad:
        shown = " ".join(repr(c) for c in bad)
        raise LabelError(field, f"{value!r} has characters GS1 does not allow here: {shown}")
    return value


def gs1_date(value: date, field: str, today: date) -> str:
    """YYMMDD, if the two-digit year reads back as `value`'s year (GS1's -49/+50 year window)."""
    if not today.year - 49 <= value.year <= today.year + 50:
        raise LabelError(
            field,
            f"{value.isoformat()} cannot be written as YYMMDD: GS1 reads a two-digit year as "
            f"{today.year - 49}-{today.year + 50}",
        )
    return value.strftime("%y%m%d")


def _check(element: Element) -> Element:
    rule = RULES.get(element.ai)
    if rule is None:
        raise LabelError(f"ai_{element.ai}", "this AI is not printed by txng")
    if rule.kind == "key":
        check_key(element.value, rule.field, rule.length)
    elif rule.kind == "text":
        check_text(element.value, rule.field, rule.length)
    elif rule.kind == "date":
        if len(element.value) != 6 or not element.value.isdigit():
            raise LabelError(rule.field, f"must be YYMMDD, not {element.value!r}")
    elif not (element.value.isdigit() and len(element.value) <= rule.length):
        raise LabelError(rule.field, f"must be 1 to {rule.length} digits, not {element.value!r}")
    return element


@dataclass(frozen=True)
class ElementString:
    """Checked elements in GS1 order (predefined-length AIs first); no AI twice."""

    elements: tuple[Element, ...]

    @classmethod
    def of(cls, elements: Iterable[Element]) -> "ElementString":
        """Check every element and put them in order."""
        checked = [_check(e) for e in elements]
        ais = [e.ai for e in checked]
        if len(set(ais)) != len(ais):
            raise LabelError("elements", f"an AI appears twice: {ais}")
        return cls(tuple(sorted(checked, key=lambda e: _ORDER[e.ai])))

    def bracketed(self) -> str:
        """`[01]…[10]…`: the symbol library's GS1 input (it places FNC1 itself)."""
        return "".join(f"[{e.ai}]{e.value}" for e in self.elements)

    def human(self) -> str:
        """`(01)…(10)…`: the human-readable interpretation printed under a symbol."""
        return "".join(f"({e.ai}){e.value}" for e in self.elements)

    def data_length(self) -> int:
        """Characters in the symbol: AIs, values and the FNC1 after each inner variable AI."""
        separators = sum(1 for e in self.elements[:-1] if not e.rule.fixed)
        return sum(len(e.ai) + len(e.value) for e in self.elements) + separators

    def value(self, field: str) -> str | None:
        """The value written for `field` (gtin, lot, serial, …), if any."""
        return next((e.value for e in self.elements if e.rule.field == field), None)


def unit_elements(
    *, gtin: str, lot: str, today: date, serial: str | None = None, expiry: date | None = None
) -> ElementString:
    """(01) GTIN, (17) expiry when set, (10) lot and (21) serial when serialised."""
    elements = [_check(Element("01", gtin)), _check(Element("10", lot))]
    if expiry is not None:
        elements.append(Element("17", gs1_date(expiry, "expiry_date", today)))
    if serial is not None:
        elements.append(Element("21", serial))
    return ElementString.of(elements)


def sscc_elements(sscc: str) -> ElementString:
    """(00) SSCC: the logistic unit's own barcode."""
    return ElementString.of([Element("00", sscc)])


def pallet_content_elements(*, gtin: str, count: int, lot: str) -> ElementString:
    """(02) GTIN of the trade items, (37) how many, (10) their lot: a homogeneous pallet."""
    if not 1 <= count <= 99_999_999:
        raise LabelError("count", f"must be 1 to 99999999, not {count}")
    return ElementString.of([Element("02", gtin), Element("37", str(count)), Element("10", lot)])
