"""`ingest`: a document collection -> per-document outputs, visual tokens and one Parquet index, on Ray Data.

    plan (driver) -> from_items -> map(process_document)  CPU tasks: size/resume checks, then extract,
                                                          normalise, render, count, write, in a
                                                          killable child under a time limit
                                  -> map_batches(EncodePages)  actor pool, one encoder per actor,
                                                          num_gpus=1 each where GPUs exist
                  -> iter_rows (driver): progress, then index.parquet

The encoder stage runs only with trained weights (a reader run's encoder, or an encoder weights file):
the token files it writes carry the encoder's identity, and `ask_many` reads them in place of encoding
the pages again when the reader it runs has the same one.

Rows carry paths and counts only; pages travel through the file system, so the object store can
stay small. Documents are listed by the driver rather than read with `read_binary_files`: the size
limit must hold before a file's bytes are read, and output names must match `glyphctx compress`.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from glyphctx.compress_many import plan
from glyphctx.errors import ConfigError, OutputError, SourceError
from glyphctx.io.images import IMAGE_FORMATS
from glyphctx.pipelines.index import normalised, totals, write_index
from glyphctx.pipelines.settings import DEFAULT_MAX_BYTES, DEFAULT_TIMEOUT, INDEX_FILE, IngestSettings
from glyphctx.render.presets import resolve_config
from glyphctx.tokens import DEFAULT_PROFILE

Row = dict[str, Any]

#: what the summary says when no tokens are written
PAGES_ONLY_NO_WEIGHTS = "pages only: no encoder weights given"
PAGES_ONLY_NO_ENCODE = "pages only: encoding switched off"

#: documents go to the workers in blocks, one Ray task each. Each block handed out costs a scheduling round
#: trip through the driver (a tenth of a second or more on a small, busy machine), so blocks are large; two
#: per worker still let a worker that finishes early take over work
BLOCKS_PER_WORKER = 2
MAX_BLOCK_DOCUMENTS = 64


@dataclass
class IngestReport:
    """What a run did: one row per document (the index's rows), totals, and where the index is."""

    rows: list[Row]
    index: Path
    seconds: float  # the whole call, Ray start-up included
    startup_seconds: float  # starting (or joining) Ray
    cpus: float = 0.0
    gpus: float = 0.0
    totals: dict[str, Any] = field(default_factory=dict)
    encoder: str = ""  # the trained weights encoded with; "" when only pages were written
    pages_only: str = ""  # why no visual tokens were written ("" when they were)

    @property
    def failed(self) -> list[Row]:
        return [row for row in self.rows if row["status"] == "failed"]


def _settings(output: Path, config, profile: str, tokenizer: str | None, image_format: str, timeout: float,
              max_bytes: int, encode: bool, encoder, encoder_weights, force: bool) -> tuple[IngestSettings, str]:
    """Every setting checked and resolved before a single document is touched; and why pages are not encoded."""
    from glyphctx.encode import resolve_encoder
    from glyphctx.tokens import get_profile, load_tokenizer

    if image_format not in IMAGE_FORMATS:
        raise OutputError(f"unknown image format {image_format!r}; choose one of {', '.join(IMAGE_FORMATS)}")
    if not (isinstance(timeout, (int, float)) and timeout > 0):
        raise ConfigError(f"timeout must be a positive number of seconds, got {timeout!r}")
    if isinstance(max_bytes, bool) or not isinstance(max_bytes, int) or max_bytes <= 0:
        raise ConfigError(f"max_bytes must be a positive integer, got {max_bytes!r}")
    source = None
    if encoder is not None or encoder_weights is not None:
        source = resolve_encoder(encoder, encoder_weights)
    render_config = _render_config(config, source)
    visual = get_profile(profile)
    tokenizer_name = load_tokenizer(tokenizer).name
    pages_only = ""
    if source is None:
        pages_only = PAGES_ONLY_NO_WEIGHTS if encode else PAGES_ONLY_NO_ENCODE
    elif not encode:
        source, pages_only = None, PAGES_ONLY_NO_ENCODE
    settings = IngestSettings(
        output=str(output), config=render_config, profile=visual.name, tokenizer=tokenizer,
        tokenizer_name=tokenizer_name, image_format=image_format, timeout=float(timeout), max_bytes=max_bytes,
        encoder=source, force=force,
    )
    return settings, pages_only


def _render_config(config, source):
    """The pages' render config: a reader's own when its encoder encodes them (it reads no other pages)."""
    if source is None or source.render is None:
        return resolve_config(config)
    if config is None:
        return source.render
    chosen = resolve_config(config)
    if chosen.digest() != source.render.digest():
        raise ConfigError(f"render config {config} ({chosen.digest()}) is not the one the reader {source.label} was "
                          f"trained on ({source.render.digest()}), and its encoder reads only those pages; leave "
                          "the render config out to render the reader's way")
    return chosen


def _planned_rows(inputs: Sequence[str | os.PathLike]) -> list[Row]:
    rows = []
    for order, (source, name, error) in enumerate(plan(inputs)):
        code, reason = "", ""
        if source == "-":
            code, reason = "unsupported", "standard input cannot be ingested; save it to a file first"
        elif isinstance(error, SourceError):
            code, reason = error.code, error.reason
        elif error is not None:
            code, reason = "error", str(error)
        rows.append({"order": order, "source": str(source), "name": name, "error_code": code,
                     "error_reason": reason})
    return rows


def ingest(
    inputs: Sequence[str | os.PathLike] | str | os.PathLike,
    output: str | os.PathLike,
    *,
    config=None,
    profile: str = DEFAULT_PROFILE,
    tokenizer: str | None = None,
    image_format: str = "png",
    encode: bool = True,
    encoder: str | os.PathLike | None = None,
    encoder_weights: str | os.PathLike | None = None,
    address: str | None = None,
    workers: int | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    max_bytes: int = DEFAULT_MAX_BYTES,
    force: bool = False,
    on_planned: Callable[[int], None] | None = None,
    on_done: Callable[[Row], None] | None = None,
) -> IngestReport:
    """Ingest every document under `inputs` into `output/<name>/` plus `output/index.parquet`.

    Each document's folder holds what `glyphctx compress` writes (pages, text, manifest) and, when
    trained weights are named, `visual_tokens.safetensors`. `encoder` is a reader run or checkpoint
    folder (its encoder's weights; the pages are then drawn with the reader's render config, which
    `config` may only repeat), an encoder weights file, or a preset / YAML naming the architecture of
    the `encoder_weights` file. With no weights, or `encode=False`, only pages are written
    (`IngestReport.pages_only` says why): tokens of a random encoder would mean nothing to any model.
    Documents already complete for the same bytes and settings are skipped. A failing, oversized
    (`max_bytes`) or slow (`timeout` seconds) document becomes a failed row with its reason; the job goes
    on. `workers` caps the documents in flight (and sizes an embedded Ray); `address` / RAY_ADDRESS joins
    a cluster.
    """
    started = time.perf_counter()
    if isinstance(inputs, (str, os.PathLike)):
        inputs = [inputs]
    if workers is not None and (isinstance(workers, bool) or not isinstance(workers, int) or workers < 1):
        raise ConfigError(f"workers must be a positive integer, got {workers!r}")
    output = Path(output).expanduser()
    settings, pages_only = _settings(output, config, profile, tokenizer, image_format, timeout, max_bytes, encode,
                                     encoder, encoder_weights, force)
    planned = _planned_rows(inputs)
    try:
        output.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"{output}: cannot create the output folder ({exc.strerror or exc})") from None
    if on_planned:
        on_planned(len(planned))

    rows: list[Row] = []
    startup = 0.0
    cpus = gpus = 0.0
    if planned:
        from glyphctx.pipelines.ray_runtime import start_ray

        startup_began = time.perf_counter()
        handle = start_ray(address, num_cpus=workers)
        startup = time.perf_counter() - startup_began
        cpus, gpus = handle.cpus, handle.gpus
        try:
            for row in _dataset(planned, settings, workers, cpus, gpus).iter_rows():
                row = normalised(row)
                rows.append(row)
                if on_done:
                    on_done(row)
        finally:
            handle.shutdown()
    index = output / INDEX_FILE
    write_index(rows, index)
    rows.sort(key=lambda r: r["order"])
    return IngestReport(rows=rows, index=index, seconds=time.perf_counter() - started, startup_seconds=startup,
                        cpus=cpus, gpus=gpus, totals=totals(rows),
                        encoder=settings.encoder.label if settings.encoder else "", pages_only=pages_only)


