"""Typed errors.

Every failure a user can cause (a bad file, a bad config, a missing tool) is raised as a subclass of
`GlyphctxError`, so the CLI and batch jobs can report it per document instead of crashing, and so
callers can catch one family of errors without knowing which dependency failed underneath.
"""

from __future__ import annotations


class GlyphctxError(Exception):
    """Base of every error glyphctx raises on purpose."""


class SourceError(GlyphctxError):
    """A document could not be read. Carries the path and a one-line reason a person can act on."""

    #: short machine-readable reason, stable across releases (written to manifests and indexes)
    code = "source"

    def __init__(self, path: object, reason: str):
        self.path = str(path)
        self.reason = reason
        super().__init__(f"{self.path}: {reason}")


class UnreadablePathError(SourceError):
    code = "unreadable"


class EmptyDocumentError(SourceError):
    code = "empty"


class BinaryFileError(SourceError):
    code = "binary"


class UnsupportedFormatError(SourceError):
    code = "unsupported"


class EncryptedPDFError(SourceError):
    code = "encrypted"


class CorruptDocumentError(SourceError):
    code = "corrupt"


class NoTextLayerError(SourceError):
    code = "no-text"


class PageRangeError(SourceError):
    code = "page-range"


class ConfigError(GlyphctxError):
    """A render config, preset name or YAML file is invalid."""


class FontError(GlyphctxError):
    """A font file is missing or cannot be loaded."""


class TokenizerError(GlyphctxError):
    """A tokenizer could not be found or loaded."""


class ProfileError(GlyphctxError):
    """An unknown VLM profile or an image size it cannot take."""


class OutputError(GlyphctxError):
    """Outputs could not be written."""


class KernelInputError(GlyphctxError, ValueError):
    """A kernel was called with an argument it cannot take (shape, dtype, device, backend).

    Also a `ValueError`, so PyTorch code that already catches argument errors keeps working.
    """
