"""Typed errors, each with a stable `code`, and `failure_of`, the one way an exception becomes a report row.

Every failure a user can cause (a bad file, a bad config, a missing tool) is raised as a subclass of
`GlyphctxError`, so the CLI and batch jobs can report it per document instead of crashing, and so
callers can catch one family of errors without knowing which dependency failed underneath. The `code`
is short and machine-readable, written to manifests, indexes and answer tables: keep it stable.
"""

from __future__ import annotations


class GlyphctxError(Exception):
    """Base of every error glyphctx raises on purpose."""

    code = "error"

    def __init_subclass__(cls, code: str | None = None, **kwargs):
        super().__init_subclass__(**kwargs)
        if code is not None:
            cls.code = code

    @property
    def reason(self) -> str:
        """What a report row shows: the message, or the part of it after the path an error names."""
        return self.__dict__.get("_reason") or str(self)

    @reason.setter
    def reason(self, value: str) -> None:
        self._reason = value


class SourceError(GlyphctxError, code="source"):
    """A document could not be read. Carries the path and a one-line reason a person can act on."""

    def __init__(self, path: object, reason: str):
        self.path = str(path)
        self.reason = reason
        super().__init__(f"{self.path}: {reason}")


class UnreadablePathError(SourceError, code="unreadable"):
    """A path that does not exist, is not a file, or cannot be opened."""


class EmptyDocumentError(SourceError, code="empty"):
    """A document with no text once decoded."""


class BinaryFileError(SourceError, code="binary"):
    """A file that is neither text nor a format glyphctx reads."""


class UnsupportedFormatError(SourceError, code="unsupported"):
    """A known format glyphctx does not read (.docx, .epub, ...)."""


class EncryptedPDFError(SourceError, code="encrypted"):
    """A PDF that needs a password that was not given, or not this one."""


class CorruptDocumentError(SourceError, code="corrupt"):
    """A file that claims a format but cannot be parsed as it."""


class NoTextLayerError(SourceError, code="no-text"):
    """A PDF whose pages carry no text."""


class PageRangeError(SourceError, code="page-range"):
    """A page range that does not fit the document."""


class ConfigError(GlyphctxError, code="config"):
    """A config, preset name or YAML file is invalid."""


class CorpusError(ConfigError, code="corpus"):
    """A training or search corpus that has no usable text, or too little to split."""


class FontError(GlyphctxError, code="font"):
    """A font file is missing or cannot be loaded."""


class TokenizerError(GlyphctxError, code="tokenizer"):
    """A tokenizer could not be found or loaded."""


class ProfileError(GlyphctxError, code="profile"):
    """An unknown VLM profile or an image size it cannot take."""


class OutputError(GlyphctxError, code="output"):
    """Outputs could not be written."""


class ModelError(GlyphctxError, code="model"):
    """A model folder that is neither a GlyphLM reader checkpoint nor a transformers VLM, or fails to load."""


class ContextTooLongError(GlyphctxError, code="too-long"):
    """An input (pages or text, with the question) needs more positions than the model's window.

    Raised before the model runs, so a long input never ends as an out-of-memory crash; the message
    carries the numbers and, where the caller knows them, the ways out.
    """

    def __init__(self, message: str, *, needed: int, window: int, processes: int = 1,
                 alternative: str | None = None, alternative_tokens: int | None = None):
        self.needed = needed
        self.window = window
        self.processes = processes
        self.alternative = alternative
        self.alternative_tokens = alternative_tokens
        super().__init__(message)


class ClusterError(GlyphctxError, code="cluster"):
    """Ray could not be started here, or the cluster at the address given could not be joined."""


class KernelInputError(GlyphctxError, ValueError, code="kernel-input"):
    """A kernel was called with an argument it cannot take (shape, dtype, device, backend).

    Also a `ValueError`, so PyTorch code that already catches argument errors keeps working.
    """


def failure_of(exc: BaseException) -> tuple[str, str]:
    """(code, reason) of an exception, for a report row: a batch records it and goes on.

    glyphctx's own errors give their code and message; running out of memory is named as such; anything
    else is a bug or a dependency's failure, recorded as "internal" with its type so it can be traced.
    """
    if isinstance(exc, GlyphctxError):
        return exc.code, exc.reason
    if isinstance(exc, MemoryError):
        return "memory", "ran out of memory"
    return "internal", f"internal error ({type(exc).__name__}: {exc})"


class ServerError(GlyphctxError, code="server"):
    """An OpenAI-compatible model server refused or failed a request.

    Carries the URL asked and the server's own words, so a person can tell a typo in the address from
    a server that is up but unhappy with the request.
    """

    def __init__(self, url: str, reason: str):
        self.url = url
        self.reason = reason
        super().__init__(f"{url}: {reason}")


class ServerUnreachableError(ServerError, code="server-unreachable"):
    """No server answers at the URL: the connection was refused, or the host cannot be resolved."""


class ServerTimeoutError(ServerError, code="server-timeout"):
    """The server accepted the request but gave no answer within the timeout, on every attempt."""


class UnknownServedModelError(ServerError, code="server-model"):
    """The server is up but serves no model by the name asked for."""
