"""The exit statuses of every `glyphctx` verb, in one place so scripts can rely on them.

====  ==========================================================================================
0     success
1     the job ran, but some documents or rows failed (each is listed with its reason)
2     bad usage, or a GlyphctxError before or instead of the work (bad config, missing file or
      model, a document that does not fit); typer's own usage errors exit 2 as well
130   interrupted (Ctrl-C); rerunning the same compress, ingest, search or train command resumes
====  ==========================================================================================
"""

SOME_FAILED = 1
USAGE = 2
INTERRUPTED = 130
