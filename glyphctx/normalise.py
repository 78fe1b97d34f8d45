"""Text normalisation: one canonical form of a document's text before it is laid out and rendered.

Rendering pays for every line break and every stray character, so the text is cleaned first:

* always: CRLF/CR to LF, Unicode NFC, no trailing whitespace, form feeds become paragraph breaks,
  control characters other than newline and tab are dropped, runs of blank lines collapse to one,
  and leading/trailing blank lines go. Nothing else changes: no quote "smartening", no case changes.
* reflow (on by default): hard-wrapped prose (Project Gutenberg, e-mail, PDF lines) is joined into
  one line per paragraph. A line break is kept when the lines around it are not wrapped prose:
  indented lines (code, tables, verse), lines much shorter than the document's own wrap width
  (headings, addresses, the last line of a paragraph), table-like lines, list items, quoted e-mail,
  and paragraphs whose lines all start with a capital and mostly end in punctuation (verse,
  address blocks). The wrap width is read off the document itself (a high percentile of its line
  lengths), so text wrapped at 60, 72 or 100 columns is handled alike, and text whose long lines
  do not end near one column (a log, one paragraph per line) is left alone.
* Markdown: fenced and indented code, headings, lists, block quotes, tables and HTML blocks keep
  their structure; paragraph lines (including a list item's continuation lines) join as a
  Markdown renderer would join them, except after a hard line break (two trailing spaces or a
  backslash).

Reflow only ever removes line breaks and whitespace: the sequence of non-whitespace characters is
that of the NFC text without its control characters (in Markdown mode, the ``>`` markers of
block-quote lines that join the line above go too).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from glyphctx.sources.document import Document

__all__ = ["normalise_text", "normalise_document"]

# --- always-on cleaning -------------------------------------------------------------------------

_LINE_BREAKS = {"\r": "\n", "\v": "\n", "\x85": "\n", "\u2028": "\n", "\f": "\n\n", "\u2029": "\n\n"}
_OTHER_BREAKS = re.compile("[\r\v\x85\u2028\f\u2029]")
# C0/C1 controls except TAB and LF (the line breaks among them are already translated) and the BOM
# (a zero-width no-break space inside text) are dropped
_CONTROLS = re.compile("[\x00-\x08\x0e-\x1f\x7f-\x9f\ufeff]")
# lone surrogates (possible in a Python str, never in decoded bytes) cannot be encoded: U+FFFD
_SURROGATES = re.compile("[\ud800-\udfff]")
_HARD_BREAK = re.compile(r"(?:\S {2,}|\\)$")


def _clean_lines(text: str, markdown: bool) -> tuple[list[str], list[bool]]:
    """The always-on rules, up to a list of right-stripped lines (blank runs not yet collapsed).

    Returns the lines and, for Markdown, which of them end in a hard line break.
    """
    text = text.replace("\r\n", "\n")
    if _OTHER_BREAKS.search(text):
        text = _OTHER_BREAKS.sub(lambda match: _LINE_BREAKS[match.group()], text)
    text = _CONTROLS.sub("", text)
    if _SURROGATES.search(text):
        text = _SURROGATES.sub("\ufffd", text)
    if not unicodedata.is_normalized("NFC", text):
        text = unicodedata.normalize("NFC", text)
    raw = text.split("\n")
    if markdown:
        hard = [bool(_HARD_BREAK.search(line)) for line in raw]
    else:
        hard = [False] * len(raw)
    return [line.rstrip() for line in raw], hard


def _collapse_blank_runs(lines: Sequence[str]) -> list[str]:
    out: list[str] = []
    for line in lines:
        if line or (out and out[-1]):
            out.append(line)
    while out and not out[-1]:
        out.pop()
    return out


# --- measuring lines ----------------------------------------------------------------------------

@lru_cache(maxsize=4096)
def _char_columns(ch: str) -> int:
    if unicodedata.combining(ch):
        return 0
    return 2 if unicodedata.east_asian_width(ch) in "WF" else 1


def _width(line: str) -> int:
    """Display columns: wide East Asian characters count two, combining marks none."""
    if line.isascii():
        return len(line)
    return sum(map(_char_columns, line))


#: below this wrap width lines are too short to tell wrapped prose from lists and verse
MIN_WRAP_WIDTH = 40
#: share of a text's (or a paragraph's) long non-final lines that must come close to the wrap width
MIN_FULL_SHARE = 0.7
#: a line counts as "full" between these fractions of the wrap width (proportional PDF fonts overshoot)
_FULL_RANGE = (0.8, 1.3)
#: lines shorter than this fraction of the wrap width are never joined to the next
_SHORT = 0.5
_WRAP_PERCENTILE = 0.95


@dataclass(frozen=True)
class _Wrap:
    """The column the text was wrapped at, and whether the whole text keeps to it."""

    width: float
    consistent: bool  # False: only paragraphs that look wrapped themselves are reflowed


def _mostly_full(widths: Sequence[int], width: float) -> bool:
    """Whether the lines that could have been wrapped mostly end near the wrap width.

    Short lines (headings, formulas, last lines) say nothing either way and are not counted;
    a log or a list has long lines of every length, wrapped prose has them all near the edge.
    """
    low, high = _FULL_RANGE[0] * width, _FULL_RANGE[1] * width
    long = [w for w in widths if w >= _SHORT * width]
    return sum(1 for w in long if low <= w <= high) >= MIN_FULL_SHARE * len(long)


def _wrap_profile(documents: Sequence[Sequence[str]]) -> _Wrap | None:
    """Measure the wrap width on lines followed by another line of the same paragraph.

    Those are the only lines a wrapper can have broken; in wrapped prose most of them end just
    short of the wrap column. A text mixing prose with formulas or lists (a PDF of a lecture)
    is not consistent as a whole, and is then judged paragraph by paragraph.
    """
    candidates: list[int] = []
    for lines in documents:
        for line, following in zip(lines, lines[1:]):
            # an indented line followed by one at the margin may be a paragraph's indented first line
            if line and following and not following[0].isspace():
                candidates.append(_width(line))
    if len(candidates) < 2:
        return None
    candidates.sort()
    width = float(candidates[min(len(candidates) - 1, int(_WRAP_PERCENTILE * len(candidates)))])
    if width < MIN_WRAP_WIDTH:
        return None
    return _Wrap(width, consistent=_mostly_full(candidates, width))


# --- deciding line breaks -----------------------------------------------------------------------

_LIST_MARKER = re.compile(
    r"\s*(?:[-*+\u2022\u2023\u25e6\u2043\u2219\u25aa\u2013]|\d{1,3}[.)]|[a-zA-Z]\)|\(\w{1,4}\))(?:\s|$)"
)
_DOT_LEADER = re.compile(r"(?:\.\s?){5,}|(?:_\s?){5,}")
_TABLE_GAP = re.compile(r"\S(?: {3,}|\t)\S")
_OPENING_PUNCTUATION = "\"'“‘„«‹([{_*¿¡"
_JOIN_WITHOUT_SPACE_AFTER = ("-", "\u2010", "\u2011", "\u2012", "\u2013", "\u2014", "\u2015", "/")


def _first_letter(line: str) -> str:
    """The line's first character, skipping opening quotes and brackets ('' when it is none)."""
    for ch in line.lstrip()[:4]:
        if ch not in _OPENING_PUNCTUATION:
            return ch
    return ""


