"""`glyphctx compress`: documents into page images in this process, with a table of what each saved."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from glyphctx.cli import options
from glyphctx.cli.console import err, fail, out, progress_bar, reports_errors, warn
from glyphctx.cli.exit_codes import SOME_FAILED
from glyphctx.tokens.profiles import DEFAULT_PROFILE

COLUMNS = (("document", "left"), ("status", "left"), ("pages", "right"), ("text tokens", "right"),
           ("visual tokens", "right"), ("ratio", "right"), ("seconds", "right"))


@reports_errors
def compress(
    inputs: Annotated[list[str], typer.Argument(help="Files (.txt .md .pdf), directories, or - for stdin.")],
    output: options.Output,
    config: options.Config = None,
    profile: options.Profile = DEFAULT_PROFILE,
    tokenizer: options.Tokenizer = None,
    pages: options.Pages = None,
    password: options.Password = None,
    reflow: bool | None = typer.Option(None, "--reflow/--no-reflow", help="Override the preset's reflow."),
    image_format: options.ImageFormat = "png",
    force: options.Force = False,
    quiet: options.Quiet = False,
    to: str | None = typer.Option(None, "--to", help="Also export each document for a serving stack: openai-jsonl "
                                  "(a chat-completions batch line with the pages, for vLLM's batch runner or any "
                                  "OpenAI client; needs --model)."),
    model: options.ServedModelName = None,
    max_new_tokens: options.MaxNewTokens = None,
) -> None:
    """Render documents into page images, with a manifest and token budget for each.

    --output receives one sub-folder per document; with --to openai-jsonl each also gets
    openai-request.jsonl, whose prompt keeps a {question} placeholder to fill in.
    """
    from glyphctx.compress_many import OpenAIExport, compress_many, totals
    from glyphctx.io.openai_batch import EXPORT_FORMATS

    export = None
    if to is not None:
        if to not in EXPORT_FORMATS:
            fail(f"unknown export {to!r}; exports: {', '.join(EXPORT_FORMATS)}")
        export = OpenAIExport(model or "", max_tokens=max_new_tokens or OpenAIExport.max_tokens)
    elif model is not None or max_new_tokens is not None:
        fail("--model and --max-new-tokens describe the request of --to openai-jsonl; give --to too")

    with progress_bar(quiet) as progress:
        docs = progress.add_task("documents", total=None)
        page_task = progress.add_task("pages", total=None, visible=False)

        def on_start(number: int, total: int, name: str) -> None:
            progress.update(docs, total=total, completed=number - 1, description=name)
            progress.update(page_task, completed=0, total=None, visible=False)

        def on_page(done: int, total: int) -> None:
            progress.update(page_task, completed=done, total=total, visible=total > 20)

        rows = compress_many(
            inputs, output, config=config, profile=profile, tokenizer=tokenizer, pages=pages,
            password=password, reflow=reflow, image_format=image_format, force=force, export=export,
            on_start=on_start, on_page=on_page,
        )
    summary = totals(rows)
    if not quiet:
        table = Table(title=f"glyphctx compress -> {escape(str(output))}", title_justify="left")
        for column, justify in COLUMNS:
            table.add_column(column, justify=justify)
        for row in rows:
            status = {"ok": "[green]ok[/green]", "skipped": "skipped", "failed": "[red]failed[/red]"}[row.status]
            ratio = f"{row.ratio:.2f}x" if row.visual_tokens else "-"
            table.add_row(escape(row.name), status, str(row.pages), f"{row.text_tokens:,}",
                          f"{row.visual_tokens:,}", ratio, f"{row.seconds:.2f}")
        out.print(table)
        for row in rows:
            for warning in row.warnings:
                warn(f"{row.name}: {warning}")
        failed = [r for r in rows if r.status == "failed"]
        if failed:
            err.print("[red]failed documents:[/red]")
            for row in failed:
                # one line per document, never wrapped: logs are grepped for "[code]"
                err.print(f"  {row.source}: [{row.code}] {row.reason}", highlight=False, markup=False,
                          soft_wrap=True)
    documents = summary["documents"]
    out.print(
        f"{documents} document{'' if documents == 1 else 's'}, {summary['ok']} compressed, "
        f"{summary['skipped']} skipped, "
        f"{summary['failed']} failed; {summary['pages']} pages; {summary['text_tokens']:,} text tokens -> "
        f"{summary['visual_tokens']:,} visual tokens ({summary['ratio']:.2f}x) in {summary['seconds']:.1f} s",
        highlight=False,
    )
    if summary["failed"]:
        raise typer.Exit(SOME_FAILED)
