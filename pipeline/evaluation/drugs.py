"""Gold scoring of drugs for `imr evaluate`.

- `drug_mentions` P/R/F1: per letter, the multiset of predicted DRUG entity
  names against gold `drug_mentions` (case-insensitive, whitespace collapsed).
- `decision_drugs` P/R/F1: per aligned decision, header drug names.
- `drug_header_{name,strength,quantity,refills,all}` exact-match accuracy:
  each gold header drug against the predicted drug paired with it (same
  name, else same position); a gold drug without a partner counts as wrong.
"""
from __future__ import annotations

from typing import Any, Dict, List, Optional

from .metrics import Evaluation, multiset_prf
from ..components.layout import collapse


def mention_key(name: str) -> str:
    return collapse(name).lower()


def score_drug_mentions(ev: Evaluation, gold: Dict[str, Any], predicted: Dict[str, Any]) -> None:
    if "drug_mentions" not in gold:
        return
    names = [mention_key(e.get("name") or e.get("text", "")) for e in predicted.get("entities", []) if e.get("label") == "DRUG"]
    ev.prf["drug_mentions"].add(*multiset_prf([mention_key(m) for m in gold["drug_mentions"]], names))


def same_strength(gold: List[Dict[str, Any]], predicted: Optional[List[Dict[str, Any]]]) -> bool:
    predicted = predicted or []
    if len(gold) != len(predicted):
        return False
    return all(
        g.get("unit") == p.get("unit") and p.get("value") is not None and abs(float(g["value"]) - float(p["value"])) < 1e-9
        for g, p in zip(gold, predicted)
    )


def pair_drugs(gold: List[Dict[str, Any]], predicted: List[Dict[str, Any]]) -> List[Optional[Dict[str, Any]]]:
    """The predicted partner of each gold drug: same name first, then same position."""
    used = set()
    partners: List[Optional[Dict[str, Any]]] = [None] * len(gold)
    for g, drug in enumerate(gold):
        for p, candidate in enumerate(predicted):
            if p not in used and mention_key(candidate.get("name") or "") == mention_key(drug["name"]):
                partners[g] = candidate
                used.add(p)
                break
    for g in range(len(gold)):
        if partners[g] is None and g < len(predicted) and g not in used:
            partners[g] = predicted[g]
            used.add(g)
    return partners


def score_header_drugs(ev: Evaluation, gold: Dict[str, Any], predicted: Dict[str, Any]) -> None:
    if "drugs" not in gold:
        return
    gold_drugs, predicted_drugs = gold["drugs"], predicted.get("drugs") or []
    ev.prf["decision_drugs"].add(*multiset_prf([mention_key(d["name"]) for d in gold_drugs], [mention_key(d.get("name") or "") for d in predicted_drugs]))
    for drug, partner in zip(gold_drugs, pair_drugs(gold_drugs, predicted_drugs)):
        partner = partner or {}
        checks = {
            "name": partner.get("name") == drug["name"],
            "strength": same_strength(drug.get("strength") or [], partner.get("strength")),
            "quantity": partner.get("quantity") == drug.get("quantity"),
            "refills": partner.get("refills") == drug.get("refills"),
        }
        for field, ok in checks.items():
            ev.acc[f"drug_header_{field}"].add(ok)
        ev.acc["drug_header_all"].add(all(checks.values()))

