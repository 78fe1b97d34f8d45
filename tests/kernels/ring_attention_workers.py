"""Code run inside the processes that the ring attention tests spawn.

Spawned children import this module by name (the tests put this folder on sys.path, which
`torch.multiprocessing.spawn` passes on). Inputs come in and results go out through files in the
test's temporary folder, so the parent does every comparison.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path


def ring_case_worker(rank: int, world_size: int, port: int, folder: str, case_names: list[str]) -> None:
    """Join a gloo group, run ring attention forward and backward on each case, save the shards.

    A case file holds full-length q, k, v, dout, `causal`, `backend`, and `groups`: None to ring
    over every process, or a partition of the ranks into rings that each run the case on their own.
    """
    # gloo rings run on CPU tensors, which only the interpreter takes: on, whatever the parent chose,
    # before this process first imports the kernels
    os.environ["TRITON_INTERPRET"] = "1"
    os.environ["MASTER_ADDR"] = "127.0.0.1"
    os.environ["MASTER_PORT"] = str(port)
    import torch
    import torch.distributed as dist

    from glyphctx.kernels.ring_attention import ring_attention, zigzag_shard

    torch.set_num_threads(1)
    dist.init_process_group("gloo", rank=rank, world_size=world_size, timeout=timedelta(seconds=60))
    try:
        for name in case_names:
            case = torch.load(Path(folder) / f"{name}.pt")
            if case["groups"] is None:
                group, label = dist.group.WORLD, "all"
            else:
                group, _ = dist.new_subgroups_by_enumeration(case["groups"])
                label = f"g{next(i for i, ranks in enumerate(case['groups']) if rank in ranks)}"
            ring_rank, ring_size = dist.get_rank(group), dist.get_world_size(group)
            shard = {key: zigzag_shard(case[key], ring_rank, ring_size) for key in ("q", "k", "v", "dout")}
            q, k, v = (shard[key].clone().requires_grad_() for key in ("q", "k", "v"))
            out, lse = ring_attention(q, k, v, causal=case["causal"], group=group, backend=case["backend"],
                                      return_lse=True)
            out.backward(shard["dout"])
            result = {"out": out.detach(), "lse": lse, "dq": q.grad, "dk": k.grad, "dv": v.grad}
            torch.save(result, Path(folder) / f"{name}.{label}.rank{ring_rank}.pt")
    finally:
        dist.destroy_process_group()
