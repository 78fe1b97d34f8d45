"""How many text tokens one visual token carries, per preset, with and without reflow.

For each text and preset, compresses the text twice in one process (reflow on and off) and prints
pages, Tekken text tokens, visual tokens of the chosen VLM profile, the ratio (text tokens per visual
token: the plain-text path is the baseline) and the gain that reflow brings: the visual tokens the
document takes without reflow over those it takes with it. (Reflow changes the text that is counted:
hard line breaks become spaces, so the two ratios have different numerators and their quotient is not
the gain; the document is the same, so its visual tokens are comparable.)

    python benchmarks/compression_ratio.py [TEXT ...] [--presets default,glyph-like] [--profile qwen2.5-vl]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import glyphctx
from glyphctx.tokens import get_profile, load_tokenizer

SHARED_TEXTS = Path(__file__).resolve().parents[1] / ".." / "shared" / "corpus" / "text"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("texts", nargs="*", type=Path, help="text files (default: the shared novels)")
    parser.add_argument("--presets", default="default,glyph-like", help="comma-separated presets")
    parser.add_argument("--profile", default="qwen2.5-vl")
    args = parser.parse_args(argv)
    texts = args.texts or sorted(SHARED_TEXTS.glob("*.txt"))
    if not texts:
        print(f"no texts given and none found in {SHARED_TEXTS}", file=sys.stderr)
        return 1
    tokenizer, profile = load_tokenizer(), get_profile(args.profile)
    print(f"profile {profile.name}, tokenizer {tokenizer.name}; ratio = text tokens / visual tokens")
    print(f"{'text':24} {'preset':12} {'reflow':>6} {'pages':>6} {'text tok':>9} {'visual tok':>10} {'ratio':>6} "
          f"{'reflow gain':>11}")
    for path in texts:
        for preset in args.presets.split(","):
            visual = {}
            for reflow in (False, True):
                result = glyphctx.compress(path, config=preset, reflow=reflow, profile=profile, tokenizer=tokenizer)
                visual[reflow] = result.budget.visual_tokens
                gain = f"{visual[False] / visual[True]:.2f}x" if reflow else ""
                print(
                    f"{path.stem[:24]:24} {preset:12} {'on' if reflow else 'off':>6} {len(result.pages):6d} "
                    f"{result.budget.text_tokens:9,d} {result.budget.visual_tokens:10,d} {result.ratio:6.2f} {gain:>11}"
                )
    return 0


if __name__ == "__main__":
    sys.exit(main())
