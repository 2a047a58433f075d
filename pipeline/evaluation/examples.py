"""`imr evaluate`'s metrics over spaCy `Example`s, for the components' registered scorers.

The predicted Doc becomes an `imr/1` record; the reference Doc gives the gold:
`doc.user_data["imr_gold"]` (a gold JSON, see `imr.evaluation.gold`) or, for a
silver Doc, its own annotations turned into the gold shape. One evaluation is
computed per list of examples and shared by every component's scorer.
"""
from typing import Any, Dict, Iterable, List, Tuple

from spacy.training import Example

from ..io.record import doc_to_record, plain
from .evaluate import evaluate
from .gold import GOLD_KEY, record_to_gold

# The last examples scored (held, so no new object can take their ids) and their metrics.
_LAST: Tuple[List[Example], Dict[str, float]] = ([], {})


def score_examples(examples: Iterable[Example]) -> Dict[str, float]:
    """All `imr evaluate` metrics of the examples (computed once per list of examples:
    every component's scorer gets the same list from `nlp.evaluate`)."""
    global _LAST
    examples = list(examples)
    previous = _LAST[0]
    if examples and len(examples) == len(previous) and all(a is b for a, b in zip(examples, previous)):
        return _LAST[1]
    gold: Dict[str, Dict[str, Any]] = {}
    predictions: Dict[str, Dict[str, Any]] = {}
    for index, example in enumerate(examples):
        letter_id = str(example.reference.user_data.get("imr_id") or f"doc-{index}")
        if letter_id in gold:
            letter_id = f"{letter_id}#{index}"
        gold[letter_id] = reference_gold(example, letter_id)
        predictions[letter_id] = doc_to_record(example.predicted, letter_id)
    metrics = evaluate(gold, predictions).metrics()
    _LAST = (examples, metrics)
    return metrics


def reference_gold(example: Example, letter_id: str) -> Dict[str, Any]:
    stored = example.reference.user_data.get(GOLD_KEY)
    return plain(stored) if stored is not None else record_to_gold(doc_to_record(example.reference, letter_id))  # DocBin gives tuples back


__all__: List[str] = ["score_examples"]
