"""Length extrapolation: held-out perplexity of a causal LM at 1x, 2x, 4x its training context.

Each RoPE scaling is applied without any fine-tuning, by rebuilding the checkpoint's
`rope_parameters` and loading the same weights again, with factor = length multiple and original
context = training context:

- none: plain RoPE at the checkpoint's rope_theta (positions past the training length are unseen)
- linear: position interpolation (all frequencies / factor)
- ntk: NTK-aware base change, theta * factor^(d / (d - 2))
- dynamic: dynamic NTK, the base grows with the sequence once it passes the training context
- yarn: YaRN, high frequencies kept, low ones interpolated, attention temperature 0.1 ln(factor) + 1

At 1x every method reduces to the unscaled model, which makes the first column a check.
The model is a GlyphLM folder written by `glyphctx train` (byte tokenizer, training context in
training.json) or any local transformers causal-LM folder, read with its own tokenizer.
"""

from __future__ import annotations

import copy
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch

from glyphctx.common.corpus import load_corpus
from glyphctx.errors import ConfigError, TokenizerError
from glyphctx.io.atomic import atomic_write_text
from glyphctx.train.lm_task import TRAINING_FILE
from glyphctx.train.perplexity import window_nll
from glyphctx.train.quiet import quiet_progress
from glyphctx.train.tokenizer import ByteTokenizer

METHODS = ("none", "linear", "ntk", "dynamic", "yarn")
DEFAULT_LENGTHS = (1.0, 2.0, 4.0)


@dataclass
class ExtrapolationResult:
    checkpoint: str
    context: int  # training context, in the model's tokens
    multiples: list[float]
    methods: list[str]
    perplexity: dict[str, dict[str, float]] = field(default_factory=dict)  # method -> str(length) -> ppl
    tokens: dict[str, int] = field(default_factory=dict)  # str(length) -> tokens scored
    tokenizer: str = ""
    as_saved: float | None = None  # perplexity at 1x with the checkpoint's own rope_parameters, unchanged

    def lengths(self) -> list[int]:
        return [eval_length(self.context, m) for m in self.multiples]

    def to_dict(self) -> dict[str, Any]:
        return {"checkpoint": self.checkpoint, "context": self.context, "multiples": self.multiples,
                "lengths": self.lengths(), "methods": self.methods, "tokenizer": self.tokenizer,
                "tokens_scored": self.tokens, "perplexity": self.perplexity, "as_saved_at_context": self.as_saved}

    def to_markdown(self) -> str:
        """One table: methods as rows, evaluation lengths as columns, the best of each column in bold."""
        lengths = self.lengths()
        header = "| method | " + " | ".join(f"{n} ({_multiple(m)}x)" for n, m in zip(lengths, self.multiples)) + " |"
        lines = [header, "| --- |" + " ---: |" * len(lengths)]
        best = {str(n): min(self.perplexity[k][str(n)] for k in self.methods) for n in lengths}
        for method in self.methods:
            cells = []
            for n in lengths:
                value = self.perplexity[method][str(n)]
                text = f"{value:.3f}" if math.isfinite(value) else "inf"
                cells.append(f"**{text}**" if value == best[str(n)] else text)
            lines.append(f"| {method} | " + " | ".join(cells) + " |")
        return "\n".join(lines) + "\n"


def _multiple(value: float) -> str:
    return f"{value:g}"


def eval_length(context: int, multiple: float) -> int:
    return int(round(context * multiple))


def parse_multiples(text: str) -> list[float]:
    """"1,2,4" -> [1.0, 2.0, 4.0]; each a number >= 1."""
    values = []
    for part in (p.strip() for p in text.split(",")):
        try:
            value = float(part)
        except ValueError:
            raise ConfigError(
                f"--lengths: {part!r} is not a number (expected multiples of the context, e.g. 1,2,4)"
            ) from None
        if not math.isfinite(value) or value < 1:
            raise ConfigError(f"--lengths: multiples must be >= 1, got {part!r}")
        values.append(value)
    if not values:
        raise ConfigError("--lengths: give at least one multiple, e.g. 1,2,4")
    return values


