"""GlyphLM model presets: one YAML file per preset name."""
