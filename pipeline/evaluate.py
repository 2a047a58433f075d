"""Score `imr annotate` output against gold annotations (`corpus/gold/*.json`).

Gold follows `annotation-guide.md`. Decisions are aligned by order and item
similarity; the other fields are scored on aligned decisions. Every metric is
a plain number so thresholds can gate CI (`imr evaluate --min name=value`).
"""
from __future__ import annotations

import difflib
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Dict, Iterable, List, Sequence, Tuple

import srsly

from .layout import collapse


@dataclass
class PRF:
    """Counts for precision / recall / F1."""

    tp: int = 0
    fp: int = 0
    fn: int = 0

    def add(self, tp: int, fp: int, fn: int) -> None:
        self.tp += tp
        self.fp += fp
        self.fn += fn

    @property
    def p(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def r(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f(self) -> float:
        return 2 * self.p * self.r / (self.p + self.r) if self.p + self.r else 0.0


@dataclass
class Accuracy:
    right: int = 0
    total: int = 0

    def add(self, ok: bool) -> None:
        self.total += 1
        self.right += int(bool(ok))

    @property
    def value(self) -> float:
        return self.right / self.total if self.total else 1.0


@dataclass
class Evaluation:
    """All scores of one evaluation run, plus the mismatches behind them."""

    prf: Dict[str, PRF] = field(default_factory=lambda: defaultdict(PRF))
    acc: Dict[str, Accuracy] = field(default_factory=lambda: defaultdict(Accuracy))
    letters: int = 0
    missing: List[str] = field(default_factory=list)
    errors: List[str] = field(default_factory=list)

    def metrics(self) -> Dict[str, float]:
        scores: Dict[str, float] = {}
        for name, counts in sorted(self.prf.items()):
            scores[f"{name}_p"] = counts.p
            scores[f"{name}_r"] = counts.r
            scores[f"{name}_f"] = counts.f
        for name, counts in sorted(self.acc.items()):
            scores[f"{name}_acc"] = counts.value
        return scores

    def table(self) -> str:
        lines = [f"{'metric':<34} {'P':>6} {'R':>6} {'F1':>6} {'n':>6}"]
        for name, c in sorted(self.prf.items()):
            lines.append(f"{name:<34} {c.p:6.3f} {c.r:6.3f} {c.f:6.3f} {c.tp + c.fn:6d}")
        lines.append(f"{'field accuracy':<34} {'':>6} {'':>6} {'acc':>6} {'n':>6}")
        for name, a in sorted(self.acc.items()):
            lines.append(f"{name:<34} {'':>6} {'':>6} {a.value:6.3f} {a.total:6d}")
        return "\n".join(lines)


def load_gold(gold_dir: Path) -> Dict[str, Dict[str, Any]]:
    return {path.stem: srsly.read_json(path) for path in sorted(Path(gold_dir).glob("*.json"))}


def load_predictions(path: Path) -> Dict[str, Dict[str, Any]]:
    return {record["id"]: record for record in srsly.read_jsonl(path)}


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


def multiset_prf(gold: Iterable[Any], predicted: Iterable[Any]) -> Tuple[int, int, int]:
    """tp, fp, fn of two multisets."""
    remaining = list(gold)
    tp = fp = 0
    for value in predicted:
        if value in remaining:
            remaining.remove(value)
            tp += 1
        else:
            fp += 1
    return tp, fp, len(remaining)


# Field scorers run on each aligned (gold decision, predicted decision) pair and
# on each letter; follow-up components register theirs here.
DecisionScorer = Callable[[Evaluation, Dict[str, Any], Dict[str, Any]], None]
LetterScorer = Callable[[Evaluation, Dict[str, Any], Dict[str, Any]], None]
DECISION_SCORERS: List[DecisionScorer] = []
LETTER_SCORERS: List[LetterScorer] = []


def score_decision_fields(ev: Evaluation, gold: Dict[str, Any], pred: Dict[str, Any]) -> None:
    ev.acc["decision_item_exact"].add(collapse(gold["item"]) == collapse(pred.get("item") or ""))
    ev.acc["decision_outcome"].add(gold.get("outcome") == pred.get("outcome"))
    ev.acc["decision_medically_necessary"].add(gold.get("medically_necessary") == pred.get("medically_necessary"))


DECISION_SCORERS.append(score_decision_fields)


def evaluate(gold: Dict[str, Dict[str, Any]], predictions: Dict[str, Dict[str, Any]]) -> Evaluation:
    """Score predictions against gold letters (only letters present in gold)."""
    ev = Evaluation()
    for letter_id, gold_letter in gold.items():
        ev.letters += 1
        predicted = predictions.get(letter_id)
        if predicted is None:
            ev.missing.append(letter_id)
            predicted = {"decisions": [], "entities": []}
        if predicted.get("error"):
            ev.errors.append(f"{letter_id}: {predicted['error']}")
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


# Field scorers of the components register themselves on import.
from . import evaluate_citations, evaluate_criteria, evaluate_drugs, evaluate_metadata  # noqa: E402,F401
