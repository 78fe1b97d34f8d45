"""Hand-checked visual-token counts for every profile, and the errors profiles raise."""

from __future__ import annotations

import pytest

from glyphctx.errors import ProfileError
from glyphctx.tokens import PROFILE_ALIASES, PROFILE_NAMES, VisualProfile, get_profile

# (profile, width, height, tokens), each worked out by hand from the model's published rule
EXAMPLES = [
    # 595x842: sides round to 21x30 grid cells of 28 px (588x840 = 493,920 px, within limits)
    ("qwen2.5-vl", 595, 842, 21 * 30),
    # 640 / 28 = 22.86 rounds to 23 per side
    ("qwen2.5-vl", 640, 640, 23 * 23),
    # 1240x1754 rounds to 1232x1764 = 2.17 Mpx > 1,003,520: beta = sqrt(1240*1754/1003520) = 1.4722,
    # floor(1240/1.4722/28) = 30, floor(1754/1.4722/28) = 42
    ("qwen2.5-vl", 1240, 1754, 30 * 42),
    # 1x1 rounds to 0x0 < 3,136 px: beta = 56, so 56x56 = 2x2 cells
    ("qwen2.5-vl", 1, 1, 4),
    # 28x5000: 1 x round(178.57) = 179 cells
    ("qwen2.5-vl", 5000, 28, 179),
    ("qwen2-vl", 595, 842, 21 * 30),
    # GLM counts the image twice against its limits; 2 x 1232 x 1764 = 4.35 M < 11.76 M, so no shrink
    ("glm-4.1v", 1240, 1754, 44 * 63),
    # 1x1 is scaled up to 28x28 first; 2 x 784 < 12,544: beta = sqrt(8), ceil(2.83) = 3 cells per side
    ("glm-4.1v", 1, 1, 9),
    ("deepseek-ocr-tiny", 1240, 1754, 64),
    ("deepseek-ocr-small", 1240, 1754, 100),
    ("deepseek-ocr-base", 1240, 1754, 256),
    ("deepseek-ocr-large", 1240, 1754, 400),
    ("deepseek-ocr-large", 3, 5, 400),
    # both sides <= 640: global view only
    ("deepseek-ocr-gundam", 640, 640, 256),
    ("deepseek-ocr-gundam", 300, 600, 256),
    # aspect 0.707: closest grid with 2-9 tiles is 2x3 (0.667), 6 x 100 + 256
    ("deepseek-ocr-gundam", 1240, 1754, 856),
    # 641x641: square; 2x2 beats 1x2/2x1, 3x3 ties but the image is under half its canvas
    ("deepseek-ocr-gundam", 641, 641, 4 * 100 + 256),
    # 4000x4000: square and large enough for the 3x3 tie-break
    ("deepseek-ocr-gundam", 4000, 4000, 9 * 100 + 256),
    # 2:1 at 896x448 -> 2x1 tiles
    ("deepseek-ocr-gundam", 896, 448, 2 * 100 + 256),
    ("deepseek-ocr", 1240, 1754, 856),
    # one tile, no thumbnail
    ("internvl", 448, 448, 256),
    # 2x1 tiles + thumbnail
    ("internvl", 896, 448, 3 * 256),
    # 640x640 covers more than half of a 2x2 canvas (409,600 > 401,408 px): 4 tiles + thumbnail
    ("internvl", 640, 640, 5 * 256),
    # aspect 0.707 -> 2x3 tiles + thumbnail
    ("internvl", 1240, 1754, 7 * 256),
    # 3x3 is the largest square grid within 12 tiles
    ("internvl", 4000, 4000, 10 * 256),
]


@pytest.mark.parametrize(("name", "width", "height", "tokens"), EXAMPLES)
def test_hand_checked_counts(name, width, height, tokens):
    assert get_profile(name).tokens_for(width, height) == tokens


def test_every_profile_name_loads_and_describes_itself_in_one_line():
    assert set(PROFILE_NAMES) >= {
        "qwen2.5-vl", "glm-4.1v", "internvl", "deepseek-ocr-tiny", "deepseek-ocr-small",
        "deepseek-ocr-base", "deepseek-ocr-large", "deepseek-ocr-gundam",
    }
    for name in (*PROFILE_NAMES, *PROFILE_ALIASES):
        profile = get_profile(name)
        assert isinstance(profile, VisualProfile)
        assert profile.name == name
        line = profile.describe()
        assert line.startswith(name + ":") and "source:" in line and "\n" not in line


def test_alias_shares_the_rule_under_its_own_name():
    qwen2, qwen25 = get_profile("qwen2-vl"), get_profile("Qwen2.5-VL")
    assert qwen2.name == "qwen2-vl" and qwen25.name == "qwen2.5-vl"
    assert qwen2.tokens_for(1000, 700) == qwen25.tokens_for(1000, 700)


def test_resized_size_is_a_multiple_of_the_token_grid():
    qwen = get_profile("qwen2.5-vl")
    assert qwen.resized_size(1240, 1754) == (840, 1176)
    assert qwen.resized_size(588, 840) == (588, 840)  # already on the grid and within limits: unchanged


def test_deepseek_vllm_tile_limit_is_a_parameter():
    import dataclasses

    six = dataclasses.replace(get_profile("deepseek-ocr-gundam"), max_tiles=6)
    # 3000x1000 (aspect 3): 3x1 under both limits; 6000x1000 (aspect 6): 6x1 fits 6, 9 allows nothing closer
    assert six.tokens_for(3000, 1000) == 3 * 100 + 256
    assert six.tokens_for(6000, 1000) == 6 * 100 + 256
    # 4000x4000: 3x3 needs 9 tiles; with 6 the closest square is 2x2
    assert six.tokens_for(4000, 4000) == 4 * 100 + 256


def test_unknown_profile_lists_the_known_names():
    with pytest.raises(ProfileError) as info:
        get_profile("gpt-4v")
    message = str(info.value)
    assert "'gpt-4v'" in message
    for name in PROFILE_NAMES:
        assert name in message
    with pytest.raises(ProfileError):
        get_profile(None)


@pytest.mark.parametrize("name", PROFILE_NAMES)
@pytest.mark.parametrize(("width", "height"), [(0, 10), (10, 0), (-5, 10), (0, 0)])
def test_non_positive_sizes_are_refused(name, width, height):
    with pytest.raises(ProfileError, match=f"{name}: image size .*must be positive"):
        get_profile(name).tokens_for(width, height)


@pytest.mark.parametrize(("width", "height"), [(10.5, 10), ("10", 10), (True, 10), (None, 3)])
def test_non_integer_sizes_are_refused(width, height):
    with pytest.raises(ProfileError, match="must be two ints"):
        get_profile("internvl").tokens_for(width, height)


def test_numpy_integer_sizes_are_accepted():
    import numpy as np

    assert get_profile("qwen2.5-vl").tokens_for(np.int64(595), np.int32(842)) == 630
