"""Layout search: the render config with the most compression at a required fidelity (DEAP NSGA-II).

Pieces usable alone: fidelity metrics (`metrics`), the needle task (`needle`), oracles that read
pages back (`oracles`), genome <-> RenderConfig (`genome`), constrained NSGA-II (`nsga`), evaluation
in-process or on Ray (`parallel`), and `run_search`, which ties them together.
"""

from glyphctx.search.errors import OracleError, SearchError
from glyphctx.search.evaluate import EvalTask, ReaderSpec, evaluate_config, evaluate_needles
from glyphctx.search.genome import GENES, decode, encode
from glyphctx.search.metrics import char_accuracy, normalise_for_scoring, score_transcription, word_scores
from glyphctx.search.needle import find_needles, plant_needles
from glyphctx.search.nsga import NSGASettings, run_nsga2
from glyphctx.search.oracles import ORACLE_NAMES, Oracle, make_oracle
from glyphctx.search.run import SearchSettings, run_search

__all__ = [
    "GENES", "ORACLE_NAMES", "EvalTask", "NSGASettings", "Oracle", "OracleError", "ReaderSpec", "SearchError",
    "SearchSettings", "char_accuracy", "decode", "encode", "evaluate_config", "evaluate_needles", "find_needles",
    "make_oracle", "normalise_for_scoring", "plant_needles", "run_nsga2", "run_search", "score_transcription",
    "word_scores",
]
