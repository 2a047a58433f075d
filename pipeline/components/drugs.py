"""Drug mentions (`imr_drugs`): every medication named in a letter is a `DRUG`.

The lexicon is data (`patterns/drugs.jsonl`): brand and generic names with
their ingredient (`generic`) and `drug_class`, known misspellings of the
letters ("Baclofan", "Buproprion", "Wellburtrin"), salt words that belong to
the name as written ("Bupropion HCL", "Diclofenac sodium") and stopwords.

Names are compiled once into a single trie-shaped regex (case-insensitive,
whitespace and line breaks allowed inside multi-word names, `-`/`/` inside
combinations such as "Diclofenac-\nmisoprostol"), tried on the original text
only at tokens whose lower form starts a lexicon name (found with one numpy
`isin` over the token array). A guarded edit-distance match catches other
misspellings: only alphabetic tokens of 7+ letters directly followed by a
number ("Gabapenton 600mg"), at most one edit (two for 10+ letters), same
first letter. Drug classes ("opioids", "NSAIDs") are not in the lexicon.

Each DRUG span gets `span._.imr_drug = {"name", "generic", "drug_class"}`;
`imr_drug_attributes` adds strength, quantity, refills, form, ...
"""

import re
from typing import Any, Callable, Dict, Iterable, List, Optional, Tuple

import numpy
from spacy.attrs import IS_ALPHA, LENGTH, LIKE_NUM, LOWER
from spacy.language import Language
from spacy.strings import get_string_id
from spacy.tokens import Doc, Span
from spacy.util import registry

from . import extensions  # noqa: F401  (registers the imr_* attributes)
from .entities import add_entities
from .base import RuleComponent
from .scorers import DRUG_METRICS, gold_scorer, weights

DRUG_LABEL = "DRUG"
SEPARATOR_RE = re.compile(r"\s*[-/]\s*")
SPACE_RE = re.compile(r"\s+")
LOOKAHEAD_TOKENS = 12  # a name with its salt and line breaks fits in this many tokens


def lexicon_key(name: str) -> str:
    """Case- and layout-free key of a name: "Diclofenac-\\nmisoprostol" -> "diclofenac/misoprostol"."""
    return SPACE_RE.sub(" ", SEPARATOR_RE.sub("/", name.strip().lower()))


def display_name(text: str) -> str:
    """The name as written, line breaks removed: "Diclofenac-\\nmisoprostol" -> "Diclofenac-misoprostol"."""
    text = re.sub(r"\s*([-/])\s*", r"\1", text.strip())
    return SPACE_RE.sub(" ", text)


@registry.scorers("imr.drugs_scorer.v1")
def make_drugs_scorer() -> Callable[..., Dict[str, Any]]:
    """Drug mentions P/R/F against the gold letters' mentions (as `imr evaluate`)."""
    return gold_scorer(DRUG_METRICS)


@Language.factory(
    "imr_drugs",
    assigns=["doc.spans", "doc.ents", "span._.imr_drug"],
    default_config={"scorer": {"@scorers": "imr.drugs_scorer.v1"}},
    default_score_weights=weights(DRUG_METRICS, "drug_mentions_f"),
)
def make_drugs(nlp: Language, name: str, scorer: Optional[Any]) -> "DrugMatcher":
    """Create an `imr_drugs` component."""
    return DrugMatcher(nlp, name, scorer=scorer)


