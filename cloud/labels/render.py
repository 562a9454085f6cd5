"""Draw a symbol: a raster at a whole number of pixels per module (PNG), or SVG in millimetres."""

import io

import numpy as np
import numpy.typing as npt
from PIL import Image

from cloud.labels.symbols import Modules, Symbol

Raster = npt.NDArray[np.uint8]  # 0 dark, 255 light


def with_quiet_zone(symbol: Symbol) -> Modules:
    """The module grid with its quiet zone (linear symbols: bars drawn `bar_height` tall)."""
    grid = symbol.modules
    if symbol.linear:
        grid = np.repeat(grid[:1], symbol.bar_height, axis=0)
        return np.pad(grid, ((2, 2), (symbol.quiet_zone, symbol.quiet_zone)))
    return np.pad(grid, symbol.quiet_zone)


def raster(symbol: Symbol, module_px: int, *, quarter_turns: int = 0) -> Raster:
    """Pixels of the symbol, `module_px` per module, turned by 90° steps counter-clockwise."""
    if module_px < 1:
        raise ValueError("module_px must be at least 1")
    grid = with_quiet_zone(symbol)
    pixels = np.where(grid, 0, 255).astype(np.uint8)
    pixels = np.repeat(np.repeat(pixels, module_px, axis=0), module_px, axis=1)
    return np.ascontiguousarray(np.rot90(pixels, quarter_turns))


def one_bit_image(symbol: Symbol, module_px: int = 1) -> Image.Image:
    """The symbol as a 1-bit image (for PDF sheets and ZPL graphics)."""
    return Image.fromarray(raster(symbol, module_px) > 127)


def png(symbol: Symbol, module_px: int = 4, dpi: int = 300) -> bytes:
    """A 1-bit PNG at `module_px` pixels per module, tagged with `dpi`."""
    out = io.BytesIO()
    one_bit_image(symbol, module_px).save(out, format="PNG", dpi=(dpi, dpi))
    return out.getvalue()


def _runs(grid: Modules) -> list[tuple[int, int, int]]:
    """(x, y, length) of each horizontal run of dark modules."""
    runs = []
    padded = np.pad(grid.astype(np.int8), ((0, 0), (1, 1)))
    for y, edges in enumerate(np.diff(padded, axis=1)):
        starts = np.flatnonzero(edges == 1)
        ends = np.flatnonzero(edges == -1)
        runs += [(int(s), y, int(e - s)) for s, e in zip(starts, ends, strict=True)]
    return runs


def svg(symbol: Symbol, module_mm: float = 0.5) -> str:
    """An SVG of the symbol with its quiet zone; one module is `module_mm` millimetres."""
    grid = with_quiet_zone(symbol)
    height, width = grid.shape
    path = "".join(f"M{x} {y}h{n}v1h-{n}z" for x, y, n in _runs(grid))
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width * module_mm:g}mm" '
        f'height="{height * module_mm:g}mm" viewBox="0 0 {width} {height}" '
        f'shape-rendering="crispEdges"><rect width="{width}" height="{height}" fill="#fff"/>'
        f'<path fill="#000" d="{path}"/></svg>'
    )
