"""Token accounting: text tokens under a named tokenizer versus visual tokens under a named VLM profile."""

from glyphctx.tokens.budget import TokenBudget, count_budget
from glyphctx.tokens.loading import DEFAULT_TOKENIZER, load_tokenizer
from glyphctx.tokens.profiles import DEFAULT_PROFILE, PROFILE_ALIASES, PROFILE_NAMES, get_profile
from glyphctx.tokens.text_tokenizer import TextTokenizer
from glyphctx.tokens.visual_profile import VisualProfile

__all__ = [
    "DEFAULT_PROFILE",
    "DEFAULT_TOKENIZER",
    "PROFILE_ALIASES",
    "PROFILE_NAMES",
    "TextTokenizer",
    "TokenBudget",
    "VisualProfile",
    "count_budget",
    "get_profile",
    "load_tokenizer",
]
