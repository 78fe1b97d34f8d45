"""`TokenBudget`: what a text costs as text tokens versus as rendered pages of visual tokens."""

from __future__ import annotations

import operator
from collections.abc import Sequence
from dataclasses import dataclass

from glyphctx.errors import ProfileError, TokenizerError
from glyphctx.tokens.text_tokenizer import TextTokenizer
from glyphctx.tokens.visual_profile import VisualProfile


@dataclass(frozen=True)
class TokenBudget:
    """Text tokens (under a named tokenizer) against visual tokens (under a named VLM profile)."""

    text_tokens: int
    visual_tokens: int
    tokenizer: str
    profile: str
    page_visual_tokens: tuple[int, ...]

    def __post_init__(self):
        pages = tuple(self.page_visual_tokens)
        object.__setattr__(self, "page_visual_tokens", pages)
        if self.text_tokens < 0 or self.visual_tokens < 0 or any(n < 0 for n in pages):
            raise ValueError(f"token counts must be non-negative: {self}")
        if sum(pages) != self.visual_tokens:
            raise ValueError(f"visual_tokens {self.visual_tokens} is not the sum of page_visual_tokens {pages}")

    @property
    def ratio(self) -> float:
        """Text tokens per visual token: the compression factor.

        0.0 when there are no visual tokens (no pages): nothing was compressed, and the value stays
        a finite number that JSON manifests can hold (float("inf") is not valid JSON).
        """
        if self.visual_tokens == 0:
            return 0.0
        return self.text_tokens / self.visual_tokens

    def to_dict(self) -> dict:
        """Plain JSON-ready values, the ratio included."""
        return {
            "text_tokens": self.text_tokens,
            "visual_tokens": self.visual_tokens,
            "ratio": self.ratio,
            "tokenizer": self.tokenizer,
            "profile": self.profile,
            "page_visual_tokens": list(self.page_visual_tokens),
        }


def count_budget(
    text: str,
    page_sizes: Sequence[tuple[int, int]],
    *,
    tokenizer: TextTokenizer,
    profile: VisualProfile,
) -> TokenBudget:
    """Count `text` with `tokenizer` and each rendered page, (width, height) in pixels, with `profile`."""
    if not isinstance(text, str):
        raise TokenizerError(f"text: expected str, got {type(text).__name__}")
    page_tokens = []
    for index, size in enumerate(page_sizes):
        width, height = _page_size(index, size)
        try:
            page_tokens.append(profile.tokens_for(width, height))
        except ProfileError as exc:
            raise ProfileError(f"page_sizes[{index}]: {exc}") from exc
    return TokenBudget(
        text_tokens=tokenizer.count(text),
        visual_tokens=sum(page_tokens),
        tokenizer=tokenizer.name,
        profile=profile.name,
        page_visual_tokens=tuple(page_tokens),
    )


def _page_size(index: int, size: object) -> tuple[int, int]:
    try:
        width, height = size  # type: ignore[misc]
        if isinstance(width, bool) or isinstance(height, bool):
            raise TypeError
        return operator.index(width), operator.index(height)
    except (TypeError, ValueError):
        raise ProfileError(f"page_sizes[{index}]: expected a (width, height) pair of ints, got {size!r}") from None


class BudgetedResult:
    """What a result with a token `budget` and per-stage `timings` (seconds) says about both.

    A rendered document and an answered question report the same two facts the same way.
    """

    budget: TokenBudget
    timings: dict[str, float]

    @property
    def ratio(self) -> float:
        """Text tokens per visual token: what reading the pages saved against reading the text."""
        return self.budget.ratio

    @property
    def seconds(self) -> float:
        return sum(self.timings.values())
