"""Which file names count as documents, and what kind of document each suffix announces.

The suffix only decides what `discover` picks up from a directory and how plain text is labelled
(Markdown keeps its structure through normalisation). What a file actually *is* is decided by its
bytes first (see `sniff`), so a misnamed file is still read for what it is.
"""

from __future__ import annotations

from pathlib import PurePath

TEXT_SUFFIXES = frozenset({".txt", ".text", ".rst"})
MARKDOWN_SUFFIXES = frozenset({".md", ".markdown", ".mdown", ".mkd", ".mkdn"})
PDF_SUFFIXES = frozenset({".pdf"})

#: suffixes `discover` collects from directories (lower case, with the dot)
SUPPORTED_SUFFIXES: frozenset[str] = TEXT_SUFFIXES | MARKDOWN_SUFFIXES | PDF_SUFFIXES

#: suffixes of formats that are text underneath but whose markup would be rendered as noise
MARKUP_SUFFIXES = {
    ".html": "an HTML page",
    ".htm": "an HTML page",
    ".xhtml": "an XHTML page",
    ".svg": "an SVG image",
}


def suffix_of(path: str | PurePath) -> str:
    return PurePath(path).suffix.lower()


def text_kind(path: str | PurePath | None) -> str:
    """"markdown" for Markdown names, "text" for everything else read as text."""
    if path is not None and suffix_of(path) in MARKDOWN_SUFFIXES:
        return "markdown"
    return "text"
