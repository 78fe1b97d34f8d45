"""The `glyphctx ingest` verb: a collection of documents through the Ray Data ingest job."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import List, Optional

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from glyphctx.errors import GlyphctxError

#: exit status when the job ran but some documents failed (2 is a usage or settings error)
SOME_FAILED = 3


def ingest(
    inputs: List[str] = typer.Argument(..., help="Files (.txt .md .pdf) and directories to ingest."),
    output: Path = typer.Option(..., "--output", "-o",
                                help="Folder for one sub-folder per document and index.parquet."),
    config: str = typer.Option("default", "--config", "-c", help="Render preset name or YAML file."),
    encoder: str = typer.Option("encoder-tiny", "--encoder",
                                help="Encoder preset, YAML file, or .safetensors weights."),
    encoder_weights: Optional[Path] = typer.Option(None, "--encoder-weights", help="Local .safetensors weights."),
    encode: bool = typer.Option(True, "--encode/--no-encode", help="Encode pages into visual tokens."),
    address: Optional[str] = typer.Option(None, "--address", help="Ray cluster to join (default: RAY_ADDRESS, "
                                          "else an embedded local Ray)."),
    workers: Optional[int] = typer.Option(None, "--workers", "-w", min=1, help="Documents in flight (and CPUs of "
                                          "an embedded Ray); default: all CPUs."),
    timeout: float = typer.Option(120.0, "--timeout", min=0.001, help="Seconds one document may take to extract, "
                                  "render and write before it is stopped and recorded as failed."),
    max_bytes: int = typer.Option(16 * 1024 * 1024, "--max-bytes", min=1, help="Larger files are recorded as "
                                  "failed without being read."),
    profile: str = typer.Option("qwen2.5-vl", "--profile", "-p", help="VLM whose visual-token rule is counted."),
    tokenizer: Optional[str] = typer.Option(None, "--tokenizer", "-t", help="tokenizer.json / folder; default Tekken."),
    image_format: str = typer.Option("png", "--format", "-f", help="png, webp, or npz (one NumPy archive)."),
    force: bool = typer.Option(False, "--force", help="Redo documents whose outputs are already complete."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Print only the summary line."),
) -> None:
    """Ingest a document collection on Ray: pages, manifests, visual tokens and a Parquet index."""
    from glyphctx.pipelines import ingest as run_ingest

    out = Console(width=None if sys.stdout.isatty() else 160)
    err = Console(stderr=True, width=None if sys.stderr.isatty() else 160)
    progress = Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
        console=err, transient=True, disable=quiet or not err.is_terminal,
    )
    with progress:
        task = progress.add_task("starting", total=None)

        def on_planned(total: int) -> None:
            progress.update(task, total=total, description="documents")

        def on_done(row: dict) -> None:
            progress.update(task, advance=1, description=row["name"])

        try:
            report = run_ingest(
                inputs, output, config=config, profile=profile, tokenizer=tokenizer, image_format=image_format,
                encode=encode, encoder=encoder, encoder_weights=encoder_weights, address=address, workers=workers,
                timeout=timeout, max_bytes=max_bytes, force=force, on_planned=on_planned, on_done=on_done,
            )
        except GlyphctxError as exc:  # settings that fail before any document
            err.print(f"[red]error:[/red] {escape(str(exc))}", highlight=False, soft_wrap=True)
            raise typer.Exit(2)
    summary = report.totals
    if not quiet and report.failed:
        err.print("[red]failed documents:[/red]")
        for row in report.failed:
            err.print(f"  {row['source']}: [{row['code']}] {row['reason']}", highlight=False, markup=False,
                      soft_wrap=True)
    encoded = f", {summary['encoded_tokens']:,} encoded" if encode else ""
    out.print(
        f"{summary['documents']} documents: {summary['ok']} ingested, {summary['skipped']} skipped, "
        f"{summary['failed']} failed; {summary['pages']} pages; {summary['text_tokens']:,} text tokens -> "
        f"{summary['visual_tokens']:,} visual tokens{encoded} ({summary['ratio']:.2f}x) in {report.seconds:.1f} s "
        f"(Ray start {report.startup_seconds:.1f} s); index: {report.index}",
        highlight=False, soft_wrap=True,
    )
    if summary["failed"]:
        raise typer.Exit(SOME_FAILED)
