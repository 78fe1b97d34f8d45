"""Grouped matmul for MoE dispatch on a GPU: Triton vs torch._grouped_mm vs the per-expert loop.

Routes random tokens top-k over the experts (optionally skewed, so a few experts get most rows),
checks every backend against the loop, then times forward and forward+backward with
`triton.testing.do_bench` and prints milliseconds and TFLOP/s per backend. Without a CUDA device
(or under TRITON_INTERPRET=1) it says so and exits with status 0.

    python benchmarks/moe_grouped_gemm_gpu.py --tokens 4096 --experts 64 --top-k 8 --hidden 2048 --ffn 1408
"""

from __future__ import annotations

import argparse
import os
import sys

import torch

DTYPES = {"bf16": torch.bfloat16, "fp16": torch.float16, "fp32": torch.float32}


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--tokens", type=int, default=4096, help="tokens routed per step")
    p.add_argument("--experts", type=int, default=64, help="number of experts")
    p.add_argument("--top-k", type=int, default=8, help="experts per token")
    p.add_argument("--hidden", type=int, default=2048, help="K: model width")
    p.add_argument("--ffn", type=int, default=1408, help="M: expert FFN width")
    p.add_argument("--dtype", choices=sorted(DTYPES), default="bf16")
    p.add_argument("--skew", type=float, default=0.0, help="router skew: expert e drawn with weight (e+1)^-skew")
    p.add_argument("--backends", default="triton,torch_grouped_mm,loop", help="comma-separated backends to time")
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


def rms_ratio(actual: torch.Tensor, expected: torch.Tensor) -> float:
    a, b = actual.double(), expected.double()
    return float((a - b).pow(2).mean().sqrt() / b.pow(2).mean().sqrt())


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if os.environ.get("TRITON_INTERPRET", "0") not in ("", "0"):
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

    from glyphctx.kernels.moe import grouped_mm, torch_grouped_mm_unsupported_reason

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

    reference = grouped_mm(x, w, offs, backend="loop")
    dy = torch.randn_like(reference)
    backends = [b for b in args.backends.split(",") if b]
    print(f"{'backend':<18}{'rms vs loop':>12}{'fwd ms':>10}{'fwd TFLOP/s':>13}{'fwd+bwd ms':>12}{'fwd+bwd TFLOP/s':>17}")
    for backend in backends:
        if backend == "torch_grouped_mm":
            reason = torch_grouped_mm_unsupported_reason(x, w)
            if reason is not None:
                print(f"{backend:<18}skipped: {reason}")
                continue
        y = grouped_mm(x, w, offs, backend=backend, validate=False)
        err = rms_ratio(y, reference)

        xg = x.detach().clone().requires_grad_()
        wg = w.detach().clone().requires_grad_()

        def forward():
            grouped_mm(x, w, offs, backend=backend, validate=False)

        def forward_backward():
            out = grouped_mm(xg, wg, offs, backend=backend, validate=False)
            torch.autograd.backward(out, dy)
            xg.grad = None
            wg.grad = None

        fwd_ms = triton.testing.do_bench(forward)
        both_ms = triton.testing.do_bench(forward_backward)
        print(
            f"{backend:<18}{err:>12.2e}{fwd_ms:>10.3f}{flops / fwd_ms / 1e9:>13.1f}"
            f"{both_ms:>12.3f}{3 * flops / both_ms / 1e9:>17.1f}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
