"""TrainSettings: the optimiser, schedule and bookkeeping knobs shared by every training task."""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

from glyphctx.errors import ConfigError


@dataclass(frozen=True)
class TrainSettings:
    """steps: optimiser steps in the whole run (a resumed run continues up to it).
    micro_batches: micro-batches whose gradients add up to one step (gradient accumulation); with
        several processes each takes its share, so the effective batch stays the same.
    lr: peak learning rate, reached after warmup_steps of linear warm-up.
    warmup_steps: steps of linear warm-up from lr / warmup_steps.
    min_lr_ratio: the cosine decay ends at lr * min_lr_ratio on the last step.
    weight_decay: AdamW decoupled weight decay (on matrices only; norms, biases and embeddings are exempt).
    grad_clip: clip the global gradient norm to this (0: no clipping).
    betas: AdamW's moment decay rates.
    seed: seeds the model's initialisation, every batch and the per-step random state.
    checkpoint_every: write a resumable checkpoint every this many steps (and at the last step).
    keep_checkpoints: how many of the newest checkpoints stay on disk.
    eval_every: call the task's held-out evaluation every this many steps (and at the last step).
    log_every: write a line to log.jsonl every this many steps.
    """

    steps: int = 1000
    micro_batches: int = 1
    lr: float = 1e-3
    warmup_steps: int = 100
    min_lr_ratio: float = 0.1
    weight_decay: float = 0.1
    grad_clip: float = 1.0
    betas: tuple[float, float] = (0.9, 0.95)
    seed: int = 0
    checkpoint_every: int = 200
    keep_checkpoints: int = 2
    eval_every: int = 200
    log_every: int = 10

    def __post_init__(self) -> None:
        for name in ("steps", "micro_batches", "checkpoint_every", "keep_checkpoints", "eval_every", "log_every"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ConfigError(f"{name}: expected a positive integer, got {value!r}")
        if isinstance(self.warmup_steps, bool) or not isinstance(self.warmup_steps, int) or self.warmup_steps < 0:
            raise ConfigError(f"warmup_steps: expected an integer >= 0, got {self.warmup_steps!r}")
        if isinstance(self.seed, bool) or not isinstance(self.seed, int) or self.seed < 0:
            raise ConfigError(f"seed: expected an integer >= 0, got {self.seed!r}")
        for name, low in (("lr", 0.0), ("weight_decay", None), ("grad_clip", None)):
            value = getattr(self, name)
            if not isinstance(value, (int, float)) or isinstance(value, bool) or not math.isfinite(value) \
                    or value < 0 or (low is not None and value <= low):
                raise ConfigError(f"{name}: expected a {'positive' if low is not None else 'non-negative'} number, "
                                  f"got {value!r}")
        if not isinstance(self.min_lr_ratio, (int, float)) or not 0 <= self.min_lr_ratio <= 1:
            raise ConfigError(f"min_lr_ratio: expected a number in [0, 1], got {self.min_lr_ratio!r}")
        betas = tuple(self.betas) if isinstance(self.betas, (list, tuple)) else ()
        if len(betas) != 2 or not all(isinstance(b, (int, float)) and 0 <= b < 1 for b in betas):
            raise ConfigError(f"betas: expected two numbers in [0, 1), got {self.betas!r}")
        object.__setattr__(self, "betas", (float(betas[0]), float(betas[1])))

    def lr_at(self, step: int) -> float:
        """Learning rate of 0-based `step`: linear warm-up, then cosine down to lr * min_lr_ratio."""
        if step < self.warmup_steps:
            return self.lr * (step + 1) / self.warmup_steps
        span = max(self.steps - self.warmup_steps - 1, 1)
        progress = min((step - self.warmup_steps) / span, 1.0)
        floor = self.lr * self.min_lr_ratio
        return floor + 0.5 * (self.lr - floor) * (1 + math.cos(math.pi * progress))

    @classmethod
    def field_names(cls) -> set[str]:
        return {f.name for f in dataclasses.fields(cls)}

    def replace(self, **changes) -> TrainSettings:
        return dataclasses.replace(self, **changes)

    def to_dict(self) -> dict:
        out = dataclasses.asdict(self)
        out["betas"] = list(self.betas)
        return out
