"""The named VLM profiles: `get_profile("qwen2.5-vl")` and the list of names it accepts."""

from __future__ import annotations

import dataclasses

from glyphctx.errors import ProfileError
from glyphctx.tokens.deepseek_ocr import DeepSeekOCRProfile
from glyphctx.tokens.internvl import InternVLProfile
from glyphctx.tokens.smart_resize import SmartResizeProfile
from glyphctx.tokens.visual_profile import VisualProfile

_QWEN_SOURCE = "transformers 5.23 Qwen2VLImageProcessor defaults (also used by Qwen2.5-VL)"
_GLM_SOURCE = "transformers 5.23 Glm4vImageProcessor defaults"
_DEEPSEEK_SOURCE = "DeepSeek-OCR paper and reference code (deepseek-ai/DeepSeek-OCR)"
_INTERNVL_SOURCE = "InternVL dynamic_preprocess; transformers 5.23 InternVL processor (GotOcr2 tiling)"

#: the profile a budget is counted under when none is named (the VLM family Glyph and most readers use)
DEFAULT_PROFILE = "qwen2.5-vl"

_PROFILES: dict[str, VisualProfile] = {
    profile.name: profile
    for profile in (
        SmartResizeProfile("qwen2.5-vl", min_pixels=56 * 56, max_pixels=28 * 28 * 1280, source=_QWEN_SOURCE),
        SmartResizeProfile(
            "glm-4.1v",
            min_pixels=112 * 112,
            max_pixels=28 * 28 * 15000,
            frames=2,
            upscale_small_sides=True,
            source=_GLM_SOURCE,
        ),
        DeepSeekOCRProfile("deepseek-ocr-tiny", base_size=512, source=_DEEPSEEK_SOURCE),
        DeepSeekOCRProfile("deepseek-ocr-small", base_size=640, source=_DEEPSEEK_SOURCE),
        DeepSeekOCRProfile("deepseek-ocr-base", base_size=1024, source=_DEEPSEEK_SOURCE),
        DeepSeekOCRProfile("deepseek-ocr-large", base_size=1280, source=_DEEPSEEK_SOURCE),
        DeepSeekOCRProfile("deepseek-ocr-gundam", base_size=1024, tile_size=640, source=_DEEPSEEK_SOURCE),
        InternVLProfile("internvl", source=_INTERNVL_SOURCE),
    )
}

#: canonical profile names, in a stable order
PROFILE_NAMES: tuple[str, ...] = tuple(_PROFILES)

#: other accepted names -> the canonical profile whose rule they share
PROFILE_ALIASES: dict[str, str] = {
    "qwen2-vl": "qwen2.5-vl",
    "deepseek-ocr": "deepseek-ocr-gundam",  # Gundam is the reference code's default mode
}


def get_profile(name: str) -> VisualProfile:
    """The profile called `name` (case-insensitive); an alias keeps its own name on the profile."""
    key = name.strip().lower() if isinstance(name, str) else None
    if key in _PROFILES:
        return _PROFILES[key]
    if key in PROFILE_ALIASES:
        return dataclasses.replace(_PROFILES[PROFILE_ALIASES[key]], name=key)
    aliases = ", ".join(f"{alias} (= {target})" for alias, target in PROFILE_ALIASES.items())
    raise ProfileError(f"unknown VLM profile {name!r}; known profiles: {', '.join(PROFILE_NAMES)}; aliases: {aliases}")
