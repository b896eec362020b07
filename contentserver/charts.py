"""Bar charts as plain geometry for server-rendered SVG: pages show trends without JavaScript."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

WIDTH, HEIGHT, GAP = 600, 120, 2


@dataclass(frozen=True)
class Bar:
    """One bar: its box in chart units, and the text a browser shows on hover (an SVG <title>)."""

    x: float
    y: float
    width: float
    height: float
    title: str
    missing: bool = False


@dataclass(frozen=True)
class BarChart:
    """Bars in a WIDTH x HEIGHT box; `top` is the value the full height stands for."""

    bars: tuple[Bar, ...]
    top: float
    width: int = WIDTH
    height: int = HEIGHT


def bar_chart(points: Sequence[tuple[float | None, str]], top: float | None = None) -> BarChart:
    """(value, hover text) per bar, left to right; a None value is drawn as a short grey stub (no data).
    The scale tops at `top`, else at the largest value."""
    scale = top or max((value for value, _ in points if value), default=0.0) or 1.0
    step = WIDTH / max(len(points), 1)
    bars = []
    for index, (value, title) in enumerate(points):
        missing = value is None
        height = 2.0 if value is None else max(HEIGHT * min(value / scale, 1.0), 1.0 if value else 0.0)
        bars.append(Bar(index * step, HEIGHT - height, max(step - GAP, 1.0), height, title, missing))
    return BarChart(tuple(bars), scale)
