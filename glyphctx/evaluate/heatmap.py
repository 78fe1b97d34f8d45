"""The needle heat map: depth down, length across, one panel per route, each cell its share found.

Cells whose documents were all past a route's window are hatched grey and labelled, not drawn as
zero: "did not fit" and "did not find" are different results. Drawn with the Agg backend (no
display needed) and written atomically, so a killed run never leaves half a PNG behind.
"""

from __future__ import annotations

import io
from pathlib import Path

from glyphctx.io.atomic import atomic_write_bytes

HEATMAP_NAME = "needle_heatmap.png"
ROUTE_TITLES = {"text": "plain text (baseline)", "visual": "visual tokens", "transcription": "transcription"}


def draw_heatmap(report, path: str | Path) -> Path:
    """The report's accuracy grid per route as one PNG at `path`."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    routes = report.routes
    fig, axes = plt.subplots(1, len(routes), figsize=(2.2 + 1.3 * len(report.lengths) * len(routes), 3.6),
                             dpi=110, squeeze=False)
    cmap = matplotlib.colormaps["RdYlGn"].with_extremes(bad="#d9d9d9")
    image = None
    for ax, route in zip(axes[0], routes):
        grid = np.full((len(report.depths), len(report.lengths)), np.nan)
        for j, length in enumerate(report.lengths):
            for i, depth in enumerate(report.depths):
                cell = report.cells[route][length][depth]
                if cell.accuracy is not None:
                    grid[i, j] = cell.accuracy
                dark = cell.accuracy is not None and not 0.2 <= cell.accuracy <= 0.8  # the colour map's deep ends
                ax.text(j, i, cell.label().replace(" (", "\n("), ha="center", va="center", fontsize=7,
                        color="white" if dark else "black")
        image = ax.imshow(np.ma.masked_invalid(grid), cmap=cmap, vmin=0.0, vmax=1.0, aspect="auto")
        ax.set_xticks(range(len(report.lengths)), [f"{n:,}" for n in report.lengths], fontsize=7)
        ax.set_yticks(range(len(report.depths)), [f"{d:g}" for d in report.depths], fontsize=7)
        ax.set_xlabel("document length (characters)", fontsize=8)
        ax.set_title(ROUTE_TITLES.get(route, route), fontsize=9)
    axes[0][0].set_ylabel("needle depth", fontsize=8)
    fig.suptitle(f"needle in a haystack: {report.model}", fontsize=9, y=1.04)
    if image is not None:
        fig.colorbar(image, ax=list(axes[0]), fraction=0.03, label="share found")
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", bbox_inches="tight")
    plt.close(fig)
    path = Path(path)
    atomic_write_bytes(path, buffer.getvalue())
    return path
