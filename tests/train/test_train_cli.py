"""`glyphctx train` and `glyphctx eval extrapolation` through typer's CliRunner."""

import json

from typer.testing import CliRunner

from glyphctx.cli.main import app
from tests.train.helpers import CORPUS, write_tiny_preset


def _invoke(*args):
    return CliRunner().invoke(app, [str(a) for a in args])


def _corpus_args():
    return [part for path in CORPUS for part in ("--corpus", path)]


def test_train_runs_resumes_and_feeds_the_extrapolation_eval(tmp_path):
    preset = write_tiny_preset(tmp_path / "tiny.yaml", context=16)
    out = tmp_path / "run"
    run = _invoke("train", "--preset", preset, *_corpus_args(), "-o", out, "--steps", "4")
    assert run.exit_code == 0, run.output
    assert "step 4/4" in run.stderr and "held_out_ppl" in run.stderr
    assert "trained to step 4/4 (4 steps in this run" in run.stdout
    assert len((out / "log.jsonl").read_text().splitlines()) == 4
    again = _invoke("train", "--preset", preset, *_corpus_args(), "-o", out, "--steps", "6")
    assert again.exit_code == 0, again.output
    assert "resuming from the checkpoint at step 4" in again.stderr
    assert "trained to step 6/6 (2 steps in this run" in again.stdout

    table = _invoke("eval", "extrapolation", out / "final", *_corpus_args(), "--lengths", "1,2",
                    "--methods", "none,yarn", "-o", tmp_path / "ext")
    assert table.exit_code == 0, table.output
    assert "16 (1x)" in table.stdout and "32 (2x)" in table.stdout and "yarn" in table.stdout
    saved = json.loads((tmp_path / "ext" / "extrapolation.json").read_text())
    assert saved["methods"] == ["none", "yarn"] and set(saved["perplexity"]["yarn"]) == {"16", "32"}
    assert (tmp_path / "ext" / "extrapolation.md").is_file()


def test_errors_are_one_line_with_exit_code_2(tmp_path):
    bad = write_tiny_preset(tmp_path / "bad.yaml", lr="fast")
    run = _invoke("train", "--preset", bad, *_corpus_args(), "-o", tmp_path / "run")
    assert run.exit_code == 2 and str(bad) in run.stderr and "lr" in run.stderr and "Traceback" not in run.output
    run = _invoke("eval", "extrapolation", tmp_path, *_corpus_args(), "--methods", "none,pi")
    assert run.exit_code == 2 and "pi" in run.stderr
    listing = _invoke("eval", "--help")
    assert listing.exit_code == 0 and "extrapolation" in listing.stdout


def test_under_torchrun_the_verb_joins_the_process_group_and_one_rank_writes(tmp_path):
    import socket
    import subprocess
    import sys

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    preset = write_tiny_preset(tmp_path / "tiny.yaml", context=16, micro_batches=2)
    out = tmp_path / "run"
    command = [sys.executable, "-m", "torch.distributed.run", "--nproc-per-node", "2", "--master-port", str(port),
               "-m", "glyphctx", "train", "--preset", str(preset), *_corpus_args(), "-o", str(out), "--steps", "2"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=300, env={**__import__("os").environ,
                                                                                   "OMP_NUM_THREADS": "1"})
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.count("trained to step 2/2") == 2  # both ranks finish; only rank 0 writes
    assert len((out / "log.jsonl").read_text().splitlines()) == 2 and (out / "final").is_dir()
