"""The `glyphctx ask` verb: one document, one question, the answer with what it cost and where time went."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from glyphctx.errors import GlyphctxError

STAGES = ("extract", "normalise", "render", "tokens", "encode", "generate")


def ask(
    source: str = typer.Argument(..., help="A document (.txt .md .pdf), or - for stdin."),
    question: str = typer.Argument(..., help="The question to answer from the document."),
    pipeline: str = typer.Option("tiny", "--pipeline", "-P", help="Pipeline preset name or YAML file."),
    text_baseline: bool = typer.Option(False, "--text-baseline", help="Also answer from the plain text with the "
                                       "same model and show both answers side by side."),
    max_new_tokens: Optional[int] = typer.Option(None, "--max-new-tokens", "-n", min=1,
                                                 help="Longest answer, in tokens (default: the pipeline's)."),
    pages: Optional[str] = typer.Option(None, "--pages", help="PDF page range, e.g. 1-10 or 1,3,5-."),
    password: Optional[str] = typer.Option(None, "--password", help="Password for encrypted PDFs."),
) -> None:
    """Answer a question about a document from its rendered pages; print the token budget and timings."""
    from glyphctx.pipeline import ContextTooLongError, Pipeline

    out = Console(width=None if sys.stdout.isatty() else 160)
    err = Console(stderr=True, width=None if sys.stderr.isatty() else 160)
    from transformers.utils import logging as transformers_logging

    transformers_logging.disable_progress_bar()  # a weights-loading bar would land between the answer lines
    document = source if source == "-" else Path(source)
    try:
        chosen = Pipeline.load(pipeline)
        if source == "-":  # stdin can be read once: load it here so both paths see the same text
            from glyphctx.sources import load_document

            document = load_document("-", pages=pages, password=password)
        visual = chosen.ask(document, question, max_new_tokens=max_new_tokens, pages=pages, password=password)
        baseline, baseline_error = None, None
        if text_baseline:
            try:
                baseline = chosen.ask_text(document, question, max_new_tokens=max_new_tokens, pages=pages,
                                           password=password)
            except ContextTooLongError as exc:  # the point of the comparison: say so, do not fail
                baseline_error = exc
    except GlyphctxError as exc:
        err.print(f"[red]error:[/red] {escape(str(exc))}", highlight=False, soft_wrap=True)
        raise typer.Exit(2)

    for warning in visual.warnings:
        err.print(f"[yellow]warning:[/yellow] {escape(warning)}", highlight=False, soft_wrap=True)
    if not text_baseline:
        out.print(f"answer: {visual.text}", highlight=False, markup=False, soft_wrap=True)
    else:
        table = Table(title=f"{escape(visual.model)}: {escape(question)}", title_justify="left")
        table.add_column("")
        table.add_column("pages (visual tokens)")
        table.add_column("plain text (text tokens)")
        text_answer = baseline.text if baseline else f"does not fit: {baseline_error.needed:,} positions > " \
                                                     f"window {baseline_error.window:,}"
        table.add_row("answer", escape(visual.text), escape(text_answer))
        table.add_row("document tokens", f"{visual.visual_tokens:,} visual", f"{visual.text_tokens:,} text")
        table.add_row("positions", f"{visual.input_tokens:,} of {visual.window:,}",
                      f"{baseline.input_tokens:,} of {baseline.window:,}" if baseline else
                      f"{baseline_error.needed:,} of {baseline_error.window:,}")
        table.add_row("generate", f"{visual.timings.get('generate', 0.0):.2f} s",
                      f"{baseline.timings.get('generate', 0.0):.2f} s" if baseline else "-")
        out.print(table)
    out.print(f"budget: {visual.text_tokens:,} text tokens -> {visual.visual_tokens:,} visual tokens "
              f"({visual.ratio:.2f}x) on {visual.pages} page{'' if visual.pages == 1 else 's'}; "
              f"{visual.input_tokens:,} of {visual.window:,} positions", highlight=False)
    stages = [f"{stage} {visual.timings[stage]:.3f} s" for stage in STAGES if stage in visual.timings]
    out.print(f"timings: {', '.join(stages)}; total {visual.seconds:.2f} s", highlight=False)
