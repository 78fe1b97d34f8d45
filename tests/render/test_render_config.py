
import pytest
import yaml

from glyphctx.errors import ConfigError
from glyphctx.render.config import RenderConfig, field_help
from glyphctx.render.presets import load_preset, preset_description, preset_names


def test_every_preset_loads_and_round_trips_through_yaml(tmp_path):
    names = preset_names()
    assert {"default", "glyph-like", "legible"} <= set(names)
    for name in names:
        config = load_preset(name)
        assert preset_description(name), f"preset {name} has no description comment"
        again = RenderConfig.from_yaml(config.to_yaml())
        assert again == config
        path = tmp_path / f"{name}.yaml"
        config.save(path)
        assert RenderConfig.load(path) == config
        assert RenderConfig.load(str(path)).digest() == config.digest()


def test_glyph_like_preset_matches_glyphs_published_configuration():
    config = load_preset("glyph-like")
    assert (config.page_width, config.page_height, config.dpi) == (595, 842, 72)
    assert (config.font_size, config.line_height) == (9, 10)
    assert (config.margin_top, config.margin_right, config.margin_bottom, config.margin_left) == (10, 10, 10, 10)
    assert config.align == "left" and config.auto_crop_width and config.auto_crop_last_page
    assert config.font == "dejavu-sans"
    assert config.page_size_px == (595, 842)


def test_pipeline_style_yaml_with_a_render_section(tmp_path):
    path = tmp_path / "pipeline.yaml"
    path.write_text("render:\n  font_size: 11\n  align: justify\nprofile: qwen2.5-vl\n")
    config = load_preset(str(path))
    assert config.font_size == 11 and config.align == "justify"


@pytest.mark.parametrize(
    "changes, words",
    [
        ({"font_size": 0}, "font_size"),
        ({"font_size": -3}, "font_size"),
        ({"dpi": "high"}, "dpi"),
        ({"align": "middle"}, "align"),
        ({"foreground": "black"}, "foreground"),
        ({"columns": 0}, "columns"),
        ({"columns": 2.5}, "columns"),
        ({"margin_left": -1}, "margin_left"),
        ({"margin_left": 300, "margin_right": 300}, "no room"),
        ({"page_height": 20, "line_height": 30}, "no room"),
        ({"horizontal_scale": 0}, "horizontal_scale"),
        ({"reflow": "yes"}, "reflow"),
        ({"tab_size": 0}, "tab_size"),
    ],
)
def test_invalid_values_are_rejected_with_the_field_named(changes, words):
    with pytest.raises(ConfigError, match=words):
        RenderConfig(**changes)


def test_unknown_keys_and_bad_yaml_name_the_file(tmp_path):
    bad_key = tmp_path / "typo.yaml"
    bad_key.write_text("font_sise: 9\n")
    with pytest.raises(ConfigError, match=r"typo\.yaml.*font_sise"):
        load_preset(str(bad_key))
    broken = tmp_path / "broken.yaml"
    broken.write_text("font_size: [9\n")
    with pytest.raises(ConfigError, match=r"broken\.yaml.*YAML"):
        load_preset(str(broken))
    not_a_mapping = tmp_path / "list.yaml"
    not_a_mapping.write_text("- 1\n- 2\n")
    with pytest.raises(ConfigError, match="mapping"):
        load_preset(str(not_a_mapping))
    with pytest.raises(ConfigError, match="unknown render preset"):
        load_preset("no-such-preset")


def test_digest_changes_with_any_setting_and_only_then():
    base = RenderConfig()
    assert base.digest() == RenderConfig().digest()
    assert base.replace(font_size=9.5).digest() != base.digest()
    assert base.replace(reflow=False).digest() != base.digest()


def test_every_field_has_help_text():
    helps = field_help()
    assert set(helps) == set(RenderConfig().to_dict())
    assert all(text.strip() for text in helps.values())


def test_yaml_is_plain_data():
    data = yaml.safe_load(RenderConfig().to_yaml())
    assert data["fallback_fonts"] == ["dejavu-sans", "droid-sans-fallback"]
