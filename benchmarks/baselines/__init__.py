"""Reference renderers that glyphctx's own renderer is timed against.

Each takes the text and a `RenderConfig` and returns the page images as uint8 arrays, so the
benchmark compares like with like: same text, same page geometry, pixels in memory.
"""
