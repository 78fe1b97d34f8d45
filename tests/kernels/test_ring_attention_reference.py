"""The float32 reference and the chunked PyTorch block against independent computations."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from glyphctx.kernels.ring_attention import (
    AttentionInputError,
    attention_block_backward,
    attention_block_forward,
    naive_attention,
)
from glyphctx.kernels.testing import assert_close_rms

TOL = 1e-3


def make_inputs(batch, q_heads, kv_heads, q_len, k_len, head_dim, seed=0, dtype=torch.float32, device="cpu"):
    """q, k, v, dout made on the CPU (the same numbers on every device), then moved to `device`."""
    gen = torch.Generator().manual_seed(seed)
    q = torch.randn(batch, q_heads, q_len, head_dim, generator=gen)
    k = torch.randn(batch, kv_heads, k_len, head_dim, generator=gen)
    v = torch.randn(batch, kv_heads, k_len, head_dim, generator=gen)
    dout = torch.randn(batch, q_heads, q_len, head_dim, generator=gen)
    return tuple(t.to(device, dtype) for t in (q, k, v, dout))


def reference(q, k, v, dout, causal, causal_offset):
    """naive_attention with autograd: out, lse, delta and the three gradients."""
    qr, kr, vr = (t.detach().clone().requires_grad_() for t in (q, k, v))
    out, lse = naive_attention(qr, kr, vr, causal=causal, causal_offset=causal_offset)
    out.backward(dout.float())
    delta = (dout.float() * out.detach()).sum(-1)
    return out.detach(), lse.detach(), delta, qr.grad, kr.grad, vr.grad


@pytest.mark.parametrize("causal", [False, True])
def test_naive_matches_sdpa_with_gqa(causal):
    q, k, v, _ = make_inputs(2, 6, 2, 33, 33, 20)
    out, lse = naive_attention(q, k, v, causal=causal)
    expected = F.scaled_dot_product_attention(q, k, v, is_causal=causal, enable_gqa=True)
    assert_close_rms(out, expected, 1e-5, "out")
    scores = torch.matmul(q, k.repeat_interleave(3, dim=1).transpose(-1, -2)) * 20 ** -0.5
    if causal:
        scores = scores.masked_fill(torch.ones(33, 33, dtype=torch.bool).triu(1), float("-inf"))
    assert_close_rms(lse, torch.logsumexp(scores, dim=-1), 1e-6, "lse")


def test_naive_row_without_keys_is_zero_with_minus_inf_lse():
    q, k, v, dout = make_inputs(1, 1, 1, 6, 4, 8)
    qr = q.clone().requires_grad_()
    out, lse = naive_attention(qr, k, v, causal=True, causal_offset=-2)  # rows 0, 1 see nothing
    assert torch.equal(out[..., :2, :], torch.zeros_like(out[..., :2, :]))
    assert torch.isinf(lse[..., :2]).all() and (lse[..., :2] < 0).all()
    assert torch.isfinite(lse[..., 2:]).all()
    out.backward(dout)
    assert torch.isfinite(qr.grad).all()


SHAPES = [
    # batch, q heads, kv heads, q len, k len, head dim, causal, causal offset
    (2, 4, 2, 45, 45, 60, True, 0),
    (1, 2, 2, 300, 270, 32, False, 0),
    (1, 3, 1, 140, 300, 16, True, 160),  # keys start before the queries
    (2, 2, 1, 150, 133, 24, True, -10),  # first 10 query rows see no key
]


@pytest.mark.parametrize("shape", SHAPES)
def test_torch_block_matches_reference(shape):
    *dims, causal, offset = shape
    q, k, v, dout = make_inputs(*dims)
    out_ref, lse_ref, delta, dq_ref, dk_ref, dv_ref = reference(q, k, v, dout, causal, offset)
    out = torch.full_like(q, float("nan"))
    lse = torch.full(q.shape[:3], float("nan"))
    attention_block_forward(q, k, v, causal=causal, causal_offset=offset, out=out, lse=lse, backend="torch")
    assert_close_rms(out, out_ref, TOL, "out")
    assert torch.equal(torch.isinf(lse), torch.isinf(lse_ref))
    finite = torch.isfinite(lse_ref)
    assert_close_rms(lse[finite], lse_ref[finite], TOL, "lse[finite]")
    grads = [torch.full_like(t, float("nan")) for t in (q, k, v)]
    attention_block_backward(dout, q, k, v, lse_ref, delta, dq=grads[0], dk=grads[1], dv=grads[2],
                             causal=causal, causal_offset=offset, backend="torch")
    for got, want in zip(grads, (dq_ref, dk_ref, dv_ref)):
        assert_close_rms(got, want, TOL, "got")


def test_block_backward_accumulates_into_given_buffers():
    q, k, v, dout = make_inputs(1, 2, 1, 40, 40, 12)
    _, lse, delta, dq_ref, dk_ref, dv_ref = reference(q, k, v, dout, True, 0)
    start = [torch.randn_like(t) for t in (q, k, v)]
    grads = [t.clone() for t in start]
    attention_block_backward(dout, q, k, v, lse, delta, dq=grads[0], dk=grads[1], dv=grads[2], causal=True,
                             accumulate=True, backend="torch")
    for got, before, want in zip(grads, start, (dq_ref, dk_ref, dv_ref)):
        assert_close_rms(got - before, want, TOL, "got - before")


def test_block_rejects_bad_shapes_and_backends():
    q, k, v, dout = make_inputs(1, 3, 2, 8, 8, 4)
    with pytest.raises(AttentionInputError, match="multiple of key/value heads"):
        attention_block_forward(q, k, v)
    q, k, v, dout = make_inputs(1, 2, 1, 8, 8, 4)
    with pytest.raises(AttentionInputError, match="head dims differ"):
        attention_block_forward(q, k[..., :3], v[..., :3])
    with pytest.raises(AttentionInputError, match="backend"):
        attention_block_forward(q, k, v, backend="cuda")
    with pytest.raises(AttentionInputError, match="out: expected shape"):
        attention_block_forward(q, k, v, out=torch.empty(1, 2, 7, 4))
    with pytest.raises(AttentionInputError, match="accumulate"):
        attention_block_backward(dout, q, k, v, torch.zeros(1, 2, 8), torch.zeros(1, 2, 8), accumulate=True)
