"""Softmax attention: grouped-query heads, RMSNorm on q and k per head (Qwen3), rotary positions.

One process runs PyTorch's SDPA. Given a process group, the layer runs ring attention instead
(glyphctx.kernels.ring_attention): each rank holds its zigzag chunks of the sequence and the
keys/values travel round the ring, so the logits equal those of one process.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from .norm import RMSNorm
from .rope import apply_rotary


class SoftmaxAttention(nn.Module):
    def __init__(self, config, layer_idx: int):
        super().__init__()
        self.layer_idx = layer_idx
        self.head_dim = config.head_dim
        self.num_heads = config.num_attention_heads
        self.num_kv_heads = config.num_key_value_heads
        self.scaling = self.head_dim ** -0.5
        self.dropout = config.attention_dropout
        bias = config.attention_bias
        self.q_proj = nn.Linear(config.hidden_size, self.num_heads * self.head_dim, bias=bias)
        self.k_proj = nn.Linear(config.hidden_size, self.num_kv_heads * self.head_dim, bias=bias)
        self.v_proj = nn.Linear(config.hidden_size, self.num_kv_heads * self.head_dim, bias=bias)
        self.o_proj = nn.Linear(self.num_heads * self.head_dim, config.hidden_size, bias=bias)
        self.q_norm = RMSNorm(self.head_dim, eps=config.rms_norm_eps)
        self.k_norm = RMSNorm(self.head_dim, eps=config.rms_norm_eps)

    def forward(self, hidden: torch.Tensor, cos: torch.Tensor, sin: torch.Tensor, *,
                attn_mask: torch.Tensor | None = None, cache=None, group=None, **_) -> torch.Tensor:
        """hidden [B, T, C]; attn_mask: None (plain causal) or bool [B, 1, T, S], True = may attend."""
        batch, length, _ = hidden.shape
        shape = (batch, length, -1, self.head_dim)
        q = self.q_norm(self.q_proj(hidden).view(shape)).transpose(1, 2)
        k = self.k_norm(self.k_proj(hidden).view(shape)).transpose(1, 2)
        v = self.v_proj(hidden).view(shape).transpose(1, 2)
        q, k = apply_rotary(q, k, cos, sin)

        if group is not None:
            from glyphctx.kernels.ring_attention import ring_attention

            out = ring_attention(q, k, v, causal=True, scale=self.scaling, group=group)
        else:
            if cache is not None:
                k, v = cache.update(k, v, self.layer_idx)
            causal = attn_mask is None and length > 1 and k.shape[2] == length
            if attn_mask is None and length > 1 and not causal:
                attn_mask = _offset_causal_mask(length, k.shape[2], hidden.device)
            out = F.scaled_dot_product_attention(
                q, k, v, attn_mask=attn_mask, is_causal=causal, scale=self.scaling,
                dropout_p=self.dropout if self.training else 0.0, enable_gqa=self.num_heads != self.num_kv_heads)
        out = out.transpose(1, 2).reshape(batch, length, -1)
        return self.o_proj(out)


def _offset_causal_mask(q_len: int, kv_len: int, device) -> torch.Tensor:
    """Causal mask for q_len new queries after kv_len - q_len cached keys: [1, 1, q_len, kv_len]."""
    past = kv_len - q_len
    rows = torch.arange(q_len, device=device)[:, None] + past
    return (torch.arange(kv_len, device=device)[None, :] <= rows)[None, None]
