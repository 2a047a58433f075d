"""Drug-name augmentation for `spacy train`: models learn the genre, not the names they saw.

Silver training letters name a few dozen drugs; a model trained on them
learns those names. `imr.drug_names.v1` (spaCy's `augmenters` registry,
exposed through the `spacy_augmenters` entry point, so configs need no
`--code`) works like `spacy.orth_variants.v1`: for a share `level` of the
training examples it rewrites the example, replacing the tokens of every DRUG
span (from `doc.ents` and every span group) by a random drug name of one or
more tokens, and, for a share `strength_level`, every STRENGTH span by a
random strength. Names are drawn from the maintained drug data:

- the drug vocabulary (`patterns/drug_vocabulary.jsonl`, read through
  `imr.components.drug_vocabulary.VocabularyLayer`, so its exclude list
  applies, and skipping every name of the genre's lexicon), keeping names of at
  most `max_words` words none of which is an English word
  (`imr.components.drugs.is_english_word`): 22,735 names;
- with probability `lexicon_share` (0 in `configs/*.cfg`), the genre's lexicon
  instead (`patterns/drugs.jsonl`, kind "drug").

The configs draw from the vocabulary only. The lexicon was written from the
gold letters, so it holds the drug names of the dev letters (and all but one
of the test letters'); drawn from, it would teach the model the very names that `imr compare` scores as
"absent from training" (`unseen_r`). The vocabulary skips the lexicon's names,
so none of the gold names absent from the training letters is ever drawn
(`tests/test_training.py` checks it on `corpus/dev.spacy` and
`corpus/test.spacy`).

Within one example a name is always replaced by the same new name ("Norco ...
Norco" -> "Zolpidem ... Zolpidem"), written in the case of the mention (all
capitals, capitalised, or lower case). A salt the mention ends with (the
lexicon's `salt` rules: "Bupropion HCL", "Pantoprazole sodium") is kept after
the new name, and a share `salt_share` of the new names without one get a
random salt, so a model learns that the salt belongs to the name. The reference Doc is rebuilt from the
new words and every entity and span (OUTCOME, CRITERION, PAGES, ...) keeps its
tokens: a span around a replaced name grows or shrinks with it. Two options,
off in the configs (on the dev letters they did not help): `lower_share`
writes a share of the new names in lower case, and `whitespace_level` puts
line breaks between words (outside entities) as PDF text does.

Decoys (`decoy_level`, off by default): with drug names drawn from the
vocabulary, every word a model never met in training stands where a drug is,
so it learns "never seen" = DRUG and tags rare capitalised words ("Title",
"Sacramento", "Tarasoff"). For a share `decoy_level` of the examples (drawn
independently of `level`), a share `decoy_per_token` of the capitalised words
outside every entity (alphabetic, at least 3 letters, not a stop word, in no
DRUG or STRENGTH span of any group; decided once per word) is replaced by a
random name-like word that is not a drug (`decoy_words`: capitalised words of
spaCy's English word probabilities more frequent than their lower case form,
minus every word of a drug name of the lexicon, the vocabulary and the
drug-named-entity-recognition package), written in the word's case, the same
decoy for every mention of one word in the example. The reference Doc is
rebuilt as for names: the decoy stays outside every entity, and spans around
it keep their tokens. Over three seeds decoys raised dev DRUG precision but
cost as much recall (docs/training.md), so `configs/ner.cfg` keeps them off.
`ending_share` (off) draws a share of the names among the vocabulary's names
that end like a word of the example outside every entity; it did not help.

`combination_share` (0.15 in `configs/ner.cfg`) writes a share of the new
names as combination products, two one-word names joined by "/" or "-"
("Ketorolac/lyrica", "Hydrocodone-Acetaminophen"): the letters name combination
drugs that way, the silver letters seldom do, and a name replaced by one word
taught the model to split them.

    [corpora.train.augmenter]
    @augmenters = "imr.drug_names.v1"
    level = 0.8
    lexicon_share = 0.0
    strength_level = 0.3
    max_words = 2
    salt_share = 0.1
    names = null
    lower_share = 0.0
    whitespace_level = 0.0
    whitespace_per_token = 0.1
    decoy_level = 0.0
    decoy_per_token = 0.3
    decoys = null
    ending_share = 0.0
    combination_share = 0.15
"""
import gzip
import json
import random
import re
from functools import lru_cache, partial
from typing import Callable, Dict, FrozenSet, Iterator, List, Optional, Sequence, Tuple

