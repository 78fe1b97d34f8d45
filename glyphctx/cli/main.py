"""The `glyphctx` command: one verb per job, built from the table below.

Each verb lives in its own module and imports its heavy dependencies (torch, Ray, transformers) only
when it runs, so `glyphctx --help` and `glyphctx compress` start without them.
"""

from __future__ import annotations

from glyphctx.cli.ask import ask
from glyphctx.cli.ask_many import ask_many
from glyphctx.cli.compress import compress
from glyphctx.cli.configs import configs
from glyphctx.cli.eval import eval_app
from glyphctx.cli.group import group
from glyphctx.cli.ingest import ingest
from glyphctx.cli.search import search
from glyphctx.cli.train import train

#: every verb, in the order `glyphctx --help` lists them; `eval` is a group with a table of its own
VERBS = {
    "compress": compress,
    "configs": configs,
    "ingest": ingest,
    "ask": ask,
    "ask-many": ask_many,
    "search": search,
    "train": train,
    "eval": eval_app,
}

app = group("Visual context compression: render long text into dense page images and count what it saves.", VERBS)

if __name__ == "__main__":  # pragma: no cover - `python -m glyphctx.cli.main`
    app(prog_name="glyphctx")
