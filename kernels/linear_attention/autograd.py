"""torch.autograd.Function around the Triton chunk kernels.

The forward keeps only q, k, v and the initial state; the backward recomputes the per-chunk
states (one cheap scan) instead of holding [B, H, T/C, Dk, Dv] floats between the passes.
Both outputs take part in autograd: a gradient reaching the final state flows back through
every key and value and into the initial state.
"""

from __future__ import annotations

import torch

from .triton_chunk import chunk_linear_attention_bwd, chunk_linear_attention_fwd


class ChunkLinearAttentionFunction(torch.autograd.Function):
    """apply(q, k, v, rates, scale, initial_state, output_final_state, chunk_size) -> (o, final_state).

    Inputs must be contiguous [B, T, H, D] tensors on one device and `rates` a float32 [H]
    tensor of constant decay rates; `linear_attention` prepares them. final_state is None unless
    `output_final_state`.
    """

    @staticmethod
    def forward(
        ctx,
        q: torch.Tensor,
        k: torch.Tensor,
        v: torch.Tensor,
        rates: torch.Tensor,
        scale: float,
        initial_state: torch.Tensor | None,
        output_final_state: bool,
        chunk_size: int,
    ):
        o, final_state = chunk_linear_attention_fwd(
            q, k, v, rates, scale, initial_state, output_final_state, chunk_size
        )
        ctx.save_for_backward(q, k, v, rates, initial_state)
        ctx.scale = scale
        ctx.chunk_size = chunk_size
        return o, final_state

    @staticmethod
    def backward(ctx, do: torch.Tensor, dfinal: torch.Tensor | None):
        q, k, v, rates, initial_state = ctx.saved_tensors
        need_dh0 = initial_state is not None and ctx.needs_input_grad[5]
        dq, dk, dv, dh0 = chunk_linear_attention_bwd(
            q, k, v, rates, ctx.scale, do.contiguous(),
            initial_state=initial_state,
            dfinal=dfinal,
            need_dh0=need_dh0,
            chunk_size=ctx.chunk_size,
        )
        if dh0 is not None:
            dh0 = dh0.to(initial_state.dtype)
        return dq, dk, dv, None, None, dh0, None, None
