"""Import every component module so their factories are registered."""
from . import citations, criteria, decisions, extensions, metadata, sections, sentences, tokenizer  # noqa: F401
