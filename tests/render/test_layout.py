"""Layout invariants: exact spans, nothing lost, nothing past the margins."""

import unicodedata
from pathlib import Path

import numpy as np
import pytest

import glyphctx
from glyphctx.render import RenderConfig, forget_words, render_text, word_cache
from glyphctx.render.fonts import can_shape
from glyphctx.render.layout import layout_pages

DATA = Path(__file__).resolve().parents[1] / "data"
CHAPTER = (DATA / "pride-and-prejudice-ch1.txt").read_text(encoding="utf-8")


def layouts(text, config):
    words = word_cache(config)
    return layout_pages(text, config, words, words.primary.ascent, words.primary.descent), words


def check_spans(text, pages):
    """Page and line spans are contiguous and cover the text exactly."""
    assert pages[0].start == 0 and pages[-1].end == len(text)
    for before, after in zip(pages, pages[1:]):
        assert before.end == after.start
    lines = [line for page in pages for line in page.lines]
    for before, after in zip(lines, lines[1:]):
        assert before.end == after.start
    for page in pages:
        if page.lines:
            assert page.lines[0].start == page.start and page.lines[-1].end == page.end


def drawn_text(text, pages):
    return "".join(box for page in pages for line in page.lines for box, _ in line.items)


@pytest.mark.parametrize("align", ["left", "right", "center", "justify"])
@pytest.mark.parametrize("columns", [1, 2])
def test_spans_cover_the_text_and_every_character_is_drawn_once(align, columns):
    config = RenderConfig(page_width=300, page_height=220, columns=columns, align=align)
    pages, words = layouts(CHAPTER, config)
    assert len(pages) > 3
    check_spans(CHAPTER, pages)
    assert drawn_text(CHAPTER, pages) == "".join(CHAPTER.split())
    col_width = config.text_width_pt * config.scale
    lefts = [
        (config.margin_left + c * (config.text_width_pt + config.column_gap)) * config.scale for c in range(columns)
    ]
    for page in pages:
        for line in page.lines:
            # each line sits inside one column
            box, x = line.items[0] if line.items else ("", lefts[0])
            column_left = max(left for left in lefts if left <= x + 1e-6)
            for box, x in line.items:
                assert x >= column_left - 1e-6
                assert x + words.width(box) <= column_left + col_width + 1e-6
            for start, end in [(line.start, line.end)]:
                assert "".join(b for b, _ in line.items) == "".join(CHAPTER[start:end].split())


def test_justified_lines_reach_the_right_edge_except_paragraph_ends():
    config = RenderConfig(page_width=300, page_height=2000, align="justify")
    pages, words = layouts(CHAPTER, config)
    right = config.margin_left * config.scale + config.text_width_pt * config.scale
    for line in pages[0].lines:
        if len(line.items) < 2:
            continue
        box, x = line.items[-1]
        end = x + words.width(box)
        if CHAPTER[line.end - 1] == "\n":  # last line of a paragraph stays ragged
            continue
        assert end == pytest.approx(right, abs=1e-6)


def test_words_wider_than_a_line_break_between_characters():
    word = "Pneumonoultramicroscopicsilicovolcanoconiosis" * 3
    config = RenderConfig(page_width=120, page_height=400)
    pages, words = layouts(f"a {word} b", config)
    check_spans(f"a {word} b", pages)
    lines = pages[0].lines
    assert len(lines) >= 4
    assert drawn_text(f"a {word} b", pages) == f"a{word}b"
    width = config.text_width_pt * config.scale
    for line in lines:
        for box, x in line.items:
            assert x + words.width(box) <= config.margin_left + width + 1e-6


def test_cjk_breaks_between_characters_but_not_before_closing_punctuation():
    text = "中文排版测试，这是一个很长的句子。日本語のテキスト「かぎかっこ」です。" * 6
    config = RenderConfig(page_width=150, page_height=600)
    pages, _ = layouts(text, config)
    check_spans(text, pages)
    lines = pages[0].lines
    assert len(lines) > 5
    for line in lines:
        first = text[line.start]
        assert first not in "，。」、", f"line starts with {first!r}"
        assert text[line.end - 1] not in "「", "line ends with an opening bracket"


