"""The spaCy components of the IMR pipeline, one module each (a `make_*` factory plus a class).

Importing this package registers every factory, the tokenizer and the scorers
(installed packages register them through entry points instead).
"""
from . import citations, criteria, decisions, drug_attributes, drugs, extensions, metadata, sections, sentences, tokenizer  # noqa: F401
