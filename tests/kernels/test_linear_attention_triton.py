"""The Triton kernels against the naive recurrence, on the `triton_device` (see conftest.py).

Outputs and every gradient (q, k, v, initial state; with a gradient arriving through the final
state) are compared with the naive recurrence. Result buffers start as NaN, so an element a
kernel never writes fails the comparison.
"""

from __future__ import annotations

import pytest
import torch

from glyphctx.kernels.linear_attention import (
    linear_attention,
    linear_attention_decode,
    naive_recurrent_linear_attention,
)
from glyphctx.kernels.linear_attention.triton_chunk import (
    chunk_linear_attention_bwd,
    chunk_linear_attention_fwd,
)
from glyphctx.kernels.linear_attention.triton_recurrent import recurrent_linear_attention_fwd
from glyphctx.kernels.testing import assert_close_rms

TOL = 1e-3
NAN = float("nan")


def _inputs(B, T, H, Dk, Dv, seed, device):
    """Random inputs made on the CPU (the same numbers on every device), then moved to `device`."""
    g = torch.Generator().manual_seed(seed)
    q = torch.randn(B, T, H, Dk, generator=g)
    k = torch.randn(B, T, H, Dk, generator=g)
    v = torch.randn(B, T, H, Dv, generator=g)
    h0 = torch.randn(B, H, Dk, Dv, generator=g)
    rates = torch.rand(H, generator=g) * 0.5
    do = torch.randn(B, T, H, Dv, generator=g)
    dfinal = torch.randn(B, H, Dk, Dv, generator=g)
    return tuple(x.to(device) for x in (q, k, v, h0, rates, do, dfinal))


def _reference(q, k, v, rates, scale, h0, do, dfinal):
    """Naive outputs and the gradients of sum(o * do) + sum(final * dfinal)."""
    leaves = [x.clone().requires_grad_() for x in (q, k, v, h0)]
    o, final = naive_recurrent_linear_attention(*leaves[:3], rates, scale, leaves[3])
    loss = (o * do).sum()
    if dfinal is not None:
        loss = loss + (final * dfinal).sum()
    loss.backward()
    return o.detach(), final.detach(), [x.grad for x in leaves]


KERNEL_SHAPES = [
    # B, T, H, Dk, Dv, chunk, block_k, block_v
    (2, 37, 3, 60, 24, 16, None, None),  # partial last chunk, head dim 60 (padded to 64)
    (1, 130, 2, 64, 60, 64, None, None),  # three chunks, the last of 2 tokens; Dv 60
    (3, 64, 1, 32, 48, 32, None, None),  # exact multiple of the chunk, Dk != Dv
    (1, 40, 2, 60, 40, 32, 16, 16),  # head dims split over several program blocks
]


@pytest.mark.parametrize("B,T,H,Dk,Dv,chunk,block_k,block_v", KERNEL_SHAPES)
def test_chunk_kernels_match_naive(triton_device, B, T, H, Dk, Dv, chunk, block_k, block_v):
    q, k, v, h0, rates, do, dfinal = _inputs(B, T, H, Dk, Dv, seed=T * Dk, device=triton_device)
    scale = Dk**-0.5
    o_ref, s_ref, (dq_ref, dk_ref, dv_ref, dh0_ref) = _reference(q, k, v, rates, scale, h0, do, dfinal)

    o, final = chunk_linear_attention_fwd(
        q, k, v, rates, scale, h0, True, chunk, block_k, block_v,
        out=torch.full((B, T, H, Dv), NAN, device=triton_device),
        final_state_out=torch.full((B, H, Dk, Dv), NAN, device=triton_device),
    )
    assert_close_rms(o, o_ref, TOL, "o")
    assert_close_rms(final, s_ref, TOL, "final")

    dq, dk, dv, dh0 = chunk_linear_attention_bwd(
        q, k, v, rates, scale, do, h0, dfinal, True, chunk, block_k, block_v,
        dq=torch.full_like(q, NAN),
        dk=torch.full_like(k, NAN),
        dv=torch.full_like(v, NAN),
        dh0=torch.full_like(h0, NAN),
    )
    assert_close_rms(dq, dq_ref, TOL, "dq")
    assert_close_rms(dk, dk_ref, TOL, "dk")
    assert_close_rms(dv, dv_ref, TOL, "dv")
    assert_close_rms(dh0, dh0_ref, TOL, "dh0")


def test_chunk_kernels_without_carried_state(triton_device):
    """No initial state in, no gradient through the final state: the HAS_H0 / HAS_DFINAL = False paths."""
    B, T, H, Dk, Dv = 2, 50, 2, 24, 40
    q, k, v, h0, rates, do, _ = _inputs(B, T, H, Dk, Dv, seed=3, device=triton_device)
    zero = torch.zeros_like(h0)
    o_ref, _, (dq_ref, dk_ref, dv_ref, _) = _reference(q, k, v, rates, 0.2, zero, do, None)
    o, final = chunk_linear_attention_fwd(q, k, v, rates, 0.2, None, False, 32, out=torch.full_like(o_ref, NAN))
    assert final is None
    assert_close_rms(o, o_ref, TOL, "o")
    dq, dk, dv, dh0 = chunk_linear_attention_bwd(
        q, k, v, rates, 0.2, do, None, None, False, 32,
        dq=torch.full_like(q, NAN), dk=torch.full_like(k, NAN), dv=torch.full_like(v, NAN),
    )
    assert dh0 is None
    for a, b in ((dq, dq_ref), (dk, dk_ref), (dv, dv_ref)):
        assert_close_rms(a, b, TOL, "a")


