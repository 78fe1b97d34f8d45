"""DeepSeek-OCR: a fixed number of tokens per view, and the Gundam mode's tiling.

DeepEncoder turns a square view of side S into (S / 16 / 4)^2 tokens (16-px patches, 16x token
compression), so the native-resolution modes cost a constant whatever the image: Tiny 512 px -> 64,
Small 640 -> 100, Base 1024 -> 256, Large 1280 -> 400 (the image is resized or padded to the square).

Gundam mode adds n local 640 x 640 tiles (100 tokens each) to one 1024 x 1024 global view (256):
an image whose sides are both <= 640 px gets no tiles; otherwise n = cols * rows is chosen by the
InternVL-style closest-aspect-ratio rule among grids of 2 to 9 tiles. The limits are those of the
reference `DeepseekOCRForCausalLM.infer` (dynamic_preprocess min_num=2, max_num=9) and the paper's
n in [2, 9]; the vLLM scripts' config lowers MAX_CROPS to 6 to save memory, which `max_tiles=6`
reproduces. Counted are the encoder's outputs, as the paper reports them; the reference code
also inserts one newline embedding per row of tokens and a view separator, which are not counted.
"""

from __future__ import annotations

from dataclasses import dataclass

from glyphctx.tokens.tiling import closest_grid
from glyphctx.tokens.visual_profile import VisualProfile

PATCH_SIZE = 16
DOWNSAMPLE = 4


def view_tokens(side: int) -> int:
    """Tokens DeepEncoder produces for one square view of `side` pixels."""
    per_row = -(-(side // PATCH_SIZE) // DOWNSAMPLE)
    return per_row * per_row


@dataclass(frozen=True)
class DeepSeekOCRProfile(VisualProfile):
    """One DeepSeek-OCR resolution mode: a single `base_size` view, plus tiles when `tile_size` is set."""

    name: str
    base_size: int
    tile_size: int | None = None
    min_tiles: int = 2
    max_tiles: int = 9
    source: str = ""

    def tile_grid(self, width: int, height: int) -> tuple[int, int]:
        """(cols, rows) of local tiles for an image; (0, 0) when the mode or the image has none."""
        width, height = self._checked_size(width, height)
        if self.tile_size is None or (width <= self.tile_size and height <= self.tile_size):
            return (0, 0)
        return closest_grid(width, height, self.tile_size, self.min_tiles, self.max_tiles)

    def _tokens(self, width: int, height: int) -> int:
        cols, rows = self.tile_grid(width, height)
        tiles = cols * rows * view_tokens(self.tile_size) if cols else 0
        return view_tokens(self.base_size) + tiles

    def describe(self) -> str:
        if self.tile_size is None:
            rule = f"{view_tokens(self.base_size)} tokens per image ({self.base_size}x{self.base_size} view)"
        else:
            rule = (
                f"n x {view_tokens(self.tile_size)} tokens for {self.tile_size}px tiles "
                f"(n in [{self.min_tiles}, {self.max_tiles}] by closest aspect ratio, none when both sides "
                f"<= {self.tile_size}px) + {view_tokens(self.base_size)} for a {self.base_size}px global view"
            )
        return f"{self.name}: {rule}; source: {self.source}"
