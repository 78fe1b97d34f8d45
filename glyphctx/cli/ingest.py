"""The `glyphctx ingest` verb: a collection of documents through the Ray Data ingest job."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from glyphctx.cli import options
from glyphctx.cli.console import finish_batch, progress_bar, reports_errors
from glyphctx.tokens.profiles import DEFAULT_PROFILE


@reports_errors
def ingest(
    inputs: Annotated[list[str], typer.Argument(help="Files (.txt .md .pdf) and directories to ingest.")],
    output: options.Output,
    config: options.Config = None,
    encoder: str | None = typer.Option(None, "--encoder", help="Trained encoder weights: a reader run "
                                       "(runs/tiny-reader, or its final/), an encoder .safetensors file, or a "
                                       "preset / YAML naming the architecture of --encoder-weights. Without "
                                       "weights only pages are written."),
    encoder_weights: Path | None = typer.Option(None, "--encoder-weights", help="Local weights file (.safetensors, "
                                                ".pth) for the architecture --encoder names."),
    encode: bool = typer.Option(True, "--encode/--no-encode", help="Encode pages into visual tokens (when "
                                "weights are given)."),
    address: options.Address = None,
    workers: options.Workers = None,
    timeout: float = typer.Option(120.0, "--timeout", min=0.001, help="Seconds one document may take to extract, "
                                  "render and write before it is stopped and recorded as failed."),
    max_bytes: int = typer.Option(16 * 1024 * 1024, "--max-bytes", min=1, help="Larger files are recorded as "
                                  "failed without being read."),
    profile: options.Profile = DEFAULT_PROFILE,
    tokenizer: options.Tokenizer = None,
    image_format: options.ImageFormat = "png",
    force: options.Force = False,
    quiet: options.Quiet = False,
) -> None:
    """Ingest a document collection on Ray: pages, manifests, visual tokens and a Parquet index.

    --output receives one sub-folder per document and index.parquet. Visual tokens are written only
    with trained weights (--encoder); a reader run's encoder also fixes the render config, its own.
    """
    from glyphctx.pipelines import ingest as run_ingest

    with progress_bar(quiet) as progress:
        task = progress.add_task("starting", total=None)

        def on_planned(total: int) -> None:
            progress.update(task, total=total, description="documents")

        def on_done(row: dict) -> None:
            progress.update(task, advance=1, description=row["name"])

        report = run_ingest(
            inputs, output, config=config, profile=profile, tokenizer=tokenizer, image_format=image_format,
            encode=encode, encoder=encoder, encoder_weights=encoder_weights, address=address, workers=workers,
            timeout=timeout, max_bytes=max_bytes, force=force, on_planned=on_planned, on_done=on_done,
        )
    summary = report.totals
    tokens = (f"{summary['encoded_tokens']:,} encoded by {report.encoder}" if report.encoder
              else report.pages_only)
    finish_batch("documents", [f"{row['source']}: [{row['code']}] {row['reason']}" for row in report.failed],
                 f"{summary['documents']} documents: {summary['ok']} ingested, {summary['skipped']} skipped, "
                 f"{summary['failed']} failed; {summary['pages']} pages; {summary['text_tokens']:,} text tokens -> "
                 f"{summary['visual_tokens']:,} visual tokens ({summary['ratio']:.2f}x); {tokens}; in "
                 f"{report.seconds:.1f} s (Ray start {report.startup_seconds:.1f} s); index: {report.index}", quiet)
