"""Score `imr annotate` output against gold annotations (`corpus/gold/*.json`).

Gold follows `annotation-guide.md`. Decisions are aligned by order and item
similarity; the other fields are scored on aligned decisions. Every metric is
a plain number so thresholds can gate CI (`imr evaluate --min name=value`).
"""
from __future__ import annotations

import difflib
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

import srsly

from ..components.layout import collapse
from ..io.inputs import InputError
from .citations import score_cited_none, score_citations, score_rationale_pages
from .criteria import score_absent_criteria
from .drugs import score_drug_mentions, score_header_drugs
from .metadata import score_metadata
from .metrics import PRF, Accuracy, Evaluation, bootstrap_intervals, multiset_prf  # noqa: F401  (re-exported)


def load_gold(gold_dir: Path) -> Dict[str, Dict[str, Any]]:
    """Every `*.json` gold letter of a folder, by file stem; a file that is no JSON object,
    or whose decisions are not objects with an item, is an `InputError` naming it."""
    gold = {}
    for path in sorted(Path(gold_dir).glob("*.json")):
        try:
            letter = srsly.read_json(path)
        except ValueError as err:
            raise InputError(f"{path}: not a gold JSON file ({err})") from None
        if not isinstance(letter, dict):
            raise InputError(f"{path}: not a gold JSON file (a JSON object is expected)")
        decisions = letter.get("decisions", [])
        if not isinstance(decisions, list) or not all(isinstance(d, dict) and isinstance(d.get("item"), str) for d in decisions):
            raise InputError(f"{path}: not a gold JSON file (\"decisions\" must be a list of objects, each with an \"item\" string)")
        gold[path.stem] = letter
    return gold


def load_predictions(path: Path) -> Dict[str, Dict[str, Any]]:
    """`imr annotate` records by id; a line that is no record is an `InputError` naming it."""
    records = {}
    with Path(path).open(encoding="utf8") as lines:
        for number, line in enumerate(lines, 1):
            if not line.strip():
                continue
            try:
                record = srsly.json_loads(line)
                records[record["id"]] = record
            except (ValueError, KeyError, TypeError) as err:
                raise InputError(f"{path}, line {number}: not an imr/1 record ({type(err).__name__}: {err})") from None
    return records


def align(gold_items: Sequence[str], predicted_items: Sequence[str]) -> List[Tuple[int, int]]:
    """Pairs (gold index, predicted index) of decisions, in order, by item similarity."""
    pairs: List[Tuple[int, int]] = []
    used = -1
    for g, gold_item in enumerate(gold_items):
        best, best_score = None, 0.5
        for p in range(used + 1, len(predicted_items)):
            score = difflib.SequenceMatcher(None, collapse(gold_item).lower(), collapse(predicted_items[p]).lower()).ratio()
            if score > best_score:
                best, best_score = p, score
            if score == 1.0:
                break
        if best is not None:
            pairs.append((g, best))
            used = best
    return pairs


def score_decision_fields(ev: Evaluation, gold: Dict[str, Any], pred: Dict[str, Any]) -> None:
    ev.acc["decision_item_exact"].add(collapse(gold["item"]) == collapse(pred.get("item") or ""))
    ev.acc["decision_outcome"].add(gold.get("outcome") == pred.get("outcome"))
    ev.acc["decision_medically_necessary"].add(gold.get("medically_necessary") == pred.get("medically_necessary"))


# Field scorers: run on each aligned (gold decision, predicted decision) pair, and on each letter.
DecisionScorer = Callable[[Evaluation, Dict[str, Any], Dict[str, Any]], None]
LetterScorer = Callable[[Evaluation, Dict[str, Any], Dict[str, Any]], None]
DECISION_SCORERS: Tuple[DecisionScorer, ...] = (
    score_decision_fields,
    score_header_drugs,
    score_citations,
    score_rationale_pages,
    score_cited_none,
    score_absent_criteria,
)
LETTER_SCORERS: Tuple[LetterScorer, ...] = (score_drug_mentions, score_metadata)


def evaluate_letter(gold_letter: Dict[str, Any], predicted: Optional[Dict[str, Any]]) -> Evaluation:
    """Score one letter's prediction (None: missing) against its gold annotation."""
    ev = Evaluation(letters=1, ids=[gold_letter.get("id") or ""])
    if predicted is None:
        ev.missing.append(gold_letter.get("id") or "")
        predicted = {"decisions": [], "entities": []}
    if predicted.get("error"):
        ev.errors.append(f"{gold_letter.get('id')}: {predicted['error']}")
    gold_decisions = gold_letter.get("decisions", [])
    pred_decisions = predicted.get("decisions", [])
    pairs = align([d["item"] for d in gold_decisions], [d.get("item") or "" for d in pred_decisions])
    ev.prf["decisions"].add(len(pairs), len(pred_decisions) - len(pairs), len(gold_decisions) - len(pairs))
    for g, p in pairs:
        for scorer in DECISION_SCORERS:
            scorer(ev, gold_decisions[g], pred_decisions[p])
    for scorer in LETTER_SCORERS:
        scorer(ev, gold_letter, predicted)
    return ev


def evaluate_letters(gold: Dict[str, Dict[str, Any]], predictions: Dict[str, Dict[str, Any]]) -> List[Evaluation]:
    """One evaluation per gold letter, in gold order (for `bootstrap_intervals`)."""
    return [evaluate_letter({**gold_letter, "id": letter_id}, predictions.get(letter_id)) for letter_id, gold_letter in gold.items()]


def evaluate(gold: Dict[str, Dict[str, Any]], predictions: Dict[str, Dict[str, Any]]) -> Evaluation:
    """Score predictions against gold letters (only letters present in gold)."""
    return Evaluation().merge_all(evaluate_letters(gold, predictions))


def check_thresholds(metrics: Dict[str, float], minimums: Dict[str, float]) -> List[str]:
    """Messages for every metric below its minimum (unknown metrics fail too)."""
    failures = []
    for name, minimum in minimums.items():
        value = metrics.get(name)
        if value is None:
            failures.append(f"{name}: no such metric")
        elif value < minimum:
            failures.append(f"{name}: {value:.3f} < {minimum:.3f}")
    return failures

