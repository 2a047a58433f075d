"""Counts behind every gold metric: precision/recall/F1, accuracy, one evaluation run."""
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any, Dict, Iterable, List, Tuple


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
