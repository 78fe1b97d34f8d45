"""Timings of the Triton attention block kernels against PyTorch SDPA on one CUDA GPU.

Forward alone and forward + backward, through `flash_attention` (the ring's block kernels on one
device) and `torch.nn.functional.scaled_dot_product_attention`, with `triton.testing.do_bench`
(median ms). Before timing a case it checks the output and the gradients of `flash_attention`
against float32 SDPA and stops with exit status 1 on a mismatch: a wrong kernel's timings mean
nothing. On a machine without a CUDA device, or under TRITON_INTERPRET=1, it says so and exits
with status 0.

    python benchmarks/ring_attention_gpu.py
    python benchmarks/ring_attention_gpu.py --dtype float16 --seqs 2048 8192 --head-dims 64 128
"""

from __future__ import annotations

import argparse
import sys

import torch
import torch.nn.functional as F

from glyphctx.kernels.backend import interpreting
from glyphctx.kernels.testing import PARITY_TOLERANCE, require_parity

DTYPES = {"bfloat16": torch.bfloat16, "float16": torch.float16, "float32": torch.float32}


def attention_flops(batch: int, heads: int, seq: int, head_dim: int, causal: bool, backward: bool) -> float:
    """Matmul FLOPs: 2 matmuls forward, 5 backward (incl. the recomputed scores), halved if causal."""
    forward = 4.0 * batch * heads * seq * seq * head_dim
    total = forward * (3.5 if backward else 1.0)
    return total / 2 if causal else total


def check_parity(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, dout: torch.Tensor, causal: bool) -> None:
    """Output and gradients of the Triton block kernels against float32 SDPA; a mismatch ends the run."""
    from glyphctx.kernels.ring_attention import flash_attention

    leaves = [t.detach().clone().requires_grad_() for t in (q, k, v)]
    out = flash_attention(*leaves, causal=causal, backend="triton")
    out.backward(dout)
    group = q.shape[1] // k.shape[1]
    ref_leaves = [t.detach().float().requires_grad_() for t in (q, k, v)]
    qf, kf, vf = ref_leaves
    ref = F.scaled_dot_product_attention(qf, kf.repeat_interleave(group, 1), vf.repeat_interleave(group, 1),
                                         is_causal=causal)
    ref.backward(dout.float())
    case = f"seq {q.shape[2]}, head dim {q.shape[3]}, causal {causal}"
    for name, got, want in zip(("out", "dq", "dk", "dv"), [out] + [t.grad for t in leaves],
                               [ref] + [t.grad for t in ref_leaves]):
        require_parity(got, want, PARITY_TOLERANCE[q.dtype], f"triton {name} vs float32 SDPA ({case})")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dtype", choices=sorted(DTYPES), default="bfloat16")
    parser.add_argument("--batch", type=int, default=4)
    parser.add_argument("--heads", type=int, default=16)
    parser.add_argument("--kv-heads", type=int, default=None, help="default: --heads (no GQA)")
    parser.add_argument("--seqs", type=int, nargs="+", default=[1024, 4096, 8192])
    parser.add_argument("--head-dims", type=int, nargs="+", default=[64, 128])
    args = parser.parse_args()

    if not torch.cuda.is_available():
        print("ring_attention_gpu: no CUDA device on this machine; nothing to time (the Triton kernels "
              "are tested on the CPU by tests/kernels/test_ring_attention_triton.py).")
        return 0
    if interpreting():
        print("ring_attention_gpu: TRITON_INTERPRET is set, and this benchmark times compiled kernels; "
              "nothing to time. Unset it.")
        return 0

    import triton.testing

    from glyphctx.kernels.ring_attention import flash_attention

    dtype = DTYPES[args.dtype]
    kv_heads = args.kv_heads or args.heads
    print(f"device: {torch.cuda.get_device_name()}, dtype {args.dtype}, batch {args.batch}, "
          f"heads {args.heads}/{kv_heads} (q/kv)")
    print(f"{'seq':>6} {'dim':>4} {'causal':>6} | {'fwd triton':>10} {'fwd sdpa':>9} | "
          f"{'f+b triton':>10} {'f+b sdpa':>9} | {'TFLOP/s fwd, f+b (triton)':>26}")
    for seq in args.seqs:
        for head_dim in args.head_dims:
            for causal in (False, True):
                shape_q = (args.batch, args.heads, seq, head_dim)
                shape_kv = (args.batch, kv_heads, seq, head_dim)
                q = torch.randn(shape_q, device="cuda", dtype=dtype, requires_grad=True)
                k = torch.randn(shape_kv, device="cuda", dtype=dtype, requires_grad=True)
                v = torch.randn(shape_kv, device="cuda", dtype=dtype, requires_grad=True)
                dout = torch.randn(shape_q, device="cuda", dtype=dtype)
                gqa = args.heads != kv_heads
                check_parity(q, k, v, dout, causal)

                def ours():
                    return flash_attention(q, k, v, causal=causal, backend="triton")

                def sdpa():
                    return F.scaled_dot_product_attention(q, k, v, is_causal=causal, enable_gqa=gqa)

                with torch.no_grad():
                    fwd_ours = triton.testing.do_bench(ours)
                    fwd_sdpa = triton.testing.do_bench(sdpa)
                both_ours = triton.testing.do_bench(lambda: ours().backward(dout), grad_to_none=[q, k, v])
                both_sdpa = triton.testing.do_bench(lambda: sdpa().backward(dout), grad_to_none=[q, k, v])
                tf_fwd = attention_flops(args.batch, args.heads, seq, head_dim, causal, False) / fwd_ours / 1e9
                tf_both = attention_flops(args.batch, args.heads, seq, head_dim, causal, True) / both_ours / 1e9
                print(f"{seq:>6} {head_dim:>4} {str(causal):>6} | {fwd_ours:>8.3f}ms {fwd_sdpa:>7.3f}ms | "
                      f"{both_ours:>8.3f}ms {both_sdpa:>7.3f}ms | {tf_fwd:>12.1f}, {tf_both:.1f}")
                q = k = v = dout = None  # free the device memory before the next shape
    return 0


if __name__ == "__main__":
    sys.exit(main())
