import numpy as np
import pytest

from glyphctx.common.corpus import gutenberg_body, load_chapters, sample_text, split_chapters, split_train_held_out
from glyphctx.errors import CorpusError
from glyphctx.render.config import RenderConfig
from glyphctx.search.fitness import pages_to_read
from glyphctx.search.model_view import column_images, model_view
from glyphctx.tokens import get_profile


def _book(chapters=8):
    toc = "\n".join(f" Chapter {i}" for i in range(1, chapters + 1))
    body = "\n\n".join(f"Chapter {i}\n\n" + f"Words of chapter {i} go on. " * 60 for i in range(1, chapters + 1))
    return (
        f"Header\n*** START OF THE PROJECT GUTENBERG EBOOK TEST ***\n\n CONTENTS\n\n{toc}\n\n{body}\n"
        "*** END OF THE PROJECT GUTENBERG EBOOK TEST ***\nLicence"
    )


def test_chapters_skip_the_contents_and_the_gutenberg_wrapper():
    chapters = split_chapters(_book(), "test")
    assert len(chapters) == 8
    assert chapters[0].text.startswith("Chapter 1\n") and "Licence" not in chapters[-1].text
    assert gutenberg_body("no markers") == "no markers"


def test_held_out_chapters_never_train(tmp_path):
    (tmp_path / "a.txt").write_text(_book(8), encoding="cp1252")
    train, held = split_train_held_out(load_chapters([tmp_path]), held_out_every=4)
    assert [c.index for c in held] == [3, 7]
    assert not {c.text for c in train} & {c.text for c in held}
    with pytest.raises(CorpusError, match="too few"):
        split_train_held_out(train[:1], 4)


def test_samples_are_seeded_and_cut_at_paragraphs():
    chapters = split_chapters(_book(), "test")
    a, b = sample_text(chapters, 3000, seed=1), sample_text(chapters, 3000, seed=1)
    assert a == b and len(a) <= 3000 and a != sample_text(chapters, 3000, seed=2)
    whole = sample_text(chapters, 10**9, seed=1)
    assert whole.startswith(a) and whole[len(a):].startswith("\n\n")


def test_pages_to_read_spread_and_skip_the_cropped_last_page():
    assert pages_to_read(1, 2) == [0]
    assert pages_to_read(2, 2) == [0]
    assert pages_to_read(9, 2) == [2, 6]
    assert pages_to_read(5, 4) == [0, 1, 2, 3]


def test_model_view_resizes_like_the_vlm_and_columns_split_where_rendered():
    profile = get_profile("qwen2.5-vl")
    big = np.zeros((1684, 1190), np.uint8)  # A4 at 144 dpi: over Qwen2.5-VL's pixel limit
    view, scale = model_view(big, profile)
    assert view.shape[::-1] == profile.resized_size(1190, 1684) and scale < 1
    same, one = model_view(np.zeros((840, 588), np.uint8), profile)
    assert one == 1.0 and same.shape == (840, 588)
    config = RenderConfig(columns=2, column_gap=20, margin_left=10, margin_right=10)
    page = np.zeros((842, 595), np.uint8)
    left, right = column_images(page, config)
    assert left.shape[1] + right.shape[1] <= 595 + 2 and abs(left.shape[1] - right.shape[1]) <= 2
    assert column_images(page, RenderConfig())[0] is page
