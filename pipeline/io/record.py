"""Turn an annotated Doc into the `imr/1` JSON record (see README)."""
from __future__ import annotations

from bisect import bisect_right
from typing import Any, Dict, List, Optional, Sequence

from spacy.tokens import Doc, Span

from ..about import SCHEMA
from ..components.entities import ENTITIES_KEY, ENTITY_LABELS
from ..components.decisions import DECISIONS_KEY
from ..components.drug_attributes import HEADER_DRUGS_KEY
from ..components.layout import doc_text, span_text

ATTRIBUTE_BY_LABEL = {
    "OUTCOME": "imr_outcome",
    "DRUG": "imr_drug",
    "CITATION": "imr_citation",
    "CRITERION": "imr_criterion",
}
# doc.user_data key of the character offsets where the letter's pages start
# (set for PDF input); entities then carry their 1-based `page`.
PAGE_STARTS_KEY = "imr_page_starts"


def plain(value: Any) -> Any:
    """A JSON value with lists for sequences (DocBin's msgpack gives tuples back)."""
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    return value


def span_offsets(span: Span) -> Dict[str, Any]:
    return {"text": span_text(span), "start": span.start_char, "end": span.end_char}


def page_of(page_starts: Sequence[int], offset: int) -> int:
    """The 1-based page holding character `offset`."""
    return max(1, bisect_right(page_starts, offset))


def entity_record(span: Span, page_starts: Optional[Sequence[int]] = None) -> Dict[str, Any]:
    """`{"label", "text", "start", "end", ...attributes}` for one entity span,
    with its `page` when the letter's page starts are known."""
    record: Dict[str, Any] = {"label": span.label_, **span_offsets(span)}
    if page_starts:
        record["page"] = page_of(page_starts, span.start_char)
    value = getattr(span._, ATTRIBUTE_BY_LABEL[span.label_])
    if isinstance(value, dict):
        record.update({k: plain(v) for k, v in value.items() if k not in record})
    elif value is not None:
        record["value"] = value
    return record


def attribute_record(span: Span) -> Dict[str, Any]:
    """An entity's attributes with its offsets, as listed inside a decision."""
    value = getattr(span._, ATTRIBUTE_BY_LABEL[span.label_]) or {}
    return {**span_offsets(span), **plain(value)}


def inside(span: Span, start: int, end: int) -> bool:
    return span.start_char >= start and span.end_char <= end


def decision_record(decision: Span, entities: List[Span], header_drugs: Optional[set] = None) -> Dict[str, Any]:
    """One decision with the drugs in its header and the citations and criteria in its block.

    header_drugs: (start, end) of the drugs decisions dispute (`doc.spans["imr_header_drugs"]`:
    synonyms and repeated names folded); without it every DRUG in the header is listed.
    """
    info = decision._.imr_decision or {}
    header_end = info.get("header_end", decision.end_char)
    within = [e for e in entities if inside(e, decision.start_char, decision.end_char)]
    return {
        "item": info.get("item"),
        "outcome": info.get("outcome"),
        "medically_necessary": info.get("medically_necessary"),
        "start": decision.start_char,
        "end": decision.end_char,
        "drugs": [
            attribute_record(e)
            for e in within
            if e.label_ == "DRUG" and e.end_char <= header_end and (header_drugs is None or (e.start_char, e.end_char) in header_drugs)
        ],
        "citations": [attribute_record(e) for e in within if e.label_ == "CITATION"],
        "criteria": [attribute_record(e) for e in within if e.label_ == "CRITERION"],
        "cited_none": plain(info.get("cited_none", [])),
    }


def doc_to_record(doc: Doc, doc_id: str, source: Optional[str] = None, **extra: Any) -> Dict[str, Any]:
    """The `imr/1` record of one annotated letter."""
    entities = [s for s in doc.spans.get(ENTITIES_KEY, []) if s.label_ in ENTITY_LABELS]
    header_drugs = {(s.start_char, s.end_char) for s in doc.spans[HEADER_DRUGS_KEY]} if HEADER_DRUGS_KEY in doc.spans else None
    record: Dict[str, Any] = {
        "schema": SCHEMA,
        "id": doc_id,
        "source": source,
        "text_length": len(doc_text(doc)),
        "template": doc._.imr_template,
        "case": plain(doc._.imr_case),
        "reviewer": plain(doc._.imr_reviewer),
        "patient": plain(doc._.imr_patient),
        "decisions": [decision_record(d, entities, header_drugs) for d in doc.spans.get(DECISIONS_KEY, [])],
        "entities": [entity_record(e, doc.user_data.get(PAGE_STARTS_KEY)) for e in entities],
    }
    record.update(extra)
    return record


def error_record(doc_id: str, source: Optional[str], error: str, **extra: Any) -> Dict[str, Any]:
    """The record written for an input that could not be annotated."""
    return {"schema": SCHEMA, "id": doc_id, "source": source, "error": error, "decisions": [], "entities": [], **extra}
