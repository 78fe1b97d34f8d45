"""Pausing Python's cyclic garbage collector while a document is rendered.

Rendering a novel allocates some hundred thousand small containers (lines, their word lists, word
cells) that all stay alive until the pages are built. Each of the collector's passes over them finds
nothing to free, yet re-scans them, and they trigger a pass every few hundred allocations: 10-25% of
the rendering time. Reference counting still frees everything as usual while the collector waits.
"""

from __future__ import annotations

import gc
import threading
from contextlib import contextmanager

_lock = threading.Lock()
_depth = 0  # renders in progress, in any thread
_was_enabled = False


@contextmanager
def gc_paused():
    """The collector is off inside the block and back as it was once the last concurrent block ends."""
    global _depth, _was_enabled
    with _lock:
        if _depth == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0 and _was_enabled:
                gc.enable()
