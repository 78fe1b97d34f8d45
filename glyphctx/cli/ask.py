"""The `glyphctx ask` verb: one document, one question, the answer with what it cost and where time went."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from glyphctx.cli import options
from glyphctx.cli.console import out, reports_errors, warn
from glyphctx.cli.served import served_config

STAGES = ("extract", "normalise", "render", "tokens", "encode", "generate")


@reports_errors
def ask(
    source: Annotated[str, typer.Argument(help="A document (.txt .md .pdf), or - for stdin.")],
    question: Annotated[str, typer.Argument(help="The question to answer from the document.")],
    pipeline: str = typer.Option("tiny", "--pipeline", "-P", help="Pipeline preset name or YAML file."),
    text_baseline: bool = typer.Option(False, "--text-baseline", help="Also answer from the plain text with the "
                                       "same model and show both answers side by side."),
    max_new_tokens: options.MaxNewTokens = None,
    pages: options.Pages = None,
    password: options.Password = None,
    base_url: options.BaseUrl = None,
    model: options.ServedModelName = None,
    api_key_env: options.ApiKeyEnv = None,
    timeout: options.ServerTimeout = None,
    max_retries: options.MaxRetries = None,
) -> None:
    """Answer a question about a document from its rendered pages; print the token budget and timings.

    --max-new-tokens defaults to the pipeline's. --base-url and --model ask a model served over an
    OpenAI-compatible API (vLLM, SGLang, transformers serve) instead of the pipeline's model; the
    pipeline's render config, profile and prompt still decide the pages and the question.
    """
    from transformers.utils import logging as transformers_logging

    from glyphctx.answering import ContextTooLongError, Pipeline, PipelineConfig

    transformers_logging.disable_progress_bar()  # a weights-loading bar would land between the answer lines
    document = source if source == "-" else Path(source)
    config = served_config(PipelineConfig.load(pipeline), base_url=base_url, model=model, api_key_env=api_key_env,
                           timeout=timeout, max_retries=max_retries)
    chosen = Pipeline(config)
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

    for warning in visual.warnings:
        warn(warning)
    if not text_baseline:
        out.print(f"answer: {visual.text}", highlight=False, markup=False, soft_wrap=True)
    else:
        table = Table(title=f"{escape(visual.model)}: {escape(question)}", title_justify="left")
        table.add_column("")
        table.add_column("pages (visual tokens)")
        table.add_column("plain text (text tokens)")
        text_answer = baseline.text if baseline else _does_not_fit(baseline_error)
        table.add_row("answer", escape(visual.text), escape(text_answer))
        table.add_row("document tokens", f"{visual.visual_tokens:,} visual", f"{visual.text_tokens:,} text")
        table.add_row("positions", _positions(visual.input_tokens, visual.window),
                      _positions(baseline.input_tokens, baseline.window) if baseline else
                      _positions(baseline_error.needed, baseline_error.window or None))
        if visual.server_prompt_tokens is not None:
            table.add_row("server prompt tokens", f"{visual.server_prompt_tokens:,}",
                          f"{baseline.server_prompt_tokens:,}" if baseline and baseline.server_prompt_tokens is not None
                          else "-")
        table.add_row("generate", f"{visual.timings.get('generate', 0.0):.2f} s",
                      f"{baseline.timings.get('generate', 0.0):.2f} s" if baseline else "-")
        out.print(table)
    server = (f"; the server counted {visual.server_prompt_tokens:,} prompt tokens"
              if visual.server_prompt_tokens is not None else "")
    out.print(f"budget: {visual.text_tokens:,} text tokens -> {visual.visual_tokens:,} visual tokens "
              f"({visual.ratio:.2f}x) on {visual.pages} page{'' if visual.pages == 1 else 's'}; "
              f"{_positions(visual.input_tokens, visual.window, ' positions')}{server}", highlight=False)
    stages = [f"{stage} {visual.timings[stage]:.3f} s" for stage in STAGES if stage in visual.timings]
    out.print(f"timings: {', '.join(stages)}; total {visual.seconds:.2f} s", highlight=False)


def _positions(count: int, window: int | None, unit: str = "") -> str:
    """"1,234 of 4,096 positions", or the count alone where the window is unknown (a served model)."""
    return f"{count:,} of {window:,}{unit}" if window else f"{count:,}{unit} (window unknown)"


def _does_not_fit(error) -> str:
    if error.window:
        return f"does not fit: {error.needed:,} positions > window {error.window:,}"
    return "does not fit: the server refuses it as too long"
