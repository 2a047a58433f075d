"""The drug vocabulary: the second lexicon layer of `imr_drugs`.

The first layer is the workers'-comp lexicon (`patterns/drugs.jsonl`: names
with ingredient and class, written for these letters). The second is the
drug vocabulary of the `drug-named-entity-recognition` package (MIT; MeSH,
DrugBank and MedlinePlus: about 20k drugs, 107k brand and generic variants
with canonical names and ids), filtered of what is not a drug name in a
letter, and used for names the lexicon does not have. Its matches get
`source: "vocabulary"`, the canonical name as `generic`, and the DrugBank and
MeSH ids.

Why a generated data file and not the package at run time: reading the
package's `drug_ner_dictionary.pkl.bz2` costs 2-10 s (bz2 + pickle of 8 MB,
measured on this project's machine) every time a pipeline is loaded, in
every worker process. The filtered vocabulary is 1.6 MB of JSONL that loads
in about 0.5 s, is written by `to_disk` like every other rule
file (so a saved or packaged pipeline is self-contained and never depends
on what version of the package is installed), and is regenerated from the
installed package with

    python -m imr.components.drug_vocabulary build [--corpus corpus]

which reads the package through `importlib.resources` (nothing is
downloaded) and `patterns/drug_vocabulary_exclude.jsonl` (the filter, as
data). `tests/test_drugs.py` checks the file names the installed package
version.

The filter (`build_vocabulary`, each removed variant counted by reason):

- shape: 1 to `max_words` alphabetic words (hyphens inside), at least
  `min_length` letters; chemical names with digits, commas or brackets are out;
- identity: MeSH-only concepts (no DrugBank, no MedlinePlus id) are
  pharmacologic classes, enzymes, proteins, organisms and chemical groups,
  not drugs a letter prescribes;
- class: a word of the name is a class noun (`class_word` rules: "agents",
  "inhibitors", ...), or the name is a plural whose singular is a name too
  ("opioids", "benzodiazepines"), or an inflected English plural ("nitrates");
- stop_word: a word of the name is a spaCy English stop word;
- common_word: every word of the name is common English (log-probability
  above `common_word_logprob` in spaCy's `en_lexeme_prob` table, or an
  adjective, adverb or verb in its WordNet lemma index): "fish oil",
  "marijuana", "emend", "sea salt" (but "insulin glargine", "iron sucrose");
- lexicon: the first layer's business: a lexicon name, or a name holding a
  lexicon name, a salt or a dosage-form, route or release word
  ("lidocaine patch", "orphenadrine citrate");
- excluded: the `word` rules of the exclude file (stated reasons; the ones
  with `"source": "corpus"` are the names the gold letters use for
  something else, found by `--corpus`).

The `word` and `class_word` rules are applied again when the vocabulary is
loaded, so a word added to the exclude file takes effect without a rebuild.
"""
import bz2
import json
import pickle
import re
import sys
from collections import Counter
from importlib import metadata, resources
from pathlib import Path
from typing import Any, Dict, Iterable, List, Optional, Set, Tuple

import numpy
from spacy.attrs import IDX, IS_ALPHA, IS_PUNCT, IS_SPACE, LENGTH, LIKE_NUM, LOWER
from spacy.strings import get_string_id
from spacy.tokens import Doc

PACKAGE = "drug_named_entity_recognition"
DISTRIBUTION = "drug-named-entity-recognition"
DICTIONARY_FILE = "drug_ner_dictionary.pkl.bz2"
VOCABULARY_FILE = "drug_vocabulary.jsonl"
EXCLUDE_FILE = "drug_vocabulary_exclude.jsonl"
MAX_TOKENS = 10
SEPARATOR_RE = re.compile(r"\s*[-/]\s*")
SPACE_RE = re.compile(r"\s+")
# The token columns `find` reads (one `Doc.to_array` shared with the lexicon layer).
COLUMNS = [LOWER, IS_ALPHA, LIKE_NUM, LENGTH, IDX, IS_SPACE, IS_PUNCT]
DEFAULT_RULE = {"min_length": 5, "max_words": 3, "common_word_logprob": -13.0}


