"""The dataset index: one row per document, written as one Parquet file, and the job's totals.

Every row has every column with a fixed type (`typed_row`), so blocks built by different workers
concatenate into one schema.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from glyphctx.pipelines.rows import typed_row, write_table

SCHEMA = pa.schema([
    ("order", pa.int64()),
    ("source", pa.string()),
    ("name", pa.string()),
    ("status", pa.string()),  # ok, skipped or failed
    ("code", pa.string()),  # why it failed, machine-readable (glyphctx.errors codes, timeout, too-large, ...)
    ("reason", pa.string()),  # why it failed, for a person
    ("bytes", pa.int64()),
    ("pages", pa.int64()),
    ("text_tokens", pa.int64()),
    ("visual_tokens", pa.int64()),  # under the accounting profile
    ("encoded_tokens", pa.int64()),  # rows of the token file the encoder wrote (0 without encoding)
    ("encoder", pa.string()),  # the trained weights encoded with (a reader run, a weights file); "" for pages only
    ("encoder_key", pa.string()),  # their identity: encoder config digest + weights hash, as the token file says
    ("source_sha256", pa.string()),
    ("config_hash", pa.string()),
    ("job_key", pa.string()),
    ("extract_s", pa.float64()),
    ("normalise_s", pa.float64()),
    ("render_s", pa.float64()),
    ("tokens_s", pa.float64()),
    ("write_s", pa.float64()),
    ("encode_s", pa.float64()),
    ("seconds", pa.float64()),  # the document's time in the workers, all stages
    ("warnings", pa.string()),
])

def empty_row(order: int, source: str, name: str) -> dict[str, Any]:
    return typed_row(SCHEMA, {"order": order, "source": source, "name": name, "status": "failed"})


def normalised(row: dict[str, Any]) -> dict[str, Any]:
    return typed_row(SCHEMA, row)


def write_index(rows: Iterable[dict[str, Any]], path: str | os.PathLike) -> None:
    """Write the rows (sorted by input order) as one Parquet file, atomically."""
    write_table(SCHEMA, sorted(rows, key=lambda r: int(r["order"])), path)


def read_index(path: str | os.PathLike) -> list[dict[str, Any]]:
    return pq.read_table(path).to_pylist()


def totals(rows: Iterable[dict[str, Any]]) -> dict[str, Any]:
    rows = list(rows)
    done = [r for r in rows if r["status"] != "failed"]
    text = sum(r["text_tokens"] for r in done)
    visual = sum(r["visual_tokens"] for r in done)
    return {
        "documents": len(rows),
        "ok": sum(r["status"] == "ok" for r in rows),
        "skipped": sum(r["status"] == "skipped" for r in rows),
        "failed": sum(r["status"] == "failed" for r in rows),
        "pages": sum(r["pages"] for r in done),
        "text_tokens": text,
        "visual_tokens": visual,
        "encoded_tokens": sum(r["encoded_tokens"] for r in done),
        "ratio": text / visual if visual else 0.0,
    }
