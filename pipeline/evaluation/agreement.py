"""Two gold annotations of the same letters scored against each other (`imr agreement`).

A second annotator's files follow `annotation-guide.md` like the first's, but may
fill only some fields (e.g. each decision's item, outcome, medically_necessary and
negated_criteria). The second annotation is turned into an `imr/1`-shaped record
(`gold_to_record`) and scored with `imr evaluate`'s own scorers against the first,
restricted to the fields both annotated (`shared_fields`), on the letters both
annotated. The figures are the human ceiling the pipeline's scores sit under.
`disagreements` lists what the two annotations do not share, for adjudication.
"""
from typing import Any, Dict, List, Tuple

from ..components.layout import collapse
from .criteria import match_criteria
from .evaluate import align, evaluate_letters
from .metrics import Evaluation

LETTER_FIELDS = ("case", "reviewer", "patient", "drug_mentions")
DECISION_FIELDS = ("drugs", "citations", "cited_none", "rationale_pages", "negated_criteria", "criteria_categories")


def gold_to_record(gold: Dict[str, Any]) -> Dict[str, Any]:
    """A gold letter in the `imr/1` record shape `imr evaluate` scores (the inverse of
    `record_to_gold`): negated criteria become absent criteria, drug mentions DRUG entities,
    rationale pages a citation by the rationale, guideline titles `title_as_written`."""
    decisions = []
    for decision in gold.get("decisions", []):
        categories = decision.get("criteria_categories") or []
        citations = [{**citation, "title_as_written": citation.get("title")} for citation in decision.get("citations") or []]
        if decision.get("rationale_pages"):
            citations.append({"cited_by": "rationale", "pages": decision["rationale_pages"]})
        decisions.append(
            {
                "item": decision.get("item") or "",
                "outcome": decision.get("outcome"),
                "medically_necessary": decision.get("medically_necessary"),
                "drugs": decision.get("drugs") or [],
                "citations": citations,
                "cited_none": decision.get("cited_none") or [],
                "criteria": [
                    {"text": text, "assertion": "absent", "category": categories[i] if i < len(categories) else None}
                    for i, text in enumerate(decision.get("negated_criteria") or [])
                ],
            }
        )
    return {
        "id": gold.get("id"),
        **{key: gold[key] for key in ("case", "reviewer", "patient") if key in gold},
        "decisions": decisions,
        "entities": [{"label": "DRUG", "name": name} for name in gold.get("drug_mentions") or []],
    }


def annotated_fields(gold: Dict[str, Any]) -> Tuple[set, set]:
    """The letter-level and decision-level fields a gold letter fills."""
    letter = {key for key in LETTER_FIELDS if key in gold}
    decision = {key for d in gold.get("decisions", []) for key in DECISION_FIELDS if key in d}
    return letter, decision


def shared_fields(reference: Dict[str, Any], other: Dict[str, Any]) -> Dict[str, Any]:
    """`reference` without the fields `other` does not annotate, so that a partial second
    annotation is not scored on what it never set out to record."""
    letter, decision = annotated_fields(other)
    kept = {key: value for key, value in reference.items() if key not in LETTER_FIELDS or key in letter}
    kept["decisions"] = [
        {key: value for key, value in d.items() if key not in DECISION_FIELDS or key in decision} for d in reference.get("decisions", [])
    ]
    return kept


def agreement(reference: Dict[str, Dict[str, Any]], other: Dict[str, Dict[str, Any]]) -> List[Evaluation]:
    """One evaluation per letter both annotated: `other` scored against `reference`,
    on the fields both fill (sum them with `Evaluation().merge_all`)."""
    shared = [letter_id for letter_id in reference if letter_id in other]
    letters = evaluate_letters(
        {letter_id: shared_fields(reference[letter_id], other[letter_id]) for letter_id in shared},
        {letter_id: gold_to_record(other[letter_id]) for letter_id in shared},
    )
    total = Evaluation().merge_all(letters)
    unobserved = {name for name, counts in total.prf.items() if not counts.tp + counts.fp + counts.fn}
    for letter in letters:
        letter.acc.pop("criterion_category_coverage", None)  # the pipeline's share of categorised criteria
        for name in unobserved:  # a field neither annotation filled (e.g. citations of a partial annotation)
            letter.prf.pop(name, None)
    return letters


def differs(key: str, a: Dict[str, Any], b: Dict[str, Any]) -> bool:
    """Whether two decisions differ on a field (items compare with whitespace collapsed)."""
    if key == "item":
        return collapse(a.get(key) or "") != collapse(b.get(key) or "")
    return a.get(key) != b.get(key)


def disagreements(reference: Dict[str, Dict[str, Any]], other: Dict[str, Dict[str, Any]]) -> List[Dict[str, Any]]:
    """One entry per decision of the letters both annotated where the annotations differ:
    the decision fields that differ (item, outcome, medically_necessary) and the absent
    criteria only one of them records (matched as `imr evaluate` matches them). A decision
    only one annotation has is an entry with the other side's `item` null."""
    entries: List[Dict[str, Any]] = []
    for letter_id in [letter_id for letter_id in reference if letter_id in other]:
        ours, theirs = reference[letter_id].get("decisions", []), other[letter_id].get("decisions", [])
        pairs = align([d["item"] for d in ours], [d.get("item") or "" for d in theirs])
        paired_ours, paired_theirs = {g for g, _ in pairs}, {o for _, o in pairs}
        for g, o in pairs:
            a, b = ours[g], theirs[o]
            fields = {key: [a.get(key), b.get(key)] for key in ("item", "outcome", "medically_necessary") if differs(key, a, b)}
            criteria_a, criteria_b = a.get("negated_criteria"), b.get("negated_criteria")
            only_a: List[str] = []
            only_b: List[str] = []
            if criteria_a is not None and criteria_b is not None:
                matched = match_criteria(criteria_a, criteria_b)
                matched_a, matched_b = {x for x, _ in matched}, {y for _, y in matched}
                only_a = [text for i, text in enumerate(criteria_a) if i not in matched_a]
                only_b = [text for i, text in enumerate(criteria_b) if i not in matched_b]
            if fields or only_a or only_b:
                entries.append(
                    {"id": letter_id, "decision": g, "item": a["item"], "fields": fields, "only_reference": only_a, "only_other": only_b}
                )
        entries.extend(
            {"id": letter_id, "decision": g, "item": ours[g]["item"], "fields": {"item": [ours[g]["item"], None]}, "only_reference": [], "only_other": []}
            for g in range(len(ours))
            if g not in paired_ours
        )
        entries.extend(
            {"id": letter_id, "decision": None, "item": theirs[o].get("item"), "fields": {"item": [None, theirs[o].get("item")]}, "only_reference": [], "only_other": []}
            for o in range(len(theirs))
            if o not in paired_theirs
        )
    return entries
