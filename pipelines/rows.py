"""Rows of a Parquet table with a fixed schema: every column present, typed, never null.

Blocks built by different Ray workers concatenate into one schema only when each row carries every
column with the same type, and Ray hands rows back with NumPy scalars; both tables of the batch jobs
(the ingest index, the answers) go through `typed_row`.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from glyphctx.io.atomic import atomic_open

_DEFAULTS = {pa.string(): "", pa.int64(): 0, pa.float64(): 0.0}
_CASTS = {pa.string(): lambda v: "" if v is None else str(v), pa.int64(): lambda v: int(v or 0),
          pa.float64(): lambda v: float(v or 0.0)}


def typed_row(schema: pa.Schema, values: dict[str, Any]) -> dict[str, Any]:
    """Exactly the schema's columns, in Python types; a column missing from `values` gets its empty value."""
    return {f.name: _CASTS[f.type](values.get(f.name, _DEFAULTS[f.type])) for f in schema}


def write_table(schema: pa.Schema, rows: Iterable[dict[str, Any]], path: str | os.PathLike) -> None:
    """The rows as one Parquet file, written atomically."""
    table = pa.Table.from_pylist([typed_row(schema, r) for r in rows], schema=schema)
    with atomic_open(path) as stream:
        pq.write_table(table, stream)
