"""The public entry points: pick a backend, apply the feature map, run.

`backend=` takes the values every kernel family takes (`glyphctx.kernels.backend`): "auto" (the
default) uses the Triton kernels for CUDA tensors and the chunked PyTorch path for everything
else (CPU, float64, head dims over 256); "triton" forces Triton, which on the CPU needs
TRITON_INTERPRET=1 set before the kernels are first imported (the interpreter, for tests);
"torch" forces PyTorch anywhere.

Layout everywhere: q, k [B, T, H, Dk]; v and o [B, T, H, Dv]; states [B, H, Dk, Dv] float32.
"""

from __future__ import annotations

import torch

from ..backend import choose_backend
from .checks import (
    TRITON_CHUNK_SIZE,
    TRITON_MAX_HEAD_DIM,
    LinearAttentionError,
    check_chunk_size,
    check_initial_state,
    check_qkv,
    decay_rates,
    resolve_scale,
)
from .feature_maps import FeatureMap, resolve_feature_map
from .naive import naive_recurrent_linear_attention
from .torch_chunk import DEFAULT_TORCH_CHUNK_SIZE, chunk_linear_attention_torch


def _choose_backend(backend: str, q: torch.Tensor, key_dim: int, value_dim: int) -> str:
    """The shared choice, with this family's one limit: head dims the kernels hold in one tile."""
    too_wide = None
    if key_dim > TRITON_MAX_HEAD_DIM or value_dim > TRITON_MAX_HEAD_DIM:
        too_wide = f"the Triton kernels take head dims up to {TRITON_MAX_HEAD_DIM}, got {key_dim} and {value_dim}"
    return choose_backend(backend, q.device, q.dtype, LinearAttentionError, too_wide)


def _apply_feature_map(
    feature_map: str | FeatureMap | None, q: torch.Tensor, k: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor]:
    phi = resolve_feature_map(feature_map)
    q_mapped, k_mapped = phi(q), phi(k)
    for name, before, after in (("q", q, q_mapped), ("k", k, k_mapped)):
        if not isinstance(after, torch.Tensor) or after.shape[:3] != before.shape[:3]:
            raise LinearAttentionError(
                "feature_map",
                f"must map {name} [B, T, H, D] to [B, T, H, D'], got "
                f"{tuple(after.shape) if isinstance(after, torch.Tensor) else type(after).__name__}",
            )
    if q_mapped.shape != k_mapped.shape:
        raise LinearAttentionError(
            "feature_map", f"mapped q {tuple(q_mapped.shape)} and k {tuple(k_mapped.shape)} differ"
        )
    return q_mapped.to(q.dtype), k_mapped.to(k.dtype)


def linear_attention(
    q: torch.Tensor,
    k: torch.Tensor,
    v: torch.Tensor,
    decay: None | float | torch.Tensor = None,
    *,
    feature_map: str | FeatureMap | None = "identity",
    scale: float | None = None,
    initial_state: torch.Tensor | None = None,
    output_final_state: bool = False,
    chunk_size: int | None = None,
    backend: str = "auto",
) -> tuple[torch.Tensor, torch.Tensor | None]:
    """Causal linear attention over a whole sequence; returns (o, final_state or None).

    o_t = scale * phi(q_t) S_t with S_t = exp(-decay_h) S_(t-1) + phi(k_t)^T v_t.

    decay: per-head rates lambda_h >= 0 ([H] tensor or one float for all heads), None for none;
        constants, no gradient.
    feature_map: "identity", "elu+1", "relu", "silu", "softmax" or a callable, applied to q and
        k inside autograd.
    scale: defaults to 1/sqrt(D') with D' the mapped key dim.
    initial_state: [B, H, D', Dv] carried in from an earlier segment; gradients reach it.
    output_final_state: also return the [B, H, D', Dv] float32 state after the last token,
        differentiable, to carry into the next segment.
    chunk_size: tokens per chunk (64 by default; a power of two >= 16 for Triton).
    """
    check_qkv(q, k, v)
    q, k = _apply_feature_map(feature_map, q, k)
    dims = check_qkv(q, k, v)
    check_initial_state(initial_state, dims, q.device)
    rates = decay_rates(decay, dims.heads, q.device)
    scale = resolve_scale(scale, dims.key_dim)
    chosen = _choose_backend(backend, q, dims.key_dim, dims.value_dim)
    if not isinstance(output_final_state, bool):
        raise LinearAttentionError("output_final_state", f"expected a bool, got {type(output_final_state).__name__}")

    if chosen == "torch":
        chunk = check_chunk_size(DEFAULT_TORCH_CHUNK_SIZE if chunk_size is None else chunk_size)
        return chunk_linear_attention_torch(
            q, k, v, rates, scale, initial_state, output_final_state, chunk
        )

    from .autograd import ChunkLinearAttentionFunction

    chunk = check_chunk_size(
        TRITON_CHUNK_SIZE if chunk_size is None else chunk_size, power_of_two=True
    )
    return ChunkLinearAttentionFunction.apply(
        q.contiguous(), k.contiguous(), v.contiguous(), rates, scale,
        initial_state, output_final_state, chunk,
    )


def linear_attention_decode(
    q: torch.Tensor,
    k: torch.Tensor,
    v: torch.Tensor,
    decay: None | float | torch.Tensor = None,
    *,
    feature_map: str | FeatureMap | None = "identity",
    scale: float | None = None,
    initial_state: torch.Tensor | None = None,
    backend: str = "auto",
) -> tuple[torch.Tensor, torch.Tensor]:
    """Advance a carried state over a few new tokens; returns (o, new state float32).

    Same arguments and maths as `linear_attention`, token by token. Triton's recurrent kernel
    runs for CUDA tensors that need no gradient; otherwise (CPU, or autograd on) the per-token
    PyTorch recurrence runs, which autograd can differentiate.
    """
    check_qkv(q, k, v)
    q, k = _apply_feature_map(feature_map, q, k)
    dims = check_qkv(q, k, v)
    check_initial_state(initial_state, dims, q.device)
    rates = decay_rates(decay, dims.heads, q.device)
    scale = resolve_scale(scale, dims.key_dim)
    chosen = _choose_backend(backend, q, dims.key_dim, dims.value_dim)
    needs_grad = torch.is_grad_enabled() and any(
        x is not None and x.requires_grad for x in (q, k, v, initial_state)
    )
    if chosen == "triton" and needs_grad:
        if backend == "triton":
            raise LinearAttentionError(
                "backend", "the Triton decode kernel has no backward; run under torch.no_grad() or use backend='torch'"
            )
        chosen = "torch"

    if chosen == "torch":
        return naive_recurrent_linear_attention(q, k, v, rates, scale, initial_state)

    from .triton_recurrent import recurrent_linear_attention_fwd

    return recurrent_linear_attention_fwd(
        q.contiguous(), k.contiguous(), v.contiguous(), rates, scale, initial_state
    )
