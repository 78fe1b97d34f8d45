"""The `glyphctx` command: one verb per job."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import List, Optional

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from glyphctx.errors import GlyphctxError

app = typer.Typer(
    name="glyphctx",
    help="Visual context compression: render long text into dense page images and count what it saves.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
# a pipe or a CI log has no width of its own; rich's 80 columns would truncate document names
out = Console(width=None if sys.stdout.isatty() else 160)
err = Console(stderr=True, width=None if sys.stderr.isatty() else 160)


def _fail(message: str, code: int = 2) -> None:
    err.print(f"[red]error:[/red] {escape(message)}", highlight=False, soft_wrap=True)
    raise typer.Exit(code)


@app.command()
def compress(
    inputs: List[str] = typer.Argument(..., help="Files (.txt .md .pdf), directories, or - for stdin."),
    output: Path = typer.Option(..., "--output", "-o", help="Folder that receives one sub-folder per document."),
    config: str = typer.Option("default", "--config", "-c", help="Render preset name or YAML file."),
    profile: str = typer.Option("qwen2.5-vl", "--profile", "-p", help="VLM whose visual-token rule is used."),
    tokenizer: Optional[str] = typer.Option(None, "--tokenizer", "-t", help="tokenizer.json / folder; default Tekken."),
    pages: Optional[str] = typer.Option(None, "--pages", help="PDF page range, e.g. 1-10 or 1,3,5-."),
    password: Optional[str] = typer.Option(None, "--password", help="Password for encrypted PDFs."),
    reflow: Optional[bool] = typer.Option(None, "--reflow/--no-reflow", help="Override the preset's reflow."),
    image_format: str = typer.Option("png", "--format", "-f", help="png, webp, or npz (one NumPy archive)."),
    force: bool = typer.Option(False, "--force", help="Redo documents whose outputs are already complete."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Print only the summary line."),
) -> None:
    """Render documents into page images, with a manifest and token budget for each."""
    from glyphctx.batch import compress_many, totals

    progress = Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
        console=err, transient=True, disable=quiet or not err.is_terminal,
    )
    with progress:
        docs = progress.add_task("documents", total=None)
        page_task = progress.add_task("pages", total=None, visible=False)

        def on_start(number: int, total: int, name: str) -> None:
            progress.update(docs, total=total, completed=number - 1, description=name)
            progress.update(page_task, completed=0, total=None, visible=False)

        def on_page(done: int, total: int) -> None:
            progress.update(page_task, completed=done, total=total, visible=total > 20)

        try:
            rows = compress_many(
                inputs, output, config=config, profile=profile, tokenizer=tokenizer, pages=pages,
                password=password, reflow=reflow, image_format=image_format, force=force,
                on_start=on_start, on_page=on_page,
            )
        except GlyphctxError as exc:  # settings that fail before any document (bad preset, tokenizer, profile)
            _fail(str(exc))
            return
    summary = totals(rows)
    if not quiet:
        table = Table(title=f"glyphctx compress -> {escape(str(output))}", title_justify="left")
        for column, justify in (("document", "left"), ("status", "left"), ("pages", "right"),
                                ("text tokens", "right"), ("visual tokens", "right"), ("ratio", "right"),
                                ("seconds", "right")):
            table.add_column(column, justify=justify)
        for row in rows:
            status = {"ok": "[green]ok[/green]", "skipped": "skipped", "failed": "[red]failed[/red]"}[row.status]
            ratio = f"{row.ratio:.2f}x" if row.visual_tokens else "-"
            table.add_row(escape(row.name), status, str(row.pages), f"{row.text_tokens:,}",
                          f"{row.visual_tokens:,}", ratio, f"{row.seconds:.2f}")
        out.print(table)
        for row in rows:
            for warning in row.warnings:
                err.print(f"[yellow]warning:[/yellow] {escape(row.name)}: {escape(warning)}", highlight=False,
                          soft_wrap=True)
        failed = [r for r in rows if r.status == "failed"]
        if failed:
            err.print("[red]failed documents:[/red]")
            for row in failed:
                # one line per document, never wrapped: logs are grepped for "[code]"
                err.print(f"  {row.source}: [{row.code}] {row.reason}", highlight=False, markup=False,
                          soft_wrap=True)
    out.print(
        f"{summary['documents']} document{'' if summary['documents'] == 1 else 's'}, {summary['ok']} compressed, {summary['skipped']} skipped, "
        f"{summary['failed']} failed; {summary['pages']} pages; {summary['text_tokens']:,} text tokens -> "
        f"{summary['visual_tokens']:,} visual tokens ({summary['ratio']:.2f}x) in {summary['seconds']:.1f} s",
        highlight=False,
    )
    if summary["failed"]:
        raise typer.Exit(1)


@app.command()
def configs(
    name: Optional[str] = typer.Argument(None, help="A preset to show in full."),
    fonts: bool = typer.Option(False, "--fonts", help="List the shipped font families."),
    profiles: bool = typer.Option(False, "--profiles", help="List the VLM visual-token profiles."),
) -> None:
    """List render presets (or show one, with what each setting means)."""
    from glyphctx.render.config import field_help
    from glyphctx.render.fonts import FAMILIES
    from glyphctx.render.presets import load_preset, preset_description, preset_names

    if fonts:
        for family, filename in FAMILIES.items():
            out.print(f"{family:24} {filename}", highlight=False)
        return
    if profiles:
        from glyphctx.tokens import PROFILE_NAMES, get_profile

        for profile_name in PROFILE_NAMES:
            out.print(f"{profile_name:20} {get_profile(profile_name).describe()}", highlight=False)
        return
    if name is None:
        table = Table(show_header=True)
        table.add_column("preset")
        table.add_column("description")
        for preset in preset_names():
            table.add_row(preset, preset_description(preset))
        out.print(table)
        return
    try:
        config = load_preset(name)
    except GlyphctxError as exc:
        _fail(str(exc))
        return
    helps = field_help()
    for key, value in config.to_dict().items():  # JSON scalars and lists are valid YAML
        out.print(f"{key}: {json.dumps(value):<24} # {helps.get(key, '')}", highlight=False, markup=False,
                  soft_wrap=True)


from glyphctx.cli.ingest import ingest  # noqa: E402  (verbs that live in their own modules)
from glyphctx.cli.search import search  # noqa: E402

app.command()(ingest)
app.command()(search)
from glyphctx.cli.train import train  # noqa: E402
from glyphctx.cli.eval import eval_app  # noqa: E402
app.command()(train)
app.add_typer(eval_app, name="eval")
from glyphctx.cli.ask import ask  # noqa: E402
app.command()(ask)


def main() -> None:  # pragma: no cover - console entry for `python -m glyphctx`
    app()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
