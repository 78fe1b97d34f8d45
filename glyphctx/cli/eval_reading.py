"""`glyphctx eval reconstruction` and `glyphctx eval needle`: what a page model reads back, and what it finds."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from glyphctx.cli import options
from glyphctx.cli.console import err, out, reports_errors, warn
from glyphctx.errors import ConfigError

Checkpoint = Annotated[Path, typer.Argument(
    help="A reader checkpoint (or a `glyphctx train` run folder), or a local transformers VLM folder.")]


def _numbers(text: str, kind: type, option: str) -> list:
    try:
        values = [kind(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise ConfigError(f"{option}: expected comma-separated {kind.__name__} values, got {text!r}") from None
    if not values:
        raise ConfigError(f"{option}: no values in {text!r}")
    return values


def default_folder(output: Path | None, checkpoint: Path, name: str) -> Path:
    """--output, or by default a folder `name` beside the checkpoint, so reports stay with what they score."""
    return output if output is not None else checkpoint.expanduser().resolve().parent / name


@reports_errors
def reconstruction(
    checkpoint: Checkpoint,
    corpus: options.Corpus,
    lines: int = typer.Option(96, "--lines", help="Held-out lines to read (the ones training scores)."),
    reader_config: str = typer.Option("tiny-reader", "--reader-config",
                                      help="For a VLM: the reader preset or YAML whose render config draws the lines."),
    max_new_tokens: options.MaxNewTokens = None,
    device: options.Device = None,
    output: options.Output = None,
) -> None:
    """Held-out lines read back: character accuracy, edit distance, word F1, and the token ratio they cost.

    --output receives the JSON and Markdown reports (default: beside the checkpoint); --max-new-tokens
    bounds the reading of one line.
    """
    from glyphctx.evaluate.reconstruction import evaluate_reconstruction

    report = evaluate_reconstruction(checkpoint, corpus, lines=lines, reader_config=reader_config,
                                     device=device, max_new_tokens=max_new_tokens)
    paths = report.write(default_folder(output, checkpoint, "reconstruction"))
    table = Table(title=f"reconstruction: {escape(report.model)} ({report.kind})", title_justify="left")
    table.add_column("metric")
    table.add_column("value", justify="right")
    for name, value in report.summary_rows():
        table.add_row(escape(name), value)
    out.print(table)
    out.print(f"written {', '.join(escape(str(p)) for p in paths)}", highlight=False, soft_wrap=True)


@reports_errors
def needle(
    checkpoint: Checkpoint,
    corpus: options.Corpus,
    depths: str = typer.Option("0,0.25,0.5,0.75,1", "--depths", help="Needle depths, 0 = start, 1 = end."),
    lengths: str = typer.Option("1000,2000,4000", "--lengths", help="Document lengths in characters of held-out text."),
    trials: int = typer.Option(1, "--trials", help="Documents per (length, depth), each from further into the text."),
    routes: str | None = typer.Option(None, "--routes", help="text,visual,transcription (default: all the model has)."),
    text_model: Path | None = typer.Option(None, "--text-model",
                                           help="A local transformers causal-LM folder for the plain-text route."),
    render: str | None = typer.Option(None, "--render", help="For a VLM: render preset or YAML of the pages."),
    max_new_tokens: options.MaxNewTokens = None,
    seed: options.Seed = 0,
    device: options.Device = None,
    output: options.Output = None,
) -> None:
    """Facts planted at each depth of documents of each length, asked from text, from pages, and read back.

    --output receives the JSON and Markdown reports and the heat map PNG (default: beside the
    checkpoint); --seed chooses the facts planted.
    """
    from glyphctx.evaluate.needle import evaluate_needle
    from glyphctx.evaluate.needle_report import comparison_table, write_needle

    report = evaluate_needle(
        checkpoint, corpus, text_model=text_model, render=render, device=device,
        depths=_numbers(depths, float, "--depths"), lengths=_numbers(lengths, int, "--lengths"), trials=trials,
        routes=_numbers(routes, str, "--routes") if routes else None, max_new_tokens=max_new_tokens, seed=seed,
        on_document=lambda done, total: err.print(f"document {done}/{total}", highlight=False))
    paths = write_needle(report, default_folder(output, checkpoint, "needle"))
    header, rows = comparison_table(report)
    table = Table(title=f"needle in a haystack: {escape(report.model)} ({report.kind}); text route: "
                        f"{escape(report.text_model)}", title_justify="left")
    for index, column in enumerate(header):
        table.add_column(column, justify="left" if index < 2 else "right")
    for row in rows:
        table.add_row(*row)
    out.print(table)
    if report.repeated:
        warn("the held-out text is shorter than a length; it was repeated")
    found = ", ".join(f"{r} {'-' if a is None else f'{a:.2f}'}" for r in report.routes
                      for a in [report.accuracy(r)])
    out.print(f"{len(report.documents)} documents; found: {found}; written {', '.join(escape(str(p)) for p in paths)}",
              highlight=False, soft_wrap=True)
