"""GlyphLM: a decoder of softmax and linear-attention layers with mixture-of-experts feed-forwards.

Parameter names follow transformers' Qwen3-MoE (`model.layers.{i}.self_attn.q_proj.weight`,
`model.layers.{i}.mlp.experts.gate_up_proj`, ...), so with all layers softmax and no shared expert a
Qwen3-MoE state dict loads as it is and gives the same logits. Caching uses transformers'
`DynamicCache` built from the config: key/value layers for softmax attention, recurrent-state layers
for linear attention, so `generate` works unchanged.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass

import torch
import torch.distributed as dist
from torch import nn
from transformers import GenerationMixin, PreTrainedModel
from transformers import initialization as init
from transformers.cache_utils import Cache, DynamicCache, LinearAttentionCacheLayerMixin
from transformers.modeling_outputs import MoeCausalLMOutputWithPast, MoeModelOutputWithPast

from .attention import SoftmaxAttention
from .configuration import GlyphLMConfig
from .errors import ModelInputError
from .linear_attention import LinearAttention
from .losses import load_balancing_loss, router_z_loss
from .masks import padding_attention_mask
from .moe import Experts, SparseMoeBlock, TopKRouter
from .norm import GatedMLP, RMSNorm
from .rope import RotaryEmbedding
from .visual import VisualProjector

#: what GenerationMixin.prepare_inputs_for_generation calls the cache (renamed in transformers 5.24)
_CACHE_KWARG = "cache" if "cache" in inspect.signature(GenerationMixin.prepare_inputs_for_generation).parameters \
    else "past_key_values"
#: what transformers' model outputs call the cache (also renamed in 5.24; the old name still works, with a warning)
_OUTPUT_CACHE = "cache" if "cache" in MoeModelOutputWithPast.__dataclass_fields__ else "past_key_values"


def output_cache(output) -> Cache | None:
    """The key-value cache a forward returned, under either name."""
    return getattr(output, _OUTPUT_CACHE)


@dataclass
class GlyphLMModelOutput(MoeModelOutputWithPast):
    """The decoder's output; `prefix_length` counts the visual-prefix positions at the front of the sequence."""

    prefix_length: int | None = None


@dataclass
class GlyphLMCausalLMOutput(MoeCausalLMOutputWithPast):
    """transformers' MoE output plus the router z-loss; `aux_loss` is the load-balancing loss."""

    z_loss: torch.FloatTensor | None = None


class GlyphLMDecoderLayer(nn.Module):
    def __init__(self, config: GlyphLMConfig, layer_idx: int):
        super().__init__()
        self.layer_type = config.layer_types[layer_idx]
        attention = LinearAttention if self.layer_type == "linear_attention" else SoftmaxAttention
        self.self_attn = attention(config, layer_idx)
        if config.is_moe_layer(layer_idx):
            self.mlp = SparseMoeBlock(config)
        else:
            self.mlp = GatedMLP(config.hidden_size, config.intermediate_size, config.hidden_act)
        self.input_layernorm = RMSNorm(config.hidden_size, eps=config.rms_norm_eps)
        self.post_attention_layernorm = RMSNorm(config.hidden_size, eps=config.rms_norm_eps)

    def forward(self, hidden: torch.Tensor, cos, sin, **attention_kwargs) -> tuple[torch.Tensor, torch.Tensor | None]:
        hidden = hidden + self.self_attn(self.input_layernorm(hidden), cos, sin, **attention_kwargs)
        normed = self.post_attention_layernorm(hidden)
        if isinstance(self.mlp, SparseMoeBlock):
            out, router_logits = self.mlp(normed)
            return hidden + out, router_logits
        return hidden + self.mlp(normed), None


class GlyphLMPreTrainedModel(PreTrainedModel):
    config_class = GlyphLMConfig
    base_model_prefix = "model"
    supports_gradient_checkpointing = False
    _no_split_modules = ["GlyphLMDecoderLayer"]
    _skip_keys_device_placement = ["past_key_values"]
    _supports_sdpa = True

    @torch.no_grad()
    def _init_weights(self, module):
        std = self.config.initializer_range
        if isinstance(module, nn.Linear):
            init.normal_(module.weight, mean=0.0, std=std)
            if module.bias is not None:
                init.zeros_(module.bias)
        elif isinstance(module, nn.Embedding):
            init.normal_(module.weight, mean=0.0, std=std)
        elif isinstance(module, RMSNorm):
            init.ones_(module.weight)
        elif isinstance(module, Experts):
            init.normal_(module.gate_up_proj, mean=0.0, std=std)
            init.normal_(module.down_proj, mean=0.0, std=std)
        elif isinstance(module, TopKRouter):
            init.normal_(module.weight, mean=0.0, std=std)
        elif isinstance(module, RotaryEmbedding):  # buffers that are not saved: rebuilt after loading
            init.copy_(module.inv_freq, module.initial_inv_freq())
        elif isinstance(module, LinearAttention):
            init.copy_(module.decay, module.initial_decay())
        elif isinstance(module, VisualProjector):
            init.normal_(module.image_begin, mean=0.0, std=std)
            init.normal_(module.image_end, mean=0.0, std=std)


