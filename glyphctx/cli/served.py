"""The served-model options (--base-url, --model, ...) applied to a pipeline, for every verb that asks one.

`ask` and `ask-many` take the same options (defined in `glyphctx.cli.options`) and must read them the
same way: a pipeline whose model is a folder is switched to the server only when both --base-url and
--model are given, so a lone --model cannot quietly ask the folder's model under another name.
"""

from __future__ import annotations

from glyphctx.cli.console import fail


def served_config(config, *, base_url: str | None, model: str | None, api_key_env: str | None,
                  timeout: float | None, max_retries: int | None):
    """The pipeline with its model replaced or adjusted by the command line's server options.

    A pipeline whose model is a folder needs --base-url and --model together; one that already names a
    served model takes any of them as a change to its mapping.
    """
    from glyphctx.answering.config import ServedModel

    given = {"base_url": base_url, "model": model, "api_key_env": api_key_env, "timeout": timeout,
             "max_retries": max_retries}
    given = {key: value for key, value in given.items() if value is not None}
    if not given:
        return config
    served = config.served
    if served is None and not {"base_url", "model"} <= set(given):
        fail("--base-url and --model go together: give both to ask a served model "
             f"(the pipeline's model is the folder {config.model})")
    current = {"backend": "openai"} if served is None else {
        "backend": served.backend, "base_url": served.base_url, "model": served.model,
        "api_key_env": served.api_key_env, "timeout": served.timeout, "max_retries": served.max_retries,
        "max_context": served.max_context}
    return config.replace(model=ServedModel.from_dict({**current, **given}, origin="the command line"))
