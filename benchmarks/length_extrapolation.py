"""Held-out perplexity of a trained LM at 1x, 2x, 4x its training context under five RoPE scalings.

No fine-tuning: each scaling (none, linear/PI, NTK-aware, dynamic NTK, YaRN) is applied by
rebuilding the checkpoint's rope_parameters with factor = length multiple and original context =
training context (glyphctx.evaluate.extrapolation). Prints one Markdown table, methods as rows.

    glyphctx train --preset tiny-lm --corpus BOOKS/ -o runs/tiny-lm
    python benchmarks/length_extrapolation.py runs/tiny-lm/final --corpus BOOKS/ [--threads 1]
"""

from __future__ import annotations

import argparse
import json
import sys
import time


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("checkpoint", help="a run's final/ folder or a local transformers causal-LM folder")
    parser.add_argument("--corpus", action="append", required=True, help="books; the last chapter of each is scored")
    parser.add_argument("--lengths", default="1,2,4", help="multiples of the training context")
    parser.add_argument("--methods", default="none,linear,ntk,dynamic,yarn")
    parser.add_argument("--max-tokens", type=int, default=0, help="cap on held-out tokens (0: all)")
    parser.add_argument("--threads", type=int, default=1, help="CPU threads for torch")
    parser.add_argument("--json", action="store_true", help="print the result as JSON after the table")
    args = parser.parse_args(argv)

    import torch

    from glyphctx.errors import GlyphctxError
    from glyphctx.evaluate.extrapolation import evaluate_extrapolation, parse_methods, parse_multiples

    torch.set_num_threads(args.threads)
    started = time.perf_counter()
    try:
        result = evaluate_extrapolation(args.checkpoint, args.corpus, multiples=parse_multiples(args.lengths),
                                        methods=parse_methods(args.methods), max_tokens=args.max_tokens)
    except GlyphctxError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    scored = ", ".join(f"{n}: {result.tokens[str(n)]}" for n in result.lengths())
    print(f"held-out perplexity of {result.checkpoint}, training context {result.context} "
          f"(tokens scored per length {scored}; as saved at 1x: {result.as_saved:.3f}; "
          f"{time.perf_counter() - started:.1f} s)\n")
    print(result.to_markdown())
    if args.json:
        print(json.dumps(result.to_dict(), indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
