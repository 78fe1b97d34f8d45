"""GPU benchmark: the Triton chunk kernel against causal softmax attention and flash-linear-attention.

For each sequence length, times with triton.testing.do_bench (milliseconds, median):
  triton     glyphctx linear attention, Triton chunk kernels (per-head decay)
  sdpa-flash torch scaled_dot_product_attention, is_causal=True, flash backend
  fla        flash-linear-attention's chunk kernel (fla.ops chunk_simple_gla, same per-head decay),
             only when the `fla` package is importable
each forward only and forward + backward. Before timing it checks, at the shortest length, the
Triton outputs and gradients against the float32 PyTorch chunked path (and against fla when
present), and the decode kernel against the naive recurrence: a compiled kernel that disagrees
makes its timings meaningless, so a mismatch stops the run with exit status 1.

Needs a CUDA GPU and compiled kernels; on a machine without one, or under TRITON_INTERPRET=1, it
says so and exits (status 0) without measuring.

    python benchmarks/linear_attention_gpu.py
    python benchmarks/linear_attention_gpu.py --lengths 4096 16384 --batch 1 --heads 32 --dim 128
"""

from __future__ import annotations

import argparse
import importlib.util
import inspect
import sys
from collections.abc import Callable

import torch
import torch.nn.functional as F

from glyphctx.kernels.backend import interpreting
from glyphctx.kernels.linear_attention import (
    chunk_linear_attention_torch,
    linear_attention,
    linear_attention_decode,
    naive_recurrent_linear_attention,
)
from glyphctx.kernels.testing import PARITY_TOLERANCE, require_parity


def _fla_chunk() -> Callable | None:
    """fla's chunk kernel with per-head decay, adapted to [B, T, H, D] and decay rates, or None."""
    if importlib.util.find_spec("fla") is None:
        return None
    try:
        from fla.ops.simple_gla import chunk_simple_gla
    except ImportError as exc:  # an fla without simple_gla, or one that fails to import here
        print(f"fla is installed but chunk_simple_gla cannot be imported ({exc}); skipping it", file=sys.stderr)
        return None
    params = inspect.signature(chunk_simple_gla).parameters

    def run(q, k, v, rates, scale):
        kwargs = {"scale": scale}
        if "head_first" in params:  # older releases default to [B, H, T, D]
            kwargs["head_first"] = False
        if "g_gamma" in params:  # one log-decay per head
            kwargs["g_gamma"] = -rates
        else:  # per-token log-decay [B, T, H]
            kwargs["g"] = (-rates).to(q.dtype).expand(q.shape[0], q.shape[1], q.shape[2]).contiguous()
        return chunk_simple_gla(q, k, v, **kwargs)[0]

    return run


def _check_parity(q, k, v, rates, scale, fla_chunk: Callable | None) -> None:
    """Triton chunk kernels (outputs, gradients) and decode kernel against float32 references."""
    tol = PARITY_TOLERANCE[q.dtype]
    do = torch.randn_like(v)
    leaves = [x.detach().clone().requires_grad_() for x in (q, k, v)]
    o, _ = linear_attention(*leaves, rates, scale=scale, backend="triton")
    o.backward(do)
    ref_leaves = [x.detach().float().requires_grad_() for x in (q, k, v)]
    o_ref, _ = chunk_linear_attention_torch(*ref_leaves, rates, scale)
    o_ref.backward(do.float())
    for name, got, want in zip(("o", "dq", "dk", "dv"), [o] + [x.grad for x in leaves],
                               [o_ref] + [x.grad for x in ref_leaves]):
        ratio = require_parity(got, want, tol, f"triton {name} vs torch chunked (float32), T={q.shape[1]}")
        print(f"parity: triton {name} vs torch chunked, rms ratio {ratio:.2e}")
    if fla_chunk is not None:
        ratio = require_parity(o, fla_chunk(q, k, v, rates, scale), tol, f"triton o vs fla, T={q.shape[1]}")
        print(f"parity: triton o vs fla, rms ratio {ratio:.2e}")

    B, _, H, D = q.shape
    state = torch.randn(B, H, D, D, device=q.device) * 0.1
    with torch.no_grad():
        o1, s1 = linear_attention_decode(q[:, :3], k[:, :3], v[:, :3], rates, scale=scale, initial_state=state,
                                         backend="triton")
    o1_ref, s1_ref = naive_recurrent_linear_attention(q[:, :3], k[:, :3], v[:, :3], rates, scale, state)
    require_parity(o1, o1_ref, tol, "triton decode o vs naive recurrence")
    require_parity(s1, s1_ref, tol, "triton decode state vs naive recurrence")
    print("parity: triton decode vs naive recurrence ok")


