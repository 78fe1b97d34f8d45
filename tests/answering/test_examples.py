"""The examples run as a user would run them, on a tiny VLM built here and a PDF made on the fly."""

import os
import subprocess
import sys
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from tests.pdf_builders import three_page_pdf

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"


def run(command, cwd, **env):
    environment = {**os.environ, "RAY_AUTH_MODE": "disabled", "OMP_NUM_THREADS": "1", **env}
    environment.pop("RAY_ADDRESS", None)
    done = subprocess.run(command, cwd=cwd, env=environment, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, f"{command} exited {done.returncode}\n{done.stdout}\n{done.stderr}"
    return done.stdout, done.stderr


def test_python_api_example(tiny_vlm, tmp_path):
    out, _ = run([sys.executable, str(EXAMPLES / "python_api.py"), "--model", str(tiny_vlm), "--question", "Who?"],
                 tmp_path)
    for line in ("visual tokens", "encoded: ", "answer: ", "budget: ", "timings: extract", "plain text: "):
        assert line in out, out


def test_cli_pdf_example(tiny_vlm, tmp_path):
    pdf = three_page_pdf(tmp_path / "paper.pdf")
    out, _ = run(["bash", str(EXAMPLES / "cli_pdf.sh"), str(pdf), "Which page begins here?", str(tiny_vlm)],
                 tmp_path, OUT=str(tmp_path / "out"))
    assert (tmp_path / "out" / "paper" / "manifest.json").is_file()
    for part in ("1 document", "pages (visual tokens)", "plain text (text tokens)", "budget: ", "timings: "):
        assert part in out, out


@pytest.mark.parametrize("address", ["127.0.0.1:1"])  # no head there: the job falls back to a local Ray
def test_ingest_cluster_example_falls_back_to_a_local_ray(tmp_path, chapter, address):
    # answering (--model) runs ask_many, tested on its own in test_ask_many; here the job and the fallback
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "chapter.txt").write_text(chapter[:2000], encoding="utf-8")
    (corpus / "broken.pdf").write_bytes(b"%PDF-1.7 not really")
    done = subprocess.run(
        [sys.executable, str(EXAMPLES / "ingest_cluster.py"), str(corpus), str(tmp_path / "out"), "--address", address,
         "--workers", "1", "--no-encode"],
        cwd=tmp_path, capture_output=True, text=True, timeout=120,
        env={**os.environ, "RAY_AUTH_MODE": "disabled", "OMP_NUM_THREADS": "1"})
    assert done.returncode == 1, done.stdout + done.stderr  # the broken PDF fails; the job does not
    assert "running on a local Ray instead" in done.stderr and "Ray: local" in done.stdout
    assert "ingest: 2 documents, 1 ok, 1 failed" in done.stdout
    rows = pq.read_table(tmp_path / "out" / "index.parquet").to_pylist()
    assert [(r["name"], r["status"]) for r in rows] == [("broken", "failed"), ("chapter", "ok")]
