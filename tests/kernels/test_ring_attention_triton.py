"""The Triton block kernels against the float32 reference, on the `triton_device` (see conftest.py).

Buffers start filled with NaN, so an output element that a kernel fails to write fails the
comparison. The interpreter uses 32 x 32 blocks, the compiled kernels 32 to 128: lengths below
are multiples of none of them.
"""

from __future__ import annotations

import pytest
import torch

from glyphctx.kernels.ring_attention import attention_block_backward, attention_block_forward
from glyphctx.kernels.testing import assert_close_rms
from tests.kernels.test_ring_attention_reference import make_inputs, reference

TOL = 1e-3

SHAPES = [
    # batch, q heads, kv heads, q len, k len, head dim, causal, causal offset
    (2, 4, 2, 45, 45, 60, True, 0),   # GQA, head dim 60, diagonal
    (1, 2, 2, 70, 50, 32, False, 0),
    (2, 3, 3, 33, 33, 64, False, 0),
    (1, 3, 1, 40, 77, 16, True, 37),  # keys start before the queries
    (1, 2, 1, 40, 33, 24, True, -10),  # first 10 query rows see no key
]


def run_triton(q, k, v, dout, lse_ref, delta, causal, offset):
    out = torch.full(q.shape, float("nan"), dtype=torch.float32, device=q.device)
    lse = torch.full(q.shape[:3], float("nan"), device=q.device)
    attention_block_forward(q, k, v, causal=causal, causal_offset=offset, out=out, lse=lse, backend="triton")
    grads = [torch.full(t.shape, float("nan"), dtype=torch.float32, device=t.device) for t in (q, k, v)]
    attention_block_backward(dout, q, k, v, lse_ref, delta, dq=grads[0], dk=grads[1], dv=grads[2],
                             causal=causal, causal_offset=offset, backend="triton")
    return out, lse, grads


@pytest.mark.parametrize("shape", SHAPES)
def test_triton_block_matches_reference(triton_device, shape):
    *dims, causal, offset = shape
    q, k, v, dout = make_inputs(*dims, device=triton_device)
    out_ref, lse_ref, delta, *grads_ref = reference(q, k, v, dout, causal, offset)
    out, lse, grads = run_triton(q, k, v, dout, lse_ref, delta, causal, offset)
    assert_close_rms(out, out_ref, TOL, "out")
    assert torch.equal(torch.isinf(lse), torch.isinf(lse_ref))
    finite = torch.isfinite(lse_ref)
    assert_close_rms(lse[finite], lse_ref[finite], TOL, "lse[finite]")
    for name, got, want in zip(("dq", "dk", "dv"), grads, grads_ref):
        assert_close_rms(got, want, TOL, name)


def test_triton_block_float16_inputs(triton_device):
    q, k, v, dout = make_inputs(1, 2, 1, 45, 45, 60, dtype=torch.float16, device=triton_device)
    out_ref, lse_ref, delta, *grads_ref = reference(q, k, v, dout, True, 0)
    out, lse = attention_block_forward(q, k, v, causal=True, backend="triton")
    assert out.dtype == torch.float16
    assert_close_rms(out, out_ref, 1e-2, "out")
    assert_close_rms(lse, lse_ref, 1e-3, "lse")
    grads = attention_block_backward(dout, q, k, v, lse_ref, delta, causal=True, backend="triton")
    for name, got, want in zip(("dq", "dk", "dv"), grads, grads_ref):
        assert got.dtype == torch.float16
        assert_close_rms(got, want, 1e-2, name)


def test_triton_block_writes_strided_halves_and_accumulates(triton_device):
    """What the ring does: second half of the queries into half of an accumulator, then add."""
    q, k, v, dout = make_inputs(1, 2, 2, 50, 38, 20, device=triton_device)
    half = 25
    out_ref, lse_ref, delta, dq_ref, dk_ref, dv_ref = reference(q[:, :, half:], k, v, dout[:, :, half:], False, 0)
    out = torch.full(q.shape, float("nan"), device=triton_device)
    lse = torch.full(q.shape[:3], float("nan"), device=triton_device)
    attention_block_forward(q[:, :, half:], k, v, out=out[:, :, half:], lse=lse[:, :, half:], backend="triton")
    assert torch.isnan(out[:, :, :half]).all() and torch.isnan(lse[:, :, :half]).all()
    assert_close_rms(out[:, :, half:], out_ref, TOL, "out[:, :, half:]")
    assert_close_rms(lse[:, :, half:], lse_ref, TOL, "lse[:, :, half:]")

    dq = torch.randn(q.shape, device=triton_device)
    dk, dv = torch.randn(k.shape, device=triton_device), torch.randn(v.shape, device=triton_device)
    before = [t.clone() for t in (dq, dk, dv)]
    lse_full = torch.zeros(q.shape[:3], device=triton_device)
    lse_full[:, :, half:] = lse_ref
    delta_full = torch.zeros(q.shape[:3], device=triton_device)
    delta_full[:, :, half:] = delta
    attention_block_backward(dout[:, :, half:], q[:, :, half:], k, v, lse_full[:, :, half:], delta_full[:, :, half:],
                             dq=dq[:, :, half:], dk=dk, dv=dv, accumulate=True, backend="triton")
    assert torch.equal(dq[:, :, :half], before[0][:, :, :half])
    assert_close_rms(dq[:, :, half:] - before[0][:, :, half:], dq_ref, TOL, "dq[:, :, half:] - before[0][:, :, half:]")
    assert_close_rms(dk - before[1], dk_ref, TOL, "dk - before[1]")
    assert_close_rms(dv - before[2], dv_ref, TOL, "dv - before[2]")
