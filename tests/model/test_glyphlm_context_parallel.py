"""Context-parallel forward (ring attention over zigzag shards, gloo) equals the one-process forward."""

from __future__ import annotations

import socket
import sys
from pathlib import Path

import pytest
import torch
import torch.multiprocessing as mp

from glyphctx.kernels.ring_attention import zigzag_unshard
from glyphctx.model import GlyphLMConfig, GlyphLMForCausalLM, ModelInputError

sys.path.insert(0, str(Path(__file__).parent))
from glyphlm_cp_workers import context_parallel_worker  # noqa: E402


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def ran(tmp_path_factory):
    """Start four gloo processes once; they save ring-of-4 and ring-of-2 logits shards."""
    folder = tmp_path_factory.mktemp("cp")
    config = dict(vocab_size=128, hidden_size=64, intermediate_size=96, moe_intermediate_size=32,
                  num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=2, head_dim=16, num_experts=8,
                  num_experts_per_tok=2, shared_expert_intermediate_size=32, max_position_embeddings=512,
                  rope_parameters={"rope_type": "yarn", "rope_theta": 10000.0, "factor": 4.0,
                                   "original_max_position_embeddings": 128})
    model = GlyphLMForCausalLM(GlyphLMConfig(**config)).eval()
    gen = torch.Generator().manual_seed(0)
    with torch.no_grad():
        for name, p in model.named_parameters():
            noise = torch.randn(p.shape, generator=gen) * 0.15
            p.copy_(1.0 + noise if name.endswith("norm.weight") else noise)
    ids = torch.randint(0, 128, (2, 160), generator=gen)  # past YaRN's original 128 positions
    torch.save({"config": config, "state": model.state_dict(), "input_ids": ids}, folder / "case.pt")
    with torch.no_grad():
        expected = model(ids, use_cache=False).logits
    # fork: the children inherit the imported modules instead of importing torch and transformers again
    mp.start_processes(context_parallel_worker, args=(4, _free_port(), str(folder)), nprocs=4, join=True,
                       start_method="fork")
    return folder, expected


@pytest.mark.parametrize("label, ranks", [("ring2", [0, 1]), ("ring2", [2, 3]), ("ring4", [0, 1, 2, 3])])
def test_context_parallel_logits_equal_one_process(ran, label, ranks):
    folder, expected = ran
    got = zigzag_unshard([torch.load(folder / f"logits.{label}.{r}.pt") for r in ranks], dim=1)
    assert (got - expected).abs().max().item() <= 1e-4


def test_context_parallel_refuses_linear_layers_and_visual_tokens(ran):
    folder, _ = ran
    for rank in range(4):
        assert "context_parallel_group" in (folder / f"refused.{rank}.txt").read_text()
        assert "visual_tokens" in (folder / f"refused-visual.{rank}.txt").read_text()


def test_context_parallel_needs_torch_distributed():
    config = GlyphLMConfig(vocab_size=32, hidden_size=32, num_attention_heads=2, num_key_value_heads=1,
                           num_hidden_layers=1, num_experts=0, intermediate_size=32)
    with pytest.raises(ModelInputError, match="not initialised"):
        GlyphLMForCausalLM(config)(torch.randint(0, 32, (1, 8)), context_parallel_group=object())
