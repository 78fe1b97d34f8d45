"""`glyphctx search`: tune a render config for the most compression at a required fidelity."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.markup import escape

from glyphctx.cli import options
from glyphctx.cli.console import err, fail, out, reports_errors
from glyphctx.tokens.profiles import DEFAULT_PROFILE


@reports_errors
def search(
    corpus: options.Corpus,
    output: options.Output,
    profile: options.Profile = DEFAULT_PROFILE,
    tokenizer: options.Tokenizer = None,
    oracle: str = typer.Option("tesseract", "--oracle", help="Reader that measures fidelity: tesseract, hf, reader "
                               "or openai (a served VLM: give --base-url and --model)."),
    oracle_path: Path | None = typer.Option(
        None, "--oracle-path", help="Model folder for --oracle hf, checkpoint or run folder for --oracle reader."
    ),
    base_url: options.BaseUrl = None,
    model: options.ServedModelName = None,
    api_key_env: options.ApiKeyEnv = None,
    timeout: options.ServerTimeout = None,
    max_retries: options.MaxRetries = None,
    max_new_tokens: options.MaxNewTokens = None,
    min_fidelity: float = typer.Option(0.97, "--min-fidelity", help="Required character accuracy (the constraint)."),
    generations: int = typer.Option(5, "--generations", "-g", help="NSGA-II generations after the initial one."),
    population: int = typer.Option(12, "--population", help="Population size (a multiple of 4)."),
    seed: options.Seed = 0,
    sample_chars: int = typer.Option(
        40000, "--sample-chars", help="Training text per candidate (ratio measured on all of it)."
    ),
    pages_read: int = typer.Option(2, "--pages-read", help="Training pages read back per candidate."),
    held_out_chars: int = typer.Option(
        40000, "--held-out-chars", help="Held-out text each front point is rendered on."
    ),
    held_out_pages: int = typer.Option(4, "--held-out-pages", help="Held-out pages read per front point."),
    needles: bool = typer.Option(True, "--needles/--no-needles", help="Also run the needle task on held-out pages."),
    workers: options.Workers = None,
    address: options.Address = None,
    no_ray: bool = typer.Option(False, "--no-ray", help="Evaluate in this process, one candidate at a time."),
) -> None:
    """Search render layouts (NSGA-II) for the best compression ratio at --min-fidelity; resumable.

    --output receives the log, the checkpoint, the Pareto front and its plot, and best.yaml.
    """
    from glyphctx.search.run import SearchSettings, run_search

    oracle_options: tuple = ()
    if oracle_path is not None:
        oracle_options = (("path", str(oracle_path)),)
    served = {"base_url": base_url, "model": model, "api_key_env": api_key_env, "timeout": timeout,
              "max_retries": max_retries}
    served = {key: value for key, value in served.items() if value is not None}
    if served and oracle != "openai":
        fail(f"--{', --'.join(k.replace('_', '-') for k in served)} belong to --oracle openai, not --oracle {oracle}")
    oracle_options += tuple(served.items())
    if max_new_tokens is not None:  # the longest transcription of a page (hf and openai oracles)
        oracle_options += (("max_new_tokens", max_new_tokens),)
    settings = SearchSettings(
        corpus=tuple(corpus), output=output, profile=profile, tokenizer=tokenizer, oracle=oracle,
        oracle_options=oracle_options, min_fidelity=min_fidelity, population=population, generations=generations,
        seed=seed, sample_chars=sample_chars, pages_read=pages_read, held_out_chars=held_out_chars,
        held_out_pages=held_out_pages,
        needles=needles, workers=workers, address=address, use_ray=not no_ray,
    )

    def on_generation(row: dict) -> None:
        best = f"{row['best_ratio']:.3f}x" if row["best_ratio"] is not None else "none feasible"
        rate = f"{row['evaluations_per_minute']:.1f}/min" if row["evaluations_per_minute"] else "-"
        err.print(f"generation {row['generation']}: best ratio at fidelity >= {min_fidelity:g}: {best}; "
                  f"hypervolume {row['hypervolume']:.4f}; {row['evaluations']} new evaluations ({rate}), "
                  f"{row['individuals'] - row['evaluations']} from the cache",
                  highlight=False)

    outcome = run_search(settings, on_generation=on_generation,
                         on_stage=lambda message: err.print(escape(message), highlight=False))
    summary = outcome.summary
    reference = summary["glyph_like"]["held_out"]
    out.print(f"glyph-like (held out): ratio {reference['ratio']:.3f}, fidelity {reference['fidelity']:.4f}",
              highlight=False)
    for point in summary["front"]:
        held = point["held_out"]
        mark = " dominates glyph-like" if point["dominates_glyph_like"] else ""
        out.print(f"front {point['key']}: ratio {held['ratio']:.3f}, fidelity {held['fidelity']:.4f}"
                  f"{'' if point['feasible_held_out'] else ' (below the required fidelity)'}{mark}",
                  highlight=False)
    best = summary["best"]
    if best is None:
        out.print(f"no front point reaches fidelity {min_fidelity:g} on held-out pages", highlight=False)
    else:
        out.print(f"best at fidelity >= {min_fidelity:g}: ratio {best['held_out']['ratio']:.3f} "
                  f"(fidelity {best['held_out']['fidelity']:.4f}) -> {escape(str(outcome.paths['best']))}",
                  highlight=False)
    out.print(f"outputs in {escape(str(output))}: {', '.join(p.name for p in outcome.paths.values())}",
              highlight=False)
