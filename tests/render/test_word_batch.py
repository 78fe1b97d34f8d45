"""The vectorised word pass draws and measures every word exactly as the per-word path does."""

import numpy as np
import pytest

from glyphctx.render import RenderConfig, render_text, word_cache
from glyphctx.render.presets import load_preset
from glyphctx.render.words import BATCH_MIN_WORDS, WordCache

TEXT = (
    "It is a truth universally acknowledged, that a single man in possession of a good fortune, must be "
    "in want of a wife. “Have you heard that Netherfield Park is let at last?” naïve café façade Ωmega "
    "Straße x\u0301y a\u00adb ﬁne 漢字かな Ελληνικά кириллица _under_ jump! (quick) 1,234.56 "
    "W.A.V.E. fjord TTT jjj ﬀ ——— …"
)


def fresh_cache(config: RenderConfig) -> WordCache:
    cache = word_cache(config)
    return WordCache(cache.faces)


@pytest.mark.parametrize("preset", ["glyph-like", "legible", "dense", "two-column"])
def test_batched_words_equal_words_drawn_one_at_a_time(preset):
    config = load_preset(preset)
    words = sorted(set(TEXT.split(" ")) | {f"w{i}x{i * 7}" for i in range(BATCH_MIN_WORDS)})
    batched, single = fresh_cache(config), fresh_cache(config)
    batched.prepare(words)
    drawn = [w for w in words if w in batched.cells]
    assert len(drawn) >= 0.9 * len(words)  # all but the few whose ink leaves their cell (serif j, f)
    for word in words:
        assert batched.width(word) == single.width(word), word
    for word in drawn:
        batch, alone = batched.cells[word], single.cells[word]
        assert np.array_equal(batch.bitmap, alone.bitmap), word
        assert (batch.top, batch.bottom) == (alone.top, alone.bottom), word


def test_pages_do_not_depend_on_which_path_drew_the_words():
    config = load_preset("glyph-like")
    text = "\n\n".join([TEXT] * 6 + [" ".join(f"word{i}" for i in range(200))])
    first = render_text(text, config)
    cache = word_cache(config)
    cache.cells.clear()
    cache.prepare = lambda text: None  # this instance only: every word drawn one at a time
    try:
        second = render_text(text, config)
    finally:
        del cache.prepare
    assert [p.span for p in first.pages] == [p.span for p in second.pages]
    assert all(np.array_equal(a.image, b.image) for a, b in zip(first.pages, second.pages))
