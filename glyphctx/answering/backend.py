"""`AnswerModel`: what the pipeline needs from a model, whichever kind answers.

Three kinds answer questions about pages: the GlyphLM page reader (glyphctx.reader), any local
transformers VLM, and a model behind an OpenAI-compatible server. The pipeline counts, checks the window
and times stages the same way for all, so each kind says, before it runs, how many positions a prompt
will take, with its own tokenizer and its own image rule; those counts are what the long-input check
compares with the window. A served model's window is known only when the server or the pipeline says
(`window` is then None and nothing is checked here), and the server reports its own prompt count.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from glyphctx.tokens import TextTokenizer, VisualProfile


@dataclass
class Generated:
    """One generation: the answer, the positions the model took, and the seconds of each stage."""

    text: str
    input_tokens: int  # every position the prompt took (visual tokens included)
    visual_tokens: int = 0  # positions that were page tokens, as counted in the model's actual input
    timings: dict[str, float] = field(default_factory=dict)  # encode, generate
    server_prompt_tokens: int | None = None  # the server's usage.prompt_tokens (served models only)


class AnswerModel(ABC):
    kind: str  # "reader", "vlm" or "openai"
    name: str
    window: int | None  # most positions one forward pass takes: prompt, pages and answer; None: unknown
    profile: VisualProfile  # the model's own page -> visual tokens rule
    tokenizer_name: str
    #: new tokens an answer gets when the caller names no limit (a reader answers with a line it reads back)
    default_answer_tokens: int = 16

    @property
    def render_config(self):
        """The render config the model must read (a reader's own), or None: the pipeline's choice."""
        return None

    @abstractmethod
    def text_ids(self, text: str) -> list[int]:
        """Token ids of `text` in the model's own tokenizer (no special tokens)."""

    def count_text(self, text: str) -> int:
        return len(self.text_ids(text))

    def text_tokenizer(self) -> TextTokenizer:
        """The model's tokenizer as a `TextTokenizer`, so budgets count text the way the model reads it."""
        return ModelTokenizer(self)

    @abstractmethod
    def visual_prompt_tokens(self, pages: int, question: str) -> int:
        """Positions of a visual prompt over `pages` pages, not counting the pages' own visual tokens."""

    @abstractmethod
    def text_prompt_tokens(self, document: str, question: str) -> int:
        """Positions of the plain-text prompt: the whole document as text, then the question."""

    @abstractmethod
    def answer(self, pages: Sequence[np.ndarray], question: str, max_new_tokens: int) -> Generated:
        """Answer from page images."""

    @abstractmethod
    def answer_text(self, document: str, question: str, max_new_tokens: int) -> Generated:
        """Answer from the plain text, with the same model: the baseline the pages are compared with."""

    def encode(self, pages: Sequence[np.ndarray]):
        """The model's own visual tokens for the pages, or None when it has no separate encoder."""
        return None

    def encoder_identity(self) -> str | None:
        """The model's own encoder as `<config digest>-<weights hash>` (glyphctx.encode), or None without one.

        Token files written by `glyphctx ingest` carry the identity of the encoder that made them; a
        model reads stored tokens instead of encoding the pages again only when the two are equal.
        """
        return None

    def answer_tokens(self, tokens: Sequence, question: str, max_new_tokens: int) -> Generated:
        """Answer from visual tokens its own encoder made (`encode`, or stored ones of the same identity)."""
        from glyphctx.errors import ModelError

        raise ModelError(f"{self.name} reads page images, not visual tokens")


class ModelTokenizer(TextTokenizer):
    """A loaded model's tokenizer in the accounting interface (lives with the model; not for workers)."""

    def __init__(self, model: AnswerModel):
        super().__init__(model.tokenizer_name)
        self._model = model

    def encode(self, text: str) -> list[int]:
        return self._model.text_ids(text)

    def __reduce__(self):
        raise TypeError("a model's tokenizer travels with its model; send the pipeline config instead")
