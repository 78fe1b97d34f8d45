"""Where every verb prints: the two consoles, the one `error:` line, and the progress bar.

Results go to stdout and everything else (progress, warnings, errors) to stderr, so a verb's output can
be piped while its progress stays on the terminal.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from typing import NoReturn, TypeVar

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from glyphctx.cli.exit_codes import INTERRUPTED, SOME_FAILED, USAGE
from glyphctx.errors import GlyphctxError

# a pipe or a CI log has no width of its own; rich's 80 columns would truncate document names
out = Console(width=None if sys.stdout.isatty() else 160)
err = Console(stderr=True, width=None if sys.stderr.isatty() else 160)

Verb = TypeVar("Verb", bound=Callable)


def fail(message: str, code: int = USAGE) -> NoReturn:
    """End the verb with one `error: <message>` line on stderr and exit status `code`."""
    err.print(f"[red]error:[/red] {escape(message)}", highlight=False, soft_wrap=True)
    raise typer.Exit(code)


def warn(message: str) -> None:
    """One `warning: <message>` line on stderr; the verb goes on."""
    err.print(f"[yellow]warning:[/yellow] {escape(message)}", highlight=False, soft_wrap=True)


def reports_errors(verb: Verb) -> Verb:
    """Wrap a verb so a GlyphctxError ends it with one `error:` line and exit 2, and Ctrl-C with 130.

    Applied where each verb is defined, so a verb behaves the same in `glyphctx` and in any app a test
    builds around it; verbs catch only what they recover from.
    """

    @functools.wraps(verb)
    def run(*args, **kwargs):
        try:
            return verb(*args, **kwargs)
        except GlyphctxError as exc:
            fail(str(exc))
        except KeyboardInterrupt:
            fail("interrupted", INTERRUPTED)

    return run  # type: ignore[return-value]


def progress_bar(quiet: bool) -> Progress:
    """A transient bar on stderr, shown only on a terminal and not under --quiet."""
    return Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
        console=err, transient=True, disable=quiet or not err.is_terminal,
    )


def finish_batch(what: str, failed: list[str], summary: str, quiet: bool) -> None:
    """The end of a batch verb: each failure on stderr (unless quiet), the summary line, exit 1 if any failed.

    A batch goes on past a bad item, so its failures are listed once, together, after the work.
    """
    if failed and not quiet:
        err.print(f"[red]failed {what}:[/red]")
        for line in failed:
            err.print(f"  {line}", highlight=False, markup=False, soft_wrap=True)
    out.print(summary, highlight=False, soft_wrap=True, markup=False)
    if failed:
        raise typer.Exit(SOME_FAILED)
