
import pytest

from glyphctx.errors import FontError
from glyphctx.render.fonts import FAMILIES, _font_tables, font_path, fonts_dir, load_face


def test_every_shipped_family_has_its_file_and_a_licence():
    folder = fonts_dir()
    licences = {p.name for p in folder.glob("LICENSE*")}
    assert {"LICENSE-DejaVu.txt", "LICENSE-Liberation.txt", "LICENSE-DroidSansFallback.txt"} <= licences
    for family, filename in FAMILIES.items():
        assert font_path(family).is_file(), family
        assert family in (folder / "README.md").read_text()


def test_families_cover_sans_serif_mono_and_cjk():
    assert load_face("dejavu-sans", 12).has("A")
    assert load_face("dejavu-serif", 12).has("A")
    mono = load_face("dejavu-sans-mono", 12)
    assert mono.advance("i") == pytest.approx(mono.advance("W"))
    assert load_face("droid-sans-fallback", 12).has("中")
    assert not load_face("dejavu-sans", 12).has("中")


def test_font_given_by_path(tmp_path):
    path = font_path(str(font_path("dejavu-serif")))
    assert path.name == "DejaVuSerif.ttf"
    with pytest.raises(FontError, match="not found"):
        font_path(str(tmp_path / "missing.ttf"))
    with pytest.raises(FontError, match="unknown font"):
        font_path("comic-sans")
    junk = tmp_path / "junk.ttf"
    junk.write_bytes(b"not a font at all")
    with pytest.raises(FontError, match="junk.ttf"):
        load_face(str(junk), 10)


def test_advances_are_unhinted_and_scale_linearly():
    small = load_face("dejavu-sans", 9)
    large = load_face("dejavu-sans", 90)
    assert large.advance("e") == pytest.approx(small.advance("e") * 10)
    condensed = load_face("dejavu-sans", 9, 0.8)
    assert condensed.advance("e") == pytest.approx(small.advance("e") * 0.8)


@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_numbered_glyph_tables_agree_with_fonttools_names(family):
    """The cmap and advances read by glyph number are fontTools' own, read by glyph name."""
    from fontTools.ttLib import TTFont

    path = str(font_path(family))
    cmap, advances = _font_tables(path)[:2]
    named = TTFont(path, lazy=True)
    metrics = named["hmtx"].metrics
    by_name = {code: metrics[name][0] for code, name in named.getBestCmap().items()}
    assert {code: advances[glyph] for code, glyph in cmap.items()} == by_name
    assert advances[0] == metrics[named.getGlyphOrder()[0]][0]  # glyph 0, .notdef, for characters a font lacks
