"""Drug mentions (`imr_drugs`): every medication named in a letter is a `DRUG`.

The lexicon is data (`patterns/drugs.jsonl`): brand and generic names with
their ingredient (`generic`) and `drug_class`, known misspellings of the
letters ("Baclofan", "Buproprion", "Wellburtrin"), salt words that belong to
the name as written ("Bupropion HCL", "Diclofenac sodium") and stopwords. A
name that is an English word in other cases carries `"match_case": true`
and matches only as written ("Versed", not "well versed").

Names are compiled once into a single trie-shaped regex (case-insensitive,
whitespace and line breaks allowed inside multi-word names, `-`/`/` inside
combinations such as "Diclofenac-\nmisoprostol"), tried on the original text
only at tokens whose lower form starts a lexicon name (found with one numpy
`isin` over the token array). A guarded edit-distance match catches other
misspellings: only alphabetic tokens of 7+ letters directly followed by a
number ("Gabapenton 600mg"), at most one edit (two for 10+ letters), same
first letter. Drug classes ("opioids", "NSAIDs") are not in the lexicon.

Two more layers find names the lexicon does not have (see docs/drugs.md):

- the drug vocabulary (`patterns/drug_vocabulary.jsonl`, built from the
  `drug-named-entity-recognition` package and filtered by
  `patterns/drug_vocabulary_exclude.jsonl`; `drug_vocabulary.py`), tried at
  tokens no lexicon name took; config `vocabulary = false` turns it off;
- names found from their shape (`patterns/drug_shapes.jsonl`): a word that a
  decision header or a "request for ..." directly follows with a dosage
  form, a strength or a dispensed quantity ("Xyzcream 4% #30: Upheld"),
  guarded against equipment and services ("TENS unit #1", "Lumbar brace #1"),
  and then every other mention of that word in the letter; config
  `shapes = false` turns it off.

Each DRUG span gets `span._.imr_drug = {"name", "generic", "drug_class",
"drugbank_id", "mesh_id", "source"}` (`source`: "lexicon", "vocabulary" or
"shape"); `imr_drug_attributes` adds strength, quantity, refills, form, ...
"""

import re
from functools import lru_cache
from typing import Any, Callable, Dict, FrozenSet, Iterable, List, Optional, Set, Tuple

import numpy
import srsly
from spacy.lang.en.stop_words import STOP_WORDS
from spacy.language import Language
from spacy.strings import get_string_id
from spacy.tokens import Doc, Span
from spacy.util import ensure_path, registry

from . import extensions  # noqa: F401  (registers the imr_* attributes)
from .entities import add_entities
from .base import RuleComponent
from .layout import doc_text
from .drug_vocabulary import COLUMNS, EXCLUDE_FILE, VOCABULARY_FILE, VocabularyLayer, is_in
from .scorers import DRUG_METRICS, gold_scorer, weights
from .sections import SECTIONS_KEY
from ..resources import PathLike, patterns_path, read_rules, write_rules

DRUG_LABEL = "DRUG"
SEPARATOR_RE = re.compile(r"\s*[-/]\s*")
SPACE_RE = re.compile(r"\s+")
LOOKAHEAD_TOKENS = 12  # a name with its salt and line breaks fits in this many tokens
SHAPES_FILE = "drug_shapes.jsonl"
SHAPE_NAME_RE = re.compile(r"[A-Za-z][a-z]{3,}|[A-Z]{5,}|[A-Za-z]+[a-z][A-Za-z]*")  # 4+ letters; all capitals only from 5


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
    default_config={"scorer": {"@scorers": "imr.drugs_scorer.v1"}, "vocabulary": True, "shapes": True},
    default_score_weights=weights(DRUG_METRICS, "drug_mentions_f"),
)
def make_drugs(nlp: Language, name: str, scorer: Optional[Any], vocabulary: bool, shapes: bool) -> "DrugMatcher":
    """Create an `imr_drugs` component.

    vocabulary: also match the drug vocabulary (second lexicon layer).
    shapes: also find names from their shape in decision headers and requests.
    """
    return DrugMatcher(nlp, name, scorer=scorer, vocabulary=vocabulary, shapes=shapes)


