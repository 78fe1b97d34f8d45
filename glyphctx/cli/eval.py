"""`glyphctx eval ...`: evaluations of trained checkpoints, one subcommand each."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import List, Optional

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from glyphctx.errors import GlyphctxError

_out = Console(width=None if sys.stdout.isatty() else 160)
_err = Console(stderr=True, width=None if sys.stderr.isatty() else 160)

eval_app = typer.Typer(name="eval", help="Evaluate trained checkpoints on held-out text.", no_args_is_help=True,
                       add_completion=False, pretty_exceptions_enable=False)


@eval_app.command("extrapolation")
def extrapolation(
    checkpoint: Path = typer.Argument(..., help="A run's final/ folder, or a local transformers causal-LM folder."),
    corpus: List[str] = typer.Option(..., "--corpus", help="Text/PDF files or folders; the last chapter of each book is scored."),
    lengths: str = typer.Option("1,2,4", "--lengths", help="Evaluation lengths as multiples of the training context."),
    methods: str = typer.Option("none,linear,ntk,dynamic,yarn", "--methods", help="RoPE scalings to compare."),
    context: Optional[int] = typer.Option(None, "--context", help="Training context (default: from training.json or the config)."),
    max_tokens: int = typer.Option(0, "--max-tokens", help="Cap on held-out tokens (0: all)."),
    batch_size: int = typer.Option(8, "--batch-size", help="Windows per forward pass."),
    output: Optional[Path] = typer.Option(None, "--output", "-o", help="Folder for extrapolation.json/.md (default: beside the checkpoint)."),
) -> None:
    """Held-out perplexity at 1x, 2x, 4x the training context under each RoPE scaling, without fine-tuning."""
    from glyphctx.evaluate.extrapolation import evaluate_extrapolation, parse_methods, parse_multiples, write_result

    try:
        multiples, chosen = parse_multiples(lengths), parse_methods(methods)
        result = evaluate_extrapolation(
            checkpoint, corpus, multiples=multiples, methods=chosen, context=context, max_tokens=max_tokens,
            batch_size=batch_size,
            on_cell=lambda method, length, ppl: _err.print(f"{method} at {length}: perplexity {ppl:.3f}", highlight=False))
        folder = output if output is not None else checkpoint.resolve().parent / "extrapolation"
        json_path, md_path = write_result(result, folder)
    except GlyphctxError as exc:
        _err.print(f"[red]error:[/red] {escape(str(exc))}", highlight=False, soft_wrap=True)
        raise typer.Exit(2)
    table = Table(title=f"held-out perplexity, training context {result.context}", title_justify="left")
    table.add_column("method")
    for length, multiple in zip(result.lengths(), result.multiples):
        table.add_column(f"{length} ({multiple:g}x)", justify="right")
    for method in result.methods:
        table.add_row(method, *(f"{result.perplexity[method][str(n)]:.3f}" for n in result.lengths()))
    _out.print(table)
    _out.print(f"as saved at {result.context}: perplexity {result.as_saved:.3f}; written {escape(str(json_path))}, "
               f"{escape(str(md_path))}", highlight=False)


from glyphctx.cli.eval_reading import needle, reconstruction  # noqa: E402
eval_app.command("reconstruction")(reconstruction)
eval_app.command("needle")(needle)
