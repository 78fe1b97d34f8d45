"""The `glyphctx ask-many` verb: questions about every document of an ingested collection, into one Parquet file."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from glyphctx.cli import options
from glyphctx.cli.console import finish_batch, progress_bar, reports_errors
from glyphctx.cli.served import served_config
from glyphctx.errors import ConfigError


def _read_questions(question: list[str] | None, questions: Path | None) -> list[str]:
    asked = list(question or [])
    if questions is not None:
        try:
            lines = questions.read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(f"{questions}: cannot read the questions ({getattr(exc, 'strerror', None) or exc})"
                              ) from None
        asked += [line.strip() for line in lines if line.strip()]
    if not asked:
        raise ConfigError("no questions: give --question (repeat for more) or --questions FILE")
    return asked


@reports_errors
def ask_many(
    collection: Annotated[Path, typer.Argument(help="The output folder of `glyphctx ingest` (or its index.parquet).")],
    question: list[str] | None = typer.Option(None, "--question", help="A question to ask every document (repeat "
                                              "for more)."),
    questions: Path | None = typer.Option(None, "--questions", help="A text file of questions, one a line."),
    pipeline: options.PipelineName = "tiny",
    output: Path | None = typer.Option(None, "--output", "-o", help="A .parquet file, or a folder for "
                                       "answers.parquet (default: COLLECTION/answers.parquet)."),
    concurrency: options.Concurrency = None,
    max_new_tokens: options.MaxNewTokens = None,
    base_url: options.BaseUrl = None,
    model: options.ServedModelName = None,
    api_key_env: options.ApiKeyEnv = None,
    timeout: options.ServerTimeout = None,
    max_retries: options.MaxRetries = None,
    address: options.Address = None,
    workers: options.Workers = None,
    quiet: options.Quiet = False,
) -> None:
    """Ask every ingested document the same questions; one Parquet row per document and question.

    A reader reads the stored visual tokens when they are its own encoder's, else encodes the pages.
    --base-url and --model ask a model served over an OpenAI-compatible API instead of the pipeline's
    (--concurrency requests at once; one that fails, or a server that is down, is a failed row).
    Rerunning with the same --output keeps the rows answered before and asks only the failed and
    missing ones. Exit status 1 when some rows failed.
    """
    from glyphctx.answering import Pipeline, PipelineConfig
    from glyphctx.pipelines import ask_many as run_ask_many

    asked = _read_questions(question, questions)
    chosen = Pipeline(served_config(PipelineConfig.load(pipeline), base_url=base_url, model=model,
                                    api_key_env=api_key_env, timeout=timeout, max_retries=max_retries))
    if output is None:
        output = (collection if collection.is_dir() else collection.parent) / "answers.parquet"
    with progress_bar(quiet) as progress:
        task = progress.add_task("asking", total=None)

        def on_done(row: dict) -> None:
            progress.update(task, advance=1, description=row["document"])

        report = run_ask_many(chosen, collection, asked, output, address=address, workers=workers,
                              concurrency=concurrency, max_new_tokens=max_new_tokens, on_done=on_done)
    summary = report.totals
    finish_batch("answers", [f"{row['document']} / {row['question']}: [{row['code']}] {row['reason']}"
                             for row in report.failed],
                 f"{summary['documents']} documents x {len(asked)} questions: {summary['ok']} answered "
                 f"({summary['kept']} kept from the last run), {summary['failed']} failed; visual tokens: "
                 f"{summary['stored']} stored, {summary['encoded']} encoded; {summary['text_tokens']:,} text tokens "
                 f"-> {summary['visual_tokens']:,} visual tokens; on {report.executor} in {report.seconds:.1f} s "
                 f"(Ray start {report.startup_seconds:.1f} s); answers: {report.output}", quiet)
