"""Ray Data jobs over document collections, installed as `glyphctx.pipelines`.

`glyphctx.pipelines.ingest(inputs, output, ...)` runs the ingest job (see pipelines/ingest.py).
"""

from glyphctx.pipelines.ingest import IngestReport, ingest

__all__ = ["IngestReport", "ingest"]