def _sdpa_flash(q, k, v):
    from torch.nn.attention import SDPBackend, sdpa_kernel

    with sdpa_kernel(SDPBackend.FLASH_ATTENTION):
        return F.scaled_dot_product_attention(q, k, v, is_causal=True)


def _bench(fn: Callable[[], torch.Tensor], backward: bool, grads: list[torch.Tensor]) -> float | None:
    from triton.testing import do_bench

    if backward:
        out = fn()
        grad_out = torch.randn_like(out)

        def step():
            fn().backward(grad_out)

        run = step
    else:
        run = fn
    try:
        return do_bench(run, warmup=25, rep=100, grad_to_none=grads if backward else None)
    except (RuntimeError, torch.cuda.OutOfMemoryError) as exc:
        print(f"  skipped a case: {str(exc).splitlines()[0]}", file=sys.stderr)
        torch.cuda.empty_cache()
        return None


def _fmt(ms: float | None) -> str:
    return "n/a" if ms is None else f"{ms:.3f}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lengths", type=int, nargs="+", default=[1024, 2048, 4096, 8192, 16384, 32768])
    parser.add_argument("--batch", type=int, default=2)
    parser.add_argument("--heads", type=int, default=16)
    parser.add_argument("--dim", type=int, default=128)
    parser.add_argument("--dtype", choices=["bfloat16", "float16"], default="bfloat16")
    parser.add_argument("--decay", type=float, default=0.01, help="per-head decay rate of the linear methods")
    args = parser.parse_args(argv)

    if not torch.cuda.is_available():
        print("linear_attention_gpu: no CUDA GPU is visible, and this benchmark times GPU kernels; "
              "nothing was measured. Run it on a machine with an NVIDIA GPU.")
        return 0
    if interpreting():
        print("linear_attention_gpu: TRITON_INTERPRET is set, and this benchmark times compiled kernels; "
              "nothing was measured. Unset it.")
        return 0

    dtype = getattr(torch, args.dtype)
    device = torch.device("cuda")
    B, H, D = args.batch, args.heads, args.dim
    scale = D**-0.5
    rates = torch.full((H,), args.decay, device=device)
    fla_chunk = _fla_chunk()
    torch.manual_seed(0)

    # parity first: timings of kernels that disagree with the references would mean nothing
    T0 = min(args.lengths)
    q, k, v = (torch.randn(B, T0, H, D, device=device, dtype=dtype) for _ in range(3))
    _check_parity(q, k, v, rates, scale, fla_chunk)
    q = k = v = None  # free the device memory

    name = torch.cuda.get_device_name(device)
    print(f"\n{name}; B={B} H={H} D={D} {args.dtype}; decay rate {args.decay}; "
          "milliseconds, triton.testing.do_bench median")
    methods = ["triton", "sdpa-flash"] + (["fla"] if fla_chunk is not None else [])
    header = f"{'T':>7} | " + " | ".join(f"{m + ' fwd':>14}" for m in methods) + " | " + " | ".join(
        f"{m + ' fwd+bwd':>18}" for m in methods)
    print(header)
    print("-" * len(header))
    for T in args.lengths:
        q, k, v = (torch.randn(B, T, H, D, device=device, dtype=dtype, requires_grad=True) for _ in range(3))
        qh, kh, vh = (x.detach().transpose(1, 2).contiguous().requires_grad_() for x in (q, k, v))
        fns = {
            "triton": (lambda: linear_attention(q, k, v, rates, scale=scale, backend="triton")[0], [q, k, v]),
            "sdpa-flash": (lambda: _sdpa_flash(qh, kh, vh), [qh, kh, vh]),
        }
        if fla_chunk is not None:
            fns["fla"] = (lambda: fla_chunk(q, k, v, rates, scale), [q, k, v])
        forward, both = [], []
        for method in methods:
            fn, leaves = fns[method]
            with torch.no_grad():
                forward.append(_bench(fn, False, leaves))
            both.append(_bench(fn, True, leaves))
        print(f"{T:>7} | " + " | ".join(f"{_fmt(ms):>14}" for ms in forward) + " | "
              + " | ".join(f"{_fmt(ms):>18}" for ms in both))
        q = k = v = qh = kh = vh = fns = None  # free the device memory before the next length
        torch.cuda.empty_cache()

    # one decoding step: a single new token against a carried state
    from triton.testing import do_bench

    state = torch.zeros(B, H, D, D, device=device)
    q1, k1, v1 = (torch.randn(B, 1, H, D, device=device, dtype=dtype) for _ in range(3))
    with torch.no_grad():
        ms = do_bench(lambda: linear_attention_decode(q1, k1, v1, rates, scale=scale, initial_state=state,
                                                      backend="triton"), warmup=25, rep=100)
    print(f"\ndecode step (1 token, Triton recurrent kernel, B={B} H={H} D={D}): {ms * 1e3:.1f} us")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
