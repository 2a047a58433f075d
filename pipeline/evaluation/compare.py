"""Side-by-side scores of pipelines on a gold DocBin, per label (`imr compare`).

Each pipeline's predictions are read from wherever it puts them: a trained
`spancat` writes `doc.spans[spans_key]`, a trained `ner` writes `doc.ents`,
and a rule pipeline (or the hybrid) writes `doc.spans["imr"]`. Gold CRITERION
spans are the *absent* criteria (see `annotation-guide.md`), so for a rule
pipeline only criteria with `assertion == "absent"` are scored; trained models
have no assertion and are scored on all their CRITERION spans. A label a
pipeline does not predict is not scored for it.

Per pipeline and label:

- `p`, `r`, `f`: exact matches of (start, end, label) character offsets;
- `overlap_p`, `overlap_r`, `overlap_f`: a gold span counts as found when a
  prediction of its label covers at least half its tokens; a prediction
  counts as right when a gold span of its label covers at least half its
  tokens (whitespace tokens not counted);
- for DRUG, given the training DocBin: `unseen_r` over the `unseen_n` gold
  mentions whose name is absent from the training data (name-disjoint recall,
  exact match);
- `n`: gold spans, `predicted`: predicted spans.

Pipelines with the rule components also get every metric of `imr evaluate`
(`evaluate`), computed from the gold JSON the DocBin carries, so the rules and
the hybrid can be compared metric by metric.
"""
from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from pathlib import Path
from typing import Any, Dict, Iterable, List, Optional, Sequence, Set, Tuple

import spacy
from spacy.tokens import Doc, DocBin
from spacy.training import Example

from .. import components  # noqa: F401  (registers the factories)
from ..components.entities import ENTITIES_KEY
from .gold import GOLD_LABELS
from .metrics import PRF

SpanKey = Tuple[int, int, str]
SEPARATOR_RE = re.compile(r"\s*[-/]\s*")


def drug_name_key(text: str) -> str:
    """A DRUG name as a key: lower case, whitespace collapsed, "-" and "/" alike."""
    return " ".join(SEPARATOR_RE.sub("/", text.strip().lower()).split())


def pipeline_name(model: Path | str) -> str:
    path = Path(model)
    return path.parent.name if path.name.startswith("model-") else path.name


RULE_COMPONENTS = ("imr_sections", "imr_decisions", "imr_drugs", "imr_criteria")


def is_rule_pipeline(nlp) -> bool:
    """A pipeline with the rule components (the rules, the hybrid); not a model with an imr_* helper."""
    return any(name in RULE_COMPONENTS for name in nlp.pipe_names)


def pipeline_labels(nlp, labels: Sequence[str]) -> List[str]:
    """The gold labels a pipeline predicts."""
    if "spancat" in nlp.pipe_names:
        known = set(nlp.get_pipe("spancat").labels)
    elif is_rule_pipeline(nlp):
        known = set(labels)
    elif "ner" in nlp.pipe_names:
        known = set(nlp.get_pipe("ner").labels)
    else:
        known = set()
    return [label for label in labels if label in known]


def predicted_spans(nlp, doc: Doc) -> List:
    """The labelled spans a pipeline predicts, by the kind of pipeline."""
    if "spancat" in nlp.pipe_names:
        return list(doc.spans.get(nlp.get_pipe("spancat").key, []))
    if ENTITIES_KEY in doc.spans and is_rule_pipeline(nlp):
        spans = []
        for span in doc.spans[ENTITIES_KEY]:
            if span.label_ == "CRITERION":
                attrs = span._.imr_criterion or {}
                if attrs.get("assertion", "absent") != "absent":
                    continue
            spans.append(span)
        return spans
    return list(doc.ents)


def span_keys(spans, labels: Set[str]) -> Set[SpanKey]:
    return {(s.start_char, s.end_char, s.label_) for s in spans if s.label_ in labels}


class TokenIndex:
    """The non-space tokens of a gold Doc, to count the tokens two character spans share."""

    def __init__(self, doc: Doc) -> None:
        tokens = [t for t in doc if not t.is_space]
        self.starts = [t.idx for t in tokens]
        self.ends = [t.idx + len(t.text) for t in tokens]

    def tokens(self, start: int, end: int) -> range:
        """Indices of the tokens inside [start, end) (a token cut by an edge counts)."""
        return range(bisect_right(self.ends, start), bisect_left(self.starts, end))


