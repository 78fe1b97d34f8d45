"""Line breaking and pagination: text -> pages of positioned words, each line knowing its text span.

Breaking works on boxes (unbreakable runs: a word, or one CJK character with the punctuation that may
not be separated from it) and glue (spaces and tabs, which vanish at a line break). CJK text breaks
between characters except where kinsoku forbids it; a box wider than a line is broken between
characters. Spans are contiguous: a line owns its text up to the start of the next line, so the spans
of all pages concatenate to the whole text.

Word widths are whole pixels (each word keeps subpixel glyph positions inside it), so on ordinary
left-aligned lines every word sits at a whole pixel and one space after the previous one; the
rasteriser then assembles such a line from cached word cells with a single concatenation.

Right-to-left paragraphs (first strong character Arabic or Hebrew) are set from the right margin with
words ordered right to left; each word is shaped as a whole. This is word-level bidi, not the full
Unicode bidirectional algorithm: a left-to-right phrase inside a right-to-left paragraph has its words
in right-to-left order.
"""

from __future__ import annotations

import bisect
import itertools
import math
import operator
import re
import unicodedata
from dataclasses import dataclass

import numpy as np

from glyphctx.render.characters import code_points, distinct_characters
from glyphctx.render.config import RenderConfig
from glyphctx.render.words import WordCache

_CJK = (
    "\u1100-\u11ff\u2e80-\u2fdf\u3040-\u30ff\u3100-\u312f\u3130-\u318f\u31a0-\u31ff\u3200-\u32ff"
    "\u3400-\u4dbf\u4e00-\u9fff\ua960-\ua97f\uac00-\ud7af\uf900-\ufaff\uff66-\uff9f"
    "\U00020000-\U0003134f"
)
# kinsoku: may not start a line (attach to the box before) / may not end one (attach to the box after)
_NO_START = (
    "、。，．：；！？）］｝」』】〕〉》〙〗〟’”｠»"
    "ゝゞーァィゥェォッャュョヮヵヶぁぃぅぇぉっゃゅょゎゕゖ々〻‐゠〜～…‥・"
)
_NO_END = "（［｛「『【〔〈《〘〖〝‘“｟«"
_BREAK_SPACE = " \u1680\u2000-\u200a\u205f\u3000"

_TOKEN = re.compile(
    rf"(?P<space>[{_BREAK_SPACE}]+)"
    r"|(?P<tab>\t)"
    rf"|(?P<box>[{_NO_END}]*[{_CJK}][{_NO_START}]*[,.:;!?)\]}}]*"
    rf"|[{_NO_END}]*[^{_BREAK_SPACE}\t\u200b{_CJK}{_NO_END}]+[{_NO_START}]*"
    rf"|[{_NO_END}]+)"
    r"|(?P<other>.)",
    re.DOTALL,
)


@dataclass(slots=True)
class Line:
    """One line: its boxes and their x positions (px, relative to `offset`), and the text it owns."""

    start: int
    end: int
    boxes: list[str]
    xs: list[float]
    width: float  # natural width in px, from the first box's glue to the last box's end
    last: bool  # ends its paragraph (never justified)
    rtl: bool = False
    regular: bool = False  # boxes are exactly one space apart: the line can be assembled from cells
    glue: list[float] | None = None  # glue before each box, for justification (None: one space each)
    offset: float = 0.0  # px from the page's left edge to the line's x origin (completed when placed)
    baseline: float = 0.0  # px from the page's top, set when placed
    right: float = 0.0  # px from the page's left edge to the end of the line's last box, set when placed

    @property
    def items(self) -> list[tuple[str, float]]:
        """(box, x from the page's left edge) pairs."""
        return [(box, self.offset + x) for box, x in zip(self.boxes, self.xs)]


@dataclass
class PageLayout:
    start: int
    end: int
    lines: list[Line]


_RTL_SCRIPTS = re.compile("[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufeff\U00010800-\U00010fff\U0001e800-\U0001efff]")


