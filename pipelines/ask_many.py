"""`ask_many`: questions about every document of an ingested collection, on Ray Data, into one Parquet file.

    index.parquet (driver) -> from_items -> map_batches(AskDocuments)   actor pool, one model per actor
                                                                          (one GPU each where there are GPUs)
                           -> iter_rows (driver) -> answers.parquet, written atomically

The collection is what `glyphctx ingest` wrote: pages are read back from each document's folder, not
rendered again (unless a reader needs its own render config). Every (document, question) pair gets a
row; a document that failed to ingest, cannot be read, or does not fit the window is a failed row
with its code and reason, and a job that breaks midway still writes a row for every pair.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Sequence

import pyarrow as pa

from glyphctx.answering.config import PipelineConfig
from glyphctx.answering.pipeline import Pipeline
from glyphctx.answering.errors import PipelineError
from glyphctx.errors import failure_of
from glyphctx.pipelines.rows import typed_row, write_table

ANSWERS_FILE = "answers.parquet"

SCHEMA = pa.schema([
    ("order", pa.int64()),  # the document's place in the index
    ("question_index", pa.int64()),
    ("document", pa.string()),
    ("source", pa.string()),
    ("question", pa.string()),
    ("status", pa.string()),  # ok or failed
    ("code", pa.string()),  # why it failed: too-long, model, ingest:<code>, error, job
    ("reason", pa.string()),
    ("answer", pa.string()),
    ("model", pa.string()),
    ("pages", pa.int64()),
    ("text_tokens", pa.int64()),  # the document's text in the model's tokenizer: the plain path
    ("visual_tokens", pa.int64()),
    ("input_tokens", pa.int64()),  # every position the visual prompt took
    ("ratio", pa.float64()),
    ("read_s", pa.float64()),  # reading the ingested pages back (or rendering them for a reader)
    ("encode_s", pa.float64()),
    ("generate_s", pa.float64()),
    ("seconds", pa.float64()),
])

Row = dict[str, Any]


def row_of(**values: Any) -> Row:
    return typed_row(SCHEMA, values)


@dataclass
class AskReport:
    rows: list[Row]
    output: Path
    seconds: float
    startup_seconds: float
    totals: dict[str, Any] = field(default_factory=dict)

    @property
    def failed(self) -> list[Row]:
        return [row for row in self.rows if row["status"] == "failed"]


def answer_document(pipeline, folder: Path, questions: Sequence[str], base: Row, max_new_tokens: int | None) -> list[Row]:
    """One row per question about one ingested document; failures become rows, never exceptions."""
    try:
        prepared = _prepared(pipeline, folder)
    except Exception as exc:  # unreadable pages or manifest, a model that will not load: every question fails
        return [row_of(**base, question_index=i, question=q, status="failed", **_failure(exc))
                for i, q in enumerate(questions)]
    rows = []
    for index, question in enumerate(questions):
        started = time.perf_counter()
        try:
            answer = pipeline.answer_pages(max_new_tokens=max_new_tokens, question=question, **prepared)
        except Exception as exc:  # this question fails; the others, and the job, go on
            rows.append(row_of(**base, question_index=index, question=question, status="failed",
                               seconds=time.perf_counter() - started, **_failure(exc)))
            continue
        timings = answer.timings
        rows.append(row_of(
            **base, question_index=index, question=question, status="ok", answer=answer.text, model=answer.model,
            pages=answer.pages, text_tokens=answer.text_tokens, visual_tokens=answer.visual_tokens,
            input_tokens=answer.input_tokens, ratio=answer.ratio,
            read_s=sum(timings.get(k, 0.0) for k in ("read", "extract", "normalise", "render", "tokens")),
            encode_s=timings.get("encode", 0.0), generate_s=timings.get("generate", 0.0), seconds=answer.seconds))
    return rows


def _failure(exc: BaseException) -> dict[str, str]:
    code, reason = failure_of(exc)
    return {"code": code, "reason": reason}


def _prepared(pipeline, folder: Path) -> dict[str, Any]:
    """The keyword arguments of `Pipeline.answer_pages` for an ingested document folder."""
    from glyphctx.io.output import TEXT_FILE, read_manifest
    from glyphctx.pipelines.encode_stage import read_pages
    from glyphctx.render.config import RenderConfig
    from glyphctx.sources import load_text
    from glyphctx.tokens import count_budget

    started = time.perf_counter()
    manifest = read_manifest(folder)
    if manifest is None:
        raise PipelineError(f"{folder}: no readable manifest.json (not an ingested document folder)")
    text = (folder / manifest.get("text_file", TEXT_FILE)).read_text(encoding="utf-8")
    config = RenderConfig.from_dict(manifest["config"], origin=f"{folder}/manifest.json: config")
    document = load_text(text)
    label = manifest.get("source") or folder.name
    model = pipeline.model
    if model.render_config is not None and model.render_config.digest() != config.digest():
        result = pipeline.prepare(document)  # a reader reads only pages drawn its own way
        return dict(images=[p.image for p in result.pages], document=result.document, config=result.config,
                    budget=result.budget, timings=result.timings, warnings=result.warnings(), label=label)
    images = read_pages(folder, manifest)
    sizes = [(int(page.shape[1]), int(page.shape[0])) for page in images]
    budget = count_budget(text, sizes, tokenizer=model.text_tokenizer(), profile=model.profile)
    return dict(images=images, document=document, config=config, budget=budget,
                timings={"read": time.perf_counter() - started}, label=label,
                config_label=f"the ingested pages' render config ({manifest.get('config_hash', '?')})")


class AskDocuments:
    """Ray Data callable class: document rows in, one answer row per question out."""

    def __init__(self, config: PipelineConfig, questions: list[str], max_new_tokens: int | None,
                 threads: int | None = None):
        import torch

        if threads and not torch.cuda.is_available():
            torch.set_num_threads(threads)
        self.pipeline = Pipeline(config)
        self.questions = questions
        self.max_new_tokens = max_new_tokens

    def __call__(self, batch):
        import pandas as pd

        rows: list[Row] = []
        for item in batch.to_dict("records"):
            base = {"order": item["order"], "document": item["document"], "source": item["source"]}
            rows += answer_document(self.pipeline, Path(item["folder"]), self.questions, base, self.max_new_tokens)
        return pd.DataFrame(rows, columns=SCHEMA.names)


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


def _check_model(config: PipelineConfig) -> None:
    """Fail before Ray starts when the model folder is missing or of no known kind (weights not loaded)."""
    from glyphctx.answering.reader_model import load_answer_model, reader_checkpoint
    from glyphctx.answering.vlm import is_vlm_folder

    path = config.model_path
    if not path.exists() or (reader_checkpoint(path) is None and not is_vlm_folder(path)):
        load_answer_model(config)  # raises with the reason


def ask_many(
    pipeline: Pipeline | PipelineConfig,
    index_or_folder: str | os.PathLike,
    questions: Sequence[str],
    output: str | os.PathLike,
    *,
    address: str | None = None,
    workers: int | None = None,
    max_new_tokens: int | None = None,
    on_done: Callable[[Row], None] | None = None,
) -> AskReport:
    """Answer `questions` about every document under an ingest output, one row per pair, into `output`.

    `pipeline` is a `Pipeline` or its `PipelineConfig`: each Ray actor builds its own from the config.

    `output` is a .parquet file (or a folder, which gets answers.parquet). `address` / RAY_ADDRESS joins a
    cluster whose workers see the same paths; otherwise an embedded local Ray with `workers` CPUs starts.
    """
    from glyphctx.pipelines.index import read_index

    started = time.perf_counter()
    config = pipeline.config if isinstance(pipeline, Pipeline) else pipeline
    index = _index_path(index_or_folder)
    questions = _questions(questions)
    config = config.replace(model=str(config.model_path))
    _check_model(config)
    if workers is not None and (isinstance(workers, bool) or not isinstance(workers, int) or workers < 1):
        raise PipelineError(f"workers must be a positive integer, got {workers!r}")
    output = Path(output).expanduser()
    if output.is_dir() or output.suffix.lower() != ".parquet":
        output = output / ANSWERS_FILE
    root = index.parent
    rows: list[Row] = []
    items = []
    for doc in read_index(index):
        base = {"order": doc["order"], "document": doc["name"], "source": doc["source"]}
        if doc["status"] == "failed":  # nothing to read: each question is a failed row with the ingest reason
            for i, question in enumerate(questions):
                rows.append(row_of(**base, question_index=i, question=question, status="failed",
                                   code=f"ingest:{doc['code']}", reason=doc["reason"]))
        else:
            items.append({**base, "folder": str(root / doc["name"])})
    for row in rows:
        if on_done:
            on_done(row)
    startup = 0.0
    if items:
        from glyphctx.pipelines.ray_runtime import start_ray

        began = time.perf_counter()
        handle = start_ray(address, num_cpus=workers)
        startup = time.perf_counter() - began
        answered: list[Row] = []
        try:
            for row in _dataset(items, config, questions, max_new_tokens, handle.cpus, handle.gpus).iter_rows():
                row = row_of(**row)
                answered.append(row)
                if on_done:
                    on_done(row)
        except Exception as exc:  # the job itself broke (an actor that could not start): rows say so
            done = {(r["order"], r["question_index"]) for r in answered}
            reason = f"the job stopped: {type(exc).__name__}: {str(exc).strip().splitlines()[-1] if str(exc).strip() else ''}"
            for item in items:
                for i, question in enumerate(questions):
                    if (item["order"], i) not in done:
                        answered.append(row_of(order=item["order"], document=item["document"], source=item["source"],
                                               question_index=i, question=question, status="failed", code="job",
                                               reason=reason))
        finally:
            handle.shutdown()
        rows += answered
    rows.sort(key=lambda r: (r["order"], r["question_index"]))
    write_answers(rows, output)
    return AskReport(rows, output, time.perf_counter() - started, startup, totals(rows))


def _dataset(items: list[Row], config: PipelineConfig, questions: list[str], max_new_tokens: int | None,
             cpus: float, gpus: float):
    import ray.data

    if gpus:
        resources, actors, threads = {"num_gpus": 1, "num_cpus": 1 if cpus >= 2 else 0.5}, max(1, int(gpus)), None
    else:  # one CPU model: it takes the threads of every CPU it holds
        resources = {"num_cpus": 1 if cpus >= 1 else cpus}
        actors, threads = 1, max(1, int(cpus))
    dataset = ray.data.from_items(items, override_num_blocks=len(items))
    return dataset.map_batches(
        AskDocuments, fn_constructor_kwargs={"config": config, "questions": questions,
                                             "max_new_tokens": max_new_tokens, "threads": threads},
        batch_size=1, batch_format="pandas", compute=ray.data.ActorPoolStrategy(size=actors), **resources)


def write_answers(rows: Sequence[Row], path: Path) -> None:
    write_table(SCHEMA, rows, path)


def totals(rows: Sequence[Row]) -> dict[str, Any]:
    ok = [r for r in rows if r["status"] == "ok"]
    return {"documents": len({r["order"] for r in rows}), "answers": len(rows), "ok": len(ok),
            "failed": len(rows) - len(ok), "text_tokens": sum(r["text_tokens"] for r in ok),
            "visual_tokens": sum(r["visual_tokens"] for r in ok)}
