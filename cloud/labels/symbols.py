"""Encode symbols with zint (libzint): QR, GS1 DataMatrix and GS1-128, as a grid of modules.

zint writes FNC1 (first position and separators) from the bracketed element string itself,
picks QR masks and DataMatrix sizes, and (warnings made errors) refuses data it finds wrong.
"""

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import numpy as np
import numpy.typing as npt
import zint

from cloud.labels.element_string import ElementString
from cloud.labels.errors import LabelError

Modules = npt.NDArray[np.bool_]
GS1_128_MAX_DATA = 48  # GS1 General Specifications 5.4.1: at most 48 data characters


class Symbology(StrEnum):
    """The symbols txng prints."""

    QR = "qr"  # GS1 Digital Link URI in a plain QR code
    DATAMATRIX = "datamatrix"  # GS1 DataMatrix (FNC1 first)
    GS1_128 = "gs1_128"  # GS1-128 (Code 128 with FNC1 first)


@dataclass(frozen=True)
class Symbol:
    """Dark modules (True) row by row; a linear symbol has one row, drawn `bar_height` tall."""

    symbology: Symbology
    modules: Modules
    quiet_zone: int  # modules of light margin each side (ISO minimum)
    bar_height: int  # modules tall, for linear symbols; 0 for 2-D ones
    text: str  # what the symbol carries, human-readable (URI or (01)… string)

    @property
    def linear(self) -> bool:
        """Whether this is a one-row (barcode) symbol."""
        return self.bar_height > 0

    @property
    def outer_shape(self) -> tuple[int, int]:
        """(rows, columns) of modules with the quiet zone (linear: bars `bar_height` tall)."""
        rows, columns = self.modules.shape
        if self.linear:
            return self.bar_height + 4, columns + 2 * self.quiet_zone
        return rows + 2 * self.quiet_zone, columns + 2 * self.quiet_zone


_ZINT = {
    Symbology.QR: zint.Symbology.QRCODE,
    Symbology.DATAMATRIX: zint.Symbology.DATAMATRIX,
    Symbology.GS1_128: zint.Symbology.GS1_128,
}
_QUIET = {Symbology.QR: 4, Symbology.DATAMATRIX: 1, Symbology.GS1_128: 10}
QR_ECC_M = 2  # zint's option_1 for error correction level M (15 %)
GS1_128_HEIGHT = 50  # modules: 12.5 mm at the 0.25 mm minimum X (GS1 asks ≥ 12.7 mm at 0.495)


def _encode(symbology: Symbology, data: str, *, gs1: bool) -> Any:
    symbol = zint.Symbol()
    symbol.symbology = _ZINT[symbology]
    symbol.warn_level = zint.WarningLevel.FAIL_ALL
    if gs1:  # else zint's default: the bytes as given
        symbol.input_mode = zint.InputMode.GS1
    if symbology is Symbology.QR:
        symbol.option_1 = QR_ECC_M
    elif symbology is Symbology.DATAMATRIX:
        symbol.option_3 = zint.DataMatrixOptions.SQUARE
    try:
        symbol.encode(data.encode("utf-8") if not gs1 else data)
    except RuntimeError as err:
        raise LabelError("symbol", f"{symbology.value}: {err}") from err
    return symbol


def _modules(symbol: Any) -> Modules:
    rows, width = int(symbol.rows), int(symbol.width)
    packed = np.asarray(symbol.encoded_data, dtype=np.uint8)[:rows]
    # zint stores module x of row y as bit (x & 7) of byte x >> 3 (least significant first).
    bits = np.unpackbits(packed, axis=1, bitorder="little")[:, :width]
    return bits.astype(bool)


def encode_uri(uri: str) -> Symbol:
    """A QR code (error correction M) of a Digital Link URI."""
    symbol = _encode(Symbology.QR, uri, gs1=False)
    return Symbol(Symbology.QR, _modules(symbol), _QUIET[Symbology.QR], 0, uri)


def encode_gs1(symbology: Symbology, elements: ElementString) -> Symbol:
    """A GS1 DataMatrix or GS1-128 of the element string."""
    if symbology is Symbology.QR:
        raise LabelError("symbology", "txng prints QR codes as Digital Link URIs (encode_uri)")
    if symbology is Symbology.GS1_128 and elements.data_length() > GS1_128_MAX_DATA:
        last = elements.elements[-1].rule.field
        raise LabelError(
            last,
            f"{elements.human()} needs {elements.data_length()} characters; GS1-128 holds "
            f"{GS1_128_MAX_DATA} (shorten {last} or use a DataMatrix)",
        )
    symbol = _encode(symbology, elements.bracketed(), gs1=True)
    height = GS1_128_HEIGHT if symbology is Symbology.GS1_128 else 0
    return Symbol(symbology, _modules(symbol), _QUIET[symbology], height, elements.human())
