"""Guideline citations (`imr_citations`): CITATION and PAGES spans with parsed attributes.

Reads the "Claims Administrator guideline:" and "MAXIMUS guideline:" paragraphs
of every decision block, and the page references of its "Decision rationale:".
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

All rules (statement openers, source names, MTUS and ODG titles, section
names that contain commas, page markers) are data in `patterns/citations.jsonl`.
Matching runs on the original text; only the extracted values are normalised.
"""

import re
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Optional, Tuple

from spacy.language import Language
from spacy.tokens import Doc
from spacy.util import registry

from . import extensions  # noqa: F401  (registers the imr_* attributes)
from .decisions import DECISIONS_KEY
from .entities import add_entities
from .layout import span_text
from .base import RuleComponent
from .scorers import CITATION_METRICS, gold_scorer, weights
from .sections import SECTIONS_KEY

PARTIES = {"claims_administrator_guideline": "claims_administrator", "maximus_guideline": "maximus"}
RATIONALE = "decision_rationale"
CITATION_FIELDS = ("cited_by", "source", "edition", "sections", "pages")
MAX_PAGE = 2000

PAGE_ITEM = r"\d+(?:\s*[-\u2013]\s*\d+)?"
PAGE_LIST_RE = re.compile(rf"\s*:?\s*({PAGE_ITEM}(?:\s*(?:[,;&]\s*(?:and\s+)?|and\s+){PAGE_ITEM})*)", re.IGNORECASE)
PAGE_ITEM_RE = re.compile(r"(\d+)(?:\s*[-\u2013]\s*(\d+))?")
YEAR_RE = re.compile(r"(?<![\d/])\b(?:19|20)\d\d\b(?![/\d])")
ORDINAL_EDITION_RE = re.compile(r"\b(\d+(?:st|nd|rd|th))\s+ed(?:ition\b|\.|\b)", re.IGNORECASE)
NUMBERED_SECTION_RE = re.compile(r"\d+(?:\.\d+)+\s")
NUMBERED_SPLIT_RE = re.compile(r"[,;]\s*(?=\d+(?:\.\d+)+\s)")
# Anchored at the end of a short tail (see `tail`), never searched over a whole statement.
BOUNDARY_BEFORE_RE = re.compile(r"(?:[,;:]|\band(?:\s+the)?)$", re.IGNORECASE)
AND_BEFORE_RE = re.compile(r"\band$", re.IGNORECASE)
GENERIC_TITLE_RE = re.compile(r"[A-Z][\w'&/-]*(?:\s+[\w'&/()-]+){0,6}?\s+(?:19|20)\d\d\b")
LEADING_JUNK_RE = re.compile(r"(?:[\s,.;:\-\u2013]|\band\b)+", re.IGNORECASE)  # used with .match
JUNK_CHARACTERS = " \t\n\r\f\v,.;:-\u2013"
TRAILING_JOIN_RE = re.compile(r"(?:^|(?<=\W))and(?:\s+the)?$", re.IGNORECASE)
WRAP_HYPHEN_RE = re.compile(r"-[ \t]*\n\s*")
SPACE_RE = re.compile(r"\s+")
EMPTY_SEPARATORS_RE = re.compile(r"\s*([,;:])(?:\s*[,;:])+")
TITLE_SPLIT_RE = re.compile(r"[,:/]")
SENTENCE_END_RE = re.compile(r"[.!?]\s")
DATE_BEFORE_YEAR_RE = re.compile(r"\(\s*(?:[A-Z][a-z]+\.?\s+)?(?:\d{1,2},?\s+)?$")
SPACE_BEFORE_PUNCT_RE = re.compile(r"\s+([,;:])")


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


