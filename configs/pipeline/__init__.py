"""Pipeline presets: one YAML file per pipeline name (a model plus how pages are made and counted)."""
