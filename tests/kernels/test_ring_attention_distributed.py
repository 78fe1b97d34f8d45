"""Ring attention over 2 and 4 gloo processes equals single-process attention on the whole sequence.

Each test spawns its processes once and runs several cases in them (process start-up dominates
the cost). Children shard the full inputs in zigzag layout, run forward and backward, and save
their shards; the parent reassembles them and compares with the float32 reference.
"""

from __future__ import annotations

import socket
import sys
from pathlib import Path

import pytest
import torch
import torch.multiprocessing as mp

from glyphctx.kernels.ring_attention import naive_attention, zigzag_unshard
from glyphctx.kernels.testing import rms_ratio

sys.path.insert(0, str(Path(__file__).parent))
from ring_attention_workers import ring_case_worker  # noqa: E402

FIELDS = ("out", "lse", "dq", "dk", "dv")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def write_case(folder: Path, name: str, *, batch: int, q_heads: int, kv_heads: int, seq: int, head_dim: int,
               causal: bool, backend: str, groups: list[list[int]] | None = None) -> dict:
    """Save one case's full-length inputs for the children; return the reference results."""
    gen = torch.Generator().manual_seed(len(name) * 1000 + seq)
    case = {
        "q": torch.randn(batch, q_heads, seq, head_dim, generator=gen),
        "k": torch.randn(batch, kv_heads, seq, head_dim, generator=gen),
        "v": torch.randn(batch, kv_heads, seq, head_dim, generator=gen),
        "dout": torch.randn(batch, q_heads, seq, head_dim, generator=gen),
        "causal": causal,
        "backend": backend,
        "groups": groups,
    }
    torch.save(case, folder / f"{name}.pt")
    q, k, v = (case[key].clone().requires_grad_() for key in ("q", "k", "v"))
    out, lse = naive_attention(q, k, v, causal=causal)
    out.backward(case["dout"])
    return {"out": out.detach(), "lse": lse.detach(), "dq": q.grad, "dk": k.grad, "dv": v.grad}


def check_case(folder: Path, name: str, label: str, ring_size: int, expected: dict) -> None:
    shards = [torch.load(folder / f"{name}.{label}.rank{r}.pt") for r in range(ring_size)]
    for field in FIELDS:
        got = zigzag_unshard([shard[field] for shard in shards])
        max_err = float((got - expected[field]).abs().max())
        ratio = rms_ratio(got, expected[field])
        assert max_err <= 1e-5 or ratio <= 1e-3, f"{name} {label} {field}: max {max_err:.2e}, rms ratio {ratio:.2e}"


def spawn_ring(world_size: int, folder: Path, names: list[str]) -> None:
    mp.spawn(ring_case_worker, args=(world_size, free_port(), str(folder), names), nprocs=world_size, join=True)


@pytest.mark.timeout(150)
def test_two_process_ring_matches_single_process(tmp_path):
    cases = {
        "causal_gqa_torch": dict(batch=2, q_heads=4, kv_heads=2, seq=36, head_dim=60, causal=True, backend="torch"),
        "full_torch": dict(batch=1, q_heads=2, kv_heads=2, seq=20, head_dim=32, causal=False, backend="torch"),
        "causal_gqa_triton": dict(batch=1, q_heads=2, kv_heads=1, seq=44, head_dim=60, causal=True, backend="triton"),
        "full_triton": dict(batch=1, q_heads=2, kv_heads=1, seq=20, head_dim=24, causal=False, backend="triton"),
    }
    expected = {name: write_case(tmp_path, name, **spec) for name, spec in cases.items()}
    spawn_ring(2, tmp_path, list(cases))
    for name in cases:
        check_case(tmp_path, name, "all", 2, expected[name])


@pytest.mark.timeout(150)
def test_four_process_ring_matches_single_process(tmp_path):
    cases = {
        "causal_gqa": dict(batch=2, q_heads=4, kv_heads=1, seq=48, head_dim=60, causal=True, backend="torch"),
        "full": dict(batch=1, q_heads=3, kv_heads=3, seq=24, head_dim=16, causal=False, backend="torch"),
        # two independent rings of two inside the four processes: ranks are group ranks there
        "pairs": dict(batch=1, q_heads=2, kv_heads=2, seq=16, head_dim=8, causal=True, backend="torch",
                      groups=[[0, 2], [1, 3]]),
    }
    expected = {name: write_case(tmp_path, name, **spec) for name, spec in cases.items()}
    spawn_ring(4, tmp_path, list(cases))
    check_case(tmp_path, "causal_gqa", "all", 4, expected["causal_gqa"])
    check_case(tmp_path, "full", "all", 4, expected["full"])
    for label in ("g0", "g1"):
        check_case(tmp_path, "pairs", label, 2, expected["pairs"])
