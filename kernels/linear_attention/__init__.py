"""Causal linear attention with optional per-head decay (Lightning Attention / RetNet style).

    S_t = exp(-lambda_h) S_(t-1) + phi(k_t)^T v_t,    o_t = scale * phi(q_t) S_t

Layout: q, k [B, T, H, Dk]; v, o [B, T, H, Dv]; states [B, H, Dk, Dv] float32.
`linear_attention` runs a whole sequence (Triton chunk kernels on CUDA, chunked PyTorch
elsewhere); `linear_attention_decode` advances a carried state over a few tokens. Triton is
imported only when a Triton path runs. See README.md in this folder.
"""

from ..backend import BACKENDS
from .checks import LinearAttentionError
from .dispatch import linear_attention, linear_attention_decode
from .feature_maps import FEATURE_MAPS, resolve_feature_map
from .naive import naive_recurrent_linear_attention
from .torch_chunk import chunk_linear_attention_torch

__all__ = [
    "BACKENDS",
    "FEATURE_MAPS",
    "LinearAttentionError",
    "chunk_linear_attention_torch",
    "linear_attention",
    "linear_attention_decode",
    "naive_recurrent_linear_attention",
    "resolve_feature_map",
]
