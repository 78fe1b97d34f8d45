"""A whole search: corpus split, NSGA-II on training chapters, the front judged on held-out chapters.

Rerunning with the same output folder and settings resumes from the last finished generation (and
reuses every evaluation already logged); asking for more generations than were run extends it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

from glyphctx.common.corpus import load_chapters, sample_text, split_train_held_out
from glyphctx.pipelines.search_pool import make_pool
from glyphctx.render.config import RenderConfig
from glyphctx.render.presets import load_preset, preset_names
from glyphctx.search.candidates import CANDIDATES_NAME, CachedEvaluation, ConfigEvaluator, GenomeEvaluator
from glyphctx.search.constrained import pareto_dominates
from glyphctx.search.errors import SearchError
from glyphctx.search.fitness import EvalTask, ReaderSpec
from glyphctx.search.genome import decode, encode
from glyphctx.search.nsga import NSGASettings, first_front, run_nsga2
from glyphctx.search.outputs import plot_front, write_best, write_front
from glyphctx.tokens.profiles import DEFAULT_PROFILE

REFERENCE_PRESET = "glyph-like"


@dataclass(frozen=True)
class SearchSettings:
    corpus: tuple[str, ...]
    output: Path
    profile: str = DEFAULT_PROFILE
    tokenizer: str | None = None
    oracle: str = "tesseract"
    oracle_options: tuple[tuple[str, object], ...] = ()
    min_fidelity: float = 0.97
    population: int = 12
    generations: int = 5
    seed: int = 0
    sample_chars: int = 40000
    """Characters of training text each candidate is rendered on (the ratio is measured on all of it)."""
    pages_read: int = 2
    """Training pages read back per candidate."""
    held_out_chars: int = 40000
    held_out_pages: int = 4
    held_out_every: int = 4
    needles: bool = True
    workers: int | None = None
    address: str | None = None
    use_ray: bool = True

    def fingerprint(self, sample: str) -> dict:
        """What must match for a run to resume another (not where or how fast it runs, nor its length).

        The corpus counts by the training sample it yields, so the same books given by another path resume.
        """
        keep = ("profile", "tokenizer", "oracle", "oracle_options", "sample_chars", "pages_read", "held_out_every")
        found = {k: (list(v) if isinstance(v, tuple) else v) for k, v in asdict(self).items() if k in keep}
        return {**found, "sample_sha256": hashlib.sha256(sample.encode("utf-8")).hexdigest()}


@dataclass
class SearchOutcome:
    summary: dict
    history: list[dict]
    paths: dict[str, Path] = field(default_factory=dict)


def seed_configs() -> list[RenderConfig]:
    """The shipped presets the search can start from, glyph-like first."""
    names = [REFERENCE_PRESET] + [n for n in preset_names() if n != REFERENCE_PRESET]
    seeds = []
    for name in names:
        config = load_preset(name)
        try:
            seeds.append(decode(encode(config)))
        except SearchError:
            continue  # a preset outside the searched space cannot seed it
    return seeds


def _rounded(record: dict) -> dict:
    keep = ("ratio", "fidelity", "word_precision", "word_recall", "word_f1", "text_tokens", "visual_tokens", "pages",
            "pages_read", "needle_recall", "needles", "error")
    return {k: (round(v, 5) if isinstance(v, float) else v) for k, v in record.items() if k in keep}


def run_search(settings: SearchSettings, on_generation: Callable[[dict], None] | None = None,
               on_stage: Callable[[str], None] | None = None) -> SearchOutcome:
    stage = on_stage or (lambda message: None)
    output = Path(settings.output)
    output.mkdir(parents=True, exist_ok=True)
    reader = ReaderSpec(settings.oracle, tuple(settings.oracle_options))
    reader.build()  # a missing binary or model fails here, before any worker starts
    chapters = load_chapters(settings.corpus)
    train, held_out = split_train_held_out(chapters, settings.held_out_every)
    stage(f"corpus: {len(chapters)} chapters, {len(train)} train, {len(held_out)} held out")
    train_task = EvalTask(sample_text(train, settings.sample_chars, settings.seed), settings.profile,
                          settings.tokenizer, reader, settings.pages_read)
    held_task = EvalTask(sample_text(held_out, settings.held_out_chars, settings.seed), settings.profile,
                         settings.tokenizer, reader, settings.held_out_pages)
    base = RenderConfig()
    nsga = NSGASettings(population=settings.population, generations=settings.generations,
                        min_fidelity=settings.min_fidelity, seed=settings.seed)
    nsga.validate()
    with make_pool(settings.workers, settings.address, use_ray=settings.use_ray) as pool:
        stage(f"evaluating on {pool.workers} worker(s)")
        evaluation = CachedEvaluation(GenomeEvaluator(train_task, base), pool.map, output / CANDIDATES_NAME)
        population, history = run_nsga2(nsga, seed_configs(), evaluation, checkpoint_dir=output,
                                         fingerprint=settings.fingerprint(train_task.text), on_generation=on_generation)
        front = [evaluation.record(ind) for ind in first_front(population) if ind.fitness.violation == 0]
        front = list({r["key"]: r for r in sorted(front, key=lambda r: r["ratio"])}.values())
        reference = load_preset(REFERENCE_PRESET)
        reference_train = evaluation.record(encode(reference))
        stage(f"front: {len(front)} feasible point(s); reading them and {REFERENCE_PRESET} on held-out pages")
        configs = [RenderConfig.from_dict(r["config"]) for r in front] + [reference]
        held = pool.map(ConfigEvaluator(held_task, settings.needles, settings.seed), configs)
    reference_held, front_held = held[-1], held[:-1]
    summary = _summary(settings, front, front_held, reference_train, reference_held, history)
    paths = {"candidates": output / CANDIDATES_NAME, "front": write_front(output, summary)}
    if summary["best"] is not None:
        best = summary["best"]
        note = (f"Found by glyphctx search (profile {settings.profile}, oracle {settings.oracle}, "
                f"seed {settings.seed}):\n"
                f"ratio {best['held_out']['ratio']:.3f} at fidelity {best['held_out']['fidelity']:.4f} on held-out "
                f"pages (required {settings.min_fidelity:g}); {REFERENCE_PRESET}: ratio "
                f"{reference_held['ratio']:.3f} at fidelity {reference_held['fidelity']:.4f}.")
        paths["best"] = write_best(output, RenderConfig.from_dict(best["config"]), note)
    paths["plot"] = plot_front(
        output, list(evaluation.cache.values()), front, front_held,
        {"train": reference_train, "held_out": reference_held}, settings.min_fidelity,
        f"glyphctx search: {settings.profile}, {reader.oracle}, {settings.population} x {settings.generations} "
        f"generations, seed {settings.seed}",
    )
    return SearchOutcome(summary, history, paths)


def _summary(settings: SearchSettings, front: list[dict], front_held: list[dict], reference_train: dict,
             reference_held: dict, history: list[dict]) -> dict:
    reference_point = (reference_held["ratio"], reference_held["fidelity"])
    points = []
    for train_row, held_row in zip(front, front_held):
        point = (held_row["ratio"], held_row["fidelity"])
        points.append({
            "key": train_row["key"],
            "config": train_row["config"],
            "train": _rounded(train_row),
            "held_out": _rounded(held_row),
            "feasible_held_out": held_row["fidelity"] >= settings.min_fidelity,
            "dominates_glyph_like": pareto_dominates(point, reference_point),
        })
    feasible = [p for p in points if p["feasible_held_out"]]
    best = max(feasible, key=lambda p: p["held_out"]["ratio"], default=None)
    return {
        "settings": {k: (str(v) if isinstance(v, Path) else v) for k, v in asdict(settings).items()},
        "min_fidelity": settings.min_fidelity,
        "glyph_like": {"train": _rounded(reference_train), "held_out": _rounded(reference_held)},
        "front": points,
        "dominating_glyph_like": [p["key"] for p in points if p["dominates_glyph_like"]],
        "best": best,
        "history": history,
    }
