"""Train presets and settings: what loads, and the errors that name the file and the key."""

import math

import pytest

from glyphctx.errors import ConfigError
from glyphctx.train import TrainSettings, build_task, load_corpus, load_preset, preset_names
from glyphctx.train import presets as presets_module
from glyphctx.train.lm_task import LMTask, build_model_config
from tests.train.helpers import CORPUS, write_tiny_preset


def test_shipped_lm_presets_load_and_build_valid_model_configs():
    assert {"tiny-lm", "lm-1b"} <= set(preset_names())
    for name in ("tiny-lm", "lm-1b"):
        preset = load_preset(name)
        assert preset.task == "lm" and preset.settings.steps > 0
        config = build_model_config(preset.options["model"], vocab_size=264)
        assert config.vocab_size == 264 and config.max_position_embeddings == preset.options["context"]
    tiny = build_model_config(load_preset("tiny-lm").options["model"], vocab_size=264)
    assert tiny.rope_parameters["rope_type"] == "default" and tiny.num_experts == 0


def test_unknown_key_names_the_file_and_key(tmp_path):
    path = write_tiny_preset(tmp_path / "bad.yaml", contxt=64)
    with pytest.raises(ConfigError) as info:
        load_preset(str(path))
    assert str(path) in str(info.value) and "'contxt'" in str(info.value)


@pytest.mark.parametrize("change, fragment", [
    ({"task": "painting"}, "unknown task 'painting'"),
    ({"steps": 0}, "steps: expected a positive integer"),
    ({"min_lr_ratio": 2}, "min_lr_ratio"),
    ({"lr": -1}, "lr:"),
])
def test_bad_values_name_the_file(tmp_path, change, fragment):
    path = write_tiny_preset(tmp_path / "p.yaml", **change)
    with pytest.raises(ConfigError) as info:
        load_preset(str(path))
    assert str(path) in str(info.value) and fragment in str(info.value)


def test_task_option_errors_name_the_file(tmp_path):
    corpus = load_corpus(CORPUS)
    bad_model = write_tiny_preset(tmp_path / "m.yaml", model={"preset": "glyphlm-tiny", "hidden_sise": 8})
    with pytest.raises(ConfigError, match=r"m\.yaml.*hidden_sise"):
        build_task(load_preset(str(bad_model)), corpus)
    too_long = write_tiny_preset(tmp_path / "c.yaml", context=10**6)
    with pytest.raises(ConfigError, match=r"c\.yaml.*context"):
        build_task(load_preset(str(too_long)), corpus)
    assert isinstance(build_task(load_preset(str(write_tiny_preset(tmp_path / "ok.yaml"))), corpus), LMTask)


def test_unknown_preset_and_missing_task_module(tmp_path, monkeypatch):
    with pytest.raises(ConfigError, match="tiny-lm"):
        load_preset("no-such-preset")
    monkeypatch.setitem(presets_module.TASKS, "ghost", "glyphctx.no_such_module:GhostTask")
    path = write_tiny_preset(tmp_path / "g.yaml", task="ghost")
    with pytest.raises(ConfigError, match=r"g\.yaml.*glyphctx\.no_such_module"):
        load_preset(str(path))


def test_learning_rate_schedule_warms_up_then_decays_to_the_floor():
    s = TrainSettings(steps=100, lr=1.0, warmup_steps=10, min_lr_ratio=0.1)
    assert s.lr_at(0) == pytest.approx(0.1) and s.lr_at(9) == pytest.approx(1.0)
    assert s.lr_at(10) == pytest.approx(1.0) and s.lr_at(99) == pytest.approx(0.1)
    middle = 10 + (99 - 10) / 2
    assert s.lr_at(math.floor(middle)) > 0.55 > s.lr_at(math.ceil(middle) + 1)
    values = [s.lr_at(i) for i in range(10, 100)]
    assert all(a >= b for a, b in zip(values, values[1:]))
