"""The Triton block kernels, run by Triton's interpreter on the CPU, against the float32 reference.

Buffers start filled with NaN, so an output element that a kernel fails to write fails the
comparison. The interpreter uses 32 x 32 blocks: lengths below are not multiples of 32.
"""

from __future__ import annotations

import pytest
import torch

from glyphctx.kernels.ring_attention import attention_block_backward, attention_block_forward
from tests.kernels.conftest import rms_ratio
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
    out = torch.full(q.shape, float("nan"), dtype=torch.float32)
    lse = torch.full(q.shape[:3], float("nan"))
    attention_block_forward(q, k, v, causal=causal, causal_offset=offset, out=out, lse=lse, backend="triton")
    grads = [torch.full(t.shape, float("nan"), dtype=torch.float32) for t in (q, k, v)]
    attention_block_backward(dout, q, k, v, lse_ref, delta, dq=grads[0], dk=grads[1], dv=grads[2],
                             causal=causal, causal_offset=offset, backend="triton")
    return out, lse, grads


@pytest.mark.parametrize("shape", SHAPES)
def test_triton_block_matches_reference(shape):
    *dims, causal, offset = shape
    q, k, v, dout = make_inputs(*dims)
    out_ref, lse_ref, delta, *grads_ref = reference(q, k, v, dout, causal, offset)
    out, lse, grads = run_triton(q, k, v, dout, lse_ref, delta, causal, offset)
    assert rms_ratio(out, out_ref) < TOL
    assert torch.equal(torch.isinf(lse), torch.isinf(lse_ref))
    finite = torch.isfinite(lse_ref)
    assert rms_ratio(lse[finite], lse_ref[finite]) < TOL
    for name, got, want in zip(("dq", "dk", "dv"), grads, grads_ref):
        assert rms_ratio(got, want) < TOL, name


def test_triton_block_float16_inputs():
    q, k, v, dout = make_inputs(1, 2, 1, 45, 45, 60, dtype=torch.float16)
    out_ref, lse_ref, delta, *grads_ref = reference(q, k, v, dout, True, 0)
    out, lse = attention_block_forward(q, k, v, causal=True, backend="triton")
    assert out.dtype == torch.float16
    assert rms_ratio(out, out_ref) < 1e-2
    assert rms_ratio(lse, lse_ref) < 1e-3
    grads = attention_block_backward(dout, q, k, v, lse_ref, delta, causal=True, backend="triton")
    for name, got, want in zip(("dq", "dk", "dv"), grads, grads_ref):
        assert got.dtype == torch.float16
        assert rms_ratio(got, want) < 1e-2, name


def test_triton_block_writes_strided_halves_and_accumulates():
    """What the ring does: second half of the queries into half of an accumulator, then add."""
    q, k, v, dout = make_inputs(1, 2, 2, 50, 38, 20)
    half = 25
    out_ref, lse_ref, delta, dq_ref, dk_ref, dv_ref = reference(q[:, :, half:], k, v, dout[:, :, half:], False, 0)
    out = torch.full(q.shape, float("nan"))
    lse = torch.full(q.shape[:3], float("nan"))
    attention_block_forward(q[:, :, half:], k, v, out=out[:, :, half:], lse=lse[:, :, half:], backend="triton")
    assert torch.isnan(out[:, :, :half]).all() and torch.isnan(lse[:, :, :half]).all()
    assert rms_ratio(out[:, :, half:], out_ref) < TOL
    assert rms_ratio(lse[:, :, half:], lse_ref) < TOL

    dq = torch.randn(q.shape)
    dk, dv = torch.randn(k.shape), torch.randn(v.shape)
    before = [t.clone() for t in (dq, dk, dv)]
    lse_full = torch.zeros(q.shape[:3])
    lse_full[:, :, half:] = lse_ref
    delta_full = torch.zeros(q.shape[:3])
    delta_full[:, :, half:] = delta
    attention_block_backward(dout[:, :, half:], q[:, :, half:], k, v, lse_full[:, :, half:], delta_full[:, :, half:],
                             dq=dq[:, :, half:], dk=dk, dv=dv, accumulate=True, backend="triton")
    assert torch.equal(dq[:, :, :half], before[0][:, :, :half])
    assert rms_ratio(dq[:, :, half:] - before[0][:, :, half:], dq_ref) < TOL
    assert rms_ratio(dk - before[1], dk_ref) < TOL
    assert rms_ratio(dv - before[2], dv_ref) < TOL
