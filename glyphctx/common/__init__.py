"""What several apps share, below all of them: fidelity metrics, the needle task, the corpus split, the HF VLM loader.

The layout search, training, the reader and the evaluations each use these; keeping them here (and not in
one of those apps) means `glyphctx train` never loads the search, and no two apps import each other.
"""
