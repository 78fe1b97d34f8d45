"""How the Ray Data ingest job scales from 1 to 2 CPUs, and what Ray costs per document.

Generates a collection of plain-text documents (paragraphs of a novel shuffled into documents of a few
pages each), then times, each in a fresh process pinned to that many cores with a fresh output folder:

  loop   1 CPU   glyphctx.compress_many.compress_many, the in-process loop behind `glyphctx compress`
  ray    1 CPU   glyphctx.pipelines.ingest(workers=1), an embedded Ray with num_cpus=1
  ray    2 CPUs  glyphctx.pipelines.ingest(workers=2), an embedded Ray with num_cpus=2
  two plain loops side by side, one per core, half the documents each: the machine's own 2-CPU
  speed-up at that moment, the ceiling for Ray's (other programs on a shared machine lower it)

Every run first processes a few warm-up documents (not timed, other files, same process): for the
loop that loads the tokenizer and fonts, for Ray it also starts the worker processes, their imports
and their per-document child processes. Ray's start-up (ray.init plus that warm-up) is reported
apart from the job; the job time is then the 200 documents alone, so job time / documents is the
cost per document. Encoding is off by default so that all three
runs do the same work (`--encode` adds the encoder stage to the Ray runs only, for information).

    python benchmarks/ingest_scaling.py [--documents 200] [--paragraphs 30 90] [--text PATH] [--encode] [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

WARM_UP_PER_CPU = 4
DEFAULT_TEXT = Path(__file__).resolve().parents[1] / "tests" / "data" / "pride-and-prejudice-ch1.txt"


def make_collection(folder: Path, documents: int, text_path: Path, seed: int = 0,
                    paragraphs: tuple[int, int] = (30, 90)) -> None:
    """`documents` text files of 30-90 shuffled paragraphs each by default (3-13 KB, one to three pages)."""
    texts = [p.strip() for p in text_path.read_text(encoding="utf-8", errors="replace").split("\n\n") if p.strip()]
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    for number in range(documents):
        chosen = [rng.choice(texts) for _ in range(rng.randint(*paragraphs))]
        (folder / f"doc-{number:04d}.txt").write_text("\n\n".join(chosen), encoding="utf-8")


def _child(mode: str, cores: list[int], inputs: list[str], warm_up: str, output: str, encode: bool) -> dict:
    """One timed run, in this process pinned to `cores`."""
    os.sched_setaffinity(0, set(cores))
    cpus = len(cores)
    if mode == "loop":
        from glyphctx.compress_many import compress_many, totals

        started = time.perf_counter()
        compress_many([warm_up], output + "-warm-up")
        startup = time.perf_counter() - started
        started = time.perf_counter()
        rows = compress_many(inputs, output)
        seconds = time.perf_counter() - started
        summary = totals(rows)
        return {"seconds": seconds, "startup": startup, "documents": summary["ok"], "pages": summary["pages"],
                "failed": summary["failed"]}
    from glyphctx.pipelines import ingest
    from glyphctx.pipelines.ray_runtime import start_ray

    started = time.perf_counter()
    handle = start_ray(num_cpus=cpus)
    ingest([warm_up], output + "-warm-up", workers=cpus, encode=encode)
    startup = time.perf_counter() - started
    report = ingest(inputs, output, workers=cpus, encode=encode)
    handle.shutdown()
    return {"seconds": report.seconds, "startup": startup, "documents": report.totals["ok"],
            "pages": report.totals["pages"], "failed": report.totals["failed"]}


def start(mode: str, cores: list[int], inputs: list[Path], warm_up: Path, output: Path,
          encode: bool) -> subprocess.Popen:
    command = [sys.executable, __file__, "--child",
               json.dumps([mode, cores, [str(p) for p in inputs], str(warm_up), str(output), encode])]
    return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def result_of(process: subprocess.Popen) -> dict:
    stdout, stderr = process.communicate()
    if process.returncode != 0:
        sys.stderr.write(stderr[-4000:])
        raise SystemExit(f"a timed run failed with status {process.returncode}")
    return json.loads(stdout.strip().splitlines()[-1])


def run(mode: str, cpus: int, inputs: list[Path], warm_up: Path, output: Path, encode: bool) -> dict:
    return result_of(start(mode, list(range(cpus)), inputs, warm_up, output, encode))


def two_loops(files: list[Path], warm_up: Path, work: Path) -> float:
    """Documents/s of two plain loops side by side, one per core, on half the files each: what the
    two CPUs give at this moment with no Ray at all (other programs on the machine included)."""
    halves = [files[0::2], files[1::2]]
    processes = [start("loop", [core], half, warm_up, work / f"out-two-loops-{core}", False)
                 for core, half in enumerate(halves)]
    results = [result_of(p) for p in processes]
    return len(files) / max(r["seconds"] for r in results)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=int, default=200)
    parser.add_argument("--text", type=Path, default=DEFAULT_TEXT)
    parser.add_argument("--paragraphs", type=int, nargs=2, default=(30, 90), metavar=("MIN", "MAX"),
                        help="paragraphs per document (default 30 90: one to three pages)")
    parser.add_argument("--encode", action="store_true", help="also run the encoder stage in the Ray runs")
    parser.add_argument("--keep", type=Path, help="work in this folder and keep it")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(_child(*json.loads(args.child))))
        return
    if len(os.sched_getaffinity(0)) < 2:
        raise SystemExit("needs at least 2 CPUs")
    work = args.keep or Path(tempfile.mkdtemp(prefix="ingest-scaling-"))
    inputs = work / "collection"
    make_collection(inputs, args.documents, args.text, paragraphs=tuple(args.paragraphs))
    warm_up = work / "warm-up"
    make_collection(warm_up, 2 * WARM_UP_PER_CPU, args.text, seed=1, paragraphs=tuple(args.paragraphs))
    size = sum(p.stat().st_size for p in inputs.iterdir())
    print(f"collection: {args.documents} text documents, {size / 1e6:.2f} MB, in {inputs}")

    results = {}
    for label, mode, cpus in (("loop, 1 CPU", "loop", 1), ("ray, 1 CPU", "ray", 1), ("ray, 2 CPUs", "ray", 2)):
        results[label] = result = run(mode, cpus, [inputs], warm_up, work / f"out-{mode}-{cpus}",
                                      args.encode and mode == "ray")
        if result["failed"] or result["documents"] != args.documents:
            raise SystemExit(f"{label}: {result['failed']} failed, {result['documents']} done")
        print(f"{label:12}  {result['documents'] / result['seconds']:7.2f} documents/s  "
              f"{result['pages'] / result['seconds']:8.2f} pages/s  job {result['seconds']:6.2f} s  "
              f"(+ start-up and warm-up {result['startup']:.2f} s)  {result['pages']} pages", flush=True)

    loop, ray1, ray2 = results["loop, 1 CPU"], results["ray, 1 CPU"], results["ray, 2 CPUs"]
    per_doc_loop = loop["seconds"] / args.documents
    per_doc_ray = ray1["seconds"] / args.documents
    ceiling = two_loops(sorted(inputs.iterdir()), warm_up, work)
    loop_rate = args.documents / loop["seconds"]
    print(f"reference: two plain loops side by side, one per core: {ceiling:.2f} documents/s "
          f"({ceiling / loop_rate:.2f}x of one loop: what the 2 CPUs give right now)")
    print(f"scaling 1 -> 2 CPUs (ray): {ray1['seconds'] / ray2['seconds']:.2f}x")
    print(f"per document at 1 CPU: loop {per_doc_loop * 1000:.1f} ms, ray {per_doc_ray * 1000:.1f} ms "
          f"({per_doc_ray / per_doc_loop:.2f}x; Ray adds {(per_doc_ray - per_doc_loop) * 1000:.1f} ms a document, "
          f"start-up not included)")


if __name__ == "__main__":
    main()