def compile_rule(pattern: str) -> re.Pattern:
    """A rule regex where " ?" matches optional and " " any whitespace (line breaks too)."""
    return re.compile(pattern.replace(" ?", r"\s*").replace(" ", r"\s+"), re.IGNORECASE)


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
        self.titles: Dict[str, List[Tuple[re.Pattern, str]]] = {}
        self.section_names: Optional[re.Pattern] = None
        self.section_markers: List[Tuple[re.Pattern, bool]] = []
        self.statement_ends: List[Tuple[re.Pattern, str]] = []

    def set_rules(self, rules: List[Dict[str, Any]]) -> None:
        super().set_rules(rules)
        self.sources, self.titles, self.section_markers, self.statement_ends = [], {}, [], []
        single: Dict[str, List[str]] = {}
        names = []
        for rule in rules:
            kind = rule["kind"]
            if kind in ("statement", "non_mtus", "mtus", "cited_none", "pages"):
                single.setdefault(kind, []).append(rule["pattern"])
            elif kind == "source":
                self.sources.append((compile_rule(rule["pattern"]), rule["value"]))
            elif kind == "title":
                self.titles.setdefault(rule["source"], []).append((compile_rule(rule["pattern"]), rule["canonical"]))
            elif kind == "section_name":
                names.append(rule["pattern"])
            elif kind == "statement_end":
                self.statement_ends.append((compile_rule(rule["pattern"]), rule["value"]))
            elif kind == "sections":
                self.section_markers.append((compile_rule(rule["pattern"]), bool(rule["split"])))
        joined = {kind: compile_rule("|".join(f"(?:{p})" for p in patterns)) for kind, patterns in single.items()}
        self.statement = joined.get("statement")
        self.non_mtus = joined.get("non_mtus")
        self.mtus = joined.get("mtus")
        self.cited_none = joined.get("cited_none")
        self.pages_marker = joined.get("pages")
        self.section_names = compile_rule("|".join(f"(?:{p})" for p in names)) if names else None

    def __call__(self, doc: Doc) -> Doc:
        self.require_rules()
        found: List[Found] = []
        nones: List[Tuple[int, str]] = []
        for section in doc.spans.get(SECTIONS_KEY, []):
            if section.label_ not in PARTIES and section.label_ != RATIONALE:
                continue
            text = span_text(section)  # only the relevant sections: offsets are shifted back below
            if section.label_ in PARTIES:
                party = PARTIES[section.label_]
                in_section = self.parse_guideline(text, 0, len(text), party)
                if self.cited_none is not None and self.cited_none.search(text):
                    nones.append((section.start_char, party))
            else:
                in_section = self.parse_rationale(text, 0, len(text))
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
        if closing is not None:  # what follows the closing clause is parsed on its own
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
                pattern.match(text, piece_start, piece_end) for pattern, _ in self.titles.get("MTUS", [])
            ):
                before.extend(self.parse_mtus(text, piece_start, piece_end, party))
            else:
                before.extend(self.parse_non_mtus(text, piece_start, piece_end, party))
        return before + found

    def parse_mtus(self, text: str, start: int, end: int, party: str) -> List[Found]:
        """An MTUS statement: one citation per guideline title it names.

        A new citation starts at a guideline title (known, or "Words YEAR") at the
        start of the statement, after "and" ("..., and Low Back Complaints 2004"), or
        right after a page list ("Page(s): 47-48,Chronic Pain ..."). A title after a
        bare comma stays inside the citation ("ACOEM, 2nd Edition, Chapter 12, Low Back
        Complaints").
        """
        after_pages = set()
        for listing_end in self.page_list_ends(text, start, end):
            follow = re.match(r"\s*[,;]\s*(?:and\s+)?(?=[A-Za-z])", text[listing_end:end])
            if follow:
                after_pages.add(listing_end + follow.end())
        starts: Dict[int, Tuple[int, Optional[str]]] = {}
        for pattern, canonical in self.titles.get("MTUS", []):
            for m in pattern.finditer(text, start, end):
                if m.start() in after_pages or self.joins_guidelines(text, start, m.start()):
                    if m.end() > starts.get(m.start(), (0, None))[0]:
                        starts[m.start()] = (m.end(), canonical)
        for m in GENERIC_TITLE_RE.finditer(text, start, end):
            if m.start() not in starts and (m.start() in after_pages or self.joins_guidelines(text, start, m.start())):
                starts[m.start()] = (m.start(), None)
        for position in after_pages:
            starts.setdefault(position, (position, None))
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
        """One MTUS citation: "<title> [year][, Section(s): ...][ Page(s): ...]"."""
        start, end = trim(text, start, end)
        if end <= start:
            return None
        pages, pages_spans, pages_text, valid, body_end, _ = self.find_pages(text, start, end)
        sections, head_end, named_one = self.find_sections(text, start, body_end)
        head = text[start:head_end]
        year = YEAR_RE.search(head)
        edition = year.group(0) if year else None
        without_year = remove_year(head, year) if year else head
        title_as_written = tidy_title(without_year)
        if title_end > start:
            title = clean_value(text[start:title_end])
            rest = text[title_end:head_end]
            year_in_rest = YEAR_RE.search(rest)
            if year_in_rest:
                rest = remove_year(rest, year_in_rest)
            topic = tidy_title(rest)
            if topic is not None and topic.lower() == "guidelines":
                title, topic = f"{title} Guidelines", None
        else:
            title, topic = title_as_written, None
            canonical = self.canonical_title("MTUS", title_as_written or "", anywhere=True)
        if named_one and topic is None:  # "Section on Opioids": the topic is that section
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

    def parse_non_mtus(self, text: str, start: int, end: int, party: str) -> List[Found]:
        """A Non-MTUS statement: one citation per named source (ODG, ACOEM, CCR, URL, ...)."""
        mentions = self.source_mentions(text, start, end)
        kept = [m for m in mentions if self.at_source_boundary(text, start, m[0])]
        cuts = [m[0] for m in kept]
        if not cuts or text[start : cuts[0]].strip(" \t\n,;.:"):
            cuts.insert(0, start)
        by_start = {m[0]: m for m in kept}
        found = []
        for index, chunk_start in enumerate(cuts):
            chunk_end = cuts[index + 1] if index + 1 < len(cuts) else end
            item = self.parse_other_chunk(text, chunk_start, chunk_end, party, by_start.get(chunk_start))
            if item is not None:
                found.append(item)
        return found

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

    def at_source_boundary(self, text: str, start: int, position: int) -> bool:
        before = tail(text, start, position)
        return not before or bool(BOUNDARY_BEFORE_RE.search(before))

    def parse_other_chunk(
        self, text: str, start: int, end: int, party: str, mention: Optional[Tuple[int, int, str]]
    ) -> Optional[Found]:
        """One non-MTUS citation: source name, then title, edition, sections and pages."""
        start, end = trim(text, start, end)
        if end <= start:
            return None
        source = mention[2] if mention else "other"
        rest_start = mention[1] if mention and mention[2] != "other" else start
        rest_start = min(max(rest_start, start), end)
        pages, pages_spans, pages_text, valid, _, cut = self.find_pages(text, rest_start, end)
        rest = text[rest_start:end]
        if cut is not None:
            rest = text[rest_start : cut[0]] + text[cut[1] : end]
        edition = None
        ordinal = ORDINAL_EDITION_RE.search(rest)
        if ordinal:
            edition = ordinal.group(1)
            rest = rest[: ordinal.start()] + rest[ordinal.end() :]
        else:
            year = YEAR_RE.search(rest)
            if year and source != "other":
                edition = year.group(0)
                rest = remove_year(rest, year)
        sections: List[str] = []
        title_text = rest
        if source == "CCR":
            title_text = "California Code of Regulations"
            sections = re.findall(r"\d+(?:\.\d+)+", rest)
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
        if source == "other" and title_as_written and re.match(r"https?://", title_as_written):
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

    def parse_rationale(self, text: str, start: int, end: int) -> List[Found]:
        """Page references in a decision rationale ("MTUS page 82", "pages 88 and 89")."""
        found = []
        for marker in self.pages_marker.finditer(text, start, end) if self.pages_marker else []:
            listing = PAGE_LIST_RE.match(text, marker.end(), end)
            if not listing or not listing.group(1):
                continue
            sentence_start = start
            for m in SENTENCE_END_RE.finditer(text, start, marker.start()):
                sentence_start = m.end()
            stop = SENTENCE_END_RE.search(text, listing.end(1), end)
            sentence_end = stop.start() + 1 if stop else end
            mentions = self.source_mentions(text, sentence_start, sentence_end)
            if not mentions:
                continue
            before = [m for m in mentions if m[1] <= marker.start()]
            nearest = before[-1] if before else mentions[0]
            source = nearest[2]
            if source == "ACOEM" and re.search(r"MTUS\b", text[max(sentence_start, nearest[0] - 40) : nearest[0]]):
                source = "MTUS"
            pages, valid = parse_pages(listing.group(1))
            span_start = min(nearest[0], marker.start()) if nearest[0] < marker.start() else marker.start()
            span_end = listing.end(1) if nearest[0] < marker.start() else max(listing.end(1), nearest[1])
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
            if (pattern.search if anywhere else pattern.match)(title):
                return canonical
        return None


@registry.scorers("imr.citations_scorer.v1")
def make_citations_scorer() -> Callable[..., Dict[str, Any]]:
    """Guideline citations P/R/F, title and page accuracy, rationale pages, cited-none (as `imr evaluate`)."""
    return gold_scorer(CITATION_METRICS)
