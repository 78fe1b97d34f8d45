"""Peak memory per rank of ring attention (forward + backward) against one process, on the CPU.

Every measurement runs in a fresh process: inputs (q, k, v, the output gradient) are created after
the baseline is taken, then one forward and one backward run. Two meters, both reported:

* live tensor bytes: a TorchDispatchMode sees every tensor an aten op returns and a weakref on its
  storage sees it freed, so the peak is the most tensor memory alive at once (inputs, outputs,
  saved activations, communication buffers, gradients, score tiles);
* RSS: peak resident set (VmHWM, reset through /proc/self/clear_refs) minus the resident set just
  before the inputs are made, with glibc told to return every large free to the system.

The single-process baseline is the same blockwise attention (online softmax over 128 x 128 score
tiles, never the full score matrix) on the whole sequence, i.e. `flash_attention`; PyTorch's own
CPU flash SDPA is measured as a second baseline. Ring shards are made directly on each rank.

    python benchmarks/ring_attention_memory.py                # 4 ranks, causal, seq 8192
    python benchmarks/ring_attention_memory.py --world 2 --no-causal
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import tempfile
import weakref
from datetime import timedelta
from pathlib import Path

import torch
import torch.multiprocessing as mp
from torch.utils._python_dispatch import TorchDispatchMode
from torch.utils._pytree import tree_flatten

MIB = 2**20


class LiveTensorBytes(TorchDispatchMode):
    """Current and peak bytes of tensor storages created while the mode is active."""

    def __init__(self):
        super().__init__()
        self._sizes: dict[int, int] = {}
        self.current = 0
        self.peak = 0

    def _freed(self, key: int) -> None:
        self.current -= self._sizes.pop(key)

    def _track(self, tensor: torch.Tensor) -> None:
        storage = tensor.untyped_storage()
        key, size = storage.data_ptr(), storage.nbytes()
        if size == 0 or key in self._sizes:
            return
        self._sizes[key] = size
        self.current += size
        self.peak = max(self.peak, self.current)
        weakref.finalize(storage, self._freed, key)

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        result = func(*args, **(kwargs or {}))
        for item in tree_flatten(result)[0]:
            if isinstance(item, torch.Tensor):
                self._track(item)
        return result


def _status_kib(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise RuntimeError(f"{field} not in /proc/self/status")


def _reset_peak_rss() -> None:
    Path("/proc/self/clear_refs").write_text("5")


def _run_once(mode: str, shape: dict, rank: int, world: int, group) -> None:
    """Create this process's inputs, then forward and backward."""
    from glyphctx.kernels.ring_attention import flash_attention, ring_attention

    b, hq, hkv, d = shape["batch"], shape["heads"], shape["kv_heads"], shape["head_dim"]
    seq = shape["seq"] // world
    gen = torch.Generator().manual_seed(rank)
    q = torch.randn(b, hq, seq, d, generator=gen).requires_grad_()
    k = torch.randn(b, hkv, seq, d, generator=gen).requires_grad_()
    v = torch.randn(b, hkv, seq, d, generator=gen).requires_grad_()
    dout = torch.randn(b, hq, seq, d, generator=gen)
    if mode == "ring":
        out = ring_attention(q, k, v, causal=shape["causal"], group=group, backend="torch")
    elif mode == "single":
        out = flash_attention(q, k, v, causal=shape["causal"], backend="torch")
    else:
        with torch.nn.attention.sdpa_kernel(torch.nn.attention.SDPBackend.FLASH_ATTENTION):
            out = torch.nn.functional.scaled_dot_product_attention(q, k, v, is_causal=shape["causal"],
                                                                   enable_gqa=hq != hkv)
    out.backward(dout)


