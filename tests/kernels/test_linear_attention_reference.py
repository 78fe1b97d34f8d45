"""The PyTorch paths: naive recurrence against the explicit attention formula, chunked against naive."""

from __future__ import annotations

import math

import pytest
import torch

from glyphctx.kernels.linear_attention import (
    chunk_linear_attention_torch,
    naive_recurrent_linear_attention,
    torch_chunk,
)
from glyphctx.kernels.testing import assert_close_rms, rms_ratio

TOL = 1e-3


def _inputs(B, T, H, Dk, Dv, seed=0, dtype=torch.float32):
    g = torch.Generator().manual_seed(seed)
    q = torch.randn(B, T, H, Dk, generator=g, dtype=dtype)
    k = torch.randn(B, T, H, Dk, generator=g, dtype=dtype)
    v = torch.randn(B, T, H, Dv, generator=g, dtype=dtype)
    h0 = torch.randn(B, H, Dk, Dv, generator=g, dtype=dtype)
    rates = torch.rand(H, generator=g) * 0.5
    return q, k, v, h0, rates


def _explicit_attention(q, k, v, rates, scale, h0):
    """o_t = scale * [sum_{j<=t} gamma^(t-j) (q_t . k_j) v_j + gamma^(t+1) q_t h0], written out."""
    T = q.shape[1]
    t = torch.arange(T, dtype=torch.float64)
    gap = t[:, None] - t[None, :]
    weights = torch.where(gap >= 0, torch.exp(-rates.double()[:, None, None] * gap.clamp(min=0)), 0.0)
    scores = torch.einsum("bthd,bshd->bhts", q.double(), k.double()) * weights
    o = torch.einsum("bhts,bshe->bthe", scores, v.double())
    carried = torch.exp(-rates.double()[:, None] * (t[None, :] + 1))  # gamma^(t+1), [H, T]
    o = o + torch.einsum("bthd,bhde,ht->bthe", q.double(), h0.double(), carried)
    return scale * o


def test_naive_matches_explicit_attention():
    q, k, v, h0, rates = _inputs(2, 23, 3, 12, 7)
    o, _ = naive_recurrent_linear_attention(q, k, v, rates, 0.3, h0)
    assert_close_rms(o, _explicit_attention(q, k, v, rates, 0.3, h0), 1e-5, "o")


def test_naive_final_state_is_decayed_sum_of_outer_products():
    q, k, v, h0, rates = _inputs(1, 9, 2, 5, 4)
    _, final = naive_recurrent_linear_attention(q, k, v, rates, None, h0)
    gamma = torch.exp(-rates)[None, :, None, None]
    expected = gamma**9 * h0
    for t in range(9):
        expected = expected + gamma ** (8 - t) * torch.einsum("bhk,bhv->bhkv", k[:, t], v[:, t])
    assert_close_rms(final, expected, 1e-5, "final")


def test_naive_default_scale_is_inverse_sqrt_key_dim():
    q, k, v, _, _ = _inputs(1, 5, 1, 16, 3)
    o_default, _ = naive_recurrent_linear_attention(q, k, v)
    o_explicit, _ = naive_recurrent_linear_attention(q, k, v, scale=1 / math.sqrt(16))
    assert rms_ratio(o_default, o_explicit) == 0.0


SHAPES = [
    # B, T, H, Dk, Dv, chunk
    (2, 37, 3, 60, 24, 16),   # length not a multiple of the chunk, head dim 60
    (1, 130, 2, 64, 60, 64),  # several chunks, last one partial
    (3, 64, 1, 32, 32, 16),   # exact multiple
    (2, 5, 2, 8, 8, 64),      # shorter than one chunk
    (1, 1, 2, 8, 4, 16),      # a single token
]


@pytest.mark.parametrize("B,T,H,Dk,Dv,chunk", SHAPES)
@pytest.mark.parametrize("with_decay", [False, True])
@pytest.mark.parametrize("with_state", [False, True])
def test_chunked_matches_naive_forward_and_gradients(B, T, H, Dk, Dv, chunk, with_decay, with_state):
    q, k, v, h0, rates = _inputs(B, T, H, Dk, Dv, seed=T + Dk)
    decay = rates if with_decay else None
    initial = h0 if with_state else None

    results = []
    for fn in ("naive", "chunked"):
        leaves = [x.clone().requires_grad_() for x in (q, k, v)]
        state = initial.clone().requires_grad_() if initial is not None else None
        if fn == "naive":
            o, final = naive_recurrent_linear_attention(*leaves, decay, None, state)
        else:
            o, final = chunk_linear_attention_torch(*leaves, decay, None, state, True, chunk)
        g = torch.Generator().manual_seed(1)
        do = torch.randn(o.shape, generator=g)
        dfinal = torch.randn(final.shape, generator=g)
        ((o * do).sum() + (final * dfinal).sum()).backward()
        grads = [x.grad for x in leaves] + ([state.grad] if state is not None else [])
        results.append((o.detach(), final.detach(), grads))

    (o_ref, s_ref, g_ref), (o, s, g) = results
    assert_close_rms(o, o_ref, TOL, "o")
    assert_close_rms(s, s_ref, TOL, "s")
    for name, a, b in zip(("dq", "dk", "dv", "dh0"), g, g_ref):
        assert_close_rms(a, b, TOL, name)


