"""`glyphctx ingest`: exit status 0 when every document made it, 1 when some failed, 2 on bad settings."""

from __future__ import annotations

import shutil
from pathlib import Path

import typer
from typer.testing import CliRunner

from glyphctx.cli.exit_codes import SOME_FAILED
from glyphctx.cli.ingest import ingest
from glyphctx.pipelines.index import read_index
from glyphctx.pipelines.settings import TOKENS_FILE

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

    result = runner.invoke(_app(), [str(good), "-o", str(tmp_path / "out"), "--workers", "2"])
    assert result.exit_code == 0, result.output
    assert "2 documents: 2 ingested, 0 skipped, 0 failed" in result.output
    assert "; pages only: no encoder weights given;" in result.output
    assert not list((tmp_path / "out").rglob(TOKENS_FILE))

    (good / "empty.txt").write_bytes(b"")
    result = runner.invoke(_app(), [str(good), "-o", str(tmp_path / "out"), "--no-encode", "--workers", "2"])
    assert result.exit_code == SOME_FAILED == 1, result.output
    assert "3 documents: 0 ingested, 2 skipped, 1 failed" in result.output
    assert "; pages only: encoding switched off;" in result.output
    assert "empty.txt: [empty] is empty" in result.output
    rows = read_index(tmp_path / "out" / "index.parquet")
    assert sorted((r["name"], r["status"]) for r in rows) == [
        ("empty", "failed"), ("minimal-document", "skipped"), ("pride-and-prejudice-ch1", "skipped")]


def test_bad_settings_exit_2_before_any_work(tmp_path):
    result = CliRunner().invoke(_app(), [str(tmp_path), "-o", str(tmp_path / "out"), "--encoder", "nope"])
    assert result.exit_code == 2
    assert "unknown encoder 'nope'" in result.output
    result = CliRunner().invoke(_app(), [str(tmp_path), "-o", str(tmp_path / "out"), "--encoder", "encoder-tiny"])
    assert result.exit_code == 2 and "not trained weights" in result.output
    result = CliRunner().invoke(_app(), [str(tmp_path), "-o", str(tmp_path / "out"), "--config", "no-such-preset"])
    assert result.exit_code == 2
    assert "no-such-preset" in result.output


def test_encoder_run_encodes_with_the_readers_encoder_and_says_so(local_ray, reader_run, tmp_path):
    (tmp_path / "in").mkdir()
    shutil.copy(DATA / "pride-and-prejudice-ch1.txt", tmp_path / "in" / "chapter.txt")
    result = CliRunner().invoke(_app(), [str(tmp_path / "in"), "-o", str(tmp_path / "out"),
                                         "--encoder", str(reader_run), "--max-bytes", "3000"])
    assert result.exit_code == 1, result.output  # the chapter is larger than --max-bytes: failed, with its reason
    (tmp_path / "in" / "short.txt").write_text("It is a truth universally acknowledged.", encoding="utf-8")
    result = CliRunner().invoke(_app(), [str(tmp_path / "in" / "short.txt"), "-o", str(tmp_path / "out"),
                                         "--encoder", str(reader_run)])
    assert result.exit_code == 0, result.output
    row = read_index(tmp_path / "out" / "index.parquet")[0]
    assert f"; {row['encoded_tokens']:,} encoded by {reader_run};" in result.output and row["encoded_tokens"] > 0
    assert (tmp_path / "out" / "short" / TOKENS_FILE).is_file()