def measure(rank: int, world: int, port: int, mode: str, shape: dict, folder: str) -> None:
    """One process of a measurement; writes its figures to folder/rank.json."""
    torch.set_num_threads(max(1, (os.cpu_count() or 1) // world))
    group = None
    if mode == "ring":
        import torch.distributed as dist

        os.environ.update(MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port))
        dist.init_process_group("gloo", rank=rank, world_size=world, timeout=timedelta(seconds=600))
        group = dist.group.WORLD
    # Warm-up on a tiny problem, meter on: first-call set-up (of the ops, of gloo, of the dispatch
    # mode itself, about 120 MiB of RSS) must not count as attention memory.
    with LiveTensorBytes():
        _run_once(mode, dict(shape, seq=16 * world, batch=1), rank, world, group)
    rss_before = _status_kib("VmRSS")
    _reset_peak_rss()
    meter = LiveTensorBytes()
    with meter:
        _run_once(mode, shape, rank, world, group)
    rss_peak = _status_kib("VmHWM")
    figures = {"tensor_peak": meter.peak, "rss_peak": (rss_peak - rss_before) * 1024}
    Path(folder, f"{rank}.json").write_text(json.dumps(figures))
    if group is not None:
        import torch.distributed as dist

        dist.barrier()
        dist.destroy_process_group()


def run(mode: str, world: int, shape: dict) -> list[dict]:
    with tempfile.TemporaryDirectory() as folder, socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
        sock.close()
        mp.spawn(measure, args=(world, port, mode, shape, folder), nprocs=world, join=True)
        return [json.loads(Path(folder, f"{r}.json").read_text()) for r in range(world)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--world", type=int, default=4, help="ranks in the ring")
    parser.add_argument("--seq", type=int, default=8192, help="total sequence length")
    parser.add_argument("--batch", type=int, default=1)
    parser.add_argument("--heads", type=int, default=8)
    parser.add_argument("--kv-heads", type=int, default=None, help="default: --heads")
    parser.add_argument("--head-dim", type=int, default=128)
    parser.add_argument("--causal", action=argparse.BooleanOptionalAction, default=True)
    args = parser.parse_args()
    args.kv_heads = args.kv_heads or args.heads
    if args.seq % (2 * args.world):
        parser.error(f"--seq must be a multiple of 2 * --world = {2 * args.world}")
    # Large frees go straight back to the system, so RSS follows live memory.
    os.environ.setdefault("MALLOC_MMAP_THRESHOLD_", str(128 * 1024))
    shape = dict(seq=args.seq, batch=args.batch, heads=args.heads, kv_heads=args.kv_heads,
                 head_dim=args.head_dim, causal=args.causal)
    tensor_mib = args.batch * args.heads * args.seq * args.head_dim * 4 / MIB
    print(f"shape: {shape}; one full-length float32 q-sized tensor = {tensor_mib:.1f} MiB")

    single = run("single", 1, shape)[0]
    sdpa = run("sdpa", 1, shape)[0]
    ring = run("ring", args.world, shape)
    worst = {key: max(r[key] for r in ring) for key in ("tensor_peak", "rss_peak")}
    print(f"{'run':<34}{'tensor peak MiB':>16}{'RSS peak MiB':>14}")
    print(f"{'1 process, flash_attention':<34}{single['tensor_peak'] / MIB:>16.1f}{single['rss_peak'] / MIB:>14.1f}")
    print(f"{'1 process, torch SDPA (flash)':<34}{sdpa['tensor_peak'] / MIB:>16.1f}{sdpa['rss_peak'] / MIB:>14.1f}")
    for rank, r in enumerate(ring):
        label = f"ring of {args.world}, rank {rank}"
        print(f"{label:<34}{r['tensor_peak'] / MIB:>16.1f}{r['rss_peak'] / MIB:>14.1f}")
    for key, name in (("tensor_peak", "live tensor bytes"), ("rss_peak", "RSS")):
        print(f"peak per rank / single process ({name}): {worst[key] / single[key]:.3f} "
              f"(vs torch SDPA: {worst[key] / sdpa[key]:.3f})")


if __name__ == "__main__":
    main()
