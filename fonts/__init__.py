"""Open fonts shipped with glyphctx, each beside its licence (see README.md here)."""