def _first_strong_rtl(text: str, start: int, end: int) -> bool:
    if _RTL_SCRIPTS.search(text, start, end) is None:  # no Hebrew, Arabic, Syriac, ... at all
        return False
    for char in text[start:end]:
        bidi = unicodedata.bidirectional(char)
        if bidi in ("R", "AL"):
            return True
        if bidi == "L":
            return False
    return False


def is_mark(char: str) -> bool:
    """A combining mark (Mn, Mc, Me): it belongs to the character before it, so no break may precede it.

    Not `unicodedata.combining`, which is 0 for spacing and enclosing marks (Devanagari vowel signs,
    U+20DD) and for many nonspacing ones (Thai vowels, variation selectors).
    """
    return unicodedata.category(char)[0] == "M"


# paragraphs with none of these break only at ASCII spaces (the fast path)
_NOT_PLAIN = re.compile(rf"[\t{_BREAK_SPACE[1:]}\u200b{_CJK}]")


def _tokens(text: str, start: int, end: int, words: WordCache, tab_width: float, plain: bool = False):
    """(boxes, box starts, glue before each box, whether all inner glue is one space) of one paragraph.

    Box starts are None when the boxes are the paragraph's words separated by single spaces. `plain`
    says the whole text has no tab, no space other than ASCII's and no CJK (checked once, not per paragraph).

    Tab stops are measured from the paragraph's start, so they are exact on its first line (where code
    and tables put them) and approximate on wrapped continuation lines.
    """
    space = words.width(" ")
    paragraph = text[start:end]
    if plain or _NOT_PLAIN.search(paragraph) is None:  # nothing to break at but ASCII spaces
        split = paragraph.split(" ")
        if "" not in split:  # the common case, all in C: single spaces between words
            # box starts are implied (one space after each box); break_paragraph works out the few it needs
            return split, None, [0.0] + [space] * (len(split) - 1), True
        return _spaced_tokens(split, start, space)
    boxes: list[str] = []
    starts: list[int] = []
    glue: list[float] = []
    pending = 0.0
    x = 0.0
    for match in _TOKEN.finditer(text, start, end):
        kind = match.lastgroup
        if kind == "space":
            pending += space * (match.end() - match.start())
        elif kind == "tab":
            stop = (math.floor((x + pending) / tab_width + 1e-9) + 1) * tab_width
            pending = stop - x
        else:
            box = match.group()
            if boxes and not pending and is_mark(box[0]):
                # a mark after a CJK box (or a kana voicing mark, itself in the CJK range) belongs to the
                # box's last character: the run it starts joins that box rather than open a break before it
                x += words.width(boxes[-1] + box) - words.width(boxes[-1])
                boxes[-1] += box
                continue
            boxes.append(box)
            starts.append(match.start())
            glue.append(pending)
            x += pending + words.width(box)
            pending = 0.0
    return boxes, starts, glue, False


def _spaced_tokens(split: list[str], start: int, space: float):
    """`_tokens` of a paragraph split at its spaces, some of them in runs (indented or double-spaced text)."""
    boxes: list[str] = []
    starts: list[int] = []
    glue: list[float] = []
    spaces = 0  # separators passed since the last box
    for piece in split:
        if piece:
            boxes.append(piece)
            starts.append(start)
            glue.append(space * spaces)
            spaces = 1
        else:
            spaces += 1
        start += len(piece) + 1
    return boxes, starts, glue, False


