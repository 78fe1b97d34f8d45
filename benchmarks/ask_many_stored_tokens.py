"""What reading a reader's stored visual tokens saves `ask_many`, against rendering and encoding the pages again.

N documents are cut from the shared novels (glyphctx.common.corpus: each a chapter's first --chars
characters, cut at a paragraph break, chapters taken evenly through the books) and ingested twice:
with the reader's encoder (pages in its render config, and their tokens), and with no encoder (pages
only, in the default preset). `ask_many` then asks both collections the same questions, in one process
on one embedded Ray: from the first the reader reads the stored tokens (tokens_from: stored); the
second it must render again its own way and encode (tokens_from: encoded). The answers must be the
same, or the stored tokens are not what the reader would have made; the script fails if they differ.

Times are whole `ask_many` calls. On Ray (the default for a local model) each call starts its actor
pool and loads the reader, as a user's run does, after a first, untimed call has warmed Ray's workers;
that fixed cost is the same for both collections. Each kind of call is made --repeats times, the two
collections in turns, and the fastest counts. The same calls are then made in this process
(executor "threads", one at a time, the reader loaded beforehand), where what is left is reading,
rendering, encoding and generating. Each line also gives the stages: a document's reading (rendering,
for the re-rendered collection) and encoding once, its questions' generations each. Without --reader
an untrained tiny-reader is saved (seeded) and used: the times depend on the reader's size, not on
what it learned.

    python benchmarks/ask_many_stored_tokens.py [--reader runs/tiny-qa] [--documents 12] [--chars 6000]
        [--questions 2] [--max-new-tokens 8] [--workers 2] [--repeats 2] [--keep DIR]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

SHARED_TEXTS = Path(__file__).resolve().parents[1] / ".." / "shared" / "corpus" / "text"
QUESTIONS = ["Who is speaking?", "Where does this take place?", "What happens next?", "Who is the narrator?"]


def make_collection(folder: Path, documents: int, chars: int, texts: Path) -> None:
    """`documents` text files, the first `chars` characters of chapters spread evenly through the books."""
    from glyphctx.common.corpus import load_chapters, sample_text

    chapters = load_chapters([texts])
    if len(chapters) < documents:
        raise SystemExit(f"{texts}: {len(chapters)} chapters, fewer than the {documents} documents asked for")
    step = len(chapters) / documents
    folder.mkdir(parents=True, exist_ok=True)
    for number in range(documents):
        chapter = chapters[int(number * step)]
        text = sample_text([chapter], chars, seed=0)
        (folder / f"{chapter.book}-{chapter.index:03d}.txt").write_text(text, encoding="utf-8")


def untrained_reader(run: Path) -> Path:
    """The tiny-reader preset, seeded and untrained, laid out as `glyphctx train -o RUN` lays out a run."""
    import torch

    from glyphctx.reader import GlyphReader, load_reader_config

    torch.manual_seed(0)
    GlyphReader(load_reader_config("tiny-reader")).eval().save_pretrained(run / "final")
    return run


def timed_ask(pipeline, collection: Path, questions: list[str], output: Path, max_new_tokens: int,
              executor: str = "ray"):
    from glyphctx.pipelines import ask_many

    output.unlink(missing_ok=True)  # a table left by an earlier run would be kept, not asked again
    report = ask_many(pipeline, collection, questions, output, max_new_tokens=max_new_tokens, executor=executor,
                      concurrency=1)
    if report.failed:
        row = report.failed[0]
        raise SystemExit(f"{collection}: {len(report.failed)} failed rows, e.g. {row['document']}: "
                         f"[{row['code']}] {row['reason']}")
    return report


def stages(report) -> str:
    """Reading and encoding once a document (its rows repeat them), generating once a row."""
    documents = {row["document"]: row for row in report.rows}.values()
    read, encode = sum(r["read_s"] for r in documents), sum(r["encode_s"] for r in documents)
    generate = sum(r["generate_s"] for r in report.rows)
    return f"read {read:.2f} s, encode {encode:.2f} s, generate {generate:.2f} s"


def compared(label: str, stored, rendered, repeats: int) -> None:
    """The two runs' answers must be the same; print their times."""
    sources = ({r["tokens_from"] for r in stored.rows}, {r["tokens_from"] for r in rendered.rows})
    if sources != ({"stored"}, {"encoded"}):
        raise SystemExit(f"{label}: tokens came from {sources}, not ({{'stored'}}, {{'encoded'}}): "
                         f"{stored.rows[0]['tokens_note'] or rendered.rows[0]['tokens_note']}")
    answers = [(r["document"], r["question"], r["answer"]) for r in stored.rows]
    again = [(r["document"], r["question"], r["answer"]) for r in rendered.rows]
    if answers != again:
        differing = [(a, b) for a, b in zip(answers, again) if a != b]
        raise SystemExit(f"{label}: {len(differing)} answers differ between stored and re-rendered tokens, "
                         f"e.g. {differing[0]}")
    print(f"{label}: answers identical, {len(answers)} of {len(answers)}; stored: {stages(stored)}; "
          f"re-rendered: {stages(rendered)}")
    print(f"{label}: ask_many stored tokens: {stored.seconds:.2f} s, re-rendered: {rendered.seconds:.2f} s, "
          f"ratio {rendered.seconds / stored.seconds:.2f} (fastest of {repeats})")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reader", type=Path, help="a reader run or checkpoint folder (default: an untrained "
                        "tiny-reader, saved in the work folder)")
    parser.add_argument("--documents", type=int, default=12)
    parser.add_argument("--chars", type=int, default=6000, help="characters of each document")
    parser.add_argument("--questions", type=int, default=2, choices=range(1, len(QUESTIONS) + 1))
    parser.add_argument("--max-new-tokens", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2, help="CPUs of the embedded Ray")
    parser.add_argument("--repeats", type=int, default=2, help="timed calls of each kind; the fastest counts")
    parser.add_argument("--texts", type=Path, default=SHARED_TEXTS, help="books to cut the documents from")
    parser.add_argument("--keep", type=Path, help="work in this folder and keep it")
    args = parser.parse_args(argv)

    from glyphctx.answering import Pipeline, PipelineConfig
    from glyphctx.pipelines import ingest
    from glyphctx.pipelines.ray_runtime import start_ray

    work = args.keep or Path(tempfile.mkdtemp(prefix="ask-many-stored-"))
    reader = args.reader or untrained_reader(work / "tiny-reader")
    corpus = work / "collection"
    make_collection(corpus, args.documents, args.chars, args.texts)
    questions = QUESTIONS[:args.questions]
    handle = start_ray(num_cpus=args.workers)  # one Ray for every job below: none of them pays its start
    try:
        with_tokens = ingest([corpus], work / "stored", encoder=reader, workers=args.workers)
        pages_only = ingest([corpus], work / "pages-only", encode=False, workers=args.workers)
        for report in (with_tokens, pages_only):
            if report.failed:
                raise SystemExit(f"ingest: {len(report.failed)} documents failed: {report.failed[0]['reason']}")
        totals = with_tokens.totals
        print(f"collection: {args.documents} documents of {args.chars:,} characters from {args.texts.resolve()}, "
              f"{totals['pages']:,} pages and {totals['visual_tokens']:,} visual tokens in the reader's render "
              f"config; {len(questions)} questions, {args.max_new_tokens} new tokens; reader {reader}", flush=True)
        pipeline = Pipeline(PipelineConfig(model=str(reader)))
        runs = {}
        for executor in ("ray", "threads"):
            if executor == "ray":  # Ray's workers warm, their imports done
                timed_ask(pipeline, work / "stored", questions[:1], work / "warm-up.parquet", 1)
            else:
                pipeline.model  # loaded once, before either timed call
            best = {}
            for repeat in range(args.repeats):  # in turns, so neither collection always goes first
                for name in ("stored", "pages-only")[::1 if repeat % 2 == 0 else -1]:
                    report = timed_ask(pipeline, work / name, questions, work / f"answers-{name}-{executor}.parquet",
                                       args.max_new_tokens, executor)
                    if name not in best or report.seconds < best[name].seconds:
                        best[name] = report
            runs[executor] = [best["stored"], best["pages-only"]]
    finally:
        handle.shutdown()
    print(f"re-rendered because: {runs['ray'][1].rows[0]['tokens_note']}")
    compared("on Ray, one actor", *runs["ray"], args.repeats)
    compared("in this process", *runs["threads"], args.repeats)
    return 0


if __name__ == "__main__":
    sys.exit(main())
