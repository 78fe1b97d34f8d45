"""The options more than one verb takes, defined once: one long name, one short flag, one help text.

A verb annotates a parameter with one of these types and gives its default in its signature, taken
from the default's one home (`DEFAULT_PROFILE`, ...) or None where the library chooses. Short flags
mean one thing in every verb:

    -o --output   -c --config   -p --profile   -t --tokenizer   -f --format   -q --quiet   -w --workers

(`-P --pipeline` in `ask`, `-g --generations` in `search`.) `tests/cli/test_cli_conventions.py`
refuses a short flag that names two different options.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

Output = Annotated[Path, typer.Option("--output", "-o", help="Folder for what the command writes (see above).")]
Corpus = Annotated[list[str], typer.Option(
    "--corpus", help="Text/PDF files or folders (repeat for more); each book's chapters are split into "
    "training and held-out text.")]

# rendering and token accounting
Config = Annotated[str | None, typer.Option(
    "--config", "-c", help="Render preset name or YAML file (default: the `default` preset; see glyphctx configs).")]
Profile = Annotated[str, typer.Option("--profile", "-p", help="VLM whose visual-token rule is counted.")]
Tokenizer = Annotated[str | None, typer.Option(
    "--tokenizer", "-t", help="tokenizer.json / tokenizer folder for text tokens (default: Tekken).")]
ImageFormat = Annotated[str, typer.Option("--format", "-f", help="png, webp, or npz (one NumPy archive).")]

# reading documents
Pages = Annotated[str | None, typer.Option("--pages", help="PDF page range, e.g. 1-10 or 1,3,5-.")]
Password = Annotated[str | None, typer.Option("--password", help="Password for encrypted PDFs.")]

# batches of documents
Force = Annotated[bool, typer.Option("--force", help="Redo documents whose outputs are already complete.")]
Quiet = Annotated[bool, typer.Option("--quiet", "-q", help="Print only the summary line.")]

# Ray
Workers = Annotated[int | None, typer.Option(
    "--workers", "-w", min=1, help="Work in flight, and the CPUs of an embedded Ray (default: all CPUs).")]
Address = Annotated[str | None, typer.Option(
    "--address", help="Ray cluster to join, e.g. ray://head:10001 (default: RAY_ADDRESS, else an embedded local Ray).")]

Concurrency = Annotated[int | None, typer.Option(
    "--concurrency", min=1, help="Work in flight at once: requests to a served model (default 8), or actors of a "
    "local model (default one per GPU, else one).")]

# models
PipelineName = Annotated[str, typer.Option("--pipeline", "-P", help="Pipeline preset name or YAML file.")]
MaxNewTokens = Annotated[int | None, typer.Option("--max-new-tokens", min=1, help="Longest generation, in tokens.")]
Device = Annotated[str | None, typer.Option("--device", help="cpu, cuda, ... (default: CUDA when present).")]
Seed = Annotated[int | None, typer.Option("--seed", help="Seed of the random choices; the same seed repeats a run.")]

# served models (an OpenAI-compatible server: vLLM, SGLang, `transformers serve`)
BaseUrl = Annotated[str | None, typer.Option(
    "--base-url", help="OpenAI-compatible server to ask, e.g. http://127.0.0.1:8000/v1 (replaces the pipeline's "
    "model).")]
ServedModelName = Annotated[str | None, typer.Option(
    "--model", help="Name of the served model, as the server's /v1/models lists it.")]
ApiKeyEnv = Annotated[str | None, typer.Option(
    "--api-key-env", help="Environment variable holding the server's API key (default: the server takes none).")]
ServerTimeout = Annotated[float | None, typer.Option(
    "--timeout", min=0.001, help="Seconds one request to the server may take, the whole answer included "
    "(default: 120).")]
MaxRetries = Annotated[int | None, typer.Option(
    "--max-retries", min=0, help="Further attempts after a refused connection, a timeout, 429 or 5xx, with exponential "
    "backoff (default: 2).")]
