"""The compiled pastes (`glyphctx.render._blit`) draw exactly what the NumPy paths draw, and refuse bad input."""

from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from glyphctx.render import RenderConfig, forget_words, native, render_text
from glyphctx.render.layout import Line
from glyphctx.render.raster import _paste_at, _paste_lines
from glyphctx.render.words import Cell

blit = native.blit
pytestmark = pytest.mark.skipif(
    blit is None, reason="the C extension glyphctx.render._blit was not built (no compiler?)"
)

BAND = 7


def random_cell(rng: np.random.Generator) -> Cell:
    """A cell honouring the Cell contract: ink only in rows [top, bottom), its bitmap inside a larger store."""
    columns = int(rng.integers(0, 9))
    top = int(rng.integers(0, BAND + 1))
    bottom = int(rng.integers(top, BAND + 1))
    bitmap = rng.integers(1, 256, (BAND, columns)).astype(np.uint8) * (rng.random((BAND, columns)) < 0.6)
    bitmap[:top] = 0
    bitmap[bottom:] = 0
    before = int(rng.integers(0, 5))
    store = np.concatenate([rng.integers(0, 256, before).astype(np.uint8), bitmap.ravel(), np.full(3, 255, np.uint8)])
    return Cell(store, before, columns, BAND, top, bottom)


def random_canvas(rng: np.random.Generator) -> np.ndarray:
    return (rng.integers(0, 256, (20, 30)) * (rng.random((20, 30)) < 0.2)).astype(np.uint8)


def random_lines(rng: np.random.Generator, cells: dict) -> list[Line]:
    """Lines of words from `cells` at positions on, across and off the canvas's edges."""
    lines = []
    for _ in range(int(rng.integers(1, 8))):
        boxes = [str(w) for w in rng.choice(list(cells), int(rng.integers(0, 6)))]
        line = Line(0, 0, boxes, [float(rng.uniform(-30, 40))], 0.0, False, regular=bool(rng.random() < 0.8))
        line.offset, line.baseline = float(rng.uniform(-10, 10)), float(rng.uniform(-BAND - 2, 26))
        lines.append(line)
    return lines


def test_paste_lines_matches_numpy_everywhere_on_and_off_the_canvas():
    rng = np.random.default_rng(0)
    for _ in range(200):
        cells = {f"w{i}": random_cell(rng) for i in range(8)}
        cells["unfit"] = None  # a word drawn from its strip instead
        lines = random_lines(rng, cells)
        top = int(rng.integers(-BAND, 1))
        canvas = random_canvas(rng)
        expected = canvas.copy()
        bitmaps = {word: cell.bitmap for word, cell in cells.items() if cell is not None}
        left = _paste_lines(expected, lines, SimpleNamespace(cells=cells, bitmaps=bitmaps, top=top), 1)
        assert blit.paste_lines(canvas, lines, cells, top, 1) == left
        assert np.array_equal(canvas, expected)
        assert all(line.boxes for line in left)
        assert all(not line.regular or "unfit" in line.boxes for line in left)


def test_paste_lines_looks_words_up_through_the_cache_and_passes_its_errors_on():
    class Missing(dict):
        def __missing__(self, word):
            if word == "bad":
                raise KeyError(word)
            return Cell(np.full(2 * BAND, 200, np.uint8), 0, 2, BAND, 0, BAND)

    line = Line(0, 0, ["made", "on", "lookup"], [0.0], 0.0, False, regular=True)
    line.baseline = 3.0
    canvas = np.zeros((20, 30), np.uint8)
    assert blit.paste_lines(canvas, [line], Missing(), 0, 0) == []
    assert canvas[3 : 3 + BAND, :6].min() == 200 and not canvas[:, 6:].any()
    line.boxes = ["bad"]
    with pytest.raises(KeyError, match="bad"):
        blit.paste_lines(canvas, [line], Missing(), 0, 0)


def test_paste_at_matches_numpy():
    rng = np.random.default_rng(2)
    for _ in range(300):
        bitmaps = [random_cell(rng).bitmap for _ in range(int(rng.integers(0, 5)))]
        xs = [int(v) for v in rng.integers(-12, 34, len(bitmaps))]
        y = int(rng.integers(-BAND - 2, 24))
        canvas = random_canvas(rng)
        expected = canvas.copy()
        _paste_at(expected, y, xs, bitmaps)
        blit.paste_at(canvas, y, xs, bitmaps)
        assert np.array_equal(canvas, expected), (y, xs)


INDEX_NAMES = ("dst_offsets", "dst_strides", "src_offsets", "src_strides", "widths", "heights")


def test_paste_blocks_matches_a_loop_over_blocks():
    rng = np.random.default_rng(3)
    src = rng.integers(0, 256, 400).astype(np.uint8)
    dst = (rng.integers(0, 256, 600) * (rng.random(600) < 0.3)).astype(np.uint8)
    count = 50
    widths, heights = rng.integers(0, 6, count), rng.integers(0, 4, count)
    src_strides = widths + rng.integers(0, 4, count)
    dst_strides = widths + rng.integers(0, 9, count)
    src_offsets = rng.integers(0, 400 - 3 * 10 - 6, count)
    dst_offsets = rng.integers(0, 600 - 3 * 14 - 6, count)
    expected = dst.copy()
    for i in range(count):
        for r in range(heights[i]):
            d, s, w = dst_offsets[i] + r * dst_strides[i], src_offsets[i] + r * src_strides[i], widths[i]
            expected[d : d + w] = np.maximum(expected[d : d + w], src[s : s + w])
    blit.paste_blocks(dst, src, dst_offsets, dst_strides, src_offsets, src_strides, widths, heights)
    assert np.array_equal(dst, expected)


