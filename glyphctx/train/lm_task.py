"""LMTask: next-byte language modelling with GlyphLM on a book corpus.

Training batches are random windows of `context + 1` bytes of the training chapters, drawn from a
generator seeded by (seed, step, micro-batch) only, so a resumed run sees the very same batches.
The held-out score is perplexity at `context` on the held-out chapters (glyphctx.common.corpus).
"""

from __future__ import annotations

import copy
import json
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F

from glyphctx.common.corpus import Corpus
from glyphctx.errors import ConfigError
from glyphctx.io.atomic import atomic_write_text
from glyphctx.train.perplexity import perplexity
from glyphctx.train.quiet import quiet_progress
from glyphctx.train.tokenizer import ByteTokenizer

#: written beside the weights in final/: what the extrapolation evaluation needs to read the model
TRAINING_FILE = "training.json"


def build_model_config(model: str | Mapping[str, Any], **forced):
    """A GlyphLMConfig from a preset name, or a mapping {preset: name (optional), field: value, ...}."""
    from glyphctx.model import GlyphLMConfig, load_config

    if isinstance(model, str):
        return load_config(model, **forced)
    if not isinstance(model, Mapping):
        raise ConfigError(f"model: expected a preset name or a mapping of GlyphLMConfig fields, got {model!r}")
    fields = dict(model)
    preset = fields.pop("preset", None)
    known = set(GlyphLMConfig.__dataclass_fields__)
    unknown = sorted(set(fields) - known)
    if unknown:
        raise ConfigError(f"model: unknown GlyphLMConfig fields {', '.join(unknown)}")
    fields.update(forced)
    if preset is not None:
        return load_config(str(preset), **fields)
    return GlyphLMConfig(**fields)


def mix_seed(*parts: int) -> int:
    value = 0
    for part in parts:
        value = (value * 6_364_136_223_846_793_005 + int(part) + 1_442_695_040_888_963_407) % (2 ** 63 - 1)
    return value


class LMTask:
    """Byte-level causal LM on `corpus`.

    context: training window (tokens the model sees per sequence) and the evaluation window.
    batch_size: sequences per micro-batch.
    model: GlyphLM preset name, or a mapping {preset: name, <GlyphLMConfig field>: value, ...};
        vocab_size and the special ids are always those of the byte tokenizer.
    eval_tokens: held-out tokens scored by `evaluate` (0: all of them).
    """

    name = "lm"

    def __init__(self, corpus: Corpus, *, context: int = 256, batch_size: int = 16,
                 model: str | Mapping[str, Any] = "glyphlm-tiny", eval_tokens: int = 0):
        if not isinstance(context, int) or context < 2:
            raise ConfigError(f"context: expected an integer >= 2, got {context!r}")
        if not isinstance(batch_size, int) or batch_size < 1:
            raise ConfigError(f"batch_size: expected a positive integer, got {batch_size!r}")
        if not isinstance(eval_tokens, int) or eval_tokens < 0:
            raise ConfigError(f"eval_tokens: expected an integer >= 0, got {eval_tokens!r}")
        self.tokenizer = ByteTokenizer()
        self.context, self.batch_size, self.eval_tokens = context, batch_size, eval_tokens
        self.model_spec = model
        self.config = build_model_config(model, vocab_size=self.tokenizer.vocab_size,
                                         pad_token_id=self.tokenizer.pad_id, bos_token_id=self.tokenizer.bos_id,
                                         eos_token_id=self.tokenizer.eos_id)
        self.train_ids = torch.tensor(self.tokenizer.encode(corpus.train_text()), dtype=torch.long)
        held = self.tokenizer.encode(corpus.held_out_text())
        self.held_out_ids = torch.tensor(held[:eval_tokens] if eval_tokens else held, dtype=torch.long)
        if self.train_ids.numel() <= context + 1:
            raise ConfigError(f"context: {context} tokens do not fit the {self.train_ids.numel()} training tokens")
        if self.held_out_ids.numel() < context:
            raise ConfigError(f"context: {context} tokens do not fit the {self.held_out_ids.numel()} held-out tokens")

    def build(self, seed: int) -> torch.nn.Module:
        from glyphctx.model import GlyphLMForCausalLM

        torch.manual_seed(seed)
        return GlyphLMForCausalLM(copy.deepcopy(self.config))  # from_config-style calls write into a config

    def batch(self, step: int, micro: int, seed: int) -> torch.Tensor:
        generator = torch.Generator().manual_seed(mix_seed(seed, step, micro))
        starts = torch.randint(0, self.train_ids.numel() - self.context - 1, (self.batch_size,), generator=generator)
        offsets = torch.arange(self.context + 1)
        return self.train_ids[starts[:, None] + offsets]

    def loss(self, model: torch.nn.Module, batch: torch.Tensor) -> tuple[torch.Tensor, dict[str, float]]:
        moe = self.config.num_experts > 0
        out = model(input_ids=batch[:, :-1], use_cache=False, output_router_logits=moe)
        logits = out.logits.float()
        ce = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), batch[:, 1:].reshape(-1))
        loss, metrics = ce, {"bits_per_byte": float(ce.detach()) / math.log(2)}
        if moe and out.aux_loss is not None:
            loss = loss + self.config.router_aux_loss_coef * out.aux_loss + self.config.router_z_loss_coef * out.z_loss
            metrics["aux_loss"], metrics["z_loss"] = float(out.aux_loss.detach()), float(out.z_loss.detach())
        return loss, metrics

    def evaluate(self, model: torch.nn.Module) -> dict[str, float]:
        ppl = perplexity(model, self.held_out_ids, self.context)
        return {"held_out_ppl": ppl, "held_out_bits_per_byte": math.log2(ppl) if math.isfinite(ppl) else math.inf}

    def save(self, model: torch.nn.Module, folder: Path) -> None:
        with quiet_progress():
            model.save_pretrained(folder)
        info = {"task": self.name, "tokenizer": self.tokenizer.name, "context": self.context,
                "held_out": "last chapter of each book (glyphctx.common.corpus)"}
        atomic_write_text(Path(folder) / TRAINING_FILE, json.dumps(info, indent=2) + "\n")
