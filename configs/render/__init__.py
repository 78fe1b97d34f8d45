"""Render presets: one YAML file per preset name."""
