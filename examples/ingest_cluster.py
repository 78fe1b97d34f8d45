"""A batch job: ingest a collection on a Ray cluster, then ask every document the same questions.

    python examples/ingest_cluster.py CORPUS OUT [--address ray://head:10001] [--no-encode]
        [--model FOLDER] [-q QUESTION]...

The cluster is `--address`, else RAY_ADDRESS; when neither is given, or the head does not answer, the
job runs on an embedded local Ray instead. On a cluster every worker must see CORPUS, OUT and the model
folder at the same paths (a shared file system). Writes OUT/<document>/ folders, OUT/index.parquet and,
with a model, OUT/answers.parquet; exits 1 when some documents or answers failed (the CLI's exit codes).
"""

import argparse
import os
import socket
import sys
from urllib.parse import urlparse

from glyphctx.answering import Pipeline, PipelineConfig
from glyphctx.pipelines import ask_many, ingest
from glyphctx.pipelines.ray_runtime import start_ray


def reachable(address: str, timeout: float = 2.0) -> bool:
    """Whether the Ray head at `address` (ray://host:port or host:port) accepts a connection."""
    parsed = urlparse(address if "://" in address else f"ray://{address}")
    try:
        with socket.create_connection((parsed.hostname, parsed.port or 10001), timeout=timeout):
            return True
    except (OSError, ValueError):
        return False


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", nargs="+", help="files and folders to ingest")
    parser.add_argument("output", help="output folder")
    parser.add_argument("--address", default=os.environ.get("RAY_ADDRESS"), help="Ray cluster (default: RAY_ADDRESS)")
    parser.add_argument("--workers", type=int, default=None, help="documents in flight (local Ray: its CPUs)")
    parser.add_argument("--no-encode", action="store_true", help="pages and index only, no visual tokens")
    parser.add_argument("--model", help="reader checkpoint or transformers VLM folder to answer with")
    parser.add_argument("-q", "--question", action="append", default=[], help="a question (repeatable)")
    args = parser.parse_args()

    address = args.address or None
    if address and address != "auto" and not reachable(address):
        print(f"cannot reach the Ray head at {address}; running on a local Ray instead", file=sys.stderr)
        address = None
    os.environ.pop("RAY_ADDRESS", None)  # the choice is made: the job must not rejoin an unreachable head
    try:
        handle = start_ray(address, num_cpus=args.workers)  # one Ray for both stages; ingest and ask_many join it
    except ConnectionError as exc:  # "auto" with no cluster on this machine
        print(f"no Ray cluster at {address} ({exc}); running on a local Ray instead", file=sys.stderr)
        address, handle = None, start_ray(None, num_cpus=args.workers)
    print(f"Ray: {'cluster ' + address if address else 'local'}, {handle.cpus:g} CPUs, {handle.gpus:g} GPUs")
    try:
        report = ingest(args.corpus, args.output, encode=not args.no_encode, workers=args.workers)
        totals = report.totals
        print(f"ingest: {totals['documents']} documents, {totals['ok']} ok, {totals['failed']} failed; "
              f"{totals['text_tokens']:,} text tokens -> {totals['visual_tokens']:,} visual tokens "
              f"({totals['ratio']:.2f}x) in {report.seconds:.1f} s")
        for row in report.failed:
            print(f"  {row['source']}: [{row['code']}] {row['reason']}", file=sys.stderr)
        failed = bool(report.failed)
        if args.model:
            questions = args.question or ["What is this document about?"]
            pipeline = Pipeline(PipelineConfig(model=args.model, max_new_tokens=16))
            answers = ask_many(pipeline, args.output, questions, os.path.join(args.output, "answers.parquet"))
            print(f"answers: {answers.totals['ok']} ok, {answers.totals['failed']} failed -> {answers.output}")
            for row in answers.rows:
                shown = row["answer"] if row["status"] == "ok" else f"[{row['code']}] {row['reason']}"
                print(f"  {row['document']}: {row['question']} -> {shown}")
            failed = failed or bool(answers.failed)
    finally:
        handle.shutdown()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
