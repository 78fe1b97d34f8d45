"""Glyph's rendering route: reportlab lays the text out into a PDF, poppler rasterises it.

This reproduces the pipeline of Glyph (github.com/thu-coai/Glyph) under a glyphctx `RenderConfig`:
the font file registered as a reportlab TTFont, every source line escaped for reportlab's
paragraph markup (runs of spaces kept as non-breaking spaces), thirty lines at a time joined by
`<br/>` into one `Paragraph`, a document of the config's page size and margins, then
`pdf2image.convert_from_bytes` at the config's dpi, twenty pages per poppler call, and Glyph's
horizontal scaling and auto-cropping on the resulting images.

One deliberate difference: Glyph uses `SimpleDocTemplate`, whose frame adds 6 pt of padding
inside each margin. Here the frame has no padding, so the text area is exactly the one the
config's margins describe, the same area the other renderers fill; otherwise the page counts
would differ for a reason that has nothing to do with speed.
"""

from __future__ import annotations

import io
import re
from pathlib import Path
from xml.sax.saxutils import escape

import numpy as np
from pdf2image import convert_from_bytes, pdfinfo_from_bytes
from pdf2image.exceptions import PDFInfoNotInstalledError, PDFPageCountError, PDFSyntaxError
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_JUSTIFY, TA_LEFT, TA_RIGHT
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFError, TTFont
from reportlab.platypus import BaseDocTemplate, Frame, PageTemplate, Paragraph

from glyphctx.errors import FontError, GlyphctxError
from glyphctx.render.config import RenderConfig

from .font_file import resolve_font_path
from .page_colours import is_greyscale
from .page_finish import finish_pages

LINES_PER_PARAGRAPH = 30
"""Source lines joined into one reportlab Paragraph (Glyph's batching)."""
PAGES_PER_RASTER_CALL = 20
"""Pages poppler rasterises per call (Glyph's batching, which bounds memory on long inputs)."""

_ALIGNMENT = {"left": TA_LEFT, "right": TA_RIGHT, "center": TA_CENTER, "justify": TA_JUSTIFY}
_CJK = re.compile(r"[\u4E00-\u9FFF]")
_SPACE_RUN = re.compile(r" {2,}")
_registered: dict[Path, str] = {}


def render_reportlab(text: str, config: RenderConfig) -> list[np.ndarray]:
    """Render `text` into page images through reportlab and poppler, as Glyph does."""
    pdf = build_pdf(text, config)
    return finish_pages(rasterise_pdf(pdf, config), config)


def build_pdf(text: str, config: RenderConfig) -> bytes:
    """Lay the text out into a PDF whose pages match the config's size, margins and columns."""
    style = _paragraph_style(text, config)
    story = [Paragraph(chunk, style) for chunk in _paragraph_chunks(text)]
    buffer = io.BytesIO()
    document = BaseDocTemplate(
        buffer,
        pagesize=(config.page_width, config.page_height),
        leftMargin=config.margin_left,
        rightMargin=config.margin_right,
        topMargin=config.margin_top,
        bottomMargin=config.margin_bottom,
    )
    document.addPageTemplates(
        [PageTemplate(id="page", frames=_column_frames(config), onPage=_page_painter(config))]
    )
    document.build(story)
    return buffer.getvalue()


def rasterise_pdf(pdf: bytes, config: RenderConfig) -> list[np.ndarray]:
    """Every page of `pdf` as a uint8 array at the config's dpi, on one poppler thread."""
    greyscale = is_greyscale(config)
    try:
        page_count = pdfinfo_from_bytes(pdf)["Pages"]
        pages: list[np.ndarray] = []
        for first in range(1, page_count + 1, PAGES_PER_RASTER_CALL):
            last = min(first + PAGES_PER_RASTER_CALL - 1, page_count)
            images = convert_from_bytes(
                pdf, dpi=config.dpi, first_page=first, last_page=last, thread_count=1, grayscale=greyscale
            )
            pages.extend(np.asarray(image) for image in images)
    except PDFInfoNotInstalledError:
        raise GlyphctxError("poppler's pdfinfo/pdftoppm are not installed (apt install poppler-utils)") from None
    except (PDFPageCountError, PDFSyntaxError) as exc:
        raise GlyphctxError(f"poppler could not read the PDF reportlab wrote: {exc}") from None
    return pages


def _font_name(config: RenderConfig) -> str:
    """Register the config's font with reportlab once per file and return its registered name."""
    path = resolve_font_path(config)
    name = _registered.get(path)
    if name is None:
        name = f"glyphctx-{path.stem}"
        try:
            pdfmetrics.registerFont(TTFont(name, str(path)))
        except (TTFError, OSError) as exc:
            raise FontError(f"font {str(path)!r}: reportlab cannot load it ({exc})") from None
        _registered[path] = name
    return name


def _paragraph_style(text: str, config: RenderConfig) -> ParagraphStyle:
    background = colors.HexColor(config.background)
    return ParagraphStyle(
        name="glyph-like",
        fontName=_font_name(config),
        fontSize=config.font_size,
        leading=config.line_height,
        textColor=colors.HexColor(config.foreground),
        backColor=background,
        alignment=_ALIGNMENT[config.align],
        wordWrap="CJK" if _CJK.search(text) else None,
        firstLineIndent=0,
        leftIndent=0,
        rightIndent=0,
        spaceBefore=0,
        spaceAfter=0,
    )


def _paragraph_chunks(text: str) -> list[str]:
    """Paragraph markup for the text, `LINES_PER_PARAGRAPH` source lines per paragraph."""
    text = text.replace("\xad", "").replace("\u200b", "")
    marked = _SPACE_RUN.sub(lambda run: "&nbsp;" * len(run.group()), escape(text))
    lines = marked.split("\n")
    return ["<br/>".join(lines[i : i + LINES_PER_PARAGRAPH]) for i in range(0, len(lines), LINES_PER_PARAGRAPH)]


def _column_frames(config: RenderConfig) -> list[Frame]:
    height = config.page_height - config.margin_top - config.margin_bottom
    return [
        Frame(
            config.margin_left + column * (config.text_width_pt + config.column_gap),
            config.margin_bottom,
            config.text_width_pt,
            height,
            leftPadding=0,
            rightPadding=0,
            topPadding=0,
            bottomPadding=0,
            id=f"column-{column}",
        )
        for column in range(config.columns)
    ]


def _page_painter(config: RenderConfig):
    background = colors.HexColor(config.background)

    def paint(canvas, _document) -> None:
        canvas.saveState()
        canvas.setFillColor(background)
        canvas.rect(0, 0, config.page_width, config.page_height, stroke=0, fill=1)
        canvas.restoreState()

    return paint
