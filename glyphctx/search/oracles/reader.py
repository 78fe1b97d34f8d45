"""A glyphctx reader checkpoint as the oracle: the model that will read the pages judges them.

A reader reads pages drawn like the ones it was trained on (its own render config: for `tiny-reader`,
one-line pages of DejaVu Sans Mono on a 4 px grid); other layouts reach its encoder padded or scaled
and read poorly, which is the honest score of that layout for that reader. Decoding is greedy, so a
run is repeatable.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from glyphctx.errors import GlyphctxError
from glyphctx.search.errors import OracleError
from glyphctx.search.oracles.base import Oracle


class ReaderOracle(Oracle):
    name = "reader"

    def __init__(self, path: str | Path, *, device: str | None = None) -> None:
        from glyphctx.reader import GlyphReader

        self.path = Path(path).expanduser()
        folder = self.path / "final" if (self.path / "final").is_dir() else self.path  # a `glyphctx train` run
        try:
            self.reader = GlyphReader.from_pretrained(folder, device=device)
        except GlyphctxError as exc:
            raise OracleError(f"reader: {exc}") from None

    def read(self, images: Sequence[np.ndarray], *, text_height_px: float | None = None) -> list[str]:
        pages = [np.asarray(image, dtype=np.uint8) for image in images]
        return self.reader.transcribe(pages) if pages else []

    def describe(self) -> str:
        return f"reader ({self.path.name}, greedy)"
