"""Per-token recurrent causal linear attention: the readable ground truth.

    S_t = exp(-lambda_h) * S_{t-1} + k_t^T v_t        S_{-1} = initial state (or 0)
    o_t = scale * q_t S_t

Layout: q, k [B, T, H, Dk]; v [B, T, H, Dv]; state [B, H, Dk, Dv]. Computed in float32 (float64
if given float64), one token at a time, exactly as the recurrence reads. Every faster path is tested
against this function. It is differentiable and is also the PyTorch path for decoding a few
tokens against a carried state.
"""

from __future__ import annotations

import torch

from .checks import check_initial_state, check_qkv, decay_rates, resolve_scale


def naive_recurrent_linear_attention(
    q: torch.Tensor,
    k: torch.Tensor,
    v: torch.Tensor,
    decay: None | float | torch.Tensor = None,
    scale: float | None = None,
    initial_state: torch.Tensor | None = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Return (o [B, T, H, Dv] in q's dtype, final state [B, H, Dk, Dv] in float32)."""
    dims = check_qkv(q, k, v)
    check_initial_state(initial_state, dims, q.device)
    scale = resolve_scale(scale, dims.key_dim)
    compute = torch.float64 if q.dtype == torch.float64 else torch.float32
    gamma = torch.exp(-decay_rates(decay, dims.heads, q.device).to(compute))[None, :, None, None]

    if initial_state is None:
        state = q.new_zeros(dims.batch, dims.heads, dims.key_dim, dims.value_dim, dtype=compute)
    else:
        state = initial_state.to(compute)
    qf, kf, vf = q.to(compute), k.to(compute), v.to(compute)
    outputs = []
    for t in range(dims.length):
        kv = kf[:, t, :, :, None] * vf[:, t, :, None, :]  # [B, H, Dk, Dv]
        state = gamma * state + kv
        outputs.append(scale * torch.einsum("bhk,bhkv->bhv", qf[:, t], state))
    o = torch.stack(outputs, dim=1)
    final_dtype = torch.float64 if compute == torch.float64 else torch.float32
    return o.to(q.dtype), state.to(final_dtype)
