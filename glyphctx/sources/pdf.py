"""PDF documents through MuPDF (pymupdf): open, unlock, select pages, extract text per page.

Every way a PDF can fail is reported as the typed error a person can act on: a password to give,
a damaged file, pages without a text layer (which need OCR), a page range that does not fit.
MuPDF's own messages never reach the terminal; they become document warnings or the reason of
the error.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import pymupdf

from glyphctx.errors import CorruptDocumentError, EncryptedPDFError, NoTextLayerError
from glyphctx.sources.document import SourcePart
from glyphctx.sources.mupdf_messages import MupdfMessages, collected_mupdf_messages
from glyphctx.sources.page_range import parse_page_range
from glyphctx.sources.pdf_layout import page_text


@dataclass(frozen=True)
class PdfText:
    """What a PDF yields: one part per selected page, its page count, and what went wrong softly."""

    parts: tuple[SourcePart, ...]
    page_count: int
    warnings: tuple[str, ...]


@dataclass
class _Pages:
    parts: list[SourcePart] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    unmapped: list[int] = field(default_factory=list)  # pages with glyphs that have no Unicode text


def read_pdf(data: bytes, path: str, *, pages: str | None = None, password: str | None = None) -> PdfText:
    with collected_mupdf_messages() as messages:
        document = _open(data, path, messages)
        try:
            _unlock(document, path, password)
            page_count = document.page_count
            if page_count < 1:
                raise CorruptDocumentError(path, _damage_reason("has no readable pages", messages))
            selected = parse_page_range(pages, page_count, path=path) if pages is not None else range(1, page_count + 1)
            extracted = _extract(document, selected, path, messages)
            repaired = bool(document.is_repaired)
        finally:
            document.close()
    if not any(part.text.strip() for part in extracted.parts):
        if repaired:
            raise CorruptDocumentError(path, _damage_reason("is damaged and no text could be recovered", messages))
        raise NoTextLayerError(path, _no_text_reason(extracted, pages))
    warnings = extracted.warnings
    if repaired:
        note = messages.summary()
        warnings.insert(0, "the PDF is damaged; MuPDF repaired it" + (f" ({note})" if note else ""))
    return PdfText(tuple(extracted.parts), page_count, tuple(warnings))


def _open(data: bytes, path: str, messages: MupdfMessages) -> pymupdf.Document:
    try:
        document = pymupdf.open(stream=data, filetype="pdf")
    except Exception as error:  # MuPDF raises FileDataError, RuntimeError or ValueError alike
        detail = messages.summary(fresh=True) or str(error)
        raise CorruptDocumentError(path, f"is not a readable PDF ({detail})") from None
    if not document.is_pdf:
        document.close()
        raise CorruptDocumentError(path, "is not a readable PDF")
    return document


def _unlock(document: pymupdf.Document, path: str, password: str | None) -> None:
    if not document.needs_pass:
        return
    if password is None:
        raise EncryptedPDFError(path, "is password-protected; give its password with --password")
    if not document.authenticate(password):
        raise EncryptedPDFError(path, "the password is wrong (it does not open this password-protected PDF)")


def _extract(document: pymupdf.Document, selected: Iterable[int], path: str, messages: MupdfMessages) -> _Pages:
    pages = _Pages()
    empty: list[int] = []
    failed: list[str] = []
    for number in selected:
        try:
            extracted = page_text(document.load_page(number - 1))
        except Exception as error:  # a damaged page must not sink the others
            failed.append(f"page {number}: {messages.summary(1, fresh=True) or error}")
            pages.parts.append(SourcePart("", number))
            continue
        if extracted.unmapped_glyphs:
            pages.unmapped.append(number)
        if not extracted.text.strip():
            empty.append(number)
        pages.parts.append(SourcePart(extracted.text, number))
    if failed and len(failed) == len(pages.parts):
        raise CorruptDocumentError(path, "no page could be read (" + "; ".join(failed[:3]) + ")")
    if failed:
        pages.warnings.append("unreadable pages left empty: " + "; ".join(failed))
    if pages.unmapped:
        pages.warnings.append(f"glyphs without a Unicode mapping were dropped on {_pages_phrase(pages.unmapped)}")
    if empty and len(empty) < len(pages.parts):
        pages.warnings.append(f"no text layer on {_pages_phrase(empty)} (image-only; OCR would be needed)")
    return pages


def _no_text_reason(extracted: _Pages, pages: str | None) -> str:
    count = len(extracted.parts)
    where = "the selected pages have" if pages is not None else ("its page has" if count == 1 else "its pages have")
    if extracted.unmapped:
        return f"{where} no extractable text: the fonts carry no Unicode mapping; OCR is needed"
    return f"{where} no text layer (scanned or image-only); OCR is needed"


def _damage_reason(what: str, messages: MupdfMessages) -> str:
    note = messages.summary(fresh=True)
    return f"{what} (it is damaged or truncated" + (f": {note})" if note else ")")


def _pages_phrase(numbers: list[int]) -> str:
    if len(numbers) == 1:
        return f"page {numbers[0]}"
    shown = ", ".join(str(n) for n in numbers[:10]) + (", ..." if len(numbers) > 10 else "")
    return f"pages {shown}"