def break_paragraph(text: str, start: int, end: int, width: float, words: WordCache, tab_width: float,
                    plain: bool = False, ltr: bool = False) -> list[Line]:
    """Greedy line breaking of text[start:end] (one paragraph, no newline) into lines of `width` px.

    Works on prefix sums: the last box that fits on a line is found by bisection, so the Python work
    per line does not grow with the number of words on it. `plain` is `_tokens`'; `ltr` says the whole
    text has no right-to-left script.
    """
    if start == end:
        return [Line(start, end, [], [], 0.0, True)]
    boxes, starts, glue, single_spaced = _tokens(text, start, end, words, tab_width, plain)
    if not boxes:
        return [Line(start, end, [], [], 0.0, True)]
    rtl = not ltr and _first_strong_rtl(text, start, end)
    widths = words.widths(boxes)
    if max(widths) > width:
        if starts is None:
            starts = list(itertools.accumulate((len(b) + 1 for b in boxes[:-1]), initial=start))
        boxes, starts, glue, widths = _split_wide(boxes, starts, glue, widths, width, words)
        single_spaced = False
    ends = list(itertools.accumulate(map(operator.add, glue, widths)))
    lefts = list(map(operator.sub, ends, widths))
    space = words.width(" ")
    irregular = [] if single_spaced else [m for m, g in enumerate(glue) if m and g != space]
    lines: list[Line] = []
    i, n = 0, len(boxes)
    box_start = start  # text offset of box i
    while i < n:
        # a line starting at box i drops the glue before it, except on the paragraph's first line
        base = 0.0 if i == 0 else lefts[i]
        k = bisect.bisect_right(ends, base + width + 1e-6, i) - 1
        if k < i:  # a box wider than the line (only possible for a single character): it goes alone
            k = i
        regular = not rtl and bisect.bisect_right(irregular, k) == bisect.bisect_right(irregular, i)
        line_boxes = boxes[i : k + 1]
        if k + 1 >= n:
            next_start = end
        elif starts is None:
            next_start = box_start + sum(map(len, line_boxes)) + len(line_boxes)
        else:
            next_start = starts[k + 1]
        lines.append(
            Line(start if i == 0 else box_start, next_start, line_boxes, lefts[i : k + 1], ends[k] - base,
                 k + 1 >= n, rtl, regular, None if single_spaced else glue[i : k + 1], -base)
        )
        box_start = next_start
        i = k + 1
    return lines


def _split_wide(boxes, starts, glue, widths, width: float, words: WordCache):
    """Boxes wider than a line become pieces that each fit, joined by zero glue (a break opportunity)."""
    out_boxes, out_starts, out_glue, out_widths = [], [], [], []
    for box, box_start, g, w in zip(boxes, starts, glue, widths):
        if w <= width:
            out_boxes.append(box), out_starts.append(box_start), out_glue.append(g), out_widths.append(w)
            continue
        char_widths = words.char_widths(box)
        i = 0
        while i < len(box):
            j, acc = i, 0.0
            while j < len(box) and (j == i or acc + char_widths[j] <= width + 1e-6):
                acc += char_widths[j]
                j += 1
            while j < len(box) and is_mark(box[j]):  # marks stay with their base
                j += 1
            piece = box[i:j]
            out_boxes.append(piece)
            out_starts.append(box_start + i)
            out_glue.append(g if i == 0 else 0.0)
            out_widths.append(words.width(piece))
            i = j
    return out_boxes, out_starts, out_glue, out_widths


def _paragraph_lines(text: str, codes: np.ndarray, width: float, words: WordCache, tab_width: float, plain: bool,
                     ltr: bool, tokens: list[str] | None):
    """Each paragraph's lines, in order (a paragraph ends before a newline or at the end of the text).

    `codes` are the text's `code_points`.
    """
    if plain and ltr:
        yield from _plain_paragraph_lines(text, codes, width, words, tab_width, tokens)
        return
    start = 0
    for paragraph in text.split("\n"):
        yield break_paragraph(text, start, start + len(paragraph), width, words, tab_width, plain, ltr)
        start += len(paragraph) + 1


