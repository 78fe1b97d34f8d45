"""Normalisation: the always-on rules, reflow of hard-wrapped text, Markdown structure."""

from __future__ import annotations

import re
import unicodedata

import pytest

from glyphctx.normalise import normalise_document, normalise_text
from glyphctx.sources import Document, SourcePart, load_document


def non_whitespace(text: str) -> str:
    return re.sub(r"\s+", "", text)


def same_characters(before: str, after: str) -> bool:
    """Reflow's promise: the non-whitespace characters, in order, minus dropped controls."""
    before = unicodedata.normalize("NFC", re.sub("[\x00-\x08\x0e-\x1f\x7f-\x9f\ufeff]", "", before))
    return non_whitespace(before) == non_whitespace(after)


GUTENBERG = """\
It is a truth universally acknowledged, that a single man in possession
of a good fortune must be in want of a wife.

However little known the feelings or views of such a man may be on his
first entering a neighbourhood, this truth is so well fixed in the minds
of the surrounding families, that he is considered as the rightful
property of some one or other of their daughters.

“My dear Mr. Bennet,” said his lady to him one day, “have you heard that
Netherfield Park is let at last?”

Mr. Bennet replied that he had not.

“But it is,” returned she; “for Mrs. Long has just been here, and she
told me all about it.”
"""


# --- always-on rules -----------------------------------------------------------------------------

def test_line_endings_trailing_space_and_blank_runs():
    text = "\n\n  \nfirst line   \r\nsecond\rthird\t \r\n\r\n\r\n\r\nlast\n\n\n"
    assert normalise_text(text, reflow=False) == "first line\nsecond\nthird\n\nlast"


def test_nfc_and_no_smartening():
    text = "Cafe\u0301 \"straight\" 'quotes' -- and ... CASE stays"
    assert normalise_text(text) == "Café \"straight\" 'quotes' -- and ... CASE stays"


def test_form_feed_is_a_paragraph_break():
    assert normalise_text("end of page one\fstart of page two", reflow=False) == "end of page one\n\nstart of page two"


def test_control_characters_are_dropped_but_tab_and_newline_kept():
    text = "a\x00b\x07c\x1b[0m\x7f\x9bd\ufeff\tcol\n\x08next"
    assert normalise_text(text, reflow=False) == "abc[0md\tcol\nnext"


def test_unicode_line_separators_and_lone_surrogates():
    assert normalise_text("one\u2028two\u2029three\x85four\vfive", reflow=False) == "one\ntwo\n\nthree\nfour\nfive"
    assert normalise_text("bad \ud800 half", reflow=False) == "bad \ufffd half"


def test_whitespace_only_text_normalises_to_nothing():
    assert normalise_text(" \n\t\n\f\n") == ""


# --- reflow of plain text ------------------------------------------------------------------------

def test_gutenberg_paragraphs_are_joined():
    out = normalise_text(GUTENBERG)
    assert out.split("\n\n") == [
        "It is a truth universally acknowledged, that a single man in possession of a good fortune "
        "must be in want of a wife.",
        "However little known the feelings or views of such a man may be on his first entering a "
        "neighbourhood, this truth is so well fixed in the minds of the surrounding families, that "
        "he is considered as the rightful property of some one or other of their daughters.",
        "“My dear Mr. Bennet,” said his lady to him one day, “have you heard that Netherfield Park "
        "is let at last?”",
        "Mr. Bennet replied that he had not.",
        "“But it is,” returned she; “for Mrs. Long has just been here, and she told me all about it.”",
    ]
    assert same_characters(GUTENBERG, out)


def test_reflow_can_be_switched_off():
    assert normalise_text(GUTENBERG, reflow=False) == GUTENBERG.strip()


def test_gutenberg_excerpt_fixture(data_dir):
    doc = load_document(data_dir / "text" / "frankenstein-excerpt-cp1252.txt")
    out, spans = normalise_document(doc)
    assert spans == [(None, 0, len(out))]
    assert same_characters(doc.text, out)
    assert out.count("\n") < doc.text.count("\n") / 3
    assert ("I quitted my seat, and walked on, although the darkness and storm increased every minute, "
            "and the thunder burst with a terrific crash over my head. It was echoed from Salêve, the "
            "Juras, and the Alps of Savoy;") in out
    # the indented verse quotation keeps its lines and indentation
    assert " Like one who, on a lonely road,\n Doth walk in fear and dread,\n" in out
    assert " [Coleridge’s “Ancient Mariner.”]" in out


