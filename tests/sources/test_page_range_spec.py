"""Page range strings as typed on a command line."""

from __future__ import annotations

import pytest

from glyphctx.errors import PageRangeError
from glyphctx.sources import parse_page_range


@pytest.mark.parametrize(
    "spec, expected",
    [
        ("3", [3]),
        ("1-10", list(range(1, 11))),
        ("2-", list(range(2, 13))),
        ("-3", [1, 2, 3]),
        ("1,4-6", [1, 4, 5, 6]),
        (" 6 , 1 - 2 ,2", [1, 2, 6]),
        ("12", [12]),
        ("1-12", list(range(1, 13))),
    ],
)
def test_valid(spec, expected):
    assert parse_page_range(spec, 12, path="doc.pdf") == expected


@pytest.mark.parametrize(
    "spec, fragment",
    [
        ("13", "page 13 is out of range: the document has 12 pages"),
        ("10-20", "page 20 is out of range"),
        ("0", "start at 1"),
        ("0-3", "start at 1"),
        ("5-2", "runs backwards"),
        ("", "empty page range"),
        ("   ", "empty page range"),
        ("-", "malformed"),
        ("1,,2", "malformed"),
        ("a-b", "malformed"),
        ("1-2-3", "malformed"),
        ("1.5", "malformed"),
    ],
)
def test_invalid(spec, fragment):
    with pytest.raises(PageRangeError) as caught:
        parse_page_range(spec, 12, path="doc.pdf")
    assert caught.value.path == "doc.pdf"
    assert fragment in caught.value.reason


def test_single_page_document_wording():
    with pytest.raises(PageRangeError) as caught:
        parse_page_range("2-", 1, path="one.pdf")
    assert "the document has 1 page" in caught.value.reason