def parse_methods(text: str) -> list[str]:
    methods = [p.strip() for p in text.split(",") if p.strip()]
    unknown = [m for m in methods if m not in METHODS]
    if unknown or not methods:
        raise ConfigError(
            f"--methods: unknown {', '.join(unknown) or '(none given)'}; choose from {', '.join(METHODS)}"
        )
    return methods


def _base_theta(config: Any, origin: str) -> float:
    params = getattr(config, "rope_parameters", None) or {}
    theta = params.get("rope_theta", getattr(config, "rope_theta", None))
    if not isinstance(theta, (int, float)):
        raise ConfigError(f"{origin}: config has no single rope_theta to rescale (rope_parameters: {params!r})")
    return float(theta)


def _head_dim(config: Any) -> int:
    head_dim = getattr(config, "head_dim", None)
    return int(head_dim or config.hidden_size // config.num_attention_heads)


def scaled_rope(
    config: Any, method: str, context: int, multiple: float, origin: str = "checkpoint"
) -> tuple[dict, int]:
    """(rope_parameters, max_position_embeddings) of `method` stretching `context` by `multiple`."""
    theta = _base_theta(config, origin)
    length = eval_length(context, multiple)
    if method == "none":
        return {"rope_type": "default", "rope_theta": theta}, max(length, context)
    if method == "linear":
        return {"rope_type": "linear", "rope_theta": theta, "factor": multiple}, length
    if method == "ntk":
        if getattr(config, "model_type", "") == "glyphlm":
            return {"rope_type": "ntk", "rope_theta": theta, "factor": multiple}, length
        # transformers has no static NTK type; the same frequencies come from the default type's base
        dim = _head_dim(config)
        return {"rope_type": "default", "rope_theta": theta * multiple ** (dim / (dim - 2))}, length
    if method == "dynamic":
        return {"rope_type": "dynamic", "rope_theta": theta, "factor": multiple,
                "original_max_position_embeddings": context}, context
    if method == "yarn":
        return {"rope_type": "yarn", "rope_theta": theta, "factor": multiple,
                "original_max_position_embeddings": context}, length
    raise ConfigError(f"unknown extrapolation method {method!r}; choose from {', '.join(METHODS)}")


class CheckpointReader:
    """A checkpoint folder's config, tokenizer and training context; builds the model per RoPE scaling."""

    def __init__(self, path: str | Path, *, context: int | None = None, device: str | torch.device | None = None,
                 dtype: torch.dtype | None = None):
        from transformers import AutoConfig

        import glyphctx.model  # noqa: F401  (registers GlyphLM with the Auto classes)

        self.path = Path(path)
        if not (self.path / "config.json").is_file():
            raise ConfigError(f"{self.path}: not a model folder (no config.json); give a run's final/ folder "
                              "or a transformers model directory")
        try:
            self.config = AutoConfig.from_pretrained(str(self.path), local_files_only=True)
        except (OSError, ValueError, KeyError) as exc:
            raise ConfigError(f"{self.path}: cannot read config.json ({exc})") from None
        self.training = {}
        if (self.path / TRAINING_FILE).is_file():
            try:
                self.training = json.loads((self.path / TRAINING_FILE).read_text(encoding="utf-8"))
            except (OSError, ValueError) as exc:
                raise ConfigError(f"{self.path / TRAINING_FILE}: unreadable ({exc})") from None
        self.context = context or self.training.get("context") or self._config_context()
        if not isinstance(self.context, int) or self.context < 2:
            raise ConfigError(f"{self.path}: training context {self.context!r} is not usable; pass --context")
        self.device = torch.device(device or ("cuda" if torch.cuda.is_available() else "cpu"))
        self.dtype = dtype or (torch.bfloat16 if self.device.type == "cuda" else torch.float32)
        self.tokenizer, self.tokenizer_name = self._tokenizer()

    def _config_context(self) -> int | None:
        params = getattr(self.config, "rope_parameters", None) or {}
        return params.get("original_max_position_embeddings") or getattr(self.config, "max_position_embeddings", None)

    def _tokenizer(self):
        if self.training.get("tokenizer") == ByteTokenizer.name:
            return ByteTokenizer(), ByteTokenizer.name
        try:
            from transformers import AutoTokenizer

            return AutoTokenizer.from_pretrained(str(self.path), local_files_only=True), str(self.path)
        except (OSError, ValueError, KeyError) as exc:
            raise TokenizerError(f"{self.path}: no tokenizer in the folder ({exc})") from None

    def encode(self, text: str) -> list[int]:
        if isinstance(self.tokenizer, ByteTokenizer):
            return self.tokenizer.encode(text)
        return list(self.tokenizer(text, add_special_tokens=False)["input_ids"])

    def load(self, method: str | None, multiple: float = 1.0) -> torch.nn.Module:
        """The model with `method`'s RoPE for `multiple` x the context; None: the config as saved."""
        from transformers import AutoModelForCausalLM

        config = copy.deepcopy(self.config)
        if method is not None:
            config.rope_parameters, config.max_position_embeddings = scaled_rope(
                config, method, self.context, multiple, str(self.path))
        try:
            with quiet_progress():
                model = AutoModelForCausalLM.from_pretrained(str(self.path), config=config, dtype=self.dtype,
                                                             local_files_only=True)
        except (OSError, ValueError) as exc:
            raise ConfigError(f"{self.path}: cannot load the model ({exc})") from None
        return model.to(self.device).eval()


def evaluate_extrapolation(checkpoint: str | Path, corpus: Sequence[str | Path], *,
                           multiples: Sequence[float] = DEFAULT_LENGTHS, methods: Sequence[str] = METHODS,
                           context: int | None = None, max_tokens: int = 0, batch_size: int = 8,
                           device: str | torch.device | None = None, on_cell=None) -> ExtrapolationResult:
    """Held-out perplexity for every (method, length); every length scores the same held-out tokens.

    max_tokens: cap on the held-out tokens (0: all), rounded down to whole windows of the longest length.
    on_cell(method, length, ppl) is called as each cell is done.
    """
    methods = list(methods)
    unknown = [m for m in methods if m not in METHODS]
    if unknown:
        raise ConfigError(f"unknown extrapolation method(s) {', '.join(unknown)}; choose from {', '.join(METHODS)}")
    reader = CheckpointReader(checkpoint, context=context, device=device)
    ids = reader.encode(load_corpus(list(corpus)).held_out_text())
    longest = max(eval_length(reader.context, m) for m in multiples)
    if max_tokens:
        ids = ids[:max_tokens]
    usable = (len(ids) // longest) * longest
    if usable == 0:
        raise ConfigError(f"held-out text: {len(ids)} tokens, fewer than one window of {longest} "
                          f"({_multiple(max(multiples))}x the context {reader.context})")
    ids = ids[:usable]
    result = ExtrapolationResult(checkpoint=str(checkpoint), context=reader.context, multiples=list(multiples),
                                 methods=methods, tokenizer=reader.tokenizer_name)
    saved = reader.load(None)
    total, count = window_nll(saved, ids, reader.context, batch_size=batch_size, device=reader.device)
    result.as_saved = math.exp(total / count) if total / count < 700 else math.inf
    del saved
    for method in methods:
        result.perplexity[method] = {}
        for multiple in multiples:
            length = eval_length(reader.context, multiple)
            model = reader.load(method, multiple)
            with torch.no_grad():
                total, count = window_nll(model, ids, length, batch_size=batch_size, device=reader.device)
            mean = total / count
            ppl = math.exp(mean) if mean < 700 else math.inf
            result.perplexity[method][str(length)] = ppl
            result.tokens[str(length)] = count
            del model
            if on_cell is not None:
                on_cell(method, length, ppl)
    return result


def write_result(result: ExtrapolationResult, folder: str | Path) -> tuple[Path, Path]:
    """extrapolation.json and extrapolation.md in `folder`, each written atomically."""
    folder = Path(folder)
    json_path, md_path = folder / "extrapolation.json", folder / "extrapolation.md"
    atomic_write_text(json_path, json.dumps(result.to_dict(), indent=2) + "\n")
    scored = ", ".join(f"{n}: {result.tokens[str(n)]}" for n in result.lengths())
    title = (f"Held-out perplexity of {result.checkpoint} (training context {result.context}; "
             f"tokens scored per length {scored})\n\n")
    atomic_write_text(md_path, title + result.to_markdown())
    return json_path, md_path
