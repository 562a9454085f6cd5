"""A temperature chart as inline SVG: min-max band, mean line, allowed range, excursions."""

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from markupsafe import Markup, escape

from cloud.local_time import LOCAL_TIME

W, H = 720, 240
LEFT, RIGHT, TOP, BOTTOM = 44, 10, 10, 26


def _fmt(value: float) -> str:
    return f"{value:.1f}"


def temperature_svg(
    points: Sequence[Any],
    *,
    low: float | None,
    high: float | None,
    excursions: Sequence[dict[str, Any]],
    label: str,
) -> Markup:
    """The series as an SVG element (empty string when there are no points)."""
    if not points:
        return Markup("")
    t0: float = points[0].first_time.timestamp()
    t1: float = max(points[-1].last_time.timestamp(), t0 + 1)
    values: list[float] = [p.min for p in points] + [p.max for p in points]
    values += [v for v in (low, high) if v is not None]
    v0: float = min(values) - 1
    v1: float = max(values) + 1

    def x(at: datetime | float) -> float:
        seconds = at.timestamp() if isinstance(at, datetime) else float(at)
        return LEFT + (seconds - t0) / (t1 - t0) * (W - LEFT - RIGHT)

    def y(value: float) -> float:
        return TOP + (v1 - value) / (v1 - v0) * (H - TOP - BOTTOM)

    parts = [
        f'<svg class="chart" data-testid="temperature-chart" viewBox="0 0 {W} {H}" role="img" '
        f'aria-label="{escape(label)}" xmlns="http://www.w3.org/2000/svg">'
    ]
    if low is not None or high is not None:
        top = y(high if high is not None else v1)
        bottom = y(low if low is not None else v0)
        parts.append(
            f'<rect class="band" x="{LEFT}" y="{_fmt(top)}" width="{W - LEFT - RIGHT}" '
            f'height="{_fmt(bottom - top)}"/>'
        )
    for exc in excursions:
        start = max(x(exc["start_time"]), LEFT)
        end = min(x(exc["end_time"] or exc["last_time"]), W - RIGHT)
        parts.append(
            f'<rect class="excursion" x="{_fmt(start)}" y="{TOP}" '
            f'width="{_fmt(max(end - start, 2))}" height="{H - TOP - BOTTOM}"/>'
        )
    upper = " ".join(f"{_fmt(x(p.first_time))},{_fmt(y(p.max))}" for p in points)
    lower = " ".join(f"{_fmt(x(p.first_time))},{_fmt(y(p.min))}" for p in reversed(points))
    parts.append(f'<polygon class="range" points="{upper} {lower}"/>')
    mean = " ".join(f"{_fmt(x(p.first_time))},{_fmt(y(p.mean))}" for p in points)
    parts.append(f'<polyline class="mean" points="{mean}"/>')
    for tick in range(5):
        value = v0 + (v1 - v0) * tick / 4
        parts.append(
            f'<text class="tick" x="{LEFT - 4}" y="{_fmt(y(value) + 4)}" '
            f'text-anchor="end">{_fmt(value)}</text>'
        )
    for at, anchor in ((t0, "start"), (t1, "end")):
        text = datetime.fromtimestamp(at, LOCAL_TIME).strftime("%d/%m %H:%M")
        parts.append(
            f'<text class="tick" x="{_fmt(x(at))}" y="{H - 8}" text-anchor="{anchor}">{text}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))
