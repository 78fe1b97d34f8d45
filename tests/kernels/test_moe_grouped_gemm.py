"""Grouped matmul for MoE dispatch: Triton and torch._grouped_mm against the per-expert loop.

The Triton tests run on the `triton_device` (see conftest.py).

Shapes are small and deliberately awkward: experts with no rows, row counts that straddle a
32-row tile, K and M that are not multiples of the 32-wide blocks the interpreter config uses.
"""

from __future__ import annotations

import pytest
import torch

from glyphctx.kernels.moe import (
    MoEInputError,
    grouped_mm,
    grouped_mm_loop,
    moe_dense_reference,
    permute,
    select_backend,
    sort_by_expert,
    torch_grouped_mm,
    torch_grouped_mm_unsupported_reason,
    unpermute,
)
from glyphctx.kernels.testing import assert_close_rms, rms_ratio

# rows per expert: two empty experts, one that spans two 32-row tiles and ends mid-tile
COUNTS = [5, 0, 37, 1, 0, 20]


def offsets(counts: list[int]) -> torch.Tensor:
    return torch.tensor(counts, dtype=torch.int64).cumsum(0).to(torch.int32)


def operands(counts: list[int], k: int, m: int, dtype: torch.dtype = torch.float32, seed: int = 0, device="cpu"):
    """x, w, offs made on the CPU (the same numbers on every device), then moved to `device`."""
    gen = torch.Generator().manual_seed(seed)
    x = torch.randn(sum(counts), k, generator=gen).to(device, dtype)
    w = (torch.randn(len(counts), k, m, generator=gen) / k**0.5).to(device, dtype)
    return x, w, offsets(counts).to(device)


def grad_output(rows: int, m: int, seed: int, like: torch.Tensor) -> torch.Tensor:
    return torch.randn(rows, m, generator=torch.Generator().manual_seed(seed)).to(like.device, like.dtype)


def loop_with_grads(x, w, offs, dy):
    """Loop reference in fp32 with its gradients for x and w."""
    xr = x.detach().float().requires_grad_()
    wr = w.detach().float().requires_grad_()
    y = grouped_mm_loop(xr, wr, offs)
    y.backward(dy.float())
    return y.detach(), xr.grad, wr.grad


def test_triton_kernels_write_every_element_of_fresh_nan_buffers(triton_device):
    from glyphctx.kernels.moe import triton_grouped_mm as kernels

    x, w, offs = operands(COUNTS, k=40, m=50, device=triton_device)
    dy = grad_output(x.shape[0], 50, seed=1, like=x)
    y_ref, dx_ref, dw_ref = loop_with_grads(x, w, offs, dy)

    y = kernels.triton_grouped_mm(x, w, offs, out=torch.full((x.shape[0], 50), float("nan"), device=triton_device))
    dx = kernels.triton_grouped_mm(dy, w.transpose(1, 2), offs, out=torch.full_like(x, float("nan")))
    dw = kernels.triton_grouped_mm_weight_grad(x, dy, offs, out=torch.full_like(w, float("nan")))

    for got in (y, dx, dw):
        assert not torch.isnan(got).any()
    assert_close_rms(y, y_ref, 1e-3, "y")
    assert_close_rms(dx, dx_ref, 1e-3, "dx")
    assert_close_rms(dw, dw_ref, 1e-3, "dw")
    assert torch.equal(dw[1], torch.zeros_like(dw[1])) and torch.equal(dw[4], torch.zeros_like(dw[4]))


@pytest.mark.parametrize(
    ("counts", "k", "m"),
    [(COUNTS, 40, 50), ([0, 0, 33], 17, 9), ([64], 32, 32)],
    ids=["empty-experts", "odd-sizes", "one-expert"],
)
def test_triton_backend_matches_loop_with_gradients_fp32(triton_device, counts, k, m):
    x, w, offs = operands(counts, k, m, device=triton_device)
    dy = grad_output(x.shape[0], m, seed=2, like=x)
    y_ref, dx_ref, dw_ref = loop_with_grads(x, w, offs, dy)

    xt, wt = x.clone().requires_grad_(), w.clone().requires_grad_()
    y = grouped_mm(xt, wt, offs, backend="triton")
    y.backward(dy)

    assert y.dtype == torch.float32
    assert_close_rms(y, y_ref, 1e-3, "y")
    assert_close_rms(xt.grad, dx_ref, 1e-3, "dx")
    assert_close_rms(wt.grad, dw_ref, 1e-3, "dw")