def test_autograd_wrapper_matches_torch_backend(triton_device):
    """linear_attention(backend='triton') with a feature map, decay, carried state and final state."""
    B, T, H, Dk, Dv = 2, 45, 2, 20, 12
    q, k, v, h0, rates, do, dfinal = _inputs(B, T, H, Dk, Dv, seed=11, device=triton_device)
    results = {}
    for backend in ("torch", "triton"):
        leaves = [x.clone().requires_grad_() for x in (q, k, v, h0)]
        o, final = linear_attention(
            *leaves[:3], rates, feature_map="elu+1", initial_state=leaves[3],
            output_final_state=True, chunk_size=16, backend=backend,
        )
        ((o * do).sum() + (final * dfinal).sum()).backward()
        results[backend] = [o.detach(), final.detach()] + [x.grad for x in leaves]
    names = ("o", "final", "dq", "dk", "dv", "dh0")
    for name, a, b in zip(names, results["triton"], results["torch"]):
        assert_close_rms(a, b, TOL, name)


def test_autograd_wrapper_unused_final_state(triton_device):
    """The final state is returned but not used by the loss: its incoming gradient is None."""
    q, k, v, h0, rates, do, _ = _inputs(1, 33, 2, 16, 16, seed=5, device=triton_device)
    grads = {}
    for backend in ("torch", "triton"):
        leaves = [x.clone().requires_grad_() for x in (q, k, v, h0)]
        o, _ = linear_attention(*leaves[:3], rates, initial_state=leaves[3], output_final_state=True,
                                chunk_size=16, backend=backend)
        (o * do).sum().backward()
        grads[backend] = [x.grad for x in leaves]
    for a, b in zip(grads["triton"], grads["torch"]):
        assert_close_rms(a, b, TOL, "a")


def test_chunk_kernels_float16(triton_device):
    B, T, H, Dk, Dv = 1, 48, 2, 32, 32
    q, k, v, h0, rates, _, _ = _inputs(B, T, H, Dk, Dv, seed=7, device=triton_device)
    qh, kh, vh = q.half(), k.half(), v.half()
    o_ref, s_ref = naive_recurrent_linear_attention(qh.float(), kh.float(), vh.float(), rates, None, h0)
    o, final = chunk_linear_attention_fwd(
        qh, kh, vh, rates, Dk**-0.5, h0, True, 16,
        out=torch.full((B, T, H, Dv), NAN, dtype=torch.float16, device=triton_device),
        final_state_out=torch.full((B, H, Dk, Dv), NAN, device=triton_device),
    )
    assert o.dtype == torch.float16 and final.dtype == torch.float32
    assert_close_rms(o, o_ref, 1e-2, "o")
    assert_close_rms(final, s_ref, 1e-2, "final")


def test_recurrent_kernel_matches_naive(triton_device):
    B, T, H, Dk, Dv = 2, 7, 3, 60, 24
    q, k, v, h0, rates, _, _ = _inputs(B, T, H, Dk, Dv, seed=13, device=triton_device)
    o_ref, s_ref = naive_recurrent_linear_attention(q, k, v, rates, 0.5, h0)
    o, final = recurrent_linear_attention_fwd(
        q, k, v, rates, 0.5, h0,
        out=torch.full_like(o_ref, NAN), final_state_out=torch.full_like(h0, NAN),
    )
    assert_close_rms(o, o_ref, TOL, "o")
    assert_close_rms(final, s_ref, TOL, "final")


@pytest.mark.parametrize("step", [1, 3])
def test_decode_step_by_step_equals_full_sequence(triton_device, step):
    """A prefix through the chunk kernel, then tokens `step` at a time through the decode kernel."""
    B, T, H, Dk, Dv = 2, 41, 2, 24, 20
    q, k, v, h0, rates, _, _ = _inputs(B, T, H, Dk, Dv, seed=17, device=triton_device)
    o_full, s_full = linear_attention(q, k, v, rates, feature_map="relu", initial_state=h0,
                                      output_final_state=True, chunk_size=16, backend="triton")
    prefix = 32
    o_prefix, state = linear_attention(q[:, :prefix], k[:, :prefix], v[:, :prefix], rates, feature_map="relu",
                                       initial_state=h0, output_final_state=True, chunk_size=16, backend="triton")
    outputs = [o_prefix]
    with torch.no_grad():
        for t in range(prefix, T, step):
            o_t, state = linear_attention_decode(q[:, t:t + step], k[:, t:t + step], v[:, t:t + step], rates,
                                                 feature_map="relu", initial_state=state, backend="triton")
            outputs.append(o_t)
    assert_close_rms(torch.cat(outputs, dim=1), o_full, TOL, "torch.cat(outputs, dim=1)")
    assert_close_rms(state, s_full, TOL, "state")


def test_autograd_wrapper_without_state_outputs(triton_device):
    """No initial state and no final state: the Function's second output is None."""
    q, k, v, _, rates, do, _ = _inputs(2, 29, 2, 60, 20, seed=19, device=triton_device)
    grads = {}
    for backend in ("torch", "triton"):
        leaves = [x.clone().requires_grad_() for x in (q, k, v)]
        o, final = linear_attention(*leaves, rates, chunk_size=16, backend=backend)
        assert final is None
        (o * do).sum().backward()
        grads[backend] = [o.detach()] + [x.grad for x in leaves]
    for a, b in zip(grads["triton"], grads["torch"]):
        assert_close_rms(a, b, TOL, "a")
