"""A page reader: vision encoder + GlyphLM trained together to read the pages glyphctx renders.

    from glyphctx.reader import GlyphReader
    reader = GlyphReader.from_pretrained("runs/tiny-reader/final")   # a local folder `glyphctx train` wrote
    reader.transcribe(pages)                 # each page's text
    reader.answer(pages, "Who called?")      # a question answered from the visual tokens
    reader.answer_text(text, "Who called?")  # the same question from the plain text
"""

from glyphctx.reader.config import ReaderConfig, load_reader_config, reader_names
from glyphctx.reader.model import CONFIG_FILE, GlyphReader
from glyphctx.reader.tokenizer import ReaderTokenizer

__all__ = ["CONFIG_FILE", "GlyphReader", "ReaderConfig", "ReaderTokenizer",
           "load_reader_config", "reader_names"]
