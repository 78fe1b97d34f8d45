"""What a search leaves behind: the front as JSON, the best config as YAML, and the Pareto plot."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

from glyphctx.io.atomic import atomic_write_bytes, atomic_write_text
from glyphctx.render.config import RenderConfig

FRONT_NAME = "front.json"
BEST_NAME = "best.yaml"
PLOT_NAME = "pareto.png"


def write_front(folder: Path, summary: dict) -> Path:
    path = folder / FRONT_NAME
    atomic_write_text(path, json.dumps(summary, indent=2) + "\n")
    return path


def write_best(folder: Path, config: RenderConfig, note: str) -> Path:
    """The config as YAML `glyphctx compress --config` reads, with `note` as its leading comment."""
    path = folder / BEST_NAME
    header = "".join(f"# {line}\n" for line in note.splitlines())
    atomic_write_text(path, header + config.to_yaml())
    return path


def plot_front(
    folder: Path,
    candidates: Sequence[dict],
    front_train: Sequence[dict],
    front_held_out: Sequence[dict],
    glyph_like: dict,
    min_fidelity: float,
    title: str,
) -> Path:
    """Ratio against fidelity: every candidate, the front (train and held out) and glyph-like, beside ratio 1
    (pages costing as many tokens as the text itself)."""
    import io

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7.5, 5.0), dpi=110)
    points = [(c["ratio"], c["fidelity"]) for c in candidates if c.get("error") is None]
    if points:
        ax.scatter(*zip(*points), s=12, c="#b0b0b0", label="evaluated (train)", zorder=1)
    if front_train:
        ordered = sorted((r["ratio"], r["fidelity"]) for r in front_train)
        ax.plot(*zip(*ordered), lw=1, alpha=0.6, c="#1f77b4", zorder=2)
        ax.scatter(*zip(*ordered), s=36, c="#1f77b4", marker="o", label="front (train)", zorder=3)
    if front_held_out:  # the same configs read on held-out pages: no longer a front, so not joined up
        for train, held in zip(front_train, front_held_out):
            ax.plot([train["ratio"], held["ratio"]], [train["fidelity"], held["fidelity"]], lw=0.6, ls=":",
                    c="#d62728", zorder=2)
        ax.scatter([r["ratio"] for r in front_held_out], [r["fidelity"] for r in front_held_out], s=36,
                   c="#d62728", marker="D", label="front configs (held out)", zorder=3)
    for split, marker in (("train", "*"), ("held_out", "P")):
        if glyph_like.get(split):
            ax.scatter([glyph_like[split]["ratio"]], [glyph_like[split]["fidelity"]], s=160, marker=marker,
                       c="#2ca02c", edgecolors="black", zorder=4, label=f"glyph-like ({split.replace('_', ' ')})")
    ax.axvline(1.0, ls=":", c="#ff7f0e", lw=1.0, label="ratio 1: as many visual as text tokens")
    ax.axhline(min_fidelity, ls="--", c="black", lw=0.8, label=f"required fidelity {min_fidelity:g}")
    fidelities = [p[1] for p in points] + [min_fidelity, 1.0]
    low = max(0.0, min(f for f in fidelities if f >= min_fidelity - 0.15) - 0.01)
    ax.set_ylim(low, 1.005)
    ax.set_xlabel("compression ratio (text tokens per visual token)")
    ax.set_ylabel("fidelity (character accuracy)")
    ax.set_title(title, fontsize=9)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7, loc="lower left")
    buffer = io.BytesIO()
    fig.tight_layout()
    fig.savefig(buffer, format="png")
    plt.close(fig)
    path = folder / PLOT_NAME
    atomic_write_bytes(path, buffer.getvalue())
    return path
