"""The dynamic-tiling grid choice shared by InternVL and DeepSeek-OCR (Gundam mode).

Both split an image into a cols x rows grid of square tiles whose count lies in
[min_tiles, max_tiles], choosing the grid whose aspect ratio (cols / rows) is closest to the
image's. Candidates are visited by increasing tile count; on an exact tie in aspect difference the
later (larger) grid wins only while the image area exceeds half the grid's canvas area, so a small
image is not blown up to many tiles just because a larger grid has the same shape.

This is InternVL's `dynamic_preprocess` rule as implemented by transformers' GotOcr2 image
processor and reused by DeepSeek-OCR. Within one tile count the originals iterate a Python set,
transformers a nested loop; the order only matters for two same-count grids tying on aspect
difference, which never decides the outcome because a grid of a closer aspect ratio always exists
between them (checked over every size up to 4096 x 4096 px for both models' limits).
"""

from __future__ import annotations

from functools import lru_cache


@lru_cache(maxsize=32)
def tile_grids(min_tiles: int, max_tiles: int) -> tuple[tuple[int, int], ...]:
    """Every (cols, rows) with min_tiles <= cols * rows <= max_tiles, by increasing tile count."""
    grids = [
        (cols, rows)
        for cols in range(1, max_tiles + 1)
        for rows in range(1, max_tiles + 1)
        if min_tiles <= cols * rows <= max_tiles
    ]
    return tuple(sorted(grids, key=lambda grid: grid[0] * grid[1]))


def closest_grid(width: int, height: int, tile_size: int, min_tiles: int, max_tiles: int) -> tuple[int, int]:
    """The (cols, rows) grid of `tile_size` tiles that the tiling rule picks for a width x height image."""
    aspect = width / height
    area = width * height
    best_diff = float("inf")
    best = (1, 1)
    for cols, rows in tile_grids(min_tiles, max_tiles):
        diff = abs(aspect - cols / rows)
        if diff < best_diff:
            best_diff, best = diff, (cols, rows)
        elif diff == best_diff and area > 0.5 * tile_size * tile_size * cols * rows:
            best = (cols, rows)
    return best
