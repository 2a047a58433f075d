"""The hybrid's point, measured: drug names outside the lexicon (`python -m imr.training.hidden_names`).

On the gold dev letters every drug name is in the rules' lexicon (it was written
from these letters), so the rules find them all. To see what the trained ner
adds on letters whose names the rules do not know, this check hides some names
from a copy of the rule pipeline and of the hybrid (same hiding in both):

- the hidden names: the DRUG names of the gold letters that are absent from the
  training data (the silver train letters), so the ner never saw them (the
  augmenter draws from the drug vocabulary, which holds none of them);
- hiding a name removes its lexicon entries (`drug` and `misspelling` rules
  with that name) and its drug vocabulary names from `imr_drugs`, through
  `imr_drugs`' own `initialize` (the exclude list is left as it is: the
  hybrid's guard reads it); the shape layer stays (it finds names from
  their place in a header).

Then both pipelines annotate the gold letters and are scored as `imr compare`
scores them; `hidden_r` is the recall (exact spans) on the gold mentions of the
hidden names, and every `imr evaluate` metric is reported beside it.
"""
import argparse
import sys
from pathlib import Path
from typing import Any, Dict, Iterable, List, Optional, Set

import spacy
import srsly
from spacy.language import Language
from spacy.tokens import DocBin

from ..components.entities import ENTITIES_KEY
from ..evaluation.compare import drug_name_key, number, score_pipeline
from .corpus import training_drug_names


def hidden_names(gold_docs: Iterable[Any], train_names: Iterable[str]) -> List[str]:
    """The gold DRUG name keys absent from the training names, sorted."""
    seen = {drug_name_key(n) for n in train_names}
    names = {drug_name_key(s.text) for doc in gold_docs for s in doc.spans.get(ENTITIES_KEY, []) if s.label_ == "DRUG"}
    return sorted(names - seen)


def hide_names(nlp: Language, names: Iterable[str], component: str = "imr_drugs") -> int:
    """Remove `names` from the lexicon and the vocabulary of `nlp`'s drug component; the lexicon rules removed."""
    hidden = {drug_name_key(n) for n in names}
    drugs = nlp.get_pipe(component)
    kept = [r for r in drugs.rules if not (r.get("kind") in ("drug", "misspelling") and drug_name_key(r["name"]) in hidden)]
    removed = len(drugs.rules) - len(kept)
    vocabulary = []
    for rule in drugs.vocabulary_rules:
        if rule.get("kind") == "drug":
            rule = {**rule, "names": [n for n in rule["names"] if drug_name_key(n) not in hidden]}
        vocabulary.append(rule)
    drugs.initialize(rules=kept, vocabulary=vocabulary, exclude=list(drugs.exclude_rules), shapes=list(drugs.shape_rules))
    return removed


def check(rules_path: Path, hybrid_path: Path, gold_path: Path, train_path: Path) -> Dict[str, Any]:
    """Rules vs hybrid on the gold letters with the hidden names removed from both."""
    results: Dict[str, Any] = {"gold": str(gold_path), "pipelines": {}}
    names: Optional[List[str]] = None
    for name, path in (("rules", rules_path), ("hybrid", hybrid_path)):
        nlp = spacy.load(path)
        gold_docs = list(DocBin().from_disk(gold_path).get_docs(nlp.vocab))
        if names is None:
            names = hidden_names(gold_docs, training_drug_names(train_path))
            results["hidden_names"] = names
            results["letters"] = len(gold_docs)
        removed = hide_names(nlp, names)
        all_names = {drug_name_key(s.text) for d in gold_docs for s in d.spans.get(ENTITIES_KEY, []) if s.label_ == "DRUG"}
        seen: Set[str] = all_names - set(names)  # "unseen" = the hidden names' mentions
        entry = score_pipeline(nlp, gold_docs, seen=seen, path=str(path))
        entry["lexicon_rules_removed"] = removed
        results["pipelines"][name] = entry
    return results


def format_check(results: Dict[str, Any]) -> str:
    rules, hybrid = results["pipelines"]["rules"], results["pipelines"]["hybrid"]
    drug_r, drug_h = rules["labels"]["DRUG"], hybrid["labels"]["DRUG"]
    lines = [
        f"{results['gold']} ({results['letters']} letters), {len(results['hidden_names'])} drug names hidden from the "
        f"lexicon and vocabulary of both pipelines ({drug_r['unseen_n']} gold mentions)",
        "",
        "| metric | rules (names hidden) | hybrid (names hidden) |",
        "|---|---|---|",
        f"| recall on the hidden names' mentions | {number(drug_r['unseen_r'])} | {number(drug_h['unseen_r'])} |",
        f"| DRUG P / R / F (exact spans) | {number(drug_r['p'])} / {number(drug_r['r'])} / {number(drug_r['f'])} | "
        f"{number(drug_h['p'])} / {number(drug_h['r'])} / {number(drug_h['f'])} |",
    ]
    for metric in rules.get("evaluate", {}):
        if metric.startswith(("drug_", "decision_drugs")):
            lines.append(f"| {metric} | {number(rules['evaluate'][metric])} | {number(hybrid['evaluate'].get(metric))} |")
    return "\n".join(lines)


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m imr.training.hidden_names", description=__doc__.splitlines()[0])
    parser.add_argument("--rules", type=Path, default=Path("build/imr_pipeline"))
    parser.add_argument("--hybrid", type=Path, default=Path("build/imr_hybrid"))
    parser.add_argument("--gold", type=Path, default=Path("corpus/dev.spacy"))
    parser.add_argument("--train", type=Path, default=Path("corpus/train.spacy"))
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args(argv)
    results = check(args.rules, args.hybrid, args.gold, args.train)
    print(format_check(results))
    if args.json is not None:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        srsly.write_json(args.json, results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
