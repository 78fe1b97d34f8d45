"""Every glyphctx error has a code, and `failure_of` turns any exception into the same (code, reason) row."""

from __future__ import annotations

import importlib
import pkgutil

import glyphctx
from glyphctx.errors import ConfigError, ContextTooLongError, EncryptedPDFError, GlyphctxError, ModelError, failure_of


def _all_subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _all_subclasses(sub)


def test_every_error_class_has_its_own_code():
    for info in pkgutil.walk_packages(glyphctx.__path__, "glyphctx."):
        if info.name.endswith(("errors", "checks")) or ".errors" in info.name:
            importlib.import_module(info.name)
    classes = {cls for cls in _all_subclasses(GlyphctxError) if not cls.__module__.startswith("tests")}
    assert len(classes) > 20
    for cls in classes:
        assert isinstance(cls.code, str) and cls.code, cls
    # codes a report can act on: a source error's subclass never falls back to its parent's code
    assert EncryptedPDFError.code == "encrypted" and ConfigError.code == "config"


def test_failure_of_gives_code_and_reason():
    assert failure_of(EncryptedPDFError("/x.pdf", "is password-protected")) == ("encrypted", "is password-protected")
    assert failure_of(ModelError("/m: not a model")) == ("model", "/m: not a model")
    too_long = ContextTooLongError("needs 9 positions; the window is 4", needed=9, window=4)
    assert failure_of(too_long) == ("too-long", "needs 9 positions; the window is 4")
    assert (too_long.needed, too_long.window, too_long.processes) == (9, 4, 1)
    assert failure_of(MemoryError()) == ("memory", "ran out of memory")
    assert failure_of(KeyError("page")) == ("internal", "internal error (KeyError: 'page')")
