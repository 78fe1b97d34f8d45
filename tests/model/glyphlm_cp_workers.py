"""Code run inside the processes the context-parallel test spawns.

The test forks the children (they inherit the imported modules, which saves seconds each). The model and
the full input come in through a file in the test's temporary folder; each rank saves the logits of its
zigzag shard for the parent to compare. One spawn of four processes covers both ring sizes: all four
ranks, then two rings of two.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path


def context_parallel_worker(rank: int, world_size: int, port: int, folder: str) -> None:
    os.environ["MASTER_ADDR"] = "127.0.0.1"
    os.environ["MASTER_PORT"] = str(port)
    import torch
    import torch.distributed as dist

    from glyphctx.kernels.ring_attention import zigzag_shard
    from glyphctx.model import GlyphLMConfig, GlyphLMForCausalLM, ModelInputError

    torch.set_num_threads(1)
    dist.init_process_group("gloo", rank=rank, world_size=world_size, timeout=timedelta(seconds=60))
    out = Path(folder)
    try:
        case = torch.load(out / "case.pt")
        model = GlyphLMForCausalLM(GlyphLMConfig(**case["config"])).eval()
        model.load_state_dict(case["state"])
        pairs, _ = dist.new_subgroups_by_enumeration([[0, 1], [2, 3]])
        for label, group in (("ring4", dist.group.WORLD), ("ring2", pairs)):
            ring_rank, ring_size = dist.get_rank(group), dist.get_world_size(group)
            ids = zigzag_shard(case["input_ids"], ring_rank, ring_size, dim=1)
            with torch.no_grad():
                logits = model(ids, context_parallel_group=group).logits
            torch.save(logits, out / f"logits.{label}.{rank}.pt")

        hybrid = GlyphLMForCausalLM(GlyphLMConfig(**dict(case["config"], layer_types=["linear", "full"])))
        try:
            hybrid(case["input_ids"][:, :8], context_parallel_group=dist.group.WORLD)
        except ModelInputError as exc:
            (out / f"refused.{rank}.txt").write_text(str(exc))
        visual = GlyphLMForCausalLM(GlyphLMConfig(**dict(case["config"], vision_hidden_size=8)))
        try:
            visual(case["input_ids"][:, :8], visual_tokens=torch.randn(2, 3, 8), context_parallel_group=pairs)
        except ModelInputError as exc:
            (out / f"refused-visual.{rank}.txt").write_text(str(exc))
    finally:
        dist.destroy_process_group()