def _is_structural(line: str) -> bool:
    """Rules, table rows, quoted e-mail, dot-leader tables of contents: lines that never join."""
    if not any(ch.isalnum() for ch in line):
        return True
    content = line.strip()
    if content.startswith((">", "|")):
        return True  # e-mail quoting, table rows: joining would bury the markers mid-line
    return bool(_TABLE_GAP.search(content) or _DOT_LEADER.search(content))


_LINE_END_PUNCTUATION = tuple(",;:.!?—)\"'”’")


def _looks_like_verse(paragraph: Sequence[str]) -> bool:
    """Lines that all start with a capital and mostly end in punctuation: verse, addresses, lists.

    Wrapped prose also starts a line with a capital now and then (a name, "I"), but its lines
    end mid-sentence far more often than not.
    """
    if len(paragraph) < 3:
        return False
    if not all(_first_letter(line).isupper() for line in paragraph[1:]):
        return False
    punctuated = sum(1 for line in paragraph[:-1] if line.endswith(_LINE_END_PUNCTUATION))
    return punctuated * 3 >= 2 * (len(paragraph) - 1)


def _is_soft_break(line: str, following: str, width: float, *, first: bool) -> bool:
    """Whether the break between two lines of a paragraph was made by a line wrapper.

    The caller has already ruled out structural lines (`_is_structural`) on either side.
    """
    if following[:1].isspace():
        return False  # indented lines are kept as they are
    if line[:1].isspace() and not first:
        return False  # inside an indented block; only a paragraph's indented first line may join
    if _LIST_MARKER.match(following):
        return False
    if " " not in line.strip() and not _is_cjk(line[-1:]):
        return False  # a lone long token (a URL, a path) is a line of its own
    columns = _width(line)
    if columns < _SHORT * width:
        return False
    if columns + 1 + _width(following.split(" ", 1)[0]) > 0.9 * width:
        return True  # the next word would not have fitted: the wrapper broke here
    return _first_letter(following).islower()  # prose resumes mid-sentence


