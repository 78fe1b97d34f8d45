"""The words glyphctx puts to a model, in one place, so every route asks the same question the same way.

The answering pipeline, the request export of `glyphctx compress --to openai-jsonl` and the oracles
that read pages back all use these; a served model and a local one then see the same prompt, and an
exported request is what `glyphctx ask` would send.
"""

QUESTION_PLACEHOLDER = "{question}"

#: how a question about a document is put to the model; `{question}` is replaced
QUESTION_PROMPT = "Answer the question about the document in one short phrase.\nQuestion: {question}"

#: what an oracle asks of each page: its text, nothing else, so the reply can be scored against the source
TRANSCRIBE_PROMPT = "Transcribe all the text in this image exactly, in reading order. Output only the text."
