"""Visual prefix: project encoder tokens to the model width and frame them with learned boundary tokens.

The sequence the decoder sees is [begin-of-image, projected visual tokens..., end-of-image, text...];
the causal mask lets every text token attend to the whole visual prefix. The boundary tokens tell
the model where the image starts and stops without spending vocabulary ids on them.
"""

from __future__ import annotations

import torch
from torch import nn
from transformers.activations import ACT2FN

from .errors import ModelInputError


class VisualProjector(nn.Module):
    """Two-layer MLP from the encoder's token width to the decoder's, plus the two boundary embeddings."""

    def __init__(self, vision_hidden_size: int, hidden_size: int, act: str):
        super().__init__()
        self.vision_hidden_size = vision_hidden_size
        self.linear_1 = nn.Linear(vision_hidden_size, hidden_size)
        self.act = ACT2FN[act]
        self.linear_2 = nn.Linear(hidden_size, hidden_size)
        self.image_begin = nn.Parameter(torch.zeros(hidden_size))
        self.image_end = nn.Parameter(torch.zeros(hidden_size))

    def forward(self, visual_tokens: torch.Tensor, dtype: torch.dtype) -> torch.Tensor:
        """visual_tokens [B, N, d_vis] -> prefix embeddings [B, N + 2, C]."""
        if not isinstance(visual_tokens, torch.Tensor) or visual_tokens.dim() != 3:
            raise ModelInputError("visual_tokens", f"expected a [batch, tokens, {self.vision_hidden_size}] tensor, "
                                  f"got {getattr(visual_tokens, 'shape', type(visual_tokens).__name__)}")
        if visual_tokens.shape[-1] != self.vision_hidden_size:
            raise ModelInputError("visual_tokens", f"last dim is {visual_tokens.shape[-1]}, but the projector takes "
                                  f"vision_hidden_size={self.vision_hidden_size}")
        x = self.linear_2(self.act(self.linear_1(visual_tokens.to(self.linear_1.weight.dtype)))).to(dtype)
        batch = x.shape[0]
        begin = self.image_begin.to(dtype).expand(batch, 1, -1)
        end = self.image_end.to(dtype).expand(batch, 1, -1)
        return torch.cat([begin, x, end], dim=1)