from spacy.lang.en.stop_words import STOP_WORDS
from spacy.language import Language
from spacy.tokens import Doc, Span
from spacy.training import Example
from spacy.util import registry

from ..components.drug_vocabulary import EXCLUDE_FILE, VOCABULARY_FILE, VocabularyLayer, read_package_dictionary
from ..components.drugs import DrugMatcher, is_english_word
from ..resources import patterns_path, read_rules

DRUG = "DRUG"
STRENGTH = "STRENGTH"
STRENGTH_VALUES = ("0.5", "1", "2", "2.5", "4", "5", "7.5", "10", "15", "20", "25", "30", "37.5", "40", "50", "75", "100", "150", "200", "250", "300", "325", "500", "600", "750", "800", "1000")
STRENGTH_UNITS = ("mg", "mg", "mg", "mg", "mcg", "%", "ml")
WORD_RE = re.compile(r"[a-z]+")
LINE_BREAKS = ("\n\n", "\n\n", "\n")  # as PDF text puts them between the words of a sentence
DECOY_RE = re.compile(r"[A-Z][a-z]{3,13}")  # a capitalised word of 4-14 letters
COMBINATION_JOINERS = ("/", "/", "-")  # "hydrocodone/APAP", "Hydrocodone-acetaminophen"
ENDING = 3  # letters of a word's ending (spaCy's SUFFIX feature)
REPEAT_RE = re.compile(r"(.)\1\1")  # "Aaaaand"
DECOY_MIN_PROB = -17.0  # spaCy's English log probabilities: about 22,000 such words above it


@lru_cache(maxsize=1)
def lexicon_names() -> Tuple[str, ...]:
    """The lexicon's drug names as it writes them (`patterns/drugs.jsonl`, kind "drug")."""
    rules = read_rules(patterns_path(DrugMatcher.rules_file))
    return tuple(sorted({r["name"] for r in rules if r.get("kind") == "drug"}))


@lru_cache(maxsize=1)
def salt_words() -> Tuple[str, ...]:
    """The salts the lexicon keeps in a name ("HCL", "sodium"; `patterns/drugs.jsonl`, kind "salt")."""
    rules = read_rules(patterns_path(DrugMatcher.rules_file))
    return tuple(sorted({r["name"] for r in rules if r.get("kind") == "salt"}))


@lru_cache(maxsize=4)
def vocabulary_names(max_words: int = 2) -> Tuple[str, ...]:
    """Drug vocabulary names (exclude list applied, lexicon names skipped) of at most
    `max_words` words, none of them English; "/" in a key is written "-"."""
    lexicon = {name.lower() for name in lexicon_names()}
    layer = VocabularyLayer(read_rules(patterns_path(VOCABULARY_FILE)), read_rules(patterns_path(EXCLUDE_FILE)), skip=lexicon)
    names = []
    for key in layer.entries:
        words = WORD_RE.findall(key)
        if 0 < len(words) <= max_words and not any(is_english_word(w) for w in words):
            names.append(key.replace("/", "-"))
    return tuple(sorted(names))


def names_by_ending(names: Sequence[str]) -> Dict[str, Tuple[str, ...]]:
    """The names of one word grouped by their last `ENDING` letters (lower case)."""
    groups: Dict[str, List[str]] = {}
    for name in names:
        if WORD_RE.fullmatch(name.lower()) and len(name) > ENDING + 1:
            groups.setdefault(name[-ENDING:].lower(), []).append(name)
    return {ending: tuple(group) for ending, group in groups.items()}


def drug_words() -> FrozenSet[str]:
    """Every word (lower case) of a drug name: the lexicon's names and salts, the vocabulary's
    names, and every variant of the drug-named-entity-recognition package."""
    names = [r["name"] for r in read_rules(patterns_path(DrugMatcher.rules_file)) if "name" in r]
    names += [name for r in read_rules(patterns_path(VOCABULARY_FILE)) if r.get("kind") == "drug" for name in r["names"]]
    try:
        names += list(read_package_dictionary()["drug_variant_to_canonical"])
    except Exception:  # noqa: BLE001 - the package's data is optional here; the other two are not
        pass
    return frozenset(w for name in names for w in WORD_RE.findall(name.lower()))


