"""Page images -> visual tokens: a timm ViT backbone and a token compressor, with named presets.

`load_encoder("encoder-tiny").encode(pages)` returns one [tokens, dim] tensor per page; the count per
page is `encoder.tokens_for(width, height)`, which equals the accounting profile the preset names.
`resolve_encoder("runs/tiny-reader")` finds trained weights (a reader run, a weights file) and the
identity that stored tokens carry.
"""

from glyphctx.encode.checkpoints import EncoderSource, encoder_identity, reader_folder, resolve_encoder
from glyphctx.encode.config import COMPRESSORS, EncoderConfig
from glyphctx.encode.geometry import EncoderProfile
from glyphctx.encode.model import VisionEncoder
from glyphctx.encode.presets import DEFAULT_ENCODER, encoder_names, load_encoder, load_encoder_config
from glyphctx.encode.weights import load_weights, save_weights, weights_config, weights_digest

__all__ = [
    "COMPRESSORS",
    "DEFAULT_ENCODER",
    "EncoderConfig",
    "EncoderProfile",
    "EncoderSource",
    "VisionEncoder",
    "encoder_identity",
    "encoder_names",
    "load_encoder",
    "load_encoder_config",
    "load_weights",
    "reader_folder",
    "resolve_encoder",
    "save_weights",
    "weights_config",
    "weights_digest",
]