def _plain_paragraph_lines(text: str, codes: np.ndarray, width: float, words: WordCache, tab_width: float,
                           tokens: list[str] | None):
    """`_paragraph_lines` for a text with nothing but ASCII spaces between words and no right-to-left script.

    Its words are found, measured and summed once for the whole text, and its lines broken all at once:
    from every word, the first word that no longer fits on a line starting there is one search over the
    prefix sums, and following those links from each paragraph's first word gives its lines. Widths are
    whole pixels, so the sums are exact and every line is the one `break_paragraph` makes. Paragraphs it
    would treat otherwise (two spaces in a row, a word wider than a line) go to it.
    """
    separators = np.flatnonzero((codes == 32) | (codes == 10))
    if tokens is None:
        tokens = text.replace("\n", " ").split(" ")  # the runs between separators
    bounds = np.concatenate(([0], separators + 1, [len(text) + 1]))  # token j is text[bounds[j]:bounds[j + 1] - 1]
    sizes = np.diff(bounds) - 1
    firsts = np.concatenate(([0], np.flatnonzero(codes[separators] == 10) + 1))  # each paragraph's first token
    stops = np.append(firsts[1:], len(tokens))
    widths = words.width_array(tokens)
    glue = np.full(len(tokens), words.width(" "))
    glue[firsts] = 0.0
    ends = np.cumsum(glue + widths)
    lefts = ends - widths
    blank = (stops - firsts == 1) & (sizes[firsts] == 0)
    irregular = ~blank & ((np.add.reduceat(sizes == 0, firsts) > 0) | (np.maximum.reduceat(widths, firsts) > width))
    regular = ~(blank | irregular)

    stop_of = np.repeat(stops, stops - firsts)  # each token's paragraph's stop
    following = np.minimum(np.searchsorted(ends, lefts + width + 1e-6, side="right"), stop_of)
    line_first = _line_starts(following, firsts[regular], stops[regular])
    line_stop = following[line_first]
    last = line_stop == stop_of[line_first]
    line_start, line_end = bounds[line_first], bounds[line_stop] - last  # the last line ends at its newline
    base = lefts[line_first]
    xs = lefts.tolist()
    lines = iter([
        Line(start, end, tokens[i:k], xs[i:k], right - left, final, False, True, None, -left)
        for start, end, i, k, right, left, final in zip(
            line_start.tolist(), line_end.tolist(), line_first.tolist(), line_stop.tolist(),
            ends[line_stop - 1].tolist(), base.tolist(), last.tolist(),
        )
    ])
    counts = np.zeros(len(firsts), np.intp)
    counts[regular] = np.searchsorted(line_first, stops[regular]) - np.searchsorted(line_first, firsts[regular])
    starts, paragraph_ends = bounds[firsts].tolist(), (bounds[stops] - 1).tolist()
    for start, end, empty, other, count in zip(starts, paragraph_ends, blank.tolist(), irregular.tolist(),
                                               counts.tolist()):
        if empty:
            yield [Line(start, end, [], [], 0.0, True)]
        elif other:
            yield break_paragraph(text, start, end, width, words, tab_width, True, True)
        else:
            yield list(itertools.islice(lines, count))


def _line_starts(following: np.ndarray, firsts: np.ndarray, stops: np.ndarray) -> np.ndarray:
    """The first token of every line, ascending: each paragraph's first, then `following` the one before,
    until the paragraph's stop.

    All paragraphs take a step together while many are still open; the last few, the longest, finish
    one line at a time, so a single long paragraph does not cost a NumPy round per line.
    """
    found = []
    current, stop = firsts, stops
    while len(current) > 8:
        found.append(current)
        current = following[current]
        still = current < stop
        current, stop = current[still], stop[still]
    tail = []
    for line, end in zip(current.tolist(), stop.tolist()):
        while line < end:
            tail.append(line)
            line = following.item(line)
    found.append(np.array(tail, np.intp))
    return np.sort(np.concatenate(found))


