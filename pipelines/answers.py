"""The answers table of `ask_many`: its schema, its totals, and resuming from the table an earlier run wrote.

One row per (document, question). A rerun with the same output keeps the rows already answered (status
ok) for the same document bytes (the ingest job key) and the same pipeline (`pipeline_key`), and asks
only the failed and missing pairs again: answers from a served model cost money and time, and a
local model's answers are the same the second time. The table is rewritten atomically as rows come
in (every `CHECKPOINT_SECONDS`), so a run that is stopped keeps what it had answered.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa

from glyphctx.answering.errors import PipelineError
from glyphctx.pipelines.rows import typed_row, write_table

ANSWERS_FILE = "answers.parquet"
#: how often, at most, the table is rewritten while rows come in
CHECKPOINT_SECONDS = 30.0

SCHEMA = pa.schema([
    ("order", pa.int64()),  # the document's place in the index
    ("question_index", pa.int64()),
    ("document", pa.string()),
    ("source", pa.string()),
    ("question", pa.string()),
    ("status", pa.string()),  # ok or failed
    ("code", pa.string()),  # why it failed: too-long, model, server, ingest:<code>, error, job
    ("reason", pa.string()),
    ("answer", pa.string()),
    ("model", pa.string()),
    ("pages", pa.int64()),
    ("text_tokens", pa.int64()),  # the document's text in the model's tokenizer: the plain path
    ("visual_tokens", pa.int64()),
    ("input_tokens", pa.int64()),  # every position the visual prompt took
    ("ratio", pa.float64()),
    ("tokens_from", pa.string()),  # stored: the ingest's visual_tokens.safetensors; encoded: made from the pages
    ("tokens_note", pa.string()),  # why stored tokens were not used, where a reader could have used them
    ("read_s", pa.float64()),  # reading the ingested pages or tokens back (or rendering the pages for a reader)
    ("encode_s", pa.float64()),  # the document's encoding, shared by its questions (0 from stored tokens)
    ("generate_s", pa.float64()),
    ("seconds", pa.float64()),
    ("job_key", pa.string()),  # the document's ingest job key: its bytes and render settings
    ("pipeline_key", pa.string()),  # the pipeline's settings that decide an answer: resume matches on it
])

Row = dict[str, Any]
#: settings that do not change an answer, so changing them does not redo answered rows
_NOT_IN_KEY = ("name", "description", "made_by", "origin", "device", "searched")
#: how a served model is reached, not what it answers: rerunning the rows that timed out with a longer
#: timeout, or more retries, keeps the rows answered before
_CONNECTION = ("api_key_env", "timeout", "max_retries")


def row_of(**values: Any) -> Row:
    return typed_row(SCHEMA, values)


def pipeline_key(config: Any, max_new_tokens: int | None) -> str:
    """A digest of what decides the answers: the model, the prompt, the render settings, the answer length."""
    data = {k: v for k, v in dataclasses.asdict(config).items() if k not in _NOT_IN_KEY}
    if isinstance(data["model"], dict):  # a served model; its base_url stays: another server, maybe another model
        data["model"] = {k: v for k, v in data["model"].items() if k not in _CONNECTION}
    data["max_new_tokens"] = max_new_tokens or config.max_new_tokens
    return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()[:16]


def answered(path: Path, key: str) -> dict[tuple[str, str, str], Row]:
    """The ok rows of an earlier run's table for pipeline `key`, by (document, question, job key).

    A table that is not there is an empty one; a file that is not an answers table is refused rather
    than overwritten.
    """
    if not path.is_file():
        return {}
    import pyarrow.parquet as pq

    try:
        rows = pq.read_table(path).to_pylist()
    except (OSError, pa.ArrowException) as exc:
        raise PipelineError(f"{path}: exists but is not a readable answers table ({exc}); remove it or write the "
                            "answers elsewhere") from None
    if rows and not {"document", "question", "status"} <= set(rows[0]):
        raise PipelineError(f"{path}: exists but is not an answers table (no document, question and status "
                            "columns); remove it or write the answers elsewhere")
    return {(r["document"], r["question"], r.get("job_key") or ""): row_of(**r) for r in rows
            if r["status"] == "ok" and r.get("pipeline_key") == key}


class AnswerTable:
    """The rows of one run, kept and new, written atomically now and then and at the end."""

    def __init__(self, path: Path, rows: Sequence[Row], on_row: Callable[[Row], None] | None = None):
        self.path = path
        self.rows = list(rows)
        self._on_row = on_row
        self._written = time.monotonic()

    def add(self, row: Row) -> None:
        self.rows.append(row)
        if self._on_row:
            self._on_row(row)
        if time.monotonic() - self._written > CHECKPOINT_SECONDS:
            self.write()

    def write(self) -> None:
        self.rows.sort(key=lambda r: (r["order"], r["question_index"]))
        write_table(SCHEMA, self.rows, self.path)
        self._written = time.monotonic()


@dataclass
class AskReport:
    rows: list[Row]
    output: Path
    seconds: float
    startup_seconds: float  # starting (or joining) Ray; 0 when nothing ran on it
    totals: dict[str, Any] = field(default_factory=dict)
    executor: str = "ray"  # where the model ran: ray (an actor pool) or threads (requests from this process)

    @property
    def failed(self) -> list[Row]:
        return [row for row in self.rows if row["status"] == "failed"]


def totals(rows: Sequence[Row], kept: int = 0) -> dict[str, Any]:
    ok = [r for r in rows if r["status"] == "ok"]
    return {"documents": len({r["order"] for r in rows}), "answers": len(rows), "ok": len(ok),
            "failed": len(rows) - len(ok), "kept": kept,
            "stored": sum(r["tokens_from"] == "stored" for r in ok),
            "encoded": sum(r["tokens_from"] == "encoded" for r in ok),
            "text_tokens": sum(r["text_tokens"] for r in ok), "visual_tokens": sum(r["visual_tokens"] for r in ok)}