def _dataset(planned: list[Row], settings: IngestSettings, workers: int | None, cpus: float, gpus: float):
    import ray.data

    from glyphctx.pipelines.document_stage import process_documents

    small = cpus < 2  # one CPU has to be shared by the document tasks and a CPU encoder
    task_cpus = 0.5 if small and settings.encode and not gpus else 1
    per_block = min(MAX_BLOCK_DOCUMENTS, max(1, len(planned) // (BLOCKS_PER_WORKER * max(1, workers or int(cpus)))))
    dataset = ray.data.from_items(planned, override_num_blocks=-(-len(planned) // per_block))
    # Ray Data holds back part of the CPUs for each operator by default; with one heavy operator on a
    # small machine that leaves workers idle between blocks (1.2x instead of 1.6x on 2 CPUs)
    dataset.context.op_resource_reservation_enabled = False
    dataset = dataset.map_batches(process_documents, fn_kwargs={"settings": settings}, batch_size=None,
                                  batch_format="pandas", num_cpus=task_cpus,
                                  # a pool sized above one is never fused into the encoder's one-actor
                                  # pool, which would leave a single process doing every document
                                  compute=ray.data.TaskPoolStrategy(size=workers or max(1, int(cpus))))
    if settings.encode:
        from glyphctx.pipelines.encode_stage import EncodePages

        if gpus:
            resources = {"num_gpus": 1, "num_cpus": 1 if not small else 0.5}
            actors, threads = max(1, int(gpus)), None
        else:  # one CPU encoder with a quarter of the CPUs, as many torch threads as CPUs it holds
            resources = {"num_cpus": 0.5 if small else max(1, int(cpus) // 4)}
            actors, threads = 1, max(1, int(resources["num_cpus"]))
        dataset = dataset.map_batches(
            EncodePages, fn_constructor_kwargs={"settings": settings, "threads": threads},
            batch_size=1, batch_format="pandas", compute=ray.data.ActorPoolStrategy(size=actors),
            **resources,
        )
    return dataset