def test_triton_backend_fp16_and_linear_layout_weights(triton_device):
    x, w, offs = operands(COUNTS, k=40, m=50, dtype=torch.float16, seed=3, device=triton_device)
    w_linear = w.transpose(1, 2).contiguous()  # nn.Linear layout [E, M, K]; pass a transposed view
    dy = grad_output(x.shape[0], 50, seed=4, like=x)
    y_ref, dx_ref, dw_ref = loop_with_grads(x, w, offs, dy)

    xt, wl = x.clone().requires_grad_(), w_linear.clone().requires_grad_()
    y = grouped_mm(xt, wl.transpose(1, 2), offs, backend="triton")
    y.backward(dy)

    assert y.dtype == torch.float16 and xt.grad.dtype == torch.float16 and wl.grad.dtype == torch.float16
    assert_close_rms(y, y_ref, 5e-3, "y")
    assert_close_rms(xt.grad, dx_ref, 5e-3, "dx")
    assert_close_rms(wl.grad.transpose(1, 2), dw_ref, 5e-3, "dw")


def test_triton_backward_accepts_broadcast_gradient(triton_device):
    x, w, offs = operands([3, 0, 9], k=12, m=20, device=triton_device)
    xt, wt = x.clone().requires_grad_(), w.clone().requires_grad_()
    grouped_mm(xt, wt, offs, backend="triton").sum().backward()  # dy has zero strides
    _, dx_ref, dw_ref = loop_with_grads(x, w, offs, torch.ones(x.shape[0], 20, device=triton_device))
    assert_close_rms(xt.grad, dx_ref, 1e-3, "dx")
    assert_close_rms(wt.grad, dw_ref, 1e-3, "dw")


def test_triton_backend_refuses_bf16_under_interpreter(interpreter):
    x, w, offs = operands([4, 4], k=16, m=16, dtype=torch.bfloat16)
    with pytest.raises(MoEInputError, match="bfloat16"):
        grouped_mm(x, w, offs, backend="triton")


@pytest.mark.parametrize("dtype", [torch.float32, torch.float16, torch.bfloat16])
def test_torch_backend_uses_torch_grouped_mm_and_matches_loop(dtype):
    x, w, offs = operands(COUNTS, k=48, m=64, dtype=dtype, seed=5)
    assert torch_grouped_mm_unsupported_reason(x, w) is None
    dy = grad_output(x.shape[0], 64, seed=6, like=x)
    y_ref, dx_ref, dw_ref = loop_with_grads(x, w, offs, dy)

    xt, wt = x.clone().requires_grad_(), w.clone().requires_grad_()
    y = grouped_mm(xt, wt, offs, backend="torch")
    y.backward(dy)

    assert "TorchGroupedMM" in type(y.grad_fn).__name__
    tol = 1e-5 if dtype == torch.float32 else 1e-2
    assert y.dtype == dtype
    assert_close_rms(y, y_ref, tol, "y")
    assert_close_rms(xt.grad, dx_ref, tol, "dx")
    assert_close_rms(wt.grad, dw_ref, tol, "dw")
    assert torch.equal(wt.grad[1], torch.zeros_like(wt.grad[1]))


def test_torch_grouped_mm_backward_accepts_broadcast_gradient():
    x, w, offs = operands([3, 0, 9], k=16, m=16)
    xt, wt = x.clone().requires_grad_(), w.clone().requires_grad_()
    torch_grouped_mm(xt, wt, offs).sum().backward()
    _, dx_ref, dw_ref = loop_with_grads(x, w, offs, torch.ones(x.shape[0], 16))
    assert_close_rms(xt.grad, dx_ref, 1e-5, "dx")
    assert_close_rms(wt.grad, dw_ref, 1e-5, "dw")


def test_torch_backend_falls_back_to_the_loop_where_torch_grouped_mm_refuses():
    x, w, offs = operands([2, 6], k=10, m=6)  # 40- and 24-byte rows: torch._grouped_mm refuses them
    assert "16-byte" in torch_grouped_mm_unsupported_reason(x, w)
    assert select_backend(x, w) == "torch"
    for backend in ("auto", "torch"):
        assert rms_ratio(grouped_mm(x, w, offs, backend=backend), grouped_mm_loop(x, w, offs)) == 0.0


@pytest.mark.parametrize("backend", ["auto", "torch", "triton"])
def test_no_rows_gives_empty_output_and_zero_weight_grad(request, backend):
    device = request.getfixturevalue("triton_device") if backend == "triton" else "cpu"
    x = torch.zeros(0, 8, device=device, requires_grad=True)
    w = torch.randn(3, 8, 12, device=device, requires_grad=True)
    y = grouped_mm(x, w, torch.zeros(3, dtype=torch.int32, device=device), backend=backend)
    assert y.shape == (0, 12)
    y.sum().backward()
    assert w.grad is not None and torch.equal(w.grad, torch.zeros_like(w))


