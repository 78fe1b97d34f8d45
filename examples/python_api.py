"""The Python API in notebook-sized steps: a pipeline, its pages and budget, then questions answered.

    python examples/python_api.py [DOCUMENT] [--model FOLDER] [--question TEXT]

FOLDER is a GlyphLM reader checkpoint or a local transformers VLM folder; without one the `tiny`
pipeline preset is used (runs/tiny-reader, made by `glyphctx train --preset tiny-reader`). Without a
DOCUMENT a short passage is used. Each `# %%` block runs on its own in an editor that knows cells.
"""

# %% Imports and arguments
import argparse

import glyphctx
from glyphctx.answering import ContextTooLongError, PipelineConfig

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("document", nargs="?", help="a .txt, .md or .pdf file")
parser.add_argument("--model", help="reader checkpoint or transformers VLM folder (default: the tiny preset)")
parser.add_argument("--question", default="Who has taken Netherfield Park?")
args = parser.parse_args()

PASSAGE = (
    "It is a truth universally acknowledged, that a single man in possession of a good fortune must be in want "
    "of a wife. Netherfield Park is let at last: Mrs. Long says that it is taken by a young man of large "
    "fortune from the north of England, Mr. Bingley, who came down on Monday to see the place.\n"
) * 4
document = args.document or PASSAGE

# %% A pipeline: a preset by name, or the parts spelled out
if args.model:
    pipeline = glyphctx.Pipeline(PipelineConfig(model=args.model, max_new_tokens=16))
else:
    pipeline = glyphctx.Pipeline.from_preset("tiny")
print(pipeline)

# %% Pages and their budget, before any model runs
result = pipeline.compress(document)
print(f"{len(result.pages)} pages of {result.pages[0].size[0]}x{result.pages[0].size[1]} px; "
      f"{result.budget.text_tokens} text tokens -> {result.budget.visual_tokens} visual tokens ({result.ratio:.2f}x) "
      f"as {result.budget.profile} counts them")

# %% Visual tokens from the pipeline's encoder
encoded = pipeline.encode(document)
print(f"encoded: {encoded.visual_tokens} visual tokens, {tuple(encoded.tokens[0].shape)} on page 1")

# %% A question answered from the pages, and the same question from the plain text
answer = pipeline.ask(document, args.question)
print(f"answer: {answer.text!r}")
print(f"budget: {answer.text_tokens} text tokens -> {answer.visual_tokens} visual tokens ({answer.ratio:.2f}x); "
      f"{answer.input_tokens} of {answer.window} positions")
print("timings: " + ", ".join(f"{stage} {seconds:.3f} s" for stage, seconds in answer.timings.items()))
try:
    plain = pipeline.ask_text(document, args.question)
    print(f"plain text: {plain.text!r} from {plain.input_tokens} positions")
except ContextTooLongError as exc:  # the plain text may not fit where the pages do
    print(f"plain text: does not fit ({exc.needed} positions, window {exc.window})")
