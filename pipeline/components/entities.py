"""The shared store of entity spans: `doc.spans["imr"]` and `doc.ents`.

Every component adds its labelled spans (OUTCOME, DRUG, CITATION, CRITERION,
and attribute spans such as STRENGTH or PAGES) to the span group `imr`, where
spans may overlap. `doc.ents` is rebuilt from the entity labels of that group
as the best non-overlapping subset, for NER training.
"""
from __future__ import annotations

from typing import Iterable, List

from spacy.tokens import Doc, Span

ENTITIES_KEY = "imr"
ENTITY_LABELS = ("OUTCOME", "DRUG", "CITATION", "CRITERION")
# Lower rank wins an overlap in doc.ents.
ENT_PRIORITY = {"OUTCOME": 0, "DRUG": 1, "CITATION": 2, "CRITERION": 3}


def add_entities(doc: Doc, spans: Iterable[Span], labels: Iterable[str] = ()) -> None:
    """Replace the spans with `labels` in `doc.spans["imr"]` by `spans`; rebuild ents."""
    replaced = set(labels)
    kept = [s for s in doc.spans.get(ENTITIES_KEY, []) if s.label_ not in replaced]
    group = sorted(kept + list(spans), key=lambda s: (s.start, -s.end, s.label_))
    doc.spans[ENTITIES_KEY] = group
    set_entities(doc, best_entities(group))


def set_entities(doc: Doc, chosen: List[Span]) -> None:
    """`doc.ents = chosen`, rewriting only the tokens whose entity changes.

    `doc.ents = ...` resets every token outside the entities (a Python loop over the
    whole Doc, five times a letter); once the Doc has entity annotation, only the
    tokens of entities that are gone are reset. The resulting token annotation is
    the same (tests/test_entities.py compares it with a full rewrite at every step)."""
    if not doc.has_annotation("ENT_IOB"):
        doc.ents = chosen
        return
    current = doc.ents
    if [(s.start, s.end, s.label) for s in current] == [(s.start, s.end, s.label) for s in chosen]:
        return
    covered = {i for span in chosen for i in range(span.start, span.end)}
    gone = sorted({i for span in current for i in range(span.start, span.end)} - covered)
    runs: List[Span] = []
    for i in gone:  # the tokens of entities that are gone, as runs of adjacent tokens
        if runs and runs[-1].end == i:
            runs[-1] = doc[runs[-1].start : i + 1]
        else:
            runs.append(doc[i : i + 1])
    doc.set_ents(chosen, outside=runs, default="unmodified")


def best_entities(spans: Iterable[Span]) -> List[Span]:
    """Non-overlapping entities: higher-priority labels first, then longer spans."""
    candidates = [s for s in spans if s.label_ in ENT_PRIORITY]
    ranked = sorted(candidates, key=lambda s: (ENT_PRIORITY[s.label_], -(s.end - s.start), s.start))
    chosen: List[Span] = []
    taken = set()
    for span in ranked:
        tokens = range(span.start, span.end)
        if any(i in taken for i in tokens):
            continue
        chosen.append(span)
        taken.update(tokens)
    return sorted(chosen, key=lambda s: s.start)