def test_headings_contents_and_short_lines_stay():
    text = """\
CHAPTER I.

CONTENTS

Chapter 1 .......... The Arrival ............ 1
Chapter 2 .......... The Ball ............... 9

It is a truth universally acknowledged, that a single man in possession
of a good fortune must be in want of a wife. However little known the
feelings or views of such a man may be on his first entering a
neighbourhood.

Yours sincerely,
Fitzwilliam Darcy.
"""
    out = normalise_text(text)
    assert out.startswith("CHAPTER I.\n\nCONTENTS\n\nChapter 1 .......... The Arrival ............ 1\nChapter 2")
    assert (
        "a wife. However little known the feelings or views of such a man may be on his first entering a "
        "neighbourhood." in out
    )
    assert out.endswith("\n\nYours sincerely,\nFitzwilliam Darcy.")


def test_verse_without_indentation_keeps_its_lines():
    text = """\
The wind blew hard across the open moor and the clouds ran low and grey over
the hills, and the shepherd drove his flock home before the coming of the rain
that had been promised all the long afternoon by the darkening western sky.

Tyger Tyger, burning bright,
In the forests of the night;
What immortal hand or eye,
Could frame thy fearful symmetry?
"""
    out = normalise_text(text)
    assert out.endswith(
        "\n\nTyger Tyger, burning bright,\nIn the forests of the night;\nWhat immortal hand or eye,\n"
        "Could frame thy fearful symmetry?"
    )
    assert "grey over the hills, and the shepherd" in out


def test_indented_code_and_tables_stay_line_by_line():
    text = """\
The function below computes the greatest common divisor of two integers using
Euclid's algorithm, which repeatedly replaces the larger number by a remainder.

    def gcd(a, b):
        while b:
            a, b = b, a % b
        return a

Name          Born    Died
Jane Austen   1775    1817
Mary Shelley  1797    1851
"""
    out = normalise_text(text)
    assert "    def gcd(a, b):\n        while b:\n            a, b = b, a % b\n        return a" in out
    assert "Name          Born    Died\nJane Austen   1775    1817\nMary Shelley  1797    1851" in out
    assert "two integers using Euclid's algorithm" in out


def test_plain_lists_and_quoted_mail_keep_their_lines():
    text = """\
Thanks for the notes on the draft; I went through all of them this morning and
have a few remaining questions about the second chapter and the appendix:
- whether the appendix should carry the full tables or only the summary rows
- whether the figures need captions
> On Monday you wrote that the second chapter was far too long for what it says
> and that the appendix could go.
"""
    out = normalise_text(text)
    lines = out.split("\n")
    assert lines[0].endswith("the second chapter and the appendix:")
    assert lines[1].startswith("- whether the appendix") and lines[2] == "- whether the figures need captions"
    assert lines[3].startswith("> On Monday") and lines[4] == "> and that the appendix could go."


def test_text_that_is_not_hard_wrapped_is_left_alone():
    text = "\n".join(
        f"{n}: the event logger recorded a state change on node {n} with {'many ' * (n % 9)}details attached"
        for n in range(1, 40)
    )
    assert normalise_text(text) == text


def test_dashes_and_hyphens_join_without_a_space():
    text = (
        "proper thing to love them. And in the sect--fairly large and yet unusually\n"
        "choice--of Austenians or Janites, there would probably be found partisans--\n"
        "claimants to primacy of almost every one of the novels, a fact that is well-\n"
        "known to all who have followed the critics of that day in their reviews.\n"
    )
    out = normalise_text(text)
    assert "yet unusually choice--of" in out and "partisans--claimants" in out and "well-known to all" in out
    assert "\n" not in out


def test_cjk_lines_join_without_a_space():
    line = "吾輩は猫である。名前はまだ無い。どこで生れたかとんと見当がつかぬ。何でも薄暗いじめじめした所で"
    text = "\n".join([line, line, line[:20]])
    assert normalise_text(text) == line + line + line[:20]


