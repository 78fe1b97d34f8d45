"""Token compressors: fewer, wider visual tokens from the ViT's patch grid.

`merge2x2-mlp` concatenates each 2x2 block of patch features and projects it with an MLP, as
Qwen2-VL's PatchMerger does (4x fewer tokens); `merge1x3-mlp` and `merge1x4-mlp` do the same with three or
four patches of a row, for pages that are one text line tall (a token then spans a word or two of the line).
`conv-s2x2` applies two 3x3 stride-2 convolutions, as the neck of DeepSeek-OCR's DeepEncoder does (16x fewer
tokens).
"""

from __future__ import annotations

import torch
from torch import nn

from glyphctx.encode.config import EncoderConfig


class MergeMLP(nn.Module):
    """[B, rows, cols, D] -> [B, rows/m * cols/n, out]: LayerNorm, m x n concat, Linear-GELU-Linear."""

    def __init__(self, dim: int, out_dim: int, merge: tuple[int, int] = (2, 2)):
        super().__init__()
        self.merge = merge
        width = merge[0] * merge[1] * dim
        self.norm = nn.LayerNorm(dim, eps=1e-6)
        self.fc1 = nn.Linear(width, width)
        self.act = nn.GELU()
        self.fc2 = nn.Linear(width, out_dim)

    def forward(self, grid: torch.Tensor) -> torch.Tensor:
        batch, rows, cols, dim = grid.shape
        m, n = self.merge
        x = self.norm(grid)
        # row-major m x n blocks, e.g. 2x2: (r, c), (r, c+1), (r+1, c), (r+1, c+1) side by side in the channels
        x = x.reshape(batch, rows // m, m, cols // n, n, dim).permute(0, 1, 3, 2, 4, 5)
        x = x.reshape(batch, (rows // m) * (cols // n), m * n * dim)
        return self.fc2(self.act(self.fc1(x)))


class ConvS2x2(nn.Module):
    """[B, rows, cols, D] -> [B, ceil(rows/4) * ceil(cols/4), out]: two 3x3 stride-2 convolutions."""

    def __init__(self, dim: int, out_dim: int):
        super().__init__()
        hidden = max(dim, out_dim // 2)
        self.conv1 = nn.Conv2d(dim, hidden, kernel_size=3, stride=2, padding=1, bias=False)
        self.conv2 = nn.Conv2d(hidden, out_dim, kernel_size=3, stride=2, padding=1, bias=False)

    def forward(self, grid: torch.Tensor) -> torch.Tensor:
        x = grid.permute(0, 3, 1, 2)
        x = self.conv2(self.conv1(x))
        return x.flatten(2).transpose(1, 2)


def build_compressor(config: EncoderConfig) -> nn.Module:
    if config.compressor == "conv-s2x2":
        return ConvS2x2(config.embed_dim, config.out_dim)
    return MergeMLP(config.embed_dim, config.out_dim, config.reduction)
