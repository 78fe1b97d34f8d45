"""`IngestSettings`: everything a worker needs to process a document, in one picklable value.

Resolved once in the driver (presets read, tokenizer named, encoder weights hashed), so a bad
setting fails before any document and every worker sees the same job.
"""

from __future__ import annotations

from dataclasses import dataclass

from glyphctx.render.config import RenderConfig
from glyphctx.encode.config import DEFAULT_ENCODER

TOKENS_FILE = "visual_tokens.safetensors"
INDEX_FILE = "index.parquet"
DEFAULT_TIMEOUT = 120.0
DEFAULT_MAX_BYTES = 16 * 1024 * 1024


@dataclass(frozen=True)
class IngestSettings:
    output: str
    config: RenderConfig
    profile: str
    tokenizer: str | None  # the spec given (None: the default), loaded by each worker
    tokenizer_name: str  # the loaded tokenizer's name: part of each document's job key
    image_format: str = "png"
    timeout: float = DEFAULT_TIMEOUT
    max_bytes: int = DEFAULT_MAX_BYTES
    encode: bool = True
    encoder: str = DEFAULT_ENCODER
    encoder_weights: str | None = None
    encoder_key: str = ""  # encoder config digest + weights digest: the token file's identity
    force: bool = False
