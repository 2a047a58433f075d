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
"""
import random
import re
from functools import lru_cache, partial
from typing import Callable, Dict, Iterator, List, Optional, Sequence, Tuple

from spacy.language import Language
from spacy.tokens import Doc, Span
from spacy.training import Example
from spacy.util import registry

from ..components.drug_vocabulary import EXCLUDE_FILE, VOCABULARY_FILE, VocabularyLayer
from ..components.drugs import DrugMatcher, is_english_word
from ..resources import patterns_path, read_rules

DRUG = "DRUG"
STRENGTH = "STRENGTH"
STRENGTH_VALUES = ("0.5", "1", "2", "2.5", "4", "5", "7.5", "10", "15", "20", "25", "30", "37.5", "40", "50", "75", "100", "150", "200", "250", "300", "325", "500", "600", "750", "800", "1000")
STRENGTH_UNITS = ("mg", "mg", "mg", "mg", "mcg", "%", "ml")
WORD_RE = re.compile(r"[a-z]+")
LINE_BREAKS = ("\n\n", "\n\n", "\n")  # as PDF text puts them between the words of a sentence


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


def written_like(name: str, mention: str) -> str:
    """`name` in the case of `mention`: all capitals, capitalised, or lower case."""
    letters = [c for c in mention if c.isalpha()]
    if len(letters) > 1 and all(c.isupper() for c in letters):
        return name.upper()
    if letters and letters[0].isupper():
        return name[0].upper() + name[1:] if name[:1].islower() else name
    return name.lower() if letters else name


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
    """
    if names is not None:
        lexicon, vocabulary = tuple(names), ()
    else:
        lexicon, vocabulary = lexicon_names(), vocabulary_names(max_words)
    return partial(
        drug_names_augmenter, level=level, lexicon=lexicon, vocabulary=vocabulary,
        lexicon_share=lexicon_share, strength_level=strength_level, salt_share=salt_share, salts=salt_words(),
        lower_share=lower_share, whitespace_level=whitespace_level, whitespace_per_token=whitespace_per_token,
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
) -> Iterator[Example]:
    if random.random() >= level or not (lexicon or vocabulary):
        yield example
        return
    reference = example.reference
    chosen: Dict[str, str] = {}

    salt_keys = {salt.lower() for salt in salts}

    def draw(mention: str, has_salt: bool) -> str:
        key = mention.lower()
        if key not in chosen:
            pool = lexicon if lexicon and (not vocabulary or random.random() < lexicon_share) else vocabulary
            name = written_like(random.choice(pool), mention)
            if lower_share and not name.isupper() and random.random() < lower_share:
                name = name.lower()
            if salts and not has_salt and random.random() < salt_share:
                name += " " + random.choice(salts)
            chosen[key] = name
        return chosen[key]

    replacements = []
    for span in labelled_spans(reference, DRUG):
        end = span.end  # the name's tokens: a salt at the end stays
        while end - span.start > 1 and (reference[end - 1].lower_ in salt_keys or reference[end - 1].is_space):
            end -= 1
        replacements.append((span.start, end, draw(reference[span.start : end].text, end < span.end)))
    if strength_level and random.random() < strength_level:
        taken = {i for start, end, _ in replacements for i in range(start, end)}
        for span in labelled_spans(reference, STRENGTH):
            if not taken.intersection(range(span.start, span.end)):
                replacements.append((span.start, span.end, random_strength()))
    inserts: Dict[int, str] = {}
    if whitespace_level and random.random() < whitespace_level:
        for i in range(len(reference) - 1):
            gap = reference[i].whitespace_ and not reference[i + 1].is_space and not reference[i].is_space
            if gap and reference[i + 1].ent_iob_ != "I" and random.random() < whitespace_per_token:
                inserts[i] = random.choice(LINE_BREAKS)
    if not replacements and not inserts:
        yield example
        return
    new_reference = replace_tokens(nlp, reference, replacements, inserts)
    yield Example(nlp.make_doc(new_reference.text), new_reference)


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
