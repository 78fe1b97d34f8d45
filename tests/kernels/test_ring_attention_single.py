"""Single-device entry points (autograd, dispatch), the log-sum-exp merge and zigzag sharding."""

from __future__ import annotations

import pytest
import torch

from glyphctx.kernels.ring_attention import (
    AttentionInputError,
    attention_block_backward,
    attention_block_forward,
    flash_attention,
    merge_partial_,
    naive_attention,
    resolve_backend,
    ring_attention,
    zigzag_indices,
    zigzag_shard,
    zigzag_unshard,
)
from glyphctx.kernels.testing import assert_close_rms
from tests.kernels.test_ring_attention_reference import make_inputs, reference

TOL = 1e-3


@pytest.mark.parametrize("backend", ["torch", "triton"])
@pytest.mark.parametrize("causal", [False, True])
def test_flash_attention_autograd_matches_reference(request, backend, causal):
    device = request.getfixturevalue("triton_device") if backend == "triton" else "cpu"
    q, k, v, dout = make_inputs(2, 4, 2, 37, 37, 60, seed=3, device=device)
    out_ref, lse_ref, _, *grads_ref = reference(q, k, v, dout, causal, 0)
    qg, kg, vg = (t.clone().requires_grad_() for t in (q, k, v))
    out, lse = flash_attention(qg, kg, vg, causal=causal, backend=backend, return_lse=True)
    out.backward(dout)
    assert out.dtype == q.dtype and not lse.requires_grad
    assert_close_rms(out, out_ref, TOL, "out")
    assert_close_rms(lse, lse_ref, TOL, "lse")
    for name, got, want in zip(("dq", "dk", "dv"), (qg.grad, kg.grad, vg.grad), grads_ref):
        assert got.dtype == q.dtype
        assert_close_rms(got, want, TOL, name)


def test_flash_attention_scale_and_default_backend():
    q, k, v, _ = make_inputs(1, 2, 2, 20, 20, 8)
    out = flash_attention(q, k, v, scale=0.5)
    expected, _ = naive_attention(q, k, v, scale=0.5)
    assert_close_rms(out, expected, TOL, "out")
    assert resolve_backend("auto", torch.device("cpu"), torch.float32) == "torch"
    with pytest.raises(AttentionInputError, match="scale"):
        flash_attention(q, k, v, scale=-1.0)


def test_triton_backend_refuses_bfloat16_under_the_interpreter(interpreter):
    with pytest.raises(AttentionInputError, match="bfloat16"):
        resolve_backend("triton", torch.device("cpu"), torch.bfloat16)


def test_ring_attention_without_group_is_single_device():
    q, k, v, _ = make_inputs(1, 2, 1, 15, 15, 8)  # odd length: only a real ring needs zigzag halves
    out = ring_attention(q, k, v, causal=True)
    expected, _ = naive_attention(q, k, v, causal=True)
    assert_close_rms(out, expected, TOL, "out")


def test_merge_of_two_key_halves_is_attention_over_all_keys():
    q, k, v, _ = make_inputs(2, 3, 3, 10, 24, 16)
    expected_out, expected_lse = naive_attention(q, k, v)
    out, lse = naive_attention(q, k[:, :, :9], v[:, :, :9])
    block_out, block_lse = naive_attention(q, k[:, :, 9:], v[:, :, 9:])
    merge_partial_(out, lse, block_out, block_lse)
    assert_close_rms(out, expected_out, 1e-6, "out")
    assert_close_rms(lse, expected_lse, 1e-6, "lse")


def test_merge_keeps_rows_without_keys_empty():
    out, lse = torch.zeros(1, 3, 4), torch.full((1, 3), float("-inf"))
    block_out, block_lse = torch.zeros(1, 3, 4), torch.tensor([[float("-inf"), 0.0, 1.0]])
    block_out[0, 1:] = 2.0
    merge_partial_(out, lse, block_out, block_lse)
    assert torch.equal(out[0, 0], torch.zeros(4)) and lse[0, 0] == float("-inf")
    assert torch.equal(out[0, 1:], torch.full((2, 4), 2.0))
    assert torch.equal(lse[0, 1:], torch.tensor([0.0, 1.0]))


def test_zigzag_shards_pair_early_and_late_chunks_and_round_trip():
    x = torch.arange(2 * 3 * 16).reshape(2, 3, 16, 1)
    shards = [zigzag_shard(x, r, 4) for r in range(4)]
    assert shards[1][0, 0, :, 0].tolist() == [2, 3, 12, 13]
    assert zigzag_indices(16, 1, 4).tolist() == [2, 3, 12, 13]
    for r in range(4):
        assert torch.equal(shards[r], x[:, :, zigzag_indices(16, r, 4)])
    assert torch.equal(zigzag_unshard(shards), x)
    assert torch.equal(zigzag_unshard([x]), x)


def test_zigzag_rejects_uneven_splits():
    with pytest.raises(AttentionInputError, match="multiple of 2 \\* world_size = 8"):
        zigzag_shard(torch.zeros(1, 1, 12, 2), 0, 4)
    with pytest.raises(AttentionInputError, match="rank"):
        zigzag_indices(16, 4, 4)
    with pytest.raises(AttentionInputError, match="differs"):
        zigzag_unshard([torch.zeros(1, 1, 4, 2), torch.zeros(1, 1, 6, 2)])


@pytest.mark.parametrize("backend", ["torch", "triton"])
def test_block_with_no_keys_gives_zero_output_and_gradients(request, backend):
    device = request.getfixturevalue("triton_device") if backend == "triton" else "cpu"
    q, k, v, dout = make_inputs(1, 2, 1, 9, 0, 8, device=device)
    out, lse = attention_block_forward(q, k, v, backend=backend)
    assert torch.equal(out, torch.zeros_like(q)) and torch.isinf(lse).all()
    dq, dk, dv = attention_block_backward(dout, q, k, v, lse, torch.zeros_like(lse), backend=backend)
    assert torch.equal(dq, torch.zeros_like(q)) and dk.shape == k.shape