class GlyphLMModel(GlyphLMPreTrainedModel):
    """Embeddings (text, and the visual prefix when given), decoder layers, final norm."""

    def __init__(self, config: GlyphLMConfig):
        super().__init__(config)
        self.embed_tokens = nn.Embedding(config.vocab_size, config.hidden_size, config.pad_token_id)
        self.visual = None
        if config.vision_hidden_size is not None:
            self.visual = VisualProjector(config.vision_hidden_size, config.hidden_size, config.projector_hidden_act)
        self.layers = nn.ModuleList(GlyphLMDecoderLayer(config, i) for i in range(config.num_hidden_layers))
        self.norm = RMSNorm(config.hidden_size, eps=config.rms_norm_eps)
        self.rotary_emb = RotaryEmbedding(config.rope_parameters, config.head_dim, config.max_position_embeddings)
        self.post_init()

    def get_input_embeddings(self):
        return self.embed_tokens

    def set_input_embeddings(self, value):
        self.embed_tokens = value

    def forward(self, input_ids: torch.LongTensor | None = None, attention_mask: torch.Tensor | None = None,
                position_ids: torch.LongTensor | None = None, past_key_values: Cache | None = None,
                inputs_embeds: torch.Tensor | None = None, visual_tokens: torch.Tensor | None = None,
                use_cache: bool | None = None, output_hidden_states: bool | None = None,
                context_parallel_group: dist.ProcessGroup | None = None, **kwargs) -> GlyphLMModelOutput:
        """Run the decoder.

        visual_tokens [B, N, vision_hidden_size]: an image's encoder tokens, placed before the text as
        [begin, projected tokens, end]; only on a call that starts the sequence (no cached past).
        attention_mask [B, L] (1 = real token) may cover only the text: positions missing at its
        front (the visual prefix) count as real.
        context_parallel_group: a torch.distributed group over which the sequence is sharded in
        zigzag order (glyphctx.kernels.ring_attention.zigzag_shard); every rank passes its shard.
        """
        if (input_ids is None) == (inputs_embeds is None):
            raise ModelInputError("input_ids", "give exactly one of input_ids and inputs_embeds")
        if inputs_embeds is None:
            if input_ids.dim() != 2:
                raise ModelInputError("input_ids", f"expected [batch, length], got shape {tuple(input_ids.shape)}")
            inputs_embeds = self.embed_tokens(input_ids)
        use_cache = self.config.use_cache if use_cache is None else use_cache
        if context_parallel_group is not None:
            if not dist.is_available() or not dist.is_initialized():
                raise ModelInputError("context_parallel_group", "torch.distributed is not initialised")
            if visual_tokens is not None:
                raise ModelInputError("visual_tokens", "with context parallelism, shard the whole sequence's "
                                      "embeddings (model.model.build_inputs_embeds) and pass them as inputs_embeds")
            use_cache = False
        if use_cache and past_key_values is None:
            past_key_values = DynamicCache(config=self.config)
        if past_key_values is not None and not use_cache:
            past_key_values = None
        if past_key_values is not None:
            self._check_cache(past_key_values)
        past_len = past_key_values.get_seq_length() if past_key_values is not None else 0

        prefix_length = 0
        if visual_tokens is not None:
            if past_len:
                raise ModelInputError("visual_tokens", "the visual prefix starts the sequence; got a cache that "
                                      f"already holds {past_len} positions")
            if position_ids is not None:
                raise ModelInputError("position_ids", "cannot be given with visual_tokens: positions run over the "
                                      "visual prefix and the text together")
            text_length = inputs_embeds.shape[1]
            inputs_embeds = self._prepend_visual(inputs_embeds, visual_tokens)
            prefix_length = inputs_embeds.shape[1] - text_length

        batch, length, _ = inputs_embeds.shape
        padding = self._full_padding(attention_mask, batch, past_len + length, inputs_embeds.device)
        rope_len = None
        if context_parallel_group is not None:
            position_ids, rope_len = self._context_parallel_positions(context_parallel_group, position_ids,
                                                                      padding, length, inputs_embeds.device)
        elif position_ids is None:
            position_ids = torch.arange(past_len, past_len + length, device=inputs_embeds.device)[None]
        position_ids = position_ids.expand(batch, -1) if position_ids.shape[0] == 1 else position_ids
        cos, sin = self.rotary_emb(position_ids, inputs_embeds.dtype, seq_len=rope_len)
        attn_mask = padding_attention_mask(padding, length, past_len)

        hidden = inputs_embeds
        all_hidden = [] if output_hidden_states else None
        router_logits = []
        for layer in self.layers:
            if all_hidden is not None:
                all_hidden.append(hidden)
            hidden, logits = layer(hidden, cos, sin, attn_mask=attn_mask, padding=padding, cache=past_key_values,
                                   group=context_parallel_group)
            if logits is not None:
                router_logits.append(logits)
        hidden = self.norm(hidden)
        if all_hidden is not None:
            all_hidden.append(hidden)
        return GlyphLMModelOutput(
            last_hidden_state=hidden, **{_OUTPUT_CACHE: past_key_values},
            hidden_states=tuple(all_hidden) if all_hidden is not None else None,
            router_logits=tuple(router_logits) if router_logits else None, prefix_length=prefix_length)

    def build_inputs_embeds(self, input_ids: torch.LongTensor,
                            visual_tokens: torch.Tensor | None = None) -> torch.Tensor:
        """[begin, projected visual tokens, end, text embeddings]: what `forward` builds from the two.

        For callers that shard the sequence themselves (context parallelism) and pass inputs_embeds.
        """
        embeds = self.embed_tokens(input_ids)
        return embeds if visual_tokens is None else self._prepend_visual(embeds, visual_tokens)

    def _prepend_visual(self, embeds: torch.Tensor, visual_tokens: torch.Tensor) -> torch.Tensor:
        if self.visual is None:
            raise ModelInputError("visual_tokens", "this model has no visual projector (config.vision_hidden_size "
                                  "is None)")
        prefix = self.visual(visual_tokens, embeds.dtype)
        if prefix.shape[0] != embeds.shape[0]:
            raise ModelInputError("visual_tokens", f"batch {prefix.shape[0]} differs from the text's {embeds.shape[0]}")
        return torch.cat([prefix, embeds], dim=1)

    def _check_cache(self, cache: Cache) -> None:
        if not isinstance(cache, Cache):
            raise ModelInputError("past_key_values", f"expected a transformers Cache, got {type(cache).__name__}")
        for i, layer in enumerate(self.layers):
            is_linear = layer.layer_type == "linear_attention"
            if is_linear and (
                i >= len(cache.layers) or not isinstance(cache.layers[i], LinearAttentionCacheLayerMixin)
            ):
                raise ModelInputError("past_key_values", f"layer {i} is linear attention but the cache has no "
                                      "recurrent state for it; build it with DynamicCache(config=model.config)")

    @staticmethod
    def _full_padding(attention_mask, batch: int, total: int, device) -> torch.Tensor | None:
        """The 2-D padding mask over every position so far; missing leading columns (visual prefix) are ones."""
        if attention_mask is None:
            return None
        if attention_mask.dim() != 2 or attention_mask.shape[0] != batch:
            raise ModelInputError("attention_mask", f"expected a [batch={batch}, length] 0/1 mask, got shape "
                                  f"{tuple(attention_mask.shape)}")
        missing = total - attention_mask.shape[1]
        if missing < 0:
            raise ModelInputError("attention_mask", f"covers {attention_mask.shape[1]} positions, more than the "
                                  f"{total} of the cache and the input")
        mask = attention_mask.to(device=device, dtype=torch.bool)
        if missing:
            mask = torch.cat([torch.ones(batch, missing, dtype=torch.bool, device=device), mask], dim=1)
        return mask

    def _context_parallel_positions(self, group, position_ids, padding, length: int, device):
        if any(layer.layer_type == "linear_attention" for layer in self.layers):
            raise ModelInputError("context_parallel_group", "context parallelism covers softmax layers only; this "
                                  "model has linear-attention layers")
        if padding is not None:
            raise ModelInputError("attention_mask", "padding masks are not supported with context parallelism")
        from glyphctx.kernels.ring_attention import zigzag_indices

        world, rank = dist.get_world_size(group), dist.get_rank(group)
        total = length * world
        if position_ids is None:
            position_ids = zigzag_indices(total, rank, world, device=device)[None]
        return position_ids, total


