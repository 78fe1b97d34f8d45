"""Pipelines from presets and YAML files: every part is checked by name, and errors name the file and key."""

import pytest

from glyphctx.answering import ModelError, Pipeline, PipelineConfig, PipelineError, preset_names
from glyphctx.errors import GlyphctxError


def write(tmp_path, text, name="pipeline.yaml"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_shipped_presets_load_and_name_their_model():
    assert {"tiny", "qwen2.5-vl-7b"} <= set(preset_names())
    tiny = PipelineConfig.from_preset("tiny")
    assert tiny.model == "runs/tiny-qa" and "glyphctx train --preset tiny-qa" in tiny.made_by
    qwen = PipelineConfig.from_preset("qwen2.5-vl-7b")
    assert qwen.profile == "qwen2.5-vl" and qwen.dtype == "bfloat16" and "{question}" in qwen.prompt
    assert PipelineConfig.load("tiny") == tiny


def test_tiny_preset_is_relative_to_the_current_directory_and_says_how_to_make_it(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    pipeline = Pipeline.from_preset("tiny")
    assert pipeline.config.model == str(tmp_path / "runs" / "tiny-qa")
    for call in (lambda: pipeline.ask("Some text.", "What?"), lambda: pipeline.compress("Some text.")):
        with pytest.raises(ModelError) as caught:
            call()
        message = str(caught.value)
        assert "runs/tiny-qa does not exist" in message
        assert "glyphctx train --preset tiny-qa" in message and "-o runs/tiny-qa" in message


def test_tiny_preset_finds_a_training_run_folder(tmp_path, monkeypatch, tiny_reader):
    run = tmp_path / "runs" / "tiny-qa"
    (run / "final").parent.mkdir(parents=True)
    (run / "final").symlink_to(tiny_reader, target_is_directory=True)  # `glyphctx train -o` keeps it in final/
    monkeypatch.chdir(tmp_path)
    pipeline = Pipeline.from_preset("tiny")
    assert pipeline.render_config.page_height == 12  # the reader's own one-line pages, not the default preset
    assert pipeline.model.kind == "reader" and pipeline.model.name == "tiny-qa"


def test_yaml_pipeline_with_inline_render_and_searched_configs(tmp_path):
    searched = write(tmp_path, "font_size: 6\nline_height: 7\n", "best.yaml")
    path = write(tmp_path, f"model: some/vlm\nrender: {{font_size: 7, line_height: 8}}\nsearched: [{searched}]\n"
                           "max_new_tokens: 5\n")
    config = PipelineConfig.from_yaml(path)
    assert config.render_config().font_size == 7 and config.searched == (str(searched),)
    assert config.origin == str(path) and config.max_new_tokens == 5


@pytest.mark.parametrize("text, words", [
    ("model: m\ncolour: blue\n", ["unknown key 'colour'"]),
    ("model: m\nrender: no-such-preset\n", ["render:", "no-such-preset"]),
    ("model: m\nprofile: no-such-vlm\n", ["profile:", "no-such-vlm"]),
    ("model: m\nencoder: no-such-encoder\n", ["encoder:", "no-such-encoder"]),
    ("model: m\nrender: {font_size: -3}\n", ["render", "font_size"]),
    ("model: m\nsearched: [missing/best.yaml]\n", ["searched:", "missing/best.yaml"]),
    ("model: m\nmax_new_tokens: 0\n", ["max_new_tokens"]),
    ("model: m\nprompt: no placeholder\n", ["{question}"]),
    ("render: default\n", ["'model'"]),
    ("model: [unclosed\n", ["not valid YAML"]),
    ("- a list\n", ["expected a mapping"]),
])
def test_yaml_errors_name_the_file_and_the_part(tmp_path, text, words):
    path = write(tmp_path, text)
    with pytest.raises(PipelineError) as caught:
        PipelineConfig.from_yaml(path)
    message = str(caught.value)
    assert str(path) in message, message
    for word in words:
        assert word in message, message


def test_unknown_preset_and_missing_file_are_typed_errors(tmp_path):
    with pytest.raises(PipelineError, match="unknown pipeline preset 'nope'.*tiny"):
        Pipeline.from_preset("nope")
    with pytest.raises(PipelineError, match="cannot read the pipeline preset file"):
        Pipeline.from_yaml(tmp_path / "missing.yaml")
    with pytest.raises(PipelineError, match="unknown pipeline preset"):
        Pipeline.load("nope")


def test_a_folder_of_no_known_kind_is_refused_by_name(tmp_path):
    (tmp_path / "weights").mkdir()
    (tmp_path / "weights" / "config.json").write_text('{"model_type": "llama"}')  # a text-only model
    pipeline = Pipeline(PipelineConfig(model=str(tmp_path / "weights")))
    with pytest.raises(ModelError, match="neither a GlyphLM reader checkpoint .* nor a transformers VLM"):
        pipeline.ask("Some text.", "What?")
    assert issubclass(ModelError, GlyphctxError)
