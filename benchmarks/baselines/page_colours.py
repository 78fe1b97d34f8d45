"""Page and ink colours of a `RenderConfig` as the pixel values a raster renderer needs.

Pages come out single-channel when both colours are grey (as with the default black on white),
which is how glyphctx's renderer stores them too, so the baselines never pay for three channels
the others skip.
"""

from __future__ import annotations

from glyphctx.render.config import RenderConfig


def hex_rgb(colour: str) -> tuple[int, int, int]:
    return int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16)


def is_greyscale(config: RenderConfig) -> bool:
    return all(len(set(hex_rgb(c))) == 1 for c in (config.foreground, config.background))


def pixel_value(colour: str, greyscale: bool) -> int | tuple[int, int, int]:
    """The fill value Pillow takes in "L" mode (one level) or "RGB" mode (a triple)."""
    rgb = hex_rgb(colour)
    return rgb[0] if greyscale else rgb
