"""A run stopped mid-way and resumed reproduces the uninterrupted run: losses and weights."""

import json
import shutil

import pytest
import torch

from glyphctx.train import TrainSettings, train
from glyphctx.train.checkpoint import latest_checkpoint, list_checkpoints
from glyphctx.train.errors import TrainError
from tests.train.helpers import RegressionTask, tiny_lm_task

SETTINGS = TrainSettings(steps=9, lr=0.01, warmup_steps=2, checkpoint_every=3, eval_every=4, log_every=1, seed=3)


def _weights(folder):
    return torch.load(folder / "final" / "weights.pt", weights_only=True)


def test_stop_and_resume_reproduces_losses_and_weights(tmp_path):
    whole = train(RegressionTask(), SETTINGS, tmp_path / "whole")
    first = train(RegressionTask(), SETTINGS, tmp_path / "split", stop_after=7)
    assert first.steps == 7 and first.final is None and not (tmp_path / "split" / "final").exists()
    second = train(RegressionTask(), SETTINGS, tmp_path / "split")
    assert second.resumed_from == 6  # the newest checkpoint before the stop; step 7 is run again
    assert sorted(second.losses) == [7, 8, 9]
    combined = {**{s: v for s, v in first.losses.items() if s <= 6}, **second.losses}
    assert sorted(combined) == sorted(whole.losses)
    for step, loss in whole.losses.items():
        assert combined[step] == pytest.approx(loss, rel=1e-6), step
    for key, value in _weights(tmp_path / "whole").items():
        torch.testing.assert_close(_weights(tmp_path / "split")[key], value, rtol=0, atol=0)
    # the log holds each step once, the re-run step 7 with the resumed run's figures
    rows = [json.loads(line) for line in (tmp_path / "split" / "log.jsonl").read_text().splitlines()]
    assert [r["step"] for r in rows] == list(range(1, 10))
    assert rows[-1]["eval"] == whole.evaluations[9]


def test_lm_task_resume_matches_uninterrupted_run(tmp_path):
    settings = TrainSettings(steps=5, lr=0.003, warmup_steps=1, checkpoint_every=2, eval_every=5, log_every=1)
    whole = train(tiny_lm_task(), settings, tmp_path / "whole")
    train(tiny_lm_task(), settings, tmp_path / "split", stop_after=3)
    second = train(tiny_lm_task(), settings, tmp_path / "split")
    assert second.resumed_from == 2
    for step in (3, 4, 5):
        assert second.losses[step] == pytest.approx(whole.losses[step], rel=1e-6)
    from safetensors.torch import load_file

    a = load_file(tmp_path / "whole" / "final" / "model.safetensors")
    b = load_file(tmp_path / "split" / "final" / "model.safetensors")
    assert a.keys() == b.keys()
    for key in a:
        torch.testing.assert_close(b[key], a[key], rtol=1e-6, atol=1e-7)


def test_keeps_the_last_two_checkpoints_and_writes_final(tmp_path):
    task = RegressionTask()
    report = train(task, SETTINGS, tmp_path)
    assert [c.step for c in list_checkpoints(tmp_path)] == [6, 9]
    assert report.final == tmp_path / "final" and task.saved and (report.final / "weights.pt").is_file()
    state = json.loads((tmp_path / "checkpoints" / "step-00000009" / "state.json").read_text())
    assert state["step"] == 9 and {"python", "torch", "numpy"} <= set(state["rng"])
    assert sorted(report.evaluations) == [4, 8, 9]


def test_leftover_temporary_and_incomplete_folders_are_ignored(tmp_path):
    train(RegressionTask(), SETTINGS, tmp_path, stop_after=6)
    root = tmp_path / "checkpoints"
    junk = root / ".tmp-step-00000008-abc"
    junk.mkdir()
    (junk / "model.safetensors").write_bytes(b"half a file")
    incomplete = root / "step-00000007"
    shutil.copytree(root / "step-00000006", incomplete)
    (incomplete / "optimizer.pt").unlink()  # a folder without all its files is not a checkpoint
    assert latest_checkpoint(tmp_path).step == 6
    report = train(RegressionTask(), SETTINGS, tmp_path)
    assert report.resumed_from == 6 and report.steps == 9
    assert not junk.exists()


def test_no_resume_starts_over(tmp_path):
    train(RegressionTask(), SETTINGS, tmp_path, stop_after=4)
    report = train(RegressionTask(), SETTINGS, tmp_path, resume=False)
    assert report.resumed_from is None and sorted(report.losses) == list(range(1, 10))


def test_resume_refuses_changed_optimiser_settings(tmp_path):
    train(RegressionTask(), SETTINGS, tmp_path, stop_after=3)
    with pytest.raises(TrainError, match="lr"):
        train(RegressionTask(), SETTINGS.replace(lr=0.5), tmp_path)
    # more steps only extend the run
    assert train(RegressionTask(), SETTINGS.replace(steps=10), tmp_path).steps == 10


def test_gradient_accumulation_matches_one_large_batch(tmp_path):
    settings = TrainSettings(steps=4, lr=0.01, warmup_steps=1, checkpoint_every=4, eval_every=4, log_every=1)
    one = train(RegressionTask(rows=8, micro_batches=1, dropout=0.0), settings, tmp_path / "one")
    four = train(RegressionTask(rows=8, micro_batches=4, dropout=0.0), settings.replace(micro_batches=4),
                 tmp_path / "four")
    for step, loss in one.losses.items():
        assert four.losses[step] == pytest.approx(loss, rel=1e-5)
    a = torch.load(tmp_path / "one" / "final" / "weights.pt", weights_only=True)
    b = torch.load(tmp_path / "four" / "final" / "weights.pt", weights_only=True)
    for key in a:
        torch.testing.assert_close(b[key], a[key], rtol=1e-5, atol=1e-6)
