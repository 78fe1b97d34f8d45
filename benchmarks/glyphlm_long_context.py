"""Peak memory and time of one GlyphLM forward at 32k tokens on the CPU: hybrid against all-softmax.

Both models are the glyphlm-tiny preset; "hybrid" keeps its layer types (three linear-attention
layers to one softmax layer), "softmax" makes every layer softmax attention. Each variant runs in a
fresh process, so its peak resident memory (ru_maxrss) is its own; the figure reported is the peak
during the forward minus the resident memory just before it. The forward is a prefill: no grad, a
cache built (keys/values for softmax layers, states for linear ones), logits for the last position.

    python benchmarks/glyphlm_long_context.py [--tokens 32768] [--threads 2] [--repeats 2]
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time


def _rss_mib() -> float:
    with open("/proc/self/statm") as f:
        pages = int(f.read().split()[1])
    return pages * resource.getpagesize() / 2**20


def run_variant(variant: str, tokens: int, threads: int, repeats: int) -> dict:
    import torch

    from glyphctx.model import GlyphLMForCausalLM, load_config

    torch.set_num_threads(threads)
    overrides = {} if variant == "hybrid" else {"layer_types": ["full_attention"] * 4}
    config = load_config("glyphlm-tiny", **overrides)
    model = GlyphLMForCausalLM(config).eval()
    ids = torch.randint(0, config.vocab_size, (1, tokens), generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        model(ids[:, :256], logits_to_keep=1)  # warm-up: allocator, kernels
    times = []
    before = _rss_mib()
    for _ in range(repeats):
        start = time.perf_counter()
        with torch.no_grad():
            out = model(ids, use_cache=True, logits_to_keep=1)
        times.append(time.perf_counter() - start)
        del out
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    return {"variant": variant, "layer_types": config.layer_types, "tokens": tokens, "threads": threads,
            "seconds": min(times), "peak_mib": peak - before, "rss_before_mib": before}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tokens", type=int, default=32768)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--variant", choices=["hybrid", "softmax"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.variant:
        print(json.dumps(run_variant(args.variant, args.tokens, args.threads, args.repeats)))
        return
    rows = []
    for variant in ("hybrid", "softmax"):
        cmd = [sys.executable, __file__, "--variant", variant, "--tokens", str(args.tokens),
               "--threads", str(args.threads), "--repeats", str(args.repeats)]
        done = subprocess.run(cmd, capture_output=True, text=True)
        if done.returncode:
            sys.exit(f"{variant} failed:\n{done.stderr[-2000:]}")
        rows.append(json.loads(done.stdout.strip().splitlines()[-1]))
    print(f"glyphlm-tiny forward at {args.tokens} tokens, CPU, {args.threads} threads, best of {args.repeats}")
    print(f"{'variant':<8} {'layers':<28} {'time s':>8} {'peak MiB':>9} {'tok/s':>9}")
    for row in rows:
        layers = "".join("L" if t == "linear_attention" else "S" for t in row["layer_types"])
        print(f"{row['variant']:<8} {layers:<28} {row['seconds']:>8.2f} {row['peak_mib']:>9.1f} "
              f"{row['tokens'] / row['seconds']:>9.0f}")
    hybrid, softmax = rows
    print(f"hybrid / softmax: time x{hybrid['seconds'] / softmax['seconds']:.2f}, "
          f"peak memory x{hybrid['peak_mib'] / max(softmax['peak_mib'], 1e-9):.2f}")


if __name__ == "__main__":
    main()
