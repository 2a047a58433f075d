"""Decisions (`imr_decisions`): one span per disputed item, with its outcome.

Built on the sections found by `imr_sections`. For each item block it writes
a `decision` span to `doc.spans["imr_decisions"]` (header through rationale)
with `span._.imr_decision = {"item", "outcome", "medically_necessary"}`:

- item: the whole header before the colon, whitespace collapsed;
- outcome: "upheld" / "overturned", also an `OUTCOME` entity;
- medically_necessary: the conclusion of the rationale (True/False/None),
  from the last "medically necessary" phrase, negated when its clause says
  "not" (rules in `patterns/decisions.jsonl`).
"""

import re
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
OUTCOME_WORD_RE = re.compile(r"(?i)(upheld|overturned|uphold|overturn|(?:not\s+)?medically\s+necessary\s+and\s+appropriate)\W*$")


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
        self.outcomes: Dict[str, str] = {}
        self.conclusions: List[Tuple[re.Pattern, bool, bool]] = []
        self.negation: Optional[re.Pattern] = None
        self.item_prefixes: List[re.Pattern] = []
        self.item_suffixes: List[re.Pattern] = []

    def set_rules(self, rules: List[Dict[str, Any]]) -> None:
        super().set_rules(rules)
        self.outcomes = {}
        self.conclusions, self.item_prefixes, self.item_suffixes = [], [], []
        for rule in rules:
            kind = rule["kind"]
            if kind == "outcome":
                self.outcomes[collapse(rule["text"]).lower()] = rule["value"]
            elif kind == "conclusion":
                self.conclusions.append((re.compile(rule["pattern"], re.IGNORECASE), rule["value"], rule.get("fallback", False)))
            elif kind == "negation":
                self.negation = re.compile(rule["pattern"], re.IGNORECASE)
            elif kind == "item_prefix":
                self.item_prefixes.append(re.compile(rule["pattern"]))
            elif kind == "item_suffix":
                self.item_suffixes.append(re.compile(rule["pattern"]))

    def __call__(self, doc: Doc) -> Doc:
        self.require_rules()
        blocks = decision_blocks(doc)
        decisions, outcomes = [], []
        for header, parts in blocks:
            end = max([header.end] + [p.end for p in parts])
            decision = Span(doc, header.start, end, label="decision")
            rationale = next((p for p in parts if p.label_ == "decision_rationale"), None)
            item, outcome, outcome_span = self.read_header(doc, header)
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

    def read_header(self, doc: Doc, header: Span) -> Tuple[str, Optional[str], Optional[Span]]:
        """Item text, normalised outcome and the OUTCOME span of a header."""
        text = span_text(header)
        match = OUTCOME_WORD_RE.search(text)
        if match is None:
            return collapse(text), None, None
        outcome = self.outcomes.get(collapse(match.group(1)).lower())
        start = header.start_char + match.start(1)
        outcome_span = char_span(doc, start, start + len(match.group(1)), "OUTCOME")
        before = text[: match.start(1)].rstrip()
        had_colon = before.endswith(":")
        item = collapse(before[:-1] if had_colon else before)
        for pattern in self.item_prefixes:
            item = pattern.sub("", item)
        if not had_colon:  # "1. X is not medically necessary and appropriate."
            for pattern in self.item_suffixes:
                item = pattern.sub("", item)
        return item.strip(), outcome, outcome_span

    def conclusion(self, rationale: str) -> Optional[bool]:
        """The rationale's conclusion: the last conclusion phrase, negated by its clause.

        Fallback phrases ("medically appropriate") count only when the rationale
        has no main phrase ("medically necessary").
        """
        for fallback in (False, True):
            best: Optional[Tuple[int, int, bool]] = None
            for pattern, value, is_fallback in self.conclusions:
                if is_fallback != fallback:
                    continue
                for match in pattern.finditer(rationale):
                    if best is None or match.end() > best[1]:
                        best = (match.start(), match.end(), value)
            if best is not None:
                return self.negated(rationale, *best)
        return None

    def negated(self, rationale: str, start: int, end: int, value: bool) -> bool:
        """`value`, flipped when the clause ending at `end` says "not"."""
        window_start = max(0, start - 80)
        breaks = list(CLAUSE_BREAK_RE.finditer(rationale, window_start, start))
        if breaks:
            window_start = breaks[-1].end()
        clause = rationale[window_start:end]
        negated = bool(self.negation and self.negation.search(clause))
        return (not value) if negated else value


def decision_blocks(doc: Doc) -> List[Tuple[Span, List[Span]]]:
    """Each decision header with the guideline and rationale spans that follow it."""
    blocks: List[Tuple[Span, List[Span]]] = []
    for span in sorted(doc.spans.get(SECTIONS_KEY, []), key=lambda s: (s.start, -s.end)):
        if span.label_ == "decision_header":
            blocks.append((span, []))
        elif blocks and span.label_ in ("claims_administrator_guideline", "maximus_guideline", "decision_rationale"):
            blocks[-1][1].append(span)
    return blocks
