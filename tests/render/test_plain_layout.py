"""The document-wide line breaking of plain text makes exactly the lines paragraph-by-paragraph breaking makes."""

from pathlib import Path

import pytest

from glyphctx.render import RenderConfig, word_cache
from glyphctx.render.characters import code_points
from glyphctx.render.layout import _plain_paragraph_lines, break_paragraph

CHAPTER = (Path(__file__).resolve().parents[1] / "data" / "pride-and-prejudice-ch1.txt").read_text(encoding="utf-8")

TEXTS = {
    "chapter": CHAPTER,
    "runs of spaces": "   Indented   verse,  with  doubled spaces.\n\n  and trailing ones   \n" * 20,
    "long words": ("Antidisestablishmentarianism " * 3 + "x" * 300 + " short words after it.\n") * 5,
    "blank lines only": "\n\n\n",
    "empty": "",
    "ends with a newline": "One line.\nAnother line that ends the text.\n",
    "one word": "word",
    "one long paragraph": " ".join(CHAPTER.split()) * 3,  # hundreds of lines, no newline
    "many short paragraphs": "\n".join(f"Line {i} of a list." for i in range(40)),
}


def natural(line):
    """What a line is, whichever path made it: x positions taken relative to the line's own origin."""
    return (line.start, line.end, line.boxes, [x + line.offset for x in line.xs], line.width, line.last,
            line.rtl, line.regular, line.glue)


@pytest.mark.parametrize("name", sorted(TEXTS))
@pytest.mark.parametrize("page_width, dpi", [(120, 72), (300, 72), (595, 72), (301, 96)])
def test_plain_lines_equal_paragraph_lines(name, page_width, dpi):
    text = TEXTS[name]
    config = RenderConfig(page_width=page_width, page_height=400, dpi=dpi)  # at 96 dpi a line is 1/3 px short of whole
    words = word_cache(config)
    width = config.text_width_pt * config.scale
    tab_width = words.width(" ") * config.tab_size
    lines = _plain_paragraph_lines(text, code_points(text), width, words, tab_width, None)
    fast = [natural(line) for paragraph in lines for line in paragraph]
    expected, start = [], 0
    for paragraph in text.split("\n"):
        lines = break_paragraph(text, start, start + len(paragraph), width, words, tab_width, True, True)
        expected += [natural(line) for line in lines]
        start += len(paragraph) + 1
    assert fast == expected