class DrugMatcher(RuleComponent):
    """Find drug names from the lexicon (plus guarded misspellings) as DRUG spans."""

    rules_file = "drugs.jsonl"

    def __init__(self, nlp: Language, name: str = "imr_drugs", *, scorer: Optional[Any] = None) -> None:
        super().__init__(nlp, name)
        self.scorer = scorer
        self.lexicon: Dict[str, Dict[str, Any]] = {}
        self.fuzzy_targets: Dict[str, List[Tuple[str, Dict[str, Any]]]] = {}
        self.stopwords: set = set()
        self.fuzzy_memo: Dict[str, Optional[Dict[str, Any]]] = {}
        self.pattern: Optional[re.Pattern] = None
        self.first_words = numpy.zeros(0, dtype=numpy.uint64)
        self.known_words = numpy.zeros(0, dtype=numpy.uint64)

    def set_rules(self, rules: List[Dict[str, Any]]) -> None:
        super().set_rules(rules)
        self.lexicon, self.fuzzy_targets, self.stopwords, self.fuzzy_memo = {}, {}, set(), {}
        salts: List[str] = []
        for rule in rules:
            kind = rule["kind"]
            if kind in ("drug", "misspelling"):
                entry = {"generic": rule["generic"], "drug_class": rule["drug_class"]}
                self.lexicon[lexicon_key(rule["name"])] = entry
                key = lexicon_key(rule["name"])
                if kind == "drug" and re.fullmatch(r"[a-z]{6,}", key):
                    self.fuzzy_targets.setdefault(key[0], []).append((key, entry))
            elif kind == "salt":
                salts.append(rule["name"])
            elif kind == "stopword":
                self.stopwords.add(rule["name"].lower())
        first = {re.split(r"[ /]", key)[0] for key in self.lexicon}
        self.first_words = numpy.array(sorted(get_string_id(w) for w in first | {w + "-" for w in first}), dtype=numpy.uint64)
        self.known_words = numpy.array(sorted(get_string_id(w) for w in set(self.lexicon) | self.stopwords), dtype=numpy.uint64)
        names = trie_regex(sorted(self.lexicon))
        salt_re = "|".join(re.escape(s) for s in sorted(set(salts), key=len, reverse=True))
        salt_part = rf"(?:\s+(?:{salt_re}))?" if salt_re else ""
        self.pattern = re.compile(rf"(?P<name>{names})(?P<salt>{salt_part})(?![A-Za-z0-9])", re.IGNORECASE)

    def __call__(self, doc: Doc) -> Doc:
        self.require_rules()
        add_entities(doc, self.find(doc), labels=[DRUG_LABEL])
        return doc

    def find(self, doc: Doc) -> List[Span]:
        """DRUG spans, in text order.

        Vectorised over the tokens: only tokens whose lower form starts a
        lexicon name are tried with the name regex (on a few tokens of text);
        only long alphabetic unknown tokens followed by a number go to the
        fuzzy match. Names not aligned to tokens (inside a URL) are skipped.
        """
        if len(doc) == 0:
            return []
        array = doc.to_array([LOWER, IS_ALPHA, LIKE_NUM, LENGTH])
        lower = array[:, 0]
        spans: List[Span] = []
        covered = -1
        for i in numpy.flatnonzero(numpy.isin(lower, self.first_words)).tolist():
            if i <= covered:
                continue
            window = doc[i : i + LOOKAHEAD_TOKENS]
            match = self.pattern.match(window.text)
            entry = self.lexicon.get(lexicon_key(match.group("name"))) if match else None
            if entry is None:
                continue
            span = self.make_span(doc, window.start_char, window.text[: match.end()], entry)
            if span is not None:
                spans.append(span)
                covered = span.end - 1
        following_number = numpy.zeros(len(doc), dtype=bool)
        following_number[:-1] = array[1:, 2] == 1
        fuzzy = (array[:, 1] == 1) & (array[:, 3] >= 7) & following_number & ~numpy.isin(lower, self.known_words)
        taken = {t for span in spans for t in range(span.start, span.end)}
        for i in numpy.flatnonzero(fuzzy).tolist():
            entry = None if i in taken else self.fuzzy_lookup(doc[i].text)
            if entry is not None:
                span = self.make_span(doc, doc[i].idx, doc[i].text, entry)
                if span is not None:
                    spans.append(span)
        return sorted(spans, key=lambda span: span.start)

    def fuzzy_lookup(self, word: str) -> Optional[Dict[str, Any]]:
        """The lexicon entry one edit (two for 10+ letters) away from `word`, if any."""
        key = word.lower()
        if key not in self.fuzzy_memo:
            self.fuzzy_memo[key] = None
            limit = 1 if len(key) < 10 else 2
            if key not in self.stopwords and key not in self.lexicon:
                for target, entry in self.fuzzy_targets.get(key[0], []):
                    if abs(len(target) - len(key)) <= limit and edit_distance(key, target, limit) <= limit:
                        self.fuzzy_memo[key] = entry
                        break
            if len(self.fuzzy_memo) > 50000:
                self.fuzzy_memo.clear()
        return self.fuzzy_memo.get(key)

    def make_span(self, doc: Doc, start: int, written: str, entry: Dict[str, Any]) -> Optional[Span]:
        span = doc.char_span(start, start + len(written), label=DRUG_LABEL)
        if span is None:
            return None
        span._.imr_drug = {"name": display_name(written), "generic": entry["generic"], "drug_class": entry["drug_class"]}
        return span


def trie_regex(keys: Iterable[str]) -> str:
    """One regex matching any of `keys` (lexicon keys), sharing prefixes like a trie.

    In keys, " " stands for any whitespace and "/" for "-" or "/" with
    optional whitespace around it. Longer names win (greedy optional tails).
    """
    trie: Dict[str, Any] = {}
    for key in keys:
        node = trie
        for char in key:
            node = node.setdefault(char, {})
        node[""] = {}

    def atom(char: str) -> str:
        if char == " ":
            return r"\s+"
        if char == "/":
            return r"\s*[-/]\s*"
        return re.escape(char)

    def build(node: Dict[str, Any]) -> str:
        ends = "" in node
        branches = [atom(char) + build(child) for char, child in sorted(node.items()) if char != ""]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        return f"(?:{body})?" if ends else body

    return build(trie)


def edit_distance(a: str, b: str, limit: int) -> int:
    """Damerau-Levenshtein distance (adjacent transpositions), stopping early above `limit`."""
    previous2: List[int] = []
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, start=1):
        current = [i] + [0] * len(b)
        for j, cb in enumerate(b, start=1):
            cost = 0 if ca == cb else 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                current[j] = min(current[j], previous2[j - 2] + 1)
        if min(current) > limit:
            return limit + 1
        previous2, previous = previous, current
    return previous[-1]
