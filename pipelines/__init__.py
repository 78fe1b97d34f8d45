"""Ray jobs over document collections, installed as `glyphctx.pipelines`.

`glyphctx.pipelines.ingest(inputs, output, ...)` renders and encodes a collection (pipelines/ingest.py);
`glyphctx.pipelines.ask_many(pipeline, output_of_ingest, questions, answers)` asks every document of it
(pipelines/ask_many.py); `search_pool` runs the layout search's evaluations as Ray tasks.
"""

from glyphctx.pipelines.ask_many import AskReport, ask_many
from glyphctx.pipelines.ingest import IngestReport, ingest

__all__ = ["AskReport", "IngestReport", "ask_many", "ingest"]
