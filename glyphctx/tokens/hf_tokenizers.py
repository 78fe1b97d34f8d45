"""Local Hugging Face tokenizers: a `tokenizer.json` through `tokenizers`, or a tokenizer folder
through transformers' `AutoTokenizer` (offline only).

Both are set up to count what the text is, not what a model pipeline would feed: truncation and
padding that a saved tokenizer may carry are switched off (a 512-token truncation would silently
cap every count), no BOS/EOS or template tokens are added, and added special tokens appearing in
the text are split like any other text.

These tokenizers can insert context-dependent pieces (a SentencePiece-style "▁" prefix, per-word
normalisers), so their counts are taken in one go rather than in chunks.
"""

from __future__ import annotations

from pathlib import Path

from glyphctx.errors import TokenizerError
from glyphctx.tokens.text_tokenizer import TextTokenizer, require_text


class TokenizerJsonTokenizer(TextTokenizer):
    """A `tokenizers` serialization file (`tokenizer.json`)."""

    def __init__(self, name: str, path: Path):
        super().__init__(name)
        from tokenizers import Tokenizer

        try:
            tokenizer = Tokenizer.from_file(str(path))
        except Exception as exc:  # tokenizers raises a bare Exception with the serde message
            raise TokenizerError(f"{path}: not a tokenizers file ({exc})") from exc
        tokenizer.no_truncation()
        tokenizer.no_padding()
        tokenizer.encode_special_tokens = True
        self._tokenizer = tokenizer
        self.path = path

    @property
    def vocab_size(self) -> int:
        return self._tokenizer.get_vocab_size(with_added_tokens=True)

    def encode(self, text: str) -> list[int]:
        return self._tokenizer.encode(require_text(text), add_special_tokens=False).ids


class AutoTokenizerTokenizer(TextTokenizer):
    """A transformers tokenizer folder (tokenizer_config.json plus vocabulary files)."""

    def __init__(self, name: str, path: Path):
        super().__init__(name)
        from transformers import AutoTokenizer

        try:
            self._tokenizer = AutoTokenizer.from_pretrained(str(path), local_files_only=True, trust_remote_code=False)
        except Exception as exc:  # OSError, ValueError, ImportError for a missing converter backend
            reason = " ".join(str(exc).split())[:300] or type(exc).__name__
            raise TokenizerError(f"{path}: transformers AutoTokenizer could not load it ({reason})") from exc
        self.path = path

    @property
    def vocab_size(self) -> int:
        return len(self._tokenizer)

    def encode(self, text: str) -> list[int]:
        encoded = self._tokenizer(
            require_text(text),
            add_special_tokens=False,
            split_special_tokens=True,
            truncation=False,
            padding=False,
            verbose=False,
        )
        return list(encoded["input_ids"])
