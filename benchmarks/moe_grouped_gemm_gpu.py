"""Grouped matmul for MoE dispatch on a GPU: Triton vs torch._grouped_mm vs a per-expert loop.

Routes random tokens top-k over the experts (optionally skewed, so a few experts get most rows),
checks the output and gradients of every method against the fp32 per-expert reference
(`grouped_mm_loop`), stopping with exit status 1 on a mismatch, then times forward and
forward+backward with `triton.testing.do_bench` and prints milliseconds and TFLOP/s per method.
The "loop" baseline is what a MoE layer without a grouped kernel runs: one matmul per expert in
the timed dtype. Without a CUDA device (or under TRITON_INTERPRET=1) it says so and exits with
status 0.

    python benchmarks/moe_grouped_gemm_gpu.py --tokens 4096 --experts 64 --top-k 8 --hidden 2048 --ffn 1408
"""

from __future__ import annotations

import argparse
import sys

import torch

from glyphctx.kernels.backend import interpreting
from glyphctx.kernels.testing import PARITY_TOLERANCE, require_parity

DTYPES = {"bf16": torch.bfloat16, "fp16": torch.float16, "fp32": torch.float32}

#: triton and torch are `grouped_mm` backends; loop is `loop_in_dtype`
METHODS = ("triton", "torch", "loop")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--tokens", type=int, default=4096, help="tokens routed per step")
    p.add_argument("--experts", type=int, default=64, help="number of experts")
    p.add_argument("--top-k", type=int, default=8, help="experts per token")
    p.add_argument("--hidden", type=int, default=2048, help="K: model width")
    p.add_argument("--ffn", type=int, default=1408, help="M: expert FFN width")
    p.add_argument("--dtype", choices=sorted(DTYPES), default="bf16")
    p.add_argument("--skew", type=float, default=0.0, help="router skew: expert e drawn with weight (e+1)^-skew")
    p.add_argument("--methods", default=",".join(METHODS), help=f"comma-separated subset of {', '.join(METHODS)}")
    p.add_argument("--seed", type=int, default=0)
    return p.parse_args(argv)


def make_problem(args: argparse.Namespace, device: torch.device):
    from glyphctx.kernels.moe import permute, sort_by_expert

    gen = torch.Generator(device="cpu").manual_seed(args.seed)
    probs = (torch.arange(args.experts, dtype=torch.float64) + 1) ** -args.skew
    expert_ids = torch.multinomial(probs.expand(args.tokens, -1).float(), args.top_k, generator=gen)
    dtype = DTYPES[args.dtype]
    x_tokens = torch.randn(args.tokens, args.hidden, generator=gen).to(device, dtype)
    w = (torch.randn(args.experts, args.hidden, args.ffn, generator=gen) / args.hidden**0.5).to(device, dtype)
    dispatch = sort_by_expert(expert_ids.to(device), args.experts)
    x = permute(x_tokens, dispatch).contiguous()
    return x, w, dispatch.offs


def loop_in_dtype(x: torch.Tensor, w: torch.Tensor, offs: torch.Tensor) -> torch.Tensor:
    """One matmul per expert in x's dtype: the baseline without a grouped kernel (reads offs on the host)."""
    pieces, start = [], 0
    for expert, end in enumerate(offs.tolist()):
        pieces.append(x[start:end] @ w[expert])
        start = end
    return torch.cat(pieces)


def method_fn(method: str):
    """x, w, offs -> y for one method."""
    if method == "loop":
        return loop_in_dtype
    from glyphctx.kernels.moe import grouped_mm

    return lambda x, w, offs: grouped_mm(x, w, offs, backend=method, validate=False)


def check_parity(name: str, fn, x, w, offs, dy, reference: tuple[torch.Tensor, ...]) -> None:
    """y, dx and dw of one method against the fp32 reference; a mismatch ends the run."""
    xg, wg = x.detach().clone().requires_grad_(), w.detach().clone().requires_grad_()
    y = fn(xg, wg, offs)
    y.backward(dy)
    for what, got, want in zip(("y", "dx", "dw"), (y, xg.grad, wg.grad), reference):
        require_parity(got, want, PARITY_TOLERANCE[x.dtype], f"{name} {what} vs the fp32 per-expert loop")


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if interpreting():
        print("TRITON_INTERPRET is set: this benchmark times compiled kernels; unset it and run on a GPU.")
        return 0
    if not torch.cuda.is_available():
        print("no CUDA device here: nothing to benchmark (the grouped matmul tests run on the CPU instead).")
        return 0
    try:
        import triton.testing
    except ImportError:
        print("triton is not installed: nothing to benchmark.")
        return 0

    from glyphctx.kernels.moe import grouped_mm_loop, torch_grouped_mm_unsupported_reason

    methods = [m for m in args.methods.split(",") if m]
    unknown = sorted(set(methods) - set(METHODS))
    if unknown:
        print(f"unknown methods {unknown}; expected a subset of {', '.join(METHODS)}", file=sys.stderr)
        return 2
    device = torch.device("cuda")
    x, w, offs = make_problem(args, device)
    rows = x.shape[0]
    counts = torch.diff(offs.long(), prepend=offs.new_zeros(1).long()).tolist()
    flops = 2.0 * rows * args.hidden * args.ffn
    print(f"device: {torch.cuda.get_device_name()} | torch {torch.__version__} | triton {triton.__version__}")
    print(
        f"rows {rows} (tokens {args.tokens} x top-{args.top_k}), experts {args.experts}, K {args.hidden}, "
        f"M {args.ffn}, {args.dtype}, rows/expert min {min(counts)} max {max(counts)}"
    )

    dy = torch.randn(rows, args.ffn, device=device, dtype=x.dtype)
    xr, wr = x.detach().float().requires_grad_(), w.detach().float().requires_grad_()
    y_ref = grouped_mm_loop(xr, wr, offs)
    y_ref.backward(dy.float())
    reference = (y_ref.detach(), xr.grad, wr.grad)
    del xr, wr, y_ref

    print(f"{'method':<10}{'fwd ms':>10}{'fwd TFLOP/s':>13}{'fwd+bwd ms':>12}{'fwd+bwd TFLOP/s':>17}")
    for method in methods:
        if method == "torch":
            reason = torch_grouped_mm_unsupported_reason(x, w)
            if reason is not None:  # "torch" would run the fp32 reference loop, which is not what is timed here
                print(f"{method:<10}skipped: {reason}")
                continue
        fn = method_fn(method)
        check_parity(method, fn, x, w, offs, dy, reference)

        xg = x.detach().clone().requires_grad_()
        wg = w.detach().clone().requires_grad_()

        def forward():
            fn(x, w, offs)

        def forward_backward():
            torch.autograd.backward(fn(xg, wg, offs), dy)
            xg.grad = None
            wg.grad = None

        fwd_ms = triton.testing.do_bench(forward)
        both_ms = triton.testing.do_bench(forward_backward)
        print(
            f"{method:<10}{fwd_ms:>10.3f}{flops / fwd_ms / 1e9:>13.1f}"
            f"{both_ms:>12.3f}{3 * flops / both_ms / 1e9:>17.1f}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
