"""spancat's scores with `imr compare`'s overlap measure, for model selection (`imr.spans_overlap_scorer.v1`).

spaCy's `spacy.spancat_scorer.v1` counts exact spans only. An absent criterion
is a clause whose edges readers (and the gold) draw a token or two apart, so
`imr compare` also reports `overlap_f` (a gold span is found when a prediction
of its label covers at least half its tokens; a prediction is right when a gold
span covers at least half of its tokens). This scorer returns spaCy's span
scores plus, for each label, `spans_{key}_{label}_overlap_p`, `_overlap_r` and
`_overlap_f` (label in lower case: `spans_imr_spans_criterion_overlap_f`), so
`[training.score_weights]` can select the checkpoint on them.

Registered in spaCy's `scorers` registry and exposed through the
`spacy_scorers` entry point.
"""
from typing import Any, Callable, Dict, Iterable

from spacy.pipeline.spancat import spancat_score
from spacy.training import Example
from spacy.util import registry

from ..evaluation.compare import LabelCounts, TokenIndex


@registry.scorers("imr.spans_overlap_scorer.v1")
def make_spans_overlap_scorer() -> Callable[..., Dict[str, Any]]:
    return spans_overlap_score


def spans_overlap_score(examples: Iterable[Example], **kwargs: Any) -> Dict[str, Any]:
    """spaCy's spancat scores of `doc.spans[spans_key]` plus per-label overlap P / R / F."""
    examples = list(examples)
    key = kwargs["spans_key"]
    scores = spancat_score(examples, **kwargs)
    counts: Dict[str, LabelCounts] = {}
    for example in examples:
        gold_spans = example.reference.spans.get(key, [])
        found_spans = example.predicted.spans.get(key, [])
        labels = {s.label_ for s in gold_spans} | {s.label_ for s in found_spans}
        index = TokenIndex(example.reference)
        for label in labels:
            gold = {(s.start_char, s.end_char, label) for s in gold_spans if s.label_ == label}
            found = {(s.start_char, s.end_char, label) for s in found_spans if s.label_ == label}
            counts.setdefault(label, LabelCounts()).add(index, gold, found, set())
    for label, count in sorted(counts.items()):
        result = count.scores(with_unseen=False)
        for name in ("overlap_p", "overlap_r", "overlap_f"):
            scores[f"spans_{key}_{label.lower()}_{name}"] = result[name]
    return scores