def is_in(values: numpy.ndarray, sorted_ids: numpy.ndarray) -> numpy.ndarray:
    """`numpy.isin(values, sorted_ids)` by binary search: `isin` sorts both arrays on every call,
    which for a lexicon of thousands of ids costs more than the look-up itself."""
    if not len(sorted_ids):
        return numpy.zeros(len(values), dtype=bool)
    where = numpy.searchsorted(sorted_ids, values)
    where[where >= len(sorted_ids)] = 0
    return sorted_ids[where] == values


def vocabulary_key(name: str) -> str:
    """The same key as the lexicon's: case-free, "-"/"/" as "/", whitespace as one space."""
    return SPACE_RE.sub(" ", SEPARATOR_RE.sub("/", name.strip().lower()))


# ---------------------------------------------------------------- run time


class VocabularyLayer:
    """Token-aligned lookup of the vocabulary's names, longest name first.

    Only tokens whose lower form starts a name are tried (one numpy `isin`);
    from each, the spans of up to the longest name's token count are looked
    up in a dict by their key. Tokens another layer took are skipped.
    """

    def __init__(self, rules: Iterable[Dict[str, Any]], exclude: Iterable[Dict[str, Any]] = (), skip: Iterable[str] = ()) -> None:
        exclude = list(exclude)
        words = {vocabulary_key(r["name"]) for r in exclude if r.get("kind") == "word"}
        class_words = {r["name"].lower() for r in exclude if r.get("kind") == "class_word"}
        skipped = set(skip) | words
        self.entries: Dict[str, Dict[str, Any]] = {}
        self.source: Dict[str, Any] = {}
        for rule in rules:
            if rule.get("kind") == "source":
                self.source = dict(rule)
                continue
            if rule.get("kind") != "drug":
                continue
            entry = {"generic": rule["generic"], "drugbank_id": rule.get("drugbank_id"), "mesh_id": rule.get("mesh_id")}
            for name in rule["names"]:
                key = vocabulary_key(name)
                if key in skipped or class_words.intersection(re.split(r"[ /]", key)):
                    continue
                self.entries.setdefault(key, entry)
        lengths: Dict[str, int] = {}
        self.two_words: Set[Tuple[int, int]] = set()  # (first, second) word hashes of the names of several words
        for key in self.entries:
            pieces = re.split(r"[ /]", key)
            lengths[pieces[0]] = max(lengths.get(pieces[0], 1), min(MAX_TOKENS, 3 * len(pieces) - 2))
            if len(pieces) > 1:
                self.two_words.add((get_string_id(pieces[0]), get_string_id(pieces[1])))
        self.max_tokens = {get_string_id(w): n for w, n in lengths.items()}
        self.first_words = numpy.array(sorted(self.max_tokens), dtype=numpy.uint64)

    def __len__(self) -> int:
        return len(self.entries)

    def find(self, doc: Doc, text: str, columns: numpy.ndarray, taken: Set[int]) -> List[Tuple[int, int, Dict[str, Any]]]:
        """(start, end, entry) of the names at tokens not in `taken`, in text order.

        `text` is the Doc's text, `columns` its `COLUMNS` array; keys are cut
        from the text by token offsets, so no Span is made until a name matches.
        """
        lower = columns[:, 0]
        found: List[Tuple[int, int, Dict[str, Any]]] = []
        if not len(self.first_words) or not len(lower):
            return found
        candidates = numpy.flatnonzero(is_in(lower, self.first_words)).tolist()
        if not candidates:
            return found
        starts, ends = columns[:, 4], columns[:, 4] + columns[:, 3]
        closing = (columns[:, 5] == 0) & (columns[:, 6] == 0)  # a name ends on a word
        words = numpy.flatnonzero(closing)  # the next word after a candidate, past spaces, "-" and "/"
        covered = -1
        for i in candidates:
            if i <= covered or i in taken:
                continue
            longest = min(self.max_tokens[int(lower[i])], len(lower) - i)
            after = numpy.searchsorted(words, i, side="right")
            if longest > 1 and (after >= len(words) or (int(lower[i]), int(lower[words[after]])) not in self.two_words):
                longest = 1  # no name of several words starts with these two words
            for n in range(longest, 0, -1):
                last = i + n - 1
                if not closing[last] or any(t in taken for t in range(i + 1, last + 1)):
                    continue
                entry = self.entries.get(vocabulary_key(text[starts[i] : ends[last]]))
                if entry is not None:
                    found.append((i, last + 1, entry))
                    covered = last
                    break
        return found