class DrugMatcher(RuleComponent):
    """Find drug names from the lexicon (plus guarded misspellings) as DRUG spans."""

    rules_file = "drugs.jsonl"

    def __init__(
        self, nlp: Language, name: str = "imr_drugs", *, scorer: Optional[Any] = None, vocabulary: bool = True, shapes: bool = True
    ) -> None:
        super().__init__(nlp, name)
        self.scorer = scorer
        self.use_vocabulary = vocabulary
        self.use_shapes = shapes
        self.vocabulary_rules: List[Dict[str, Any]] = []
        self.exclude_rules: List[Dict[str, Any]] = []
        self.shape_rules: List[Dict[str, Any]] = []
        self.vocabulary = VocabularyLayer([])
        self.shape_evidence_re: Optional[re.Pattern] = None
        self.request_re: Optional[re.Pattern] = None
        self.shape_guards: FrozenSet[str] = frozenset()
        self.shape_guard_ending_re: Optional[re.Pattern] = None
        self.shape_dose_word_re: Optional[re.Pattern] = None
        self.request_words = numpy.zeros(0, dtype=numpy.uint64)
        self.shape_min_quantity = 10
        self.lexicon: Dict[str, Dict[str, Any]] = {}
        self.fuzzy_targets: Dict[str, List[Tuple[str, Dict[str, Any]]]] = {}
        self.stopwords: set = set()
        self.fuzzy_memo: Dict[str, Optional[Dict[str, Any]]] = {}
        self.pattern: Optional[re.Pattern] = None
        self.unit_after_re: Optional[re.Pattern] = None
        self.first_words = numpy.zeros(0, dtype=numpy.uint64)
        self.known_words = numpy.zeros(0, dtype=numpy.uint64)

    def set_rules(self, rules: List[Dict[str, Any]]) -> None:
        super().set_rules(rules)
        self.lexicon, self.fuzzy_targets, self.stopwords, self.fuzzy_memo = {}, {}, set(), {}
        self.exact_case: Dict[str, str] = {}  # names that are English words in other cases ("Versed")
        salts: List[str] = []
        unit_after: List[str] = []
        for rule in rules:
            kind = rule["kind"]
            if kind in ("drug", "misspelling"):
                entry = {
                    "generic": rule["generic"],
                    "drug_class": rule["drug_class"],
                    "drugbank_id": rule.get("drugbank_id"),
                    "mesh_id": rule.get("mesh_id"),
                    "source": "lexicon",
                }
                key = lexicon_key(rule["name"])
                self.lexicon[key] = entry
                if rule.get("match_case"):
                    self.exact_case[key] = rule["name"]
                if kind == "drug" and re.fullmatch(r"[a-z]{6,}", key) and key not in self.exact_case:
                    self.fuzzy_targets.setdefault(key[0], []).append((key, entry))
            elif kind == "salt":
                salts.append(rule["name"])
            elif kind == "stopword":
                self.stopwords.add(rule["name"].lower())
            elif kind == "unit_after":
                unit_after.append(rule["pattern"])
        self.unit_after_re = re.compile("|".join(f"(?:{p})" for p in unit_after), re.IGNORECASE) if unit_after else None
        first = {re.split(r"[ /]", key)[0] for key in self.lexicon}
        self.first_words = numpy.array(sorted(get_string_id(w) for w in first | {w + "-" for w in first}), dtype=numpy.uint64)
        self.known_words = numpy.array(sorted(get_string_id(w) for w in set(self.lexicon) | self.stopwords), dtype=numpy.uint64)
        names = trie_regex(sorted(self.lexicon))
        salt_re = "|".join(re.escape(s) for s in sorted(set(salts), key=len, reverse=True))
        salt_part = rf"(?:\s+(?:{salt_re}))?" if salt_re else ""
        self.pattern = re.compile(rf"(?P<name>{names})(?P<salt>{salt_part})(?![A-Za-z0-9])", re.IGNORECASE)
        self.set_vocabulary(self.vocabulary_rules, self.exclude_rules)

    def initialize(
        self,
        get_examples: Optional[Callable[[], Iterable[Any]]] = None,
        *,
        nlp: Optional[Language] = None,
        rules: Optional[List[Dict[str, Any]]] = None,
        rules_path: Optional[PathLike] = None,
        vocabulary: Optional[List[Dict[str, Any]]] = None,
        exclude: Optional[List[Dict[str, Any]]] = None,
        shapes: Optional[List[Dict[str, Any]]] = None,
    ) -> None:
        """Load the lexicon, the vocabulary with its exclude list, and the shape rules (idempotent).

        rules / rules_path: the lexicon instead of the bundled `drugs.jsonl`.
        vocabulary, exclude, shapes: instead of the bundled files (an empty
        list turns a layer off; so do the config settings `vocabulary` and
        `shapes`).
        """
        if vocabulary is None:
            vocabulary = read_rules(patterns_path(VOCABULARY_FILE)) if self.use_vocabulary else []
        if exclude is None:
            exclude = read_rules(patterns_path(EXCLUDE_FILE)) if self.use_vocabulary else []
        if shapes is None:
            shapes = read_rules(patterns_path(SHAPES_FILE)) if self.use_shapes else []
        self.vocabulary_rules, self.exclude_rules = list(vocabulary), list(exclude)
        self.set_shapes(list(shapes))
        if rules is None:
            rules = read_rules(rules_path or patterns_path(self.rules_file))
        self.set_rules(list(rules))

    def require_rules(self) -> None:
        if self.pattern is None:  # never initialized (an empty lexicon is a lexicon)
            self.initialize()

    def set_vocabulary(self, vocabulary: List[Dict[str, Any]], exclude: List[Dict[str, Any]]) -> None:
        """The second layer: vocabulary names the lexicon does not have, less the excluded ones."""
        self.vocabulary_rules, self.exclude_rules = vocabulary, exclude
        self.vocabulary = VocabularyLayer(vocabulary, exclude, skip=set(self.lexicon) | self.stopwords)

    def set_shapes(self, rules: List[Dict[str, Any]]) -> None:
        self.shape_rules = rules
        by_kind: Dict[str, List[Dict[str, Any]]] = {}
        for rule in rules:
            by_kind.setdefault(rule["kind"], []).append(rule)
        if not rules:
            self.shape_evidence_re = self.request_re = None
            return
        release = "|".join(r["pattern"] for r in by_kind.get("release", [])) or "(?!)"
        forms = "|".join(r["pattern"] for r in by_kind.get("form", [])) or "(?!)"
        strength = "|".join(r["pattern"] for r in by_kind.get("strength", [])) or "(?!)"
        quantity = "|".join(r["pattern"] for r in by_kind.get("quantity", [])[:1]) or "(?!)"
        self.shape_min_quantity = next((r.get("min", 1) for r in by_kind.get("quantity", [])), 1)
        self.shape_evidence_re = re.compile(
            rf"[ \t\r\n]*(?:\(\s*)?(?:(?:{release})(?![A-Za-z])[ \t\r\n,]*)*"
            rf"(?:(?P<form>(?:{forms})(?![A-Za-z]))|(?P<strength>{strength})|(?P<quantity>{quantity}))",
            re.IGNORECASE,
        )
        self.shape_dose_word_re = re.compile(rf"(?:{release}|{forms})", re.IGNORECASE)
        requests = "|".join(r["pattern"] for r in by_kind.get("request", []))
        self.request_re = re.compile(requests, re.IGNORECASE) if requests else None
        # the pattern is tried only at these words (a scan of the whole text would cost more than the rest)
        words = {w.lower() for r in by_kind.get("request", []) for w in r.get("words", [])}
        self.request_words = numpy.array(sorted(get_string_id(w) for w in words), dtype=numpy.uint64)
        self.shape_guards = frozenset(r["name"].lower() for r in by_kind.get("guard", []))
        endings = "|".join(r["pattern"] for r in by_kind.get("guard_ending", []))
        self.shape_guard_ending_re = re.compile(rf"(?:{endings})$", re.IGNORECASE) if endings else None

    def to_disk(self, path: PathLike, *, exclude: Iterable[str] = tuple()) -> None:
        """The lexicon, the vocabulary (~1.5 MB) with its exclude list, and the shape rules."""
        super().to_disk(path, exclude=exclude)
        path = ensure_path(path)
        write_rules(path / VOCABULARY_FILE, self.vocabulary_rules)
        write_rules(path / EXCLUDE_FILE, self.exclude_rules)
        write_rules(path / SHAPES_FILE, self.shape_rules)

    def from_disk(self, path: PathLike, *, exclude: Iterable[str] = tuple()) -> "DrugMatcher":
        path = ensure_path(path)
        optional = {name: read_rules(path / name) if (path / name).exists() else [] for name in (VOCABULARY_FILE, EXCLUDE_FILE, SHAPES_FILE)}
        self.initialize(
            rules=read_rules(path / self.rules_file),
            vocabulary=optional[VOCABULARY_FILE],
            exclude=optional[EXCLUDE_FILE],
            shapes=optional[SHAPES_FILE],
        )
        return self

    def to_bytes(self, *, exclude: Iterable[str] = tuple()) -> bytes:
        data = {"rules": self.rules, "vocabulary": self.vocabulary_rules, "exclude": self.exclude_rules, "shapes": self.shape_rules}
        return srsly.json_dumps(data).encode("utf8")

    def from_bytes(self, bytes_data: bytes, *, exclude: Iterable[str] = tuple()) -> "DrugMatcher":
        data = srsly.json_loads(bytes_data)
        self.initialize(rules=data["rules"], vocabulary=data.get("vocabulary", []), exclude=data.get("exclude", []), shapes=data.get("shapes", []))
        return self

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
        array = doc.to_array(COLUMNS)  # LOWER, IS_ALPHA, LIKE_NUM, LENGTH, IDX, IS_SPACE, IS_PUNCT
        lower = array[:, 0]
        spans: List[Span] = []
        covered = -1
        for i in numpy.flatnonzero(is_in(lower, self.first_words)).tolist():
            if i <= covered:
                continue
            window = doc[i : i + LOOKAHEAD_TOKENS]
            match = self.pattern.match(window.text)
            if match is None:
                continue
            name = match.group("name")
            key = lexicon_key(name)
            entry = self.lexicon.get(key)
            if entry is None or self.exact_case.get(key, name) != name:
                continue  # "well versed" is no drug, "Versed 2mg" is
            span = self.make_span(doc, window.start_char, window.text[: match.end()], entry)
            if span is not None:
                spans.append(span)
                covered = span.end - 1
        taken = {t for span in spans for t in range(span.start, span.end)}
        text = doc_text(doc)
        for start, end, entry in self.vocabulary.find(doc, text, array, taken):
            span = self.make_span(doc, doc[start].idx, doc[start:end].text, {**entry, "drug_class": None, "source": "vocabulary"})
            if span is not None:
                spans.append(span)
                taken.update(range(span.start, span.end))
        following_number = numpy.zeros(len(doc), dtype=bool)
        following_number[:-1] = array[1:, 2] == 1
        fuzzy = (array[:, 1] == 1) & (array[:, 3] >= 7) & following_number & ~is_in(lower, self.known_words)
        for i in numpy.flatnonzero(fuzzy).tolist():
            entry = None if i in taken else self.fuzzy_lookup(doc[i].text)
            if entry is not None:
                span = self.make_span(doc, doc[i].idx, doc[i].text, entry)
                if span is not None:
                    spans.append(span)
                    taken.update(range(span.start, span.end))
        if self.shape_evidence_re is not None:
            spans.extend(self.find_shapes(doc, text, array, taken))
        return sorted(spans, key=lambda span: span.start)

    def find_shapes(self, doc: Doc, text: str, array: numpy.ndarray, taken: Set[int]) -> List[Span]:
        """Names the letter shows are drugs (header or request + form/strength/quantity), then all their mentions."""
        lower = array[:, 0]
        possible = (array[:, 1] == 1) & (array[:, 3] >= 4)  # alphabetic, 4+ letters
        candidates: List[int] = []
        for header in doc.spans.get(SECTIONS_KEY, []):
            if header.label_ == "decision_header":
                candidates.extend(header.start + numpy.flatnonzero(possible[header.start : header.end]))
        if self.request_re is not None and len(self.request_words):
            for i in numpy.flatnonzero(is_in(lower, self.request_words)).tolist():
                match = self.request_re.match(text, doc[i].idx)
                if match is not None:
                    token = doc.char_span(match.end(), match.end() + 1, alignment_mode="expand")
                    if token is not None:
                        candidates.append(token.start)
        if not candidates:
            return []
        candidates_array = numpy.asarray(candidates, dtype=numpy.int64)
        # English words out in one vectorised look-up: most words of a header are English
        candidates_array = candidates_array[possible[candidates_array] & ~is_in(lower[candidates_array], english_ids())]
        names: Set[str] = set()
        for i in candidates_array.tolist():
            if i not in taken and self.shape_name(doc, i) and self.shape_evidence(doc, text, i):
                names.add(doc[i].lower_)
        if not names:
            return []
        spans = []
        ids = numpy.array(sorted(get_string_id(n) for n in names), dtype=numpy.uint64)
        entry = {"generic": None, "drug_class": None, "drugbank_id": None, "mesh_id": None, "source": "shape"}
        for i in numpy.flatnonzero(is_in(lower, ids)).tolist():
            if i not in taken and not glued(doc, i):
                span = self.make_span(doc, doc[i].idx, doc[i].text, entry)
                if span is not None:
                    spans.append(span)
        return spans

    def shape_name(self, doc: Doc, i: int) -> bool:
        """A word that may be a drug name: 4+ letters, not English, not a stop, dose or guard word."""
        token = doc[i]
        word = token.lower_
        if word in STOP_WORDS or word in self.shape_guards or word in self.stopwords or is_english_word(word):
            return False  # set look-ups first: most words of a header are English
        if not SHAPE_NAME_RE.fullmatch(token.text):
            return False
        if self.shape_dose_word_re is not None and self.shape_dose_word_re.fullmatch(token.text):
            return False
        if self.shape_guard_ending_re is not None and self.shape_guard_ending_re.search(word):
            return False  # "subacromial injection", "transforaminal injection": where, not what
        return not glued(doc, i)

    def shape_evidence(self, doc: Doc, text: str, i: int) -> bool:
        """The word is followed by a dosage form, a strength or a dispensed count (10 or more)."""
        token = doc[i]
        match = self.shape_evidence_re.match(text, token.idx + len(token.text))
        if match is None:
            return False
        if match.group("quantity") is not None:
            number = re.search(r"\d+", match.group("quantity"))
            return number is not None and int(number.group(0)) >= self.shape_min_quantity
        return True

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
        """A DRUG span for a name written at `start`; None when it is not token-aligned or the
        words after it make it a unit ("morphine equivalents": `unit_after` rules)."""
        end = start + len(written)
        if self.unit_after_re is not None and self.unit_after_re.match(doc_text(doc), end):
            return None
        span = doc.char_span(start, end, label=DRUG_LABEL)
        if span is None:
            return None
        span._.imr_drug = {
            "name": display_name(written),
            "generic": entry["generic"],
            "drug_class": entry["drug_class"],
            "drugbank_id": entry.get("drugbank_id"),
            "mesh_id": entry.get("mesh_id"),
            "source": entry.get("source", "lexicon"),
        }
        return span


