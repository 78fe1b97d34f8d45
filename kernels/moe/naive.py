"""Readable PyTorch references for the MoE kernels.

`grouped_mm_loop` is the definition the fast backends are tested against, and the fallback where
neither Triton nor `torch._grouped_mm` can run: one fp32 matmul per expert over its slice of rows.
`moe_dense_reference` computes a whole top-k expert layer token by token, with no sorting at all,
so it checks `permute` -> grouped matmul -> `unpermute` end to end.
"""

from __future__ import annotations

import torch


def grouped_mm_loop(x: torch.Tensor, w: torch.Tensor, offs: torch.Tensor) -> torch.Tensor:
    """Rows `offs[e-1]:offs[e]` of `x [N, K]` times `w[e] [K, M]`, stacked into `[N, M]` (dtype of x).

    Each product runs in fp32, so this is also the accuracy reference for fp16/bf16 inputs.
    Differentiable through ordinary autograd; reading `offs` on the host synchronises a GPU.
    """
    pieces = []
    start = 0
    for expert, end in enumerate(offs.tolist()):
        pieces.append(x[start:end].float() @ w[expert].float())
        start = end
    return torch.cat(pieces).to(x.dtype)


def moe_dense_reference(
    x: torch.Tensor,
    w: torch.Tensor,
    expert_ids: torch.Tensor,
    weights: torch.Tensor | None = None,
) -> torch.Tensor:
    """`out[t] = sum_j weights[t, j] * x[t] @ w[expert_ids[t, j]]` in fp32, returned in x's dtype.

    Gathers one weight matrix per (token, choice): memory grows with T * k * K * M, so only for small tests.
    """
    picked = w[expert_ids].float()  # [T, k, K, M]
    per_choice = torch.einsum("tc,tjcm->tjm", x.float(), picked)
    if weights is not None:
        per_choice = per_choice * weights.float().unsqueeze(-1)
    return per_choice.sum(dim=1).to(x.dtype)
