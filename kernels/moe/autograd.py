"""The Triton grouped matmul as an autograd Function.

Backward reuses the forward kernel for the input gradient (`dx[rows of e] = dy[rows of e] @ w[e]^T`,
the transpose expressed through strides, no copy) and a second kernel for the weight gradient.
"""

from __future__ import annotations

import torch

from .triton_grouped_mm import triton_grouped_mm, triton_grouped_mm_weight_grad


class TritonGroupedMM(torch.autograd.Function):
    """`y[rows of e] = x[rows of e] @ w[e]` with gradients for x and w."""

    @staticmethod
    def forward(ctx, x: torch.Tensor, w: torch.Tensor, offs: torch.Tensor) -> torch.Tensor:
        ctx.save_for_backward(x, w, offs)
        return triton_grouped_mm(x, w, offs)

    @staticmethod
    def backward(ctx, dy: torch.Tensor):
        x, w, offs = ctx.saved_tensors
        dx = dw = None
        if ctx.needs_input_grad[0]:
            dx = triton_grouped_mm(dy, w.transpose(1, 2), offs)
        if ctx.needs_input_grad[1]:
            dw = triton_grouped_mm_weight_grad(x, dy, offs)
        return dx, dw, None


def triton_grouped_mm_autograd(x: torch.Tensor, w: torch.Tensor, offs: torch.Tensor) -> torch.Tensor:
    """Differentiable Triton grouped matmul; arguments are assumed already checked."""
    return TritonGroupedMM.apply(x, w, offs)
