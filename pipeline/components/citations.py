"""Guideline citations (`imr_citations`): CITATION and PAGES spans with parsed attributes.

Reads the "Claims Administrator guideline:" and "MAXIMUS guideline:" paragraphs
of every decision block (the first template's "Medical Treatment Guideline(s) Used
by the Claims Administrator (UR):" / "... Used by the Expert Reviewer:" paragraphs
carry the same section labels), and the page references of its "Decision rationale:".
Each cited guideline becomes a `CITATION` span (in `doc.spans["imr"]`, through
`add_entities`) with `span._.imr_citation`:

    {"cited_by": "maximus", "source": "MTUS",
     "title": "Chronic Pain Treatment Guidelines", "topic": "Opioids",
     "title_as_written": "Chronic Pain Treatment Guidelines",
     "title_canonical": "Chronic Pain Medical Treatment Guidelines",
     "edition": null, "sections": ["Opioids"], "pages": [[74, 80]],
     "pages_text": "74-80", "pages_valid": true}

Every page list is also a `PAGES` span (span group only, not `doc.ents`).
A party that "did not cite any medical evidence" is added to the decision's
`span._.imr_decision["cited_none"]`.

All rules (statement openers, closing clauses, source and publisher names,
MTUS and ODG titles, section names that contain commas, page markers, reference
starts) are data in `patterns/citations.jsonl`. Matching runs on the original
text; only the extracted values are normalised. The grammar and the classes of
wording covered are in docs/citations.md.
"""

import re
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Optional, Set, Tuple

from spacy.language import Language
from spacy.tokens import Doc
from spacy.util import registry

from . import extensions  # noqa: F401  (registers the imr_* attributes)
from .decisions import DECISIONS_KEY
from .entities import add_entities
from .layout import span_text
from .base import RuleComponent
from .regexes import compile_rule
from .scorers import CITATION_METRICS, gold_scorer, weights
from .sections import SECTIONS_KEY

PARTIES = {"claims_administrator_guideline": "claims_administrator", "maximus_guideline": "maximus"}
RATIONALE = "decision_rationale"
CITATION_FIELDS = ("cited_by", "source", "edition", "sections", "pages")
# Sources that can be part of the MTUS (ACOEM's 2004 chapters are); any other never is.
NEVER_MTUS_EXCLUDED = ("MTUS", "ACOEM")
MAX_PAGE = 2000

# a page or a range, not a count ("page 99, 9-10 visits over 8 weeks": one page)
PAGE_ITEM = r"\d+(?:\s*[-\u2013]\s*\d+)?(?![\d\u2013-]|\s*(?:visits?|sessions?|treatments?|times?|days?|weeks?|months?|years?|hours?|mg)\b)"
# "\s*(?::\s*)?", not "\s*:?\s*": two adjacent whitespace runs backtrack in quadratic time.
PAGE_LIST_RE = re.compile(rf"\s*(?::\s*)?({PAGE_ITEM}(?:\s*(?:[,;&]\s*(?:and\s+)?|and\s+){PAGE_ITEM})*)", re.IGNORECASE)
PAGE_ITEM_RE = re.compile(r"(\d+)(?:\s*[-\u2013]\s*(\d+))?")
YEAR_RE = re.compile(r"(?<![\d/])\b(?:19|20)\d\d\b(?![/\d])")
ORDINAL_EDITION_RE = re.compile(r"\b(\d+(?:st|nd|rd|th))\s+(?:annual\s+)?ed(?:ition\b|\.|\b)", re.IGNORECASE)
NUMBERED_SECTION_RE = re.compile(r"\d+(?:\.\d+)+\s")
NUMBERED_SPLIT_RE = re.compile(r"[,;]\s*(?=\d+(?:\.\d+)+\s)")
# Anchored at the end of a short tail (see `tail`), never searched over a whole statement.
# "..., and the ODG", "the Official Disability Guidelines", "... relied on X, and on Title 8"
BOUNDARY_BEFORE_RE = re.compile(r"(?:[,;:]|\band(?:\s+on)?(?:\s+the)?|^(?:on\s+)?the|^on)$", re.IGNORECASE)
AND_BEFORE_RE = re.compile(r"\band(?:\s+the)?$", re.IGNORECASE)
GENERIC_TITLE_RE = re.compile(r"[A-Z][\w'&/-]*(?:\s+[\w'&/()-]+){0,6}?\s+(?:19|20)\d\d\b")
LEAD_FILLER_RE = re.compile(r"(?:[\s,.;:()\-\u2013]|\b(?:and|on|the|also|in)\b)*", re.IGNORECASE)  # used with .fullmatch
LEADING_JUNK_RE = re.compile(r"(?:[\s,.;:\-\u2013]|\band\b)+", re.IGNORECASE)  # used with .match
JUNK_CHARACTERS = " \t\n\r\f\v,.;:-\u2013"
TRAILING_JOIN_RE = re.compile(r"(?:^|(?<=\W))and(?:\s+the)?$", re.IGNORECASE)
WRAP_HYPHEN_RE = re.compile(r"-[ \t]*\n\s*")
SPACE_RE = re.compile(r"\s+")
EMPTY_SEPARATORS_RE = re.compile(r"\s*([,;:])(?:\s*[,;:])+")
TITLE_SPLIT_RE = re.compile(r"[,:/]")
SENTENCE_END_RE = re.compile(r"[.!?]\s")
DATE_BEFORE_YEAR_RE = re.compile(r"\(\s*(?:[A-Z][a-z]+\.?\s+)?(?:\d{1,2},?\s+)?$")
MONTH_BEFORE_YEAR_RE = re.compile(
    r"\b(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sept?|Oct|Nov|Dec)[a-z]*\.?\s+(?:\d{1,2},?\s+)?$", re.IGNORECASE
)
SPACE_BEFORE_PUNCT_RE = re.compile(r"\s+([,;:])")
# After a page list: a separator, "and", "the", then a letter starts the next guideline.
AFTER_PAGES_RE = re.compile(  # "..., Page(s): 74-80; 113. Title 8, California Code of Regulations, ...": a sentence break before a source
    r"\s*(?:[,;]|\.(?=\s+(?:Title\s+8|California\s+Code|Official\s+Disability|ODG|ACOEM)\b))\s*(?:and\s+)?(?:the\s+)?(?=[A-Za-z])(?!sections?\b|section\(s\))",
    re.IGNORECASE,
)
SECTIONS_END_RE = re.compile(r"(?<![A-Z])(?<!\bvs)(?<!\bDr)\.\s+(?=[A-Z][a-z])")  # "Benzodiazepines. The Expert Reviewer ..."
# After an edition ("(May 2009)", "2nd Edition (2004)"): a comma starts the section list.
LIST_AFTER_EDITION_RE = re.compile(r"\s*,\s*")
SENTENCE_BREAK_RE = re.compile(r"\s*[.!?](?:\s|$)")
# Where a new reference may start: after a separator, before a capital letter.
REFERENCE_GAP_RE = re.compile(r"[.,;]\s+(?=[A-Z])")
# A list number: "1. ", "(2) ", "3) " before a capital letter, not inside a number or word.
LIST_NUMBER_RE = re.compile(r"(?<![\w.,/-])\(?(\d{1,2})[.)]\s+(?=[A-Z]|https?://|www\.)")
# Initials before a gap: the gap is inside an author list ("Chou R, Turner JA."), not between references.
INITIALS_BEFORE_RE = re.compile(r"(?:^|[^\w'-])[A-Z]{1,3}$")
CHAPTER_NUMBER_RE = re.compile(r"\bChapter\s+(\d+)\b", re.IGNORECASE)
# Between two names of one source: separators, brackets and a year only (one character at a time: linear).
FILLER_RE = re.compile(r"(?:[\s,.;:()\[\]\-\u2013]|(?:19|20)\d\d\b)*")


