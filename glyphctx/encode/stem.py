"""A convolutional patch embedding: small kernels see strokes before the patch is summarised.

A ViT's linear patch embedding must tell glyphs apart from one matrix product over the patch, at
whatever sub-pixel phase they fall; a few convolutions first (as "Early Convolutions Help
Transformers See Better" proposes) make text legible to the backbone in far fewer steps. The output
grid is the same as the linear embedding's, so token counts and the position embedding do not change.
"""

from __future__ import annotations

from timm.layers import PatchEmbed
from torch import nn


class ConvPatchEmbed(PatchEmbed):
    """timm's PatchEmbed with `proj` replaced by 3x3 conv -> GELU -> 3x3 stride-2 conv -> GELU ->
    a (patch/2)-strided conv; patch sizes must be even."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        patch_h, patch_w = self.patch_size
        embed_dim = self.proj.out_channels
        in_chans = self.proj.in_channels
        width = max(16, embed_dim // 4)
        self.proj = nn.Sequential(
            nn.Conv2d(in_chans, width, kernel_size=3, padding=1),
            nn.GELU(),
            nn.Conv2d(width, 2 * width, kernel_size=3, stride=2, padding=1),
            nn.GELU(),
            nn.Conv2d(
                2 * width, embed_dim, kernel_size=(patch_h // 2, patch_w // 2), stride=(patch_h // 2, patch_w // 2)
            ),
        )
