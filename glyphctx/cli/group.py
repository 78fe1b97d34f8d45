"""A typer app built from a table of verbs, so `glyphctx` and `glyphctx eval` are made the same way."""

from __future__ import annotations

from collections.abc import Callable, Mapping

import typer

Verbs = Mapping[str, Callable | typer.Typer]


def group(help: str, verbs: Verbs) -> typer.Typer:
    """An app whose sub-commands are `verbs` (name -> function, or name -> a group of its own), in order.

    Tracebacks are left plain (pretty_exceptions_enable=False): a verb reports its own errors in one line,
    and anything else is a bug whose traceback should be read as Python prints it.
    """
    app = typer.Typer(help=help, no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False)
    for name, verb in verbs.items():
        if isinstance(verb, typer.Typer):
            app.add_typer(verb, name=name)
        else:
            app.command(name)(verb)
    return app
