"""Import every component module so their factories are registered."""
from . import decisions, drug_attributes, drugs, extensions, sections, sentences, tokenizer  # noqa: F401
