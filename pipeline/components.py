"""Import every component module so their factories are registered."""
from . import citations, criteria, decisions, drug_attributes, drugs, extensions, metadata, sections, sentences, tokenizer  # noqa: F401
