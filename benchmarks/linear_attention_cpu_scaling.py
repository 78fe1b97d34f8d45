"""CPU scaling: chunked causal linear attention against softmax attention (SDPA, is_causal=True).

For each sequence length and method, a fresh Python subprocess builds the inputs, runs the forward
pass once while watching its peak resident memory, then times further forward passes:

  time    best wall time over at least --repeats forward passes (after the measured first one),
          repeated until --min-time seconds are spent; no autograd. The best run is the one least
          disturbed by other processes on a shared machine; the median is printed beside it.
  memory  how far the process's peak RSS (getrusage ru_maxrss) rose above its peak just before
          the first forward pass: what the pass itself needed on top of its inputs, allocator
          overhead included. A fresh process per case keeps one case's freed memory from
          hiding the next case's peak.

Prints a table, the linear/SDPA speed ratio per length, and the log-log slope of time against T
for each method (1 for linear growth, 2 for quadratic).

    python benchmarks/linear_attention_cpu_scaling.py                 # T = 2k, 8k, 32k; B=1, H=8, D=64
    python benchmarks/linear_attention_cpu_scaling.py --lengths 1024 4096 --repeats 5
"""

from __future__ import annotations

import argparse
import json
import math
import resource
import statistics
import subprocess
import sys
import time

METHODS = ("linear", "sdpa")


def _peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # Linux reports KiB


def run_case(
    method: str, length: int, batch: int, heads: int, dim: int, chunk_size: int, repeats: int,
    min_time: float, decay: float,
) -> dict:
    """One measurement, meant to run in its own process (see module docstring)."""
    import torch
    import torch.nn.functional as F

    from glyphctx.kernels.linear_attention import linear_attention

    torch.manual_seed(0)
    if method == "linear":
        shape = (batch, length, heads, dim)  # linear_attention's layout [B, T, H, D]
        q, k, v = (torch.randn(shape) for _ in range(3))
        rates = torch.full((heads,), decay)

        def forward():
            return linear_attention(q, k, v, rates, chunk_size=chunk_size, backend="torch")[0]
    elif method == "sdpa":
        shape = (batch, heads, length, dim)  # SDPA's layout [B, H, T, D]
        q, k, v = (torch.randn(shape) for _ in range(3))

        def forward():
            return F.scaled_dot_product_attention(q, k, v, is_causal=True)
    else:
        raise SystemExit(f"unknown method {method!r}; expected one of {METHODS}")

    with torch.no_grad():
        before = _peak_rss_mib()
        start = time.perf_counter()
        out = forward()
        first = time.perf_counter() - start
        peak_extra = _peak_rss_mib() - before
        del out
        times = []
        while len(times) < repeats or (sum(times) < min_time and len(times) < 100):
            start = time.perf_counter()
            forward()
            times.append(time.perf_counter() - start)
    return {
        "method": method,
        "length": length,
        "seconds": min(times),
        "median_seconds": statistics.median(times),
        "runs": len(times),
        "first_seconds": first,
        "peak_extra_mib": peak_extra,
        "threads": torch.get_num_threads(),
    }


def _slope(lengths: list[int], seconds: list[float]) -> float:
    """Least-squares slope of log(seconds) against log(length)."""
    xs = [math.log(n) for n in lengths]
    ys = [math.log(s) for s in seconds]
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sum((x - mx) ** 2 for x in xs)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lengths", type=int, nargs="+", default=[2048, 8192, 32768])
    parser.add_argument("--batch", type=int, default=1)
    parser.add_argument("--heads", type=int, default=8)
    parser.add_argument("--dim", type=int, default=64)
    parser.add_argument("--chunk-size", type=int, default=64)
    parser.add_argument("--decay", type=float, default=0.01, help="per-head decay rate for linear attention")
    parser.add_argument("--repeats", type=int, default=3, help="timed runs at least")
    parser.add_argument("--min-time", type=float, default=2.0, help="keep timing until this many seconds are spent")
    parser.add_argument("--case", nargs=2, metavar=("METHOD", "LENGTH"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.repeats < 1:
        parser.error("--repeats must be at least 1")

    if args.case:
        method, length = args.case[0], int(args.case[1])
        print(json.dumps(run_case(method, length, args.batch, args.heads, args.dim, args.chunk_size,
                                  args.repeats, args.min_time, args.decay)))
        return 0

    results: dict[tuple[str, int], dict] = {}
    for length in args.lengths:
        for method in METHODS:
            cmd = [sys.executable, __file__, "--case", method, str(length),
                   "--batch", str(args.batch), "--heads", str(args.heads), "--dim", str(args.dim),
                   "--chunk-size", str(args.chunk_size), "--repeats", str(args.repeats),
                   "--min-time", str(args.min_time),
                   "--decay", str(args.decay)]
            done = subprocess.run(cmd, capture_output=True, text=True)
            if done.returncode != 0:
                print(done.stderr, file=sys.stderr)
                raise SystemExit(f"case {method} T={length} failed (exit {done.returncode})")
            results[(method, length)] = json.loads(done.stdout.strip().splitlines()[-1])

    threads = results[(METHODS[0], args.lengths[0])]["threads"]
    print(f"causal attention forward on CPU, B={args.batch} H={args.heads} D={args.dim} float32, "
          f"{threads} threads; linear: chunk {args.chunk_size}, decay rate {args.decay}")
    print("time: best (median) of N runs; peak: rise of peak RSS during the first run, fresh process per case")
    header = (f"{'T':>7} | {'linear ms (median)':>19} | {'sdpa ms (median)':>19} | {'sdpa/linear':>11} | "
              f"{'linear peak MiB':>15} | {'sdpa peak MiB':>13}")
    print(header)
    print("-" * len(header))
    for length in args.lengths:
        lin, sd = results[("linear", length)], results[("sdpa", length)]
        lin_ms = f"{lin['seconds'] * 1e3:.1f} ({lin['median_seconds'] * 1e3:.1f})"
        sd_ms = f"{sd['seconds'] * 1e3:.1f} ({sd['median_seconds'] * 1e3:.1f})"
        print(f"{length:>7} | {lin_ms:>19} | {sd_ms:>19} | "
              f"{sd['seconds'] / lin['seconds']:>10.1f}x | {lin['peak_extra_mib']:>15.1f} | "
              f"{sd['peak_extra_mib']:>13.1f}")
    if len(args.lengths) >= 2:
        for method in METHODS:
            slope = _slope(args.lengths, [results[(method, n)]["seconds"] for n in args.lengths])
            print(f"growth exponent (log-log slope of best time vs T), {method}: {slope:.2f}")
    longest = max(args.lengths)
    ratio = results[("sdpa", longest)]["seconds"] / results[("linear", longest)]["seconds"]
    print(f"at T={longest}: linear attention is {ratio:.1f}x faster than SDPA")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
