"""Candidate evaluation with a memory: each distinct config is scored once and logged as one JSONL row.

The log doubles as the cache a resumed search reads back, so work done in a generation that was
interrupted is not repeated. A row torn by a kill mid-write is skipped on reading.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from glyphctx.errors import GlyphctxError
from glyphctx.render.config import RenderConfig
from glyphctx.search.fitness import EvalTask, evaluate_config, evaluate_needles
from glyphctx.search.genome import decode, genome_key

CANDIDATES_NAME = "candidates.jsonl"


@dataclass(frozen=True)
class GenomeEvaluator:
    """Picklable: genome -> JSON-ready record (key, config, scores) on one task."""

    task: EvalTask
    base: RenderConfig

    def __call__(self, genome: Sequence[float]) -> dict:
        key = genome_key(genome, self.base)
        try:
            config = decode(genome, self.base)
        except GlyphctxError as exc:  # a layout the renderer refuses is a result (infeasible), not a crash
            return {"key": key, "genome": list(genome), "config": None, "ratio": 0.0, "fidelity": 0.0,
                    "error": str(exc)}
        return {"key": key, "genome": list(genome), "config": config.to_dict(), **evaluate_config(config, self.task)}


@dataclass(frozen=True)
class ConfigEvaluator:
    """Picklable: config -> transcription scores, plus the needle task when `needles` is set."""

    task: EvalTask
    needles: bool = True
    needle_seed: int = 0

    def __call__(self, config: RenderConfig) -> dict:
        record = {"key": config.digest(), "config": config.to_dict(), **evaluate_config(config, self.task)}
        if self.needles and record.get("error") is None:
            record.update(evaluate_needles(config, self.task, seed=self.needle_seed))
        return record


def read_log(path: Path) -> dict[str, dict]:
    """Rows of a candidates log by key (later rows win); unreadable rows are skipped."""
    rows: dict[str, dict] = {}
    if not path.is_file():
        return rows
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            try:
                row = json.loads(line)
            except json.JSONDecodeError:
                continue
            if isinstance(row, dict) and isinstance(row.get("key"), str):
                rows[row["key"]] = row
    return rows


class CachedEvaluation:
    """`evaluate_many` for the NSGA-II loop: cache lookups, pool map for the rest, one log row each."""

    def __init__(self, evaluator: GenomeEvaluator, pool_map: Callable, log_path: Path | None = None) -> None:
        self.evaluator = evaluator
        self.map = pool_map
        self.log_path = log_path
        self.cache: dict[str, dict] = read_log(log_path) if log_path else {}
        self.computed = 0  # evaluations run by this object (cache hits excluded)

    def __call__(self, genomes: Sequence[Sequence[float]]) -> list[tuple[float, float]]:
        keys = [genome_key(g, self.evaluator.base) for g in genomes]
        todo: dict[str, Sequence[float]] = {}
        for key, genome in zip(keys, genomes):
            if key not in self.cache and key not in todo:
                todo[key] = genome
        records = self.map(self.evaluator, list(todo.values()))
        if self.log_path and records:
            with self.log_path.open("a", encoding="utf-8") as handle:
                for record in records:
                    handle.write(json.dumps(record) + "\n")
        for record in records:
            self.cache[record["key"]] = record
        self.computed += len(records)
        return [(self.cache[k]["ratio"], self.cache[k]["fidelity"]) for k in keys]

    def record(self, genome: Sequence[float]) -> dict:
        return self.cache[genome_key(genome, self.evaluator.base)]
