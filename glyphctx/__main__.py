from glyphctx.cli.main import app

app()