# ---------------------------------------------------------------- build time


def read_package_dictionary() -> Dict[str, Any]:
    """The package's dictionary, read from its installed data file (never downloaded)."""
    data = resources.files(PACKAGE).joinpath(DICTIONARY_FILE).read_bytes()
    return pickle.loads(bz2.decompress(data))  # the installed package's own data file


def package_version() -> Optional[str]:
    try:
        return metadata.version(DISTRIBUTION)
    except metadata.PackageNotFoundError:
        return None


class EnglishWords:
    """Common English words from spaCy's lookup tables (`spacy-lookups-data`), for the build."""

    def __init__(self, probability: Any, lemma_lookup: Any, not_nouns: Set[str], lemmas: Set[str]) -> None:
        """probability, lemma_lookup: mappings with `.get(word)` (spaCy lookup tables, or dicts)."""
        self.probability = probability
        self.lemma_lookup = lemma_lookup
        self.not_nouns = not_nouns
        self.lemmas = lemmas

    @classmethod
    def load(cls) -> "EnglishWords":
        from spacy.lookups import load_lookups

        lookups = load_lookups("en", ["lexeme_prob", "lemma_lookup", "lemma_index"])
        index = lookups.get_table("lemma_index")
        not_nouns = {w for pos in ("adj", "adv", "verb") for w in index.get(pos, [])}
        lemmas = {w for pos in ("noun", "adj", "adv", "verb") for w in index.get(pos, [])}
        return cls(lookups.get_table("lexeme_prob"), lookups.get_table("lemma_lookup"), not_nouns, lemmas)

    def is_common(self, word: str, threshold: float) -> bool:
        probability = self.probability.get(word)
        return (probability is not None and probability >= threshold) or word in self.not_nouns

    def is_inflected_plural(self, word: str) -> bool:
        lemma = self.lemma_lookup.get(word)
        return bool(lemma) and lemma != word and word.endswith("s") and lemma in self.lemmas


def lexicon_words(lexicon_rules: Iterable[Dict[str, Any]], attribute_rules: Iterable[Dict[str, Any]]) -> Tuple[Set[str], "re.Pattern[str]"]:
    """(lexicon keys, a regex of the dose grammar's words: salts, forms, routes, release)."""
    keys, salts = set(), []
    for rule in lexicon_rules:
        if rule.get("kind") in ("drug", "misspelling"):
            keys.add(vocabulary_key(rule["name"]))
        elif rule.get("kind") == "salt":
            salts.append(re.escape(rule["name"]))
    patterns = salts + [rule["pattern"] for rule in attribute_rules if rule.get("kind") in ("form", "route", "release")]
    return keys, re.compile("|".join(f"(?:{p})" for p in patterns) or "(?!)", re.IGNORECASE)


