"""Letter sections (`imr_sections`).

Finds the letter's headings ("HOW THE IMR FINAL DETERMINATION WAS MADE",
"CLINICAL CASE SUMMARY", "IMR ISSUES, DECISIONS AND RATIONALES", the case
header table; in 2013 letters "Notice of Independent Medical Review
Determination", "Medical Qualifications of the Expert Reviewer:", "Case
Summary:") and, inside the issues section, the blocks of each disputed item:
its header (the item text up to ": Upheld" / ": Overturned", or the 2013
"N) Regarding the request for X:"), the claims administrator's guideline, the
MAXIMUS guideline and the decision rationale. The 2013 numbered
determinations ("N) ... is (not) medically necessary and appropriate.") are
`determination` sections, where `imr_decisions` reads the outcome of the
item block with the same number. Headings are regexes kept as data in
`patterns/sections.jsonl`. Sections go to `doc.spans["imr_sections"]`,
labelled by section name. See docs/templates.md.
"""

import re
from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Tuple

from spacy.language import Language
from spacy.tokens import Doc, Span

from .layout import doc_text, lines, paragraph_start_before, paragraph_starts
from .regexes import compile_rule
from .base import RuleComponent
from . import scorers  # noqa: F401  (registers the scorers used in default_config)

HEADER_CONTINUATION_RE = re.compile(r"\d{1,2}/\d{1,2}/\d{2,4}\b|[a-z]")  # a header line that cannot open an item


SECTIONS_KEY = "imr_sections"


@dataclass
class Region:
    """A labelled character range of the text."""

    label: str
    start: int
    end: int


@Language.factory(
    "imr_sections",
    assigns=["doc.spans"],
    default_config={"spans_key": SECTIONS_KEY, "scorer": {"@scorers": "imr.spans_scorer.v1", "spans_key": SECTIONS_KEY}},
    default_score_weights={f"spans_{SECTIONS_KEY}_f": 0.0},
)
def make_sections(nlp: Language, name: str, spans_key: str, scorer: Optional[Any]) -> "Sectionizer":
    """Create an `imr_sections` component."""
    return Sectionizer(nlp, name, spans_key=spans_key, scorer=scorer)


