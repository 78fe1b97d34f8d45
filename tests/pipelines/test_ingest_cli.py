"""`glyphctx ingest`: exit status 0 when every document made it, 1 when some failed, 2 on bad settings."""

from __future__ import annotations

import shutil
from pathlib import Path

import typer
from typer.testing import CliRunner

from glyphctx.cli.ingest import SOME_FAILED, ingest
from glyphctx.pipelines.index import read_index

DATA = Path(__file__).resolve().parents[1] / "data"


def _app() -> typer.Typer:
    app = typer.Typer()
    app.command()(ingest)
    return app


def test_exit_status_and_summary(local_ray, tmp_path):
    good = tmp_path / "good"
    good.mkdir()
    shutil.copy(DATA / "pdfs" / "minimal-document.pdf", good)
    shutil.copy(DATA / "pride-and-prejudice-ch1.txt", good)
    runner = CliRunner()

    result = runner.invoke(_app(), [str(good), "-o", str(tmp_path / "out"), "--no-encode", "--workers", "2"])
    assert result.exit_code == 0, result.output
    assert "2 documents: 2 ingested, 0 skipped, 0 failed" in result.output

    (good / "empty.txt").write_bytes(b"")
    result = runner.invoke(_app(), [str(good), "-o", str(tmp_path / "out"), "--no-encode", "--workers", "2"])
    assert result.exit_code == SOME_FAILED == 1, result.output
    assert "3 documents: 0 ingested, 2 skipped, 1 failed" in result.output
    assert "empty.txt: [empty] is empty" in result.output
    rows = read_index(tmp_path / "out" / "index.parquet")
    assert sorted((r["name"], r["status"]) for r in rows) == [
        ("empty", "failed"), ("minimal-document", "skipped"), ("pride-and-prejudice-ch1", "skipped")]


def test_bad_settings_exit_2_before_any_work(tmp_path):
    result = CliRunner().invoke(_app(), [str(tmp_path), "-o", str(tmp_path / "out"), "--encoder", "nope"])
    assert result.exit_code == 2
    assert "unknown encoder 'nope'" in result.output
    result = CliRunner().invoke(_app(), [str(tmp_path), "-o", str(tmp_path / "out"), "--config", "no-such-preset"])
    assert result.exit_code == 2
    assert "no-such-preset" in result.output
