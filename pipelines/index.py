"""The dataset index: one row per document, written as one Parquet file, and the job's totals.

Every row has every column with a fixed type (empty strings and zeros, never nulls), so blocks built
by different workers concatenate into one schema.
"""

from __future__ import annotations

import os
from typing import Any, Iterable

import pyarrow as pa
import pyarrow.parquet as pq

from glyphctx.io.atomic import atomic_open

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
    ("encoder", pa.string()),
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

_DEFAULTS = {pa.string(): "", pa.int64(): 0, pa.float64(): 0.0}


def empty_row(order: int, source: str, name: str) -> dict[str, Any]:
    row = {field.name: _DEFAULTS[field.type] for field in SCHEMA}
    row.update(order=int(order), source=str(source), name=str(name), status="failed")
    return row


def normalised(row: dict[str, Any]) -> dict[str, Any]:
    """A row with exactly the schema's columns and Python types (Ray hands back NumPy scalars)."""
    out = {}
    for field in SCHEMA:
        value = row.get(field.name, _DEFAULTS[field.type])
        if field.type == pa.string():
            out[field.name] = "" if value is None else str(value)
        elif field.type == pa.int64():
            out[field.name] = int(value or 0)
        else:
            out[field.name] = float(value or 0.0)
    return out


def write_index(rows: Iterable[dict[str, Any]], path: str | os.PathLike) -> None:
    """Write the rows (sorted by input order) as one Parquet file, atomically."""
    rows = sorted((normalised(r) for r in rows), key=lambda r: r["order"])
    table = pa.Table.from_pylist(rows, schema=SCHEMA)
    with atomic_open(path) as stream:
        pq.write_table(table, stream)


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
