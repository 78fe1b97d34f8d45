"""Document -> answer: render a document, read its pages with a model, and say what the answer cost.

`Pipeline.from_preset("tiny").ask("book.txt", "Who is Mr. Bingley?")` renders the pages the model
reads, checks they fit its window, and returns an `Answer` with the token budget and stage timings.
`ask_many` does the same over an ingested collection on Ray Data.
"""

from glyphctx.answering.answer import Answer
from glyphctx.answering.config import PipelineConfig, preset_names
from glyphctx.answering.errors import PipelineError
from glyphctx.answering.pipeline import Encoded, Pipeline
from glyphctx.errors import ContextTooLongError, ModelError

__all__ = ["Answer", "ContextTooLongError", "Encoded", "ModelError", "Pipeline", "PipelineConfig", "PipelineError",
           "preset_names"]
