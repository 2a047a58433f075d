"""Fast rule-based sentence boundaries for IMR letters (`imr_sentences`).

PDF text wraps lines mid-sentence, so line breaks are not boundaries; a new
sentence starts after sentence-final punctuation followed by a capital or a
digit (unless the word before the period is a known abbreviation), and at
every paragraph start (see `layout.paragraph_starts`). Boundaries are found
with one regex pass over the text and written with a single `Doc.from_array`
call, which is far faster than PyRuSH (medspaCy's default).
"""

import re
from typing import Any, Dict, List

import numpy
from spacy.attrs import IDX, SENT_START
from spacy.language import Language
from spacy.tokens import Doc

from .layout import doc_text, paragraph_starts
from .base import RuleComponent

BOUNDARY_RE = re.compile(r"(?<=[.!?])[\"')\]]*\s+(?=[\"'(\[]?[A-Z0-9])")
WORD_BEFORE_RE = re.compile(r"([A-Za-z][A-Za-z.]*)\.$")
# The last item of a bullet list without a period (its wrapped lines start in lower case): the
# next line opens a sentence when it starts with a capital ("- recent lumbar fusion\nThe brace ...").
BULLET_LIST_END_RE = re.compile(r"^[ \t]*[-\u2013\u2022*][ \t]+[^\n]*(?:\n[ \t]*[a-z][^\n]*)*[^\s.!?:;,][ \t]*\n[ \t]*(?=[\"'(\[]?[A-Z])", re.MULTILINE)


@Language.factory(
    "imr_sentences",
    assigns=["token.is_sent_start"],
    default_config={},
    default_score_weights={"sents_f": 0.0},
)
def make_sentences(nlp: Language, name: str) -> "SentenceSegmenter":
    """Create an `imr_sentences` component."""
    return SentenceSegmenter(nlp, name)


class SentenceSegmenter(RuleComponent):
    """Set sentence starts from punctuation and paragraph breaks."""

    rules_file = "sentences.jsonl"

    def __init__(self, nlp: Language, name: str = "imr_sentences") -> None:
        super().__init__(nlp, name)
        self.abbreviations: set = set()

    def set_rules(self, rules: List[Dict[str, Any]]) -> None:
        super().set_rules(rules)
        self.abbreviations = {rule["abbreviation"].rstrip(".").lower() for rule in rules}

    def __call__(self, doc: Doc) -> Doc:
        if len(doc) == 0:
            return doc
        self.require_rules()
        text = doc_text(doc)
        offsets = set(paragraph_starts(text))
        for match in BOUNDARY_RE.finditer(text):
            head = text[max(0, match.start() - 12) : match.start()]
            word = WORD_BEFORE_RE.search(head.rstrip("\"')]"))
            if word and word.group(1).lower() in self.abbreviations:
                continue
            offsets.add(match.end())
        offsets.update(match.end() for match in BULLET_LIST_END_RE.finditer(text))
        starts = numpy.full(len(doc), -1, dtype="int64")
        token_starts = doc.to_array(IDX).astype("int64")
        indices = numpy.searchsorted(token_starts, sorted(offsets))
        starts[indices[indices < len(doc)]] = 1
        starts[0] = 1
        doc.from_array([SENT_START], starts.astype("uint64").reshape(-1, 1))
        return doc
