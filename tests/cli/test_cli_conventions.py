"""Conventions every verb keeps: a short flag means one option everywhere, and one scheme of exit codes."""

from __future__ import annotations

from collections import defaultdict

import pytest
import typer
from typer.testing import CliRunner

from glyphctx.cli.console import reports_errors
from glyphctx.cli.exit_codes import INTERRUPTED, USAGE
from glyphctx.cli.main import app
from glyphctx.errors import ConfigError


def _commands(command, path: str = "glyphctx"):
    """(path, command) for every runnable command under `command`, through groups such as `eval`."""
    if hasattr(command, "commands"):  # a group (typer ships its own click, so no isinstance on click's)
        for name, sub in command.commands.items():
            yield from _commands(sub, f"{path} {name}")
    else:
        yield path, command


def _callbacks(typer_app: typer.Typer):
    for info in typer_app.registered_commands:
        yield info.name, info.callback
    for group in typer_app.registered_groups:
        yield from _callbacks(group.typer_instance)


def _flags():
    """{short flag: {long option: [commands]}} and {long option: {short flags: [commands]}} over the app."""
    by_short, by_long = defaultdict(lambda: defaultdict(list)), defaultdict(lambda: defaultdict(list))
    for path, command in _commands(typer.main.get_command(app)):
        for param in command.params:
            if param.param_type_name != "option":
                continue
            names = [*param.opts, *param.secondary_opts]
            longs = sorted(n for n in names if n.startswith("--"))
            shorts = tuple(sorted(n for n in names if not n.startswith("--")))
            for short in shorts:
                by_short[short][longs[0]].append(path)
            by_long[longs[0]][shorts].append(path)
    return by_short, by_long


def test_the_app_has_every_verb():
    names = {path for path, _ in _commands(typer.main.get_command(app))}
    assert {"glyphctx compress", "glyphctx configs", "glyphctx ingest", "glyphctx ask", "glyphctx search",
            "glyphctx train", "glyphctx eval extrapolation", "glyphctx eval reconstruction",
            "glyphctx eval needle"} <= names


def test_no_short_flag_names_two_options():
    by_short, _ = _flags()
    clashes = {short: dict(longs) for short, longs in by_short.items() if len(longs) > 1}
    assert not clashes, f"short flags used for more than one option: {clashes}"
    assert {"-o": "--output", "-c": "--config", "-p": "--profile", "-t": "--tokenizer", "-q": "--quiet",
            "-w": "--workers", "-P": "--pipeline"}.items() <= {s: next(iter(ls)) for s, ls in by_short.items()}.items()


def test_an_option_has_the_same_short_flag_in_every_verb():
    _, by_long = _flags()
    differing = {long: dict(shorts) for long, shorts in by_long.items() if len(shorts) > 1}
    assert not differing, f"options whose short flag differs between verbs: {differing}"


def test_every_verb_reports_its_errors_the_same_way():
    wrapped = reports_errors(lambda: None).__code__
    plain = [name for name, callback in _callbacks(app) if callback.__code__ is not wrapped]
    assert not plain, f"verbs not wrapped by reports_errors: {plain}"


def _one_verb_app(error: BaseException) -> typer.Typer:
    @reports_errors
    def verb() -> None:
        raise error

    demo = typer.Typer()
    demo.command()(verb)
    demo.command("other")(lambda: None)  # two commands, so `verb` is a sub-command as in the real app
    return demo


def test_a_glyphctx_error_exits_2_with_one_error_line():
    run = CliRunner().invoke(_one_verb_app(ConfigError("bad preset [red]x[/red]: dpi must be > 0")), ["verb"])
    assert run.exit_code == USAGE == 2
    assert run.stderr == "error: bad preset [red]x[/red]: dpi must be > 0\n"  # verbatim, markup escaped
    assert run.stdout == ""


def test_ctrl_c_exits_130():
    run = CliRunner().invoke(_one_verb_app(KeyboardInterrupt()), ["verb"])
    assert run.exit_code == INTERRUPTED == 130
    assert run.stderr == "error: interrupted\n"


def test_a_real_verb_error_goes_through_the_same_line(tmp_path):
    run = CliRunner().invoke(app, ["configs", str(tmp_path / "missing.yaml")])
    assert run.exit_code == 2
    assert run.stderr.startswith("error: ") and len(run.stderr.strip().splitlines()) == 1, run.stderr


@pytest.mark.parametrize("args", [
    [],  # no verb: the help, as a usage error
    ["no-such-verb"],
    ["compress", "book.txt"],  # --output is required
    ["compress", "book.txt", "-o", "out", "--no-such-option"],
    ["ask", "doc.txt", "Who?", "-n", "3"],  # -n is no longer --max-new-tokens
    ["train", "-p", "tiny-lm", "--corpus", "x", "-o", "out"],  # nor -p --preset
], ids=["no-verb", "unknown-verb", "missing-option", "unknown-option", "old-ask-n", "old-train-p"])
def test_usage_errors_exit_2(args):
    assert CliRunner().invoke(app, args).exit_code == USAGE
