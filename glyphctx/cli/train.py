"""`glyphctx train`: train a preset's task on a corpus; resumes from the newest checkpoint by default."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.markup import escape

from glyphctx.cli import options
from glyphctx.cli.console import err, out, reports_errors


def _format_row(row: dict, total: int) -> str:
    parts = [f"step {row['step']}/{total}", f"loss {row['loss']:.4f}", f"lr {row['lr']:.2e}"]
    parts += [f"{k} {v:.4g}" for k, v in row.get("metrics", {}).items() if k != "loss"]
    parts += [f"{k} {v:.4g}" for k, v in row.get("eval", {}).items()]
    parts.append(f"{row['seconds']:.2f} s/step")
    return ", ".join(parts)


def _join_torchrun_group() -> bool:
    """Under torchrun (WORLD_SIZE > 1) join its process group, so the trainer runs DistributedDataParallel."""
    import os

    import torch
    import torch.distributed as dist

    if int(os.environ.get("WORLD_SIZE", "1")) <= 1 or dist.is_initialized():
        return False
    dist.init_process_group("nccl" if torch.cuda.is_available() else "gloo")
    return True


@reports_errors
def train(
    preset: Annotated[str, typer.Option("--preset", help="Train preset name (configs/train/) or YAML file.")],
    corpus: options.Corpus,
    output: options.Output,
    steps: int | None = typer.Option(None, "--steps", help="Override the preset's number of steps."),
    seed: options.Seed = None,
    no_resume: bool = typer.Option(False, "--no-resume", help="Start over, deleting the folder's checkpoints and log."),
) -> None:
    """Train a model from a preset; rerun the same command to resume after an interruption.

    --output is the run folder: checkpoints/, log.jsonl, final/. --seed overrides the preset's.
    """
    import torch

    from glyphctx.train import build_task, load_corpus, load_preset
    from glyphctx.train.loop import train as run_training

    joined = _join_torchrun_group()
    try:
        chosen = load_preset(preset).with_settings(steps=steps, seed=seed)
        err.print(f"preset {escape(chosen.name)} (task {chosen.task}): {chosen.settings.steps} steps, "
                  f"{chosen.settings.micro_batches} micro-batch(es) per step, seed {chosen.settings.seed}, "
                  f"{torch.get_num_threads()} CPU thread(s), device {'cuda' if torch.cuda.is_available() else 'cpu'}",
                  highlight=False)
        task = build_task(chosen, load_corpus(corpus))
        total = chosen.settings.steps
        report = run_training(
            task, chosen.settings, output, resume=not no_resume,
            on_log=lambda row: err.print(escape(_format_row(row, total)), highlight=False),
            on_resume=lambda step: err.print(f"resuming from the checkpoint at step {step}", highlight=False),
        )
    finally:
        if joined:
            torch.distributed.destroy_process_group()
    last = report.evaluations[max(report.evaluations)] if report.evaluations else {}
    scores = ", ".join(f"{k} {v:.4g}" for k, v in last.items())
    ran = len(report.losses)
    out.print(f"trained to step {report.steps}/{total} ({ran} step{'' if ran == 1 else 's'} in this run, "
              f"{report.seconds:.1f} s){'; ' + scores if scores else ''}; model in "
              f"{escape(str(report.final or output))}", highlight=False)
