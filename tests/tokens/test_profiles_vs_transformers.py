"""Profile token counts against transformers' own image processors (built from defaults, no weights).

Each processor runs on blank images of awkward sizes (tiny, huge, extreme aspect ratios, sides that
are not multiples of the patch grid); a wider random sweep uses the processors' own size helpers.
"""

from __future__ import annotations

import random

import numpy as np
import pytest
from PIL import Image

from glyphctx.errors import ProfileError
from glyphctx.tokens import get_profile

IMAGE_SIZES = [
    (1, 1), (5, 7), (27, 27), (29, 29), (55, 57), (100, 30), (28, 5000), (5000, 28), (13, 2000),
    (14, 2800), (595, 842), (1240, 1754), (1023, 1025), (448, 448), (449, 449), (896, 448),
    (641, 641), (2480, 3508), (4000, 3000), (3000, 200),
]
TOO_EXTREME = [(10, 3000), (3000, 12)]  # aspect ratio above 200


def _random_sizes(count: int, seed: int) -> list[tuple[int, int]]:
    rng = random.Random(seed)
    sizes = []
    for _ in range(count):
        kind = rng.random()
        if kind < 0.3:
            sizes.append((rng.randint(1, 100), rng.randint(1, 100)))
        elif kind < 0.6:
            sizes.append((rng.randint(1, 5000), rng.randint(1, 5000)))
        elif kind < 0.8:
            width = rng.randint(1, 60)
            sizes.append((width, rng.randint(width, width * 210)))
        else:
            sizes.append((rng.randint(1, 20000), rng.randint(1, 20000)))
    return sizes


def _blank(width: int, height: int) -> Image.Image:
    return Image.new("RGB", (width, height))


def _grid_tokens(processor, width: int, height: int) -> int:
    out = processor(images=_blank(width, height), return_tensors="np")
    return int(np.prod(out["image_grid_thw"][0])) // processor.merge_size**2


@pytest.fixture(scope="module")
def qwen_processor():
    from transformers.models.qwen2_vl.image_processing_pil_qwen2_vl import Qwen2VLImageProcessorPil

    return Qwen2VLImageProcessorPil()


@pytest.fixture(scope="module")
def glm_processor():
    from transformers.models.glm4v.image_processing_pil_glm4v import Glm4vImageProcessorPil

    return Glm4vImageProcessorPil()


@pytest.fixture(scope="module")
def internvl_processor():
    from transformers.models.got_ocr2.image_processing_pil_got_ocr2 import GotOcr2ImageProcessorPil

    # the InternVL checkpoints' image processor settings: 448-px tiles, dynamic tiling on
    return GotOcr2ImageProcessorPil(size={"height": 448, "width": 448}, crop_to_patches=True)


@pytest.fixture(scope="module")
def gundam_processor():
    from transformers.models.deepseek_ocr2.image_processing_pil_deepseek_ocr2 import DeepseekOcr2ImageProcessorPil

    # DeepSeek-OCR 2's processor shares DeepSeek-OCR's Gundam tiling; set to OCR 1's tile size and limits
    return DeepseekOcr2ImageProcessorPil(tile_size=640, min_patches=2, max_patches=9)


@pytest.mark.parametrize("profile_name", ["qwen2.5-vl", "qwen2-vl"])
def test_qwen_matches_processor_on_images(qwen_processor, profile_name):
    profile = get_profile(profile_name)
    assert qwen_processor.size.shortest_edge == profile.min_pixels
    assert qwen_processor.size.longest_edge == profile.max_pixels
    for width, height in IMAGE_SIZES:
        assert profile.tokens_for(width, height) == _grid_tokens(qwen_processor, width, height), (width, height)


def test_glm_matches_processor_on_images(glm_processor):
    profile = get_profile("glm-4.1v")
    assert glm_processor.size.shortest_edge == profile.min_pixels
    assert glm_processor.size.longest_edge == profile.max_pixels
    assert glm_processor.temporal_patch_size == profile.frames
    for width, height in IMAGE_SIZES:
        assert profile.tokens_for(width, height) == _grid_tokens(glm_processor, width, height), (width, height)


def test_internvl_matches_processor_on_images(internvl_processor):
    profile = get_profile("internvl")
    for width, height in IMAGE_SIZES:
        out = internvl_processor(images=_blank(width, height), return_tensors="np")
        assert profile.tokens_for(width, height) == int(out["num_patches"][0]) * 256, (width, height)


def test_gundam_matches_processor_on_images(gundam_processor):
    profile = get_profile("deepseek-ocr-gundam")
    for width, height in IMAGE_SIZES:
        out = gundam_processor(images=_blank(width, height), return_tensors="np")
        assert profile.tokens_for(width, height) == int(out["num_local_patches"][0]) * 100 + 256, (width, height)


@pytest.mark.parametrize("profile_name", ["qwen2.5-vl", "glm-4.1v"])
def test_extreme_aspect_ratios_refused_like_the_processor(qwen_processor, glm_processor, profile_name):
    processor = qwen_processor if profile_name.startswith("qwen") else glm_processor
    profile = get_profile(profile_name)
    for width, height in TOO_EXTREME:
        with pytest.raises(ValueError, match="aspect ratio"):
            processor(images=_blank(width, height), return_tensors="np")
        with pytest.raises(ProfileError, match="aspect ratio"):
            profile.tokens_for(width, height)


def test_random_sizes_match_processor_size_rules(qwen_processor, glm_processor, internvl_processor):
    checks = [
        (get_profile("qwen2.5-vl"), lambda w, h: qwen_processor.get_number_of_image_patches(h, w, {}) // 4),
        (get_profile("glm-4.1v"), lambda w, h: glm_processor.get_number_of_image_patches(h, w, {}) // 4),
        (get_profile("internvl"), lambda w, h: internvl_processor.get_number_of_image_patches(h, w, {}) * 256),
    ]
    for profile, reference in checks:
        for width, height in _random_sizes(3000, seed=len(profile.name)):
            try:
                expected = reference(width, height)
            except ValueError:
                with pytest.raises(ProfileError):
                    profile.tokens_for(width, height)
                continue
            assert profile.tokens_for(width, height) == expected, (profile.name, width, height)
