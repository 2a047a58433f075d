"""Training data for `spacy train` (`imr make-corpus`): leak-free splits by letter.

- `corpus/train.spacy`: silver, the rule pipeline's annotations of the train
  letters, cut into blocks (`imr.training.blocks`: case-summary paragraphs,
  decision blocks, the other paragraphs; a span-less block whose text another
  letter already gave, the boilerplate, only once) with offsets back to the
  letter;
- `corpus/dev.spacy`, `corpus/test.spacy`: gold, one Doc per letter, with the
  letter's gold JSON in `doc.user_data["imr_gold"]` (so `spacy evaluate` gives
  `imr evaluate`'s metrics);
- `corpus/splits.json`: which letter is in which split (`imr.training.splits`);
  a letter is in one split only, and make-corpus refuses any overlap.

Gold `CRITERION` spans are the criteria the rationale states as *absent* (the
annotation guide's `negated_criteria`), so the silver keeps only the rule
pipeline's absent criteria under that label: a trained model then learns what
the gold measures. Both silver and gold Docs carry the models' views
(`imr.evaluation.gold.model_views`): `doc.ents` = OUTCOME and DRUG (ner),
`doc.spans["imr_spans"]` = CRITERION and DRUG (spancat).

This is the leak-free way to make training data. The DocBin that
`imr annotate -o X.spacy` writes (with its manifest of letter ids) is a
corpus annotation, not a training split: it holds whatever letters it was
given, gold and held-out letters included.
"""
from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any, Dict, Iterable, List, Optional, Tuple

from spacy.language import Language
from spacy.tokens import Doc, DocBin

from ..components.entities import ENTITIES_KEY, best_entities
from ..evaluation.gold import gold_docbin, model_views
from ..io.inputs import iter_letters
from .blocks import block_counts, letter_blocks
from .splits import DEV_SIZE, KEEP_OUT_OF_TRAIN, choose_splits, write_manifest


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


def silver_doc(doc: Doc, letter_id: str) -> Doc:
    """A rule-annotated letter as silver: absent criteria only, the models' views, its id."""
    doc.user_data["imr_id"] = letter_id
    return model_views(keep_absent_criteria(doc))


def silver_docbin(nlp: Language, letter_dirs: Iterable[Path], exclude_ids: Iterable[str] = ()) -> Tuple[DocBin, List[str]]:
    """The rule pipeline's annotations of every readable letter not in `exclude_ids`, whole letters."""
    excluded = set(exclude_ids)
    letters = [l for l in iter_letters(letter_dirs) if l.text is not None and l.id not in excluded]
    docbin = DocBin(store_user_data=True)
    for doc, letter in nlp.pipe(((l.text, l) for l in letters), as_tuples=True):
        docbin.add(silver_doc(doc, letter.id))
    return docbin, [l.id for l in letters]


def drug_names(docs: Iterable[Doc]) -> Counter:
    """Mentions per DRUG name (lower case, whitespace collapsed) in `doc.spans["imr"]`."""
    names: Counter = Counter()
    for doc in docs:
        for span in doc.spans.get(ENTITIES_KEY, []):
            if span.label_ == "DRUG":
                names[" ".join(span.text.lower().split())] += 1
    return names


def make_training_corpus(
    nlp: Language,
    letter_dirs: List[Path],
    gold_dir: Path,
    test_gold_dir: Path,
    train_path: Path,
    dev_path: Path,
    test_path: Path,
    splits_path: Path,
    dev_size: int = DEV_SIZE,
    keep_out: Iterable[str] = KEEP_OUT_OF_TRAIN,
    weights: Optional[Dict[Path, int]] = None,
) -> Dict[str, Any]:
    """Write the splits manifest, silver train blocks and gold dev/test letters; return counts.

    weights: letter folder -> how many times the blocks of its train letters go into the train
        split (`letter_weight`); the other letters count once.
    Raises `imr.training.splits.SplitError` when the splits would overlap.
    """
    letters = [l for l in iter_letters(letter_dirs) if l.text is not None]
    docs: Dict[str, Doc] = {}
    for doc, letter in nlp.pipe(((l.text, l) for l in letters), as_tuples=True):
        docs[letter.id] = doc
    templates = {letter_id: doc._.imr_template for letter_id, doc in docs.items()}
    gold_ids = [p.stem for p in sorted(Path(gold_dir).glob("*.json"))]
    test_ids = [p.stem for p in sorted(Path(test_gold_dir).glob("*.json"))]
    splits = choose_splits(docs, gold_ids, test_ids, templates, dev_size=dev_size, keep_out=keep_out)
    train = DocBin(store_user_data=True)
    blocks: List[Doc] = []
    dropped = 0
    silver: List[Doc] = []
    texts = set()
    sources = {letter.id: letter.source for letter in letters}
    examples = 0
    for letter_id in splits["train"]:
        doc = silver_doc(docs[letter_id], letter_id)
        silver.append(doc)
        letter_blocks_, lost = letter_blocks(doc)
        dropped += lost
        repeat = letter_weight(sources[letter_id], weights or {})
        for block in letter_blocks_:
            if block.text in texts and not len(block.spans.get(ENTITIES_KEY, [])):
                continue  # boilerplate seen in another letter ("HOW THE IMR FINAL DETERMINATION WAS MADE ...")
            texts.add(block.text)
            for _ in range(repeat):
                train.add(block)
            examples += repeat
            blocks.append(block)
    dev, dev_missing = gold_docbin(nlp, gold_dir, letter_dirs, ids=splits["dev"])
    test, test_missing = gold_docbin(nlp, test_gold_dir, letter_dirs, ids=splits["test"])
    for path, docbin in ((train_path, train), (dev_path, dev), (test_path, test)):
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        docbin.to_disk(path)
    write_manifest(splits_path, splits)
    names = drug_names(silver)
    return {
        "splits": {name: len(ids) for name, ids in splits.items()},
        "templates": {name: dict(Counter(str(templates[i]) for i in ids)) for name, ids in splits.items()},
        "train_blocks": block_counts(blocks),
        "train_examples": examples,
        "train_drug_mentions": sum(names.values()),
        "train_drug_names": len(names),
        "spans_across_blocks": dropped,
        "gold_values_not_found": {**dev_missing, **test_missing},
    }


def parse_weights(values: Iterable[str]) -> Dict[Path, int]:
    """`FOLDER=N` options as {folder: N}; raises ValueError on a malformed one."""
    weights: Dict[Path, int] = {}
    for value in values:
        folder, sep, number = value.rpartition("=")
        if not sep or not folder or not number.isdigit() or int(number) < 1:
            raise ValueError(f"--weight {value!r}: expected FOLDER=N with N a whole number >= 1")
        if not Path(folder).is_dir():
            raise ValueError(f"--weight {value!r}: {folder} is not a folder")
        weights[Path(folder)] = int(number)
    return weights


def letter_weight(source: str, weights: Dict[Path, int]) -> int:
    """How many times a train letter's blocks go into the train split: the weight of the
    innermost folder of `weights` that holds the letter's file (`source`), else 1."""
    path = Path(source).resolve()
    best, depth = 1, -1
    for folder, weight in weights.items():
        folder = Path(folder).resolve()
        if (path == folder or folder in path.parents) and len(folder.parts) > depth:
            best, depth = weight, len(folder.parts)
    return best


def training_drug_names(train_path: Path, nlp: Optional[Language] = None) -> set:
    """The DRUG names of a training DocBin (lower case, whitespace collapsed)."""
    import spacy

    vocab = (nlp or spacy.blank("en")).vocab
    return set(drug_names(DocBin().from_disk(train_path).get_docs(vocab)))