def glued(doc: Doc, i: int) -> bool:
    """The token is part of a hyphenated or slashed word ("Lido-Pro", "A/B")."""
    before = i > 0 and not doc[i - 1].whitespace_ and doc[i - 1].text in ("-", "/")
    after = i + 1 < len(doc) and not doc[i].whitespace_ and doc[i + 1].text in ("-", "/")
    return before or after


@lru_cache(maxsize=1)
def english_tables() -> Tuple[FrozenSet[str], Any]:
    """(WordNet lemmas, the lemma look-up of inflected forms) from spaCy's English lookup tables.

    From `spacy-lookups-data` (a dependency): about 0.3 s, once per process.
    Without it the shape rule relies on its other guards.
    """
    try:
        from spacy.lookups import load_lookups

        lookups = load_lookups("en", ["lemma_index", "lemma_lookup"])
    except Exception:  # noqa: BLE001 - the tables are optional
        return frozenset(), {}
    lemmas = frozenset(w for words in lookups.get_table("lemma_index").values() for w in words)
    return lemmas, lookups.get_table("lemma_lookup")  # a spaCy Table: `get` takes the word


@lru_cache(maxsize=1)
def english_ids() -> numpy.ndarray:
    """The hashes of the English words of `english_tables` (lemmas and inflected forms), sorted."""
    lemmas, lookup = english_tables()
    ids = {get_string_id(w) for w in lemmas}
    if hasattr(lookup, "items"):
        ids.update(int(key) if isinstance(key, int) else get_string_id(key) for key, lemma in lookup.items() if lemma in lemmas)
    return numpy.array(sorted(ids), dtype=numpy.uint64)


def is_english_word(word: str) -> bool:
    """An English word, an inflected form of one, or a regular plural of one ("electrodes", "batteries")."""
    lemmas, lookup = english_tables()
    if word in lemmas or lookup.get(word) in lemmas:
        return True
    if word.endswith("ies") and word[:-3] + "y" in lemmas:
        return True
    return word.endswith("s") and (word[:-1] in lemmas or (word.endswith("es") and word[:-2] in lemmas))


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