def align(line: Line, width: float, mode: str, measure) -> float:
    """Apply alignment to `line.xs` in place where needed; returns the shift to add to every x.

    Shifts are whole pixels so aligned lines keep words on the pixel grid; justified and right-to-left
    lines get per-box positions (and lose the fast cell assembly).
    """
    extra = max(width - line.width, 0.0)
    shift = 0.0
    if line.offset and (line.rtl or mode == "justify"):  # make positions relative to the line's start
        line.xs = [x + line.offset for x in line.xs]
        line.offset = 0.0
    if mode == "justify" and not line.last and len(line.xs) > 1 and extra > 0:
        stretchable = [1] * (len(line.xs) - 1) if line.glue is None else [1 if g > 0 else 0 for g in line.glue[1:]]
        total = sum(stretchable)
        if total:  # spread the slack over the spaces
            done = list(itertools.accumulate(stretchable, initial=0))
            line.xs = [x + extra * d / total for x, d in zip(line.xs, done)]
        else:  # no spaces (CJK): spread it between all boxes
            line.xs = [x + extra * k / (len(line.xs) - 1) for k, x in enumerate(line.xs)]
        line.regular = False
    elif mode == "center":
        shift = float(math.floor(extra / 2))
    elif mode == "right":
        shift = float(math.floor(extra))
    if line.rtl:
        # a right-to-left paragraph starts at the right edge: mirror each box inside the column
        line.xs = [width - (x + shift) - measure(box) for box, x in zip(line.boxes, line.xs)]
        line.regular = False
        return 0.0
    return shift


def layout_pages(text: str, config: RenderConfig, words: WordCache, ascent: float, descent: float,
                 tokens: list[str] | None = None) -> list[PageLayout]:
    """Break every paragraph into lines and stack lines into columns and pages.

    `tokens`, if the caller has them, are `text.replace("\\n", " ").split(" ")`, saving a split.
    """
    scale = config.scale
    col_width = config.text_width_pt * scale
    line_h = config.line_height * scale
    blank_h = line_h * config.blank_line_height
    top = config.margin_top * scale
    bottom = config.page_height * scale - config.margin_bottom * scale
    tab_width = words.width(" ") * config.tab_size
    baseline_in_box = (line_h - (ascent + descent)) / 2 + ascent
    col_lefts = [
        float(round((config.margin_left + c * (config.text_width_pt + config.column_gap)) * scale))
        for c in range(config.columns)
    ]

    plain_left = config.align == "left"
    codes = code_points(text)
    characters = distinct_characters(text, codes)
    plain = _NOT_PLAIN.search(characters) is None
    ltr = _RTL_SCRIPTS.search(characters) is None
    pages: list[PageLayout] = []
    current: list[Line] = []
    page_start = 0
    column = 0
    y = top

    def new_column() -> None:
        nonlocal column, y, current, page_start
        column += 1
        y = top
        if column == config.columns:
            end = current[-1].end if current else page_start
            pages.append(PageLayout(page_start, end, current))
            page_start = end
            current = []
            column = 0

    length = len(text)
    for lines in _paragraph_lines(text, codes, col_width, words, tab_width, plain, ltr, tokens):
        if lines[-1].end < length:
            lines[-1].end += 1  # the newline belongs to the paragraph's last line
        for line in lines:
            height = line_h if line.boxes else blank_h
            if y + height > bottom + 1e-6 and (current or y > top):
                new_column()
            if not line.boxes and y == top and (current or pages):
                # a blank line never opens a column: its span joins the line before it
                previous = current[-1] if current else pages[-1].lines[-1]
                previous.end = line.end
                if not current:
                    pages[-1].end = page_start = line.end
                continue
            left = col_lefts[column]
            if plain_left and not line.rtl:
                line.offset += left
                line.right = left + line.width
            else:
                shift = align(line, col_width, config.align, words.width)  # may rebase line.xs: call it first
                line.offset += left + shift
                stretched = line.rtl or (config.align == "justify" and not line.last)
                line.right = left + (col_width if stretched else shift + line.width)
            line.baseline = y + baseline_in_box
            current.append(line)
            y += height
    if current or not pages:
        pages.append(PageLayout(page_start, current[-1].end if current else length, current))
    pages[-1].end = length
    if pages[-1].lines:
        pages[-1].lines[-1].end = length
    return pages