class GlyphLMForCausalLM(GlyphLMPreTrainedModel, GenerationMixin):
    """GlyphLM with its language-model head, training losses and `generate`."""

    _tied_weights_keys = {"lm_head.weight": "model.embed_tokens.weight"}

    def __init__(self, config: GlyphLMConfig):
        super().__init__(config)
        self.model = GlyphLMModel(config)
        self.lm_head = nn.Linear(config.hidden_size, config.vocab_size, bias=False)
        self.post_init()

    def get_input_embeddings(self):
        return self.model.embed_tokens

    def set_input_embeddings(self, value):
        self.model.embed_tokens = value

    def forward(self, input_ids: torch.LongTensor | None = None, attention_mask: torch.Tensor | None = None,
                position_ids: torch.LongTensor | None = None, past_key_values: Cache | None = None,
                inputs_embeds: torch.Tensor | None = None, visual_tokens: torch.Tensor | None = None,
                labels: torch.LongTensor | None = None, use_cache: bool | None = None,
                output_router_logits: bool | None = None, output_hidden_states: bool | None = None,
                logits_to_keep: int = 0, context_parallel_group: dist.ProcessGroup | None = None,
                **kwargs) -> GlyphLMCausalLMOutput:
        """Logits over every position (visual prefix included, at the front), and the losses.

        labels [B, text length] align with input_ids; the visual prefix gets no loss, and its last
        position (end of image) predicts the first text token. With labels, the loss adds
        router_aux_loss_coef * load-balancing loss + router_z_loss_coef * z-loss.
        """
        if output_router_logits is None:
            output_router_logits = self.config.output_router_logits
        out = self.model(input_ids=input_ids, attention_mask=attention_mask, position_ids=position_ids,
                         past_key_values=past_key_values, inputs_embeds=inputs_embeds, visual_tokens=visual_tokens,
                         use_cache=use_cache, output_hidden_states=output_hidden_states,
                         context_parallel_group=context_parallel_group)
        hidden = out.last_hidden_state
        if logits_to_keep:
            hidden = hidden[:, -logits_to_keep:]
        logits = self.lm_head(hidden)

        loss = None
        if labels is not None:
            if logits_to_keep:
                raise ModelInputError("labels", "cannot compute the loss with logits_to_keep set")
            if out.prefix_length:
                ignore = labels.new_full((labels.shape[0], out.prefix_length), -100)
                labels = torch.cat([ignore, labels], dim=1)
            if labels.shape != logits.shape[:2]:
                raise ModelInputError("labels", f"shape {tuple(labels.shape)} does not match the input "
                                      f"{tuple(logits.shape[:2])}")
            loss = self.loss_function(logits, labels, self.config.vocab_size, **kwargs)

        aux_loss = z_loss = None
        if out.router_logits and (output_router_logits or labels is not None):
            mask = None
            if attention_mask is not None:  # the router saw this call's positions: the mask's last ones
                batch = attention_mask.shape[0]
                length = out.router_logits[0].shape[0] // batch
                mask = attention_mask[:, -length:].to(logits.device)
                if mask.shape[1] < length:
                    ones = mask.new_ones(batch, length - mask.shape[1])
                    mask = torch.cat([ones, mask], dim=1)
            aux_loss = load_balancing_loss(out.router_logits, self.config.num_experts,
                                           self.config.num_experts_per_tok, mask)
            z_loss = router_z_loss(out.router_logits, mask)
            if loss is not None:
                loss = (loss + self.config.router_aux_loss_coef * aux_loss.to(loss.device)
                        + self.config.router_z_loss_coef * z_loss.to(loss.device))

        return GlyphLMCausalLMOutput(
            loss=loss, aux_loss=aux_loss, z_loss=z_loss, logits=logits, **{_OUTPUT_CACHE: output_cache(out)},
            hidden_states=out.hidden_states,
            router_logits=out.router_logits if output_router_logits else None)

    def prepare_inputs_for_generation(self, input_ids, past_key_values=None, attention_mask=None,
                                      inputs_embeds=None, visual_tokens=None, is_first_iteration=False, **kwargs):
        """generate's inputs, with the visual prefix on the first step only and positions taken from the cache.

        The cache counts the visual prefix, which input_ids do not hold, so the model derives
        positions itself (position_ids from the text mask would be short by the prefix).
        """
        cache = kwargs.pop("cache", None) or past_key_values  # transformers >= 5.24 names it `cache`
        cache_name = "cache" if _CACHE_KWARG == "cache" else "past_key_values"
        inputs = super().prepare_inputs_for_generation(
            input_ids, attention_mask=attention_mask, inputs_embeds=inputs_embeds,
            is_first_iteration=is_first_iteration, **{cache_name: cache}, **kwargs)
        inputs.pop("position_ids", None)
        if "cache" in inputs:
            inputs["past_key_values"] = inputs.pop("cache")
        has_past = cache is not None and cache.get_seq_length() > 0
        if visual_tokens is not None and not has_past:
            inputs["visual_tokens"] = visual_tokens
        return inputs
