"""Fidelity oracles by name: `make_oracle("tesseract")`, `make_oracle("hf", path=...)`,
`make_oracle("reader", path=...)`, `make_oracle("openai", base_url=..., model=...)`."""

from __future__ import annotations

from typing import Any

from glyphctx.search.errors import OracleError
from glyphctx.search.oracles.base import Oracle

ORACLE_NAMES = ("tesseract", "hf", "reader", "openai")


def make_oracle(name: str, **options: Any) -> Oracle:
    """The oracle called `name`, built with its keyword options (see each oracle's class)."""
    if name == "tesseract":
        from glyphctx.search.oracles.tesseract import TesseractOracle

        factory: Any = TesseractOracle
    elif name == "hf":
        from glyphctx.search.oracles.hf import HFOracle

        factory = HFOracle
        if "path" not in options:
            raise OracleError("hf: give the model directory as the oracle's path (e.g. --oracle-path DIR)")
    elif name == "reader":
        from glyphctx.search.oracles.reader import ReaderOracle

        factory = ReaderOracle
        if "path" not in options:
            raise OracleError("reader: give the checkpoint (or `glyphctx train` run folder) as the oracle's path "
                              "(e.g. --oracle-path runs/tiny-reader)")
    elif name == "openai":
        from glyphctx.search.oracles.openai import OpenAIOracle

        factory = OpenAIOracle
        missing = [key for key in ("base_url", "model") if not options.get(key)]
        if missing:
            raise OracleError(f"openai: give the server and the served model (--base-url URL --model NAME); "
                              f"missing: {', '.join(missing)}")
    else:
        raise OracleError(f"unknown oracle {name!r}; oracles: {', '.join(ORACLE_NAMES)}")
    try:
        return factory(**options)
    except TypeError as exc:
        raise OracleError(f"{name}: bad oracle option ({exc})") from None


__all__ = ["ORACLE_NAMES", "Oracle", "make_oracle"]