def covered(a: range, b: range) -> bool:
    """At least half of `a`'s tokens are in `b`."""
    shared = max(0, min(a.stop, b.stop) - max(a.start, b.start))
    return len(a) > 0 and shared > 0 and shared * 2 >= len(a)


class LabelCounts:
    def __init__(self) -> None:
        self.exact = PRF()
        self.overlap_r = PRF()  # tp: gold spans found, fn: gold spans not found
        self.overlap_p = PRF()  # tp: predictions right, fp: predictions wrong
        self.unseen = PRF()
        self.predicted = 0

    def add(self, index: TokenIndex, gold: Set[SpanKey], found: Set[SpanKey], unseen: Set[SpanKey]) -> None:
        self.exact.add(len(gold & found), len(found - gold), len(gold - found))
        self.predicted += len(found)
        gold_tokens = [index.tokens(s, e) for s, e, _ in gold]
        found_tokens = [index.tokens(s, e) for s, e, _ in found]
        hits = sum(1 for g in gold_tokens if any(covered(g, f) for f in found_tokens))
        self.overlap_r.add(hits, 0, len(gold_tokens) - hits)
        right = sum(1 for f in found_tokens if any(covered(f, g) for g in gold_tokens))
        self.overlap_p.add(right, len(found_tokens) - right, 0)
        self.unseen.add(len(unseen & found), 0, len(unseen - found))

    def scores(self, with_unseen: bool) -> Dict[str, Any]:
        p, r = self.overlap_p.p, self.overlap_r.r
        result: Dict[str, Any] = {
            "p": self.exact.p, "r": self.exact.r, "f": self.exact.f,
            "overlap_p": p, "overlap_r": r, "overlap_f": 2 * p * r / (p + r) if p + r else 0.0,
            "n": self.exact.tp + self.exact.fn, "predicted": self.predicted,
        }  # fmt: skip
        if with_unseen:
            result["unseen_r"] = self.unseen.r
            result["unseen_n"] = self.unseen.tp + self.unseen.fn
        return result


def score_pipeline(
    nlp, gold_docs: Sequence[Doc], seen: Optional[Set[str]] = None, labels: Sequence[str] = GOLD_LABELS, path: str = ""
) -> Dict[str, Any]:
    """{"path", "labels": {label: scores}, "evaluate": {...}} of one loaded pipeline on gold Docs.

    seen: DRUG name keys of the training data (`drug_name_key`), for the name-disjoint recall;
    `evaluate` (every `imr evaluate` metric) only for pipelines with the rule components.
    """
    from .examples import score_examples

    scored = pipeline_labels(nlp, labels)
    wanted = set(scored)
    counts = {label: LabelCounts() for label in scored}
    examples = []
    for gold, predicted in zip(gold_docs, nlp.pipe(d.text for d in gold_docs)):
        index = TokenIndex(gold)
        expected = span_keys(gold.spans.get(ENTITIES_KEY, []), wanted)
        found = span_keys(predicted_spans(nlp, predicted), wanted)
        for label in scored:
            e = {k for k in expected if k[2] == label}
            f = {k for k in found if k[2] == label}
            unseen = set()
            if label == "DRUG" and seen is not None:
                unseen = {k for k in e if drug_name_key(gold.text[k[0] : k[1]]) not in seen}
            counts[label].add(index, e, f, unseen)
        examples.append(Example(predicted, gold))
    entry: Dict[str, Any] = {
        "path": path,
        "labels": {label: c.scores(with_unseen=label == "DRUG" and seen is not None) for label, c in counts.items()},
    }
    if is_rule_pipeline(nlp):
        entry["evaluate"] = dict(sorted(score_examples(examples).items()))
    return entry