def _is_cjk(ch: str) -> bool:
    return bool(ch) and unicodedata.east_asian_width(ch) in "WF"


def _join(left: str, right: str) -> str:
    right = right.lstrip()
    last, first = left[-1:], right[:1]
    if _is_cjk(last) and _is_cjk(first):
        return left + right
    if left.endswith(_JOIN_WITHOUT_SPACE_AFTER) and len(left) > 1 and not left[-2].isspace():
        return left + right  # "sect--" + "fairly", "well-" + "known"
    return left + " " + right


def _reflow_paragraph(paragraph: list[str], wrap: _Wrap) -> list[str]:
    if len(paragraph) == 1 or _looks_like_verse(paragraph):
        return paragraph
    if not wrap.consistent and not _mostly_full([_width(line) for line in paragraph[:-1]], wrap.width):
        return paragraph
    width = wrap.width
    structural = [_is_structural(line) for line in paragraph]
    out = [paragraph[0]]
    for index in range(1, len(paragraph)):
        previous, line = paragraph[index - 1], paragraph[index]
        if structural[index - 1] or structural[index]:
            out.append(line)
        elif _is_soft_break(previous, line, width, first=index == 1):
            out[-1] = _join(out[-1], line)
        else:
            out.append(line)
    return out


def _layout_plain(lines: list[str], wrap: _Wrap | None) -> str:
    paragraphs: list[list[str]] = []
    current: list[str] = []
    for line in lines:
        if line:
            current.append(line)
        elif current:
            paragraphs.append(current)
            current = []
    if current:
        paragraphs.append(current)
    if wrap is not None:
        paragraphs = [_reflow_paragraph(p, wrap) for p in paragraphs]
    return "\n\n".join("\n".join(p) for p in paragraphs)


# --- Markdown -----------------------------------------------------------------------------------

_FENCE = re.compile(r" {0,3}(`{3,}|~{3,})")
_ATX_HEADING = re.compile(r" {0,3}#{1,6}(?:\s|$)")
_THEMATIC_BREAK = re.compile(r" {0,3}(?:(?:\*\s*){3,}|(?:-\s*){3,}|(?:_\s*){3,})$")
_SETEXT_UNDERLINE = re.compile(r" {0,3}(?:=+|-+)\s*$")
_MD_LIST_ITEM = re.compile(r"\s*(?:[-*+]|\d{1,9}[.)])(?:\s|$)")
_QUOTE = re.compile(r" {0,3}> ?")
_HTML_START = re.compile(r" {0,3}<(?:[A-Za-z][A-Za-z0-9-]*(?:\s|/?>|$)|/[A-Za-z]|!--|!\[CDATA\[|\?|![A-Z])")
_LINK_DEFINITION = re.compile(r" {0,3}\[[^\]]+\]:\s")
_TABLE_DELIMITER = re.compile(r"\s*\|?\s*:?-{1,}:?\s*(?:\|\s*:?-{1,}:?\s*)*\|?\s*$")


def _indent(line: str) -> int:
    leading = line[: len(line) - len(line.lstrip(" \t"))]
    return len(leading.expandtabs(4))


def _is_table_delimiter(line: str) -> bool:
    return "-" in line and ("|" in line) and bool(_TABLE_DELIMITER.match(line))