@lru_cache(maxsize=2)
def decoy_words(min_prob: float = DECOY_MIN_PROB) -> Tuple[str, ...]:
    """Proper-noun-like words that are not drugs ("Sacramento", "Culpepper", "Magnavox"): the
    capitalised words of 4-14 letters of spaCy's English word probabilities (`spacy-lookups-data`,
    `en_lexeme_prob`) at or above `min_prob` and more frequent than their lower case form (names,
    not common words), none a stop word or a word of any drug name (`drug_words`): 22,317 words."""
    from importlib import resources

    data = resources.files("spacy_lookups_data").joinpath("data/en_lexeme_prob.json.gz").read_bytes()
    probabilities: Dict[str, float] = json.loads(gzip.decompress(data))
    excluded = drug_words()
    words = {
        word for word, prob in probabilities.items()
        if prob >= min_prob and DECOY_RE.fullmatch(word) and not REPEAT_RE.search(word)
        and prob > probabilities.get(word.lower(), -100.0)  # mostly capitalised: a name, not a common word
        and word.lower() not in STOP_WORDS and word.lower() not in excluded
    }  # fmt: skip
    return tuple(sorted(words))


def written_like(name: str, mention: str) -> str:
    """`name` in the case of `mention`: all capitals, capitalised, or lower case."""
    letters = [c for c in mention if c.isalpha()]
    if len(letters) > 1 and all(c.isupper() for c in letters):
        return name.upper()
    if letters and letters[0].isupper():
        return name[0].upper() + name[1:] if name[:1].islower() else name
    return name.lower() if letters else name


def single_word_names(names: Sequence[str]) -> Tuple[str, ...]:
    """The names of one word (the parts a combination product is written from)."""
    return tuple(name for name in names if WORD_RE.fullmatch(name.lower()))


def combination(name: str, mention: str, single_words: Sequence[str]) -> str:
    """`name` as a combination product: its first word, "/" or "-", and a second one-word name
    written like the first or in lower case ("Hydrocodone-Acetaminophen", "oxycodone/APAP")."""
    first = written_like(random.choice(single_words), mention) if not WORD_RE.fullmatch(name.lower()) else name
    second = random.choice(single_words)
    second = written_like(second, first) if random.random() < 0.5 else second.lower()
    return first + random.choice(COMBINATION_JOINERS) + second


def random_strength() -> str:
    value, unit = random.choice(STRENGTH_VALUES), random.choice(STRENGTH_UNITS)
    return f"{value}{random.choice(('', ' '))}{unit}" if unit != "%" else f"{value}%"


@registry.augmenters("imr.drug_names.v1")
def create_drug_names_augmenter(
    level: float,
    lexicon_share: float = 0.0,
    strength_level: float = 0.0,
    max_words: int = 2,
    salt_share: float = 0.0,
    names: Optional[List[str]] = None,
    lower_share: float = 0.0,
    whitespace_level: float = 0.0,
    whitespace_per_token: float = 0.1,
    decoy_level: float = 0.0,
    decoy_per_token: float = 0.3,
    decoys: Optional[List[str]] = None,
    ending_share: float = 0.0,
    combination_share: float = 0.0,
) -> Callable[[Language, Example], Iterator[Example]]:
    """Replace DRUG spans by random drug names (and STRENGTH spans by random strengths).

    level: the share of examples augmented.
    lexicon_share: the share of names drawn from the genre's lexicon instead of the vocabulary (0: none).
    strength_level: the share of augmented examples whose STRENGTH spans are replaced too.
    max_words: the longest vocabulary name drawn, in words.
    salt_share: the share of new names without a salt that get a random salt ("HCL", "sodium").
    names: draw only from these names (tests, or a list of your own) instead of the drug data.
    lower_share: the share of new names written in lower case (unless the mention is all capitals).
    whitespace_level: the share of augmented examples given line breaks between words.
    whitespace_per_token: in those, the share of gaps between words (outside entities) that get one.
    decoy_level: the share of examples (drawn independently of `level`) given decoys.
    decoy_per_token: in those, the share of capitalised words outside every entity replaced by a decoy.
    decoys: draw decoys only from these words (tests) instead of `decoy_words()`.
    ending_share: the share of new names drawn among the names that end like a word of the example
        outside every entity ("Decision" -> a name ending in "ion"), when there are such names.
    combination_share: the share of new names written as a combination product, two one-word names
        joined by "/" or "-" ("hydrocodone/acetaminophen", "Ibuprofen-Famotidine").
    """
    if names is not None:
        lexicon, vocabulary = tuple(names), ()
    else:
        lexicon, vocabulary = lexicon_names(), vocabulary_names(max_words)
    decoy_pool: Tuple[str, ...] = ()
    if decoy_level:
        decoy_pool = tuple(decoys) if decoys is not None else decoy_words()
    by_ending = names_by_ending(vocabulary or lexicon) if ending_share else {}
    single_words = single_word_names(vocabulary or lexicon) if combination_share else ()
    return partial(
        drug_names_augmenter, level=level, lexicon=lexicon, vocabulary=vocabulary,
        lexicon_share=lexicon_share, strength_level=strength_level, salt_share=salt_share, salts=salt_words(),
        lower_share=lower_share, whitespace_level=whitespace_level, whitespace_per_token=whitespace_per_token,
        decoy_level=decoy_level, decoy_per_token=decoy_per_token, decoys=decoy_pool,
        ending_share=ending_share, by_ending=by_ending,
        combination_share=combination_share, single_words=single_words,
    )  # fmt: skip


