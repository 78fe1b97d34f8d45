"""InternVL (2.x / 3.x): 448-px tiles of 256 tokens each, with dynamic tiling.

An image is resized onto the cols x rows grid of 448 x 448 tiles (1 to 12 tiles by default) whose
aspect ratio is closest to its own; when that grid has more than one tile a 448 x 448 thumbnail
of the whole image is added. Each tile passes a 14-px-patch ViT (32 x 32 patches) and a 0.5
pixel shuffle, leaving 16 x 16 = 256 tokens. This is `dynamic_preprocess` of the InternVL
release, and transformers' InternVL processor (GotOcr2 image processor with crop_to_patches).
"""

from __future__ import annotations

from dataclasses import dataclass

from glyphctx.tokens.tiling import closest_grid
from glyphctx.tokens.visual_profile import VisualProfile


@dataclass(frozen=True)
class InternVLProfile(VisualProfile):
    """InternVL's tiling with its tile size, tokens per tile and tile-count limits."""

    name: str
    tile_size: int = 448
    tokens_per_tile: int = 256
    min_tiles: int = 1
    max_tiles: int = 12
    use_thumbnail: bool = True
    source: str = ""

    def tile_count(self, width: int, height: int) -> int:
        """Tiles the image is cut into, thumbnail included."""
        width, height = self._checked_size(width, height)
        if self.max_tiles <= 1:
            return 1
        cols, rows = closest_grid(width, height, self.tile_size, self.min_tiles, self.max_tiles)
        tiles = cols * rows
        return tiles + 1 if self.use_thumbnail and tiles > 1 else tiles

    def _tokens(self, width: int, height: int) -> int:
        return self.tile_count(width, height) * self.tokens_per_tile

    def describe(self) -> str:
        thumbnail = " + 1 thumbnail tile when more than one" if self.use_thumbnail else ""
        return (
            f"{self.name}: {self.tokens_per_tile} tokens per {self.tile_size}px tile, "
            f"{self.min_tiles}-{self.max_tiles} tiles by closest aspect ratio{thumbnail}; source: {self.source}"
        )