def build_vocabulary(
    dictionary: Dict[str, Any],
    lexicon_rules: List[Dict[str, Any]],
    attribute_rules: List[Dict[str, Any]],
    exclude_rules: List[Dict[str, Any]],
    english: EnglishWords,
    stop_words: Iterable[str],
) -> Tuple[List[Dict[str, Any]], Counter]:
    """The vocabulary rules (one per canonical drug) and the count of removed variants by reason."""
    rule = {**DEFAULT_RULE, **next((r for r in exclude_rules if r.get("kind") == "rule"), {})}
    stop_words = set(stop_words)
    class_words = {r["name"].lower() for r in exclude_rules if r.get("kind") == "class_word"}
    excluded = {vocabulary_key(r["name"]) for r in exclude_rules if r.get("kind") == "word"}
    lexicon, grammar = lexicon_words(lexicon_rules, attribute_rules)
    variants: Dict[str, List[str]] = dictionary["drug_variant_to_canonical"]
    canonical_data: Dict[str, Dict[str, Any]] = dictionary["drug_canonical_to_data"]
    all_keys = {vocabulary_key(v) for v in variants}
    word = r"[a-z]+(?:-[a-z]+)*"
    shape = re.compile(rf"{word}(?: {word}){{0,{rule['max_words'] - 1}}}")
    removed: Counter = Counter()
    kept: Dict[str, Dict[str, Any]] = {}
    for variant, canonicals in sorted(variants.items()):
        canonical = canonicals[0]
        data = canonical_data.get(canonical, {})
        key = vocabulary_key(variant)
        words = re.split(r"[ /]", key)
        reason = None
        if not shape.fullmatch(variant.strip().lower()) or sum(c.isalpha() for c in key) < rule["min_length"]:
            reason = "shape"
        elif data.get("mesh_id") and not data.get("drugbank_id") and not data.get("medline_plus_id"):
            reason = "identity"
        elif (
            class_words.intersection(words)
            or (len(words) == 1 and key.endswith("s") and (key[:-1] in all_keys or key[:-1] in lexicon or (key.endswith("es") and key[:-2] in all_keys)))
            or (len(words) == 1 and english.is_inflected_plural(key))
        ):
            reason = "class"
        elif stop_words.intersection(words):
            reason = "stop_word"
        elif all(english.is_common(w, rule["common_word_logprob"]) for w in words):
            reason = "common_word"
        elif key in lexicon or lexicon.intersection(words) or any(grammar.fullmatch(w) for w in words):
            reason = "lexicon"
        elif key in excluded:
            reason = "excluded"
        if reason:
            removed[reason] += 1
            continue
        entry = kept.setdefault(
            canonical,
            {
                "kind": "drug",
                "generic": generic_name(canonical),
                "drugbank_id": data.get("drugbank_id"),
                "mesh_id": data.get("mesh_id"),
                "names": [],
            },
        )
        if key not in entry["names"]:
            entry["names"].append(key)
    rules = [{**e, "names": sorted(e["names"])} for _, e in sorted(kept.items())]
    return rules, removed


def generic_name(canonical: str) -> str:
    """The canonical name as the lexicon writes ingredients: "fluticasone and salmeterol" -> "fluticasone/salmeterol"."""
    if re.search(r"\band\b", canonical) and "(" not in canonical:
        return "/".join(p.strip() for p in re.split(r",?\s+and\s+|,\s+", canonical) if p.strip())
    return canonical


def lexicon_ids(rule: Dict[str, Any], dictionary: Dict[str, Any]) -> Dict[str, Optional[str]]:
    """DrugBank and MeSH ids of a lexicon entry: its name, else its ingredient(s), in the vocabulary."""
    variants, data = dictionary["drug_variant_to_canonical"], dictionary["drug_canonical_to_data"]
    ingredients = rule.get("generic", "").split("/")
    candidates = [rule["name"], rule.get("of", ""), rule.get("generic", "")]
    if len(ingredients) == 2:
        candidates += [f"{ingredients[0]} and {ingredients[1]}", f"{ingredients[1]} and {ingredients[0]}"]
    elif len(ingredients) > 2:
        candidates.append(", ".join(ingredients[:-1]) + ", and " + ingredients[-1])
    for candidate in candidates:
        canonical = variants.get(candidate.lower().strip())
        if canonical:
            info = data.get(canonical[0], {})
            if info.get("drugbank_id") or info.get("mesh_id"):
                return {"drugbank_id": info.get("drugbank_id"), "mesh_id": info.get("mesh_id")}
    return {"drugbank_id": None, "mesh_id": None}


def annotate_lexicon(path: Path, dictionary: Dict[str, Any]) -> None:
    """Write the DrugBank and MeSH ids of each lexicon entry into its line (other lines kept as they are)."""
    lines = []
    for line in path.read_text(encoding="utf8").splitlines():
        if line.startswith("{"):
            rule = json.loads(line)
            if rule.get("kind") in ("drug", "misspelling"):
                rule.update(lexicon_ids(rule, dictionary))
                line = json.dumps(rule, ensure_ascii=False)
        lines.append(line)
    path.write_text("\n".join(lines) + "\n", encoding="utf8")


