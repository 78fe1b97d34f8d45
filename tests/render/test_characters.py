"""Code points and distinct characters agree with Python's own view of the string."""

import numpy as np
import pytest

from glyphctx.render.characters import code_points, distinct_characters

TEXTS = ["", "plain ascii text", "café naïve — “quotes”", "日本語 and Ελληνικά", "emoji 😀 and 𝔘 beyond the BMP",
         "a lone surrogate \ud800 in the middle", "\x00 control \x7f"]


@pytest.mark.parametrize("text", TEXTS)
def test_code_points_index_like_the_string(text):
    codes = code_points(text)
    assert codes.dtype == np.uint32 and len(codes) == len(text)
    assert [chr(c) for c in codes.tolist()] == list(text)


@pytest.mark.parametrize("text", TEXTS)
def test_distinct_characters_are_the_set_of_the_text_in_order(text):
    assert distinct_characters(text) == "".join(sorted(set(text)))
