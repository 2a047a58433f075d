"""Scorers registered with spaCy, so `nlp.evaluate` reports IMR metrics."""

from typing import Any, Callable, Dict, Iterable, Optional

from spacy.scorer import Scorer
from spacy.training import Example
from spacy.util import registry


@registry.scorers("imr.spans_scorer.v1")
def make_spans_scorer(spans_key: str) -> Callable[..., Dict[str, Any]]:
    """P/R/F of the spans in `doc.spans[spans_key]`, overall and per label."""
    return spans_scorer_for(spans_key)


def spans_scorer_for(spans_key: str) -> Callable[..., Dict[str, Any]]:
    def score(examples: Iterable[Example], **kwargs: Any) -> Dict[str, Any]:
        return Scorer.score_spans(
            examples,
            attr=f"spans_{spans_key}",
            getter=lambda doc, attr: doc.spans.get(spans_key, []),
            has_annotation=lambda doc: spans_key in doc.spans,
            allow_overlap=True,
            **kwargs,
        )

    return score


def score_unlabelled_spans(
    examples: Iterable[Example], name: str, spans_key: str, label: Optional[str] = None
) -> Dict[str, Any]:
    """`{name}_p/_r/_f` of the spans in `doc.spans[spans_key]` (only `label`'s, if given)."""

    def getter(doc, attr):
        spans = doc.spans.get(spans_key, [])
        return [s for s in spans if s.label_ == label] if label else list(spans)

    scores = Scorer.score_spans(
        examples, attr=name, getter=getter, has_annotation=lambda doc: spans_key in doc.spans, labeled=False, allow_overlap=True
    )
    return {key: value for key, value in scores.items() if key in (f"{name}_p", f"{name}_r", f"{name}_f")}


def score_span_attribute(
    examples: Iterable[Example],
    spans_key: str,
    extension: str,
    fields: Iterable[str],
    prefix: str,
    labels: Optional[Iterable[str]] = None,
) -> Dict[str, Optional[float]]:
    """Accuracy of attribute fields on predicted spans whose offsets match gold spans."""
    fields = list(fields)
    counts = {field: [0, 0] for field in fields}
    wanted = set(labels) if labels else None
    for example in examples:
        gold = {(s.start_char, s.end_char): s for s in example.reference.spans.get(spans_key, [])}
        for span in example.predicted.spans.get(spans_key, []):
            if wanted is not None and span.label_ not in wanted:
                continue
            reference = gold.get((span.start_char, span.end_char))
            if reference is None:
                continue
            predicted_value = getattr(span._, extension) or {}
            gold_value = getattr(reference._, extension) or {}
            for field in fields:
                counts[field][1] += 1
                counts[field][0] += int(predicted_value.get(field) == gold_value.get(field))
    return {f"{prefix}_{field}_acc": (right / total if total else None) for field, (right, total) in counts.items()}


@registry.scorers("imr.decisions_scorer.v1")
def make_decisions_scorer() -> Callable[..., Dict[str, Any]]:
    """Decision span P/R/F plus outcome and medical-necessity accuracy."""
    return score_decisions


def score_decisions(examples: Iterable[Example], **kwargs: Any) -> Dict[str, Any]:
    examples = list(examples)
    scores = score_unlabelled_spans(examples, "decisions", "imr_decisions")
    scores.update(score_span_attribute(examples, "imr_decisions", "imr_decision", ["outcome", "medically_necessary", "item"], "decision"))
    return scores
