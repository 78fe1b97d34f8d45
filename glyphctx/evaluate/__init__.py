"""Evaluations of trained checkpoints on held-out text (length extrapolation; more to come), each a plain
function with a CLI subcommand under `glyphctx eval`."""
