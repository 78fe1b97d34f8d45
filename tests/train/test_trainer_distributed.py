"""Two gloo processes under DistributedDataParallel train exactly as one process with the same micro-batches."""

import json
import socket

import pytest
import torch
import torch.multiprocessing as mp

from glyphctx.train import TrainSettings, train
from tests.train.helpers import RegressionTask, ddp_worker

SETTINGS = TrainSettings(steps=5, micro_batches=4, lr=0.01, warmup_steps=1, checkpoint_every=5, eval_every=5,
                         log_every=1)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_two_ranks_match_one_process(tmp_path):
    single = train(RegressionTask(rows=8, micro_batches=4, dropout=0.0), SETTINGS, tmp_path / "one")
    # fork: the children inherit the imported modules instead of importing torch again
    mp.start_processes(ddp_worker, args=(2, _free_port(), str(tmp_path / "two"), SETTINGS), nprocs=2, join=True,
                       start_method="fork")
    rows = [json.loads(line) for line in (tmp_path / "two" / "log.jsonl").read_text().splitlines()]
    assert [r["step"] for r in rows] == [1, 2, 3, 4, 5]  # rank 0 alone writes
    for row in rows:
        assert row["loss"] == pytest.approx(single.losses[row["step"]], rel=1e-5)
    a = torch.load(tmp_path / "one" / "final" / "weights.pt", weights_only=True)
    b = torch.load(tmp_path / "two" / "final" / "weights.pt", weights_only=True)
    for key in a:
        torch.testing.assert_close(b[key], a[key], rtol=1e-5, atol=1e-6)
