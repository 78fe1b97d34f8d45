"""A page reader: vision encoder + GlyphLM trained together to read the pages glyphctx renders.

    from pathlib import Path
    from glyphctx.reader import GlyphReader
    run = Path("runs/tiny-qa")                           # written here by `glyphctx train --preset tiny-qa`
    reader = GlyphReader.from_pretrained(run / "final")  # a local folder only: nothing is downloaded
    reader.transcribe(pages)                 # each page's text
    reader.answer(pages, "Who called?")      # the sentence that answers, found and read off the pages
    reader.answer_text(text, "Who called?")  # the same question from the plain text
"""

from glyphctx.reader.config import ReaderConfig, load_reader_config, reader_names
from glyphctx.reader.model import CONFIG_FILE, GlyphReader
from glyphctx.reader.tokenizer import ReaderTokenizer

__all__ = ["CONFIG_FILE", "GlyphReader", "ReaderConfig", "ReaderTokenizer",
           "load_reader_config", "reader_names"]
