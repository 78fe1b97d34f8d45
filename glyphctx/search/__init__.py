"""Layout search: the render config with the most compression at a required fidelity (DEAP NSGA-II).

Pieces usable alone: oracles that read pages back (`oracles`), genome <-> RenderConfig (`genome`),
constrained NSGA-II (`nsga`), a candidate's fitness (`fitness`), and `run_search`, which ties them
together. Fidelity metrics, the needle task and the corpus split live in `glyphctx.common` (training
and evaluation use them too); evaluations run in-process or as Ray tasks (`glyphctx.pipelines.search_pool`).
"""

from glyphctx.search.errors import OracleError, SearchError
from glyphctx.search.fitness import EvalTask, ReaderSpec, evaluate_config, evaluate_needles
from glyphctx.search.genome import GENES, decode, encode
from glyphctx.search.nsga import NSGASettings, run_nsga2
from glyphctx.search.oracles import ORACLE_NAMES, Oracle, make_oracle
from glyphctx.search.run import SearchSettings, run_search

__all__ = [
    "GENES", "ORACLE_NAMES", "EvalTask", "NSGASettings", "Oracle", "OracleError", "ReaderSpec", "SearchError",
    "SearchSettings", "decode", "encode", "evaluate_config", "evaluate_needles", "make_oracle", "run_nsga2",
    "run_search",
]