@pytest.mark.parametrize(
    ("offs", "match"),
    [
        (torch.tensor([2, 5, 8], dtype=torch.int64), "int32"),
        (torch.tensor([2, 8], dtype=torch.int32), "3 experts"),
        (torch.tensor([2, 5, 7], dtype=torch.int32), "must equal the number of rows"),
        (torch.tensor([5, 2, 8], dtype=torch.int32), "decreases at expert 1"),
        (torch.tensor([-1, 2, 8], dtype=torch.int32), "negative"),
    ],
)
def test_bad_offsets_raise_typed_error(offs, match):
    x, w, _ = operands([2, 3, 3], k=8, m=8)
    with pytest.raises(MoEInputError, match=match) as info:
        grouped_mm(x, w, offs, backend="torch")
    assert info.value.argument == "offs"


def test_bad_operands_and_backend_raise_typed_error():
    x, w, offs = operands([2, 3], k=8, m=8)
    with pytest.raises(MoEInputError, match="contraction size"):
        grouped_mm(x[:, :7], w, offs)
    with pytest.raises(MoEInputError, match="differs"):
        grouped_mm(x, w.double(), offs)
    with pytest.raises(MoEInputError, match="backend: expected one of 'auto', 'triton', 'torch', got 'cuda'"):
        grouped_mm(x, w, offs, backend="cuda")


def test_permute_unpermute_round_trip():
    gen = torch.Generator().manual_seed(7)
    tokens, top_k, experts = 11, 3, 5
    expert_ids = torch.stack([torch.randperm(experts, generator=gen)[:top_k] for _ in range(tokens)])
    expert_ids[0] = torch.tensor([4, 3, 2])  # expert 0 or 1 may stay empty; make sure 4 is used
    x = torch.randn(tokens, 6, generator=gen)
    dispatch = sort_by_expert(expert_ids, experts)

    assert dispatch.offs.dtype == torch.int32 and int(dispatch.offs[-1]) == tokens * top_k
    assert torch.equal(dispatch.tokens_per_expert(), torch.bincount(expert_ids.flatten(), minlength=experts))
    rows = permute(x, dispatch)
    expert_of_row = torch.repeat_interleave(torch.arange(experts), dispatch.tokens_per_expert())
    assert torch.equal(expert_of_row, expert_ids.flatten()[dispatch.row_of_choice.flatten().argsort()])
    assert torch.equal(rows, x[dispatch.token_index])

    weights = torch.softmax(torch.randn(tokens, top_k, generator=gen), dim=-1)
    assert torch.allclose(unpermute(rows, dispatch, weights), x, atol=1e-6)
    assert torch.allclose(unpermute(rows, dispatch), x * top_k, atol=1e-6)


def test_moe_layer_through_grouped_mm_matches_dense_reference_with_gradients():
    gen = torch.Generator().manual_seed(8)
    tokens, top_k, experts, k, m = 9, 2, 4, 16, 8
    logits = torch.randn(tokens, experts, generator=gen)
    logits[:, 3] = -1e4  # expert 3 never chosen
    weights_raw, expert_ids = torch.topk(torch.softmax(logits, dim=-1), top_k, dim=-1)
    x = torch.randn(tokens, k, generator=gen, requires_grad=True)
    w = torch.randn(experts, k, m, generator=gen, requires_grad=True)
    weights = weights_raw.clone().requires_grad_()

    dispatch = sort_by_expert(expert_ids, experts)
    out = unpermute(grouped_mm(permute(x, dispatch), w, dispatch.offs), dispatch, weights)
    grads = torch.autograd.grad(out.square().sum(), (x, w, weights))

    xr, wr, gr = (t.detach().clone().requires_grad_() for t in (x, w, weights))
    ref = moe_dense_reference(xr, wr, expert_ids, gr)
    ref_grads = torch.autograd.grad(ref.square().sum(), (xr, wr, gr))

    assert_close_rms(out, ref, 1e-5, "out")
    for got, want in zip(grads, ref_grads):
        assert_close_rms(got, want, 1e-5, "gradient")
    assert torch.equal(grads[1][3], torch.zeros(k, m))


def test_sort_by_expert_rejects_bad_ids():
    with pytest.raises(MoEInputError, match=r"\[0, 4\)"):
        sort_by_expert(torch.tensor([[0, 4]]), 4)
    with pytest.raises(MoEInputError, match="integer"):
        sort_by_expert(torch.tensor([[0.0, 1.0]]), 4)
    with pytest.raises(MoEInputError, match="num_experts"):
        sort_by_expert(torch.tensor([[0, 1]]), 0)
    dispatch = sort_by_expert(torch.tensor([[0, 1], [1, 2]]), 3)
    with pytest.raises(MoEInputError, match="2 tokens"):
        permute(torch.zeros(3, 4), dispatch)
    with pytest.raises(MoEInputError, match="weights"):
        unpermute(torch.zeros(4, 4), dispatch, torch.ones(2, 3))
