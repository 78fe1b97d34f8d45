"""Training: a generic resumable trainer, the byte tokenizer, the book corpus split, and the LM task.

    from glyphctx.train import load_corpus, load_preset, build_task, train
    preset = load_preset("tiny-lm")
    task = build_task(preset, load_corpus(["books/"]))
    report = train(task, preset.settings, Path("runs/tiny-lm"))

Any object with build / batch / loss / evaluate / save (`TrainTask`) trains the same way, so the
page reader and the language model share checkpoints, resume and distributed data parallelism.
"""

from glyphctx.common.corpus import Corpus, load_corpus
from glyphctx.train.errors import TrainError
from glyphctx.train.loop import TrainReport, TrainTask, train
from glyphctx.train.presets import TASKS, TrainPreset, build_task, load_preset, preset_names
from glyphctx.train.settings import TrainSettings
from glyphctx.train.tokenizer import ByteTokenizer

__all__ = [
    "TASKS",
    "ByteTokenizer",
    "Corpus",
    "TrainError",
    "TrainPreset",
    "TrainReport",
    "TrainSettings",
    "TrainTask",
    "build_task",
    "load_corpus",
    "load_preset",
    "preset_names",
    "train",
]
