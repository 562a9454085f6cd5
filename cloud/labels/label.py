"""What one label shows: its symbols and lines of text, built from a batch's facts."""

from dataclasses import dataclass
from datetime import date
from typing import Literal

from cloud.db.serials import LabelFacts
from cloud.labels.digital_link import digital_link
from cloud.labels.element_string import (
    ElementString,
    check_key,
    pallet_content_elements,
    sscc_elements,
    unit_elements,
)
from cloud.labels.symbols import Symbol, Symbology, encode_gs1, encode_uri

Arrangement = Literal["side", "stack"]  # 2-D symbol beside the text; text above the symbols


@dataclass(frozen=True)
class Label:
    """Symbols and text lines of one label, and the element string it stands for."""

    symbols: tuple[Symbol, ...]
    lines: tuple[str, ...]
    elements: ElementString
    arrangement: Arrangement


def _date(value: date | None) -> str:
    return value.strftime("%d/%m/%Y") if value is not None else ""


def unit_text(facts: LabelFacts, serial: str | None) -> tuple[str, ...]:
    """Product, lot, expiry and serial lines of a pack's label."""
    lines = [facts.product_name or facts.gtin, f"Lô/Lot: {facts.lot}"]
    if facts.expiry_date is not None:
        lines.append(f"HSD/EXP: {_date(facts.expiry_date)}")
    if serial is not None:
        lines.append(f"Số/SN: {serial}")
    return tuple(lines)


def unit_element_string(facts: LabelFacts, serial: str | None, today: date) -> ElementString:
    """The checked element string of one pack (raises LabelError naming a bad field)."""
    return unit_elements(
        gtin=facts.gtin, lot=facts.lot, serial=serial, expiry=facts.expiry_date, today=today
    )


def unit_label(
    facts: LabelFacts, *, serial: str | None, symbology: Symbology, base_url: str, today: date
) -> Label:
    """A pack's label: a Digital Link QR, a GS1 DataMatrix or a GS1-128, with its text."""
    elements = unit_element_string(facts, serial, today)
    if symbology is Symbology.QR:
        symbol = encode_uri(digital_link(base_url, elements))
    else:
        symbol = encode_gs1(symbology, elements)
    arrangement: Arrangement = "stack" if symbol.linear else "side"
    return Label((symbol,), unit_text(facts, serial), elements, arrangement)


def logistic_label(
    sscc: str, *, facts: LabelFacts | None, count: int | None, sender: str | None = None
) -> Label:
    """The GS1 logistic label of an SSCC: (00) below; (02)+(37)+(10) for a homogeneous pallet."""
    check_key(sscc, "sscc", 18)
    unit = sscc_elements(sscc)
    symbols = []
    lines = [sender or (facts.producer_name if facts else None) or "", f"SSCC: {sscc}"]
    if facts is not None and count is not None:
        content = pallet_content_elements(gtin=facts.gtin, count=count, lot=facts.lot)
        symbols.append(encode_gs1(Symbology.GS1_128, content))
        lines += [
            f"{facts.product_name or ''}".strip() or facts.gtin,
            f"CONTENT (02): {facts.gtin}",
            f"COUNT (37): {count}",
            f"BATCH/LOT (10): {facts.lot}",
        ]
        if facts.expiry_date is not None:
            lines.append(f"HSD/EXP: {_date(facts.expiry_date)}")
    symbols.append(encode_gs1(Symbology.GS1_128, unit))  # the SSCC barcode goes at the bottom
    return Label(tuple(symbols), tuple(line for line in lines if line), unit, "stack")
