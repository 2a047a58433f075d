"""Scorers registered with spaCy, so `nlp.evaluate`, `spacy evaluate` and `spacy train`
report the same figures as `imr evaluate`.

Each component's scorer reports its share of the gold metrics of
`imr.evaluation` (decisions, drug mentions, header drugs, citations, absent
criteria, metadata). The gold is what the reference Doc carries: the gold JSON
of a letter (`doc.user_data["imr_gold"]`, written by `imr make-corpus`), or,
for a silver reference (a Doc annotated by this pipeline, e.g. from
`imr annotate -o X.spacy`), its own annotations read back as gold.
"""
from typing import Any, Callable, Dict, Iterable, Optional, Sequence

from spacy.scorer import Scorer
from spacy.training import Example
from spacy.util import registry

# The metrics each component reports (names as `imr evaluate` prints them).
DECISION_METRICS = ("decisions_p", "decisions_r", "decisions_f", "decision_item_exact_acc", "decision_outcome_acc", "decision_medically_necessary_acc")
DRUG_METRICS = ("drug_mentions_p", "drug_mentions_r", "drug_mentions_f")
DRUG_ATTRIBUTE_METRICS = (
    "decision_drugs_p", "decision_drugs_r", "decision_drugs_f", "drug_header_name_acc", "drug_header_strength_acc",
    "drug_header_quantity_acc", "drug_header_refills_acc", "drug_header_all_acc",
)
CITATION_METRICS = (
    "citations_p", "citations_r", "citations_f", "citation_title_acc", "citation_pages_acc",
    "rationale_pages_p", "rationale_pages_r", "rationale_pages_f", "cited_none_p", "cited_none_r", "cited_none_f",
)
CRITERIA_METRICS = ("absent_criteria_p", "absent_criteria_r", "absent_criteria_f", "criterion_category_acc", "criterion_category_coverage_acc")
METADATA_METRICS = (
    "case_number_acc", "date_assigned_acc", "date_of_injury_acc", "decision_date_acc", "ur_denial_date_acc",
    "application_received_acc", "priority_acc", "reviewer_specialties_acc", "reviewer_licensure_acc",
    "patient_age_acc", "patient_sex_acc",
)


def gold_scorer(metrics: Sequence[str]) -> Callable[..., Dict[str, Any]]:
    """A scorer reporting `metrics` of `imr.evaluation` on the examples (None where no gold has them)."""

    def score(examples: Iterable[Example], **kwargs: Any) -> Dict[str, Any]:
        from ..evaluation.examples import score_examples  # evaluation reads records built from these components

        scores = score_examples(examples)
        return {name: scores.get(name) for name in metrics}

    return score


@registry.scorers("imr.decisions_scorer.v1")
def make_decisions_scorer() -> Callable[..., Dict[str, Any]]:
    """Decisions P/R/F; item, outcome and medical-necessity accuracy."""
    return gold_scorer(DECISION_METRICS)


@registry.scorers("imr.spans_scorer.v1")
def make_spans_scorer(spans_key: str) -> Callable[..., Dict[str, Any]]:
    """P/R/F of the spans in `doc.spans[spans_key]`, overall and per label."""

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


def weights(metrics: Sequence[str], main: str, weight: Optional[float] = 1.0) -> Dict[str, Optional[float]]:
    """`default_score_weights`: the main metric counts, the others are reported only."""
    return {name: (weight if name == main else 0.0) for name in metrics}
