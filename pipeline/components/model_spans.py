"""A trained model's spans inside the rule pipeline (the hybrid, `configs/imr_hybrid.cfg`).

Two small components:

- `imr_model_spans`, right after a trained `ner`: moves the model's entities
  (`doc.ents`) into the span group `doc.spans["imr_model"]` and clears
  `doc.ents`, because the rule components rebuild `doc.ents` from
  `doc.spans["imr"]` (the model's spans would otherwise be lost or fight the
  rules' entities);
- `imr_model_drugs`, between `imr_drugs` and `imr_drug_attributes`: adds the
  model's DRUG spans that the rules lack to `doc.spans["imr"]` (`doc.ents`
  rebuilt by `add_entities`), with `span._.imr_drug = {"name", "generic": null,
  "drug_class": null, "drugbank_id": null, "mesh_id": null, "source":
  "model"}`; `imr_drug_attributes` then reads their strength, quantity, ...

Precision guards of `imr_model_drugs`: a model span is added only when it
overlaps no entity already in `doc.spans["imr"]`; when the letter gives
evidence that it names a drug: a dose follows one of the model's mentions of
that name (a dosage form, strength or dispensed count: `imr_drugs`' shape
evidence, "Xyz 10mg", "Xyz cream"), or, for a name that is not an English
word (`imr.components.drugs.is_english_word`: "migraine" is, "Zyxolam" is
not), the model tags it at least `min_mentions` times in the letter; and when
none of its words is a
word the drug components exclude (the lexicon's `stopword` rules, the drug
vocabulary's excluded `word` and `class_word` rules, the shape rules'
`guard` words: "medications", "opioids", "TENS", ...), a spaCy stop word, or
common English (the vocabulary filter's own test: log-probability above its
`common_word_logprob` in spaCy's `en_lexeme_prob` table, or an adjective,
adverb or verb: "therapy", "cream", "physical"); and when it has at least 5
letters (the drug vocabulary's shape filter; "aide" in "Home aide 6 hours per
day" is not a drug). The exclusion data is read
from the pipeline's `imr_drugs` component (its rules), so a pipeline saved
with other rules uses its own.
"""
import re
from collections import Counter
from functools import lru_cache
from typing import Any, Dict, FrozenSet, List, Optional, Set

from spacy.lang.en.stop_words import STOP_WORDS
from spacy.language import Language
from spacy.tokens import Doc, Span

from . import extensions  # noqa: F401  (registers the imr_* attributes)
from .drug_vocabulary import DEFAULT_RULE, EXCLUDE_FILE, EnglishWords, vocabulary_key
from .drugs import is_english_word
from .entities import ENTITIES_KEY, ENTITY_LABELS, add_entities
from .layout import doc_text
from ..resources import patterns_path, read_rules

MODEL_KEY = "imr_model"
DRUG_LABEL = "DRUG"
WORD_RE = re.compile(r"[A-Za-z]+")
MIN_LETTERS = 5  # as the drug vocabulary's shape filter: a name has at least 5 letters


@lru_cache(maxsize=1)
def english_words() -> Optional[EnglishWords]:
    """spaCy's English lookup tables (`spacy-lookups-data`), once per process; None without them."""
    try:
        return EnglishWords.load()
    except Exception:  # noqa: BLE001 - the tables are optional: the other guards still apply
        return None


@Language.factory("imr_model_spans", assigns=["doc.spans", "doc.ents"], default_config={"spans_key": MODEL_KEY})
def make_model_spans(nlp: Language, name: str, spans_key: str) -> "ModelSpans":
    """Create an `imr_model_spans` component (place it right after a trained `ner`).

    spans_key: the span group the model's entities are moved to.
    """
    return ModelSpans(nlp, name, spans_key=spans_key)


class ModelSpans:
    """Move `doc.ents` (a trained ner's predictions) into `doc.spans[spans_key]`; clear `doc.ents`."""

    def __init__(self, nlp: Language, name: str = "imr_model_spans", *, spans_key: str = MODEL_KEY) -> None:
        self.name = name
        self.spans_key = spans_key

    def __call__(self, doc: Doc) -> Doc:
        doc.spans[self.spans_key] = list(doc.ents)
        doc.ents = []
        return doc


@Language.factory(
    "imr_model_drugs",
    assigns=["doc.spans", "doc.ents", "span._.imr_drug"],
    requires=["doc.spans"],
    default_config={"spans_key": MODEL_KEY, "drugs_component": "imr_drugs", "min_mentions": 2},
)
def make_model_drugs(nlp: Language, name: str, spans_key: str, drugs_component: str, min_mentions: int) -> "ModelDrugs":
    """Create an `imr_model_drugs` component (place it between `imr_drugs` and `imr_drug_attributes`).

    spans_key: the span group holding the model's spans (from `imr_model_spans`).
    drugs_component: the `imr_drugs` component whose exclusion data and dose evidence guard the model's spans.
    min_mentions: how often the model must tag a name in the letter when no dose follows it.
    """
    return ModelDrugs(nlp, name, spans_key=spans_key, drugs_component=drugs_component, min_mentions=min_mentions)


