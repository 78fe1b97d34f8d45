"""One PDF page's text in reading order, as lines and paragraphs.

MuPDF returns text blocks in content-stream order, which for typeset documents (LaTeX, office
suites) is column by column. Within a block its "lines" are not always visual lines: justified
text with wide gaps, or a table row, arrives as several pieces on one baseline. This module glues
pieces that share a baseline back into one line, removes end-of-line hyphenation, and separates
paragraphs with a blank line: at block boundaries and before an indented first line. A block
boundary is no paragraph break when the next block continues the same column without a gap (some
producers emit one block per line), or when a sentence cut by a column change resumes in lower
case at the top of the next column. Reflowing the lines into paragraphs is left to
`glyphctx.normalise`, as for any text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pymupdf

#: expand ligatures (ﬁ -> fi); glyphs without a Unicode mapping come out as U+FFFD, not as
#: their raw font codes (which read as random Greek or control characters)
TEXT_FLAGS = pymupdf.TEXT_PRESERVE_WHITESPACE | pymupdf.TEXT_MEDIABOX_CLIP

UNMAPPED = "\ufffd"
_UNMAPPED_RUN = re.compile(r"(?<=\S)\ufffd+(?=\S)")
_HYPHENS = ("-", "\u2010", "\u00ad")


@dataclass
class _Line:
    text: str
    x0: float
    y0: float
    x1: float
    y1: float
    size: float
    horizontal: bool

    @property
    def height(self) -> float:
        return max(self.y1 - self.y0, 1e-3)


@dataclass(frozen=True)
class PageText:
    text: str
    unmapped_glyphs: int  # glyphs whose font gives no Unicode text; dropped from `text`


def page_text(page: pymupdf.Page) -> PageText:
    content = page.get_text("dict", flags=TEXT_FLAGS)
    unmapped = 0
    blocks: list[list[_Line]] = []
    for block in content.get("blocks", ()):
        if block.get("type") != 0:
            continue
        lines: list[_Line] = []
        for raw in block.get("lines", ()):
            line, dropped = _line_of(raw)
            unmapped += dropped
            if line is not None:
                lines.append(line)
        merged = _merge_same_baseline(lines)
        if merged:
            blocks.append(merged)
    paragraphs: list[str] = []
    for group in _column_runs(blocks):
        paragraphs.extend(_paragraphs(group))
    return PageText("\n\n".join(paragraphs), unmapped)


def _line_of(raw: dict) -> tuple[_Line | None, int]:
    text = "".join(span.get("text", "") for span in raw.get("spans", ()))
    dropped = text.count(UNMAPPED)
    if dropped:
        # the glyphs are there on the page, just unreadable: keep the words apart, drop the rest
        text = _UNMAPPED_RUN.sub(" ", text).replace(UNMAPPED, "")
    if not text.strip():
        return None, dropped
    x0, y0, x1, y1 = raw["bbox"]
    size = max((span.get("size", 0.0) for span in raw.get("spans", ())), default=0.0) or (y1 - y0)
    dx, dy = raw.get("dir", (1.0, 0.0))
    return _Line(text, x0, y0, x1, y1, size, abs(dy) < 0.1 and dx > 0), dropped


def _merge_same_baseline(lines: list[_Line]) -> list[_Line]:
    """Glue the pieces MuPDF splits off one visual line (wide justification gaps, table cells)."""
    merged: list[_Line] = []
    for line in lines:
        if merged and _same_baseline(merged[-1], line):
            last = merged[-1]
            gap = line.x0 - last.x1
            joiner = "" if (gap < 0.1 * last.size or last.text[-1:].isspace() or line.text[:1].isspace()) else " "
            merged[-1] = _Line(last.text + joiner + line.text, min(last.x0, line.x0), min(last.y0, line.y0),
                               max(last.x1, line.x1), max(last.y1, line.y1), max(last.size, line.size), True)
        else:
            merged.append(line)
    for line in merged:
        line.text = line.text.strip()
    return merged


def _same_baseline(a: _Line, b: _Line) -> bool:
    if not (a.horizontal and b.horizontal):
        return False
    overlap = min(a.y1, b.y1) - max(a.y0, b.y0)
    return overlap > 0.5 * min(a.height, b.height)


def _column_runs(blocks: list[list[_Line]]) -> list[list[_Line]]:
    """Join consecutive blocks that continue one column without a paragraph gap."""
    runs: list[list[_Line]] = []
    for block in blocks:
        if runs and (_continues(runs[-1], block) or _resumes(runs[-1], block)):
            runs[-1].extend(block)
        else:
            runs.append(list(block))
    return runs


def _resumes(previous: list[_Line], block: list[_Line]) -> bool:
    """A paragraph broken by a column change: a full last line mid-sentence, resumed in lower case."""
    last, first = previous[-1], block[0]
    if len(previous) < 2 or not (last.horizontal and first.horizontal):
        return False
    if abs(first.size - last.size) > 0.15 * max(first.size, last.size):
        return False
    if not (last.text[-1:].isalnum() or last.text[-1:] in ",;") or not first.text[:1].islower():
        return False
    left, right = min(line.x0 for line in previous), max(line.x1 for line in previous)
    if last.x1 - left < 0.85 * (right - left):
        return False
    return first.x0 - min(line.x0 for line in block) < 0.5 * first.size


def _continues(previous: list[_Line], block: list[_Line]) -> bool:
    last, first = previous[-1], block[0]
    if not (last.horizontal and first.horizontal):
        return False
    if abs(first.size - last.size) > 0.15 * max(first.size, last.size):
        return False
    gap = first.y0 - last.y1
    if gap < -0.2 * last.height or gap > 0.5 * last.height:
        return False
    left_prev = min(line.x0 for line in previous)
    left_next = min(line.x0 for line in block)
    return abs(left_next - left_prev) < 2.0 * last.size


def _paragraphs(lines: list[_Line]) -> list[str]:
    lines = _dehyphenate(lines)
    left = min(line.x0 for line in lines)
    paragraphs: list[list[str]] = [[]]
    for i, line in enumerate(lines):
        if i and _starts_indented_paragraph(lines, i, left):
            paragraphs.append([])
        paragraphs[-1].append(line.text)
    return ["\n".join(p) for p in paragraphs if p]


def _starts_indented_paragraph(lines: list[_Line], i: int, left: float) -> bool:
    """A first-line indent: this line starts right of the margin that its neighbours share."""
    line = lines[i]
    em = max(line.size, 1.0)
    indent = line.x0 - left
    if not (0.5 * em <= indent <= 4.0 * em):
        return False
    at_margin = lambda other: abs(other.x0 - left) < 0.3 * em  # noqa: E731
    return at_margin(lines[i - 1]) and (i + 1 == len(lines) or at_margin(lines[i + 1]))


def _dehyphenate(lines: list[_Line]) -> list[_Line]:
    """'adip-' + 'iscing elit' -> 'adipiscing' + 'elit': the word moves up to the hyphen's line."""
    for i in range(len(lines) - 1):
        text, following = lines[i].text, lines[i + 1].text
        if not text.endswith(_HYPHENS) or len(text) < 2:
            continue
        soft = text.endswith("\u00ad")
        if not soft and not (text[-2].isalpha() and following[:1].islower()):
            continue
        word, _, rest = following.partition(" ")
        if not rest:  # the continuation is the whole next line: keep the lines as they are
            lines[i].text = text[:-1] + word
            lines[i + 1].text = ""
            continue
        lines[i].text = text[:-1] + word
        lines[i + 1].text = rest.lstrip()
    return [line for line in lines if line.text]
