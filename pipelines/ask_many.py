"""`ask_many`: questions about every document of an ingested collection, into one Parquet file, resumably.

    index.parquet (driver) -> the (document, question) pairs not yet answered
        local model (reader, VLM)  -> Ray Data actor pool, `concurrency` actors      pipelines/ask_ray.py
        served model (kind openai) -> a thread pool of `concurrency` requests here   pipelines/ask_threads.py
    -> answers.parquet, rewritten atomically as rows come in                         pipelines/answers.py

The collection is what `glyphctx ingest` wrote. A reader reads the stored visual tokens when they are
its own encoder's tokens of the pages it reads, and otherwise encodes the pages (rendered again when
they were drawn another way); each row says which (`tokens_from`) and why not (`tokens_note`). Every
(document, question) pair gets a row: a document that failed to ingest, cannot be read, or does not fit
the window is a failed row with its code and reason. A rerun with the same output keeps the rows
answered before and asks only the failed and missing pairs.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from glyphctx.answering.config import PipelineConfig
from glyphctx.answering.errors import PipelineError
from glyphctx.answering.pipeline import Pipeline
from glyphctx.pipelines.answers import (
    ANSWERS_FILE,
    SCHEMA,
    AnswerTable,
    AskReport,
    Row,
    answered,
    pipeline_key,
    row_of,
    totals,
)

__all__ = ["ANSWERS_FILE", "SCHEMA", "AskReport", "ask_many"]

EXECUTORS = ("ray", "threads")


def _index_path(index_or_folder: str | os.PathLike) -> Path:
    from glyphctx.pipelines.settings import INDEX_FILE

    path = Path(index_or_folder).expanduser()
    index = path / INDEX_FILE if path.is_dir() else path
    if not index.is_file():
        raise PipelineError(f"{path}: no {INDEX_FILE} here; run `glyphctx ingest` on the collection first")
    return index


def _questions(questions: Sequence[str]) -> list[str]:
    if isinstance(questions, str):
        questions = [questions]
    questions = list(questions)
    if not questions or not all(isinstance(q, str) and q.strip() for q in questions):
        raise PipelineError("questions: give one or more non-empty strings")
    return questions


def _positive(name: str, value: int | None) -> None:
    if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 1):
        raise PipelineError(f"{name} must be a positive integer, got {value!r}")


def _check_model(config: PipelineConfig) -> None:
    """Fail before any work when a model folder is missing or of no known kind (weights not loaded)."""
    from glyphctx.answering.reader_model import load_answer_model, reader_checkpoint
    from glyphctx.answering.vlm import is_vlm_folder

    if getattr(config, "served", None) is not None:  # a served model is checked when its client starts
        return
    path = config.model_path
    if not path.exists() or (reader_checkpoint(path) is None and not is_vlm_folder(path)):
        load_answer_model(config)  # raises with the reason


def _executor(pipeline: Pipeline) -> str:
    """threads for a model behind an API (its rows are requests), ray for a model held in memory.

    Told from the config, not the loaded model: loading a local folder here only to look would double
    what each actor loads, and loading a served model asks its server, which may be down; that must
    give failed rows, not stop the job before it starts.
    """
    return "ray" if getattr(pipeline.config, "served", None) is None else "threads"


def ask_many(
    pipeline: Pipeline | PipelineConfig,
    index_or_folder: str | os.PathLike,
    questions: Sequence[str],
    output: str | os.PathLike,
    *,
    address: str | None = None,
    workers: int | None = None,
    concurrency: int | None = None,
    executor: str | None = None,
    max_new_tokens: int | None = None,
    on_done: Callable[[Row], None] | None = None,
) -> AskReport:
    """Answer `questions` about every document under an ingest output, one row per pair, into `output`.

    `pipeline` is a `Pipeline` or its `PipelineConfig`. `output` is a .parquet file (or a folder, which
    gets answers.parquet); rows it already holds answered for the same documents and pipeline are kept.

    `concurrency` bounds the work in flight: requests to a served model (default 8), actors of a local
    model (default one per GPU, else one). `executor` ("ray" or "threads") overrides where the model
    runs: by default a served model (kind "openai") answers from a thread pool in this process and a
    local one in a Ray actor pool; `address` / RAY_ADDRESS joins a cluster whose workers see the same
    paths, otherwise an embedded local Ray with `workers` CPUs starts.
    """
    from glyphctx.pipelines.index import read_index

    started = time.perf_counter()
    pipeline = pipeline if isinstance(pipeline, Pipeline) else Pipeline(pipeline)
    config = pipeline.config
    index = _index_path(index_or_folder)
    questions = _questions(questions)
    _positive("workers", workers)
    _positive("concurrency", concurrency)
    if executor is not None and executor not in EXECUTORS:
        raise PipelineError(f"executor must be one of {', '.join(EXECUTORS)}, got {executor!r}")
    _check_model(config)
    output = Path(output).expanduser()
    if output.is_dir() or output.suffix.lower() != ".parquet":
        output = output / ANSWERS_FILE
    key = pipeline_key(config, max_new_tokens)
    before = answered(output, key)
    rows: list[Row] = []
    items = []
    kept = 0
    for doc in read_index(index):
        base = {"order": doc["order"], "document": doc["name"], "source": doc["source"], "job_key": doc["job_key"],
                "pipeline_key": key}
        if doc["status"] == "failed":  # nothing to read: each question is a failed row with the ingest reason
            rows += [row_of(**base, question_index=i, question=q, status="failed", code=f"ingest:{doc['code']}",
                            reason=doc["reason"]) for i, q in enumerate(questions)]
            continue
        pending = []
        for i, question in enumerate(questions):
            earlier = before.get((doc["name"], question, doc["job_key"]))
            if earlier is None:
                pending.append(i)
            else:
                rows.append(earlier | {"order": doc["order"], "question_index": i, "source": doc["source"]})
                kept += 1
        if pending:
            items.append({**base, "folder": str(index.parent / doc["name"]), "pending": pending})
    if on_done:
        for row in rows:
            on_done(row)
    table = AnswerTable(output, rows, on_done)
    startup = 0.0
    chosen = executor or (_executor(pipeline) if items else "ray")
    try:
        if items and chosen == "threads":
            from glyphctx.pipelines.ask_threads import ask_in_threads

            ask_in_threads(items, pipeline, questions, max_new_tokens, concurrency, table.add)
        elif items:
            from glyphctx.pipelines.ask_ray import ask_on_ray
            from glyphctx.pipelines.ray_runtime import start_ray

            began = time.perf_counter()
            handle = start_ray(address, num_cpus=workers)
            startup = time.perf_counter() - began
            try:
                ask_on_ray(items, config, questions, max_new_tokens, concurrency, handle, table.add)
            finally:
                handle.shutdown()
    finally:  # also when stopped: what was answered is kept for the rerun
        table.write()
    return AskReport(table.rows, output, time.perf_counter() - started, startup, totals(table.rows, kept), chosen)
