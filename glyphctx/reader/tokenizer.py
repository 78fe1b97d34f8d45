"""The reader's vocabulary: the 256 UTF-8 byte values, then the control tokens that mark its tasks.

Bytes need no tokenizer file, cover every script the renderer draws, and make a transcription a
character-for-character copy of the page, which is what reconstruction asks of a reader.
"""

from __future__ import annotations

from collections.abc import Iterable

SPECIALS = ("<pad>", "<eos>", "<transcribe>", "<continue>", "<text>", "<question>", "<answer>")


class ReaderTokenizer:
    vocab_size = 256 + len(SPECIALS)
    pad, eos, transcribe, continue_, text, question, answer = range(256, 256 + len(SPECIALS))

    @staticmethod
    def encode(text: str) -> list[int]:
        return list(text.encode("utf-8"))

    @staticmethod
    def decode(ids: Iterable[int]) -> str:
        """Bytes up to the first end-of-sequence, control tokens dropped, broken UTF-8 replaced."""
        out = bytearray()
        for token in ids:
            token = int(token)
            if token == ReaderTokenizer.eos:
                break
            if token < 256:
                out.append(token)
        return out.decode("utf-8", errors="replace")
