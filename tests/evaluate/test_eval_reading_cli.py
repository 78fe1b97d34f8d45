"""`glyphctx eval reconstruction` and `glyphctx eval needle` through typer: outputs, table, typed errors."""

import json

import typer
from typer.testing import CliRunner

from glyphctx.cli.eval_reading import needle, reconstruction
from tests.evaluate.conftest import BOOK


def _app() -> typer.Typer:
    app = typer.Typer()
    app.command("reconstruction")(reconstruction)
    app.command("needle")(needle)
    return app


def test_registered_under_eval():
    from glyphctx.cli.eval import eval_app

    names = {command.name for command in eval_app.registered_commands}
    assert {"reconstruction", "needle"} <= names


def test_reconstruction_writes_json_and_markdown(reader_dir, tmp_path):
    out = tmp_path / "recon"
    result = CliRunner().invoke(_app(), ["reconstruction", str(reader_dir), "--corpus", str(BOOK), "--lines", "3",
                                         "--max-new-tokens", "4", "--output", str(out)])
    assert result.exit_code == 0, result.output
    assert "character accuracy (mean per line)" in result.output and "ratio (text / visual)" in result.output
    data = json.loads((out / "reconstruction.json").read_text(encoding="utf-8"))
    assert data["lines"] == 3 and 0.0 <= data["char_accuracy"] <= 1.0
    assert (out / "reconstruction.md").read_text(encoding="utf-8").startswith("# Reconstruction")


def test_needle_prints_the_comparison_and_draws_the_map(reader_dir, tmp_path):
    out = tmp_path / "needle"
    result = CliRunner().invoke(_app(), ["needle", str(reader_dir), "--corpus", str(BOOK), "--depths", "0,1",
                                         "--lengths", "150", "--routes", "text,visual", "--max-new-tokens", "2",
                                         "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "text (baseline)" in result.output and "2 documents; found: text" in result.output
    assert (out / "needle_heatmap.png").read_bytes().startswith(b"\x89PNG")
    assert json.loads((out / "needle.json").read_text(encoding="utf-8"))["lengths"] == [150]


def test_missing_checkpoint_and_bad_options_exit_2_with_one_line(tmp_path):
    runner = CliRunner()
    missing = tmp_path / "no-such-run"
    for args in (["reconstruction", str(missing), "--corpus", str(BOOK)],
                 ["needle", str(missing), "--corpus", str(BOOK)]):
        result = runner.invoke(_app(), args)
        assert result.exit_code == 2 and "no such checkpoint" in result.output and "Traceback" not in result.output
        assert str(missing) in result.output.replace("\n", "")
    result = runner.invoke(_app(), ["needle", str(missing), "--corpus", str(BOOK), "--depths", "half"])
    assert result.exit_code == 2 and "--depths" in result.output
    assert not missing.exists()
