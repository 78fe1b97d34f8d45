"""Page reader presets: one YAML file per preset name."""
