"""The generic trainer: AdamW, warm-up + cosine, gradient accumulation, checkpoints, resume, DDP.

A run is a pure function of (task, settings): batches depend only on (seed, step, micro-batch) and
the torch random state is reseeded at every step from (seed, step), so a run resumed from a
checkpoint reproduces the losses of the run that was never interrupted, step for step.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import tempfile
import time
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import torch
import torch.distributed as dist
from torch import Tensor, nn

from glyphctx.io.atomic import atomic_write_text
from glyphctx.train.checkpoint import (
    latest_checkpoint,
    load_checkpoint,
    remove_temporary,
    set_rng_state,
    write_checkpoint,
)
from glyphctx.train.errors import TrainError
from glyphctx.train.settings import TrainSettings

LOG_FILE = "log.jsonl"
FINAL_DIR = "final"
#: settings a resumed run may change without breaking the reproduced loss curve
BOOKKEEPING = {"steps", "checkpoint_every", "keep_checkpoints", "eval_every", "log_every"}


class TrainTask(Protocol):
    def build(self, seed: int) -> nn.Module: ...

    def batch(self, step: int, micro: int, seed: int) -> Any: ...

    def loss(self, model: nn.Module, batch: Any) -> tuple[Tensor, dict[str, float]]: ...

    def evaluate(self, model: nn.Module) -> dict[str, float]: ...

    def save(self, model: nn.Module, folder: Path) -> None: ...


@dataclass
class TrainReport:
    output: Path
    steps: int  # the last step completed
    resumed_from: int | None  # the checkpoint step this call started from
    losses: dict[int, float] = field(default_factory=dict)  # step -> loss, for the steps this call ran
    evaluations: dict[int, dict[str, float]] = field(default_factory=dict)
    final: Path | None = None  # None when stopped early
    seconds: float = 0.0


def step_seed(seed: int, step: int, rank: int = 0) -> int:
    """The torch seed of one step: distinct for every (seed, step, rank), the same on every run."""
    return (seed * 1_000_003 + step * 7_919 + rank * 104_729) % (2 ** 63 - 1)


def _world() -> tuple[int, int]:
    if dist.is_available() and dist.is_initialized():
        return dist.get_world_size(), dist.get_rank()
    return 1, 0


def _device(world: int) -> torch.device:
    if torch.cuda.is_available():
        index = int(os.environ.get("LOCAL_RANK", "0")) if world > 1 else torch.cuda.current_device()
        torch.cuda.set_device(index)
        return torch.device("cuda", index)
    return torch.device("cpu")


def to_device(batch: Any, device: torch.device) -> Any:
    """Move every tensor of a batch (tensors, dicts, lists, tuples of them) to `device`."""
    if isinstance(batch, Tensor):
        return batch.to(device, non_blocking=True)
    if isinstance(batch, dict):
        return {k: to_device(v, device) for k, v in batch.items()}
    if isinstance(batch, (list, tuple)):
        return type(batch)(to_device(v, device) for v in batch)
    return batch


def param_groups(model: nn.Module, weight_decay: float) -> list[dict]:
    """Weight decay on matrices only: norms, biases and embeddings shrink toward nothing useful."""
    embeddings = {id(m.weight) for m in model.modules() if isinstance(m, nn.Embedding)}
    decay, keep, seen = [], [], set()
    for param in model.parameters():
        if not param.requires_grad or id(param) in seen:
            continue
        seen.add(id(param))
        (decay if param.dim() >= 2 and id(param) not in embeddings else keep).append(param)
    return [{"params": decay, "weight_decay": weight_decay}, {"params": keep, "weight_decay": 0.0}]


def autocast(device: torch.device):
    """bf16 autocast on CUDA; fp32 elsewhere (CPU bf16 is slow and changes the reference losses)."""
    return torch.autocast("cuda", dtype=torch.bfloat16) if device.type == "cuda" else nullcontext()


def _rewrite_log(path: Path, last_step: int) -> None:
    """Drop log lines after the resumed checkpoint: those steps are run again."""
    if not path.is_file():
        return
    kept = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            if json.loads(line)["step"] <= last_step:
                kept.append(line)
        except (ValueError, KeyError, TypeError):
            continue  # a line cut short by a kill
    atomic_write_text(path, "".join(f"{line}\n" for line in kept))


def _check_resumable(saved: dict, settings: TrainSettings, checkpoint: Path) -> None:
    old = saved.get("settings", {})
    new = settings.to_dict()
    changed = sorted(k for k in new if k not in BOOKKEEPING and k in old and old[k] != new[k])
    if changed:
        raise TrainError(f"{checkpoint}: saved with different {', '.join(changed)} "
                         f"({', '.join(f'{k}={old[k]!r}' for k in changed)}); use a new output folder or --no-resume")


def _save_final(task: TrainTask, model: nn.Module, output: Path) -> Path:
    final = output / FINAL_DIR
    tmp = Path(tempfile.mkdtemp(prefix=".tmp-final-", dir=output))
    try:
        task.save(model, tmp)
        if final.exists():
            shutil.rmtree(final)
        os.replace(tmp, final)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return final


def train(task: TrainTask, settings: TrainSettings, output: Path, *, resume: bool = True,
          stop_after: int | None = None, on_log: Callable[[dict], None] | None = None,
          on_resume: Callable[[int], None] | None = None) -> TrainReport:
    """Train `task` to `settings.steps`, writing checkpoints, log.jsonl and final/ under `output`.

    resume: continue from the newest complete checkpoint in `output` (False: start over, removing
    the old checkpoints and log). stop_after: end after that step without writing final/, as a
    killed run would. on_log gets every log.jsonl row; on_resume the step a resumed run starts from.
    """
    started = time.perf_counter()
    output = Path(output)
    world, rank = _world()
    if settings.micro_batches % world:
        raise TrainError(f"micro_batches ({settings.micro_batches}) must be a multiple of the world size ({world})")
    local_micro = settings.micro_batches // world
    device = _device(world)
    writer = rank == 0
    log_path = output / LOG_FILE
    if writer:
        try:
            output.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise TrainError(f"{output}: cannot create the output folder ({exc.strerror or exc})") from None
        remove_temporary(output)
        for leftover in output.glob(".tmp-final-*"):  # final/ of a run killed while saving it
            shutil.rmtree(leftover, ignore_errors=True)
        if not resume:
            shutil.rmtree(output / "checkpoints", ignore_errors=True)
            log_path.unlink(missing_ok=True)
    if world > 1:
        dist.barrier()

    torch.manual_seed(step_seed(settings.seed, 0))
    model = task.build(settings.seed).to(device)
    optimizer = torch.optim.AdamW(param_groups(model, settings.weight_decay), lr=settings.lr,
                                  betas=settings.betas, fused=device.type == "cuda")
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda i: settings.lr_at(i) / settings.lr)

    start, resumed_from = 0, None
    checkpoint = latest_checkpoint(output) if resume else None
    if checkpoint is not None:
        saved = load_checkpoint(checkpoint, model, optimizer, scheduler)
        _check_resumable(saved, settings, checkpoint.path)
        set_rng_state(saved["rng"])
        start = resumed_from = int(saved["step"])
        if on_resume is not None:
            on_resume(start)
    if writer:
        _rewrite_log(log_path, start)

    wrapped = model
    if world > 1:
        from torch.nn.parallel import DistributedDataParallel

        wrapped = DistributedDataParallel(model, device_ids=[device.index] if device.type == "cuda" else None)

    report = TrainReport(output=output, steps=start, resumed_from=resumed_from)
    end = settings.steps if stop_after is None else min(settings.steps, stop_after)
    for step in range(start + 1, end + 1):
        tick = time.perf_counter()
        torch.manual_seed(step_seed(settings.seed, step, rank))
        model.train()
        optimizer.zero_grad(set_to_none=True)
        total, sums = 0.0, {}
        for i in range(local_micro):
            batch = to_device(task.batch(step, i * world + rank, settings.seed), device)
            sync = world == 1 or i == local_micro - 1
            with (nullcontext() if sync else wrapped.no_sync()), autocast(device):
                loss, metrics = task.loss(wrapped, batch)
            (loss / local_micro).backward()
            total += float(loss.detach())
            for key, value in metrics.items():
                sums[key] = sums.get(key, 0.0) + float(value)
        grad_norm = None
        if settings.grad_clip > 0:
            grad_norm = float(torch.nn.utils.clip_grad_norm_(model.parameters(), settings.grad_clip))
        lr = optimizer.param_groups[0]["lr"]
        optimizer.step()
        scheduler.step()
        mean = total / local_micro
        metrics = {k: v / local_micro for k, v in sums.items()}
        if world > 1:
            values = torch.tensor([mean, *metrics.values()], device=device, dtype=torch.float64)
            dist.all_reduce(values)
            mean, *rest = (values / world).tolist()
            metrics = dict(zip(metrics, rest))
        if not math.isfinite(mean):
            raise TrainError(f"step {step}: the loss is {mean}; lower lr or check the task's data")
        report.losses[step] = mean
        report.steps = step

        row = None
        if step % settings.log_every == 0 or step == settings.steps:
            row = {"step": step, "loss": mean, "lr": lr, "seconds": time.perf_counter() - tick, "metrics": metrics}
            if grad_norm is not None:
                row["grad_norm"] = grad_norm
        if step % settings.eval_every == 0 or step == settings.steps:
            if writer:
                model.eval()
                with torch.no_grad(), autocast(device):
                    evaluation = {k: float(v) for k, v in task.evaluate(model).items()}
                report.evaluations[step] = evaluation
                row = row or {"step": step, "loss": mean, "lr": lr, "seconds": time.perf_counter() - tick,
                              "metrics": metrics}
                row["eval"] = evaluation
            if world > 1:
                dist.barrier()
        if row is not None and writer:
            with open(log_path, "a", encoding="utf-8") as stream:
                stream.write(json.dumps(row) + "\n")
            if on_log is not None:
                on_log(row)
        if step % settings.checkpoint_every == 0 or step == settings.steps:
            if writer:
                state = {"settings": settings.to_dict(), "losses": {str(step): mean}}
                write_checkpoint(output, step, model, optimizer, scheduler, state, settings.keep_checkpoints)
            if world > 1:
                dist.barrier()

    if report.steps == settings.steps:
        if writer:
            model.eval()
            report.final = _save_final(task, model, output)
        if world > 1:
            dist.barrier()
    report.seconds = time.perf_counter() - started
    return report
