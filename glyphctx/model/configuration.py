"""GlyphLMConfig: every knob of the GlyphLM language model, as a transformers config.

The names of the softmax-attention and mixture-of-experts fields are those of transformers'
Qwen3-MoE config, so a Qwen3-MoE config maps onto GlyphLM field by field and its weights load as
they are. On top: per-layer attention type (`layer_types`), more RoPE scalings, shared expert,
router jitter, expert-choice routing, router z-loss, and a projector for visual tokens.
"""

from __future__ import annotations

from typing import Any

from transformers import PretrainedConfig

from glyphctx.errors import ConfigError

from .rope import ROPE_TYPES, check_rope_parameters

#: layer type names as transformers' caches know them, and the short names accepted for them
LAYER_TYPE_ALIASES = {
    "full": "full_attention",
    "softmax": "full_attention",
    "full_attention": "full_attention",
    "linear": "linear_attention",
    "linear_attention": "linear_attention",
}
ROUTER_TYPES = ("top_k", "expert_choice")


class GlyphLMConfig(PretrainedConfig):
    """Configuration of `GlyphLMForCausalLM`.

    vocab_size: text vocabulary size (embedding rows and logits).
    hidden_size: residual stream width.
    intermediate_size: hidden width of the dense MLP in layers without experts (`mlp_only_layers`).
    moe_intermediate_size: hidden width of each routed expert.
    num_hidden_layers: number of decoder layers.
    num_attention_heads / num_key_value_heads: query heads and key/value heads (grouped-query
        attention when fewer key/value heads); linear-attention layers use `num_attention_heads`
        for queries, keys and values.
    head_dim: per-head width; defaults to hidden_size // num_attention_heads.
    hidden_act: activation of the gated MLPs (a transformers ACT2FN name).
    max_position_embeddings: the context length the model is meant to run at (after RoPE scaling).
    rope_parameters: dict with `rope_type` (default, linear, ntk, dynamic, yarn, longrope),
        `rope_theta`, and the type's own keys (`factor`, `original_max_position_embeddings`,
        `beta_fast`, `beta_slow`, `attention_factor`, `short_factor`, `long_factor`, ...), as in
        transformers 5.
    layer_types: one of "full_attention" / "linear_attention" per layer ("full" / "linear" accepted);
        all softmax when omitted.
    linear_feature_map: feature map of the linear-attention layers (see glyphctx.kernels.linear_attention).
    linear_decay: per-head exponential decay in linear layers (Lightning-Attention slopes) or none.
    num_experts / num_experts_per_tok: routed experts and experts per token (0 experts: dense MLPs).
    norm_topk_prob: renormalise the top-k routing weights to sum to one.
    decoder_sparse_step / mlp_only_layers: which layers get experts, as in Qwen3-MoE.
    shared_expert_intermediate_size: width of an always-on shared expert with a sigmoid gate
        (Qwen2-MoE); 0 for none.
    router_type: "top_k" (tokens choose experts) or "expert_choice" (experts choose tokens; for
        training and whole-sequence scoring: a token's experts depend on the other tokens).
    expert_capacity_factor: expert-choice capacity, as a multiple of tokens * k / experts.
    router_jitter_noise: multiplicative uniform noise on the router input while training.
    output_router_logits: return router logits, load-balancing loss and z-loss by default.
    router_aux_loss_coef / router_z_loss_coef: weights of the two router losses in the training loss.
    vision_hidden_size: width of the visual tokens the projector takes; None builds no projector.
    projector_hidden_act: activation between the projector's two linear layers.
    """

    model_type = "glyphlm"
    keys_to_ignore_at_inference = ["past_key_values"]

    vocab_size: int = 32000
    hidden_size: int = 1024
    intermediate_size: int = 2816
    moe_intermediate_size: int = 512
    num_hidden_layers: int = 8
    num_attention_heads: int = 16
    num_key_value_heads: int = 4
    head_dim: int | None = None
    hidden_act: str = "silu"
    max_position_embeddings: int = 32768
    initializer_range: float = 0.02
    rms_norm_eps: float = 1e-6
    use_cache: bool = True
    tie_word_embeddings: bool = False
    rope_parameters: dict | None = None
    attention_bias: bool = False
    attention_dropout: float = 0.0
    layer_types: list[str] | None = None
    linear_feature_map: str = "silu"
    linear_decay: bool = True
    num_experts: int = 8
    num_experts_per_tok: int = 2
    norm_topk_prob: bool = True
    decoder_sparse_step: int = 1
    mlp_only_layers: list[int] | None = None
    shared_expert_intermediate_size: int = 0
    router_type: str = "top_k"
    expert_capacity_factor: float = 1.0
    router_jitter_noise: float = 0.0
    output_router_logits: bool = False
    router_aux_loss_coef: float = 0.001
    router_z_loss_coef: float = 0.0
    vision_hidden_size: int | None = None
    projector_hidden_act: str = "gelu"
    pad_token_id: int | None = None
    bos_token_id: int | None = None
    eos_token_id: int | list[int] | None = None

    def __post_init__(self, **kwargs: Any):
        if self.head_dim is None and self.num_attention_heads:
            self.head_dim = self.hidden_size // self.num_attention_heads
        self.mlp_only_layers = [] if self.mlp_only_layers is None else list(self.mlp_only_layers)
        if self.layer_types is None:
            self.layer_types = ["full_attention"] * self.num_hidden_layers
        else:
            self.layer_types = [self._layer_type(t) for t in self.layer_types]
        if self.rope_parameters is None and "rope_theta" not in kwargs and "rope_scaling" not in kwargs:
            self.rope_parameters = {"rope_type": "default", "rope_theta": 10000.0}
        super().__post_init__(**kwargs)
        self.check()

    @staticmethod
    def _layer_type(name: Any) -> str:
        if name not in LAYER_TYPE_ALIASES:
            raise ConfigError(
                f"layer_types: unknown layer type {name!r}; expected one of {', '.join(sorted(LAYER_TYPE_ALIASES))}")
        return LAYER_TYPE_ALIASES[name]

    def check(self) -> None:
        """Raise ConfigError naming the first field that cannot build a model."""
        for name in ("vocab_size", "hidden_size", "num_hidden_layers", "num_attention_heads",
                     "num_key_value_heads", "head_dim", "max_position_embeddings"):
            value = getattr(self, name)
            if not isinstance(value, int) or value < 1:
                raise ConfigError(f"{name}: expected a positive integer, got {value!r}")
        if self.num_attention_heads % self.num_key_value_heads:
            raise ConfigError(
                f"num_attention_heads ({self.num_attention_heads}) must be a multiple of "
                f"num_key_value_heads ({self.num_key_value_heads})")
        if self.head_dim % 2:
            raise ConfigError(f"head_dim: rotary embeddings need an even head_dim, got {self.head_dim}")
        if len(self.layer_types) != self.num_hidden_layers:
            raise ConfigError(
                f"layer_types: {len(self.layer_types)} entries for num_hidden_layers={self.num_hidden_layers}")
        if "full_attention" not in self.layer_types:
            raise ConfigError("layer_types: at least one layer must be full (softmax) attention, which keeps "
                              "the cache's position count")
        if self.num_experts < 0:
            raise ConfigError(f"num_experts: expected >= 0, got {self.num_experts}")
        if self.num_experts and not 1 <= self.num_experts_per_tok <= self.num_experts:
            raise ConfigError(
                f"num_experts_per_tok: expected 1..{self.num_experts}, got {self.num_experts_per_tok}")
        if self.router_type not in ROUTER_TYPES:
            raise ConfigError(f"router_type: expected one of {', '.join(ROUTER_TYPES)}, got {self.router_type!r}")
        if not self.expert_capacity_factor > 0:
            raise ConfigError(f"expert_capacity_factor: expected > 0, got {self.expert_capacity_factor}")
        if not 0 <= self.router_jitter_noise < 1:
            raise ConfigError(f"router_jitter_noise: expected in [0, 1), got {self.router_jitter_noise}")
        if self.shared_expert_intermediate_size < 0:
            raise ConfigError(
                f"shared_expert_intermediate_size: expected >= 0, got {self.shared_expert_intermediate_size}")
        if self.decoder_sparse_step < 1:
            raise ConfigError(f"decoder_sparse_step: expected >= 1, got {self.decoder_sparse_step}")
        bad = [i for i in self.mlp_only_layers if not 0 <= i < self.num_hidden_layers]
        if bad:
            raise ConfigError(f"mlp_only_layers: layer indices {bad} outside 0..{self.num_hidden_layers - 1}")
        if self.vision_hidden_size is not None and (
                not isinstance(self.vision_hidden_size, int) or self.vision_hidden_size < 1):
            raise ConfigError(
                f"vision_hidden_size: expected a positive integer or None, got {self.vision_hidden_size!r}"
            )
        check_rope_parameters(self.rope_parameters, self.head_dim)

    def is_moe_layer(self, layer_idx: int) -> bool:
        """Whether layer `layer_idx` routes to experts (Qwen3-MoE's rule)."""
        return (self.num_experts > 0 and layer_idx not in self.mlp_only_layers
                and (layer_idx + 1) % self.decoder_sparse_step == 0)

    def _validate_ntk_rope_parameters(self, rope_parameters: dict, ignore_keys: set | None = None) -> None:
        """transformers validates each rope type by name; NTK-aware is checked by `check_rope_parameters`."""


__all__ = ["GlyphLMConfig", "LAYER_TYPE_ALIASES", "ROPE_TYPES", "ROUTER_TYPES"]