def drug_names_augmenter(
    nlp: Language,
    example: Example,
    *,
    level: float,
    lexicon: Sequence[str],
    vocabulary: Sequence[str] = (),
    lexicon_share: float = 1.0,
    strength_level: float = 0.0,
    salt_share: float = 0.0,
    salts: Sequence[str] = (),
    lower_share: float = 0.0,
    whitespace_level: float = 0.0,
    whitespace_per_token: float = 0.1,
    decoy_level: float = 0.0,
    decoy_per_token: float = 0.3,
    decoys: Sequence[str] = (),
    ending_share: float = 0.0,
    by_ending: Optional[Dict[str, Sequence[str]]] = None,
    combination_share: float = 0.0,
    single_words: Sequence[str] = (),
) -> Iterator[Example]:
    names = random.random() < level and bool(lexicon or vocabulary)
    with_decoys = bool(decoy_level and decoys) and random.random() < decoy_level
    if not names and not with_decoys:
        yield example
        return
    reference = example.reference
    chosen: Dict[str, str] = {}

    salt_keys = {salt.lower() for salt in salts}
    endings: List[str] = []
    if names and ending_share and by_ending:
        endings = sorted({t.lower_[-ENDING:] for t in reference if t.ent_iob_ == "O" and t.is_alpha and len(t) > ENDING + 1} & by_ending.keys())

    def draw(mention: str, has_salt: bool) -> str:
        key = mention.lower()
        if key not in chosen:
            if endings and random.random() < ending_share:
                pool = by_ending[random.choice(endings)]
            else:
                pool = lexicon if lexicon and (not vocabulary or random.random() < lexicon_share) else vocabulary
            name = written_like(random.choice(pool), mention)
            if combination_share and single_words and random.random() < combination_share:
                name = combination(name, mention, single_words)
            if lower_share and not name.isupper() and random.random() < lower_share:
                name = name.lower()
            if salts and not has_salt and random.random() < salt_share:
                name += " " + random.choice(salts)
            chosen[key] = name
        return chosen[key]

    replacements = []
    for span in labelled_spans(reference, DRUG) if names else ():
        end = span.end  # the name's tokens: a salt at the end stays
        while end - span.start > 1 and (reference[end - 1].lower_ in salt_keys or reference[end - 1].is_space):
            end -= 1
        replacements.append((span.start, end, draw(reference[span.start : end].text, end < span.end)))
    if names and strength_level and random.random() < strength_level:
        taken = {i for start, end, _ in replacements for i in range(start, end)}
        for span in labelled_spans(reference, STRENGTH):
            if not taken.intersection(range(span.start, span.end)):
                replacements.append((span.start, span.end, random_strength()))
    inserts: Dict[int, str] = {}
    if names and whitespace_level and random.random() < whitespace_level:
        for i in range(len(reference) - 1):
            gap = reference[i].whitespace_ and not reference[i + 1].is_space and not reference[i].is_space
            if gap and reference[i + 1].ent_iob_ != "I" and random.random() < whitespace_per_token:
                inserts[i] = random.choice(LINE_BREAKS)
    if with_decoys:
        replacements.extend(decoy_replacements(reference, replacements, decoys, decoy_per_token))
    if not replacements and not inserts:
        yield example
        return
    new_reference = replace_tokens(nlp, reference, replacements, inserts)
    yield Example(nlp.make_doc(new_reference.text), new_reference)


