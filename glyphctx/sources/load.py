"""Turn a path, standard input or a string into a Document.

The format is chosen by the bytes first and the file name second: a PDF named ``.txt`` is read as
a PDF, a PNG named ``.pdf`` is reported as a PNG. The raw bytes are read once; their SHA-256 is the
document's identity for resumable batch runs.
"""

from __future__ import annotations

import hashlib
import os

from glyphctx.errors import BinaryFileError, CorruptDocumentError, EmptyDocumentError, UnsupportedFormatError
from glyphctx.sources.decode import decode_text
from glyphctx.sources.document import Document, SourcePart
from glyphctx.sources.formats import MARKUP_SUFFIXES, PDF_SUFFIXES, SUPPORTED_SUFFIXES, suffix_of, text_kind
from glyphctx.sources.read import STDIN_NAME, read_source
from glyphctx.sources.sniff import sniff

TEXT_NAME = "<text>"


def load_document(source: str | os.PathLike, *, pages: str | None = None, password: str | None = None) -> Document:
    """Read a .txt/.md/.pdf file (or "-" for standard input) into a Document.

    `pages` ("1-10", "3", "2-", "1,4-6"; 1-based) selects PDF pages; plain text has no pages, so
    there it is ignored with a warning. `password` opens a password-protected PDF.
    """
    data, name = read_source(source)
    if not data or data.isspace():
        raise EmptyDocumentError(name, "is empty" if not data else "contains only whitespace")
    digest = hashlib.sha256(data).hexdigest()
    sniffed = sniff(data)
    named_path = None if name == STDIN_NAME else name
    if sniffed.kind == "pdf":
        # imported on first use: pymupdf takes a second or more to import, text sources need none of it
        from glyphctx.sources.pdf import read_pdf

        pdf = read_pdf(data, name, pages=pages, password=password)
        return Document(parts=pdf.parts, source=name, sha256=digest, kind="pdf", encoding=None,
                        page_count=pdf.page_count, warnings=pdf.warnings)
    if sniffed.kind == "binary":
        raise BinaryFileError(name, f"looks like {sniffed.what}, not a text or PDF document")
    if sniffed.kind == "unsupported":
        raise UnsupportedFormatError(
            name, f"is {sniffed.what}, which is not supported; convert it to PDF or plain text"
        )
    suffix = suffix_of(named_path) if named_path else ""
    if suffix in PDF_SUFFIXES:
        raise CorruptDocumentError(name, "is not a PDF: it has no %PDF header (a download that saved an error page?)")
    decoded = decode_text(data, name)
    if suffix not in SUPPORTED_SUFFIXES:
        _refuse_markup(decoded.text, suffix, name)
    warnings = list(decoded.warnings)
    if pages is not None:
        warnings.append(f"page range {pages!r} ignored: plain text has no pages")
    return _text_document(decoded.text, name, digest, text_kind(named_path), decoded.encoding, warnings)


def load_text(text: str, *, name: str = TEXT_NAME) -> Document:
    """A Python string as a Document; its sha256 is that of the string's UTF-8 bytes."""
    if not isinstance(text, str):
        raise TypeError(f"load_text() takes a str, not {type(text).__name__}; use load_document() for files and bytes")
    if not _has_content(text):
        raise EmptyDocumentError(name, "is empty" if not text else "contains only whitespace")
    digest = hashlib.sha256(text.encode("utf-8", errors="surrogatepass")).hexdigest()
    return _text_document(text, name, digest, text_kind(name if name != TEXT_NAME else None), None, [])


_INVISIBLE = frozenset("\ufeff\u200b\u200c\u200d\u2060")


def _has_content(text: str) -> bool:
    return any(not ch.isspace() and ch not in _INVISIBLE for ch in text)


def _text_document(text: str, name: str, digest: str, kind: str, encoding: str | None, warnings: list[str]) -> Document:
    if not _has_content(text):
        raise EmptyDocumentError(name, "contains only whitespace")
    return Document(parts=(SourcePart(text, None),), source=name, sha256=digest, kind=kind,
                    encoding=encoding, page_count=None, warnings=tuple(warnings))


def _refuse_markup(text: str, suffix: str, name: str) -> None:
    what = MARKUP_SUFFIXES.get(suffix)
    if what is None:
        head = text.lstrip("\ufeff \t\r\n")[:256].lower()
        if head.startswith(("<!doctype html", "<html")):
            what = "an HTML page"
    if what is not None:
        raise UnsupportedFormatError(name, f"is {what}, which is not supported; save it as plain text or Markdown")
