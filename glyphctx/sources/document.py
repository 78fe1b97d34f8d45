"""The document type every source produces."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class SourcePart:
    """A piece of a document's text and where it came from.

    PDFs give one part per page so that page-of-origin survives normalisation (each part is
    normalised on its own, then parts are joined); plain text gives a single part.
    """

    text: str
    page: int | None = None  # 1-based page number in the source, when the source has pages


@dataclass(frozen=True)
class Document:
    """Extracted text plus the facts about its origin that outputs and resumption need."""

    parts: tuple[SourcePart, ...]
    source: str  # a path, "<stdin>" or "<text>"
    sha256: str  # of the raw input bytes: the resume key
    kind: str  # "text", "markdown" or "pdf"
    encoding: str | None = None  # detected text encoding, None for PDFs
    page_count: int | None = None  # pages in the source file (PDF), before any page range
    warnings: tuple[str, ...] = field(default=())

    #: separator placed between parts when they are joined into one text
    PART_SEPARATOR = "\n\n"

    @property
    def text(self) -> str:
        return self.PART_SEPARATOR.join(p.text for p in self.parts)
