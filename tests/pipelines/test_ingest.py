"""The Ray Data ingest job on a local Ray (2 CPUs) over a small collection of good and bad documents."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from safetensors import safe_open

from glyphctx.compress_many import compress_many
from glyphctx.encode import resolve_encoder
from glyphctx.errors import ConfigError, OutputError
from glyphctx.io.output import read_manifest
from glyphctx.pipelines import ingest
from glyphctx.pipelines.index import read_index
from glyphctx.pipelines.settings import INDEX_FILE, TOKENS_FILE

DATA = Path(__file__).resolve().parents[1] / "data"
GOOD = ("chapter", "frankenstein", "minimal-document", "multicolumn")
EXPECTED_FAILURES = {
    "empty": "empty",
    "truncated": "corrupt",
    "random": "corrupt",
    "libreoffice-writer-password": "encrypted",
    "picture": "binary",
    "huge": "too-large",
    "slow": "timeout",
}
LIMITS = dict(timeout=3.0, max_bytes=24_000_000)


@pytest.fixture(scope="module")
def collection(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("collection")
    shutil.copy(DATA / "pride-and-prejudice-ch1.txt", root / "chapter.txt")
    shutil.copy(DATA / "text" / "frankenstein-excerpt-cp1252.txt", root / "frankenstein.txt")
    for name in ("minimal-document", "multicolumn", "truncated", "libreoffice-writer-password"):
        shutil.copy(DATA / "pdfs" / f"{name}.pdf", root / f"{name}.pdf")
    (root / "empty.txt").write_bytes(b"")
    (root / "random.pdf").write_bytes(bytes((i * 7919 + 13) % 256 for i in range(4096)))
    (root / "picture.txt").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8)
    (root / "huge.txt").write_bytes(b"word " * 6_000_000)  # 30 MB on one line: over the size limit, never read
    # 20 MB of prose: thousands of pages, several times what the time limit allows on any machine
    prose = (DATA / "pride-and-prejudice-ch1.txt").read_bytes()
    (root / "slow.txt").write_bytes(prose * (20_000_000 // len(prose)))
    return root


@pytest.fixture(scope="module")
def first_run(local_ray, collection, tmp_path_factory, encoder_file):
    output = tmp_path_factory.mktemp("ingested")
    report = ingest([collection], output, workers=2, encoder=encoder_file, **LIMITS)
    return output, report


def _by_name(rows):
    return {row["name"]: row for row in rows}


def test_every_document_gets_a_row_with_its_status_and_reason(first_run):
    output, report = first_run
    rows = _by_name(report.rows)
    assert set(rows) == set(GOOD) | set(EXPECTED_FAILURES)
    for name in GOOD:
        assert rows[name]["status"] == "ok", rows[name]
        assert rows[name]["pages"] >= 1 and rows[name]["text_tokens"] > 0
    for name, code in EXPECTED_FAILURES.items():
        assert rows[name]["status"] == "failed" and rows[name]["code"] == code, rows[name]
        assert rows[name]["reason"]
        assert not (output / name).exists()  # nothing half-written, the stopped `slow` included
    assert "--timeout" in rows["slow"]["reason"] and "--max-bytes" in rows["huge"]["reason"]
    assert report.totals["failed"] == len(EXPECTED_FAILURES) and report.totals["ok"] == len(GOOD)
    assert _by_name(read_index(output / INDEX_FILE)) == rows  # the Parquet index holds the same rows


def test_visual_tokens_are_written_per_page_with_the_profiles_count(first_run, encoder_file):
    output, report = first_run
    for name in GOOD:
        row = _by_name(report.rows)[name]
        manifest = read_manifest(output / name)
        with safe_open(str(output / name / TOKENS_FILE), framework="pt") as handle:
            assert json.loads(handle.metadata()["page_tokens"]) == manifest["budget"]["page_visual_tokens"]
            assert handle.metadata()["job_key"] == manifest["job_key"] == row["job_key"]
            for number, page in enumerate(manifest["pages"], start=1):
                tensor = handle.get_tensor(f"page_{number:04d}")
                assert tuple(tensor.shape) == (page["visual_tokens"], 64)
        assert row["encoded_tokens"] == row["visual_tokens"] == manifest["budget"]["visual_tokens"]
        assert row["encoder"] == str(encoder_file) and row["encoder_key"] == resolve_encoder(encoder_file).identity
    assert report.encoder == str(encoder_file) and report.pages_only == ""


def test_outputs_match_what_glyphctx_compress_writes(first_run, collection, tmp_path):
    output, _ = first_run
    sources = [collection / "chapter.txt", collection / "multicolumn.pdf"]
    compress_many(sources, tmp_path)
    for name in ("chapter", "multicolumn"):
        ours, theirs = read_manifest(output / name), read_manifest(tmp_path / name)
        ours.pop("timings"), theirs.pop("timings")
        assert ours == theirs
        page_files = sorted(p.name for p in (tmp_path / name).iterdir())
        assert sorted(p.name for p in (output / name).iterdir()) == sorted(page_files + [TOKENS_FILE])
        for file in page_files:
            if file == "manifest.json":  # compared above, timings aside
                continue
            assert (output / name / file).read_bytes() == (tmp_path / name / file).read_bytes()


def test_a_rerun_skips_complete_documents_and_rewrites_nothing(first_run, collection, encoder_file):
    output, _ = first_run
    stamps = {p: p.stat().st_mtime_ns for p in output.rglob("*") if p.is_file() and p.name != INDEX_FILE}
    report = ingest([collection], output, workers=2, encoder=encoder_file, **LIMITS)
    rows = _by_name(report.rows)
    assert {name for name, row in rows.items() if row["status"] == "skipped"} == set(GOOD)
    assert {name for name, row in rows.items() if row["status"] == "failed"} == set(EXPECTED_FAILURES)
    assert report.totals["skipped"] == len(GOOD)
    assert all(rows[name]["encoded_tokens"] == rows[name]["visual_tokens"] > 0 for name in GOOD)
    assert {p: p.stat().st_mtime_ns for p in stamps} == stamps


def test_a_rerun_finishes_what_a_killed_run_left_undone(first_run, collection, tmp_path, encoder_file):
    output = tmp_path / "partial"
    shutil.copytree(first_run[0], output)
    (output / "chapter" / TOKENS_FILE).unlink()  # killed before encoding
    (output / "multicolumn" / "manifest.json").unlink()  # killed while writing pages
    (output / "multicolumn" / ".tmp-page-0001.png-abc").write_bytes(b"half a page")
    tokens = output / "minimal-document" / TOKENS_FILE
    tokens.write_bytes(tokens.read_bytes()[:-100])  # a torn token file (no atomic rename)
    report = ingest([collection / "chapter.txt", collection / "multicolumn.pdf", collection / "minimal-document.pdf",
                     collection / "frankenstein.txt"], output, workers=2, encoder=encoder_file, **LIMITS)
    rows = _by_name(report.rows)
    assert {n: r["status"] for n, r in rows.items()} == {
        "chapter": "ok", "multicolumn": "ok", "minimal-document": "ok", "frankenstein": "skipped"}
    for name in rows:
        assert rows[name]["encoded_tokens"] == rows[name]["visual_tokens"] > 0
        with safe_open(str(output / name / TOKENS_FILE), framework="pt") as handle:
            assert int(handle.metadata()["tokens"]) == rows[name]["visual_tokens"]
    assert read_manifest(output / "multicolumn")["job_key"] == rows["multicolumn"]["job_key"]
    assert not list(output.rglob(".tmp-*"))


def test_no_encode_writes_pages_only_and_resumes_folders_compress_wrote(local_ray, collection, tmp_path):
    compress_many([collection / "chapter.txt"], tmp_path)
    report = ingest([collection / "chapter.txt", collection / "minimal-document.pdf"], tmp_path, encode=False,
                    workers=2)
    rows = _by_name(report.rows)
    assert rows["chapter"]["status"] == "skipped" and rows["minimal-document"]["status"] == "ok"
    assert not list(tmp_path.rglob(TOKENS_FILE))
    assert rows["minimal-document"]["encoded_tokens"] == 0 and rows["minimal-document"]["encoder"] == ""


def test_without_weights_only_pages_are_written_and_the_report_says_why(local_ray, collection, tmp_path):
    report = ingest([collection / "chapter.txt"], tmp_path, workers=2)
    assert report.pages_only == "pages only: no encoder weights given" and report.encoder == ""
    row = report.rows[0]
    assert row["status"] == "ok" and row["pages"] > 0 and row["encoded_tokens"] == 0
    assert row["encoder"] == row["encoder_key"] == ""
    assert not list(tmp_path.rglob(TOKENS_FILE))


def test_settings_are_checked_before_any_document(tmp_path):
    with pytest.raises(ConfigError, match="timeout"):
        ingest([tmp_path], tmp_path / "out", timeout=0)
    with pytest.raises(ConfigError, match="max_bytes"):
        ingest([tmp_path], tmp_path / "out", max_bytes=-1)
    with pytest.raises(OutputError, match="image format"):
        ingest([tmp_path], tmp_path / "out", image_format="gif")
    with pytest.raises(ConfigError, match="unknown encoder"):
        ingest([tmp_path], tmp_path / "out", encoder="nope")
    with pytest.raises(ConfigError, match="not trained weights"):  # a random initialisation encodes nothing
        ingest([tmp_path], tmp_path / "out", encoder="encoder-tiny")
    with pytest.raises(ConfigError, match="not a reader checkpoint"):
        ingest([tmp_path], tmp_path / "out", encoder=tmp_path)
    assert not (tmp_path / "out").exists()
