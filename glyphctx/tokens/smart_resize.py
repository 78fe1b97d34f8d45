"""Qwen2-VL / Qwen2.5-VL and GLM-4.1V: one visual token per 28 x 28 pixels after "smart resize".

These models take an image at (nearly) its own resolution: each side is rounded to a multiple of
factor = patch_size * merge_size = 28, then the whole image is scaled (keeping its aspect ratio)
until its pixel count lies within [min_pixels, max_pixels]; 14-px ViT patches are then merged
2 x 2 into one token, so tokens = (height / 28) * (width / 28) of the resized image.

GLM-4.1V differs in three ways, all in its image processor: the pixel limits count the image twice
(an image is duplicated into a 2-frame clip, `temporal_patch_size` = 2, and the limits apply to
frames * height * width), its limits are larger (112^2 to 28^2 * 15000), and an image with a side
under 28 px is first scaled up so that side reaches 28 px.

Rounding follows the processors exactly: Python's round() (half to even) for the first rounding,
floor when shrinking, ceil when growing. Both processors refuse aspect ratios above 200.
Defaults are those of transformers 5.23 (`Qwen2VLImageProcessor`, which Qwen2.5-VL reuses, and
`Glm4vImageProcessor`); a released checkpoint's preprocessor_config.json may widen them (Qwen2.5-VL
ships max_pixels = 12,845,056), which the constructor arguments reproduce.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from glyphctx.errors import ProfileError
from glyphctx.tokens.visual_profile import VisualProfile

MAX_ASPECT_RATIO = 200


@dataclass(frozen=True)
class SmartResizeProfile(VisualProfile):
    """The smart-resize token rule with one model's patch size, merge size and pixel limits."""

    name: str
    min_pixels: int
    max_pixels: int
    patch_size: int = 14
    merge_size: int = 2
    frames: int = 1
    """How many times the limits count the image (GLM-4.1V: its 2-frame temporal patch)."""
    upscale_small_sides: bool = False
    """Scale an image with a side under one factor up to that side first (GLM-4.1V)."""
    source: str = ""

    @property
    def factor(self) -> int:
        """Pixels per token along each side."""
        return self.patch_size * self.merge_size

    def resized_size(self, width: int, height: int) -> tuple[int, int]:
        """The (width, height) the model's processor resizes a width x height image to."""
        width, height = self._checked_size(width, height)
        factor = self.factor
        if self.upscale_small_sides and (height < factor or width < factor):
            scale = max(factor / height, factor / width)
            height, width = int(height * scale), int(width * scale)
        if max(height, width) / min(height, width) > MAX_ASPECT_RATIO:
            raise ProfileError(
                f"{self.name}: image size {width}x{height}: aspect ratio above {MAX_ASPECT_RATIO} "
                "is refused by the model's image processor"
            )
        new_height = round(height / factor) * factor
        new_width = round(width / factor) * factor
        if self.frames * new_height * new_width > self.max_pixels:
            beta = math.sqrt((self.frames * height * width) / self.max_pixels)
            new_height = max(factor, math.floor(height / beta / factor) * factor)
            new_width = max(factor, math.floor(width / beta / factor) * factor)
        elif self.frames * new_height * new_width < self.min_pixels:
            beta = math.sqrt(self.min_pixels / (self.frames * height * width))
            new_height = math.ceil(height * beta / factor) * factor
            new_width = math.ceil(width * beta / factor) * factor
        return new_width, new_height

    def _tokens(self, width: int, height: int) -> int:
        new_width, new_height = self.resized_size(width, height)
        return (new_width // self.factor) * (new_height // self.factor)

    def describe(self) -> str:
        frames = f", limits count {self.frames} frames" if self.frames != 1 else ""
        return (
            f"{self.name}: 1 token per {self.factor}x{self.factor} px after smart resize "
            f"(patch {self.patch_size}, {self.merge_size}x{self.merge_size} merge, "
            f"{self.min_pixels:,} <= pixels <= {self.max_pixels:,}{frames}); source: {self.source}"
        )
