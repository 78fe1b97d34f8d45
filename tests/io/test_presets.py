"""One preset loader for every kind: names or paths, `base:` inheritance, unknown keys named with the file."""

from __future__ import annotations

import pytest

from glyphctx.errors import ConfigError


def _write(path, text):
    path.write_text(text, encoding="utf-8")
    return path


def test_a_partial_render_yaml_inherits_from_a_preset(tmp_path):
    from glyphctx.render.presets import load_preset

    child = load_preset(str(_write(tmp_path / "mine.yaml", "base: glyph-like\nfont_size: 11\n")))
    parent = load_preset("glyph-like")
    assert child.font_size == 11
    assert child.replace(font_size=parent.font_size) == parent


def test_a_base_path_is_read_relative_to_the_file_and_chains(tmp_path):
    from glyphctx.render.presets import load_preset

    (tmp_path / "sub").mkdir()
    _write(tmp_path / "sub" / "a.yaml", "base: dense\ndpi: 100\n")
    _write(tmp_path / "b.yaml", "base: sub/a.yaml\nmargin_top: 3\n")
    config = load_preset(str(tmp_path / "b.yaml"))
    dense = load_preset("dense")
    assert (config.dpi, config.margin_top) == (100, 3)
    assert config.replace(dpi=dense.dpi, margin_top=dense.margin_top) == dense


def test_mappings_merge_key_by_key(tmp_path):
    from glyphctx.answering import PipelineConfig

    path = _write(tmp_path / "p.yaml", "base: tiny\nmax_new_tokens: 7\nrender: {font_size: 10}\n")
    config = PipelineConfig.load(path)
    assert config.max_new_tokens == 7 and config.model == PipelineConfig.load("tiny").model
    assert config.render == {"font_size": 10}  # the base's render is a name, so the mapping replaces it
    again = PipelineConfig.load(_write(tmp_path / "q.yaml", f"base: {path.name}\nrender: {{dpi: 90}}\n"))
    assert again.render == {"font_size": 10, "dpi": 90} and again.max_new_tokens == 7


@pytest.mark.parametrize("loader, base", [
    ("glyphctx.encode:load_encoder_config", "encoder-tiny"),
    ("glyphctx.model.presets:load_config", "glyphlm-tiny"),
    ("glyphctx.reader:load_reader_config", "tiny-reader"),
    ("glyphctx.train:load_preset", "tiny-lm"),
])
def test_every_kind_of_preset_takes_a_base_and_refuses_unknown_keys(tmp_path, loader, base):
    import importlib

    module, _, name = loader.partition(":")
    load = getattr(importlib.import_module(module), name)
    inherited = load(str(_write(tmp_path / "same.yaml", f"base: {base}\n")))
    assert _settings(inherited) == _settings(load(base))
    bad = _write(tmp_path / "bad.yaml", f"base: {base}\nnot_a_setting: 1\n")
    with pytest.raises(ConfigError, match=r"bad\.yaml.*not_a_setting"):
        load(str(bad))


def _settings(value):
    """What a loaded preset holds, less the name and origin taken from its file."""
    data = value.to_dict() if hasattr(value, "to_dict") else dict(vars(value))
    return {k: v for k, v in data.items() if k not in ("name", "origin", "transformers_version")}


def test_a_circle_of_bases_and_a_missing_base_are_config_errors(tmp_path):
    from glyphctx.render.presets import load_preset

    _write(tmp_path / "a.yaml", "base: b.yaml\n")
    _write(tmp_path / "b.yaml", "base: a.yaml\n")
    with pytest.raises(ConfigError, match="circle"):
        load_preset(str(tmp_path / "a.yaml"))
    with pytest.raises(ConfigError, match=r"c\.yaml: base: unknown render preset 'nope'"):
        load_preset(str(_write(tmp_path / "c.yaml", "base: nope\n")))
    with pytest.raises(ConfigError, match=r"d\.yaml: base: must name"):
        load_preset(str(_write(tmp_path / "d.yaml", "base: [1]\n")))


def test_unknown_key_names_the_file_and_the_key(tmp_path):
    from glyphctx.render.presets import load_preset

    with pytest.raises(ConfigError, match=r"typo\.yaml: unknown key 'font_sise'; render keys: .*font_size"):
        load_preset(str(_write(tmp_path / "typo.yaml", "font_sise: 9\n")))
