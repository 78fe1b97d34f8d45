"""`VisionEncoder`: page images in, visual tokens out (a timm ViT followed by a token compressor).

The backbone is timm's VisionTransformer with `dynamic_img_size=True`, so it takes each page at the
size the encoder's rule gives it, with the position embedding resampled to that grid; there is no
class token, so every backbone output is a patch in row-major order.
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence

import numpy as np
import torch
from timm.models.vision_transformer import VisionTransformer
from torch import nn

from glyphctx.encode.compressor import build_compressor
from glyphctx.encode.config import EncoderConfig
from glyphctx.encode.geometry import EncoderProfile
from glyphctx.encode.preprocess import buckets, fit, grey, to_tensor
from glyphctx.encode.stem import ConvPatchEmbed


class VisionEncoder(nn.Module):
    """Encodes rendered pages into [tokens, out_dim] tensors, one per page."""

    def __init__(self, config: EncoderConfig):
        super().__init__()
        self.config = config
        self.backbone = VisionTransformer(
            img_size=config.img_size, patch_size=config.patch_size, in_chans=config.in_chans, num_classes=0,
            global_pool="", embed_dim=config.embed_dim, depth=config.depth, num_heads=config.num_heads,
            mlp_ratio=config.mlp_ratio, class_token=False, dynamic_img_size=True, dynamic_img_pad=False,
            **({"embed_layer": ConvPatchEmbed} if config.stem == "conv" else {}),
        )
        self.compressor = build_compressor(config)
        self.profile = EncoderProfile(f"encoder:{config.name}", config)

    def tokens_for(self, width: int, height: int) -> int:
        """Visual tokens this encoder emits for a width x height page."""
        return self.profile.tokens_for(width, height)

    @property
    def device(self) -> torch.device:
        return next(self.parameters()).device

    def forward(self, pixels: torch.Tensor) -> torch.Tensor:
        """[B, C, H, W] (H, W multiples of the patch size) -> [B, tokens, out_dim]."""
        batch, _, height, width = pixels.shape
        patches = self.backbone.forward_features(pixels)
        grid = patches.reshape(batch, height // self.config.patch_size, width // self.config.patch_size, -1)
        return self.compressor(grid)

    def _autocast(self):
        if self.device.type == "cuda":
            return torch.autocast("cuda", dtype=torch.bfloat16)
        return contextlib.nullcontext()  # fp32 on the CPU: bf16 matmuls there are slower, not faster

    @torch.inference_mode()
    def encode(self, pages: Sequence[np.ndarray]) -> list[torch.Tensor]:
        """One float32 CPU tensor [tokens_i, out_dim] per page, pages of any mix of sizes."""
        fitted = [fit(grey(page, index), self.profile) for index, page in enumerate(pages)]
        sizes = [(page.shape[1], page.shape[0]) for page in fitted]
        outputs: list[torch.Tensor | None] = [None] * len(fitted)
        for batch in buckets(sizes, self.config.max_batch_pixels):
            pixels = to_tensor([fitted[i] for i in batch], self.config.in_chans).to(self.device, non_blocking=True)
            with self._autocast():
                tokens = self(pixels)
            tokens = tokens.float().cpu()
            for row, index in enumerate(batch):
                outputs[index] = tokens[row].clone()
        return outputs  # type: ignore[return-value]
