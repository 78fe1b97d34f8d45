"""Document sources: plain text, Markdown and PDF files, standard input, directories of them.

Everything a user can get wrong (a missing file, a scanned PDF, a password, a binary file) is
raised as a typed `glyphctx.errors.SourceError` naming the file and the reason.
"""

from glyphctx.sources.discover import discover
from glyphctx.sources.document import Document, SourcePart
from glyphctx.sources.formats import SUPPORTED_SUFFIXES
from glyphctx.sources.load import load_document, load_text
from glyphctx.sources.page_range import parse_page_range

__all__ = [
    "SUPPORTED_SUFFIXES",
    "Document",
    "SourcePart",
    "discover",
    "load_document",
    "load_text",
    "parse_page_range",
]