def compare(
    gold_path: Path, models: Sequence[Path], train_names: Optional[Iterable[str]] = None, labels: Sequence[str] = GOLD_LABELS
) -> Dict[str, Any]:
    """{"gold", "letters", "pipelines": {name: score_pipeline(...)}} for pipelines loaded from `models`.

    train_names: DRUG names of the training data (`imr.training.corpus.training_drug_names`).
    """
    seen = None if train_names is None else {drug_name_key(n) for n in train_names}
    pipelines: Dict[str, Any] = {}
    letters = 0
    for model in models:
        nlp = spacy.load(model)
        gold_docs = list(DocBin().from_disk(gold_path).get_docs(nlp.vocab))
        letters = len(gold_docs)
        name = pipeline_name(model)
        while name in pipelines:
            name += "'"
        pipelines[name] = score_pipeline(nlp, gold_docs, seen, labels, path=str(model))
    return {"gold": str(gold_path), "letters": letters, "pipelines": pipelines}


def number(value: Optional[float]) -> str:
    return "-" if value is None else f"{value:.3f}"


def format_comparison(result: Dict[str, Any], title: Optional[str] = None) -> str:
    """Markdown tables: per label and pipeline; then `imr evaluate`'s metrics of the rule pipelines."""
    pipelines: Dict[str, Any] = result["pipelines"]
    heading = f"{title}: " if title else ""
    lines = [
        f"{heading}{result['gold']} ({result['letters']} letters)",
        "",
        "| label | pipeline | P | R | F | overlap P | overlap R | overlap F | gold spans | unseen-name R (gold) |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    labels: List[str] = []
    for entry in pipelines.values():
        labels.extend(label for label in entry["labels"] if label not in labels)
    order = [label for label in GOLD_LABELS if label in labels] + [label for label in labels if label not in GOLD_LABELS]
    for label in order:
        for name, entry in pipelines.items():
            s = entry["labels"].get(label)
            if s is None:
                continue
            unseen = f"{number(s['unseen_r'])} ({s['unseen_n']})" if "unseen_r" in s else ""
            lines.append(
                f"| {label} | {name} | {number(s['p'])} | {number(s['r'])} | {number(s['f'])} | "
                f"{number(s['overlap_p'])} | {number(s['overlap_r'])} | {number(s['overlap_f'])} | {s['n']} | {unseen} |"
            )
    rules = [name for name, entry in pipelines.items() if "evaluate" in entry]
    if rules:
        metrics: List[str] = []
        for name in rules:
            metrics.extend(m for m in pipelines[name]["evaluate"] if m not in metrics)
        lines += ["", "| imr evaluate metric | " + " | ".join(rules) + " |", "|---|" + "---|" * len(rules)]
        for metric in metrics:
            lines.append(f"| {metric} | " + " | ".join(number(pipelines[n]["evaluate"].get(metric)) for n in rules) + " |")
    return "\n".join(lines)


def format_splits(results: Dict[str, Dict[str, Any]]) -> str:
    """The tables of every split of a `metrics/compare.json`, in its order."""
    return "\n\n".join(format_comparison(result, title=split) for split, result in results.items())


def format_summary(results: Dict[str, Dict[str, Any]]) -> str:
    """The README's table of a `metrics/compare.json`: per label and pipeline, exact P / R / F,
    overlap F and unseen-name recall, the splits side by side (`imr compare --table`)."""
    splits = list(results)
    header = "| label | pipeline |"
    rule = "|---|---|"
    for split in splits:
        header += f" {split} P / R / F | {split} overlap F | {split} unseen-name R |"
        rule += "---|---|---|"
    pipelines: List[str] = []
    labels: List[str] = []
    for result in results.values():
        for name, entry in result["pipelines"].items():
            if name not in pipelines:
                pipelines.append(name)
            labels.extend(label for label in entry["labels"] if label not in labels)
    order = [label for label in GOLD_LABELS if label in labels] + [label for label in labels if label not in GOLD_LABELS]
    letters = ", ".join(f"{split}: {results[split]['letters']} gold letters" for split in splits)
    lines = [f"Scores on the gold letters ({letters}); exact spans unless overlap.", "", header, rule]
    for label in order:
        for name in pipelines:
            cells = []
            for split in splits:
                s = results[split]["pipelines"].get(name, {}).get("labels", {}).get(label)
                if s is None:
                    cells += ["-", "-", "-"]
                    continue
                unseen = f"{number(s['unseen_r'])} ({s['unseen_n']})" if "unseen_r" in s else "-"
                cells += [f"{number(s['p'])} / {number(s['r'])} / {number(s['f'])}", number(s["overlap_f"]), unseen]
            if all(c == "-" for c in cells):
                continue
            lines.append(f"| {label} | {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines)
