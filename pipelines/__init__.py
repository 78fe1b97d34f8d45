"""Ray Data jobs over document collections, installed as `glyphctx.pipelines`."""