def test_tabs_move_to_the_next_stop_and_indentation_is_kept():
    config = RenderConfig(page_width=595, page_height=400, tab_size=4)
    pages, words = layouts("\tx\n    y\nz", config)
    (tab_line, indent_line, plain_line) = pages[0].lines
    left = config.margin_left * config.scale
    stop = 4 * words.width(" ")
    assert tab_line.items[0][1] == pytest.approx(left + stop)
    assert indent_line.items[0][1] == pytest.approx(left + stop)
    assert plain_line.items[0][1] == pytest.approx(left)


def test_blank_lines_take_a_line_but_never_open_a_page():
    config = RenderConfig(page_width=300, page_height=60, margin_top=5, margin_bottom=5, line_height=10)
    text = "\n".join(f"line {i}" for i in range(5)) + "\n\n" + "after"
    pages, _ = layouts(text, config)
    check_spans(text, pages)
    for page in pages[1:]:
        assert page.lines[0].items, "a page starts with a blank line"


def test_right_to_left_paragraphs_are_set_from_the_right_margin():
    text = "مرحبا بالعالم هذا نص عربي"
    config = RenderConfig(page_width=400, page_height=200)
    pages, words = layouts(text, config)
    items = pages[0].lines[0].items
    right = (config.page_width - config.margin_right) * config.scale
    first_box, first_x = items[0]
    assert first_x + words.width(first_box) == pytest.approx(right, abs=1e-6)
    xs = [x for _, x in items]
    assert xs == sorted(xs, reverse=True)  # logical order runs right to left
    result = render_text(text, config)
    assert (result.pages[0].image < 128).any()
    assert result.unshaped_words == 0 and not words.unshaped(first_box)


def _ink_difference(a, b) -> float:
    """Summed absolute difference of two strips' bitmaps (left-aligned), relative to the first one's ink."""
    a, b = a.bitmap.astype(int), b.bitmap.astype(int)
    width = max(a.shape[1], b.shape[1])
    a, b = (np.pad(m, ((0, 0), (0, width - m.shape[1]))) for m in (a, b))
    return np.abs(a - b).sum() / a.sum()


@pytest.mark.skipif(not can_shape(), reason="Pillow is built without libraqm: right-to-left words cannot be shaped")
def test_right_to_left_words_are_shaped_whole_right_to_left_and_joined():
    words = word_cache(RenderConfig(font_size=24))
    for word in ("שלום", "ספר", "אבגד"):  # Hebrew has no joining: shaping only reverses the letters
        shaped = words.strip(word)
        assert not words.unshaped(word)
        assert _ink_difference(shaped, words._compose(word[::-1])) < 0.5 * _ink_difference(shaped, words._compose(word))
    for word in ("مرحبا", "بيت"):  # Arabic letters join: the word is narrower than its isolated letters
        assert not words.unshaped(word)
        assert words.width(word) < 0.9 * sum(words.char_widths(word))


def test_a_right_to_left_word_no_font_can_shape_is_drawn_mirrored_counted_and_warned():
    # DejaVu Sans has the Arabic, only Droid Sans Fallback the circled 11 after it: no one face shapes the word
    word = "البند⑪"
    text = f"{word} الأول مرحبا بالعالم\n\nنص {word}"
    config = RenderConfig(page_width=400, page_height=40, margin_top=5, margin_bottom=5, line_height=12)
    words = word_cache(config)
    assert words.unshaped(word) and not words.unshaped("مرحبا") and not words.unshaped("hello")
    assert np.array_equal(words.strip(word).bitmap, words._compose(word).bitmap)  # letter by letter, from the left
    result = render_text(text, config)
    assert [page.unshaped_words for page in result.pages] == [1, 1] and result.unshaped_words == 2
    compressed = glyphctx.compress(text, config=config)
    assert compressed.unshaped_words == 2
    assert compressed.warnings() == [
        "2 right-to-left word(s) on page(s) 1, 2 could not be shaped (no one shipped font has all of their "
        "characters) and were drawn letter by letter: unjoined and mirrored"
    ]
    assert not glyphctx.compress("مرحبا بالعالم", config=config).warnings()