@pytest.mark.parametrize(
    "change",
    [
        {"dst_offsets": [-1]},
        {"dst_offsets": [9]},  # its last row ends past dst's 20 bytes
        {"src_offsets": [7]},  # past src's 12 bytes
        {"widths": [-1]},
        {"heights": [-1]},
        {"dst_strides": [2**62]},
    ],
)
def test_paste_blocks_refuses_a_block_outside_its_buffers_and_writes_nothing(change):
    dst, src = np.zeros(20, np.uint8), np.full(12, 9, np.uint8)
    arrays = {"dst_offsets": [0, 0], "dst_strides": [5, 5], "src_offsets": [0, 0], "src_strides": [3, 3],
              "widths": [3, 3], "heights": [3, 3]}
    for name, values in change.items():
        arrays[name] = [arrays[name][0], *values]  # the first block is fine, the second is not
    with pytest.raises(IndexError, match="block 1"):
        blit.paste_blocks(dst, src, *[np.array(arrays[name], np.int64) for name in INDEX_NAMES])
    assert not dst.any()


def test_an_empty_block_may_lie_anywhere():
    dst = np.zeros(4, np.uint8)
    far = np.array([10**6], np.int64)
    one, zero = np.ones(1, np.int64), np.zeros(1, np.int64)
    blit.paste_blocks(dst, np.ones(4, np.uint8), far, one, far, one, one, zero)
    blit.paste_blocks(dst, np.ones(4, np.uint8), far, one, far, one, zero, one)
    assert not dst.any()


def test_bad_arguments_get_clear_errors():
    canvas = np.zeros((10, 10), np.uint8)
    bitmap = np.ones((2, 2), np.uint8)
    with pytest.raises(TypeError, match="canvas"):
        blit.paste_at(np.zeros((10, 10)), 0, [0], [bitmap])
    with pytest.raises(TypeError, match="canvas"):
        blit.paste_at(np.zeros(10, np.uint8), 0, [0], [bitmap])
    with pytest.raises(TypeError, match=r"paste_at\(canvas, y, xs, bitmaps\) takes 4 arguments \(3 given\)"):
        blit.paste_at(canvas, 0, [0])
    with pytest.raises(ValueError, match="differ in length"):
        blit.paste_at(canvas, 0, [0, 1], [bitmap])
    line = Line(0, 0, ["w"], [0.0], 0.0, False, regular=True)
    with pytest.raises(TypeError, match="cell"):
        blit.paste_lines(canvas, [line], {"w": (bitmap, 0, 2)}, 0, 0)
    with pytest.raises(ValueError, match="outside its store"):
        blit.paste_lines(canvas, [line], {"w": Cell(np.zeros(3, np.uint8), 0, 2, 2, 0, 2)}, 0, 0)
    with pytest.raises(ValueError, match="outside its store"):
        blit.paste_lines(canvas, [line], {"w": Cell(np.zeros(4, np.uint8), 0, 2, 2, 1, 3)}, 0, 0)
    with pytest.raises(ValueError, match="shares memory"):
        blit.paste_at(canvas, 0, [0], [canvas[2:4]])  # rows of the canvas itself
    with pytest.raises(ValueError, match="shares memory"):
        blit.paste_lines(canvas, [line], {"w": Cell(canvas.ravel(), 0, 2, 2, 0, 2)}, 0, 0)
    flat = np.zeros(8, np.uint8)
    with pytest.raises(ValueError, match="shares memory"):
        blit.paste_blocks(flat, flat[4:], *[np.zeros(1, np.int64)] * 6)
    line.baseline = float("nan")
    with pytest.raises(ValueError, match="finite"):
        blit.paste_lines(canvas, [line], {"w": Cell(np.zeros(4, np.uint8), 0, 2, 2, 0, 2)}, 0, 0)
    with pytest.raises(TypeError, match="int64"):
        blit.paste_blocks(np.zeros(4, np.uint8), np.zeros(4, np.uint8), *[np.zeros(1, np.int32)] * 6)
    assert not canvas.any()


CHAPTER = (Path(__file__).resolve().parents[1] / "data" / "pride-and-prejudice-ch1.txt").read_text(encoding="utf-8")
TEXTS = {
    "prose": CHAPTER + "\n\n" + CHAPTER.replace(". ", ".  "),
    "mixed": "Ærøskøbing naïve café — “quotes” e\u0301 a\u0308 日本語の文章です。漢字とかな。 مرحبا بالعالم هذا نص "
    "\tTab\there  double  spaces Tjå_ averyveryveryveryveryveryverylongwordthatmustbebrokenacrosslines " * 12,
}


@pytest.mark.parametrize("preset", ["glyph-like", "default", "two-column", "legible", "code"])
@pytest.mark.parametrize("text", sorted(TEXTS))
def test_pages_are_the_same_with_and_without_the_extension(preset, text, monkeypatch):
    config = RenderConfig.load(preset)
    forget_words()  # each render draws its words itself: the batch pass pastes glyphs too
    compiled = render_text(TEXTS[text], config)
    monkeypatch.setattr(native, "blit", None)
    forget_words()
    plain = render_text(TEXTS[text], config)
    assert len(compiled.pages) == len(plain.pages)
    for a, b in zip(compiled.pages, plain.pages):
        assert a.span == b.span
        assert np.array_equal(a.image, b.image)
