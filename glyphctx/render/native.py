"""The compiled inner loops of rasterisation (`_blit.c`), or None where they were not built.

Callers keep a NumPy path that draws the same pixels, so a machine without a C compiler still renders,
only more slowly; tests set `blit` to None to hold the two paths to the same output.
"""

from __future__ import annotations

try:
    from glyphctx.render import _blit as blit
except ImportError:  # built without the extension (it is optional in pyproject.toml)
    blit = None
