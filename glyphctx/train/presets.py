"""Training presets: YAML files in configs/train/ naming a task, its options and the trainer settings.

    task: lm                 # a name in TASKS
    steps: 2000              # TrainSettings fields
    context: 256             # the task's own keyword options
    model: {preset: glyphlm-tiny, hidden_size: 128}

Tasks are listed by import string and imported only when used, so a preset of a task whose module
is absent fails with a ConfigError naming it instead of breaking every other preset.
"""

from __future__ import annotations

import importlib
import inspect
from dataclasses import dataclass, field
from typing import Any

from glyphctx.common.corpus import Corpus
from glyphctx.errors import ConfigError
from glyphctx.io.presets import preset_names as yaml_preset_names
from glyphctx.io.presets import read_preset
from glyphctx.train.settings import TrainSettings

TASKS = {
    "lm": "glyphctx.train.lm_task:LMTask",
    "reader": "glyphctx.reader.task:ReaderTask",
    "reader-qa": "glyphctx.reader.qa_task:QATask",
}


@dataclass(frozen=True)
class TrainPreset:
    name: str
    origin: str  # the file, for error messages
    task: str
    settings: TrainSettings
    options: dict[str, Any] = field(default_factory=dict)

    def with_settings(self, **changes) -> TrainPreset:
        try:
            settings = self.settings.replace(**{k: v for k, v in changes.items() if v is not None})
        except ConfigError as exc:
            raise ConfigError(f"{self.origin}: {exc}") from None
        return TrainPreset(self.name, self.origin, self.task, settings, dict(self.options))


PACKAGE = "glyphctx.configs.train"


def preset_names() -> list[str]:
    return yaml_preset_names(PACKAGE)


def task_class(name: str, origin: str = "preset") -> type:
    """Import the task class registered as `name`."""
    if name not in TASKS:
        raise ConfigError(f"{origin}: task: unknown task {name!r}; known: {', '.join(sorted(TASKS))}")
    module_name, _, attribute = TASKS[name].partition(":")
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        raise ConfigError(f"{origin}: task {name!r} needs {module_name}, which is not available ({exc})") from None
    return getattr(module, attribute)


def task_options(cls: type) -> set[str] | None:
    """The keyword options a task class takes besides `corpus`; None when it takes any (**kwargs)."""
    parameters = inspect.signature(cls.__init__).parameters
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters.values()):
        return None
    return {n for n in parameters if n not in ("self", "corpus")}


def load_preset(name_or_path: str) -> TrainPreset:
    """A preset by name (configs/train/NAME.yaml) or path; every key is checked against task and trainer."""
    data, path = read_preset(PACKAGE, name_or_path, "train preset")
    name, origin = path.stem, str(path)
    if not isinstance(data, dict):
        raise ConfigError(f"{origin}: expected a mapping with a 'task' key, got {type(data).__name__}")
    data = dict(data)
    task = data.pop("task", None)
    if task is None:
        raise ConfigError(f"{origin}: task: missing; one of {', '.join(sorted(TASKS))}")
    cls = task_class(task, origin)
    trainer_keys = TrainSettings.field_names()
    settings_fields = {k: v for k, v in data.items() if k in trainer_keys}
    options = {k: v for k, v in data.items() if k not in trainer_keys}
    allowed = task_options(cls)
    if allowed is not None:
        unknown = sorted(set(options) - allowed)
        if unknown:
            raise ConfigError(f"{origin}: unknown key {unknown[0]!r} (not a trainer setting nor an option of task "
                              f"{task!r}); trainer: {', '.join(sorted(trainer_keys))}; "
                              f"task: {', '.join(sorted(allowed))}")
    try:
        settings = TrainSettings(**settings_fields)
    except ConfigError as exc:
        raise ConfigError(f"{origin}: {exc}") from None
    return TrainPreset(name=name, origin=origin, task=task, settings=settings, options=options)


def build_task(preset: TrainPreset, corpus: Corpus):
    """The preset's task on `corpus`; option errors name the preset file."""
    cls = task_class(preset.task, preset.origin)
    try:
        return cls(corpus=corpus, **preset.options)
    except ConfigError as exc:
        raise ConfigError(f"{preset.origin}: {exc}") from None