@dataclass
class Found:
    """A citation found in the text: character offsets, attributes and page-list offsets."""

    start: int
    end: int
    attrs: Dict[str, Any]
    pages_spans: List[Tuple[int, int]] = field(default_factory=list)

    def shifted(self, offset: int) -> "Found":
        """The same citation with offsets moved by `offset` (section text -> doc text)."""
        pages = [(start + offset, end + offset) for start, end in self.pages_spans]
        return Found(self.start + offset, self.end + offset, self.attrs, pages)


@Language.factory(
    "imr_citations",
    assigns=["doc.spans", "doc.ents", "span._.imr_citation", "span._.imr_decision"],
    requires=["doc.spans"],
    default_config={"scorer": {"@scorers": "imr.citations_scorer.v1"}},
    default_score_weights=weights(CITATION_METRICS, "citations_f"),
)
def make_citations(nlp: Language, name: str, scorer: Optional[Callable]) -> "CitationExtractor":
    """Create an `imr_citations` component."""
    return CitationExtractor(nlp, name, scorer=scorer)


def compile_citation_rule(pattern: str, ignore_case: bool = True) -> re.Pattern:
    """A rule regex where " ?" matches optional and " " any whitespace (line breaks too)."""
    return compile_rule(pattern.replace(" ?", r"\s*").replace(" ", r"\s+"), re.IGNORECASE if ignore_case else 0)


def clean_value(text: str) -> str:
    """A value as a reader sees it: line-wrap hyphens joined, whitespace collapsed."""
    return SPACE_RE.sub(" ", WRAP_HYPHEN_RE.sub("-", text)).strip()


def tidy_title(text: str) -> Optional[str]:
    value = EMPTY_SEPARATORS_RE.sub(r"\1", SPACE_BEFORE_PUNCT_RE.sub(r"\1", clean_value(text)))
    leading = LEADING_JUNK_RE.match(value)
    value = strip_trailing_junk(value[leading.end() :] if leading else value)
    return value or None


def trailing_junk_start(value: str) -> int:
    """Where the run of separators and joining words ("and", "and the") ending `value` starts.

    A loop from the right, not a `...+$` regex: searched from every position, such
    a regex costs quadratic time on long punctuation runs (a line of 16,000 dashes).
    """
    end = len(value)
    while True:
        stripped = value[:end].rstrip(JUNK_CHARACTERS)
        join = TRAILING_JOIN_RE.search(stripped[-12:])
        end = len(stripped) - (join.end() - join.start() if join else 0)
        if not join:
            return end


def is_filler(text: str, start: int, end: int) -> bool:
    """True when text[start:end] holds only separators, brackets and years."""
    return start <= end and FILLER_RE.match(text, start, end).end() == end


def strip_trailing_junk(value: str) -> str:
    return value[: trailing_junk_start(value)]


def tail(text: str, start: int, position: int, width: int = 24) -> str:
    """The last `width` characters of `text[start:position]` before trailing whitespace."""
    end = position
    while end > start and text[end - 1].isspace():
        end -= 1
    return text[max(start, end - width) : end]


def trim(text: str, start: int, end: int) -> Tuple[int, int]:
    """Shrink [start, end) past separators and joining words at both ends."""
    leading = LEADING_JUNK_RE.match(text, start, end)
    if leading:
        start = leading.end()
    end = start + trailing_junk_start(text[start:end])
    return start, max(start, end)


def remove_year(text: str, year: re.Match) -> str:
    """`text` without the edition year (and its brackets when it stands alone in them)."""
    start, end = year.start(), year.end()
    dated = DATE_BEFORE_YEAR_RE.search(text, max(0, start - 20), start)
    if dated and text[end : end + 1] == ")":  # "(2016)", "(May 2009)", "(July 28, 2016)"
        start, end = dated.start(), end + 1
    else:
        month = MONTH_BEFORE_YEAR_RE.search(text, max(0, start - 20), start)
        if month:  # "..., May 2009, Lidoderm"
            start = month.start()
    return text[:start] + text[end:]


