"""Where a label's symbols and text go inside a label of a given size (millimetres)."""

from dataclasses import dataclass

from cloud.labels.errors import LabelDoesNotFit
from cloud.labels.label import Label
from cloud.labels.symbols import Symbol

MIN_MODULE_MM = 0.25  # the smallest X dimension txng prints (GS1 DataMatrix/QR/128 minimum)
MAX_MODULE_MM = 1.0
MAX_BAR_MM = 32.0  # GS1 logistic labels: 31.75 mm
LINE_SPACING = 1.25


@dataclass(frozen=True)
class PlacedSymbol:
    """A symbol (with quiet zone) drawn at x, y: `module_mm` wide per module, `height_mm` tall."""

    symbol: Symbol
    x: float
    y: float
    module_mm: float
    height_mm: float

    @property
    def width_mm(self) -> float:
        """Width including the quiet zones."""
        return symbol_width(self.symbol, self.module_mm)


@dataclass(frozen=True)
class PlacedText:
    """One line of text: its top-left corner, its height and the width it may use."""

    text: str
    x: float
    y: float
    size_mm: float
    width_mm: float


@dataclass(frozen=True)
class Placement:
    """Everything drawn on one label, relative to the label's top-left corner."""

    symbols: tuple[PlacedSymbol, ...]
    texts: tuple[PlacedText, ...]


def _module(symbol: Symbol, room_mm: float, what: str) -> float:
    modules = symbol.outer_shape[1]
    module = min(MAX_MODULE_MM, room_mm / modules)
    if module < MIN_MODULE_MM:
        raise LabelDoesNotFit(
            "layout",
            f"the {symbol.symbology.value} symbol ({modules} modules) needs "
            f"{modules * MIN_MODULE_MM:.1f} mm {what}; this label has {room_mm:.1f} mm",
        )
    return module


def _lines(
    lines: tuple[str, ...], x: float, y: float, size: float, width: float
) -> list[PlacedText]:
    return [PlacedText(t, x, y + i * size * LINE_SPACING, size, width) for i, t in enumerate(lines)]


def _side(label: Label, width: float, height: float) -> Placement:
    pad = min(1.5, height * 0.06)
    symbol = label.symbols[0]
    module = _module(symbol, min(height - 2 * pad, (width - 2 * pad) * 0.55), "square")
    side = symbol.outer_shape[0] * module
    placed = PlacedSymbol(symbol, pad, (height - side) / 2, module, side)
    text_x = pad + side + pad
    size = min(3.0, (height - 2 * pad) / max(1, len(label.lines)) / LINE_SPACING)
    texts = _lines(label.lines, text_x, pad, size, width - text_x - pad)
    return Placement((placed,), tuple(texts))


def _stack(label: Label, width: float, height: float) -> Placement:
    pad = min(2.0, height * 0.06)
    size = max(1.8, min(3.5, height * 0.045))
    texts = _lines(label.lines, pad, pad, size, width - 2 * pad)
    top = pad + len(label.lines) * size * LINE_SPACING + pad
    hri = size * 0.8
    each = (height - top - pad) / len(label.symbols) - hri * LINE_SPACING - pad
    if each < 5.0:
        raise LabelDoesNotFit("layout", f"no room for the barcodes under {len(label.lines)} lines")
    bars = min(MAX_BAR_MM, each)
    top = height - pad - len(label.symbols) * (bars + hri * LINE_SPACING + pad)  # at the bottom
    symbols = []
    for symbol in label.symbols:
        module = _module(symbol, width, "wide")  # its quiet zones may take the padding
        placed = PlacedSymbol(symbol, (width - symbol_width(symbol, module)) / 2, top, module, bars)
        symbols.append(placed)
        texts += _lines((symbol.text,), pad, top + bars + pad / 2, hri, width - 2 * pad)
        top += bars + hri * LINE_SPACING + pad
    return Placement(tuple(symbols), tuple(texts))


def symbol_width(symbol: Symbol, module_mm: float) -> float:
    """Width of the symbol with its quiet zones at `module_mm`."""
    return float(symbol.outer_shape[1] * module_mm)


def place(label: Label, width_mm: float, height_mm: float) -> Placement:
    """Lay the label out in width x height mm; LabelDoesNotFit when a module would be too small."""
    if label.arrangement == "side":
        return _side(label, width_mm, height_mm)
    return _stack(label, width_mm, height_mm)
