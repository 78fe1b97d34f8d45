"""A byte-level tokenizer: UTF-8 bytes as ids 0-255, then a handful of special ids.

Tiny models trained on a CPU have no room for a 100k-row embedding, and a byte vocabulary needs no
trained merges, no files and no download, so every model of this package trained from scratch
shares it. Spare ids are reserved so a task can add markers later without changing the vocabulary
size of saved checkpoints.
"""

from __future__ import annotations

from collections.abc import Iterable

from glyphctx.errors import TokenizerError

BYTES = 256


class ByteTokenizer:
    """UTF-8 bytes plus pad, bos, eos and spare ids (264 in all)."""

    pad_id = BYTES
    bos_id = BYTES + 1
    eos_id = BYTES + 2
    #: ids a task may give its own meaning (e.g. an image marker); never produced by `encode`
    spare_ids = tuple(range(BYTES + 3, BYTES + 8))
    vocab_size = BYTES + 8
    name = "byte"

    def encode(self, text: str, bos: bool = False, eos: bool = False) -> list[int]:
        ids = list(text.encode("utf-8", errors="replace"))
        if bos:
            ids.insert(0, self.bos_id)
        if eos:
            ids.append(self.eos_id)
        return ids

    def decode(self, ids: Iterable[int]) -> str:
        """Text of the byte ids; specials are skipped and broken UTF-8 becomes U+FFFD (sampled bytes may be)."""
        data = bytearray()
        for i in ids:
            i = int(i)
            if not 0 <= i < self.vocab_size:
                raise TokenizerError(f"byte tokenizer: id {i} outside the vocabulary 0..{self.vocab_size - 1}")
            if i < BYTES:
                data.append(i)
        return data.decode("utf-8", errors="replace")

    def __len__(self) -> int:
        return self.vocab_size
