"""`TextTokenizer`: the one interface every text tokenizer backend offers to the rest of glyphctx.

The compression ratio is only meaningful against a named tokenizer, so each instance carries the
spec it was loaded from as its `name`; `load_tokenizer(tok.name)` gives the same tokenizer back.
Instances pickle as that spec (not as their vocabulary), so batch workers receive a few bytes and
reload through the per-process cache instead of copying tens of megabytes per task.
"""

from __future__ import annotations

from abc import ABC, abstractmethod

from glyphctx.errors import TokenizerError


def require_text(text: object) -> str:
    """`text` itself when it is a str; anything else is refused before a backend sees it."""
    if not isinstance(text, str):
        raise TokenizerError(f"text: expected str, got {type(text).__name__}")
    return text


class TextTokenizer(ABC):
    """A named, offline text tokenizer that treats its whole input as plain text.

    Strings that look like control tokens ("<s>", "[INST]") are counted as the text they are:
    a document quoting a chat template must not be billed as a handful of control tokens.
    No BOS/EOS is ever added: the counts measure the text alone.
    """

    name: str

    def __init__(self, name: str):
        self.name = name

    @abstractmethod
    def encode(self, text: str) -> list[int]:
        """Token ids of `text`, as the model would see them, without BOS/EOS."""

    def count(self, text: str) -> int:
        """Number of tokens in `text`; backends override this when they can avoid building ids."""
        return len(self.encode(text))

    def __reduce__(self):
        from glyphctx.tokens.loading import load_tokenizer

        return (load_tokenizer, (self.name,))

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.name!r})"