def test_chunked_without_final_state_returns_none():
    q, k, v, _, _ = _inputs(1, 10, 1, 4, 4)
    o, final = chunk_linear_attention_torch(q, k, v, chunk_size=4)
    assert final is None and o.shape == v.shape


def test_chunked_float64_is_exact_to_rounding():
    q, k, v, h0, rates = _inputs(2, 50, 2, 10, 6, dtype=torch.float64)
    o_ref, s_ref = naive_recurrent_linear_attention(q, k, v, rates, None, h0)
    o, s = chunk_linear_attention_torch(q, k, v, rates, None, h0, True, 16)
    assert o.dtype == torch.float64 and s.dtype == torch.float64
    assert_close_rms(o, o_ref, 1e-12, "o")
    assert_close_rms(s, s_ref, 1e-12, "s")


def test_chunked_strong_decay_stays_finite():
    """Rates so large that exp(+rate * chunk) would overflow: every exponent must stay <= 0."""
    q, k, v, h0, _ = _inputs(1, 45, 2, 8, 8)
    rates = torch.tensor([30.0, 80.0])
    o_ref, s_ref = naive_recurrent_linear_attention(q, k, v, rates, None, h0)
    o, s = chunk_linear_attention_torch(q, k, v, rates, None, h0, True, 32)
    assert torch.isfinite(o).all() and torch.isfinite(s).all()
    assert_close_rms(o, o_ref, TOL, "o")
    assert_close_rms(s, s_ref, TOL, "s")


def test_chunked_half_inputs_are_computed_in_float32():
    q, k, v, h0, rates = _inputs(1, 40, 2, 16, 16)
    o_ref, s_ref = naive_recurrent_linear_attention(
        q.half().float(), k.half().float(), v.half().float(), rates, None, h0
    )
    o, s = chunk_linear_attention_torch(q.half(), k.half(), v.half(), rates, None, h0, True, 16)
    assert o.dtype == torch.float16 and s.dtype == torch.float32
    assert_close_rms(o, o_ref, 2e-3, "o")
    assert_close_rms(s, s_ref, TOL, "s")


def test_segments_with_carried_state_equal_one_pass():
    q, k, v, _, rates = _inputs(2, 70, 2, 12, 9)
    o_full, s_full = chunk_linear_attention_torch(q, k, v, rates, None, None, True, 16)
    o1, s1 = chunk_linear_attention_torch(q[:, :29], k[:, :29], v[:, :29], rates, None, None, True, 16)
    o2, s2 = chunk_linear_attention_torch(q[:, 29:], k[:, 29:], v[:, 29:], rates, None, s1, True, 16)
    assert_close_rms(torch.cat([o1, o2], dim=1), o_full, TOL, "torch.cat([o1, o2], dim=1)")
    assert_close_rms(s2, s_full, TOL, "s2")


@pytest.mark.parametrize("group_tokens, chunk", [(32, 16), (40, 16), (16, 16)])
def test_chunked_in_several_groups_matches_naive(monkeypatch, group_tokens, chunk):
    """Long inputs are processed a group of chunks at a time, carrying the state between groups."""
    monkeypatch.setattr(torch_chunk, "GROUP_TOKENS", group_tokens)
    q, k, v, h0, rates = _inputs(2, 77, 2, 12, 10, seed=4)
    results = []
    for fn in ("naive", "chunked"):
        leaves = [x.clone().requires_grad_() for x in (q, k, v, h0)]
        if fn == "naive":
            o, final = naive_recurrent_linear_attention(*leaves[:3], rates, None, leaves[3])
        else:
            o, final = chunk_linear_attention_torch(*leaves[:3], rates, None, leaves[3], True, chunk)
        g = torch.Generator().manual_seed(2)
        (
            (o * torch.randn(o.shape, generator=g)).sum() + (final * torch.randn(final.shape, generator=g)).sum()
        ).backward()
        results.append([o.detach(), final.detach()] + [x.grad for x in leaves])
    for name, a, b in zip(("o", "final", "dq", "dk", "dv", "dh0"), results[1], results[0]):
        assert_close_rms(a, b, TOL, name)
