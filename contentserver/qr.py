"""QR codes (segno) as runs of dark modules, so the poster's SVG, its PDF and the home page draw the same code."""

from __future__ import annotations

from dataclasses import dataclass

import segno
from markupsafe import Markup, escape

QUIET_ZONE = 4  # modules of white around a code, as ISO/IEC 18004 asks


@dataclass(frozen=True)
class Code:
    """One QR code: its side in modules (without the quiet zone) and each row's dark runs (x, y, length)."""

    payload: str
    size: int
    runs: tuple[tuple[int, int, int], ...]


def make_code(payload: str) -> Code:
    """Error correction M at least (segno raises it when the version has room): a poster on a wall gets dirty.
    Text beyond ASCII (a Kazakh network name) is marked UTF-8 (ECI): readers otherwise guess its encoding, and
    zbar read a Cyrillic SSID as Shift JIS."""
    qr = segno.make_qr(payload, error="m", boost_error=True, eci=not payload.isascii())
    rows = [list(row) for row in qr.matrix]
    runs = []
    for y, row in enumerate(rows):
        x = 0
        while x < len(row):
            if row[x]:
                start = x
                while x < len(row) and row[x]:
                    x += 1
                runs.append((start, y, x - start))
            else:
                x += 1
    return Code(payload, len(rows), tuple(runs))


def svg_path(code: Code) -> str:
    """The code's dark modules as one stroked path, a row's run per `h` (relative moves keep it short: ~1-2 KB
    for a URL), in module units with the quiet zone at the origin."""
    parts: list[str] = []
    pen = (0.0, 0.0)
    for x, y, length in code.runs:
        start = (x + QUIET_ZONE, y + QUIET_ZONE + 0.5)
        if not parts:
            parts.append(f"M{start[0]:g} {start[1]:g}")
        else:
            parts.append(f"m{start[0] - pen[0]:g} {start[1] - pen[1]:g}")
        parts.append(f"h{length}")
        pen = (start[0] + length, start[1])
    return f'<path d="{"".join(parts)}" stroke="#000" stroke-width="1"/>'


def inline_svg(payload: str, label: str, css_class: str = "qr") -> Markup:
    """A standalone <svg> of `payload` for an HTML page, scaled by CSS, with `label` for screen readers."""
    code = make_code(payload)
    side = code.size + 2 * QUIET_ZONE
    # every text put in is escaped; the rest is numbers
    return Markup(  # noqa: S704
        f'<svg class="{escape(css_class)}" viewBox="0 0 {side} {side}" role="img" aria-label="{escape(label)}" '
        f'shape-rendering="crispEdges"><rect width="{side}" height="{side}" fill="#fff"/>{svg_path(code)}</svg>'
    )
