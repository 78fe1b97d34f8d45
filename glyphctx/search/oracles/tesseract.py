"""Tesseract (the apt package `tesseract-ocr`) through pytesseract, tuned for dense small print.

Two settings decide how well it reads rendered pages: upscaling (its LSTM reads best around 25-30 px
per em, so a 9 px font is enlarged about 3x first) and the page segmentation mode (6, "one uniform
block of text", fits a text column; the caller splits multi-column pages). Tesseract's own OpenMP
threads make it several times slower on a busy machine, so each call is limited to `threads`
(OMP_THREAD_LIMIT) and parallelism comes from running several processes instead.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from PIL import Image

from glyphctx.search.errors import OracleError
from glyphctx.search.oracles.base import Oracle

INSTALL_HINT = (
    "install it with `sudo apt-get install tesseract-ocr` (Debian/Ubuntu), `brew install tesseract` (macOS) "
    "or see https://tesseract-ocr.github.io/tessdoc/Installation.html, or give its path with tesseract_cmd"
)


@dataclass
class TesseractOracle(Oracle):
    psm: int = 6
    """Page segmentation mode (6: one uniform block of text)."""
    upscale: float | None = None
    """Fixed enlargement factor; None picks target_text_px / text_height_px per call."""
    target_text_px: float = 27.0
    """Font size in pixels Tesseract gets after automatic upscaling."""
    max_upscale: float = 4.0
    lang: str = "eng"
    tesseract_cmd: str = "tesseract"
    threads: int = 1
    timeout_s: float = 0.0
    """Seconds before a single page read is abandoned (0: no limit)."""

    name = "tesseract"

    def __post_init__(self) -> None:
        import pytesseract

        if self.psm not in range(0, 14):
            raise OracleError(f"tesseract: psm must be 0-13, got {self.psm!r}")
        if self.upscale is not None and not 0.1 <= self.upscale <= 8:
            raise OracleError(f"tesseract: upscale must be in [0.1, 8], got {self.upscale!r}")
        if shutil.which(self.tesseract_cmd) is None:
            raise OracleError(f"tesseract: binary {self.tesseract_cmd!r} not found; {INSTALL_HINT}")
        pytesseract.pytesseract.tesseract_cmd = self.tesseract_cmd
        try:
            languages = pytesseract.get_languages(config="")
        except (pytesseract.TesseractNotFoundError, OSError) as exc:
            raise OracleError(f"tesseract: {self.tesseract_cmd!r} cannot be run ({exc}); {INSTALL_HINT}") from None
        if self.lang not in languages:
            raise OracleError(
                f"tesseract: language data {self.lang!r} is not installed (have: {', '.join(languages) or 'none'}); "
                f"install e.g. `sudo apt-get install tesseract-ocr-{self.lang}`"
            )
        # pytesseract passes os.environ to the tesseract process: the one place the limit can go
        os.environ["OMP_THREAD_LIMIT"] = str(self.threads)

    def scale_for(self, text_height_px: float | None) -> float:
        if self.upscale is not None:
            return self.upscale
        if not text_height_px or text_height_px <= 0:
            return 1.0
        return float(min(self.max_upscale, max(1.0, self.target_text_px / text_height_px)))

    def read(self, images: Sequence[np.ndarray], *, text_height_px: float | None = None) -> list[str]:
        import pytesseract

        scale = self.scale_for(text_height_px)
        texts = []
        for image in images:
            picture = Image.fromarray(np.asarray(image, dtype=np.uint8)).convert("L")
            if scale != 1.0:
                size = (max(1, round(picture.width * scale)), max(1, round(picture.height * scale)))
                picture = picture.resize(size, Image.Resampling.LANCZOS)
            try:
                texts.append(pytesseract.image_to_string(
                    picture, lang=self.lang, config=f"--psm {self.psm}", timeout=self.timeout_s))
            except pytesseract.TesseractNotFoundError:
                raise OracleError(f"tesseract: binary {self.tesseract_cmd!r} not found; {INSTALL_HINT}") from None
            except RuntimeError as exc:  # pytesseract's timeout
                raise OracleError(f"tesseract: {exc}") from None
        return texts

    def describe(self) -> str:
        scale = f"x{self.upscale:g}" if self.upscale is not None else f"auto to {self.target_text_px:g} px"
        return f"tesseract (psm {self.psm}, upscale {scale}, lang {self.lang})"
