"""Reconstruction: how much of held-out text a model reads back from the line images it was made for.

The lines are the ones `glyphctx train` scores a reader on (`ReaderTask.held_out_lines`: the held-out
chapters drawn with the reader's render config exactly), so this report and the training log's
held-out accuracy measure the same pages. Scores are the search's fidelity metrics: character
accuracy per line and over all lines joined, normalised edit distance, the character error rate
(edits per reference character, which, unlike accuracy, does not flatten when a reader rambles on),
and Fox-style word precision / recall / F1. The compression those lines buy is text tokens (the
default tokenizer) per visual token (the model's own rule).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from rapidfuzz.distance import Levenshtein

from glyphctx.common.metrics import char_accuracy, mean_score, normalise_for_scoring, score_transcription
from glyphctx.io.atomic import atomic_write_text
from glyphctx.reader.config import DEFAULT_READER
from glyphctx.reader.lines import Line

JSON_NAME = "reconstruction.json"
MARKDOWN_NAME = "reconstruction.md"


@dataclass(frozen=True)
class LineReading:
    reference: str
    hypothesis: str
    char_accuracy: float


@dataclass(frozen=True)
class ReconstructionScores:
    lines: int
    char_accuracy: float  # mean over lines (each line counts once)
    char_accuracy_joined: float  # over every line joined into one text (long lines weigh more)
    edit_distance: float  # mean normalised Levenshtein distance, 1 - char_accuracy per line
    char_error_rate: float  # Levenshtein edits over all lines / reference characters
    precision: float
    recall: float
    f1: float
    reference_chars: int
    worst: list[LineReading] = field(default_factory=list)


def score_lines(references: Sequence[str], hypotheses: Sequence[str], *, worst: int = 5) -> ReconstructionScores:
    """Every line's reading scored against its text; `worst` lowest-accuracy lines kept as examples."""
    if len(references) != len(hypotheses):
        raise ValueError(f"{len(references)} references but {len(hypotheses)} readings")
    if not references:
        raise ValueError("score_lines needs at least one line")
    scores = [score_transcription(r, h) for r, h in zip(references, hypotheses)]
    mean = mean_score(scores)
    pairs = [(normalise_for_scoring(r), normalise_for_scoring(h)) for r, h in zip(references, hypotheses)]
    edits = sum(Levenshtein.distance(r, h) for r, h in pairs)
    readings = sorted((LineReading(r, h, s.char_accuracy) for r, h, s in zip(references, hypotheses, scores)),
                      key=lambda reading: reading.char_accuracy)
    return ReconstructionScores(
        lines=len(scores),
        char_accuracy=mean.char_accuracy,
        char_accuracy_joined=char_accuracy(" ".join(references), " ".join(hypotheses)),
        edit_distance=1.0 - mean.char_accuracy,
        char_error_rate=edits / max(1, sum(len(r) for r, _ in pairs)),
        precision=mean.precision, recall=mean.recall, f1=mean.f1,
        reference_chars=mean.reference_chars,
        worst=readings[:worst],
    )


