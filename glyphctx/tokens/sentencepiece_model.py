"""SentencePiece `.model` files (Llama / Mistral v1-v3 style), such as those mistral-common ships.

Needs the `sentencepiece` package, which glyphctx does not require: without it the loader says so
instead of failing inside an import. SentencePiece never matches control symbols ("<s>", "</s>")
in input text, so they are counted as the characters they are.
"""

from __future__ import annotations

from pathlib import Path

from glyphctx.errors import TokenizerError
from glyphctx.tokens.text_tokenizer import TextTokenizer, require_text


class SentencePieceTokenizer(TextTokenizer):
    """A SentencePiece model file, encoded without BOS/EOS."""

    def __init__(self, name: str, path: Path):
        super().__init__(name)
        try:
            import sentencepiece
        except ImportError as exc:
            raise TokenizerError(
                f"{path}: SentencePiece model files need the 'sentencepiece' package (pip install sentencepiece)"
            ) from exc
        try:
            self._processor = sentencepiece.SentencePieceProcessor(model_file=str(path))
        except Exception as exc:  # sentencepiece raises RuntimeError/OSError with a C++ message
            raise TokenizerError(f"{path}: not a SentencePiece model ({exc})") from exc
        self.path = path

    @property
    def vocab_size(self) -> int:
        return self._processor.get_piece_size()

    def encode(self, text: str) -> list[int]:
        return self._processor.encode(require_text(text), out_type=int)
