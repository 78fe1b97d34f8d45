"""Chunked causal linear attention in PyTorch: the fast path off the GPU.

The sequence is cut into chunks of C tokens. Inside a chunk the output is a masked attention,
(q k^T * D) v with D[i, j] = gamma^(i-j) for j <= i; across chunks a [Dk, Dv] key-value state
carries everything earlier:

    o_chunk = scale * [ (q k^T * D) v  +  (gamma^(i+1) q) S_in ]
    S_out   = gamma^L S_in + (gamma^(L-1-j) k)^T v          (L = tokens in the chunk)

Cost is O(T C D + T D^2) instead of softmax attention's O(T^2 D). Chunks are handled a group at a
time (about GROUP_TOKENS tokens): inside a group every chunk goes through the same batched
matmuls, and only the state hand-off runs in a Python loop over chunks; between groups the state
is carried. Grouping bounds the temporaries (scores, per-chunk states, re-laid-out inputs) to one
group's worth, so peak memory beyond the output does not grow with T. Plain PyTorch ops
throughout, so autograd gives the backward pass. Every decay exponent evaluated is <= 0: nothing
overflows for any rate.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F

from .checks import (
    check_chunk_size,
    check_initial_state,
    check_qkv,
    decay_rates,
    resolve_scale,
)

#: chunk size that was fastest for the CPU path at T = 2k..32k, D = 64 (see benchmarks/)
DEFAULT_TORCH_CHUNK_SIZE = 64

#: tokens per group of chunks processed together (rounded down to whole chunks)
GROUP_TOKENS = 4096


@dataclass(frozen=True)
class _DecayTables:
    """Decay factors for one chunk length, shared by every chunk; float tensors on q's device."""

    intra: torch.Tensor  # [H, C, C]  scale * gamma^(i-j) for j <= i, else 0
    query: torch.Tensor  # [H, C]     scale * gamma^(i+1)
    key: torch.Tensor  # [H, C]       gamma^(C-1-j)
    chunk: torch.Tensor  # [H]        gamma^C

    @classmethod
    def build(cls, rates: torch.Tensor, chunk: int, scale: float) -> _DecayTables:
        pos = torch.arange(chunk, device=rates.device, dtype=rates.dtype)
        lam = rates[:, None]
        gap = pos[:, None] - pos[None, :]
        intra = torch.where(gap >= 0, torch.exp(-rates[:, None, None] * gap.clamp(min=0)), 0.0) * scale
        return cls(
            intra=intra,
            query=torch.exp(-lam * (pos + 1)) * scale,
            key=torch.exp(-lam * (chunk - 1 - pos)),
            chunk=torch.exp(-rates * chunk),
        )


def _attend_group(
    q: torch.Tensor,
    k: torch.Tensor,
    v: torch.Tensor,
    state: torch.Tensor,
    rates: torch.Tensor,
    tables: _DecayTables,
    chunk: int,
) -> tuple[torch.Tensor, torch.Tensor]:
    """One group of tokens: q, k [B, t, H, Dk], v [B, t, H, Dv] in the compute dtype, state
    [B, H, Dk, Dv] entering the group. Returns (o [B, H, t, Dv], state after the group's last token).
    """
    B, t, H, _ = q.shape
    n = -(-t // chunk)
    pad = n * chunk - t

    def split(x: torch.Tensor) -> torch.Tensor:
        # [B, t, H, D] -> contiguous [B, H, n, C, D]; zero rows pad the last chunk (they add nothing)
        x = x.transpose(1, 2)
        if pad:
            x = F.pad(x, (0, 0, 0, pad))
        return x.reshape(B, H, n, chunk, x.shape[-1]).contiguous()

    qc, kc, vc = split(q), split(k), split(v)

    scores = torch.matmul(qc, kc.transpose(-1, -2)).mul_(tables.intra[None, :, None])
    out = torch.matmul(scores, vc)  # [B, H, n, C, Dv]
    del scores

    # state entering each chunk; what a full chunk adds is (gamma^(C-1-j) k)^T v
    chunk_kv = torch.matmul((kc * tables.key[None, :, None, :, None]).transpose(-1, -2), vc)
    chunk_gamma = tables.chunk[None, :, None, None]
    entering = [state]
    for i in range(n - 1):
        entering.append(chunk_gamma * entering[-1] + chunk_kv[:, :, i])
    del chunk_kv
    states_in = torch.stack(entering, dim=2)  # [B, H, n, Dk, Dv]
    out = out.add_(torch.matmul(qc * tables.query[None, :, None, :, None], states_in))

    # the last chunk holds L <= C real tokens: its contribution to the state uses exponent L
    last = t - (n - 1) * chunk
    tail = torch.arange(last, device=q.device, dtype=rates.dtype)
    tail_decay = torch.exp(-rates[:, None] * (last - 1 - tail))  # [H, L]
    k_tail = kc[:, :, -1, :last] * tail_decay[None, :, :, None]
    state = torch.exp(-rates * last)[None, :, None, None] * entering[-1] + torch.matmul(
        k_tail.transpose(-1, -2), vc[:, :, -1, :last]
    )
    return out.reshape(B, H, n * chunk, -1)[:, :, :t], state


def chunk_linear_attention_torch(
    q: torch.Tensor,
    k: torch.Tensor,
    v: torch.Tensor,
    decay: None | float | torch.Tensor = None,
    scale: float | None = None,
    initial_state: torch.Tensor | None = None,
    output_final_state: bool = False,
    chunk_size: int = DEFAULT_TORCH_CHUNK_SIZE,
) -> tuple[torch.Tensor, torch.Tensor | None]:
    """Return (o [B, T, H, Dv] in q's dtype, final state [B, H, Dk, Dv] float32 or None).

    Layout as in `naive.py`. Half-precision inputs are computed in float32.
    """
    dims = check_qkv(q, k, v)
    check_initial_state(initial_state, dims, q.device)
    scale = resolve_scale(scale, dims.key_dim)
    chunk = min(check_chunk_size(chunk_size), dims.length)
    compute = torch.float64 if q.dtype == torch.float64 else torch.float32
    rates = decay_rates(decay, dims.heads, q.device).to(compute)
    tables = _DecayTables.build(rates, chunk, scale)
    group = max(1, GROUP_TOKENS // chunk) * chunk

    B, T, H, Dk, Dv = dims.batch, dims.length, dims.heads, dims.key_dim, dims.value_dim
    if initial_state is None:
        state = q.new_zeros(B, H, Dk, Dv, dtype=compute)
    else:
        state = initial_state.to(compute)
    if T <= group:
        out, state = _attend_group(q.to(compute), k.to(compute), v.to(compute), state, rates, tables, chunk)
        o = out.transpose(1, 2).to(q.dtype).contiguous()
    else:
        o = q.new_empty(B, T, H, Dv)
        for start in range(0, T, group):
            stop = min(T, start + group)
            out, state = _attend_group(
                q[:, start:stop].to(compute), k[:, start:stop].to(compute), v[:, start:stop].to(compute),
                state, rates, tables, chunk,
            )
            o[:, start:stop] = out.transpose(1, 2)
    final_state = state.to(compute) if output_final_state else None
    return o, final_state
