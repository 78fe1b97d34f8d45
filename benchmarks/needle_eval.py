"""Needle in a haystack on a page-reading checkpoint: plain text (baseline) against visual tokens.

Facts are planted at each depth of held-out documents of each length (glyphctx.evaluate.needle) and
asked back from the plain text, from the page images, and (for a reader) from its transcription.
Prints one Markdown table: accuracy per (length, depth) for each route, and the text tokens, visual
tokens and ratio each length costs; documents past a route's window show as "too long".

    glyphctx train --preset tiny-qa --corpus BOOKS/ -o runs/tiny-qa
    python benchmarks/needle_eval.py runs/tiny-qa/final --corpus BOOKS/ [--text-model DIR] [--threads 1]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

SHARED_TEXTS = Path(__file__).resolve().parents[1] / ".." / "shared" / "corpus" / "text"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("checkpoint", help="a reader checkpoint or run folder, or a local transformers VLM folder")
    parser.add_argument("--corpus", action="append", help="books; the last chapter of each is the haystack "
                        "(default: the shared novels)")
    parser.add_argument("--depths", default="0,0.25,0.5,0.75,1")
    parser.add_argument("--lengths", default="1000,2000,4000", help="document lengths in characters")
    parser.add_argument("--trials", type=int, default=1, help="documents per (length, depth)")
    parser.add_argument("--text-model", default=None, help="a local causal-LM folder for the plain-text route")
    parser.add_argument("--max-new-tokens", type=int, default=None, help="default: the model's own (a reader: a line)")
    parser.add_argument("--threads", type=int, default=1, help="CPU threads for torch")
    parser.add_argument("--out", default=None, help="also write needle.json, needle.md and the heat map here")
    parser.add_argument("--json", action="store_true", help="print the result as JSON after the table")
    args = parser.parse_args(argv)

    import torch

    from glyphctx.errors import GlyphctxError
    from glyphctx.evaluate.needle import evaluate_needle
    from glyphctx.evaluate.needle_report import to_markdown, write_needle

    torch.set_num_threads(args.threads)
    corpus = args.corpus or [str(SHARED_TEXTS)]
    started = time.perf_counter()
    try:
        report = evaluate_needle(
            args.checkpoint, corpus, text_model=args.text_model,
            depths=[float(d) for d in args.depths.split(",")], lengths=[int(n) for n in args.lengths.split(",")],
            trials=args.trials, max_new_tokens=args.max_new_tokens,
            on_document=lambda done, total: print(f"document {done}/{total}", file=sys.stderr, flush=True))
        written = write_needle(report, args.out) if args.out else []
    except (GlyphctxError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(to_markdown(report))
    print(f"{len(report.documents)} documents in {time.perf_counter() - started:.1f} s on "
          f"{'cuda' if torch.cuda.is_available() else f'{args.threads} CPU thread(s)'}")
    for path in written:
        print(f"written {path}")
    if args.json:
        print(json.dumps(report.to_dict(), indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
