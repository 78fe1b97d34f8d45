"""`torch._grouped_mm` as a grouped-matmul backend, with the limits it has in this torch.

What torch 2.14.1 does (checked on CPU; CUDA from its source):
- CPU: float32, float16 and bfloat16 all work, forward and backward, in the input's dtype.
- The row stride of every operand must be a multiple of 16 bytes, so K and M must be multiples of
  4 (fp32) or 8 (fp16/bf16); otherwise it raises "strides should be multiple of 16 bytes".
- An input with zero rows fails on CPU ("max(): Expected reduction dim ...").
- Its own backward rejects gradients with zero strides (the gradient of `y.sum()`), so the
  autograd Function below makes the incoming gradient contiguous first.
- CUDA: bf16 takes the fused CUTLASS path on SM 9.0 / 10.0; other dtypes and devices fall back to
  a per-group loop that synchronises with the host. Offsets past `offs[-1]` are not bound-checked.
"""

from __future__ import annotations

import torch

_ALIGN_BYTES = 16


def torch_grouped_mm_unsupported_reason(x: torch.Tensor, w: torch.Tensor) -> str | None:
    """Why `torch._grouped_mm` cannot take `x [N, K]` and `w [E, K, M]` here, or None when it can."""
    if not hasattr(torch, "_grouped_mm"):
        return f"torch {torch.__version__} has no torch._grouped_mm"
    if x.dtype not in (torch.float32, torch.float16, torch.bfloat16):
        return f"torch._grouped_mm takes float32/float16/bfloat16, not {x.dtype}"
    if x.shape[0] == 0:
        return "torch._grouped_mm fails on an input with zero rows"
    itemsize = x.element_size()
    for name, size in (("K", x.shape[1]), ("M", w.shape[2])):
        if (size * itemsize) % _ALIGN_BYTES:
            return (
                f"torch._grouped_mm needs 16-byte row strides: {name}={size} of {x.dtype} is not a multiple of "
                f"{_ALIGN_BYTES // itemsize}"
            )
    if x.is_cuda and (x.data_ptr() % _ALIGN_BYTES or w.data_ptr() % _ALIGN_BYTES):
        return "torch._grouped_mm on CUDA needs 16-byte aligned base pointers"
    return None


def _operand(t: torch.Tensor) -> torch.Tensor:
    """`t` itself when its last two dims are row- or column-major, else a row-major copy."""
    rows, cols = t.shape[-2], t.shape[-1]
    s_row, s_col = t.stride(-2), t.stride(-1)
    if (s_col == 1 and s_row >= max(1, cols)) or (s_row == 1 and s_col >= max(1, rows)):
        return t
    return t.contiguous()


class TorchGroupedMM(torch.autograd.Function):
    """`torch._grouped_mm(x, w, offs)` with a backward that also accepts broadcast gradients."""

    @staticmethod
    def forward(ctx, x: torch.Tensor, w: torch.Tensor, offs: torch.Tensor) -> torch.Tensor:
        x, w = _operand(x), _operand(w)
        ctx.save_for_backward(x, w, offs)
        return torch._grouped_mm(x, w, offs=offs)

    @staticmethod
    def backward(ctx, dy: torch.Tensor):
        x, w, offs = ctx.saved_tensors
        dy = dy.contiguous()
        dx = dw = None
        if ctx.needs_input_grad[0]:
            dx = torch._grouped_mm(dy, w.transpose(-2, -1), offs=offs)
        if ctx.needs_input_grad[1]:
            # 2-D x 2-D form: the row dimension is split by offs and contracted, one [K, M] block per expert
            dw = torch._grouped_mm(x.transpose(0, 1), dy, offs=offs)
        return dx, dw, None


def torch_grouped_mm(x: torch.Tensor, w: torch.Tensor, offs: torch.Tensor) -> torch.Tensor:
    """Differentiable grouped matmul through `torch._grouped_mm`; check support first."""
    return TorchGroupedMM.apply(x, w, offs)
