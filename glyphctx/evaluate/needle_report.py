"""The needle report as one comparison table (plain-text baseline first) and as files on disk.

One row per (length, depth) and one "all depths" row per length, so the baseline and each visual
route sit side by side with the tokens each length cost on each side.
"""

from __future__ import annotations

import json
from pathlib import Path

from glyphctx.evaluate.heatmap import HEATMAP_NAME, draw_heatmap
from glyphctx.evaluate.needle import NeedleReport
from glyphctx.io.atomic import atomic_write_text

JSON_NAME = "needle.json"
MARKDOWN_NAME = "needle.md"


def comparison_table(report: NeedleReport) -> tuple[list[str], list[list[str]]]:
    """(header, rows) of the comparison; every value already formatted."""
    header = ["length", "depth", "text tokens", "visual tokens", "ratio"]
    header += [f"{r} (baseline)" if r == "text" else r for r in report.routes]
    rows = []
    for length in report.lengths:
        counts = report.tokens.get(length, {})
        documents = max(1, counts.get("documents", 0))
        for depth in report.depths:
            rows.append([f"{length:,}", f"{depth:g}", "", "", ""]
                        + [report.cells[r][length][depth].label() for r in report.routes])
        overall = [report.accuracy(r, length) for r in report.routes]
        rows.append([f"{length:,}", "all", f"{counts.get('text_tokens', 0) / documents:,.0f}",
                     f"{counts.get('visual_tokens', 0) / documents:,.0f}", f"{report.ratio(length):.2f}x"]
                    + ["too long" if a is None else f"{a:.2f}" for a in overall])
    return header, rows


def to_markdown(report: NeedleReport) -> str:
    header, rows = comparison_table(report)
    lines = ["| " + " | ".join(header) + " |", "|" + " --- |" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    windows = ", ".join(f"{route} {window:,}" for route, window in report.windows.items())
    notes = [f"Model: {report.model} ({report.kind}); text route: {report.text_model}; windows (positions): "
             f"{windows}; {report.trials} document(s) per cell.",
             f"Text tokens counted with {report.tokenizer}, per document; visual tokens by the model's own rule.",
             "Each fact goes in at the paragraph break at or before its depth; `planted_at` in needle.json says where."]
    if report.repeated:
        notes.append("The held-out text was shorter than a length and was repeated to fill the document.")
    return f"# Needle in a haystack: {report.model}\n\n" + "\n".join(lines) + "\n\n" + "\n\n".join(notes) + "\n"


def write_needle(report: NeedleReport, folder: str | Path) -> list[Path]:
    """needle.json, needle.md and the heat map PNG in `folder`, each written atomically."""
    folder = Path(folder)
    json_path, markdown_path = folder / JSON_NAME, folder / MARKDOWN_NAME
    atomic_write_text(json_path, json.dumps(report.to_dict(), indent=2, ensure_ascii=False) + "\n")
    atomic_write_text(markdown_path, to_markdown(report))
    return [json_path, markdown_path, draw_heatmap(report, folder / HEATMAP_NAME)]
