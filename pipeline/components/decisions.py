"""Decisions (`imr_decisions`): one span per disputed item, with its outcome.

Built on the sections found by `imr_sections`. For each item block it writes
a `decision` span to `doc.spans["imr_decisions"]` (header through rationale)
with `span._.imr_decision = {"item", "outcome", "medically_necessary"}`:

- item: the whole header before the colon, whitespace collapsed; in 2013
  letters the words after "the request for" in the numbered determination
  with the block's number ("1) MAXIMUS ... has determined the request for X
  is not medically necessary and appropriate." -> "X");
- outcome: "upheld" / "overturned", also an `OUTCOME` entity (in 2013 letters
  on the determination's "(not) medically necessary and appropriate");
- medically_necessary: the conclusion of the rationale (True/False/None): the
  last "medically necessary" phrase, negated when its clause says "not";
  a later concluding sentence ("Therefore, ..." / "the request ...") that
  concludes in other words ("is not supported", "cannot be recommended",
  "is indicated", "non-certified") overrides it, and is the conclusion when
  the rationale never says "medically necessary" (then the rationale's last
  sentence concludes too: "Long-term Tizanidine use is not appropriate."). Guideline statements
  ("ODG does not recommend X", "X is recommended when ...") and concessive
  clauses ("Although X may be appropriate, ...") are not conclusions.

All wordings are rules in `patterns/decisions.jsonl`.
"""

import re
from bisect import bisect_right
from typing import Any, Dict, List, Optional, Tuple

from spacy.language import Language
from spacy.tokens import Doc, Span

from . import extensions  # noqa: F401  (registers the imr_* attributes)
from .entities import add_entities
from .layout import collapse, span_text
from .base import RuleComponent
from .scorers import DECISION_METRICS, weights  # (also registers the scorers used in default_config)
from .sections import SECTIONS_KEY, char_span

DECISIONS_KEY = "imr_decisions"
CLAUSE_BREAK_RE = re.compile(r"[.;,:!?]")
INSERTION_RE = re.compile(r"\s*(?:including|such\s+as|e\.g|for\s+example|in\s+particular|like|namely)\b", re.IGNORECASE)
MODAL_RE = re.compile(r"(?:would|will|should|can|could|must|may|might)\s", re.IGNORECASE)
SENTENCE_BREAK_RE = re.compile(r"(?<=[.!?])[\"')\]]*\s+(?=[\"'(\[]?[A-Z0-9])")
WORD_BEFORE_RE = re.compile(r"([A-Za-z][A-Za-z.]*)\.$")
# kinds of rules whose patterns are compiled into one case-insensitive regex each
PATTERN_KINDS = ("negation", "conclusion_marker", "request_subject", "concession", "not_conclusion", "guideline_statement", "item_number")

# A conclusion phrase found in a rationale: (start, end, value, sentence index).
Found = Tuple[int, int, bool, int]


@Language.factory(
    "imr_decisions",
    assigns=["doc.spans", "doc.ents", "span._.imr_decision", "span._.imr_outcome"],
    requires=["doc.spans"],
    default_config={"scorer": {"@scorers": "imr.decisions_scorer.v1"}},
    default_score_weights={**weights(DECISION_METRICS, "decisions_f", 0.5), "decision_outcome_acc": 0.25, "decision_medically_necessary_acc": 0.25},
)
def make_decisions(nlp: Language, name: str, scorer: Optional[Any]) -> "DecisionExtractor":
    """Create an `imr_decisions` component."""
    return DecisionExtractor(nlp, name, scorer=scorer)