def corpus_non_drugs(rules: List[Dict[str, Any]], corpus: Path) -> Dict[str, int]:
    """Vocabulary names found in the gold letters (`corpus/gold`) that the gold does not count as drugs.

    Words only: each letter's text is scanned for 1-3 word names; a name the
    gold letter lists among its `drug_mentions` is a drug there.
    """
    import srsly

    names = {vocabulary_key(n) for r in rules if r.get("kind") == "drug" for n in r["names"]}
    found: Counter = Counter()
    for gold_path in sorted((corpus / "gold").glob("*.json")):
        gold = srsly.read_json(gold_path)
        text_path = next((p for p in (corpus / d / f"{gold['id']}.txt" for d in ("seeds", "dev", "synthetic")) if p.exists()), None)
        if text_path is None:
            continue
        mentions = {vocabulary_key(m) for m in gold.get("drug_mentions", [])}
        words = re.findall(r"[A-Za-z]+(?:-[A-Za-z]+)*", text_path.read_text(encoding="utf8"))
        for n in (1, 2, 3):
            for i in range(len(words) - n + 1):
                key = vocabulary_key(" ".join(words[i : i + n]))
                if key in names and key not in mentions:
                    found[key] += 1
    return dict(found)


def main(argv: Optional[List[str]] = None) -> int:
    """`python -m imr.components.drug_vocabulary build [--corpus DIR] [--patterns DIR]`."""
    import argparse

    from spacy.lang.en.stop_words import STOP_WORDS

    from ..resources import read_rules

    parser = argparse.ArgumentParser(prog="python -m imr.components.drug_vocabulary", description=__doc__.split("\n\n")[0])
    parser.add_argument("command", choices=["build"])
    parser.add_argument("--patterns", type=Path, default=Path(__file__).resolve().parents[2] / "patterns", help="the patterns folder to read and write")
    parser.add_argument("--corpus", type=Path, default=None, help="also exclude names the gold letters of this corpus folder use for non-drugs")
    args = parser.parse_args(argv)
    patterns = args.patterns
    dictionary = read_package_dictionary()
    lexicon_rules = read_rules(patterns / "drugs.jsonl")
    attribute_rules = read_rules(patterns / "drug_attributes.jsonl")
    exclude_path = patterns / EXCLUDE_FILE
    exclude_rules = read_rules(exclude_path)
    english = EnglishWords.load()
    rules, removed = build_vocabulary(dictionary, lexicon_rules, attribute_rules, exclude_rules, english, STOP_WORDS)
    if args.corpus is not None:
        derived = corpus_non_drugs(rules, args.corpus)
        lines = [line for line in exclude_path.read_text(encoding="utf8").splitlines() if '"source": "corpus"' not in line]
        lines += [json.dumps({"kind": "word", "name": name, "source": "corpus", "reason": f"in the gold letters {count}x, never as a drug"}) for name, count in sorted(derived.items())]
        exclude_path.write_text("\n".join(lines) + "\n", encoding="utf8")
        exclude_rules = read_rules(exclude_path)
        rules, removed = build_vocabulary(dictionary, lexicon_rules, attribute_rules, exclude_rules, english, STOP_WORDS)
    annotate_lexicon(patterns / "drugs.jsonl", dictionary)
    names = sum(len(r["names"]) for r in rules)
    header = {"kind": "source", "package": DISTRIBUTION, "version": package_version(), "drugs": len(rules), "names": names,
              "variants_in_package": len(dictionary["drug_variant_to_canonical"]), "removed": dict(sorted(removed.items()))}
    lines = ["// Generated by `python -m imr.components.drug_vocabulary build` from the drug-named-entity-recognition package",
             "// (MIT; MeSH, DrugBank, MedlinePlus), filtered by drug_vocabulary_exclude.jsonl. Do not edit: edit the filter and rebuild.",
             json.dumps(header, ensure_ascii=False)] + [json.dumps(r, ensure_ascii=False) for r in rules]
    (patterns / VOCABULARY_FILE).write_text("\n".join(lines) + "\n", encoding="utf8")
    print(f"{len(rules)} drugs, {names} names; removed: {dict(removed)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
