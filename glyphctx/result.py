"""`CompressResult`: what `glyphctx.compress` returns and what the CLI writes for each document."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from glyphctx.render import RenderedPage
from glyphctx.render.config import RenderConfig
from glyphctx.render.fonts import can_shape
from glyphctx.sources.document import Document
from glyphctx.tokens import TokenBudget
from glyphctx.tokens.budget import BudgetedResult


@dataclass
class CompressResult(BudgetedResult):
    """One document rendered into pages, with its token budget and the time each stage took."""

    document: Document
    text: str  # the normalised text the pages show; page spans index into it
    config: RenderConfig
    pages: list[RenderedPage]
    budget: TokenBudget
    timings: dict[str, float]  # seconds per stage: extract, normalise, render, tokens
    source_pages: list[tuple[int | None, int, int]] = field(default_factory=list)  # (source page, start, end)
    missing_chars: Counter = field(default_factory=Counter)
    fallback_chars: Counter = field(default_factory=Counter)



    def page_text(self, index: int) -> str:
        start, end = self.pages[index].span
        return self.text[start:end]

    def source_pages_of(self, index: int) -> list[int]:
        """The source (PDF) page numbers whose text appears on rendered page `index`."""
        start, end = self.pages[index].span
        return [page for page, s, e in self.source_pages if page is not None and s < end and e > start]

    @property
    def unshaped_words(self) -> int:
        """Right-to-left words drawn letter by letter, unjoined and mirrored, on all pages."""
        return sum(page.unshaped_words for page in self.pages)

    def warnings(self) -> list[str]:
        out = list(self.document.warnings)
        if self.missing_chars:
            shown = "".join(sorted(self.missing_chars)[:20])
            out.append(
                f"{sum(self.missing_chars.values())} characters ({len(self.missing_chars)} distinct: {shown!r}) "
                "are in no shipped font and were drawn as missing-glyph boxes"
            )
        if self.unshaped_words:
            pages = [str(page.index + 1) for page in self.pages if page.unshaped_words]
            where = ", ".join(pages[:10]) + (", ..." if len(pages) > 10 else "")
            why = "no one shipped font has all of their characters" if can_shape() else "Pillow has no libraqm"
            out.append(
                f"{self.unshaped_words} right-to-left word(s) on page(s) {where} could not be shaped ({why}) and "
                "were drawn letter by letter: unjoined and mirrored"
            )
        return out

    def summary(self) -> dict[str, Any]:
        return {
            "source": self.document.source,
            "pages": len(self.pages),
            "text_tokens": self.budget.text_tokens,
            "visual_tokens": self.budget.visual_tokens,
            "ratio": self.ratio,
            "seconds": self.seconds,
        }
