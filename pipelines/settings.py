"""`IngestSettings`: everything a worker needs to process a document, in one picklable value.

Resolved once in the driver (presets read, tokenizer named, encoder weights found and hashed), so a
bad setting fails before any document and every worker sees the same job.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from glyphctx.render.config import RenderConfig

if TYPE_CHECKING:  # the driver resolves it; this module only carries it
    from glyphctx.encode.checkpoints import EncoderSource

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
    encoder: EncoderSource | None = None  # trained weights to encode with; None: pages only
    force: bool = False

    @property
    def encode(self) -> bool:
        return self.encoder is not None

    @property
    def encoder_key(self) -> str:
        """The identity token files are written under (config digest + weights hash); "" without encoding."""
        return self.encoder.identity if self.encoder is not None else ""
