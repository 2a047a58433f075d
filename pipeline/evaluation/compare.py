"""Side-by-side scores of pipelines on the gold DocBin, per label.

Each pipeline's predictions are read from wherever it puts them: a trained
`spancat` writes `doc.spans[spans_key]`, a trained `ner` writes `doc.ents`,
and the rule pipeline writes `doc.spans["imr"]`. Gold CRITERION spans are
the *absent* criteria (see `annotation-guide.md`), so for the rule pipeline
only criteria with `assertion == "absent"` are scored; trained models have no
assertion and are scored on all their CRITERION spans.
"""
from __future__ import annotations

from pathlib import Path
from typing import Dict, List, Set, Tuple

import spacy
from spacy.tokens import Doc, DocBin

from .. import components  # noqa: F401  (registers the factories)
from ..components.entities import ENTITIES_KEY
from .evaluate import PRF
from .gold import GOLD_LABELS

SpanKey = Tuple[int, int, str]


def predicted_spans(nlp, doc: Doc) -> List:
    """The labelled spans a pipeline predicts, by the kind of pipeline."""
    if "spancat" in nlp.pipe_names:
        return list(doc.spans.get(nlp.get_pipe("spancat").key, []))
    if ENTITIES_KEY in doc.spans and any(name.startswith("imr_") for name in nlp.pipe_names):
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


def compare(gold_path: Path, models: List[Path], labels=GOLD_LABELS) -> Dict[str, Dict[str, Dict[str, float]]]:
    """{model: {label: {"p", "r", "f", "n"}}} with exact character-offset matches."""
    results: Dict[str, Dict[str, Dict[str, float]]] = {}
    wanted = set(labels)
    for model in models:
        nlp = spacy.load(model)
        gold_docs = list(DocBin().from_disk(gold_path).get_docs(nlp.vocab))
        counts = {label: PRF() for label in labels}
        for gold, predicted in zip(gold_docs, nlp.pipe(d.text for d in gold_docs)):
            expected = span_keys(gold.spans.get(ENTITIES_KEY, []), wanted)
            found = span_keys(predicted_spans(nlp, predicted), wanted)
            for label in labels:
                e = {k for k in expected if k[2] == label}
                f = {k for k in found if k[2] == label}
                counts[label].add(len(e & f), len(f - e), len(e - f))
        results[str(model)] = {
            label: {"p": c.p, "r": c.r, "f": c.f, "n": c.tp + c.fn} for label, c in counts.items()
        }
    return results


def format_comparison(results: Dict[str, Dict[str, Dict[str, float]]]) -> str:
    models = list(results)
    labels = list(next(iter(results.values()))) if results else []
    header = f"{'label':<12}" + "".join(f" {Path(m).parent.name if Path(m).name.startswith('model-') else Path(m).name:>24}" for m in models)
    lines = [header, f"{'':<12}" + "".join(f" {'P / R / F1':>24}" for _ in models)]
    for label in labels:
        row = f"{label:<12}"
        for model in models:
            s = results[model][label]
            row += f" {s['p']:.2f} / {s['r']:.2f} / {s['f']:.2f}".rjust(25)
        lines.append(row)
    return "\n".join(lines)
