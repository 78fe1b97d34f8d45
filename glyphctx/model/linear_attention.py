"""Linear-attention layer (Lightning Attention style) over glyphctx.kernels.linear_attention.

Keys and values are projected per head, queries and keys pass through a feature map, each head
forgets its state at a fixed rate (the ALiBi-style slopes Lightning Attention uses), and the output
is RMS-normalised per head before the output projection. No rotary positions: the decay orders the
tokens. The state [B, H, D, D] is the only thing carried between calls, so its memory does not grow
with the context; it lives in the transformers cache's recurrent-state slot for this layer.
"""

from __future__ import annotations

import torch
from torch import nn

from glyphctx.kernels.linear_attention import linear_attention, linear_attention_decode

from .norm import RMSNorm


def lightning_decay_rates(num_heads: int) -> torch.Tensor:
    """Per-head decay rates 2^(-8 (h + 1) / H): fast-forgetting heads for local context, slow ones for long."""
    return torch.tensor([2.0 ** (-8.0 * (h + 1) / num_heads) for h in range(num_heads)], dtype=torch.float32)


class LinearAttention(nn.Module):
    def __init__(self, config, layer_idx: int):
        super().__init__()
        self.layer_idx = layer_idx
        self.num_heads = config.num_attention_heads
        self.head_dim = config.head_dim
        width = self.num_heads * self.head_dim
        self.q_proj = nn.Linear(config.hidden_size, width, bias=config.attention_bias)
        self.k_proj = nn.Linear(config.hidden_size, width, bias=config.attention_bias)
        self.v_proj = nn.Linear(config.hidden_size, width, bias=config.attention_bias)
        self.o_proj = nn.Linear(width, config.hidden_size, bias=config.attention_bias)
        self.out_norm = RMSNorm(self.head_dim, eps=config.rms_norm_eps)
        self.feature_map = config.linear_feature_map
        self.use_decay = config.linear_decay
        self.register_buffer("decay", self.initial_decay(), persistent=False)

    def initial_decay(self) -> torch.Tensor:
        return lightning_decay_rates(self.num_heads) if self.use_decay else torch.zeros(self.num_heads)

    def forward(self, hidden: torch.Tensor, cos=None, sin=None, *, padding: torch.Tensor | None = None,
                cache=None, **_) -> torch.Tensor:
        """hidden [B, T, C]; padding [B, T] (1 = real token) zeroes padded keys and values out of the state."""
        batch, length, _ = hidden.shape
        shape = (batch, length, self.num_heads, self.head_dim)
        q = self.q_proj(hidden).view(shape)
        k = self.k_proj(hidden).view(shape)
        v = self.v_proj(hidden).view(shape)
        if padding is not None:
            keep = padding[:, -length:, None, None].to(v.dtype)
            v = v * keep
        state = None
        if cache is not None and cache.has_previous_state(self.layer_idx):
            state = cache.get_recurrent_state(self.layer_idx)
        decay = self.decay if self.decay.dtype == torch.float32 else self.initial_decay()  # after .to(bfloat16)
        decay = decay.to(hidden.device)
        if state is not None and length == 1:
            out, new_state = linear_attention_decode(q, k, v, decay, feature_map=self.feature_map,
                                                     initial_state=state)
        else:
            out, new_state = linear_attention(q, k, v, decay, feature_map=self.feature_map, initial_state=state,
                                              output_final_state=cache is not None)
        if cache is not None:
            cache.update_recurrent_state(new_state, self.layer_idx)
            cache.layers[self.layer_idx].has_previous_state[0] = True
        out = self.out_norm(out.to(hidden.dtype)).reshape(batch, length, -1)
        return self.o_proj(out)
