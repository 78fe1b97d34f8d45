"""NSGA-II over render-config genomes (DEAP), with constrained domination and per-generation checkpoints.

The loop is DEAP's reference NSGA-II: crowded tournament, simulated binary crossover and polynomial
mutation on [0, 1] genes, then elitist non-dominated selection over parents and offspring. Only the
evaluation is pluggable (`evaluate_many`, which goes through the toolbox's `map`, local or on Ray).
All randomness comes from one `random.Random` state that is swapped in around selection and
variation, so nothing else in the process (Ray, plotting) can shift the sequence, and a checkpoint
can carry it.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from deap import base, tools

from glyphctx.render.config import RenderConfig
from glyphctx.search.checkpoint import Checkpoint, load_checkpoint, save_checkpoint
from glyphctx.search.constrained import Individual, hypervolume, violation
from glyphctx.search.errors import SearchError
from glyphctx.search.genome import GENOME_LENGTH, encode

#: evaluates genomes, returning one (ratio, fidelity) pair per genome, in order
EvaluateMany = Callable[[Sequence[Sequence[float]]], Sequence[tuple[float, float]]]


@dataclass(frozen=True)
class NSGASettings:
    population: int = 12
    generations: int = 5
    min_fidelity: float = 0.97
    seed: int = 0
    crossover_prob: float = 0.9
    eta_crossover: float = 15.0
    eta_mutation: float = 20.0

    def validate(self) -> None:
        if self.population < 4 or self.population % 4:
            raise SearchError(f"population must be a multiple of 4 and at least 4 (NSGA-II's crowded tournament "
                              f"pairs individuals in fours), got {self.population}")
        if self.generations < 0:
            raise SearchError(f"generations must be >= 0, got {self.generations}")
        if not 0.0 <= self.min_fidelity <= 1.0:
            raise SearchError(f"min_fidelity must lie in [0, 1], got {self.min_fidelity}")


def initial_population(seeds: Sequence[RenderConfig], size: int, rng: random.Random) -> list[Individual]:
    """The seed configs first (as many as fit), random genomes for the rest."""
    population = [Individual(encode(config)) for config in seeds[:size]]
    while len(population) < size:
        population.append(Individual(rng.random() for _ in range(GENOME_LENGTH)))
    return population


def _toolbox(settings: NSGASettings) -> base.Toolbox:
    toolbox = base.Toolbox()
    toolbox.register("mate", tools.cxSimulatedBinaryBounded, low=0.0, up=1.0, eta=settings.eta_crossover)
    toolbox.register("mutate", tools.mutPolynomialBounded, low=0.0, up=1.0, eta=settings.eta_mutation,
                     indpb=1.0 / GENOME_LENGTH)
    return toolbox


def _vary(parents: list[Individual], toolbox: base.Toolbox, settings: NSGASettings) -> list[Individual]:
    offspring = tools.selTournamentDCD(parents, len(parents))
    offspring = [toolbox.clone(ind) for ind in offspring]
    for first, second in zip(offspring[::2], offspring[1::2]):
        if random.random() <= settings.crossover_prob:
            toolbox.mate(first, second)
        toolbox.mutate(first)
        toolbox.mutate(second)
        for child in (first, second):
            child[:] = [min(1.0, max(0.0, x)) for x in child]  # SBX can round past a bound by 1 ulp
            del child.fitness.values
    return offspring


def _assign(individuals: Sequence[Individual], evaluate_many: EvaluateMany, min_fidelity: float) -> tuple[int, int]:
    """Fitness for every individual without one: (individuals assigned, evaluations actually run).

    An `evaluate_many` with a `computed` counter (a cache in front of the evaluator) tells how many
    of those were new; otherwise every one counts.
    """
    todo = [ind for ind in individuals if not ind.fitness.valid]
    before = getattr(evaluate_many, "computed", None)
    for ind, (ratio, fidelity) in zip(todo, evaluate_many([list(ind) for ind in todo])):
        ind.fitness.values = (ratio, fidelity)
        ind.fitness.violation = violation(fidelity, min_fidelity)
    computed = len(todo) if before is None else evaluate_many.computed - before  # type: ignore[attr-defined]
    return len(todo), computed


def progress_row(generation: int, population: Sequence[Individual], min_fidelity: float,
                 counts: tuple[int, int], seconds: float) -> dict:
    """Best ratio at the required fidelity, hypervolume above it, evaluation rate: one line per generation."""
    feasible = [ind.fitness.values for ind in population if ind.fitness.violation == 0]
    assigned, computed = counts
    return {
        "generation": generation,
        "feasible": len(feasible),
        "best_ratio": max((r for r, _ in feasible), default=None),
        "hypervolume": hypervolume(feasible, (0.0, min_fidelity)),
        "individuals": assigned,
        "evaluations": computed,
        "evaluations_per_minute": 60.0 * computed / seconds if seconds > 0 and computed else None,
    }


def run_nsga2(
    settings: NSGASettings,
    seeds: Sequence[RenderConfig],
    evaluate_many: EvaluateMany,
    *,
    checkpoint_dir: Path | None = None,
    fingerprint: dict | None = None,
    on_generation: Callable[[dict], None] | None = None,
) -> tuple[list[Individual], list[dict]]:
    """The final population (non-dominated sorted, crowding assigned) and one progress row per generation.

    With `checkpoint_dir`, every finished generation is saved there and a later call with the same
    `fingerprint` resumes from the last one instead of starting over.
    """
    settings.validate()
    toolbox = _toolbox(settings)
    fingerprint = {**(fingerprint or {}), **{k: v for k, v in vars(settings).items() if k != "generations"}}
    checkpoint = load_checkpoint(checkpoint_dir, fingerprint) if checkpoint_dir else None
    if checkpoint is None:
        rng = random.Random(settings.seed)
        population = initial_population(seeds, settings.population, rng)
        started = time.perf_counter()
        count = _assign(population, evaluate_many, settings.min_fidelity)
        population = tools.selNSGA2(population, settings.population)
        history = [progress_row(0, population, settings.min_fidelity, count, time.perf_counter() - started)]
        checkpoint = Checkpoint(0, population, rng.getstate(), fingerprint, history)
        if checkpoint_dir:
            save_checkpoint(checkpoint_dir, checkpoint)
        if on_generation:
            on_generation(history[-1])
    population, history = checkpoint.population, list(checkpoint.history)
    rng_state = checkpoint.rng_state
    for generation in range(checkpoint.generation + 1, settings.generations + 1):
        outer = random.getstate()
        random.setstate(rng_state)
        try:
            offspring = _vary(population, toolbox, settings)
            rng_state = random.getstate()
        finally:
            random.setstate(outer)
        started = time.perf_counter()
        count = _assign(offspring, evaluate_many, settings.min_fidelity)
        population = tools.selNSGA2(population + offspring, settings.population)
        history.append(progress_row(generation, population, settings.min_fidelity, count,
                                    time.perf_counter() - started))
        if checkpoint_dir:
            save_checkpoint(checkpoint_dir, Checkpoint(generation, population, rng_state, fingerprint, history))
        if on_generation:
            on_generation(history[-1])
    return population, history


def first_front(population: Sequence[Individual]) -> list[Individual]:
    """The population's non-dominated individuals under constrained domination, duplicates once."""
    front = tools.sortNondominated(list(population), len(population), first_front_only=True)[0]
    unique, seen = [], set()
    for ind in front:
        key = tuple(ind)
        if key not in seen:
            seen.add(key)
            unique.append(ind)
    return unique