@dataclass(frozen=True)
class ReconstructionReport:
    model: str
    kind: str  # "reader" or "vlm"
    scores: ReconstructionScores
    text_tokens: int
    visual_tokens: int
    tokenizer: str

    @property
    def ratio(self) -> float:
        return self.text_tokens / self.visual_tokens if self.visual_tokens else 0.0

    def to_dict(self) -> dict[str, Any]:
        return {"model": self.model, "kind": self.kind, **asdict(self.scores), "text_tokens": self.text_tokens,
                "visual_tokens": self.visual_tokens, "ratio": self.ratio, "tokenizer": self.tokenizer}

    def summary_rows(self) -> list[tuple[str, str]]:
        s = self.scores
        return [("lines", str(s.lines)), ("reference characters", f"{s.reference_chars:,}"),
                ("character accuracy (mean per line)", f"{s.char_accuracy:.4f}"),
                ("character accuracy (all lines joined)", f"{s.char_accuracy_joined:.4f}"),
                ("normalised edit distance (mean)", f"{s.edit_distance:.4f}"),
                ("character error rate", f"{s.char_error_rate:.4f}"),
                ("word precision / recall / F1", f"{s.precision:.4f} / {s.recall:.4f} / {s.f1:.4f}"),
                (f"text tokens ({self.tokenizer})", f"{self.text_tokens:,}"),
                ("visual tokens", f"{self.visual_tokens:,}"), ("ratio (text / visual)", f"{self.ratio:.2f}x")]

    def to_markdown(self) -> str:
        rows = "\n".join(f"| {name} | {value} |" for name, value in self.summary_rows())
        worst = "\n".join(f"| {w.char_accuracy:.3f} | {_cell(w.reference)} | {_cell(w.hypothesis)} |"
                          for w in self.scores.worst)
        return (f"# Reconstruction: {self.model} ({self.kind})\n\n| metric | value |\n| --- | --- |\n{rows}\n\n"
                f"## Worst lines\n\n| accuracy | reference | read back |\n| --- | --- | --- |\n{worst}\n")

    def write(self, folder: str | Path) -> list[Path]:
        folder = Path(folder)
        paths = [folder / JSON_NAME, folder / MARKDOWN_NAME]
        atomic_write_text(paths[0], json.dumps(self.to_dict(), indent=2, ensure_ascii=False) + "\n")
        atomic_write_text(paths[1], self.to_markdown())
        return paths


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ") or " "


def held_out_lines(corpus, reader_config: str | Path, count: int) -> list[Line]:
    """The first `count` held-out lines as training scores them, drawn with `reader_config`'s render config.

    `reader_config` is a reader preset name, a YAML file, or a checkpoint's reader.json (JSON is YAML).
    """
    from glyphctx.reader.task import ReaderTask

    return ReaderTask(corpus, reader=str(reader_config), eval_lines=count).held_out_lines()


def run_reconstruction(model, lines: Sequence[Line], *, tokenizer=None, max_new_tokens: int | None = None,
                       worst: int = 5) -> ReconstructionReport:
    """`model` (a pipeline AnswerModel) reads every line image back; the readings scored and priced."""
    from glyphctx.evaluate.models import transcribe, visual_tokens
    from glyphctx.tokens import load_tokenizer

    if not lines:
        raise ValueError("run_reconstruction needs at least one line")
    counter = tokenizer or load_tokenizer(None)
    images = [line.image for line in lines]
    readings = transcribe(model, images, max_new_tokens=max_new_tokens)
    scores = score_lines([line.text for line in lines], readings, worst=worst)
    return ReconstructionReport(model=model.name, kind=model.kind, scores=scores,
                                text_tokens=sum(counter.count(line.text) for line in lines),
                                visual_tokens=visual_tokens(model, images), tokenizer=counter.name)


def evaluate_reconstruction(checkpoint: str | Path, corpus: Sequence[str | Path], *, lines: int = 96,
                            reader_config: str | Path = DEFAULT_READER, device: str | None = None,
                            max_new_tokens: int | None = None) -> ReconstructionReport:
    """`glyphctx eval reconstruction`: load the model and the corpus, read the held-out lines, score them.

    A reader draws the lines with its own render config (its reader.json); a VLM is shown the lines
    `reader_config` draws, so both kinds can be compared on the very same images.
    """
    from glyphctx.common.corpus import load_corpus
    from glyphctx.errors import ConfigError
    from glyphctx.evaluate.models import TRANSCRIBE_PROMPT, load_page_model
    from glyphctx.reader import CONFIG_FILE

    if lines < 1:
        raise ConfigError(f"--lines must be at least 1, got {lines}")
    model = load_page_model(checkpoint, prompt=TRANSCRIBE_PROMPT, device=device)
    texts = load_corpus(corpus)
    source = model.path / CONFIG_FILE if model.kind == "reader" else reader_config
    chosen = held_out_lines(texts, source, lines)
    if not chosen:
        raise ConfigError(f"corpus {', '.join(map(str, corpus))}: the held-out text draws no lines")
    return run_reconstruction(model, chosen, max_new_tokens=max_new_tokens)
