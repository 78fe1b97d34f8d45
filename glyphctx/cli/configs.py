"""`glyphctx configs`: what can be chosen with --config, --profile and a config's `font:`."""

from __future__ import annotations

import json

import typer
from rich.table import Table

from glyphctx.cli.console import out, reports_errors


@reports_errors
def configs(
    name: str | None = typer.Argument(None, help="A preset to show in full."),
    fonts: bool = typer.Option(False, "--fonts", help="List the shipped font families."),
    profiles: bool = typer.Option(False, "--profiles", help="List the VLM visual-token profiles."),
) -> None:
    """List render presets (or show one, with what each setting means)."""
    from glyphctx.render.config import field_help
    from glyphctx.render.fonts import FAMILIES
    from glyphctx.render.presets import load_preset, preset_description, preset_names

    if fonts:
        for family, filename in FAMILIES.items():
            out.print(f"{family:24} {filename}", highlight=False)
        return
    if profiles:
        from glyphctx.tokens import PROFILE_NAMES, get_profile

        for profile_name in PROFILE_NAMES:
            out.print(f"{profile_name:20} {get_profile(profile_name).describe()}", highlight=False)
        return
    if name is None:
        table = Table(show_header=True)
        table.add_column("preset")
        table.add_column("description")
        for preset in preset_names():
            table.add_row(preset, preset_description(preset))
        out.print(table)
        return
    config = load_preset(name)
    helps = field_help()
    for key, value in config.to_dict().items():  # JSON scalars and lists are valid YAML
        out.print(f"{key}: {json.dumps(value):<24} # {helps.get(key, '')}", highlight=False, markup=False,
                  soft_wrap=True)
