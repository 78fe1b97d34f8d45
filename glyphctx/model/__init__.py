"""GlyphLM: the long-context mixture-of-experts language model that reads visual tokens.

    from glyphctx.model import GlyphLMForCausalLM, load_config
    model = GlyphLMForCausalLM(load_config("glyphlm-tiny"))
    out = model(input_ids, visual_tokens=tokens)          # visual prefix + text
    ids = model.generate(input_ids, max_new_tokens=16)

Context parallel (softmax layers only): every rank of a torch.distributed group passes its zigzag
shard of the sequence (`glyphctx.kernels.ring_attention.zigzag_shard(ids, rank, world, dim=1)`) with
`context_parallel_group=group`; positions follow the shard, and `zigzag_unshard(..., dim=1)`
reassembles the logits.

Importing the package registers the config and models with transformers' Auto classes
(model_type "glyphlm"), so `AutoModelForCausalLM.from_pretrained(local_path)` loads saved models.
"""

from transformers import AutoConfig, AutoModel, AutoModelForCausalLM

from .configuration import GlyphLMConfig
from .errors import ModelInputError
from .losses import load_balancing_loss, router_z_loss
from .modeling import (
    GlyphLMCausalLMOutput,
    GlyphLMForCausalLM,
    GlyphLMModel,
    GlyphLMModelOutput,
    GlyphLMPreTrainedModel,
)
from .presets import load_config, preset_names
from .rope import ROPE_TYPES, RotaryEmbedding, rope_frequencies

AutoConfig.register(GlyphLMConfig.model_type, GlyphLMConfig, exist_ok=True)
AutoModel.register(GlyphLMConfig, GlyphLMModel, exist_ok=True)
AutoModelForCausalLM.register(GlyphLMConfig, GlyphLMForCausalLM, exist_ok=True)

__all__ = [
    "ROPE_TYPES",
    "GlyphLMCausalLMOutput",
    "GlyphLMConfig",
    "GlyphLMForCausalLM",
    "GlyphLMModel",
    "GlyphLMModelOutput",
    "GlyphLMPreTrainedModel",
    "ModelInputError",
    "RotaryEmbedding",
    "load_balancing_loss",
    "load_config",
    "preset_names",
    "rope_frequencies",
    "router_z_loss",
]
