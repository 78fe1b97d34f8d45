#!/usr/bin/env bash
# The command line on a PDF: pages and budget, then a question answered from the pages and, for
# comparison, from the plain text with the same model.
#
#   examples/cli_pdf.sh PAPER.pdf ["question"] [MODEL_FOLDER]
#
# MODEL_FOLDER is a reader checkpoint or a local transformers VLM folder (default: $GLYPHCTX_MODEL, else
# the `tiny` pipeline preset, runs/tiny-reader). Outputs go to ${OUT:-out/cli-pdf}.
set -euo pipefail

pdf=${1:?usage: examples/cli_pdf.sh PAPER.pdf [question] [MODEL_FOLDER]}
question=${2:-"What is this document about?"}
model=${3:-${GLYPHCTX_MODEL:-}}
out=${OUT:-out/cli-pdf}
mkdir -p "$out"

# 1. the pages and their token budget (a table and a summary line)
glyphctx compress "$pdf" -o "$out" --pages 1-

# 2. a pipeline: the tiny preset, or a small YAML file naming the model folder
pipeline=tiny
if [ -n "$model" ]; then
  pipeline="$out/pipeline.yaml"
  printf 'name: example\nmodel: %s\nmax_new_tokens: 16\n' "$model" > "$pipeline"
fi

# 3. the answer, the budget and the timings; both paths side by side
glyphctx ask "$pdf" "$question" --pipeline "$pipeline" --text-baseline --max-new-tokens 16
