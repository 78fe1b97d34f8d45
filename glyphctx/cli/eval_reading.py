"""`glyphctx eval reconstruction` and `glyphctx eval needle`: what a page model reads back, and what it finds."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import List, Optional

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from glyphctx.errors import ConfigError, GlyphctxError

_out = Console(width=None if sys.stdout.isatty() else 160)
_err = Console(stderr=True, width=None if sys.stderr.isatty() else 160)

_CHECKPOINT = "A reader checkpoint (or a `glyphctx train` run folder), or a local transformers VLM folder."
_CORPUS = "Text/PDF files or folders; the last chapter of each book is the held-out text."
_OUTPUT = "Folder for the JSON and Markdown reports (default: beside the checkpoint)."


def _fail(exc: GlyphctxError) -> None:
    _err.print(f"[red]error:[/red] {escape(str(exc))}", highlight=False, soft_wrap=True)
    raise typer.Exit(2)


def _numbers(text: str, kind: type, option: str) -> list:
    try:
        values = [kind(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise ConfigError(f"{option}: expected comma-separated {kind.__name__} values, got {text!r}") from None
    if not values:
        raise ConfigError(f"{option}: no values in {text!r}")
    return values


def _folder(output: Optional[Path], checkpoint: Path, name: str) -> Path:
    return output if output is not None else checkpoint.expanduser().resolve().parent / name


def reconstruction(
    checkpoint: Path = typer.Argument(..., help=_CHECKPOINT),
    corpus: List[str] = typer.Option(..., "--corpus", help=_CORPUS),
    lines: int = typer.Option(96, "--lines", help="Held-out lines to read (the ones training scores)."),
    reader_config: str = typer.Option("tiny-reader", "--reader-config",
                                      help="For a VLM: the reader preset or YAML whose render config draws the lines."),
    max_new_tokens: Optional[int] = typer.Option(None, "--max-new-tokens", help="Longest reading of one line."),
    device: Optional[str] = typer.Option(None, "--device", help="cpu, cuda, ... (default: CUDA when present)."),
    output: Optional[Path] = typer.Option(None, "--out", "--output", "-o", help=_OUTPUT),
) -> None:
    """Held-out lines read back: character accuracy, edit distance, word F1, and the token ratio they cost."""
    from glyphctx.evaluate.reconstruction import evaluate_reconstruction

    try:
        report = evaluate_reconstruction(checkpoint, corpus, lines=lines, reader_config=reader_config,
                                         device=device, max_new_tokens=max_new_tokens)
        paths = report.write(_folder(output, checkpoint, "reconstruction"))
    except GlyphctxError as exc:
        _fail(exc)
        return
    table = Table(title=f"reconstruction: {escape(report.model)} ({report.kind})", title_justify="left")
    table.add_column("metric")
    table.add_column("value", justify="right")
    for name, value in report.summary_rows():
        table.add_row(escape(name), value)
    _out.print(table)
    _out.print(f"written {', '.join(escape(str(p)) for p in paths)}", highlight=False, soft_wrap=True)


def needle(
    checkpoint: Path = typer.Argument(..., help=_CHECKPOINT),
    corpus: List[str] = typer.Option(..., "--corpus", help=_CORPUS),
    depths: str = typer.Option("0,0.25,0.5,0.75,1", "--depths", help="Needle depths, 0 = start, 1 = end."),
    lengths: str = typer.Option("1000,2000,4000", "--lengths", help="Document lengths in characters of held-out text."),
    trials: int = typer.Option(1, "--trials", help="Documents per (length, depth), each from further into the text."),
    routes: Optional[str] = typer.Option(None, "--routes",
                                         help="text,visual,transcription (default: all the model has)."),
    text_model: Optional[Path] = typer.Option(None, "--text-model",
                                              help="A local transformers causal-LM folder for the plain-text route."),
    render: Optional[str] = typer.Option(None, "--render", help="For a VLM: render preset or YAML of the pages."),
    max_new_tokens: int = typer.Option(16, "--max-new-tokens", help="Longest answer generated."),
    seed: int = typer.Option(0, "--seed", help="Chooses the facts planted."),
    device: Optional[str] = typer.Option(None, "--device", help="cpu, cuda, ... (default: CUDA when present)."),
    output: Optional[Path] = typer.Option(None, "--out", "--output", "-o", help=_OUTPUT + " Also the heat map PNG."),
) -> None:
    """Facts planted at each depth of documents of each length, asked from text, from pages, and read back."""
    from glyphctx.evaluate.needle import evaluate_needle
    from glyphctx.evaluate.needle_report import comparison_table, write_needle

    try:
        report = evaluate_needle(
            checkpoint, corpus, text_model=text_model, render=render, device=device,
            depths=_numbers(depths, float, "--depths"), lengths=_numbers(lengths, int, "--lengths"), trials=trials,
            routes=_numbers(routes, str, "--routes") if routes else None, max_new_tokens=max_new_tokens, seed=seed,
            on_document=lambda done, total: _err.print(f"document {done}/{total}", highlight=False))
        paths = write_needle(report, _folder(output, checkpoint, "needle"))
    except GlyphctxError as exc:
        _fail(exc)
        return
    header, rows = comparison_table(report)
    table = Table(title=f"needle in a haystack: {escape(report.model)} ({report.kind}); text route: "
                        f"{escape(report.text_model)}", title_justify="left")
    for index, column in enumerate(header):
        table.add_column(column, justify="left" if index < 2 else "right")
    for row in rows:
        table.add_row(*row)
    _out.print(table)
    if report.repeated:
        _err.print("[yellow]warning:[/yellow] the held-out text is shorter than a length; it was repeated",
                   highlight=False)
    found = ", ".join(f"{r} {'-' if a is None else f'{a:.2f}'}" for r in report.routes
                      for a in [report.accuracy(r)])
    _out.print(f"{len(report.documents)} documents; found: {found}; written {', '.join(escape(str(p)) for p in paths)}",
               highlight=False, soft_wrap=True)
