"""glyphctx: visual context compression.

Long text is rendered into dense page images whose visual tokens stand for several text tokens each.
`glyphctx.compress(text_or_path)` runs the whole single-document path in-process.
"""

from __future__ import annotations

__version__ = "0.1.0"

_EXPORTS = {
    "compress": "glyphctx.api",
    "CompressResult": "glyphctx.result",
    "RenderConfig": "glyphctx.render.config",
    "render_text": "glyphctx.render",
    "RenderedPage": "glyphctx.render",
    "Document": "glyphctx.sources.document",
    "load_document": "glyphctx.sources",
    "TokenBudget": "glyphctx.tokens",
    "GlyphctxError": "glyphctx.errors",
    "Pipeline": "glyphctx.answering",
}

__all__ = [*_EXPORTS, "__version__"]


def __getattr__(name: str):
    # imported on first use: `import glyphctx` stays cheap for the CLI and for workers
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'glyphctx' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value
