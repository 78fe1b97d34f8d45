"""GlyphLM against transformers' Qwen3-MoE on the same weights: logits, router, load-balancing loss."""

from __future__ import annotations

import pytest
import torch
from transformers import Qwen3MoeConfig, Qwen3MoeForCausalLM
from transformers.models.mixtral.modeling_mixtral import load_balancing_loss_func
from transformers.models.qwen3_moe.modeling_qwen3_moe import Qwen3MoeTopKRouter

from glyphctx.model import GlyphLMConfig, GlyphLMForCausalLM, load_balancing_loss
from glyphctx.model.moe import TopKRouter


def _pair(build, **overrides):
    reference = Qwen3MoeForCausalLM(Qwen3MoeConfig(**build.tiny_kwargs(**overrides))).eval()
    build.randomise_(reference)
    model = GlyphLMForCausalLM(GlyphLMConfig(**build.tiny_kwargs(**overrides))).eval()
    model.load_state_dict(reference.state_dict(), strict=True)
    return reference, model


@pytest.mark.parametrize("rope", [None, "yarn"])
@pytest.mark.parametrize("norm_topk_prob", [True, False])
def test_logits_match_qwen3_moe(build, rope, norm_topk_prob):
    overrides = {"norm_topk_prob": norm_topk_prob}
    if rope is not None:
        overrides["rope_parameters"] = build.YARN
    reference, model = _pair(build, **overrides)
    ids = torch.randint(0, 128, (2, 200))  # longer than YaRN's original 128 positions
    with torch.no_grad():
        want = reference(ids, output_router_logits=True)
        got = model(ids, output_router_logits=True)
    assert want.logits.abs().max() > 1.0  # the weights are far enough from init to matter
    assert (want.logits - got.logits).abs().max().item() <= 1e-5
    for a, b in zip(want.router_logits, got.router_logits):
        torch.testing.assert_close(a, b, atol=1e-5, rtol=0)
    torch.testing.assert_close(got.aux_loss, want.aux_loss, atol=1e-6, rtol=0)


def test_logits_match_with_padding_and_dense_layer(build):
    reference, model = _pair(build, mlp_only_layers=[0], rope_parameters=build.YARN)
    ids = torch.randint(0, 128, (2, 24))
    mask = torch.ones(2, 24, dtype=torch.long)
    mask[1, :5] = 0  # left padding
    with torch.no_grad():
        want = reference(ids, attention_mask=mask, output_router_logits=True)
        got = model(ids, attention_mask=mask, output_router_logits=True)
    real = mask.bool()
    assert (want.logits[real] - got.logits[real]).abs().max().item() <= 1e-5
    torch.testing.assert_close(got.aux_loss, want.aux_loss, atol=1e-6, rtol=0)


def test_incremental_decoding_matches_qwen3_moe(build):
    reference, model = _pair(build, rope_parameters=build.YARN)
    ids = torch.randint(0, 128, (1, 12))
    with torch.no_grad():
        want = reference.generate(ids, max_new_tokens=6, do_sample=False)
        got = model.generate(ids, max_new_tokens=6, do_sample=False)
    assert torch.equal(want, got)


@pytest.mark.parametrize("norm_topk_prob", [True, False])
def test_router_matches_qwen3_router(build, norm_topk_prob):
    config = GlyphLMConfig(**build.tiny_kwargs(norm_topk_prob=norm_topk_prob))
    ours = TopKRouter(config)
    theirs = Qwen3MoeTopKRouter(Qwen3MoeConfig(**build.tiny_kwargs(norm_topk_prob=norm_topk_prob)))
    torch.nn.init.normal_(ours.weight)
    theirs.weight.data.copy_(ours.weight.data)
    x = torch.randn(50, 64)
    for a, b in zip(ours(x), theirs(x)):
        torch.testing.assert_close(a, b, atol=1e-6, rtol=0)


@pytest.mark.parametrize("masked", [False, True])
def test_load_balancing_loss_matches_mixtral(masked):
    layers = tuple(torch.randn(3 * 10, 8) * 2 for _ in range(3))
    mask = None
    if masked:
        mask = torch.ones(3, 10, dtype=torch.long)
        mask[0, :4] = 0
        mask[2, 7:] = 0
    want = load_balancing_loss_func(layers, num_experts=8, top_k=2, attention_mask=mask)
    got = load_balancing_loss(layers, num_experts=8, top_k=2, attention_mask=mask)
    torch.testing.assert_close(got, want, atol=1e-6, rtol=0)
