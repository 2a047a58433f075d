"""Gold scoring of the criteria (`imr evaluate`): absent criteria and their categories.

Gold decisions list `negated_criteria` (verbatim absent criteria) and, where
annotated, a parallel `criteria_categories` list. A predicted criterion with
`assertion == "absent"` matches a gold one when their word tokens overlap by
at least half of the gold criterion's tokens (one-to-one, best overlap first).

Metrics: `absent_criteria` P/R/F1; `criterion_category` accuracy on matched
pairs whose gold decision has categories; `criterion_category_coverage`: the
share of matched predictions that got a category at all.
"""
import re
from collections import Counter
from typing import Any, Dict, List, Optional, Tuple

from .metrics import Evaluation

WORD_RE = re.compile(r"\w+")


def words(text: str) -> Counter:
    return Counter(w.lower() for w in WORD_RE.findall(text))


def overlap(gold: str, predicted: str) -> int:
    """Tokens of `gold` also in `predicted` (multiset)."""
    return sum((words(gold) & words(predicted)).values())


def match_criteria(gold: List[str], predicted: List[str]) -> List[Tuple[int, int]]:
    """One-to-one (gold index, predicted index) pairs with overlap >= half the gold tokens."""
    candidates = []
    for g, gold_text in enumerate(gold):
        need = len(list(WORD_RE.finditer(gold_text))) / 2
        for p, predicted_text in enumerate(predicted):
            shared = overlap(gold_text, predicted_text)
            if shared and shared >= need:
                candidates.append((shared / max(1, sum(words(predicted_text).values())), shared, g, p))
    pairs, used_g, used_p = [], set(), set()
    for _, _, g, p in sorted(candidates, key=lambda c: (-c[1], -c[0])):
        if g in used_g or p in used_p:
            continue
        pairs.append((g, p))
        used_g.add(g)
        used_p.add(p)
    return sorted(pairs)


def absent_criteria(decision: Dict[str, Any]) -> List[Dict[str, Any]]:
    return [c for c in decision.get("criteria", []) if c.get("assertion") == "absent"]


def score_absent_criteria(ev: Evaluation, gold: Dict[str, Any], pred: Dict[str, Any]) -> None:
    gold_texts: List[str] = list(gold.get("negated_criteria") or [])
    predicted = absent_criteria(pred)
    pairs = match_criteria(gold_texts, [c.get("text", "") for c in predicted])
    ev.prf["absent_criteria"].add(len(pairs), len(predicted) - len(pairs), len(gold_texts) - len(pairs))
    categories: Optional[List[Optional[str]]] = gold.get("criteria_categories")
    for g, p in pairs:
        ev.acc["criterion_category_coverage"].add(predicted[p].get("category") is not None)
        if categories is not None and g < len(categories):
            ev.acc["criterion_category"].add(categories[g] == predicted[p].get("category"))

