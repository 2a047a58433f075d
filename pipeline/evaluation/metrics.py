"""Counts behind every gold metric: precision/recall/F1, accuracy, one evaluation run,
and bootstrap confidence intervals over letters."""
import random
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any, Dict, Iterable, List, Optional, Sequence, Tuple

Interval = Tuple[float, float]


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
    ids: List[str] = field(default_factory=list)  # the letters scored, in order
    missing: List[str] = field(default_factory=list)
    errors: List[str] = field(default_factory=list)

    def merge(self, other: "Evaluation") -> "Evaluation":
        """Add another run's counts (e.g. one letter's) to this one, in place."""
        for name, counts in other.prf.items():
            self.prf[name].add(counts.tp, counts.fp, counts.fn)
        for name, counts in other.acc.items():
            self.acc[name].right += counts.right
            self.acc[name].total += counts.total
        self.letters += other.letters
        self.ids.extend(other.ids)
        self.missing.extend(other.missing)
        self.errors.extend(other.errors)
        return self

    def merge_all(self, others: Iterable["Evaluation"]) -> "Evaluation":
        for other in others:
            self.merge(other)
        return self

    def metrics(self) -> Dict[str, float]:
        scores: Dict[str, float] = {}
        for name, counts in sorted(self.prf.items()):
            scores[f"{name}_p"] = counts.p
            scores[f"{name}_r"] = counts.r
            scores[f"{name}_f"] = counts.f
        for name, counts in sorted(self.acc.items()):
            scores[f"{name}_acc"] = counts.value
        return scores

    def table(self, intervals: Optional[Dict[str, Interval]] = None) -> str:
        """The metrics as text; with `intervals` (from `bootstrap_intervals`), each F1 and
        accuracy is followed by its 95% interval."""

        def ci(metric: str) -> str:
            if intervals is None or metric not in intervals:
                return ""
            low, high = intervals[metric]
            return f"  [{low:.3f}, {high:.3f}]"

        head = f"{'95% interval':>16}" if intervals is not None else ""
        lines = [f"{'metric':<34} {'P':>6} {'R':>6} {'F1':>6} {'n':>6}{head}"]
        for name, c in sorted(self.prf.items()):
            lines.append(f"{name:<34} {c.p:6.3f} {c.r:6.3f} {c.f:6.3f} {c.tp + c.fn:6d}{ci(name + '_f')}")
        lines.append(f"{'field accuracy':<34} {'':>6} {'':>6} {'acc':>6} {'n':>6}")
        for name, a in sorted(self.acc.items()):
            lines.append(f"{name:<34} {'':>6} {'':>6} {a.value:6.3f} {a.total:6d}{ci(name + '_acc')}")
        return "\n".join(lines)


def bootstrap_intervals(letters: Sequence[Evaluation], samples: int = 1000, seed: int = 0, level: float = 0.95) -> Dict[str, Interval]:
    """Percentile intervals of every metric, resampling whole letters with replacement.

    letters (Sequence[Evaluation]): one evaluation per letter (`evaluate_letters`).
    samples (int): resamples drawn. seed (int): the random seed, so a run repeats.
    RETURNS (Dict[str, Interval]): metric name -> (low, high) at `level`.
    """
    rng = random.Random(seed)
    names = sorted(Evaluation().merge_all(letters).metrics()) if letters else []
    drawn: Dict[str, List[float]] = {name: [] for name in names}
    for _ in range(samples):
        total = Evaluation().merge_all(rng.choice(letters) for _ in letters)
        values = total.metrics()
        for name in names:
            # A metric no resampled letter observed is undefined in that sample: skipped.
            if name in values:
                drawn[name].append(values[name])
    tail = (1 - level) / 2
    intervals: Dict[str, Interval] = {}
    for name, values in drawn.items():
        if not values:
            continue  # in no resample at all (a metric of one letter, few samples): no interval
        values.sort()
        low = values[int(tail * (len(values) - 1))]
        high = values[int(round((1 - tail) * (len(values) - 1)))]
        intervals[name] = (low, high)
    return intervals


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
