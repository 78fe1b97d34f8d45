"""Small tasks and presets shared by the training tests: fast enough to train for real on one core."""

from __future__ import annotations

from pathlib import Path

import torch
import yaml
from torch import nn

from glyphctx.train.lm_task import LMTask

DATA = Path(__file__).resolve().parents[1] / "data"
CORPUS = [str(DATA / "pride-and-prejudice-ch1.txt"), str(DATA / "text")]

#: a dense two-layer GlyphLM small enough to train a few steps in well under a second
TINY_MODEL = {
    "preset": "glyphlm-tiny", "hidden_size": 32, "intermediate_size": 64, "num_hidden_layers": 2,
    "num_attention_heads": 2, "num_key_value_heads": 1, "head_dim": 16, "max_position_embeddings": 32,
    "layer_types": ["full_attention", "full_attention"], "num_experts": 0, "vision_hidden_size": None,
    "rope_parameters": {"rope_type": "default", "rope_theta": 10000.0},
}


class RegressionTask:
    """y = x W + noise with an MLP; dropout makes the result depend on the per-step random state.

    Each step has one batch of `rows` rows; micro-batch m of `micro_batches` takes its slice, so one
    step sees the same rows however it is split.
    """

    def __init__(self, rows: int = 8, micro_batches: int = 1, dropout: float = 0.1):
        self.rows, self.micro_batches, self.dropout = rows, micro_batches, dropout
        self.weight = torch.randn(6, 3, generator=torch.Generator().manual_seed(123))
        self.saved: list[Path] = []
        self.evaluated = 0

    def build(self, seed: int) -> nn.Module:
        torch.manual_seed(seed)
        return nn.Sequential(nn.Linear(6, 16), nn.GELU(), nn.Dropout(self.dropout), nn.Linear(16, 3))

    def batch(self, step: int, micro: int, seed: int):
        generator = torch.Generator().manual_seed(seed * 10_000 + step)
        x = torch.randn(self.rows, 6, generator=generator)
        y = x @ self.weight + 0.01 * torch.randn(self.rows, 3, generator=generator)
        size = self.rows // self.micro_batches
        return {"x": x[micro * size:(micro + 1) * size], "y": y[micro * size:(micro + 1) * size]}

    def loss(self, model, batch):
        loss = nn.functional.mse_loss(model(batch["x"]), batch["y"])
        return loss, {"mse": float(loss.detach())}

    def evaluate(self, model):
        self.evaluated += 1
        x = torch.randn(32, 6, generator=torch.Generator().manual_seed(7))
        return {"held_out_mse": float(nn.functional.mse_loss(model(x), x @ self.weight))}

    def save(self, model, folder: Path) -> None:
        torch.save(model.state_dict(), Path(folder) / "weights.pt")
        self.saved.append(Path(folder))


def tiny_lm_task(context: int = 32, batch_size: int = 2) -> LMTask:
    from glyphctx.common.corpus import load_corpus

    return LMTask(corpus=load_corpus(CORPUS), context=context, batch_size=batch_size, model=dict(TINY_MODEL))


def write_tiny_preset(path: Path, **changes) -> Path:
    data = {"task": "lm", "context": 32, "batch_size": 2, "model": dict(TINY_MODEL), "steps": 6,
            "warmup_steps": 2, "lr": 0.003, "checkpoint_every": 2, "eval_every": 3, "log_every": 1, "seed": 0}
    data.update(changes)
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


def ddp_worker(rank: int, world_size: int, port: int, folder: str, settings) -> None:
    """One rank of a gloo run of RegressionTask; the parent compares rank 0's outputs with one process."""
    import os
    from datetime import timedelta

    import torch.distributed as dist

    from glyphctx.train import train

    os.environ["MASTER_ADDR"], os.environ["MASTER_PORT"] = "127.0.0.1", str(port)
    torch.set_num_threads(1)
    dist.init_process_group("gloo", rank=rank, world_size=world_size, timeout=timedelta(seconds=60))
    try:
        train(RegressionTask(rows=8, micro_batches=settings.micro_batches, dropout=0.0), settings, Path(folder))
    finally:
        dist.destroy_process_group()
