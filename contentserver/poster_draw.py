"""The poster on an A4 page, laid out once (in mm, with the PDF font's own widths) and drawn as SVG or as PDF
(fpdf2: pure Python, no network; the TTF it embeds has Kazakh and Russian letters), black on white."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from markupsafe import escape

from .errors import AppError
from .poster import PosterContent
from .qr import QUIET_ZONE, Code, svg_path

if TYPE_CHECKING:
    from fpdf import FPDF

PAGE_W, PAGE_H, MARGIN = 210.0, 297.0, 15.0  # A4, mm
PT = 25.4 / 72  # mm per point
SCALES = (1.5, 1.35, 1.2, 1.0, 0.85)  # text sizes tried, largest first
# Debian's fonts-dejavu-core first (on Raspberry Pi OS too), then others with the Kazakh Cyrillic letters.
FONTS = (
    ("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"),
    (
        "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf",
        "/usr/share/fonts/truetype/liberation/LiberationSans-Bold.ttf",
    ),
    ("/usr/share/fonts/truetype/freefont/FreeSans.ttf", "/usr/share/fonts/truetype/freefont/FreeSansBold.ttf"),
)
SVG_FONTS = "DejaVu Sans, Liberation Sans, FreeSans, Arial, sans-serif"


class PosterError(AppError):
    status = 500


@dataclass(frozen=True)
class Text:
    x: float  # mm; the left end, or the centre when centred
    y: float  # mm; the baseline
    size: float  # pt
    text: str
    bold: bool = False
    centred: bool = False


@dataclass(frozen=True)
class Qr:
    x: float  # mm; the quiet zone's top left corner
    y: float
    module: float  # mm per module
    code: Code


def _fonts(fonts=FONTS) -> tuple[str, str]:
    for regular, bold in fonts:
        if Path(regular).is_file() and Path(bold).is_file():
            return regular, bold
    raise PosterError("no font with Kazakh letters was found for the poster: install fonts-dejavu-core")


def _pdf() -> FPDF:
    # fpdf2 and its fontTools are the heaviest imports of the web app, and only a poster needs them.
    from fpdf import FPDF

    regular, bold = _fonts()
    pdf = FPDF(orientation="portrait", unit="mm", format="A4")
    pdf.set_auto_page_break(False)
    pdf.set_margin(0)
    pdf.add_font("Sans", "", regular)
    pdf.add_font("Sans", "B", bold)
    return pdf


class Layout:
    """Places the poster's parts from the top down; widths are measured with the font the PDF embeds."""

    def __init__(self, pdf: FPDF):
        self.pdf = pdf
        self.items: list[Text | Qr] = []
        self.y = MARGIN

    def width(self, text: str, size: float, bold: bool = False) -> float:
        self.pdf.set_font("Sans", "B" if bold else "", size)
        return self.pdf.get_string_width(text)

    def wrap(self, text: str, size: float, bold: bool, width: float) -> list[str]:
        lines: list[str] = []
        for word in text.split():
            if lines and self.width(f"{lines[-1]} {word}", size, bold) <= width:
                lines[-1] += f" {word}"
            else:
                lines.append(word)
        return lines

    def paragraph(self, text: str, size: float, bold: bool = False, centred: bool = False, indent: float = 0):
        x = PAGE_W / 2 if centred else MARGIN + indent
        for line in self.wrap(text, size, bold, PAGE_W - 2 * MARGIN - indent):
            self.y += size * PT * 1.25
            self.items.append(Text(x, self.y, size, line, bold, centred))

    def fitted(self, text: str, x: float, y: float, width: float, largest: float) -> None:
        """One centred line shrunk until it fits `width` (a long URL under its code)."""
        size = largest
        while size > 6 and self.width(text, size, True) > width:
            size -= 0.5
        self.items.append(Text(x, y, size, text, True, True))

    def codes(self, content: PosterContent) -> None:
        count = len(content.codes)
        columns = min(count, 3)
        cell = (PAGE_W - 2 * MARGIN) / max(columns, 2)  # one or two codes: half the width each, at most
        side = cell - 6
        for index, item in enumerate(content.codes):
            row, column = divmod(index, columns)
            in_row = min(columns, count - row * columns)
            left = PAGE_W / 2 - in_row * cell / 2 + column * cell
            top = self.y + 6 + row * (side + 14)
            self.items.append(Qr(left + 3, top, side / (item.code.size + 2 * QUIET_ZONE), item.code))
            self.fitted(item.caption, left + cell / 2, top + side + 3, cell - 2, 12)
        rows = -(-count // columns) if count else 0
        self.y += 6 + rows * (side + 14)


def _placed(content: PosterContent, pdf: FPDF, scale: float) -> Layout:
    page = Layout(pdf)
    if content.school:
        page.paragraph(content.school, 26 * scale, bold=True, centred=True)
    title = (15 if content.school else 22) * scale
    page.paragraph(" · ".join(content.titles), title, bold=not content.school, centred=True)
    page.codes(content)
    for steps in content.steps:
        page.y += 3 * scale
        page.paragraph(steps.heading, 12 * scale, bold=True)
        for number, line in enumerate(steps.lines, 1):
            page.paragraph(f"{number}. {line}", 11 * scale, indent=4)
    return page


def layout(content: PosterContent, pdf: FPDF) -> list[Text | Qr]:
    """The largest text that fits the page: a poster is read from a few steps away."""
    for scale in SCALES:
        page = _placed(content, pdf, scale)
        if page.y <= PAGE_H - MARGIN:
            return page.items
    raise PosterError(f"the poster does not fit on A4 ({page.y:.0f} mm of {PAGE_H - MARGIN:.0f}): shorten SCHOOL_NAME")


def poster_pdf(content: PosterContent) -> bytes:
    """The poster as a one-page A4 PDF."""
    pdf = _pdf()
    items = layout(content, pdf)
    pdf.set_title(content.school or content.titles[-1])
    pdf.add_page()
    pdf.set_fill_color(0)
    pdf.set_text_color(0)
    for item in items:
        if isinstance(item, Text):
            pdf.set_font("Sans", "B" if item.bold else "", item.size)
            x = item.x - pdf.get_string_width(item.text) / 2 if item.centred else item.x
            pdf.text(x, item.y, item.text)
            continue
        m = item.module
        for x, y, length in item.code.runs:
            left, top = item.x + (x + QUIET_ZONE) * m, item.y + (y + QUIET_ZONE) * m
            # a hair taller than a module, so no white seam shows between rows at any printer's resolution
            pdf.rect(left, top, length * m, m * 1.02, style="F")
    return bytes(pdf.output())


def poster_svg(content: PosterContent) -> str:
    """The poster as an A4 SVG document (mm user units), the same layout as the PDF."""
    items = layout(content, _pdf())
    out = [
        '<svg xmlns="http://www.w3.org/2000/svg" width="210mm" height="297mm" viewBox="0 0 210 297">',
        f"<title>{escape(content.school or content.titles[-1])}</title>",
        '<rect width="210" height="297" fill="#fff"/>',
        f'<g font-family="{SVG_FONTS}" fill="#000">',
    ]
    for item in items:
        if isinstance(item, Text):
            anchor = ' text-anchor="middle"' if item.centred else ""
            weight = ' font-weight="bold"' if item.bold else ""
            out.append(
                f'<text x="{item.x:.2f}" y="{item.y:.2f}" font-size="{item.size * PT:.2f}"{anchor}{weight}>'
                f"{escape(item.text)}</text>"
            )
        else:
            out.append(
                f'<g transform="translate({item.x:.2f} {item.y:.2f}) scale({item.module:.4f})" '
                f'shape-rendering="crispEdges">{svg_path(item.code)}</g>'
            )
    out.append("</g></svg>")
    return "\n".join(out) + "\n"


def make_poster(content: PosterContent, kind: str) -> bytes:
    """The poster as `kind` ("pdf" or "svg") bytes."""
    if kind == "pdf":
        return poster_pdf(content)
    if kind == "svg":
        return poster_svg(content).encode("utf-8")
    raise PosterError(f"a poster is a pdf or an svg, not {kind!r}")
