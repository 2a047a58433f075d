"""Custom extension attributes, all prefixed `imr_` and holding JSON-able values.

Span attributes are stored by spaCy in `doc.user_data`, keyed by the span's
character offsets, so they survive `DocBin` (with `store_user_data=True`)
and `nlp.pipe(n_process=...)`.
"""
from __future__ import annotations

from spacy.tokens import Doc, Span

SPAN_ATTRIBUTES = ("imr_decision", "imr_outcome", "imr_drug", "imr_citation", "imr_criterion")
DOC_ATTRIBUTES = ("imr_case", "imr_reviewer", "imr_patient", "imr_template")


def register_extensions() -> None:
    """Register the `imr_*` attributes (idempotent)."""
    for name in SPAN_ATTRIBUTES:
        if not Span.has_extension(name):
            Span.set_extension(name, default=None)
    for name in DOC_ATTRIBUTES:
        if not Doc.has_extension(name):
            Doc.set_extension(name, default=None)


register_extensions()
