"""Two objectives under one constraint, the way NSGA-II's authors handle constraints (Deb, 2000).

Constrained domination: a feasible solution beats an infeasible one, of two infeasible ones the
smaller violation wins, and only two feasible ones compare by Pareto dominance. Putting the rule in
the fitness's `dominates` makes DEAP's non-dominated sorting and crowded tournament feasibility-first
without clamping any objective.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from deap import base


class LayoutFitness(base.Fitness):
    """(compression ratio, fidelity), both maximised, with the constraint's violation beside them."""

    weights = (1.0, 1.0)

    def __init__(self, values=(), violation: float = 0.0):
        super().__init__(values)
        self.violation = violation

    def dominates(self, other: LayoutFitness, obj=slice(None)) -> bool:
        mine, theirs = self.violation, other.violation
        if mine == 0 and theirs == 0:
            return super().dominates(other, obj)
        if mine == 0 or theirs == 0:
            return mine == 0
        return mine < theirs

    def __deepcopy__(self, memo):
        copy_ = self.__class__()
        copy_.wvalues = self.wvalues
        copy_.violation = self.violation
        return copy_


class Individual(list):
    """A genome (numbers in [0, 1]) with its fitness."""

    def __init__(self, genes: Iterable[float] = ()):
        super().__init__(genes)
        self.fitness = LayoutFitness()


def violation(fidelity: float, min_fidelity: float) -> float:
    """How far a fidelity falls short of the required one (0 when it is met)."""
    return max(0.0, min_fidelity - fidelity)


def pareto_dominates(a: Sequence[float], b: Sequence[float]) -> bool:
    """`a` at least as good as `b` in every objective (maximised) and better in one."""
    return all(x >= y for x, y in zip(a, b)) and any(x > y for x, y in zip(a, b))


def non_dominated(points: Sequence[Sequence[float]]) -> list[int]:
    """Indices of the points no other point dominates."""
    return [i for i, p in enumerate(points) if not any(pareto_dominates(q, p) for j, q in enumerate(points) if j != i)]


def hypervolume(points: Iterable[Sequence[float]], reference: Sequence[float]) -> float:
    """Area dominated by 2-objective (maximised) points and bounded below by `reference`."""
    ref_x, ref_y = reference
    kept = sorted(((x, y) for x, y in points if x > ref_x and y > ref_y), reverse=True)
    area, covered_y = 0.0, ref_y
    for x, y in kept:
        if y > covered_y:
            area += (x - ref_x) * (y - covered_y)
            covered_y = y
    return area
