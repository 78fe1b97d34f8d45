"""`Answer`: what `Pipeline.ask` returns, an answer with the budget that bought it and where time went."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from glyphctx.tokens import TokenBudget
from glyphctx.tokens.budget import BudgetedResult


@dataclass(frozen=True)
class Answer(BudgetedResult):
    """One question answered about one document.

    `budget` compares the plain-text path (the document's text tokens in the model's tokenizer) with
    the visual tokens the pages took in the model's actual input. `input_tokens` is every position the
    prompt took on the path that answered (`mode` "visual" or "text"): pages or text, plus the prompt,
    as glyphctx counts it. A served model's server counts too: `server_prompt_tokens` is its
    `usage.prompt_tokens` (its own tokenizer, chat template and image tokens), None for local models.
    `window` is None when a served model's window is unknown.
    """

    text: str
    question: str
    budget: TokenBudget
    timings: dict[str, float]  # seconds: extract, normalise, render, tokens, encode, generate
    input_tokens: int
    window: int | None
    pages: int
    model: str
    mode: str = "visual"
    warnings: tuple[str, ...] = field(default_factory=tuple)
    server_prompt_tokens: int | None = None

    @property
    def text_tokens(self) -> int:
        return self.budget.text_tokens

    @property
    def visual_tokens(self) -> int:
        return self.budget.visual_tokens



    def to_dict(self) -> dict[str, Any]:
        return {
            "answer": self.text,
            "question": self.question,
            "mode": self.mode,
            "model": self.model,
            "pages": self.pages,
            "text_tokens": self.text_tokens,
            "visual_tokens": self.visual_tokens,
            "ratio": self.ratio,
            "input_tokens": self.input_tokens,
            "window": self.window,
            "server_prompt_tokens": self.server_prompt_tokens,
            "timings": dict(self.timings),
        }
