"""Training data for `spacy train`: silver from the rule pipeline, gold from `corpus/gold`.

Gold `CRITERION` spans are the criteria the rationale states as *absent* (the
annotation guide's `negated_criteria`), so the silver training docs keep only
the rule pipeline's absent criteria under that label: a trained model then
learns what the gold measures. Everything else is kept as the rules wrote it.
"""
from __future__ import annotations

from pathlib import Path
from typing import Dict, Iterable, List, Tuple

from spacy.language import Language
from spacy.tokens import Doc, DocBin

from ..components.entities import ENTITIES_KEY, best_entities
from ..evaluation.gold import gold_docbin
from ..io.inputs import iter_letters


def keep_absent_criteria(doc: Doc) -> Doc:
    """Drop present/requirement CRITERION spans from `doc.spans["imr"]`; rebuild `doc.ents`."""
    kept = [
        span
        for span in doc.spans.get(ENTITIES_KEY, [])
        if span.label_ != "CRITERION" or (span._.imr_criterion or {}).get("assertion") == "absent"
    ]
    doc.spans[ENTITIES_KEY] = kept
    doc.ents = best_entities(kept)
    return doc


def silver_docbin(nlp: Language, letter_dirs: Iterable[Path], exclude_ids: Iterable[str] = ()) -> Tuple[DocBin, List[str]]:
    """The rule pipeline's annotations of every readable letter not in `exclude_ids`."""
    excluded = set(exclude_ids)
    letters = [l for l in iter_letters(letter_dirs) if l.text is not None and l.id not in excluded]
    docbin = DocBin(store_user_data=True)
    for doc, letter in nlp.pipe(((l.text, l) for l in letters), as_tuples=True):
        doc.user_data["imr_id"] = letter.id
        docbin.add(keep_absent_criteria(doc))
    return docbin, [l.id for l in letters]


def make_training_corpus(
    nlp: Language, letter_dirs: List[Path], gold_dir: Path, train_path: Path, dev_path: Path
) -> Dict[str, object]:
    """Write silver `train_path` (letters without gold) and gold `dev_path`; return counts."""
    gold_ids = [p.stem for p in Path(gold_dir).glob("*.json")]
    silver, train_ids = silver_docbin(nlp, letter_dirs, exclude_ids=gold_ids)
    gold, missing = gold_docbin(nlp, gold_dir, letter_dirs)
    for path, docbin in ((train_path, silver), (dev_path, gold)):
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        docbin.to_disk(path)
    return {"train_docs": len(silver), "dev_docs": len(gold), "gold_values_not_found": missing}