class ModelDrugs:
    """Add the model's DRUG spans the rules lack to `doc.spans["imr"]`, guarded for precision."""

    def __init__(
        self, nlp: Language, name: str = "imr_model_drugs", *, spans_key: str = MODEL_KEY, drugs_component: str = "imr_drugs", min_mentions: int = 2
    ) -> None:
        self.nlp = nlp
        self.name = name
        self.spans_key = spans_key
        self.drugs_component = drugs_component
        self.min_mentions = min_mentions
        self._excluded: Optional[FrozenSet[str]] = None
        self._threshold = DEFAULT_RULE["common_word_logprob"]

    def excluded_words(self) -> FrozenSet[str]:
        """Lower-case words a model DRUG span must not contain (from the drug components' rules)."""
        if self._excluded is None:
            drugs = self.nlp.get_pipe(self.drugs_component) if self.drugs_component in self.nlp.pipe_names else None
            lexicon = list(getattr(drugs, "rules", None) or read_rules(patterns_path("drugs.jsonl")))
            exclude = list(getattr(drugs, "exclude_rules", None) or read_rules(patterns_path(EXCLUDE_FILE)))
            shapes = list(getattr(drugs, "shape_rules", None) or [])
            words: Set[str] = {r["name"].lower() for r in lexicon if r.get("kind") == "stopword"}
            words |= {r["name"].lower() for r in exclude if r.get("kind") == "class_word"}
            words |= {vocabulary_key(r["name"]) for r in exclude if r.get("kind") == "word"}
            words |= {r["name"].lower() for r in shapes if r.get("kind") == "guard"}
            rule = next((r for r in exclude if r.get("kind") == "rule"), {})
            self._threshold = rule.get("common_word_logprob", self._threshold)
            self._excluded = frozenset(words)
        return self._excluded

    def accept(self, span: Span) -> bool:
        """A model span that names no excluded, stop or common English word."""
        words = [w.lower() for w in WORD_RE.findall(span.text)]
        if not words or sum(len(w) for w in words) < MIN_LETTERS:
            return False
        excluded = self.excluded_words()
        english = english_words()
        for word in words:
            if word in excluded or word in STOP_WORDS:
                return False
            if english is not None and english.is_common(word, self._threshold):
                return False
        return True

    def dose_follows(self, doc: Doc, span: Span) -> bool:
        """A dosage form, strength or dispensed count follows the span (`imr_drugs`' shape evidence)."""
        drugs = self.nlp.get_pipe(self.drugs_component) if self.drugs_component in self.nlp.pipe_names else None
        if drugs is None or getattr(drugs, "shape_evidence_re", None) is None:
            return False
        return bool(drugs.shape_evidence(doc, doc_text(doc), span.end - 1))

    def __call__(self, doc: Doc) -> Doc:
        existing = doc.spans.get(ENTITIES_KEY, [])
        taken = {i for s in existing if s.label_ in ENTITY_LABELS for i in range(s.start, s.end)}
        candidates = [s for s in doc.spans.get(self.spans_key, []) if s.label_ == DRUG_LABEL and self.accept(s)]
        mentions = Counter(name_key(s.text) for s in candidates)
        dosed = {name_key(s.text) for s in candidates if self.dose_follows(doc, s)}
        added: List[Span] = []
        for span in candidates:
            if taken.intersection(range(span.start, span.end)):
                continue
            key = name_key(span.text)
            english = all(is_english_word(w.lower()) for w in WORD_RE.findall(span.text))
            if key not in dosed and (english or mentions[key] < self.min_mentions):
                continue
            drug = Span(doc, span.start, span.end, label=DRUG_LABEL)
            drug._.imr_drug = model_drug(drug.text)
            added.append(drug)
            taken.update(range(span.start, span.end))
        if added:
            add_entities(doc, added)  # nothing replaced: the rules' spans stay as they are
        return doc


def name_key(text: str) -> str:
    return " ".join(re.sub(r"\s*([-/])\s*", r"\1", text.strip().lower()).split())


def model_drug(text: str) -> Dict[str, Any]:
    """`span._.imr_drug` of a model's DRUG span: its name as written (line breaks removed)."""
    name = " ".join(re.sub(r"\s*([-/])\s*", r"\1", text.strip()).split())
    return {"name": name, "generic": None, "drug_class": None, "drugbank_id": None, "mesh_id": None, "source": "model"}
