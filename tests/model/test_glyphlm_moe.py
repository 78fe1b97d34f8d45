"""The mixture-of-experts block: grouped dispatch, shared expert, expert choice, jitter, router losses."""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from transformers import Qwen2MoeConfig
from transformers.models.qwen2_moe.modeling_qwen2_moe import Qwen2MoeSparseMoeBlock

from glyphctx.model import GlyphLMConfig, GlyphLMForCausalLM, router_z_loss
from glyphctx.model.moe import SparseMoeBlock


def _block(build, **overrides) -> SparseMoeBlock:
    block = SparseMoeBlock(GlyphLMConfig(**build.tiny_kwargs(**overrides))).eval()
    return build.randomise_(block, std=0.3)


def _expert(block: SparseMoeBlock, e: int, x: torch.Tensor) -> torch.Tensor:
    gate, up = F.linear(x, block.experts.gate_up_proj[e]).chunk(2, dim=-1)
    return F.linear(F.silu(gate) * up, block.experts.down_proj[e])


def test_grouped_dispatch_equals_token_by_token(build):
    block = _block(build)
    x = torch.randn(3, 11, 64)
    with torch.no_grad():
        got, logits = block(x)
        flat = x.reshape(-1, 64)
        probs = torch.softmax(logits, dim=-1)
        weights, ids = probs.topk(2, dim=-1)
        weights = weights / weights.sum(-1, keepdim=True)
        want = torch.stack([sum(weights[t, j] * _expert(block, int(ids[t, j]), flat[t]) for j in range(2))
                            for t in range(flat.shape[0])])
    torch.testing.assert_close(got.reshape(-1, 64), want, atol=1e-5, rtol=1e-5)


def test_grouped_dispatch_has_gradients(build):
    block = _block(build).train()
    out, _ = block(torch.randn(2, 7, 64))
    out.square().sum().backward()
    assert block.experts.gate_up_proj.grad.abs().sum() > 0
    assert block.experts.down_proj.grad.abs().sum() > 0


def test_shared_expert_matches_qwen2_moe(build):
    block = _block(build, shared_expert_intermediate_size=48, norm_topk_prob=False)
    reference = Qwen2MoeSparseMoeBlock(Qwen2MoeConfig(
        hidden_size=64, moe_intermediate_size=32, shared_expert_intermediate_size=48, num_experts=8,
        num_experts_per_tok=2, norm_topk_prob=False)).eval()
    reference.load_state_dict(block.state_dict(), strict=True)
    x = torch.randn(2, 9, 64)
    with torch.no_grad():
        got, _ = block(x)
        want = reference(x)
    torch.testing.assert_close(got, want, atol=1e-5, rtol=1e-5)


def test_expert_choice_gives_every_expert_its_capacity(build):
    block = _block(build, router_type="expert_choice", expert_capacity_factor=1.0)
    x = torch.randn(2, 10, 64)
    with torch.no_grad():
        got, logits = block(x)
        flat = x.reshape(-1, 64)
        capacity = math.ceil(20 * 2 / 8)
        probs = torch.softmax(logits, dim=-1)
        want = torch.zeros_like(flat)
        for e in range(8):
            weights, tokens = probs[:, e].topk(capacity)
            for w, t in zip(weights, tokens):
                want[t] += w * _expert(block, e, flat[t])
    torch.testing.assert_close(got.reshape(-1, 64), want, atol=1e-5, rtol=1e-5)


def test_jitter_noise_only_while_training(build):
    block = _block(build, router_jitter_noise=0.2)
    x = torch.randn(1, 16, 64)
    with torch.no_grad():
        clean = block.gate.logits(x.reshape(-1, 64))
        assert torch.equal(block.eval()(x)[1], clean)
        noisy = block.train()(x)[1]
    assert not torch.allclose(noisy, clean)
    ratio = (noisy - clean).abs().max() / clean.abs().max()
    assert ratio < 0.5  # multiplicative noise within 1 +- 0.2 of each input feature


def test_z_loss_formula():
    layers = (torch.randn(12, 8) * 3, torch.randn(12, 8))
    want = torch.cat([torch.logsumexp(logits, -1) ** 2 for logits in layers]).mean()
    torch.testing.assert_close(router_z_loss(layers), want)
    mask = torch.tensor([[1, 1, 1, 0, 0, 1], [1, 1, 1, 1, 1, 1]])
    keep = mask.reshape(-1).bool()
    want = torch.cat([torch.logsumexp(logits, -1)[keep] ** 2 for logits in layers]).mean()
    torch.testing.assert_close(router_z_loss(layers, mask), want)


def test_training_loss_adds_both_router_losses(build):
    config = GlyphLMConfig(**build.tiny_kwargs(router_aux_loss_coef=0.5, router_z_loss_coef=0.25))
    model = build.randomise_(GlyphLMForCausalLM(config)).eval()
    ids = torch.randint(0, 128, (2, 16))
    with torch.no_grad():
        out = model(ids, labels=ids)
        plain = model(ids)
    assert out.aux_loss is not None and out.z_loss is not None and plain.aux_loss is None
    ce = F.cross_entropy(out.logits[:, :-1].reshape(-1, 128), ids[:, 1:].reshape(-1))
    torch.testing.assert_close(out.loss, ce + 0.5 * out.aux_loss + 0.25 * out.z_loss)


def test_dense_model_without_experts(build):
    model = GlyphLMForCausalLM(GlyphLMConfig(**build.tiny_kwargs(num_experts=0))).eval()
    out = model(torch.randint(0, 128, (1, 8)), output_router_logits=True)
    assert out.aux_loss is None and out.logits.shape == (1, 8, 128)


def test_block_and_router_match_mixtral(build):
    from transformers import MixtralConfig
    from transformers.models.mixtral.modeling_mixtral import MixtralSparseMoeBlock

    block = _block(build, norm_topk_prob=True)
    reference = MixtralSparseMoeBlock(MixtralConfig(hidden_size=64, intermediate_size=32, num_local_experts=8,
                                                    num_experts_per_tok=2)).eval()
    reference.load_state_dict(block.state_dict(), strict=True)
    x = torch.randn(2, 13, 64)
    with torch.no_grad():
        got, logits = block(x)
        want = reference(x)
        for a, b in zip(block.gate(x.reshape(-1, 64)), reference.gate(x)):
            torch.testing.assert_close(a, b, atol=1e-6, rtol=0)
    torch.testing.assert_close(got, want, atol=1e-5, rtol=1e-5)
