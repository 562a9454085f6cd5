"""ZPL II for thermal label printers: symbols as graphic fields (^GFA) at whole dots per module.

The symbols are drawn by zint, not by the printer's own barcode commands, so FNC1 and the
symbol's layout are the library's, and a module is an exact number of printer dots.
"""

import math
from collections.abc import Sequence

import numpy as np

from cloud.labels.errors import LabelDoesNotFit, LabelError
from cloud.labels.label import Label
from cloud.labels.layouts import ThermalLayout
from cloud.labels.placement import MIN_MODULE_MM, PlacedSymbol, PlacedText, place
from cloud.labels.render import raster
from cloud.labels.text import ascii_text

MAX_LABELS = 20_000


def _escape(text: str) -> str:
    """Field data for ^FH_: the characters ZPL reads as commands (and _ itself) as hex."""
    return "".join(f"_{ord(c):02X}" if c in "^~_" else c for c in ascii_text(text))


def graphic_field(dark: np.ndarray) -> str:
    """^GFA (uncompressed hex) of a 2-D array of dark pixels (True = printed dot)."""
    packed = np.packbits(dark.astype(bool), axis=1)
    rows, per_row = packed.shape
    total = rows * per_row
    return f"^GFA,{total},{total},{per_row},{packed.tobytes().hex().upper()}"


def _dots_per_module(placed: PlacedSymbol, dpmm: int) -> int:
    dots = math.floor(placed.module_mm * dpmm + 1e-6)
    if dots < 1 or dots / dpmm < MIN_MODULE_MM - 1e-6:
        raise LabelDoesNotFit(
            "layout",
            f"a {placed.symbol.symbology.value} module would be {dots} dots at {dpmm} dots/mm, "
            f"under {MIN_MODULE_MM} mm: use a larger label or a finer printer",
        )
    return dots


def _symbol_commands(placed: PlacedSymbol, dpmm: int) -> str:
    dots = _dots_per_module(placed, dpmm)
    pixels = raster(placed.symbol, dots) < 128
    if placed.symbol.linear:  # one row of bars, as tall as placed
        height = max(1, round(placed.height_mm * dpmm))
        pixels = np.repeat(pixels[2 * dots : 2 * dots + 1], height, axis=0)
    x, y = round(placed.x * dpmm), round(placed.y * dpmm)
    return f"^FO{x},{y}{graphic_field(pixels)}^FS"


def _text_commands(text: PlacedText, dpmm: int) -> str:
    height = max(10, round(text.size_mm * dpmm))
    x, y = round(text.x * dpmm), round(text.y * dpmm)
    width = max(1, round(text.width_mm * dpmm))
    # ^FB: one line the width of its room (the printer cuts what does not fit)
    return f"^FO{x},{y}^A0N,{height},{height}^FB{width},1,0,L^FH_^FD{_escape(text.text)}^FS"


def label_zpl(label: Label, layout: ThermalLayout) -> str:
    """One label: ^XA … ^XZ, sized to `layout`."""
    placement = place(label, layout.width_mm, layout.height_mm)
    parts = [f"^XA^CI28^PW{layout.width_dots}^LL{layout.height_dots}^LH0,0"]
    parts += [_symbol_commands(p, layout.dpmm) for p in placement.symbols]
    parts += [_text_commands(t, layout.dpmm) for t in placement.texts]
    parts.append("^PQ1^XZ")
    return "\n".join(parts)


def labels_zpl(labels: Sequence[Label], layout: ThermalLayout) -> str:
    """A ZPL document of the labels, one ^XA … ^XZ format each, to send to the printer."""
    if not labels:
        raise LabelError("count", "no labels to print")
    if len(labels) > MAX_LABELS:
        raise LabelError("count", f"{len(labels)} labels; one ZPL file holds {MAX_LABELS}")
    return "\n".join(label_zpl(label, layout) for label in labels) + "\n"