def _layout_markdown(lines: list[str], hard: list[bool], join: bool) -> list[str]:
    """Markdown-aware layout; returns output lines (blank runs collapsed outside code)."""
    out: list[str] = []
    fence: str | None = None
    mode = ""  # "code" (indented), "html" or "table" until the next blank line; "" otherwise
    joinable = False  # whether the last output line is paragraph text a next line may join
    previous_hard = False
    previous_blank = True
    in_list = False
    index = 0

    def emit(line: str) -> None:
        if line or (out and out[-1]):
            out.append(line)

    while index < len(lines):
        line = lines[index]
        line_hard = hard[index]
        index += 1
        if fence is not None:
            out.append(line)  # verbatim, blank lines included
            closing = _FENCE.match(line)
            if (closing and closing.group(1)[0] == fence[0] and len(closing.group(1)) >= len(fence)
                    and not line.strip(" `~")):
                fence = None
            continue
        if not line:
            emit("")
            joinable, previous_blank, mode = False, True, ""
            continue
        indent = _indent(line)
        if previous_blank and indent == 0 and not _MD_LIST_ITEM.match(line):
            in_list = False  # a block at the margin after a blank line ends any list
        opening = _FENCE.match(line)
        if opening:
            fence = opening.group(1)
            out.append(line)
            joinable, previous_blank, mode = False, False, ""
            continue
        if mode in ("code", "html", "table") and (mode != "code" or _indent(line) >= 4):
            out.append(line)
            previous_blank = False
            continue
        mode = ""
        if indent >= 4 and previous_blank and not in_list:
            out.append(line)
            mode, joinable, previous_blank = "code", False, False
            continue
        if _QUOTE.match(line) and indent < 4:
            quoted = [line]
            quoted_hard = [line_hard]
            while index < len(lines) and lines[index] and _QUOTE.match(lines[index]) and _indent(lines[index]) < 4:
                quoted.append(lines[index])
                quoted_hard.append(hard[index])
                index += 1
            inner = [_QUOTE.sub("", q, count=1).rstrip() for q in quoted]
            for inner_line in _layout_markdown(inner, quoted_hard, join):
                out.append(("> " + inner_line) if inner_line else ">")
            joinable, previous_blank = False, False
            continue
        starts_table = "|" in line and index < len(lines) and _is_table_delimiter(lines[index])
        if starts_table or line.lstrip().startswith("|"):
            out.append(line)
            mode, joinable, previous_blank = "table", False, False
            continue
        if _HTML_START.match(line) and not joinable:  # inline HTML inside a paragraph is text
            out.append(line)
            mode, joinable, previous_blank = "html", False, False
            continue
        if (_ATX_HEADING.match(line) or _THEMATIC_BREAK.match(line) or (_LINK_DEFINITION.match(line) and not joinable)
                or (_SETEXT_UNDERLINE.match(line) and joinable)):
            out.append(line)
            joinable, previous_blank = False, False
            continue
        if _MD_LIST_ITEM.match(line):
            out.append(line)
            in_list, joinable, previous_hard, previous_blank = True, True, line_hard, False
            continue
        if join and joinable and not previous_hard:
            out[-1] = _join(out[-1], line)
        else:
            out.append(line)
        joinable, previous_hard, previous_blank = True, line_hard, False
    while out and not out[-1]:
        out.pop()
    return out


# --- public API ---------------------------------------------------------------------------------

def _layout(lines: list[str], hard: list[bool], *, reflow: bool, markdown: bool, wrap: _Wrap | None) -> str:
    if markdown:
        return "\n".join(_layout_markdown(lines, hard, join=reflow))
    return _layout_plain(_collapse_blank_runs(lines), wrap if reflow else None)


def normalise_text(text: str, *, reflow: bool = True, markdown: bool = False) -> str:
    """Normalise one text: the always-on rules, plus reflow of hard-wrapped lines unless turned off."""
    lines, hard = _clean_lines(text, markdown)
    wrap = _wrap_profile([lines]) if reflow and not markdown else None
    return _layout(lines, hard, reflow=reflow, markdown=markdown, wrap=wrap)


def normalise_document(doc: Document, *, reflow: bool = True) -> tuple[str, list[tuple[int | None, int, int]]]:
    """Normalise each part on its own and join them with `Document.PART_SEPARATOR`.

    Returns the text and, for every part in order, (source page, start, end): the span of the
    returned text that came from it (start == end for a part left empty). The wrap width is
    measured over the whole document, so short pages reflow like long ones.
    """
    markdown = doc.kind == "markdown"
    cleaned = [_clean_lines(part.text, markdown) for part in doc.parts]
    wrap = _wrap_profile([lines for lines, _ in cleaned]) if reflow and not markdown else None
    separator = doc.PART_SEPARATOR
    pieces: list[str] = []
    spans: list[tuple[int | None, int, int]] = []
    position = 0
    for part, (lines, hard) in zip(doc.parts, cleaned):
        text = _layout(lines, hard, reflow=reflow, markdown=markdown, wrap=wrap)
        if not text:
            spans.append((part.page, position, position))
            continue
        if pieces:
            position += len(separator)
        pieces.append(text)
        spans.append((part.page, position, position + len(text)))
        position += len(text)
    return separator.join(pieces), spans