def parse_pages(listing: str) -> Tuple[List[List[int]], bool]:
    """`[[first, last], ...]` of a page list, and whether every range is plausible."""
    pages = []
    for m in PAGE_ITEM_RE.finditer(listing):
        first = int(m.group(1))
        last = int(m.group(2)) if m.group(2) else first
        pages.append([first, last])
    valid = all(1 <= a <= b <= MAX_PAGE for a, b in pages)
    return pages, valid


class CitationExtractor(RuleComponent):
    """Find guideline citations and parse source, title, edition, sections and pages."""

    rules_file = "citations.jsonl"

    def __init__(self, nlp: Language, name: str = "imr_citations", *, scorer: Optional[Callable] = None) -> None:
        super().__init__(nlp, name)
        self.scorer = scorer
        self.statement: Optional[re.Pattern] = None
        self.non_mtus: Optional[re.Pattern] = None
        self.mtus: Optional[re.Pattern] = None
        self.cited_none: Optional[re.Pattern] = None
        self.pages_marker: Optional[re.Pattern] = None
        self.sources: List[Tuple[re.Pattern, str]] = []
        self.publishers: List[Tuple[re.Pattern, str]] = []
        self.implied_sources: List[Tuple[re.Pattern, str]] = []
        self.reference_start: Optional[re.Pattern] = None
        self.titles: Dict[str, List[Tuple[re.Pattern, Optional[str]]]] = {}
        self.mtus_openers: List[re.Pattern] = []  # MTUS titles that make a statement MTUS on their own
        self.section_names: Optional[re.Pattern] = None
        self.section_markers: List[Tuple[re.Pattern, bool]] = []
        self.statement_ends: List[Tuple[re.Pattern, str]] = []

    def set_rules(self, rules: List[Dict[str, Any]]) -> None:
        super().set_rules(rules)
        self.sources, self.titles, self.section_markers, self.statement_ends = [], {}, [], []
        self.publishers, self.implied_sources, self.mtus_openers = [], [], []
        single: Dict[str, List[str]] = {}
        names, reference_starts = [], []
        for rule in rules:
            kind = rule["kind"]
            if kind in ("statement", "non_mtus", "mtus", "cited_none", "pages", "not_guideline_page", "record_page"):
                single.setdefault(kind, []).append(rule["pattern"])
            elif kind == "source":
                self.sources.append((compile_citation_rule(rule["pattern"]), rule["value"]))
            elif kind == "publisher":
                self.publishers.append((compile_citation_rule(rule["pattern"]), rule["value"]))
            elif kind == "implied_source":
                self.implied_sources.append((compile_citation_rule(rule["pattern"]), rule["value"]))
            elif kind == "reference_start":  # author initials: case matters
                reference_starts.append(rule["pattern"])
            elif kind == "title":
                pattern = compile_citation_rule(rule["pattern"])
                self.titles.setdefault(rule["source"], []).append((pattern, rule["canonical"]))
                if rule["source"] == "MTUS" and not rule.get("mtus_context_only"):
                    self.mtus_openers.append(pattern)
            elif kind == "section_name":
                names.append(rule["pattern"])
            elif kind == "statement_end":
                self.statement_ends.append((compile_citation_rule(rule["pattern"]), rule["value"]))
            elif kind == "sections":
                self.section_markers.append((compile_citation_rule(rule["pattern"]), bool(rule["split"])))
        joined = {kind: compile_citation_rule("|".join(f"(?:{p})" for p in patterns)) for kind, patterns in single.items()}
        self.statement = joined.get("statement")
        self.non_mtus = joined.get("non_mtus")
        self.mtus = joined.get("mtus")
        self.cited_none = joined.get("cited_none")
        self.pages_marker = joined.get("pages")
        self.not_guideline_page = joined.get("not_guideline_page")
        self.record_page = joined.get("record_page")
        self.section_names = compile_citation_rule("|".join(f"(?:{p})" for p in names)) if names else None
        self.reference_start = (
            compile_citation_rule("|".join(f"(?:{p})" for p in reference_starts), ignore_case=False) if reference_starts else None
        )

    def __call__(self, doc: Doc) -> Doc:
        self.require_rules()
        found: List[Found] = []
        nones: List[Tuple[int, str]] = []
        reviewer_source = None  # the source of the MAXIMUS paragraph before a rationale
        for section in doc.spans.get(SECTIONS_KEY, []):
            if section.label_ not in PARTIES and section.label_ != RATIONALE:
                continue
            text = span_text(section)  # only the relevant sections: offsets are shifted back below
            if section.label_ in PARTIES:
                party = PARTIES[section.label_]
                in_section = self.parse_guideline(text, 0, len(text), party)
                if party == "maximus":
                    reviewer_source = in_section[0].attrs["source"] if in_section else None
                if self.cited_none is not None and self.cited_none.search(text):
                    nones.append((section.start_char, party))
            else:
                in_section = self.parse_rationale(text, 0, len(text), reviewer_source)
            found.extend(item.shifted(section.start_char) for item in in_section)
        citations, pages = [], []
        for item in found:
            span = doc.char_span(item.start, item.end, label="CITATION", alignment_mode="expand")
            if span is None:
                continue
            span._.imr_citation = item.attrs
            citations.append(span)
            for start, end in item.pages_spans:
                page_span = doc.char_span(start, end, label="PAGES", alignment_mode="expand")
                if page_span is not None:
                    pages.append(page_span)
        for decision in doc.spans.get(DECISIONS_KEY, []):
            info = dict(decision._.imr_decision or {})
            info["cited_none"] = [party for pos, party in nones if decision.start_char <= pos < decision.end_char]
            decision._.imr_decision = info
        add_entities(doc, citations + pages, labels=["CITATION", "PAGES"])
        return doc

    # -- guideline paragraphs -------------------------------------------------

    def parse_guideline(self, text: str, start: int, end: int, party: str) -> List[Found]:
        """Citations of one guideline paragraph: one list per "Decision based on" statement."""
        openers = list(self.statement.finditer(text, start, end)) if self.statement else []
        found: List[Found] = []
        for index, opener in enumerate(openers):
            stop = openers[index + 1].start() if index + 1 < len(openers) else end
            found.extend(self.parse_statement(text, opener.end(), stop, party))
        return found

    def parse_statement(self, text: str, start: int, end: int, party: str) -> List[Found]:
        """Split a statement into its MTUS part and its Non-MTUS parts.

        A part is MTUS when it starts with "MTUS" or a known MTUS title, or ends
        "which is part of the MTUS"; it is Non-MTUS after a "Non-MTUS" marker.
        """
        closing = None
        for pattern, value in self.statement_ends:
            m = pattern.search(text, start, end)
            if m and (closing is None or m.start() < closing[0].start()):
                closing = (m, value)
        found: List[Found] = []
        if closing is not None:
            # What follows the closing clause is parsed on its own when it continues the
            # statement (", and the ACOEM ..."); after a sentence break it is prose.
            if not SENTENCE_BREAK_RE.match(text, closing[0].end(), end):
                found.extend(self.parse_statement(text, closing[0].end(), end, party))
            end = closing[0].start()
        before: List[Found] = []
        markers = list(self.non_mtus.finditer(text, start, end)) if self.non_mtus else []
        cuts = [start] + [m.start() for m in markers if m.start() > start] + [end]
        for piece_start, piece_end in zip(cuts, cuts[1:]):
            marker = self.non_mtus.match(text, piece_start, piece_end) if self.non_mtus else None
            if marker is not None:
                before.extend(self.parse_non_mtus(text, marker.end(), piece_end, party))
                continue
            mtus = self.mtus.match(text, piece_start, piece_end) if self.mtus else None
            if mtus is not None:
                before.extend(self.parse_mtus(text, mtus.end(), piece_end, party))
            elif (closing is not None and closing[1] == "MTUS") or any(
                pattern.match(text, piece_start, piece_end) for pattern in self.mtus_openers
            ):
                # "the ODG, Low Back Chapter, and the ACOEM ..., which are part of the MTUS": a
                # guideline that is never part of the MTUS keeps its source up to the next MTUS title.
                lead_end = self.non_mtus_lead(text, piece_start, piece_end)
                if lead_end > piece_start:
                    before.extend(self.parse_non_mtus(text, piece_start, lead_end, party))
                if lead_end < piece_end:
                    before.extend(self.parse_mtus(text, lead_end, piece_end, party))
            else:
                before.extend(self.parse_non_mtus(text, piece_start, piece_end, party))
        return before + found

    def non_mtus_lead(self, text: str, start: int, end: int) -> int:
        """Where a statement that starts with a source never part of the MTUS (ODG, CCR, a URL)
        reaches its first MTUS title after "and"; `start` when it starts otherwise."""
        begin = LEADING_JUNK_RE.match(text, start, end)
        position = begin.end() if begin else start
        lead = next((m for m in self.source_mentions(text, position, min(end, position + 120)) if m[0] == position), None)
        if lead is None or lead[2] in NEVER_MTUS_EXCLUDED:
            return start
        following = [
            m.start()
            for pattern, _ in self.titles.get("MTUS", [])
            for m in pattern.finditer(text, lead[1], end)
            if self.joins_guidelines(text, start, m.start())
        ]
        return min(following, default=end)

    def parse_mtus(self, text: str, start: int, end: int, party: str) -> List[Found]:
        """An MTUS statement: one citation per guideline title it names.

        A new citation starts at a guideline title (known, or "Words YEAR") at the
        start of the statement, after "and" ("..., and Low Back Complaints 2004"), or
        right after a page list ("Page(s): 47-48,Chronic Pain ..."). A title after a
        bare comma stays inside the citation ("ACOEM, 2nd Edition, Chapter 12, Low Back
        Complaints"). A source that is never part of the MTUS (ODG, CCR, a URL) named
        there starts a citation of that source ("..., pages 303-305, and the Official
        Disability Guidelines (ODG), Low Back Chapter, which are part of the MTUS").
        """
        after_pages = set()
        for listing_end in self.page_list_ends(text, start, end):
            follow = AFTER_PAGES_RE.match(text, listing_end, end)
            if follow:
                after_pages.add(follow.end())
        starts: Dict[int, Tuple[int, Optional[str]]] = {}
        known: List[Tuple[int, int]] = []  # every known title, a start or not: "Forearm, Wrist, and Hand Complaints"
        for pattern, canonical in self.titles.get("MTUS", []):
            for m in pattern.finditer(text, start, end):
                known.append((m.start(), m.end()))
                if m.start() in after_pages or self.joins_guidelines(text, start, m.start()):
                    if m.end() > starts.get(m.start(), (0, None))[0]:
                        starts[m.start()] = (m.end(), canonical)
        for m in GENERIC_TITLE_RE.finditer(text, start, end):
            if any(first < m.start() < last for first, last in known):
                continue  # "... Wrist, and Hand Complaints 2004": inside a known title, not a guideline of its own
            if m.start() not in starts and (m.start() in after_pages or self.joins_guidelines(text, start, m.start())):
                starts[m.start()] = (m.start(), None)
        for position in after_pages:
            starts.setdefault(position, (position, None))
        foreign = set()
        for m_start, _, value in self.source_mentions(text, start, end):
            if value not in NEVER_MTUS_EXCLUDED and (
                m_start in after_pages or self.joins_guidelines(text, start, m_start)
            ):
                starts[m_start] = (m_start, None)
                foreign.add(m_start)
        ordered: List[int] = []
        for position in sorted(starts):  # drop starts inside a longer title match
            if ordered and position < starts[ordered[-1]][0]:
                continue
            ordered.append(position)
        if not ordered or text[start : ordered[0]].strip(" \t\n,;.:"):
            ordered.insert(0, start)
        found = []
        for index, chunk_start in enumerate(ordered):
            chunk_end = ordered[index + 1] if index + 1 < len(ordered) else end
            if chunk_start in foreign:
                found.extend(self.parse_non_mtus(text, chunk_start, chunk_end, party))
                continue
            title_end, canonical = starts.get(chunk_start, (chunk_start, None))
            item = self.parse_mtus_chunk(text, chunk_start, chunk_end, party, title_end, canonical)
            if item is not None:
                found.append(item)
        return found

    def joins_guidelines(self, text: str, start: int, position: int) -> bool:
        """True at the statement start and after "and" (the join between MTUS guidelines)."""
        before = tail(text, start, position)
        return not before or bool(AND_BEFORE_RE.search(before))

    def page_list_ends(self, text: str, start: int, end: int) -> List[int]:
        ends = []
        for marker in self.pages_marker.finditer(text, start, end) if self.pages_marker else []:
            listing = PAGE_LIST_RE.match(text, marker.end(), end)
            if listing and listing.group(1):
                ends.append(listing.end())
        return ends

    def parse_mtus_chunk(
        self, text: str, start: int, end: int, party: str, title_end: int, canonical: Optional[str]
    ) -> Optional[Found]:
        """One MTUS citation: "<title> [edition][, Section(s): ...][ Page(s): ...]".

        The older statements list the sections after a dated edition, without a
        "Section(s):" marker: "<title> (May 2009), Lidoderm, page 56",
        "<title>, 2nd Edition (2004), Chapter 9, pages 207-209". The year is the
        edition; without a year an ordinal edition ("2nd Edition") is.
        """
        start, end = trim(text, start, end)
        if end <= start:
            return None
        pages, pages_spans, pages_text, valid, body_end, marker = self.find_pages(text, start, end)
        sections, head_end, named_one = self.find_sections(text, start, body_end)
        if not sections and marker is not None:  # "Page(s): 46, Section(s): Epidural steroid injections (ESIs)"
            sections, _, named_one = self.find_sections(text, marker[1], end)
        head = text[start:head_end]
        year = YEAR_RE.search(head)
        ordinal = ORDINAL_EDITION_RE.search(head)
        if not sections and (year or ordinal):
            listed = self.sections_after_edition(text, start, head_end, year, ordinal)
            if listed:
                head_end, sections = listed
                named_one = len(sections) == 1
                head = text[start:head_end]
        if year:
            edition: Optional[str] = year.group(0)
            without_edition = remove_year(head, year)
        elif ordinal:
            edition = ordinal.group(1)
            without_edition = head[: ordinal.start()] + head[ordinal.end() :]
        else:
            edition, without_edition = None, head
        title_as_written = tidy_title(without_edition)
        if title_end > start:
            title = clean_value(text[start:title_end])
            rest = text[title_end:head_end]
            year_in_rest = YEAR_RE.search(rest)
            if year_in_rest:
                rest = remove_year(rest, year_in_rest)
            ordinal_in_rest = ORDINAL_EDITION_RE.search(rest)
            if ordinal_in_rest:  # "2nd Edition" belongs to the title, it is not a topic
                rest = rest[: ordinal_in_rest.start()] + rest[ordinal_in_rest.end() :]
            topic = tidy_title(rest)
            if topic is not None and topic.lower() == "guidelines":
                title, topic = f"{title} Guidelines", None
        else:
            title, topic = title_as_written, None
            canonical = self.canonical_title("MTUS", title_as_written or "", anywhere=True)
        if canonical is None:
            canonical = self.chapter_canonical(title_as_written, sections)
        if named_one and topic is None:  # "Section on Opioids", "(May 2009), Lidoderm,": the topic is that section
            topic = sections[0]
        attrs = {
            "cited_by": party,
            "source": "MTUS",
            "title": title,
            "topic": topic,
            "title_as_written": title_as_written,
            "title_canonical": canonical,
            "edition": edition,
            "sections": sections,
            "pages": pages,
            "pages_text": pages_text,
            "pages_valid": valid,
        }
        return Found(start, end, attrs, pages_spans)

    def sections_after_edition(
        self, text: str, start: int, head_end: int, year: Optional[re.Match], ordinal: Optional[re.Match]
    ) -> Optional[Tuple[int, List[str]]]:
        """Where the title ends and the sections listed after its edition, if a comma follows it."""
        anchor = start
        if year:
            anchor = start + year.end()
            if text[anchor : anchor + 1] == ")":  # "(May 2009)", "(2004)"
                anchor += 1
        if ordinal:
            anchor = max(anchor, start + ordinal.end())
        comma = LIST_AFTER_EDITION_RE.match(text, anchor, head_end)
        if not comma:
            return None
        names = self.split_sections(text[comma.end() : head_end])
        return (anchor, names) if names else None

    def chapter_canonical(self, title: Optional[str], sections: List[str]) -> Optional[str]:
        """An ACOEM chapter cited inside an MTUS statement: the MTUS title of that chapter."""
        if not title or not re.search(r"ACOEM|Occupational (?:and|&) Environmental", title, re.IGNORECASE):
            return None
        for value in [title] + sections:
            chapter = CHAPTER_NUMBER_RE.search(value)
            if chapter:
                return self.canonical_title("MTUS", f"ACOEM Chapter {chapter.group(1)}")
        return None

    def parse_non_mtus(self, text: str, start: int, end: int, party: str, in_list: bool = False) -> List[Found]:
        """A Non-MTUS statement: one citation per named source (ODG, ACOEM, CCR, URL, ...).

        A citation starts at a source name after a separator or "and" ("..., ACOEM
        ..."), or at a second source name inside a cited source's title, before a
        capitalised word ("..., Manipulation ODG Chiropractic Guidelines"). A name of
        the source just named, with only separators, brackets and a year between
        ("Work Loss Data Institute, 2015, Official Disability Guidelines"), and a
        publisher after a name of its source, are part of that citation. A list of
        references (source "other") is split where a new reference starts ("...,
        accessed 02/18/2017, Benditt D, et al. ..."). A citation that names no source
        is ODG when it starts with an ODG chapter printed with its chapter qualifier
        ("Shoulder (Acute & Chronic), ...") or when the statement names ODG elsewhere.
        """
        items = [] if in_list else self.list_items(text, start, end)
        if items:  # "1. ODG ..., 2. ACOEM ...": each item on its own
            found = []
            for index, item_start in enumerate(items):
                item_end = self.list_number_start(text, items[index + 1]) if index + 1 < len(items) else end
                found.extend(self.parse_non_mtus(text, item_start, item_end, party, in_list=True))
            return found
        names = [(m[0], m[1], m[2], False) for m in self.source_mentions(text, start, end)]
        names += self.publisher_mentions(text, start, end, names)
        names.sort(key=lambda n: (n[0], -n[1]))
        kept: List[Tuple[int, int, str, bool]] = []
        filler_end = start  # where the filler after the last name of the current citation ends
        for name in names:
            name_start, name_end, value, publisher = name
            previous = kept[-1] if kept else None
            adjacent = name_start <= filler_end  # only separators, brackets and years since that name
            if previous is not None and previous[2] == value != "other" and adjacent:
                filler_end = max(filler_end, FILLER_RE.match(text, name_end, end).end())  # named again: same citation
                continue
            if publisher:
                if (previous is None or previous[2] != value) and self.at_source_boundary(text, start, name_start):
                    kept.append(name)
                    filler_end = FILLER_RE.match(text, name_end, end).end()
            elif self.at_source_boundary(text, start, name_start) or (
                previous is not None and self.restarts_citation(text, adjacent, name, end)
            ):
                kept.append(name)
                filler_end = FILLER_RE.match(text, name_end, end).end()
        cuts: List[Tuple[int, Optional[Tuple[int, int, str, bool]]]] = [(n[0], n) for n in kept]
        if not cuts or not LEAD_FILLER_RE.fullmatch(text, start, cuts[0][0]):
            cuts.insert(0, (start, None))  # ", and the Official Disability Guidelines": no citation before the name
        named_sources = {n[2] for n in names}
        found = []
        for index, (chunk_start, name) in enumerate(cuts):
            chunk_end = cuts[index + 1][0] if index + 1 < len(cuts) else end
            if name is None or name[2] == "other":  # a reference list: one citation per reference
                pieces = self.reference_cuts(text, chunk_start, chunk_end)
            else:
                pieces = [chunk_start]
            for piece_index, piece_start in enumerate(pieces):
                piece_end = pieces[piece_index + 1] if piece_index + 1 < len(pieces) else chunk_end
                if piece_index == 0 and name is not None:
                    source, name_end = name[2], (name[1] if name[2] != "other" else piece_start)
                else:
                    source, name_end = self.implied_source(text, piece_start, piece_end, named_sources), piece_start
                item = self.parse_other_chunk(text, piece_start, piece_end, party, source, name_end)
                if item is not None:
                    found.append(item)
        return found

    def list_items(self, text: str, start: int, end: int) -> List[int]:
        """Where the items of a numbered list start ("1. ... 2. ...", "1) ... 2) ..."):
        numbers counted up from 1; fewer than two items is no list."""
        items: List[int] = []
        for number in LIST_NUMBER_RE.finditer(text, start, end):
            if int(number.group(1)) == len(items) + 1:
                items.append(number.end())
        return items if len(items) >= 2 else []

    def list_number_start(self, text: str, item_start: int) -> int:
        """Where the list number before an item starts (the item's start minus "2. ")."""
        position = item_start
        while position > 0 and text[position - 1].isspace():
            position -= 1
        position -= 1  # "." or ")"
        while position > 0 and text[position - 1].isdigit():
            position -= 1
        if position > 0 and text[position - 1] == "(":
            position -= 1
        return position

    def source_mentions(self, text: str, start: int, end: int) -> List[Tuple[int, int, str]]:
        """Non-overlapping source names in [start, end), leftmost-longest."""
        candidates = []
        for pattern, value in self.sources:
            candidates.extend((m.start(), m.end(), value) for m in pattern.finditer(text, start, end))
        candidates.sort(key=lambda c: (c[0], -c[1]))
        mentions: List[Tuple[int, int, str]] = []
        for candidate in candidates:
            if mentions and candidate[0] < mentions[-1][1]:
                continue
            mentions.append(candidate)
        return mentions

    def publisher_mentions(
        self, text: str, start: int, end: int, names: List[Tuple[int, int, str, bool]]
    ) -> List[Tuple[int, int, str, bool]]:
        """Publisher names in [start, end) outside source names ("Work Loss Data Institute" -> ODG)."""
        found = []
        taken = sorted((s, e) for s, e, _, _ in names)
        for pattern, value in self.publishers:
            index = 0
            for m in pattern.finditer(text, start, end):  # a sweep over both sorted lists
                while index < len(taken) and taken[index][1] <= m.start():
                    index += 1
                if index < len(taken) and taken[index][0] < m.end():
                    continue  # inside a source name
                found.append((m.start(), m.end(), value, True))
        return found

    def at_source_boundary(self, text: str, start: int, position: int) -> bool:
        before = tail(text, start, position)
        return not before or bool(BOUNDARY_BEFORE_RE.search(before))

    def restarts_citation(self, text: str, adjacent: bool, name: Tuple[int, int, str, bool], end: int) -> bool:
        """A source name inside the previous citation's title that starts a new citation:
        preceded by a space or line break (not "(" or "-"), not followed by a lowercase
        word ("... as recommended by ODG guidelines" stays in the title); a URL after a
        space or line break always starts one."""
        name_start, name_end = name[0], name[1]
        if name_start == 0 or not text[name_start - 1].isspace():
            return False
        if name[2] == "other":
            return True
        after = text[name_end : min(end, name_end + 40)].lstrip()
        return not adjacent and not after[:1].islower()

    def reference_cuts(self, text: str, start: int, end: int) -> List[int]:
        """[start] and where each further reference of a reference list starts."""
        cuts = [start]
        if self.reference_start is None:
            return cuts
        for gap in REFERENCE_GAP_RE.finditer(text, start, end):
            if INITIALS_BEFORE_RE.search(text[max(start, gap.start() - 4) : gap.start()]):
                continue
            if gap.end() > cuts[-1] and self.reference_start.match(text, gap.end(), end):
                cuts.append(gap.end())
        return cuts

    def implied_source(self, text: str, start: int, end: int, named_sources: Set[str]) -> str:
        """The source of a citation that names none: ODG for an ODG chapter title, else "other"."""
        begin = LEADING_JUNK_RE.match(text, start, end)
        position = begin.end() if begin else start
        for pattern, value in self.implied_sources:
            starts_with_chapter = any(p.match(text, position, end) for p, c in self.titles.get(value, []))
            if starts_with_chapter and (value in named_sources or pattern.match(text, position, end)):
                return value
        return "other"

    def without_names(self, rest: str, source: str) -> str:
        """`rest` without its source's publisher (anywhere) and without further names of
        its source right at its start ("(ODG), Work Loss Data Institute, 2015, ...")."""
        for pattern, value in self.publishers:
            if value == source:
                rest = pattern.sub(" ", rest)
        kept, position = [], 0  # one pass: names are skipped, never cut out one by one
        while True:
            filler_end = FILLER_RE.match(rest, position).end()
            name = next((m for p, v in self.sources if v == source for m in [p.match(rest, filler_end)] if m), None)
            if name is None or name.end() == filler_end:
                return "".join(kept) + rest[position:]
            kept.append(rest[position:filler_end] + " ")
            position = name.end()

    def parse_other_chunk(
        self, text: str, start: int, end: int, party: str, source: str, name_end: int
    ) -> Optional[Found]:
        """One non-MTUS citation: source name, then title, edition, sections and pages.

        The year is the edition (not for source "other"); without a year an ordinal
        edition ("3rd ed.") is. Names of the citation's source and its publisher are
        left out of the title.
        """
        start, end = trim(text, start, end)
        if end <= start:
            return None
        rest_start = min(max(name_end, start), end)
        pages, pages_spans, pages_text, valid, _, cut = self.find_pages(text, rest_start, end)
        rest = text[rest_start:end]
        if cut is not None:
            rest = text[rest_start : cut[0]] + text[cut[1] : end]
        if source != "other":
            rest = self.without_names(rest, source)
        edition = None
        year = YEAR_RE.search(rest) if source != "other" else None
        if year:
            edition = year.group(0)
            rest = remove_year(rest, year)
        ordinal = ORDINAL_EDITION_RE.search(rest)
        # Without a year the ordinal is the edition; with one, an ordinal printed right after
        # the source name is still the source's ("ODG, (21th Annual Edition), 2016, ...") while
        # one inside the title stays there ("Treatment, 13th Edition, Hip Chapter").
        if ordinal and (edition is None or is_filler(rest, 0, ordinal.start())):
            edition = edition or ordinal.group(1)
            cut_start, cut_end = ordinal.span()
            if cut_start > 0 and rest[cut_start - 1] == "(" and rest[cut_end : cut_end + 1] == ")":
                cut_start, cut_end = cut_start - 1, cut_end + 1
            rest = rest[:cut_start] + rest[cut_end:]
        sections: List[str] = []
        title_text = rest
        if source == "CCR":
            title_text = "California Code of Regulations"
            sections = re.findall(r"\d+(?:\.\d+)+(?:\([a-z0-9]{1,3}\))*", rest)  # "9792.20(e)": its subdivision too
        else:
            for marker, split in self.section_markers:
                m = marker.match(rest.lstrip(" \t\n,;:"))
                if m:
                    stripped = rest.lstrip(" \t\n,;:")
                    value = stripped[m.end() :]
                    sections = self.split_sections(value) if split else [tidy_title(value)] if tidy_title(value) else []
                    title_text = ""
                    break
        title_as_written = tidy_title(title_text)
        if source == "other" and title_as_written and re.match(r"(?:https?://|www\.)", title_as_written, re.IGNORECASE):
            title_as_written = title_as_written.rstrip(".")
        title, topic = title_as_written, None
        if source in ("ODG", "ACOEM", "MTUS") and title_as_written:
            head = self.title_head(title_as_written)
            if head != title_as_written:
                title, topic = head, tidy_title(title_as_written[len(head) :])
        attrs = {
            "cited_by": party,
            "source": source,
            "title": title,
            "topic": topic,
            "title_as_written": title_as_written,
            "title_canonical": self.canonical_title(source, title_as_written or ""),
            "edition": edition,
            "sections": sections,
            "pages": pages,
            "pages_text": pages_text,
            "pages_valid": valid,
        }
        return Found(start, end, attrs, pages_spans)

    # -- rationale --------------------------------------------------------------

    def parse_rationale(self, text: str, start: int, end: int, reviewer_source: Optional[str] = None) -> List[Found]:
        """Page references in a decision rationale ("MTUS page 82", "pages 88 and 89"). The source
        is the one named nearest in the sentence, else the one the rationale names last before it
        (or first after it), else `reviewer_source` (the MAXIMUS paragraph's: "Risk factors listed
        on page 68 include ..."). A page footer or a record's page ("Page 3 of 5", "page 2 of
        the report", "The report on page 2" in a sentence without a source) is no reference."""
        found = []
        rationale_mentions: Optional[List[Tuple[int, int, str]]] = None  # the whole rationale's, read once
        for marker in self.pages_marker.finditer(text, start, end) if self.pages_marker else []:
            listing = PAGE_LIST_RE.match(text, marker.end(), end)
            if not listing or not listing.group(1):
                continue
            if self.not_guideline_page is not None and self.not_guideline_page.match(text, listing.end(1), end):
                continue
            sentence_start = start
            for m in SENTENCE_END_RE.finditer(text, start, marker.start()):
                sentence_start = m.end()
            stop = SENTENCE_END_RE.search(text, listing.end(1), end)
            sentence_end = stop.start() + 1 if stop else end
            mentions = self.source_mentions(text, sentence_start, sentence_end)
            if not mentions:
                if self.record_page is not None and self.record_page.search(text[max(sentence_start, marker.start() - 60) : marker.start()]):
                    continue  # "The report on page 2 was read": a page of the record
                if rationale_mentions is None:
                    rationale_mentions = self.source_mentions(text, start, end)
                mentions = rationale_mentions
            if not mentions:
                if reviewer_source is None:
                    continue
                mentions = [(marker.start(), marker.start(), reviewer_source)]
            before = [m for m in mentions if m[1] <= marker.start()]
            nearest = before[-1] if before else mentions[0]
            source = nearest[2]
            if source == "ACOEM" and re.search(r"MTUS\b", text[max(sentence_start, nearest[0] - 40) : nearest[0]]):
                source = "MTUS"
            pages, valid = parse_pages(listing.group(1))
            span_start, span_end = marker.start(), listing.end(1)
            if sentence_start <= nearest[0] < sentence_end:  # the span takes in a source named in its sentence
                span_start, span_end = min(span_start, nearest[0]), max(span_end, nearest[1])
            attrs = {
                "cited_by": "rationale",
                "source": source,
                "title": None,
                "topic": None,
                "title_as_written": None,
                "title_canonical": None,
                "edition": None,
                "sections": [],
                "pages": pages,
                "pages_text": clean_value(listing.group(1)),
                "pages_valid": valid,
            }
            found.append(Found(span_start, span_end, attrs, [(listing.start(1), listing.end(1))]))
        return found

    # -- parts ------------------------------------------------------------------

    def find_pages(
        self, text: str, start: int, end: int
    ) -> Tuple[List[List[int]], List[Tuple[int, int]], Optional[str], bool, int, Optional[Tuple[int, int]]]:
        """Pages of the first page marker in [start, end).

        Returns (pages, PAGES offsets, page list as written, valid, where the text
        before the marker ends, (marker start, list end) or None).
        """
        for marker in self.pages_marker.finditer(text, start, end) if self.pages_marker else []:
            listing = PAGE_LIST_RE.match(text, marker.end(), end)
            if not listing or not listing.group(1):
                continue
            pages, valid = parse_pages(listing.group(1))
            spans = [(listing.start(1), listing.end(1))]
            return pages, spans, clean_value(listing.group(1)), valid, marker.start(), (marker.start(), listing.end(1))
        return [], [], None, True, end, None

    def find_sections(self, text: str, start: int, end: int) -> Tuple[List[str], int, bool]:
        """Sections named in [start, end), where the text before them ends, and
        whether a single section was named ("Section on X")."""
        best = None
        for marker, split in self.section_markers:
            m = marker.search(text, start, end)
            if m and (best is None or m.start() < best[0].start()):
                best = (m, split)
        if best is None:
            return [], end, False
        m, split = best
        value = text[m.end() : end]
        sentence_end = SECTIONS_END_RE.search(value)  # "Section(s): Benzodiazepines. The Expert Reviewer also ..."
        value = value[: sentence_end.start()] if sentence_end else value
        if split:
            return self.split_sections(value), m.start(), False
        name = tidy_title(value)
        return ([name] if name else []), m.start(), bool(name)

    def split_sections(self, value: str) -> List[str]:
        """Split a "Section(s):" list on commas/semicolons, keeping names that contain them."""
        value = clean_value(value)
        value = strip_trailing_junk(value)
        if not value:
            return []
        if NUMBERED_SECTION_RE.match(value):
            parts = NUMBERED_SPLIT_RE.split(value)
        else:
            protected: List[Tuple[int, int]] = []
            if self.section_names is not None:
                protected = [(m.start(), m.end()) for m in self.section_names.finditer(value)]
            parts, piece_start, depth = [], 0, 0
            for index, char in enumerate(value):
                if char in "([":
                    depth += 1
                elif char in ")]":
                    depth = max(0, depth - 1)
                elif char in ",;" and depth == 0 and not any(s <= index < e for s, e in protected):
                    parts.append(value[piece_start:index])
                    piece_start = index + 1
            parts.append(value[piece_start:])
            merged: List[str] = []
            for part in parts:
                part = part.strip()
                if merged and part[:1].islower() and not part.startswith("and "):
                    merged[-1] = f"{merged[-1]}, {part}"
                else:
                    merged.append(part)
            parts = merged
        names = []
        for part in parts:
            part = re.sub(r"^and\s+", "", part.strip())
            if part:
                names.append(part)
        return names

    def title_head(self, title: str) -> str:
        """The chapter part of a title: up to the first ",", ":" or "/" outside brackets."""
        depth = 0
        for index, char in enumerate(title):
            if char in "([":
                depth += 1
            elif char in ")]":
                depth = max(0, depth - 1)
            elif depth == 0 and TITLE_SPLIT_RE.match(char):
                return title[:index].strip()
        return title

    def canonical_title(self, source: str, title: str, anywhere: bool = False) -> Optional[str]:
        """The canonical title of the first title rule matching at the start (or anywhere)."""
        for pattern, canonical in self.titles.get(source, []):
            if canonical is not None and (pattern.search if anywhere else pattern.match)(title):
                return canonical
        return None


@registry.scorers("imr.citations_scorer.v1")
def make_citations_scorer() -> Callable[..., Dict[str, Any]]:
    """Guideline citations P/R/F, title and page accuracy, rationale pages, cited-none (as `imr evaluate`)."""
    return gold_scorer(CITATION_METRICS)
