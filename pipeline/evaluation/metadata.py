"""Letter metadata against gold: one accuracy per field.

Gold letters carry `case`, `reviewer` and `patient` (see annotation-guide.md).
Fields: case_number, date_assigned, date_of_injury, decision_date,
ur_denial_date, application_received, priority (exact values),
reviewer_specialties, reviewer_licensure (exact lists, in letter order),
patient_age, patient_sex. A prediction without metadata (an error record)
counts as wrong on every field its gold letter has.
"""
from __future__ import annotations

from typing import Any, Dict

from .metrics import Evaluation
from ..components.metadata import CASE_FIELDS, PATIENT_FIELDS, REVIEWER_FIELDS


def score_metadata(ev: Evaluation, gold: Dict[str, Any], predicted: Dict[str, Any]) -> None:
    """Add one accuracy observation per gold metadata field of this letter."""
    parts = (("case", CASE_FIELDS, ""), ("reviewer", REVIEWER_FIELDS, "reviewer_"), ("patient", PATIENT_FIELDS, "patient_"))
    for key, fields, prefix in parts:
        gold_part = gold.get(key)
        if not isinstance(gold_part, dict):
            continue
        predicted_part = predicted.get(key) or {}
        for name in fields:
            if name in gold_part:
                ev.acc[f"{prefix}{name}"].add(predicted_part.get(name) == gold_part[name])