def decoy_replacements(
    doc: Doc, replacements: Sequence[Tuple[int, int, str]], decoys: Sequence[str], per_token: float
) -> List[Tuple[int, int, str]]:
    """(i, i + 1, decoy) for a share `per_token` of the capitalised words outside every entity
    (alphabetic, at least 3 letters, not a stop word, in no DRUG or STRENGTH span and no replacement),
    decided once per word (case-free): every mention of a word chosen gets the same decoy, in its case."""
    taken = {i for start, end, _ in replacements for i in range(start, end)}
    for label in (DRUG, STRENGTH):
        taken.update(i for span in labelled_spans(doc, label) for i in range(span.start, span.end))
    chosen: Dict[str, Optional[str]] = {}  # a word's decoy, or None: the word stays
    found = []
    for token in doc:
        if token.i in taken or token.ent_iob_ != "O" or not token.is_alpha or len(token) < 3:
            continue
        if not token.text[0].isupper() or token.lower_ in STOP_WORDS:
            continue
        if token.lower_ not in chosen:
            chosen[token.lower_] = random.choice(decoys) if random.random() < per_token else None
        decoy = chosen[token.lower_]
        if decoy is not None:
            found.append((token.i, token.i + 1, written_like(decoy, token.text)))
    return found


def labelled_spans(doc: Doc, label: str) -> List[Span]:
    """The non-overlapping spans with `label` in `doc.ents` and every span group, longest first."""
    candidates = {(s.start, s.end): s for s in doc.ents if s.label_ == label}
    for group in doc.spans.values():
        for span in group:
            if span.label_ == label:
                candidates.setdefault((span.start, span.end), span)
    chosen: List[Span] = []
    taken = set()
    for span in sorted(candidates.values(), key=lambda s: (-(s.end - s.start), s.start)):
        if not taken.intersection(range(span.start, span.end)):
            chosen.append(span)
            taken.update(range(span.start, span.end))
    return sorted(chosen, key=lambda s: s.start)


def replace_tokens(
    nlp: Language, doc: Doc, replacements: List[Tuple[int, int, str]], inserts: Optional[Dict[int, str]] = None
) -> Doc:
    """A new Doc with the tokens of each (start, end, text) replaced by the tokens of `text`, and a
    whitespace token `inserts[i]` after each token i of `inserts` (outside every entity; inside the
    spans around it); ents (and their missing/outside states) and every span group carried over on
    the new tokens."""
    by_start = {start: (end, text) for start, end, text in replacements}
    inserts = inserts or {}
    words: List[str] = []
    spaces: List[bool] = []
    first = [0] * len(doc)  # the first and last new token of each old token
    last = [0] * len(doc)
    inserted: List[int] = []
    i = 0
    while i < len(doc):
        if i in by_start:
            end, text = by_start[i]
            piece = nlp.make_doc(text)
            begin = len(words)
            words.extend(t.text for t in piece)
            spaces.extend(bool(t.whitespace_) for t in piece)
            spaces[-1] = bool(doc[end - 1].whitespace_)
            for j in range(i, end):
                first[j], last[j] = begin, len(words) - 1
            i = end
        else:
            first[i] = last[i] = len(words)
            words.append(doc[i].text)
            spaces.append(bool(doc[i].whitespace_))
            i += 1
        if i - 1 in inserts:
            inserted.append(len(words))
            words.append(inserts[i - 1])
            spaces.append(False)
    new = Doc(doc.vocab, words=words, spaces=spaces)

    def moved(span: Span) -> Span:
        return Span(new, first[span.start], last[span.end - 1] + 1, label=span.label_, kb_id=span.kb_id_)

    if doc.has_annotation("ENT_IOB"):
        outside = sorted({j for t in doc if t.ent_iob_ == "O" for j in range(first[t.i], last[t.i] + 1)} | set(inserted))
        new.set_ents([moved(e) for e in doc.ents], outside=[Span(new, j, j + 1) for j in outside], default="unmodified")
    for key, group in doc.spans.items():
        new.spans[key] = [moved(span) for span in group]
    new.user_data.update({k: v for k, v in doc.user_data.items() if isinstance(k, str) and k not in ("imr_offset",)})
    new.user_data["imr_augmented"] = True
    return new
