"""Evaluations per minute of the layout search on Ray with 1 worker against 2 workers.

Scores the same candidates (the shipped presets, then seeded random genomes) on the same training
sample of the corpus, reading pages back with Tesseract, once on a local Ray with 1 CPU and once with
2. Each pool is warmed first (one evaluation per worker, untimed) so start-up and per-process loading
of the tokenizer and oracle are not counted. Also checks that both runs give identical scores. The load
average is printed beside each rate: other work on the machine takes CPU from the second worker, and the
speed-up means little without it.

    python benchmarks/search_parallel.py [--corpus PATH] [--candidates N] [--sample-chars N] [--pages-read N]
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from pathlib import Path

from glyphctx.common.corpus import load_chapters, sample_text, split_train_held_out
from glyphctx.errors import GlyphctxError
from glyphctx.pipelines.search_pool import RayPool
from glyphctx.render.config import RenderConfig
from glyphctx.search.candidates import GenomeEvaluator
from glyphctx.search.fitness import EvalTask, ReaderSpec
from glyphctx.search.genome import GENOME_LENGTH, encode
from glyphctx.search.run import seed_configs

DEFAULT_CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "text"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", default=str(DEFAULT_CORPUS))
    parser.add_argument("--candidates", type=int, default=16)
    parser.add_argument("--sample-chars", type=int, default=20000)
    parser.add_argument("--pages-read", type=int, default=1)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    try:
        train, _ = split_train_held_out(load_chapters([args.corpus]))
    except GlyphctxError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    task = EvalTask(sample_text(train, args.sample_chars, args.seed), reader=ReaderSpec("tesseract"),
                    pages_read=args.pages_read)
    evaluator = GenomeEvaluator(task, RenderConfig())
    rng = random.Random(args.seed)
    genomes = [encode(c) for c in seed_configs()]
    genomes += [[rng.random() for _ in range(GENOME_LENGTH)] for _ in range(max(0, args.candidates - len(genomes)))]
    genomes = genomes[:args.candidates]
    warm_up = [[rng.random() for _ in range(GENOME_LENGTH)] for _ in range(2)]

    rates, results = {}, {}
    for workers in (1, 2):
        with RayPool(workers=workers) as pool:
            pool.map(evaluator, warm_up[:workers])
            started = time.perf_counter()
            records = pool.map(evaluator, genomes)
            seconds = time.perf_counter() - started
        rates[workers] = 60.0 * len(genomes) / seconds
        results[workers] = [(r["key"], r["ratio"], r["fidelity"]) for r in records]
        print(f"{workers} worker(s): {len(genomes)} evaluations in {seconds:.1f} s = "
              f"{rates[workers]:.1f} evaluations/min "
              f"(machine: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} at the end)", flush=True)
    print(f"speed-up 2 vs 1 workers: {rates[2] / rates[1]:.2f}x; identical scores: {results[1] == results[2]}")
    return 0 if results[1] == results[2] else 1


if __name__ == "__main__":
    sys.exit(main())
