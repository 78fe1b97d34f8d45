"""Tekken, the tiktoken-based tokenizer of Mistral NeMo / Pixtral, read from mistral-common's files.

Counting a whole book must stay cheap in time and memory. tiktoken (0.14 here) is linear even on
pathological input (a 160k-character run of one letter encodes in 0.04 s), so speed needs no help;
memory does: a 100 MB text would otherwise become one Python list of ~25M ints. `count` therefore
encodes the text in chunks of about `CHUNK_CHARS` characters cut at *safe boundaries*, where the
pre-tokenisation regex provably splits the whole text too, so the sum of the chunk counts equals
the one-shot count exactly, not approximately.

Why the boundaries are safe, for the Tekken v3 pattern (`TEKKEN_PATTERN`): tiktoken first splits
the text with that regex, then merges bytes only inside each piece. The regex has no look-behind,
and its one look-ahead (`\\s+(?!\\S)`) only ends whitespace runs. A cut at position i is safe when
no piece of the whole text spans i and the piece ending at i ends there for reasons that do not
look past i. Two kinds of position qualify:

* just after a newline that is followed by a letter or number: pieces holding a newline are
  whitespace runs (which stop at the letter), or punctuation runs whose tail `[\\r\\n/]*` may only
  continue with more newlines or slashes; a whitespace run ending in a newline is matched by
  `\\s*[\\r\\n]+` before the look-ahead alternative is ever tried;
* just before a single space between two letters/numbers: letter and number pieces never take a
  following space, and the piece that starts at the space (" word", or " " before a number) is
  the same whether or not the text before it is present.

Files whose pattern differs from `TEKKEN_PATTERN` are counted in one go (exact, just not chunked).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

from glyphctx.errors import TokenizerError
from glyphctx.tokens.text_tokenizer import TextTokenizer, require_text

#: the pre-tokenisation regex of Tekken v3 files, whose safe chunk boundaries are derived above
TEKKEN_PATTERN = (
    r"[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+"
    r"|[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*"
    r"|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+"
)

#: target chunk length for `count`; chunks end at the first safe boundary past it
CHUNK_CHARS = 1 << 18

# `[^\W_]` is a letter or number (Python's word characters less "_"); every such character is in
# \p{L} or \p{N}, which is all the safety argument needs. The match end is the cut position.
_SAFE_CUT = re.compile(r"\n(?=[^\W_])|[^\W_](?= [^\W_])")

# How far into a Tekken file its config (with the pattern) may start; the shipped files put it first.
_CONFIG_PEEK_BYTES = 1 << 14


def iter_safe_chunks(text: str, chunk_chars: int = CHUNK_CHARS) -> Iterator[str]:
    """Yield pieces of `text` of about `chunk_chars` characters, cut at Tekken-safe boundaries.

    Joining the pieces gives `text` back. A text with no safe boundary past a target stays whole
    from there on, so a pathological input costs memory, never correctness.
    """
    if chunk_chars < 1:
        raise ValueError(f"chunk_chars must be positive, got {chunk_chars}")
    start = 0
    while len(text) - start > chunk_chars:
        match = _SAFE_CUT.search(text, start + chunk_chars)
        if match is None:
            break
        yield text[start : match.end()]
        start = match.end()
    yield text[start:]


def safe_chunks(text: str, chunk_chars: int = CHUNK_CHARS) -> list[str]:
    """`iter_safe_chunks` as a list."""
    return list(iter_safe_chunks(text, chunk_chars))


def read_tekken_pattern(path: Path) -> str | None:
    """The pre-tokenisation pattern from a Tekken file's config, read from its first bytes only.

    Parsing the whole 19 MB file again just for this string would double the load time; None means
    the config was not found where expected, and the caller then simply does not chunk.
    """
    with open(path, "rb") as handle:
        head = handle.read(_CONFIG_PEEK_BYTES).decode("utf-8", errors="replace")
    found = re.search(r'"pattern"\s*:\s*("(?:[^"\\]|\\.)*")', head)
    if found is None:
        return None
    try:
        return json.loads(found.group(1))
    except json.JSONDecodeError:
        return None


class TekkenTokenizer(TextTokenizer):
    """mistral-common's `Tekkenizer`, ids offset by its special tokens as the model sees them."""

    def __init__(self, name: str, path: Path):
        super().__init__(name)
        from mistral_common.tokens.tokenizers.tekken import Tekkenizer

        try:
            self._tekken = Tekkenizer.from_file(path)
        except Exception as exc:  # mistral-common raises bare KeyError/AssertionError on bad files
            raise TokenizerError(f"{path}: not a Tekken tokenizer file ({type(exc).__name__}: {exc})") from exc
        self.path = path
        self._chunked = read_tekken_pattern(path) == TEKKEN_PATTERN

    @property
    def vocab_size(self) -> int:
        return self._tekken.n_words

    def encode(self, text: str) -> list[int]:
        # Tekkenizer's tiktoken Encoding is built with no special tokens, so "<s>" or "[INST]" in
        # the text can only ever be encoded as ordinary bytes.
        return self._tekken.encode(require_text(text), bos=False, eos=False)

    def count(self, text: str) -> int:
        require_text(text)
        if not self._chunked:
            return len(self._tekken.encode(text, bos=False, eos=False))
        return sum(len(self._tekken.encode(chunk, bos=False, eos=False)) for chunk in iter_safe_chunks(text))
