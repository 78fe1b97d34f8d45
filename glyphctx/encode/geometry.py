"""How big a page is when it reaches the encoder, and how many tokens come out: the encoder's own rule.

`EncoderProfile` is a `VisualProfile` derived from the architecture (patch size, compressor reduction,
resize mode), not copied from a model card; a test holds it equal to the accounting profile the
encoder's preset names, and the emitted tensors equal to it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from glyphctx.encode.config import EncoderConfig
from glyphctx.tokens.smart_resize import SmartResizeProfile
from glyphctx.tokens.visual_profile import VisualProfile


@dataclass(frozen=True)
class EncoderProfile(VisualProfile):
    """Visual tokens per page for one encoder config."""

    name: str
    config: EncoderConfig

    def input_size(self, width: int, height: int) -> tuple[int, int]:
        """(width, height) of the pixel array the backbone sees for a width x height page."""
        width, height = self._checked_size(width, height)
        cfg = self.config
        if cfg.resize == "square":
            return cfg.side, cfg.side
        if cfg.resize == "pad":
            token_height, token_width = cfg.token_size
            return math.ceil(width / token_width) * token_width, math.ceil(height / token_height) * token_height
        # the same preprocessing rule the Qwen2-VL family publishes, on this encoder's token grid
        rule = SmartResizeProfile(self.name, min_pixels=cfg.min_pixels, max_pixels=cfg.max_pixels,
                                  patch_size=cfg.patch_size, merge_size=cfg.reduction[0])
        return rule.resized_size(width, height)

    def grid(self, width: int, height: int) -> tuple[int, int]:
        """(cols, rows) of output tokens for a page: the patch grid shrunk by the compressor."""
        in_width, in_height = self.input_size(width, height)
        cfg = self.config
        cols, rows = in_width // cfg.patch_size, in_height // cfg.patch_size
        if cfg.compressor.startswith("merge"):
            merge_rows, merge_cols = cfg.reduction
            return cols // merge_cols, rows // merge_rows
        # two stride-2, padding-1, kernel-3 convolutions: each halves a side, rounding up
        for _ in range(2):
            cols, rows = math.ceil(cols / 2), math.ceil(rows / 2)
        return cols, rows

    def _tokens(self, width: int, height: int) -> int:
        cols, rows = self.grid(width, height)
        return cols * rows

    def describe(self) -> str:
        cfg = self.config
        if cfg.resize == "square":
            fit = f"every page fitted into one {cfg.side}x{cfg.side} view"
        elif cfg.resize == "pad":
            fit = "pages padded to whole tokens, never scaled"
        else:
            fit = f"smart resize to {cfg.min_pixels:,}..{cfg.max_pixels:,} px"
        rows, cols = cfg.reduction
        return (f"{self.name}: {cfg.patch_size}px patches, {cfg.compressor} "
                f"({rows * cols}x fewer tokens), {fit}")