class DecisionExtractor(RuleComponent):
    """Read each item block's header, outcome and conclusion."""

    rules_file = "decisions.jsonl"

    def __init__(self, nlp: Language, name: str = "imr_decisions", *, scorer: Optional[Any] = None) -> None:
        super().__init__(nlp, name)
        self.scorer = scorer
        self.reset()

    def reset(self) -> None:
        self.outcomes: List[Tuple[re.Pattern, str]] = []
        self.outcome_word: Optional[re.Pattern] = None
        self.conclusions: List[Tuple[re.Pattern, bool, bool]] = []
        self.wordings: List[Tuple[re.Pattern, bool]] = []
        self.patterns: Dict[str, Optional[re.Pattern]] = {kind: None for kind in PATTERN_KINDS}
        self.item_prefixes: List[re.Pattern] = []
        self.item_suffixes: List[re.Pattern] = []
        self.abbreviations: set = set()

    @property
    def negation(self) -> Optional[re.Pattern]:
        return self.patterns["negation"]

    def set_rules(self, rules: List[Dict[str, Any]]) -> None:
        super().set_rules(rules)
        self.reset()
        alternatives: Dict[str, List[str]] = {kind: [] for kind in PATTERN_KINDS}
        for rule in rules:
            kind = rule["kind"]
            if kind == "outcome":  # "pattern", or (older rule files) the literal "text"
                pattern = rule.get("pattern") or r"\s+".join(re.escape(word) for word in rule["text"].split())
                self.outcomes.append((re.compile(rf"(?:{pattern})$", re.IGNORECASE), rule["value"]))
            elif kind == "conclusion":
                self.conclusions.append((re.compile(rule["pattern"], re.IGNORECASE), rule["value"], rule.get("fallback", False)))
            elif kind == "conclusion_wording":
                self.wordings.append((re.compile(rule["pattern"], re.IGNORECASE), rule["value"]))
            elif kind in alternatives:
                alternatives[kind].append(rule["pattern"])
            elif kind == "item_prefix":
                self.item_prefixes.append(re.compile(rule["pattern"]))
            elif kind == "item_suffix":
                self.item_suffixes.append(re.compile(rule["pattern"]))
            elif kind == "abbreviations":
                self.abbreviations.update(word.lower() for word in rule["words"])
        for kind, patterns in alternatives.items():
            if patterns:
                self.patterns[kind] = re.compile("|".join(f"(?:{p})" for p in patterns), re.IGNORECASE)
        words = [r.get("pattern") or r"\s+".join(re.escape(w) for w in r["text"].split()) for r in rules if r["kind"] == "outcome"]
        if words:  # the outcome that ends a header: ": Upheld", "is not medically necessary and appropriate."
            self.outcome_word = re.compile("(" + "|".join(f"(?:{w})" for w in words) + r")\W*$", re.IGNORECASE)

    def __call__(self, doc: Doc) -> Doc:
        self.require_rules()
        blocks = decision_blocks(doc)
        determinations = self.read_determinations(doc)
        by_number: Dict[str, Tuple[str, Optional[str], Optional[Span]]] = {}
        for number, found in determinations:
            by_number.setdefault(number, found)  # the first statement of each number
        ordered = list(by_number.values())
        decisions, outcomes = [], []
        for index, (header, parts) in enumerate(blocks):
            end = max([header.end] + [p.end for p in parts])
            decision = Span(doc, header.start, end, label="decision")
            rationale = next((p for p in parts if p.label_ == "decision_rationale"), None)
            item, outcome, outcome_span = self.read_header(doc, header)
            if outcome is None and determinations:  # 2013: the outcome is in the numbered determination
                number = self.item_number(span_text(header))
                found = by_number.get(number) if number is not None else None
                if found is None and len(ordered) == len(blocks):
                    found = ordered[index]
                if found is not None:
                    item, outcome, outcome_span = found[0] or item, found[1], found[2]
            decision._.imr_decision = {
                "header_end": header.end_char,
                "item": item,
                "outcome": outcome,
                "medically_necessary": self.conclusion(span_text(rationale)) if rationale is not None else None,
            }
            decisions.append(decision)
            if outcome_span is not None:
                outcome_span._.imr_outcome = outcome
                outcomes.append(outcome_span)
        doc.spans[DECISIONS_KEY] = decisions
        add_entities(doc, outcomes, labels=["OUTCOME"])
        return doc

    def read_determinations(self, doc: Doc) -> List[Tuple[str, Tuple[str, Optional[str], Optional[Span]]]]:
        """(number, (item, outcome, OUTCOME span)) of every numbered determination section."""
        found = []
        for span in doc.spans.get(SECTIONS_KEY, []):
            if span.label_ == "determination":
                number = self.item_number(span_text(span))
                if number is not None:
                    found.append((number, self.read_header(doc, span)))
        return found

    def item_number(self, text: str) -> Optional[str]:
        """The item's number ("1" of "1) ..." / "1. ..."), or None."""
        pattern = self.patterns["item_number"]
        match = pattern.match(text) if pattern is not None else None
        return next((g for g in match.groups() if g), None) if match is not None else None

    def read_header(self, doc: Doc, header: Span) -> Tuple[str, Optional[str], Optional[Span]]:
        """Item text, normalised outcome and the OUTCOME span of a header (or determination)."""
        text = span_text(header)
        match = self.outcome_word.search(text) if self.outcome_word is not None else None
        if match is None:  # no outcome in it: "1) Regarding the request for X:"
            before = text.rstrip()
            had_colon = before.endswith(":")
            return self.clean_item(before[:-1] if had_colon else before, had_colon), None, None
        words = match.group(1)
        outcome = next((value for pattern, value in self.outcomes if pattern.fullmatch(words)), None)
        start = header.start_char + match.start(1)
        outcome_span = char_span(doc, start, start + len(words), "OUTCOME")
        before = text[: match.start(1)].rstrip()
        had_colon = before.endswith(":")
        return self.clean_item(before[:-1] if had_colon else before, had_colon), outcome, outcome_span

    def clean_item(self, text: str, had_colon: bool) -> str:
        """The item: whitespace collapsed, numbering and determination wording removed."""
        item = collapse(text)
        for pattern in self.item_prefixes:
            item = pattern.sub("", item, count=1)
        if not had_colon:  # "1. X is not medically necessary and appropriate."
            for pattern in self.item_suffixes:
                item = pattern.sub("", item)
        return item.strip()

    def conclusion(self, rationale: str) -> Optional[bool]:
        """The rationale's conclusion (True/False), or None when it states none.

        - main: the last "medically necessary" (or "medical necessity ... established")
          phrase, negated by its clause;
        - wording: the last "is (not) supported / recommended / indicated / warranted /
          appropriate ...", "cannot be recommended", "non-certified" phrase of a
          concluding sentence (one with "Therefore"/"As such"/... or about the request),
          outside concessive clauses, conditions and the UR history; a sentence stating
          a guideline ("ODG does not recommend X") counts only when it is about the
          request and the rationale has no main phrase;
        - fallback: "medically appropriate" and kin, anywhere.

        The wording wins over the main phrase when it comes in a later sentence and
        that sentence is about the request, or the main phrase's sentence is not a
        concluding sentence (a guideline statement); or when it follows a main
        phrase that sits in a concessive clause of its sentence. Without a main
        phrase, the later of wording and fallback counts.
        """
        sentences = self.sentences(rationale)
        main = self.last_phrase(rationale, sentences, fallback=False)
        chosen = main
        if main is not None:
            wording = self.last_wording(rationale, sentences, guideline_statements=False)
            main_start, main_end = sentences[main[3]]
            if wording is not None and wording[3] > main[3]:
                sentence = rationale[sentences[wording[3]][0] : sentences[wording[3]][1]]
                if self.about_request(sentence) or not self.concluding(rationale[main_start:main_end]):
                    chosen = wording
            elif wording is not None and wording[0] > main[1] and self.in_concession(rationale[main_start:main_end], main[0] - main_start):
                chosen = wording  # "Although the surgery is medically necessary, the assistant surgeon is not warranted."
        else:
            fallback = self.last_phrase(rationale, sentences, fallback=True)
            wording = self.last_wording(rationale, sentences, guideline_statements=True, last_concludes=True)
            candidates = [f for f in (wording, fallback) if f is not None]
            chosen = max(candidates, key=lambda f: f[1]) if candidates else None
        if chosen is None:
            return None
        return self.negated(rationale, chosen[0], chosen[1], chosen[2])

    def sentences(self, text: str) -> List[Tuple[int, int]]:
        """(start, end) of each sentence: a break after ". " before a capital or digit,
        not after a known abbreviation; line breaks are not breaks."""
        spans, start = [], 0
        for match in SENTENCE_BREAK_RE.finditer(text):
            word = WORD_BEFORE_RE.search(text[max(0, match.start() - 12) : match.start()].rstrip("\"')]"))
            if word and word.group(1).lower().rstrip(".") in self.abbreviations:
                continue
            spans.append((start, match.start()))
            start = match.end()
        spans.append((start, len(text)))
        return spans

    def last_phrase(self, rationale: str, sentences: List[Tuple[int, int]], fallback: bool) -> Optional[Found]:
        """The last main (or fallback) conclusion phrase."""
        best: Optional[Tuple[int, int, bool]] = None
        for pattern, value, is_fallback in self.conclusions:
            if is_fallback != fallback:
                continue
            for match in pattern.finditer(rationale):
                if best is None or match.end() > best[1]:
                    best = (match.start(), match.end(), value)
        if best is None:
            return None
        return (*best, sentence_index(sentences, best[0]))

    def last_wording(
        self, rationale: str, sentences: List[Tuple[int, int]], guideline_statements: bool, last_concludes: bool = False
    ) -> Optional[Found]:
        """The last conclusion wording of a concluding sentence.

        guideline_statements: also read sentences that state a guideline ("The
        guidelines do not support the request.") when they are about the request.
        last_concludes: the rationale's last sentence is a concluding one even
        without a marker or the word "request" ("Long-term Tizanidine use is not
        appropriate.").
        """
        best: Optional[Found] = None
        guard, guideline = self.patterns["not_conclusion"], self.patterns["guideline_statement"]
        last = max((i for i, (start, end) in enumerate(sentences) if rationale[start:end].strip()), default=-1) if last_concludes else -1
        for index, (start, end) in enumerate(sentences):
            sentence = rationale[start:end]
            concluding = self.concluding(sentence)
            if not (concluding or (last_concludes and index == last)):
                continue
            if guard is not None and guard.search(sentence):
                continue
            if guideline is not None and guideline.search(sentence) and not (guideline_statements and self.about_request(sentence)):
                continue
            for pattern, value in self.wordings:
                for match in pattern.finditer(sentence):
                    if self.in_concession(sentence, match.start()):
                        continue
                    if not concluding and MODAL_RE.match(match.group(0)):
                        continue  # a last sentence concludes in the indicative: "A request for 6 sessions would be reasonable." does not
                    if best is None or start + match.end() > best[1]:
                        best = (start + match.start(), start + match.end(), value, index)
        return best

    def concluding(self, sentence: str) -> bool:
        """A sentence that can carry the reviewer's conclusion: it has a conclusion
        marker ("Therefore", "As such", ...) or is about the request."""
        marker = self.patterns["conclusion_marker"]
        return bool(marker is not None and marker.search(sentence)) or self.about_request(sentence)

    def about_request(self, sentence: str) -> bool:
        subject = self.patterns["request_subject"]
        return bool(subject is not None and subject.search(sentence))

    def in_concession(self, sentence: str, position: int) -> bool:
        """True when the clause holding `position` opens with "Although", "While", ..."""
        concession = self.patterns["concession"]
        if concession is None:
            return False
        breaks = list(CLAUSE_BREAK_RE.finditer(sentence, 0, position))
        clause_start = breaks[-1].end() if breaks else 0
        return bool(concession.match(sentence[clause_start:position].lstrip()))

    def negated(self, rationale: str, start: int, end: int, value: bool) -> bool:
        """`value`, flipped when the clause ending at `end` says "not"."""
        window_start = max(0, start - 80)
        breaks = list(CLAUSE_BREAK_RE.finditer(rationale, window_start, start))
        while len(breaks) > 1 and INSERTION_RE.match(rationale, breaks[-2].end(), breaks[-1].start()):
            del breaks[-2:]  # "none of the services, including the stay, are ...": the clause goes on past the insertion
        if breaks:
            window_start = breaks[-1].end()
        clause = rationale[window_start:end]
        negated = bool(self.negation and self.negation.search(clause))
        return (not value) if negated else value


def sentence_index(sentences: List[Tuple[int, int]], offset: int) -> int:
    """The index of the sentence holding `offset`."""
    return max(0, bisect_right([start for start, _ in sentences], offset) - 1)


def decision_blocks(doc: Doc) -> List[Tuple[Span, List[Span]]]:
    """Each decision header with the guideline and rationale spans that follow it."""
    blocks: List[Tuple[Span, List[Span]]] = []
    for span in sorted(doc.spans.get(SECTIONS_KEY, []), key=lambda s: (s.start, -s.end)):
        if span.label_ == "decision_header":
            blocks.append((span, []))
        elif blocks and span.label_ in ("claims_administrator_guideline", "maximus_guideline", "decision_rationale"):
            blocks[-1][1].append(span)
    return blocks
