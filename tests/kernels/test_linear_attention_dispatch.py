"""Backend choice, feature maps, decoding on the PyTorch path, and the errors bad arguments get."""

from __future__ import annotations

import pytest
import torch

from glyphctx.errors import GlyphctxError
from glyphctx.kernels.linear_attention import (
    FEATURE_MAPS,
    LinearAttentionError,
    chunk_linear_attention_torch,
    linear_attention,
    linear_attention_decode,
    naive_recurrent_linear_attention,
)
from glyphctx.kernels.testing import assert_close_rms, rms_ratio

TOL = 1e-3


def _qkv(B=1, T=12, H=2, Dk=8, Dv=6, seed=0, device="cpu"):
    g = torch.Generator().manual_seed(seed)
    return (torch.randn(B, T, H, Dk, generator=g).to(device), torch.randn(B, T, H, Dk, generator=g).to(device),
            torch.randn(B, T, H, Dv, generator=g).to(device))


def test_auto_on_cpu_runs_the_torch_path():
    q, k, v = _qkv()
    q.requires_grad_()
    o, final = linear_attention(q, k, v, 0.1)
    assert final is None
    assert "ChunkLinearAttentionFunction" not in type(o.grad_fn).__name__
    expected, _ = chunk_linear_attention_torch(q, k, v, 0.1)
    assert rms_ratio(o, expected) == 0.0


@pytest.mark.parametrize("name", sorted(FEATURE_MAPS))
def test_feature_map_is_applied_to_queries_and_keys(name):
    q, k, v = _qkv(seed=1)
    phi = FEATURE_MAPS[name]
    o, final = linear_attention(q, k, v, 0.2, feature_map=name, output_final_state=True)
    o_ref, s_ref = naive_recurrent_linear_attention(phi(q), phi(k), v, 0.2)
    assert_close_rms(o, o_ref, TOL, "o")
    assert_close_rms(final, s_ref, TOL, "final")


@pytest.mark.parametrize("backend", ["torch", "triton"])
def test_callable_feature_map_may_change_the_key_dim(request, backend):
    """A feature map D -> 2D ([x, -x] through relu): scale and state follow the mapped dim."""
    device = request.getfixturevalue("triton_device") if backend == "triton" else "cpu"
    q, k, v = _qkv(T=20, Dk=10, seed=2, device=device)

    def phi(x):
        return torch.relu(torch.cat([x, -x], dim=-1))

    o, final = linear_attention(q, k, v, feature_map=phi, output_final_state=True, chunk_size=16, backend=backend)
    o_ref, s_ref = naive_recurrent_linear_attention(phi(q), phi(k), v, scale=20**-0.5)
    assert final.shape == (1, 2, 20, 6)
    assert_close_rms(o, o_ref, TOL, "o")
    assert_close_rms(final, s_ref, TOL, "final")


def test_decode_on_cpu_steps_match_full_sequence_and_differentiate():
    q, k, v = _qkv(T=10, seed=3)
    o_full, s_full = linear_attention(q, k, v, 0.3, output_final_state=True)
    state = None
    outputs = []
    for t in range(10):
        o_t, state = linear_attention_decode(q[:, t:t + 1], k[:, t:t + 1], v[:, t:t + 1], 0.3, initial_state=state)
        outputs.append(o_t)
    assert_close_rms(torch.cat(outputs, dim=1), o_full, TOL, "torch.cat(outputs, dim=1)")
    assert_close_rms(state, s_full, TOL, "state")

    q1 = q[:, :1].clone().requires_grad_()
    o_t, _ = linear_attention_decode(q1, k[:, :1], v[:, :1], 0.3, initial_state=s_full)
    o_t.sum().backward()
    assert q1.grad is not None and torch.isfinite(q1.grad).all()


def test_triton_decode_refuses_autograd(triton_device):
    q, k, v = _qkv(T=2, device=triton_device)
    q.requires_grad_()
    with pytest.raises(LinearAttentionError, match="no backward"):
        linear_attention_decode(q, k, v, backend="triton")


def test_forcing_triton_on_cpu_without_the_interpreter_is_a_clear_error(monkeypatch):
    monkeypatch.setenv("TRITON_INTERPRET", "0")
    q, k, v = _qkv()
    with pytest.raises(LinearAttentionError, match="TRITON_INTERPRET=1"):
        linear_attention(q, k, v, backend="triton")


def test_bfloat16_under_the_interpreter_is_a_clear_error(interpreter):
    q, k, v = (x.bfloat16() for x in _qkv())
    with pytest.raises(LinearAttentionError, match="bfloat16"):
        linear_attention(q, k, v, backend="triton")
    o, _ = linear_attention(q, k, v, backend="torch")
    assert o.dtype == torch.bfloat16


def test_triton_needs_power_of_two_chunks(triton_device):
    q, k, v = _qkv(device=triton_device)
    with pytest.raises(LinearAttentionError, match="chunk_size"):
        linear_attention(q, k, v, chunk_size=24, backend="triton")
    linear_attention(q, k, v, chunk_size=24, backend="torch")


def test_errors_are_glyphctx_and_value_errors():
    q, k, v = _qkv()
    with pytest.raises(GlyphctxError):
        linear_attention(q[0], k, v)
    with pytest.raises(ValueError):
        linear_attention(q[0], k, v)


@pytest.mark.parametrize(
    "change, argument",
    [
        (lambda q, k, v: dict(q=q[0]), "q"),
        (lambda q, k, v: dict(k=k[:, :5]), "k"),
        (lambda q, k, v: dict(v=v[:, :5]), "v"),
        (lambda q, k, v: dict(k=k.double()), "k/v"),
        (lambda q, k, v: dict(q=q.int(), k=k.int()), "q"),
        (lambda q, k, v: dict(decay=torch.tensor([0.1, -0.2])), "decay"),
        (lambda q, k, v: dict(decay=torch.ones(3)), "decay"),
        (lambda q, k, v: dict(decay=torch.tensor([0.1, float("nan")])), "decay"),
        (lambda q, k, v: dict(decay=torch.ones(2, requires_grad=True)), "decay"),
        (lambda q, k, v: dict(decay="fast"), "decay"),
        (lambda q, k, v: dict(initial_state=torch.zeros(1, 2, 6, 8)), "initial_state"),
        (lambda q, k, v: dict(initial_state=[0.0]), "initial_state"),
        (lambda q, k, v: dict(scale=0.0), "scale"),
        (lambda q, k, v: dict(scale=float("inf")), "scale"),
        (lambda q, k, v: dict(chunk_size=0), "chunk_size"),
        (lambda q, k, v: dict(feature_map="gelu"), "feature_map"),
        (lambda q, k, v: dict(feature_map=lambda x: x[..., :1, :]), "feature_map"),
        (lambda q, k, v: dict(backend="cuda"), "backend"),
        (lambda q, k, v: dict(output_final_state="yes"), "output_final_state"),
    ],
)
def test_bad_arguments_name_the_argument(change, argument):
    q, k, v = _qkv()
    kwargs = dict(q=q, k=k, v=v)
    kwargs.update(change(q, k, v))
    with pytest.raises(LinearAttentionError) as info:
        linear_attention(**kwargs)
    assert info.value.argument == argument
    assert str(info.value).startswith(f"{argument}: ")
