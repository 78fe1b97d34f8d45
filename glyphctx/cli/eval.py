"""`glyphctx eval ...`: evaluations of trained checkpoints, one subcommand each."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from glyphctx.cli import options
from glyphctx.cli.console import err, out, reports_errors
from glyphctx.cli.eval_reading import default_folder, needle, reconstruction
from glyphctx.cli.group import group


@reports_errors
def extrapolation(
    checkpoint: Annotated[
        Path, typer.Argument(help="A run's final/ folder, or a local transformers causal-LM folder.")
    ],
    corpus: options.Corpus,
    lengths: str = typer.Option("1,2,4", "--lengths", help="Evaluation lengths as multiples of the training context."),
    methods: str = typer.Option("none,linear,ntk,dynamic,yarn", "--methods", help="RoPE scalings to compare."),
    context: int | None = typer.Option(
        None, "--context", help="Training context (default: from training.json or the config)."
    ),
    max_tokens: int = typer.Option(0, "--max-tokens", help="Cap on held-out tokens (0: all)."),
    batch_size: int = typer.Option(8, "--batch-size", help="Windows per forward pass."),
    output: options.Output = None,
) -> None:
    """Held-out perplexity at 1x, 2x, 4x the training context under each RoPE scaling, without fine-tuning.

    --output receives extrapolation.json and .md (default: beside the checkpoint).
    """
    from glyphctx.evaluate.extrapolation import (
        evaluate_extrapolation,
        parse_methods,
        parse_multiples,
        write_result,
    )

    multiples, chosen = parse_multiples(lengths), parse_methods(methods)
    result = evaluate_extrapolation(
        checkpoint, corpus, multiples=multiples, methods=chosen, context=context, max_tokens=max_tokens,
        batch_size=batch_size,
        on_cell=lambda method, length, ppl: err.print(f"{method} at {length}: perplexity {ppl:.3f}", highlight=False))
    json_path, md_path = write_result(result, default_folder(output, checkpoint, "extrapolation"))
    table = Table(title=f"held-out perplexity, training context {result.context}", title_justify="left")
    table.add_column("method")
    for length, multiple in zip(result.lengths(), result.multiples):
        table.add_column(f"{length} ({multiple:g}x)", justify="right")
    for method in result.methods:
        table.add_row(method, *(f"{result.perplexity[method][str(n)]:.3f}" for n in result.lengths()))
    out.print(table)
    out.print(f"as saved at {result.context}: perplexity {result.as_saved:.3f}; written {escape(str(json_path))}, "
              f"{escape(str(md_path))}", highlight=False)


eval_app = group("Evaluate trained checkpoints on held-out text.", {
    "extrapolation": extrapolation,
    "reconstruction": reconstruction,
    "needle": needle,
})