def test_paragraph_with_indented_first_line_reflows():
    text = (
        "    The first line of this paragraph is indented in the old typewriter style, and\n"
        "the lines after it return to the margin as they continue the same paragraph of\n"
        "prose to its end.\n"
    )
    assert normalise_text(text) == (
        "    The first line of this paragraph is indented in the old typewriter style, and the lines "
        "after it return to the margin as they continue the same paragraph of prose to its end."
    )


# --- Markdown ------------------------------------------------------------------------------------

# The two trailing spaces of a Markdown hard break are written "\x20\x20" so that editors keep them.
MARKDOWN = """\
# A title

Some paragraph text that has been wrapped
by an editor at a short width, and goes on.\x20\x20
After a hard break.

* an item whose text is long and
  continues on the next line
* a second item
    - a nested item
      with a continuation

1. first
2. second

> A quotation that wraps
> onto a second line.
>
> > and a nested one
> > on two lines

```python
def f(x):


    return x   # two blank lines above are kept
```

    indented code stays
    line by line

| col a | col b |
|-------|-------|
| 1     | 2     |

<div>
raw html
</div>

Setext heading
==============
"""


def test_markdown_structure_is_kept_and_paragraphs_join():
    out = normalise_text(MARKDOWN, markdown=True)
    assert out == """\
# A title

Some paragraph text that has been wrapped by an editor at a short width, and goes on.
After a hard break.

* an item whose text is long and continues on the next line
* a second item
    - a nested item with a continuation

1. first
2. second

> A quotation that wraps onto a second line.
>
> > and a nested one on two lines

```python
def f(x):


    return x   # two blank lines above are kept
```

    indented code stays
    line by line

| col a | col b |
|-------|-------|
| 1     | 2     |

<div>
raw html
</div>

Setext heading
=============="""


def test_markdown_without_reflow_keeps_every_line():
    out = normalise_text(MARKDOWN, markdown=True, reflow=False)
    assert out == "\n".join(line.rstrip() for line in MARKDOWN.strip().split("\n"))


def test_markdown_document_kind_turns_on_markdown_rules():
    doc = Document(parts=(SourcePart("```\na\n\n\nb\n```\n", None),), source="x.md", sha256="0", kind="markdown")
    assert normalise_document(doc)[0] == "```\na\n\n\nb\n```"


# --- documents with parts -------------------------------------------------------------------------

def test_parts_are_normalised_separately_with_offsets():
    wrapped = ("This page carries a paragraph of prose that was wrapped by the typesetter at\n"
               "roughly seventy columns, like the rest of the pages in this document, and it\n"
               "ends here.\n")
    parts = (SourcePart(wrapped, 1), SourcePart("  \n\f\n", 2), SourcePart("Heading\r\n\r\n\r\n" + wrapped, 3))
    doc = Document(parts=parts, source="d.pdf", sha256="0", kind="pdf", page_count=3)
    text, spans = normalise_document(doc)
    assert [page for page, _, _ in spans] == [1, 2, 3]
    first, empty, third = spans
    assert text[first[1]:first[2]] == normalise_text(wrapped)
    assert "\n" not in text[first[1]:first[2]]
    assert empty[1] == empty[2] == first[2]
    assert text[third[1]:third[2]].startswith("Heading\n\nThis page carries")
    assert text[first[2]:third[1]] == Document.PART_SEPARATOR
    assert third[2] == len(text)


def test_no_reflow_for_documents():
    doc = Document(parts=(SourcePart(GUTENBERG, None),), source="g.txt", sha256="0", kind="text")
    assert normalise_document(doc, reflow=False)[0] == GUTENBERG.strip()


@pytest.mark.parametrize("markdown", [False, True])
def test_the_always_on_rules_are_idempotent(markdown, data_dir):
    text = load_document(data_dir / "text" / "frankenstein-excerpt-cp1252.txt").text + "\f\x00 x\u0301 \r\n"
    once = normalise_text(text, markdown=markdown, reflow=False)
    assert normalise_text(once, markdown=markdown, reflow=False) == once
