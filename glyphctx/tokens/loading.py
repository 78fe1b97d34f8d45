"""`load_tokenizer`: turn a tokenizer spec (a name or a local path) into a `TextTokenizer`, offline.

Specs, tried in this order:

* None or "tekken": Tekken v3 (Mistral NeMo / Pixtral, 131,072 ids), the `tekken_240911.json` file
  inside the installed mistral-common package;
* a path to a file: a SentencePiece model (`*.model`, `*.model.v3`, ...), or a `.json` file loaded as
  a Tekken file or a `tokenizers` serialization (whichever its name suggests first, then the other);
* a path to a folder: its `tekken.json`, else its `tokenizer.json`, else transformers' AutoTokenizer
  with `local_files_only=True`;
* the name of another tokenizer file shipped with mistral-common (`tekken_240718.json`,
  `tokenizer.model.v1`, ...).

Nothing is ever downloaded. Loaded tokenizers are cached per canonical spec for the life of the
process (Tekken takes about two seconds to build), and `tok.name` is that canonical spec.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from importlib import resources
from pathlib import Path

from glyphctx.errors import TokenizerError
from glyphctx.tokens.hf_tokenizers import AutoTokenizerTokenizer, TokenizerJsonTokenizer
from glyphctx.tokens.sentencepiece_model import SentencePieceTokenizer
from glyphctx.tokens.tekken import TekkenTokenizer
from glyphctx.tokens.text_tokenizer import TextTokenizer

#: the spec (and `name`) of the default tokenizer
DEFAULT_TOKENIZER = "tekken"
_DEFAULT_TEKKEN_FILE = "tekken_240911.json"
_SENTENCEPIECE_NAME = re.compile(r"\.model(\.v\w+)?$")

_cache: dict[str, TextTokenizer] = {}
_cache_lock = threading.Lock()

Loader = Callable[[str, Path], TextTokenizer]


def load_tokenizer(spec: str | Path | None = None) -> TextTokenizer:
    """The tokenizer named by `spec` (see the module docstring), loaded once per process."""
    if spec is not None and not isinstance(spec, (str, Path)):
        raise TokenizerError(f"tokenizer spec: expected a name or a path, got {type(spec).__name__}")
    name, attempts = _resolve(spec)
    with _cache_lock:
        cached = _cache.get(name)
        if cached is not None:
            return cached
        failures = []
        for loader, path in attempts:
            try:
                tokenizer = loader(name, path)
            except TokenizerError as exc:
                failures.append(str(exc))
                continue
            _cache[name] = tokenizer
            return tokenizer
    raise TokenizerError(f"tokenizer {str(spec)!r}: could not load it; tried " + "; ".join(failures))


def _resolve(spec: str | Path | None) -> tuple[str, list[tuple[Loader, Path]]]:
    """The canonical name of `spec` and the (loader, path) pairs to try for it, in order."""
    if spec is None or str(spec).strip().lower() == DEFAULT_TOKENIZER:
        return DEFAULT_TOKENIZER, [(TekkenTokenizer, _shipped_file(_DEFAULT_TEKKEN_FILE))]
    text = str(spec).strip()
    if not text:
        raise TokenizerError("tokenizer spec: empty string (use None or 'tekken' for the default)")
    path = Path(text).expanduser()
    if path.is_dir():
        return str(path.resolve()), _folder_attempts(path.resolve())
    if path.is_file():
        return str(path.resolve()), _file_attempts(path.resolve())
    shipped = _shipped_names()
    for candidate in (text, text + ".json"):
        if candidate in shipped:
            return candidate, _file_attempts(_shipped_file(candidate))
    raise TokenizerError(
        f"tokenizer {text!r}: not found; tried the built-in name {DEFAULT_TOKENIZER!r}, a local file or folder "
        f"(no such path), and the files shipped with mistral-common ({', '.join(sorted(shipped))})"
    )


def _file_attempts(path: Path) -> list[tuple[Loader, Path]]:
    if _SENTENCEPIECE_NAME.search(path.name):
        return [(SentencePieceTokenizer, path)]
    if path.suffix.lower() == ".json":
        if "tekken" in path.name.lower():
            return [(TekkenTokenizer, path), (TokenizerJsonTokenizer, path)]
        return [(TokenizerJsonTokenizer, path), (TekkenTokenizer, path)]
    raise TokenizerError(
        f"{path}: unknown tokenizer file type; expected a tokenizer.json, a Tekken .json, "
        "a SentencePiece .model file, or a tokenizer folder"
    )


def _folder_attempts(path: Path) -> list[tuple[Loader, Path]]:
    if (path / "tekken.json").is_file():
        return [(TekkenTokenizer, path / "tekken.json")]
    if (path / "tokenizer.json").is_file():
        return [(TokenizerJsonTokenizer, path / "tokenizer.json")]
    if (path / "tokenizer_config.json").is_file() or (path / "config.json").is_file():
        return [(AutoTokenizerTokenizer, path)]
    raise TokenizerError(
        f"{path}: folder holds no tokenizer "
        "(looked for tekken.json, tokenizer.json, tokenizer_config.json, config.json)"
    )


def _mistral_common_data() -> Path:
    try:
        return Path(str(resources.files("mistral_common").joinpath("data")))
    except ModuleNotFoundError as exc:
        raise TokenizerError(
            "the default tokenizer needs the 'mistral-common' package, which is not installed"
        ) from exc


def _shipped_names() -> set[str]:
    folder = _mistral_common_data()
    return {entry.name for entry in folder.iterdir() if entry.is_file()} if folder.is_dir() else set()


def _shipped_file(filename: str) -> Path:
    path = _mistral_common_data() / filename
    if not path.is_file():
        raise TokenizerError(f"{filename}: not found in the installed mistral-common package ({path.parent})")
    return path
