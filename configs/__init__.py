"""Named presets as YAML data: render configs under render/."""
