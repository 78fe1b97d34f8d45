"""How fast glyphctx renders text into pages, against two other ways of rendering the same pages.

Renders one text with one `RenderConfig` three ways and prints characters per second for each:
glyphctx's own renderer, Glyph's reportlab -> PDF -> pdf2image route, and a plain Pillow
`ImageDraw.text`-per-line renderer. Every method returns its pages as uint8 arrays in memory
(the timing covers layout and rasterising, not writing files), all run on one core, and each is
warmed up once first so font loading is not timed. glyphctx's word cache is emptied before each
timed run, so every run measures and draws every word of the text anew. The page counts are printed side by side as a
check that the three really laid out the same text; the exit status is 2 when they differ.

    python benchmarks/render_speed.py [--text PATH] [--config NAME] [--repeat N] [--limit-chars N] [--cpu N]
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from baselines.pillow_draw import render_pillow_lines  # noqa: E402
from baselines.reportlab_pdf2image import render_reportlab  # noqa: E402

from glyphctx.errors import GlyphctxError, UnreadablePathError  # noqa: E402
from glyphctx.normalise import normalise_text  # noqa: E402
from glyphctx.render import (  # noqa: E402
    forget_words,
    native,  # noqa: E402
    render_text,
)
from glyphctx.render.config import RenderConfig  # noqa: E402

DEFAULT_TEXT = Path(__file__).resolve().parents[1] / ".." / "shared" / "corpus" / "text" / "pride-and-prejudice.txt"
WARM_UP_CHARS = 4000
PAGE_COUNT_TOLERANCE = 0.05
"""Page counts within this fraction of glyphctx's (or of each other's) count as the same layout."""

Renderer = Callable[[str, RenderConfig], list[np.ndarray]]


@dataclass
class Timing:
    method: str
    chars: int
    pages: int
    seconds: float  # CPU seconds of this process and the processes it started (pdftoppm)
    wall: float

    @property
    def chars_per_second(self) -> float:
        return self.chars / self.seconds


def cpu_seconds() -> float:
    """CPU time used so far by this process and its finished children.

    CPU time, unlike wall time, does not count the time other jobs on a shared machine take the core
    away, so ratios between methods stay stable under load. Every method runs on one thread.
    """
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def limit_to_one_core(cpu: int | None) -> str:
    """One thread everywhere; with `cpu`, also pin this process and the poppler processes it starts to that CPU.

    Pinning is opt-in: on a shared machine a fixed CPU may be the busy one, while a single-threaded
    process left to the scheduler runs on whichever core is free.
    """
    for variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "OMP_THREAD_LIMIT"):
        os.environ[variable] = "1"  # for thread pools started from here on, and for child processes
    if "torch" in sys.modules:  # imported later, torch reads OMP_NUM_THREADS instead
        sys.modules["torch"].set_num_threads(1)
    if cpu is None:
        return "1 thread"
    if not hasattr(os, "sched_setaffinity"):
        raise GlyphctxError("--cpu: this platform cannot pin a process to a CPU")
    if cpu not in os.sched_getaffinity(0):
        raise GlyphctxError(f"--cpu {cpu}: not one of this process's CPUs {sorted(os.sched_getaffinity(0))}")
    os.sched_setaffinity(0, {cpu})
    return f"1 thread pinned to cpu {cpu}"


def read_text(path: Path) -> str:
    """The file's text: UTF-8 when it decodes as such, else Windows-1252 (old Gutenberg files), else a guess."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise UnreadablePathError(path, exc.strerror or str(exc)) from None
    for encoding in ("utf-8", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None:
        raise UnreadablePathError(path, "not text in any encoding that could be recognised")
    return str(best)


def normalise(text: str) -> str:
    """The text as glyphctx lays it out (reflowed paragraphs), so every method gets the same input."""
    return normalise_text(text, reflow=True)


def glyphctx_render(text: str, config: RenderConfig) -> list[np.ndarray]:
    return [page.image for page in render_text(text, config).pages]


def time_method(name: str, render: Renderer, text: str, config: RenderConfig, repeat: int,
                before_each: Callable[[], None] = lambda: None) -> Timing:
    """Best CPU time (and best wall time) of `repeat` runs, after one untimed warm-up on the start of the text.

    `before_each` runs, untimed, before every timed run.
    """
    render(text[:WARM_UP_CHARS], config)
    best = best_wall = float("inf")
    pages: list[np.ndarray] = []
    for _ in range(repeat):
        pages = []  # drop the previous run's pages before the next run allocates its own
        before_each()
        start, start_wall = cpu_seconds(), time.perf_counter()
        pages = render(text, config)
        best = min(best, cpu_seconds() - start)
        best_wall = min(best_wall, time.perf_counter() - start_wall)
    check_pages(name, pages)
    return Timing(name, len(text), len(pages), best, best_wall)


def check_pages(name: str, pages: list[np.ndarray]) -> None:
    if not pages:
        raise GlyphctxError(f"{name}: rendered no pages")
    for index, page in enumerate(pages):
        if not isinstance(page, np.ndarray) or page.dtype != np.uint8 or page.ndim not in (2, 3):
            raise GlyphctxError(f"{name}: page {index} is not a uint8 image array")


def pages_agree(timings: list[Timing]) -> bool:
    counts = [t.pages for t in timings]
    return max(counts) - min(counts) <= max(1, PAGE_COUNT_TOLERANCE * min(counts))


def format_table(timings: list[Timing], reference: Timing | None) -> str:
    header = f"{'method':<22}{'chars':>10}{'pages':>8}{'cpu s':>9}{'wall s':>9}{'chars/cpu s':>13}{'ratio':>8}"
    rows = [header, "-" * len(header)]
    for t in timings:
        ratio = f"{reference.chars_per_second / t.chars_per_second:.2f}" if reference else "-"
        rows.append(
            f"{t.method:<22}{t.chars:>10}{t.pages:>8}{t.seconds:>9.3f}{t.wall:>9.3f}{t.chars_per_second:>13,.0f}{ratio:>8}"
        )
    return "\n".join(rows)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--text", type=Path, default=DEFAULT_TEXT, help="text file to render (default: %(default)s)")
    parser.add_argument("--config", default="glyph-like", help="render preset name or YAML path (default: %(default)s)")
    parser.add_argument("--repeat", type=int, default=3,
                        help="timed runs per method; the best, the one least disturbed by other load, is kept "
                             "(default: %(default)s)")
    parser.add_argument("--limit-chars", type=int, default=None, help="render only the first N characters")
    parser.add_argument("--cpu", type=int, default=None, help="pin the run to this CPU (default: not pinned)")
    args = parser.parse_args(argv)
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    if args.limit_chars is not None and args.limit_chars < 1:
        parser.error("--limit-chars must be at least 1")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        pinned = limit_to_one_core(args.cpu)
        config = RenderConfig.load(args.config)
        text = normalise(read_text(args.text))[: args.limit_chars]
        # every glyphctx run starts from cold: no word of the text measured or drawn yet
        methods: list[tuple[str, Renderer, Callable[[], None]]] = [
            ("glyphctx", glyphctx_render, forget_words),
            ("reportlab+pdf2image", render_reportlab, lambda: None),
            ("pillow ImageDraw", render_pillow_lines, lambda: None),
        ]
        print(
            f"text: {args.text} ({len(text):,} chars, normalised and reflowed), config: {args.config}, "
            f"dpi {config.dpi:g}, page {config.page_size_px[0]}x{config.page_size_px[1]} px, "
            f"{pinned}, best of {args.repeat}"
        )
        print("glyphctx inner loops: " + ("compiled (glyphctx/render/_blit.c)" if native.blit is not None
                                          else "NumPy (the C extension is not built: expect slower figures)"))
        timings = [time_method(name, render, text, config, args.repeat, reset) for name, render, reset in methods]
    except GlyphctxError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(format_table(timings, timings[0]))
    print("ratio = glyphctx chars per CPU second / method chars per CPU second (pdftoppm's CPU time included)")
    agree = pages_agree(timings)
    verdict = "similar" if agree else "DIFFERENT: the methods did not lay out the same text alike"
    print("page counts: " + ", ".join(f"{t.method} {t.pages}" for t in timings) + f" -> {verdict}")
    return 0 if agree else 2


if __name__ == "__main__":
    sys.exit(main())
