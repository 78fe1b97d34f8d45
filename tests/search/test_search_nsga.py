import pytest

from glyphctx.render.config import RenderConfig
from glyphctx.search.constrained import LayoutFitness, hypervolume, non_dominated, pareto_dominates
from glyphctx.search.errors import SearchError
from glyphctx.search.nsga import NSGASettings, first_front, run_nsga2

SEEDS = [RenderConfig.load("glyph-like"), RenderConfig.load("dense")]
MIN_FIDELITY = 0.9


def synthetic(genomes):
    """A fast stand-in with the real trade-off: more ratio costs fidelity; genes 0-2 matter."""
    return [(1.0 + 2.0 * g[0] + g[1], 1.0 - 0.25 * g[0] ** 2 - 0.08 * g[1] - 0.05 * g[2]) for g in genomes]


class Interrupt(Exception):
    pass


def _fitness(values, violation):
    fitness = LayoutFitness(values)
    fitness.violation = violation
    return fitness


def test_constrained_domination_puts_feasibility_first():
    feasible_poor = _fitness((1.0, 0.95), 0.0)
    feasible_good = _fitness((2.0, 0.96), 0.0)
    infeasible_great = _fitness((9.0, 0.5), 0.4)
    infeasible_less = _fitness((1.0, 0.8), 0.1)
    assert feasible_poor.dominates(infeasible_great) and not infeasible_great.dominates(feasible_poor)
    assert infeasible_less.dominates(infeasible_great)
    assert feasible_good.dominates(feasible_poor) and not feasible_poor.dominates(feasible_good)
    assert not _fitness((2.0, 0.95), 0.0).dominates(_fitness((1.0, 0.99), 0.0))


def test_pareto_helpers_by_hand():
    assert pareto_dominates((2, 1), (1, 1)) and not pareto_dominates((1, 1), (1, 1))
    assert non_dominated([(1, 3), (2, 2), (1, 1), (3, 1)]) == [0, 1, 3]
    # reference (0, 0.9): rectangles 3 x 0.02 and 2 x (0.05 - 0.02)
    assert hypervolume([(3.0, 0.92), (2.0, 0.95), (1.0, 0.5)], (0.0, 0.9)) == pytest.approx(3 * 0.02 + 2 * 0.03)


def test_tiny_run_ends_with_a_feasible_non_dominated_front():
    settings = NSGASettings(population=8, generations=6, min_fidelity=MIN_FIDELITY, seed=1)
    population, history = run_nsga2(settings, SEEDS, synthetic)
    assert len(population) == 8 and len(history) == 7
    front = first_front(population)
    points = [ind.fitness.values for ind in front]
    assert all(fidelity >= MIN_FIDELITY for _, fidelity in points)
    assert non_dominated(points) == list(range(len(points)))
    for ind in population:  # nothing in the population beats the front
        assert not any(pareto_dominates(ind.fitness.values, p) for p in points if ind.fitness.violation == 0)
    assert history[-1]["best_ratio"] >= history[0]["best_ratio"]
    assert history[-1]["hypervolume"] >= history[0]["hypervolume"] > 0


def test_same_seed_same_run_other_seed_other_run():
    settings = NSGASettings(population=8, generations=3, min_fidelity=MIN_FIDELITY, seed=5)
    first, _ = run_nsga2(settings, SEEDS, synthetic)
    again, _ = run_nsga2(settings, SEEDS, synthetic)
    other, _ = run_nsga2(NSGASettings(population=8, generations=3, min_fidelity=MIN_FIDELITY, seed=6), SEEDS, synthetic)
    assert [list(i) for i in first] == [list(i) for i in again]
    assert [list(i) for i in first] != [list(i) for i in other]


def test_killed_run_resumes_to_the_uninterrupted_front(tmp_path):
    settings = NSGASettings(population=8, generations=5, min_fidelity=MIN_FIDELITY, seed=2)
    reference, reference_history = run_nsga2(settings, SEEDS, synthetic)

    calls = {"n": 0}

    def dies_in_generation_3(genomes):
        calls["n"] += 1
        if calls["n"] == 4:  # initial population, generations 1 and 2 finished
            raise Interrupt
        return synthetic(genomes)

    with pytest.raises(Interrupt):
        run_nsga2(settings, SEEDS, dies_in_generation_3, checkpoint_dir=tmp_path)
    resumed_calls = []

    def counting(genomes):
        resumed_calls.append(len(genomes))
        return synthetic(genomes)

    resumed, history = run_nsga2(settings, SEEDS, counting, checkpoint_dir=tmp_path)
    assert len(resumed_calls) == 3  # generations 3, 4, 5 only
    assert [list(i) for i in resumed] == [list(i) for i in reference]
    assert [i.fitness.values for i in first_front(resumed)] == [i.fitness.values for i in first_front(reference)]
    assert [h["best_ratio"] for h in history] == [h["best_ratio"] for h in reference_history]
    # a finished run reruns to the same result without evaluating anything
    rerun, _ = run_nsga2(settings, SEEDS, lambda g: pytest.fail("nothing left to evaluate"), checkpoint_dir=tmp_path)
    assert [list(i) for i in rerun] == [list(i) for i in reference]


def test_checkpoint_of_other_settings_is_refused(tmp_path):
    run_nsga2(NSGASettings(population=4, generations=1, seed=0), SEEDS, synthetic, checkpoint_dir=tmp_path)
    with pytest.raises(SearchError, match="other settings.*seed"):
        run_nsga2(NSGASettings(population=4, generations=1, seed=9), SEEDS, synthetic, checkpoint_dir=tmp_path)


def test_population_must_suit_the_crowded_tournament():
    with pytest.raises(SearchError, match="multiple of 4"):
        run_nsga2(NSGASettings(population=6), SEEDS, synthetic)
    with pytest.raises(SearchError, match="min_fidelity"):
        run_nsga2(NSGASettings(min_fidelity=1.5), SEEDS, synthetic)
