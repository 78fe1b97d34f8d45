"""Training presets: one YAML file per preset name (task, task options, trainer settings)."""