def test_without_libraqm_every_right_to_left_word_is_counted_and_warned(monkeypatch):
    monkeypatch.setattr("glyphctx.render.words.can_shape", lambda: False)
    monkeypatch.setattr("glyphctx.result.can_shape", lambda: False)
    config = RenderConfig(page_width=300, page_height=400, font_size=13.5)  # a size no other test draws
    text = "שלום עולם hello מרחבא\nplain English line"
    try:
        result = render_text(text, config)
        assert result.unshaped_words == 3  # "hello" and the English line are left-to-right: not counted
        assert glyphctx.compress(text, config=config).warnings() == [
            "3 right-to-left word(s) on page(s) 1 could not be shaped (Pillow has no libraqm) and were drawn "
            "letter by letter: unjoined and mirrored"
        ]
    finally:
        forget_words()  # the words drawn unshaped here must not stand in for shaped ones later


def marks_at_starts(text, pages):
    """Boxes, lines and pages that begin with a combining mark, which would cut it from its base."""
    starts = [box for page in pages for line in page.lines for box in line.boxes]
    starts += [text[s] for page in pages for s in [page.start, *(line.start for line in page.lines)] if s < len(text)]
    return [char for char in (s[0] for s in starts) if unicodedata.category(char)[0] == "M"]


@pytest.mark.parametrize("text", [
    "Cafe\u0301 na\u0308ive " * 40,  # decomposed Latin words between spaces
    ("Cafe\u0301na\u0308ive" * 12 + " ") * 3,  # words wider than a line: broken between characters
    "किताब " * 10 + "किकि" * 50,  # Devanagari vowel signs: spacing marks, of combining class 0
    "ab\u20dd" * 60,  # an enclosing mark (combining class 0)
    "กั" * 100,  # a Thai vowel sign (non-spacing, combining class 0)
    "中\u0301文\u0301" * 60,  # marks after CJK characters, between which lines break
    "か\u3099き\u3099" * 60,  # kana voicing marks, themselves inside the CJK block
], ids=["latin", "latin-long-words", "devanagari", "enclosing", "thai", "cjk", "kana"])
@pytest.mark.parametrize("align", ["left", "justify"])
def test_combining_marks_stay_with_their_base_at_every_break(text, align):
    for page_width in range(100, 160, 7):
        config = RenderConfig(page_width=page_width, page_height=2000, align=align)
        pages, _ = layouts(text, config)
        check_spans(text, pages)
        assert drawn_text(text, pages) == "".join(text.split())
        assert sum(len(page.lines) for page in pages) > 3
        assert marks_at_starts(text, pages) == [], f"page width {page_width}"
    rendered = render_text(text, config)
    assert [span for page in rendered.pages for span in page.line_spans] == [
        (line.start, line.end) for page in pages for line in page.lines]


def test_combining_marks_render():
    result = render_text("Cafe\u0301 na\u0308ive " * 40, RenderConfig(page_width=200, page_height=400))
    assert not result.missing_chars
    assert (result.pages[0].image < 128).sum() > 100


def test_empty_and_whitespace_only_text_give_one_blank_page():
    for text in ("", "\n\n", "   "):
        result = render_text(text, RenderConfig(page_width=200, page_height=200))
        assert len(result.pages) == 1
        assert result.pages[0].span == (0, len(text))
        assert (result.pages[0].image == 255).all()


def test_blank_line_height_sets_the_gap_between_paragraphs():
    text = "first paragraph\n\nsecond paragraph"
    for scale in (1.0, 0.25, 0.0):
        config = RenderConfig(page_width=300, page_height=300, line_height=10, blank_line_height=scale)
        pages, _ = layouts(text, config)
        first, blank, second = pages[0].lines
        assert second.baseline - first.baseline == pytest.approx(10 + 10 * scale)
        check_spans(text, pages)
