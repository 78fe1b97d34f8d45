"""Vision encoder presets: one YAML file per preset name."""
