"""Import every component module so their factories are registered."""
from . import decisions, extensions, metadata, sections, sentences, tokenizer  # noqa: F401
