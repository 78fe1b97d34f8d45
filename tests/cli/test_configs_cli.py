"""`glyphctx configs`: presets, one preset in full with help text, fonts and VLM profiles."""

import dataclasses

import yaml
from typer.testing import CliRunner

from glyphctx.cli.main import app
from glyphctx.render.config import RenderConfig, field_help
from glyphctx.render.fonts import FAMILIES, font_path
from glyphctx.render.presets import load_preset, preset_description, preset_names
from glyphctx.tokens import PROFILE_NAMES, get_profile

README_PRESETS = {"default", "glyph-like", "legible", "dense", "code", "two-column"}


def _invoke(*args):
    return CliRunner().invoke(app, [str(a) for a in args])


def test_configs_lists_every_preset_with_its_description():
    run = _invoke("configs")
    assert run.exit_code == 0, run.stderr
    flat = " ".join(run.stdout.replace("│", " ").split())
    assert set(preset_names()) == README_PRESETS
    for name in preset_names():
        description = preset_description(name)
        assert description, name
        assert any(line.split("│")[1].strip() == name for line in run.stdout.splitlines() if line.count("│") >= 3)
        # the table wraps long descriptions, so compare with whitespace collapsed
        assert " ".join(description.split()[:6]) in flat, name
    assert "Glyph's published rendering configuration" in flat


def test_one_preset_shows_every_field_with_its_help_as_valid_yaml():
    run = _invoke("configs", "glyph-like")
    assert run.exit_code == 0, run.stderr
    helps = field_help()
    preset = load_preset("glyph-like")
    lines = run.stdout.splitlines()
    names = [field.name for field in dataclasses.fields(RenderConfig)]
    assert [line.split(":", 1)[0] for line in lines] == names
    for name, line in zip(names, lines):
        assert helps[name], name
        assert line.endswith(f"# {helps[name]}"), line
    # the listing is itself a config file that loads back to the same preset
    assert RenderConfig.from_dict(yaml.safe_load(run.stdout)) == preset
    assert "auto_crop_width: true" in run.stdout
    assert "page_width: 595" in run.stdout


def test_a_yaml_file_can_be_shown_like_a_preset(tmp_path):
    mine = RenderConfig(font_size=11, columns=2, align="justify")
    mine.save(tmp_path / "mine.yaml")
    run = _invoke("configs", tmp_path / "mine.yaml")
    assert run.exit_code == 0, run.stderr
    assert RenderConfig.from_dict(yaml.safe_load(run.stdout)) == mine


def test_fonts_lists_each_shipped_family_and_its_file():
    run = _invoke("configs", "--fonts")
    assert run.exit_code == 0
    listed = dict(line.split() for line in run.stdout.splitlines())
    assert listed == FAMILIES
    assert all(font_path(family).is_file() for family in listed)


def test_profiles_lists_each_vlm_rule():
    run = _invoke("configs", "--profiles")
    assert run.exit_code == 0
    flat = " ".join(run.stdout.split())
    for name in PROFILE_NAMES:
        assert " ".join(f"{name} {get_profile(name).describe()}".split()) in flat
    assert "deepseek-ocr-base: 256 tokens per image" in flat
    assert "qwen2.5-vl: 1 token per 28x28 px" in flat


def test_an_unknown_preset_exits_2_and_lists_the_known_ones():
    run = _invoke("configs", "no-such-preset")
    assert run.exit_code == 2
    assert run.stderr.startswith("error: unknown render preset 'no-such-preset'; presets: ")
    for name in preset_names():
        assert name in run.stderr
    assert run.stdout == ""
    assert "Traceback" not in run.stderr


def test_a_broken_yaml_file_exits_2_naming_it(tmp_path):
    bad = tmp_path / "broken.yaml"
    bad.write_text("page_width: [unclosed\n")
    run = _invoke("configs", bad)
    assert run.exit_code == 2
    assert str(bad) in run.stderr and "not valid YAML" in run.stderr
    assert "Traceback" not in run.stderr