class Sectionizer(RuleComponent):
    """Split a letter into its sections and per-decision blocks."""

    rules_file = "sections.jsonl"

    def __init__(self, nlp: Language, name: str = "imr_sections", *, spans_key: str = SECTIONS_KEY, scorer: Optional[Any] = None) -> None:
        super().__init__(nlp, name)
        self.spans_key = spans_key
        self.scorer = scorer
        self.compiled: Dict[str, List[Tuple[str, re.Pattern]]] = {}

    def set_rules(self, rules: List[Dict[str, Any]]) -> None:
        super().set_rules(rules)
        self.compiled = {}
        for rule in rules:
            pattern = compile_rule(rule["pattern"], re.MULTILINE)
            self.compiled.setdefault(rule["kind"], []).append((rule["label"], pattern))

    def __call__(self, doc: Doc) -> Doc:
        self.require_rules()
        regions = self.find_regions(doc_text(doc))
        spans = []
        for region in regions:
            span = char_span(doc, region.start, region.end, region.label)
            if span is not None:
                spans.append(span)
        doc.spans[self.spans_key] = spans
        return doc

    def find(self, kind: str, text: str, start: int = 0, end: Optional[int] = None) -> List[Tuple[str, re.Match]]:
        """All matches of the rules of one kind, in text order."""
        end = len(text) if end is None else end
        found = []
        for label, pattern in self.compiled.get(kind, []):
            found.extend((label, m) for m in pattern.finditer(text, start, end))
        found.sort(key=lambda item: item[1].start())
        return found

    def find_regions(self, text: str) -> List[Region]:
        """Letter sections, then each decision's header and sub-blocks."""
        headings = self.find("heading", text)
        regions: List[Region] = []
        for index, (label, match) in enumerate(headings):
            end = headings[index + 1][1].start() if index + 1 < len(headings) else len(text)
            if regions and regions[-1].label == label and regions[-1].end == match.start():
                regions[-1].end = end  # consecutive headings of one label: one section
                continue
            regions.append(Region(label, match.start() + leading_space(match.group(0)), end))
        issues = [r for r in regions if r.label == "issues"]
        if issues:
            block_start, block_end = issues[-1].start, issues[-1].end
        else:  # unknown template: look for decisions anywhere
            block_start, block_end = 0, len(text)
        regions.extend(self.find_decision_regions(text, block_start, block_end))
        for region in regions:
            region.end = region.start + len(text[region.start : region.end].rstrip())
        regions.sort(key=lambda r: (r.start, -r.end))
        return regions

    def find_decision_regions(self, text: str, start: int, end: int) -> List[Region]:
        """Header and sub-blocks of every disputed item between `start` and `end`,
        and the numbered determinations (anywhere in the letter) not used as headers.

        Item headers without an outcome (2013 "N) Regarding the request for X:")
        are the headers when the letter has them and no header carrying its
        outcome (": Upheld"); otherwise the headers are the ones carrying their
        outcome (": Upheld", or a numbered determination followed by its own blocks).
        """
        determinations = [m for _, m in self.find("determination", text)]
        outcomes = [m for _, m in self.find("outcome", text, start, end)]
        # a 2014/2016 letter whose rationale opens a line with "1) Regarding the request for" keeps its headers
        items = self.find("item_header", text, start, end) if not outcomes else []
        used: set = set()
        if items:
            header_spans = [(m.start() + leading_space(m.group(0)), m.end()) for _, m in items]
        else:
            header_spans, used = self.outcome_headers(text, start, end, outcomes, determinations)
        regions: List[Region] = [
            Region("determination", m.start() + leading_space(m.group(0)), m.end()) for m in determinations if m.start() not in used
        ]
        for index, (header_start, header_end) in enumerate(header_spans):
            block_end = header_spans[index + 1][0] if index + 1 < len(header_spans) else end
            regions.append(Region("decision_header", header_start, header_end))
            subheadings = self.find("subheading", text, header_end, block_end)
            for sub_index, (label, match) in enumerate(subheadings):
                sub_end = subheadings[sub_index + 1][1].start() if sub_index + 1 < len(subheadings) else block_end
                regions.append(Region(label, match.start() + leading_space(match.group(0)), sub_end))
        return regions

    def outcome_headers(
        self, text: str, start: int, end: int, outcomes: List[re.Match], determinations: List[re.Match]
    ) -> Tuple[List[Tuple[int, int]], set]:
        """(start, end) of each header carrying its outcome (the `outcomes` markers and
        the numbered determinations in [start, end)), and the start offsets of the
        determinations used as headers.

        A determination repeated later with the same number and words (the 2013
        letters list them twice) is a header only at its last occurrence.
        """
        numbered = [m for m in determinations if start <= m.start() and m.end() <= end]
        last: Dict[Tuple[str, str], int] = {}
        for m in numbered:
            last[determination_key(m)] = m.start()
        numbered = [m for m in numbered if last[determination_key(m)] == m.start()]
        markers = [(m, False) for m in outcomes]
        markers += [(m, True) for m in numbered if not any(o.start() < m.end() and m.start() < o.end() for o in outcomes)]
        markers.sort(key=lambda item: item[0].start())
        if not markers:
            return [], set()
        paragraphs = paragraph_starts(text)
        intro_ends = [m.end() for _, m in self.find("intro", text, start, end)]
        floor = max(intro_ends) if intro_ends else start
        first_line_end = text.find("\n", start)
        floor = max(floor, first_line_end if first_line_end != -1 else start)
        header_spans = []
        previous_end = floor
        for marker, is_determination in markers:
            if is_determination:  # the numbered statement is the whole header
                header_start = marker.start() + leading_space(marker.group(0))
            else:
                header_start = paragraph_start_before(paragraphs, marker.start())
                header_start = header_continued_from(text, paragraphs, header_start, previous_end)
                if header_start < previous_end:
                    header_start = line_start_after_sentence_end(text, previous_end, marker.start())
            header_spans.append((header_start, marker.end()))
            previous_end = marker.end()
        return header_spans, {m.start() for m, is_determination in markers if is_determination}


def header_continued_from(text: str, paragraphs: List[int], header_start: int, floor: int) -> int:
    """Where a header starts when its paragraph only continues the one before it: a header
    wrapped across a paragraph gap or a page break ("... 180gm, DOS" / "01/22/2015: Upheld")
    opens with a date or a lower-case word, after a paragraph that ends no sentence."""
    if not HEADER_CONTINUATION_RE.match(text, header_start):
        return header_start
    before = paragraph_start_before(paragraphs, header_start - 1)
    previous = text[before:header_start].rstrip()
    if before >= floor and previous and not previous.endswith((".", ":")):
        return before
    return header_start


def determination_key(match: re.Match) -> Tuple[str, str]:
    """A numbered determination's number and words (whitespace collapsed)."""
    number = match.groupdict().get("number") or ""
    return number, " ".join(match.group(0).split()[1:])


def leading_space(value: str) -> int:
    return len(value) - len(value.lstrip())


def line_start_after_sentence_end(text: str, floor: int, limit: int) -> int:
    """Start of the first line after the last line ending a sentence in [floor, limit)."""
    best = floor
    for line_start, line_end in lines(text[floor:limit]):
        content = text[floor + line_start : floor + line_end].rstrip()
        if content.endswith((".", ":")) and floor + line_end < limit:
            best = floor + line_end + 1
    while best < limit and text[best].isspace():
        best += 1
    return best


def char_span(doc: Doc, start: int, end: int, label: str) -> Optional[Span]:
    """A token-aligned span covering [start, end), expanded to token edges."""
    if end <= start:
        return None
    return doc.char_span(start, end, label=label, alignment_mode="expand")
