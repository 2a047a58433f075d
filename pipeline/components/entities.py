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
    doc.ents = best_entities(group)


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
