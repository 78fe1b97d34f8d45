"""`ask_many` for a local model: documents through a Ray Data actor pool, one model per actor.

    documents (driver) -> from_items -> map_batches(AskDocuments)  `concurrency` actors (default: one per
                                                                      GPU, one on CPUs), each loads the model once
                       -> iter_rows (driver)

A local model holds memory and compute, so its concurrency is a number of actors; CPU actors split the
CPUs between them (torch threads included), GPU actors share the GPUs.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from glyphctx.answering.config import PipelineConfig
from glyphctx.pipelines.answers import SCHEMA, Row, row_of


class AskDocuments:
    """Ray Data callable class: document rows (with the question indexes still to ask) in, answer rows out."""

    def __init__(self, config: PipelineConfig, questions: list[str], max_new_tokens: int | None,
                 threads: int | None = None):
        import torch

        from glyphctx.answering.pipeline import Pipeline

        if threads and not torch.cuda.is_available():
            torch.set_num_threads(threads)
        self.pipeline = Pipeline(config)
        self.questions = questions
        self.max_new_tokens = max_new_tokens

    def __call__(self, batch):
        import pandas as pd

        from glyphctx.pipelines.ask_document import answer_document

        rows: list[Row] = []
        for item in batch.to_dict("records"):
            base = {k: item[k] for k in ("order", "document", "source", "job_key", "pipeline_key")}
            pairs = [(int(i), self.questions[int(i)]) for i in item["pending"]]
            rows += answer_document(self.pipeline, Path(item["folder"]), pairs, base, self.max_new_tokens)
        return pd.DataFrame(rows, columns=SCHEMA.names)


def ask_on_ray(items: list[dict[str, Any]], config: PipelineConfig, questions: list[str], max_new_tokens: int | None,
               concurrency: int | None, handle, on_row: Callable[[Row], None]) -> None:
    """Answer every item's pending questions on the running Ray; a job that breaks leaves failed rows, not gaps."""
    done: set[tuple[int, int]] = set()
    try:
        dataset = _dataset(items, config, questions, max_new_tokens, concurrency, handle.cpus, handle.gpus)
        for row in dataset.iter_rows():
            row = row_of(**row)
            done.add((row["order"], row["question_index"]))
            on_row(row)
    except Exception as exc:  # the job itself broke (an actor that could not start): rows say so
        last = str(exc).strip().splitlines()[-1] if str(exc).strip() else ""
        reason = f"the job stopped: {type(exc).__name__}: {last}"
        for row in _missing(items, questions, done):
            on_row(row_of(**row, status="failed", code="job", reason=reason))


def _missing(items: Iterable[dict[str, Any]], questions: list[str], done: set[tuple[int, int]]):
    for item in items:
        for i in item["pending"]:
            if (item["order"], i) not in done:
                yield {k: item[k] for k in ("order", "document", "source", "job_key", "pipeline_key")} | {
                    "question_index": i, "question": questions[i]}


def _dataset(items: list[dict[str, Any]], config: PipelineConfig, questions: list[str], max_new_tokens: int | None,
             concurrency: int | None, cpus: float, gpus: float):
    import ray.data

    if gpus:
        actors = min(len(items), concurrency or max(1, int(gpus)))
        resources: dict[str, float] = {"num_gpus": min(1.0, gpus / actors),
                                       "num_cpus": 1 if cpus >= 2 * actors else 0.5}
        threads = None
    else:  # CPU models share the CPUs: each takes the threads of the CPUs it holds
        actors = min(len(items), concurrency or 1)
        resources = {"num_cpus": min(1.0, cpus) if actors == 1 else cpus / actors}
        threads = max(1, int(cpus // actors))
    dataset = ray.data.from_items(items, override_num_blocks=len(items))
    return dataset.map_batches(
        AskDocuments, fn_constructor_kwargs={"config": config, "questions": questions,
                                             "max_new_tokens": max_new_tokens, "threads": threads},
        batch_size=1, batch_format="pandas", compute=ray.data.ActorPoolStrategy(size=actors), **resources)
