"""Criteria (`imr_criteria`): what the rationale says the record does or does not show.

Runs over the decision rationales only (`sections` in the config). Cue rules
are data in `patterns/context_rules.jsonl`: medspaCy `ConTextRule` dicts whose
`pattern` is a regex matched (compiled once) on the original letter text, so
cues cross PDF line breaks. Overlapping cues keep the longest. medspaCy's
ConText (`ConTextModifier` / `ConTextGraph.update_scopes`) then resolves each
cue's scope: to the end (FORWARD) or start (BACKWARD) of its sentence, cut by
`TERMINATE` cues (clause ends such as ", as ...") and by the next cue. The
component turns each scope into criteria (rules in `patterns/criteria.jsonl`):

- `assertion`: the cue's category: "absent" (ABSENT cues: "there is no
  documentation of", "X was not provided"), "present" ("there is
  documentation of") or "requirement" (guideline text: "identifies
  documentation of", "recommended only if"). An absent or present cue inside
  a quotation, or in a sentence whose subject is the guideline or a
  population ("Patients with no risk factor ...") is guideline text, so a
  requirement; GENERAL cues (statements about the evidence: "no benefit
  beyond", "if there is no") and PSEUDO cues ("with or without") are not
  assertions;
- the scope is trimmed (leading "and/or", discourse markers of backward cues,
  trailing punctuation) and split at ";" into one criterion per list item;
  a cue that itself sits inside a ";" list item scopes over that item only;
- `category`: the first taxonomy rule whose regex matches the criterion;
- `key`: the criterion's content lemmas (`imr.components.lemmas`), so that
  "functional improvements" and "functional improvement" group together.

Each criterion is a `CRITERION` entity (`doc.spans["imr"]`) and a span of
`doc.spans["imr_criteria"]` with `span._.imr_criterion = {"negated",
"assertion", "category", "key", "cue"}` (plain JSON). ConText's modifier objects are
only local variables: nothing of medspaCy is stored on the `Doc`.
"""

import re
from typing import Any, Callable, Dict, Iterable, List, Optional, Set, Tuple

import srsly
from spacy.language import Language
from spacy.tokens import Doc, Span
from spacy.util import ensure_path, registry

from . import extensions  # noqa: F401  (registers the imr_* attributes)
from .scorers import CRITERIA_METRICS, gold_scorer, weights
from .entities import add_entities
from .layout import collapse, doc_text
from .regexes import compile_rule, literal_text, required_literals
from .lemmas import criterion_key
from ..resources import PathLike, patterns_path, read_rules, write_rules
from .base import RuleComponent
from .sections import SECTIONS_KEY


def _quiet_import_context() -> Any:
    """Import medspaCy's ConText module with loguru (PyRuSH's DEBUG logging) silenced."""
    try:
        from loguru import logger

        logger.disable("PyRuSH")
        logger.disable("medspacy")
    except ImportError:  # pragma: no cover
        pass
    from medspacy import context

    return context


CRITERIA_KEY = "imr_criteria"
GUIDELINE_RULES = (
    "guideline_subject", "guideline_verb", "population_subject", "list_number", "clause_break", "attribution",
    "conclusion", "conclusion_cue", "case_reference", "finding_cue", "other_reviewer", "own_clause", "list_intro",
    "condition", "this_case", "literature_reference", "record_clause", "recommendation", "population_relative", "list_verb",
    "embedding",
)
TRIM_WINDOW = 200  # characters of a scope's end the trim_end rules look at per pass
LOOKAHEAD = 40  # characters after a cue a clause break may look at
COMPLEMENT_RE = re.compile(r"(?:that|whether|if|what|why|how)\b", re.IGNORECASE)  # opens a clause
PARENTHETICAL_RE = re.compile(r"\s*\([^()]{0,80}\)")  # "(pages 30-34 and 49)" after a guideline subject
APPOSITIVE_WORD = r"[A-Z][\w/&'-]*|[Pp]ages?|[Pp]p?\.|\d+(?:\s*[-\u2013]\s*\d+)?"  # a title word, "page(s)", "p." or a page range
APPOSITIVE_RE = re.compile(  # ", Trigger Point Injections, Page 122," after a guideline subject: its chapter, topic or page
    rf"(?:\s*,\s*(?:{APPOSITIVE_WORD})(?:\s+(?:{APPOSITIVE_WORD}|of|and|on))*){{1,3}}\s*,"
)
REVIEWER_SENTENCE_RE = re.compile(r"(?:the|there|it|we|I)\b", re.IGNORECASE)  # "1. The request lacks X": the reviewer's own point
LIST_ITEM_OPENING_RE = re.compile(  # the cue opens a ';' item, after a "that" or a list number: a guideline's own item
    r"\s*(?:and\s+|or\s+)?(?:(?P<marker>that\s+|\(?\d{1,2}[.)]\s+)(?:the\s+)?)?", re.IGNORECASE
)
ITEM_END_RE = re.compile(r"[;.](?:\s|$)")
LEADING_SPACE_RE = re.compile(r"\s*")
POSTPOSED_PASSIVE_RE = re.compile(  # "No X were provided for review": the cue's own verb, not a clause's
    r"\b(?:is|are|was|were)\s+(?:(?:also|ever|yet)\s+)?(?:provided|documented|submitted|noted|reported|found|given|recorded|included|attached|seen|made|performed|done|obtained|available)\b",
    re.IGNORECASE,
)
SERIES_BREAK_WORDS = {"and", "or", "is", "are", "was", "were", "has", "have", "had", "does", "do", "did"}
PRONOUN_RE = re.compile(r"(?:this|that|these|those|it|which|there)\W*", re.IGNORECASE)  # a backward subject naming nothing
SERIES_TAIL_RE = re.compile(r",\s*and(?:\s+the)?\s*$", re.IGNORECASE)  # a terminating ", and the" that may only close a series
SERIES_EXAMPLES_RE = re.compile(r",\s*(?:including|such\s+as)\s", re.IGNORECASE)  # a series of examples follows
SERIES_END_RE = re.compile(r",\s+and\s+", re.IGNORECASE)  # ", and " closing a series (a backward subject keeps it)
SUBJECT_PREPOSITIONS = ("on", "for", "of", "regarding", "about")  # "The ACOEM chapter on X": still the subject
SERIES_PHRASE_RE = re.compile(r"[^,]*(?:,\s*[\w-]+)+,?\s+(?:and|or)\s+[^,]*")  # "on forearm, wrist and hand complaints"
COORDINATION_BEFORE_RE = re.compile(r"[,;]\s*(?:(?:and|but)\s+)?(?:the\s+)?$", re.IGNORECASE)  # a clause of its own starts after it
ELIDED_SUBJECT_RE = re.compile(r"but|however|although|whereas|while", re.IGNORECASE)  # a clause break that may share its subject
CONCESSIVE_RE = re.compile(r"although|whereas|while", re.IGNORECASE)  # a clause break opening a concessive clause
UNMET_RE = re.compile(r"\s*(?:(?:are|were|is|was|have\s+been|has\s+been)\s+)?(?:not\s+met|unmet)\b", re.IGNORECASE)  # "criteria not met"
AUXILIARY_RE = re.compile(r"(?:does|do|did|has|have|had|is|are|was|were|cannot|can|could|would|will|should)\b", re.IGNORECASE)
COORDINATED_CUE_RE = re.compile(r"[\s,;]*(?:nor|neither|and|but|or|yet)\b", re.IGNORECASE)  # a cue opening a coordinated clause
ASSERTIONS = {"ABSENT": "absent", "PRESENT": "present", "REQUIREMENT": "requirement"}


@Language.factory(
    "imr_criteria",
    assigns=["doc.spans", "doc.ents", "span._.imr_criterion"],
    requires=["doc.spans", "token.is_sent_start"],
    default_config={"sections": ["decision_rationale"], "scorer": {"@scorers": "imr.criteria_scorer.v1"}},
    default_score_weights=weights(CRITERIA_METRICS, "absent_criteria_f"),
)
def make_criteria(nlp: Language, name: str, sections: List[str], scorer: Optional[Any]) -> "CriteriaExtractor":
    """Create an `imr_criteria` component."""
    return CriteriaExtractor(nlp, name, sections=sections, scorer=scorer)


class CriteriaExtractor(RuleComponent):
    """Find the criteria a rationale asserts about the record, with their assertion and category."""

    rules_file = "criteria.jsonl"
    context_file = "context_rules.jsonl"

    def __init__(
        self,
        nlp: Language,
        name: str = "imr_criteria",
        *,
        sections: Iterable[str] = ("decision_rationale",),
        scorer: Optional[Any] = None,
    ) -> None:
        super().__init__(nlp, name)
        self.sections = set(sections)
        self.scorer = scorer
        self.context_rules: List[Dict[str, Any]] = []
        self.medspacy_context: Optional[Any] = None
        self.cues: List[Tuple[re.Pattern, Any]] = []
        self.guideline: Optional[re.Pattern] = None
        self.guideline_verb: Optional[re.Pattern] = None
        self.population: Optional[re.Pattern] = None
        self.list_number: Optional[re.Pattern] = None
        self.clause_break: Optional[re.Pattern] = None
        self.attribution: Optional[re.Pattern] = None
        self.conclusion: Optional[re.Pattern] = None
        self.conclusion_cue: Optional[re.Pattern] = None
        self.case_reference: Optional[re.Pattern] = None
        self.finding_cue: Optional[re.Pattern] = None
        self.trim_start: List[re.Pattern] = []
        self.trim_backward: List[re.Pattern] = []
        self.trim_end: List[re.Pattern] = []
        self.categories: List[Tuple[str, re.Pattern]] = []
        self.split: re.Pattern = re.compile(";")
        self.quote: Optional[re.Pattern] = None

    # -- rules -------------------------------------------------------------
    def initialize(
        self,
        get_examples: Any = None,
        *,
        nlp: Optional[Language] = None,
        rules: Optional[List[Dict[str, Any]]] = None,
        rules_path: Optional[PathLike] = None,
        context_rules: Optional[List[Dict[str, Any]]] = None,
        context_rules_path: Optional[PathLike] = None,
    ) -> None:
        """Load the criteria rules and the ConText cue rules (idempotent)."""
        if context_rules is None:
            context_rules = read_rules(context_rules_path or patterns_path(self.context_file))
        self.set_context_rules(list(context_rules))
        super().initialize(get_examples, nlp=nlp, rules=rules, rules_path=rules_path)

    def set_rules(self, rules: List[Dict[str, Any]]) -> None:
        super().set_rules(rules)
        self.trim_start, self.trim_backward, self.trim_end, self.categories = [], [], [], []
        patterns: Dict[str, List[str]] = {kind: [] for kind in GUIDELINE_RULES}
        for rule in rules:
            kind = rule["kind"]
            if kind in patterns:
                patterns[kind].append(rule["pattern"])
            elif kind == "trim_start":
                self.trim_start.append(re.compile(rule["pattern"], re.IGNORECASE))
            elif kind == "trim_backward":
                self.trim_backward.append(re.compile(rule["pattern"], re.IGNORECASE))
            elif kind == "trim_end":
                self.trim_end.append(re.compile(rule["pattern"], re.IGNORECASE))
            elif kind == "quote":
                self.quote = re.compile(rule["pattern"])
            elif kind == "split":
                self.split = re.compile(rule["pattern"])
            elif kind == "category":
                self.categories.append((rule["category"], compile_rule(rule["pattern"], re.IGNORECASE)))
        (
            self.guideline, self.guideline_verb, self.population, self.list_number, self.clause_break, self.attribution,
            self.conclusion, self.conclusion_cue, self.case_reference, self.finding_cue, self.other_reviewer, self.own_clause,
            self.list_intro, self.condition, self.this_case, self.literature_reference, self.record_clause,
            self.recommendation, self.population_relative, self.list_verb, self.embedding,
        ) = (
            re.compile("|".join(f"(?:{p})" for p in patterns[kind]), re.IGNORECASE) if patterns[kind] else None
            for kind in GUIDELINE_RULES
        )

    def set_context_rules(self, rules: List[Dict[str, Any]]) -> None:
        """Compile the cue rules (plain dicts with medspaCy `ConTextRule` fields)."""
        context = _quiet_import_context()
        self.context_rules = rules
        self.cues = [(compile_rule(rule["pattern"], re.IGNORECASE), context.ConTextRule(**rule)) for rule in rules]
        self.requires_before = [
            re.compile(rule["metadata"]["requires_before"], re.IGNORECASE) if "requires_before" in (rule.get("metadata") or {}) else None
            for rule in rules
        ]
        # Substring gates before each regex: a section must hold one string of every gate. Gates are
        # the literals every match contains (derived from the pattern) and metadata.keywords (words
        # every match contains, lower case, for rules whose literals are common words).
        self.gates = [
            tuple(
                frozenset(gate)
                for gate in (required_literals(rule["pattern"], re.IGNORECASE), (rule.get("metadata") or {}).get("keywords"))
                if gate
            )
            for rule in rules
        ]
        self.gate_words = sorted(set().union(*(gate for gates in self.gates for gate in gates)))
        self.medspacy_context = context

    def require_rules(self) -> None:
        if not self.rules or not self.cues:
            self.initialize()

    def to_disk(self, path: PathLike, *, exclude: Iterable[str] = tuple()) -> None:
        super().to_disk(path, exclude=exclude)
        write_rules(ensure_path(path) / self.context_file, self.context_rules)

    def from_disk(self, path: PathLike, *, exclude: Iterable[str] = tuple()) -> "CriteriaExtractor":
        self.set_context_rules(read_rules(ensure_path(path) / self.context_file))
        super().from_disk(path, exclude=exclude)
        return self

    def to_bytes(self, *, exclude: Iterable[str] = tuple()) -> bytes:
        return srsly.json_dumps({"rules": self.rules, "context_rules": self.context_rules}).encode("utf8")

    def from_bytes(self, bytes_data: bytes, *, exclude: Iterable[str] = tuple()) -> "CriteriaExtractor":
        data = srsly.json_loads(bytes_data)
        self.set_context_rules(data["context_rules"])
        self.set_rules(data["rules"])
        return self

    # -- processing --------------------------------------------------------
    def __call__(self, doc: Doc) -> Doc:
        self.require_rules()
        spans: List[Span] = []
        seen = set()
        text = doc_text(doc)
        for section in doc.spans.get(SECTIONS_KEY, []):
            if section.label_ not in self.sections:
                continue
            for start, end, attrs in self.find(section, text):
                span = doc.char_span(start, end, label="CRITERION", alignment_mode="expand")
                if span is None or (span.start_char, span.end_char) in seen:
                    continue
                seen.add((span.start_char, span.end_char))
                span._.imr_criterion = attrs
                spans.append(span)
        doc.spans[CRITERIA_KEY] = spans
        add_entities(doc, spans, labels=["CRITERION"])
        return doc

    def modifiers(self, section: Span, text: str) -> List[Any]:
        """ConText modifiers of the cues in a section (of the letter `text`), with their scopes resolved."""
        doc = section.doc
        matches = []
        lowered = literal_text(text[section.start_char : section.end_char])
        present = {word for word in self.gate_words if word in lowered}
        for index, (pattern, rule) in enumerate(self.cues):
            if any(present.isdisjoint(gate) for gate in self.gates[index]):
                continue  # a cheap substring test before the regex
            before = self.requires_before[index]
            for match in pattern.finditer(text, section.start_char, section.end_char):
                cue = doc.char_span(match.start(), match.end(), alignment_mode="expand")
                if cue is None or not len(cue):
                    continue
                if before is not None and not before.search(text[max(cue.sent.start_char, section.start_char) : cue.start_char]):
                    continue  # "nor" is a cue only after a "neither" cue in its sentence
                if rule.category == "TERMINATE" and self.closes_forward_series(text, section, cue, match.end()):
                    continue  # "a lack of X, Y, and the Z": the ", and the" closes a series, not the scope
                matches.append((index, cue.start, cue.end))
        matches.sort(key=lambda m: (m[1], -m[2]))
        matches = self.drop_embedded(doc, text, prune_overlapping(matches))
        graph = self.medspacy_context.ConTextGraph()
        graph.modifiers = [self.medspacy_context.ConTextModifier(self.cues[i][1], start, end, doc) for i, start, end in matches]
        graph.update_scopes()
        return graph.modifiers

    def drop_embedded(self, doc: Doc, text: str, matches: List[Tuple[int, int, int]]) -> List[Tuple[int, int, int]]:
        """Leave out an absent cue inside the clause that the forward absent cue just before it
        opens ("no documentation suggesting it was unclear or questionable", "no statement
        explaining why two refills are needed without an interim visit"): the words between
        them (`embedding` rules) make it part of that cue's scope, not a finding of its own."""
        if self.embedding is None:
            return matches
        kept: List[Tuple[int, int, int]] = []
        for index, start, end in matches:
            if kept and self.cues[index][1].category == "ABSENT":
                outer_index, outer_start, outer_end = kept[-1]
                outer = self.cues[outer_index][1]
                last = doc[outer_end - 1]
                if (
                    outer.category == "ABSENT"
                    and outer.direction == "FORWARD"
                    and last.sent.start == doc[start].sent.start
                    and not COORDINATED_CUE_RE.match(text, doc[start].idx)  # "..., nor do they include X": a clause of its own
                    and self.embedding.fullmatch(text, last.idx + len(last), doc[start].idx)
                ):
                    continue
            kept.append((index, start, end))
        return kept

    def closes_forward_series(self, text: str, section: Span, cue: Span, end: int) -> bool:
        """Whether a terminating ", and (the)" only closes a series of noun phrases ("a lack of
        documentation of sleep onset, sleep maintenance, and the number of hours of sleep"): the
        series runs from its sentence's start and the last item has no verb of its own."""
        if not SERIES_TAIL_RE.fullmatch(text, cue.start_char, end):
            return False
        sentence_start = max(cue.sent.start_char, section.start_char)
        if not closes_series(text[sentence_start : cue.start_char]):
            return False
        last_item = text[end : item_end(text, end)]
        return not self.is_clause(collapse(last_item)) and not POSTPOSED_PASSIVE_RE.search(last_item)

    def find(self, section: Span, text: str) -> List[Tuple[int, int, Dict[str, Any]]]:
        """(start, end, attributes) of every criterion in one section, as offsets into the letter `text`."""
        doc = section.doc
        found = []
        modifiers = [m for m in self.modifiers(section, text) if ASSERTIONS.get(m.category) is not None]
        # a backward cue's subject (its scope's last item), and where it starts when it is a clause
        # of its own ("..., and a neuropathy is absent"): a forward scope ends there
        subject_items = {
            id(m): self.items(text, series_start(text, m, section, chars[0]), chars[1], backward=True)
            for m in modifiers
            if m.direction == "BACKWARD" and (chars := scope_chars(m, section)) is not None
        }
        own_subjects = {key: own_clause_start(text, items) for key, items in subject_items.items()}
        subjects = sorted(start for start in own_subjects.values() if start is not None)
        finding_sentences: Set[int] = set()  # sentences with a finding in the reviewer's usual form ("there was no X")
        for modifier in modifiers:
            assertion = ASSERTIONS[modifier.category]
            cue = doc[modifier.modifier_span[0] : modifier.modifier_span[1]]
            chars = scope_chars(modifier, section)
            if chars is None:
                continue
            sentence = cue.sent
            sentence_begin = sentence_start = max(sentence.start_char, section.start_char)
            own_subject = own_subjects.get(id(modifier))
            if own_subject is not None and not COMPLEMENT_RE.match(text, own_subject):
                # "ODG supports a repeat series only after ..., and that degree of response has not
                # been established": the subject's clause, not the guideline's, decides
                sentence_start = own_subject
            cue_start = cue.start_char + len(cue.text) - len(cue.text.lstrip("0123456789.() "))  # "5.No" is one token
            if self.reported(text, sentence_start, cue_start):
                continue  # "The utilization reviewer stated that there was no X, but ...": not this reviewer's finding
            cue_text = collapse(cue.text)
            metadata = modifier.rule.metadata or {}
            answer = bool(metadata.get("finding"))  # "- Taper plan: None.": the reviewer's answer
            if assertion != "requirement" and not answer and (
                self.quoted_or_guideline(text, section, sentence_start, cue_start)
                or self.guideline_continuation(doc, text, section, sentence, cue_text, finding_sentences)
                # a subject's own clause in a guideline's colon list is still the guideline's
                or (sentence_start > sentence_begin and self.colon_list(text, sentence_begin, sentence_start))
                or self.cites_literature(text, cue_start, sentence.end_char)
            ):
                assertion = "requirement"
            if assertion == "absent" and self.finding_cue is not None and self.finding_cue.search(cue_text):
                finding_sentences.add(sentence.start_char)
            start, end = chars
            if self.split.search(text, sentence_start, cue.start_char):
                # a cue inside a list item ("...; no tenderness; ...") scopes over its item only
                item_end = self.split.search(text, cue.end_char, end)
                end = item_end.start() if item_end else end
            scope_ends = metadata.get("scope_ends")
            if scope_ends and not modifier.direction == "BACKWARD":
                stop = re.compile(scope_ends).search(text, cue.end_char, end)
                end = stop.start() if stop else end
            backward = modifier.direction == "BACKWARD"
            if not backward:
                end = next((subject for subject in subjects if cue.end_char < subject < end), end)
            items = subject_items[id(modifier)] if backward else self.items(text, start, end, backward)
            for item_start, item_end in items:
                if self.is_conclusion(text, item_start, item_end, cue_text):
                    continue
                if backward and PRONOUN_RE.fullmatch(text, item_start, item_end):
                    continue  # "... a lack of X; this is not supported by the records": no finding of its own
                value = text[item_start:item_end]
                attrs = {
                    "negated": assertion == "absent",
                    "assertion": assertion,
                    "category": self.category(value),
                    "key": criterion_key(value),
                    "cue": cue_text,
                }
                found.append((item_start, item_end, attrs))
        return found

    def is_conclusion(self, text: str, start: int, end: int, cue_text: str) -> bool:
        """A scope that restates the decision ("Medical necessity has not been established",
        "does not appear medically necessary"), not a finding about the record: its text
        opens like a conclusion and its cue is one of the conclusion verbs."""
        return bool(
            self.conclusion is not None
            and self.conclusion_cue is not None
            and self.conclusion.match(text, start, end)
            and self.conclusion_cue.search(cue_text)
        )

    def quoted_or_guideline(self, text: str, section: Span, sentence_start: int, cue_start: int) -> bool:
        """Whether a cue is guideline text, not a finding about this patient: inside a
        quotation (the last quote mark before it opens one; a quotation never closed ends
        with the sentence it opens in), or in a clause about the guidelines or the
        literature (`guideline_text`)."""
        if self.quote is not None:
            last = None
            for last in self.quote.finditer(text, section.start_char, cue_start):
                pass
            if last is not None and opens_quote(text, last.start(), section.start_char):
                after = self.quote.search(text, cue_start, section.end_char)
                closed = after is not None and not opens_quote(text, after.start(), section.start_char)
                if closed or last.start() >= sentence_start:
                    return True
        return self.guideline_text(text, sentence_start, cue_start)

    def guideline_continuation(
        self, doc: Doc, text: str, section: Span, sentence: Span, cue_text: str, finding_sentences: Iterable[int] = ()
    ) -> bool:
        """A sentence that goes on with a guideline passage: the sentences before it back to a
        guideline sentence name neither the case nor the record ("ODG states ... . Imaging studies
        in patients over 30 who do not have symptoms ..."). Findings in the reviewer's usual
        form ("There is no evidence of ...") are not affected, and a sentence with one of them
        (`finding_sentences`, by start) ends the passage ("Strength was 5/5, and there was no X.")."""
        if self.case_reference is None or self.case_reference.search(text, sentence.start_char, sentence.end_char):
            return False
        if self.finding_cue is not None and self.finding_cue.search(cue_text):
            return False
        index = sentence.start - 1
        while index >= section.start:
            previous = doc[index].sent
            start = max(previous.start_char, section.start_char)
            if self.guideline_text(text, start, previous.end_char) or self.quoted_or_guideline(text, section, start, previous.end_char):
                return True
            if self.case_reference.search(text, start, previous.end_char) or previous.start_char in finding_sentences:
                return False
            index = previous.start - 1
        return False

    def clause_start(self, text: str, sentence_start: int, cue_start: int) -> int:
        """Where the clause holding a cue starts: after the last clause break before it."""
        brk = self.last_clause_break(text, sentence_start, cue_start)
        return brk.end() if brk is not None else sentence_start

    def last_clause_break(self, text: str, sentence_start: int, cue_start: int) -> Optional[re.Match]:
        """The last clause break between a sentence's start and a cue, or None."""
        last = None
        if self.clause_break is not None:  # a break may look ahead at the cue (", and she is not ...")
            for brk in self.clause_break.finditer(text, sentence_start, min(len(text), cue_start + LOOKAHEAD)):
                if brk.end() > cue_start:
                    break
                last = brk
        return last

    def reported(self, text: str, sentence_start: int, cue_start: int) -> bool:
        """The cue's clause reports another reviewer's reasons ("The utilization reviewer
        stated that there was no ...", "The denial was based on a lack of ..."), unless the
        report is a concessive clause the cue's main clause answers ("While the claims
        administrator stated that X, there was no mention of Y")."""
        if self.other_reviewer is None:
            return False
        brk = self.last_clause_break(text, sentence_start, cue_start)
        report = self.other_reviewer.search(text, brk.end() if brk is not None else sentence_start, cue_start)
        if report is None:
            return False
        concessive = brk is not None and CONCESSIVE_RE.fullmatch(brk.group()) is not None
        return not (concessive and "," in text[report.end() : cue_start])

    def guideline_text(self, text: str, sentence_start: int, cue_start: int) -> bool:
        """The clause holding the cue speaks of guidelines or populations: it opens with a
        population ("Patients with no ...", "In cases without ...") or a list number ("5. No ..."),
        it is an item of a guideline's list (after a colon, or a ';' item the cue opens that does
        not name the case), its cue's subject is a
        guideline ("ODG does not address"), or a guideline does something in it before the
        cue ("Guidelines recommend X only when there is no Y"). A guideline named as an
        object or by attribution ("exceeds the guidelines", "As per MTUS, no indication")
        does not make a clause guideline text."""
        brk = self.last_clause_break(text, sentence_start, cue_start)
        clause_start = brk.end() if brk is not None else sentence_start
        if (
            brk is not None
            and not text[clause_start:cue_start].strip()
            and ELIDED_SUBJECT_RE.fullmatch(brk.group())
            and AUXILIARY_RE.match(text, cue_start)
        ):
            # "The MTUS recommends exercise but does not address gym memberships": a verb opening its
            # clause after "but" has the subject of the clause before it
            return self.guideline_text(text, sentence_start, brk.start())
        head_start = clause_start + len(text[clause_start:cue_start]) - len(text[clause_start:cue_start].lstrip())
        if self.population is not None and self.population.match(text, head_start, cue_start):
            return True
        if self.population_relative is not None:
            for population in self.population_relative.finditer(text, sentence_start, cue_start):
                if not (self.this_case is not None and self.this_case.search(text, population.end(), cue_start)):
                    return True  # "X succeeds for cases in which there is ... (but not Y)": the population's, not this case's
        if self.recommended_when(text, clause_start, cue_start):
            return True  # "Per guidelines, weaning is recommended when there is no X": the recommendation's condition
        if (
            self.list_number is not None
            and self.list_number.search(text[max(0, cue_start - 16) : cue_start])
            and not REVIEWER_SENTENCE_RE.match(text, cue_start)
        ):
            return True  # "...; and 5. No contraindications exist": an item of a guideline's numbered criteria
        if self.colon_list(text, sentence_start, clause_start):
            return True  # "ODG recommends X when all of these are met: ...; absence of Y": a guideline's list
        semicolon = text.rfind(";", sentence_start, clause_start)
        opening = LIST_ITEM_OPENING_RE.fullmatch(text, semicolon + 1, cue_start) if semicolon > sentence_start else None
        if (
            opening is not None
            and self.guideline_text(text, sentence_start, text.find(";", sentence_start, clause_start))
            and (
                opening.group("marker") is not None  # "MTUS sets out criteria, including that X; that the patient is not Y"
                or not (self.case_reference is not None and self.case_reference.search(text, semicolon, item_end(text, cue_start)))
            )
        ):
            return True  # "The criteria include failure of X; Y; and no contraindications": a guideline's list without a colon
        if semicolon > sentence_start and self.conditional_list(text, sentence_start, semicolon, cue_start):
            return True  # "ODG supports X when A; B; the patient is not a candidate for surgery; and C"
        if self.guideline is None:
            return False
        for subject in self.guideline.finditer(text, clause_start, cue_start):
            before = text[max(clause_start, subject.start() - 60) : subject.start()]
            if self.attribution is not None and self.attribution.search(before):
                continue  # "As per MTUS, ...", "exceeds the guidelines": not the clause's subject
            phrase = text[subject.end() : cue_start]
            if UNMET_RE.match(phrase):
                continue  # "Criteria not met: no X; no Y": the reviewer's verdict on this case, not a guideline's text
            words = phrase.split()
            if (not any(mark in phrase for mark in ",)") and len(words) <= 2) or (
                # "The ACOEM chapter on forearm, wrist and hand complaints does not list": commas only inside a series
                ")" not in phrase
                and ("," not in phrase or SERIES_PHRASE_RE.fullmatch(phrase.strip()) is not None)
                and len(words) <= 6
                and words[0].lower() in SUBJECT_PREPOSITIONS
            ):
                return True  # the guideline is the cue's subject: "ODG does not address", "The ACOEM chapter on knee complaints does not address"
            # the verb follows the subject, or its prepositional phrase ("MTUS criteria for admission to a program include"),
            # or a parenthetical or an appositive after it ("The MTUS guidelines (pages 30-34) recommend",
            # "MTUS, Trigger Point Injections, Page 122, recommend")
            parenthetical = PARENTHETICAL_RE.match(text, subject.end(), cue_start) or APPOSITIVE_RE.match(text, subject.end(), cue_start)
            if parenthetical is not None:
                words = text[parenthetical.end() : cue_start].split()
            head = " ".join(words[: 10 if words and words[0].lower() in SUBJECT_PREPOSITIONS else 4])
            verb = self.guideline_verb.search(head) if self.guideline_verb is not None else None
            if verb is not None and not any(w.lower() in ("and", "or", "which", "that", "who") for w in head[: verb.start()].split()):
                return True  # the guideline does something before the cue: "Guidelines recommend X only if no Y"
        return False

    def cites_literature(self, text: str, cue_start: int, sentence_end: int) -> bool:
        """An author-year reference after the cue in its sentence or right after it ("...
        offers no long-term benefit. (Armon, 2007)"): the sentence reports the literature."""
        if self.literature_reference is None:
            return False
        after = LEADING_SPACE_RE.match(text, sentence_end).end()
        return bool(
            self.literature_reference.search(text, cue_start, sentence_end)
            or self.literature_reference.match(text, after)
        )

    def colon_list(self, text: str, sentence_start: int, position: int) -> bool:
        """`position` is in the list after a colon that a guideline or a list intro opens
        ("... when all of the following criteria are met: X; Y; and radiculopathy is not present")."""
        colon = text.rfind(":", sentence_start, position)
        return colon > sentence_start and bool(
            self.guideline_text(text, sentence_start, colon)
            or (self.list_intro is not None and self.list_intro.search(text, sentence_start, colon))
        )

    def conditional_list(self, text: str, sentence_start: int, semicolon: int, cue_start: int) -> bool:
        """The cue sits in a later ';' item of a guideline's conditions: the sentence opens with a
        guideline that recommends something on a condition ("when", "only if") or that lists its
        criteria ("MTUS identifies documentation that A; B; ...") before its first ';', and the item
        does not speak of this case ("in this case", "the claimant", "the records")."""
        if self.condition is None or self.this_case is None:
            return False
        first = text.find(";", sentence_start, semicolon + 1)
        if self.this_case.search(text, semicolon, item_end(text, cue_start)):
            return False
        condition = self.condition.search(text, sentence_start, first)
        if condition is None:
            return self.guideline_subject_opens(text, sentence_start, first)
        return bool(
            self.guideline_text(text, sentence_start, condition.start())
            # "Programs may be considered medically necessary when A; B; ...": a guideline's wording without its name
            or (self.recommendation is not None and self.recommendation.search(text, sentence_start, condition.start()) is not None)
        )

    def recommended_when(self, text: str, clause_start: int, cue_start: int) -> bool:
        """The cue sits in the condition of a recommendation without a named guideline ("Per
        guidelines, weaning is recommended when there is no improvement") and the condition
        does not speak of this case."""
        if self.condition is None or self.recommendation is None:
            return False
        last = None
        for last in self.condition.finditer(text, clause_start, cue_start):
            pass
        return bool(
            last is not None
            and self.recommendation.search(text, clause_start, last.start()) is not None
            and not (self.this_case is not None and self.this_case.search(text, last.start(), item_end(text, cue_start)))
        )

    def guideline_subject_opens(self, text: str, sentence_start: int, end: int) -> bool:
        """A guideline is the subject of the sentence's first clause and lists its criteria ("MTUS
        Chronic Pain Medical Treatment Guidelines identifies documentation that ..."), before `end`."""
        if self.guideline is None or self.list_verb is None:
            return False
        subject = self.guideline.match(text, LEADING_SPACE_RE.match(text, sentence_start).end(), end)
        if subject is None:
            return False
        words = text[subject.end() : end].split()
        title = next((i for i, word in enumerate(words[:8]) if not word[:1].isupper()), len(words))  # "Chronic Pain ... Guidelines"
        return self.list_verb.match(" ".join(words[title : title + 3])) is not None

    def items(self, text: str, start: int, end: int, backward: bool) -> List[Tuple[int, int]]:
        """The list items of a scope [start, end): split at ";", trimmed; of a backward scope, its last
        item; of a forward one, the first and the later ones without a verb of their own."""
        if backward:
            for pattern in self.trim_backward:
                for match in pattern.finditer(text, start, end):
                    if SERIES_END_RE.fullmatch(match.group(0)) and closes_series(text[start : match.start()]):
                        continue  # "X, Y, and Z has not been performed": the last item of a series, not a clause
                    start = max(start, match.end())
        pieces = []
        cursor = start
        for match in self.split.finditer(text, start, end):
            pieces.append((cursor, match.start()))
            cursor = match.end()
        pieces.append((cursor, end))
        if backward:
            pieces = pieces[-1:]  # "...; a home trial was not documented": the subject is the clause before the cue
        else:
            # Later items that are clauses of their own are not in the list: one with its own verb after a
            # list of noun phrases ("no documentation of X; walking tolerance is unchanged"; a list of clauses,
            # "no documentation that X; Y", keeps it), and one about the records ("It is unclear whether X;
            # the records include no Y")
            own_clause = self.own_clause
            if own_clause is not None and self.is_clause(text[slice(*self.trim(text, *pieces[0]))].lstrip(), passive=False):
                own_clause = None
            clauses = [pattern for pattern in (own_clause, self.record_clause) if pattern is not None]
            pieces = pieces[:1] + [(a, b) for a, b in pieces[1:] if not any(p.match(text[a:b].lstrip()) for p in clauses)]
        items = []
        for item_start, item_end in pieces:
            item_start, item_end = self.trim(text, item_start, item_end)
            if item_end > item_start and re.search(r"\w", text[item_start:item_end]):
                items.append((item_start, item_end))
        return items

    def is_clause(self, item: str, passive: bool = True) -> bool:
        """A list item that is a clause: it has a verb of its own or opens with "that", "whether", ...
        With `passive=False` a post-posed passive ("No X were provided for review") does not count."""
        if COMPLEMENT_RE.match(item):
            return True
        if not passive and POSTPOSED_PASSIVE_RE.search(item):
            return False
        return bool(self.own_clause is not None and self.own_clause.match(item))

    def trim(self, text: str, start: int, end: int) -> Tuple[int, int]:
        """Drop leading conjunctions/markers and trailing punctuation and space."""
        changed = True
        while changed and start < end:
            changed = False
            for pattern in self.trim_start:
                match = pattern.match(text, start, end)
                if match and match.end() > start:
                    start, changed = match.end(), True
            for pattern in self.trim_end:  # anchored at the end: searched over a bounded tail (linear time)
                match = pattern.search(text, max(start, end - TRIM_WINDOW), end)
                if match and match.start() < end:
                    end, changed = match.start(), True
        return start, end

    def category(self, value: str) -> Optional[str]:
        """The taxonomy category of a criterion's text (first matching rule), or None."""
        value = collapse(value)
        for name, pattern in self.categories:
            if pattern.search(value):
                return name
        return None


def item_end(text: str, start: int) -> int:
    """Where the list item or sentence holding `start` ends (the next ';' or '.', else the text's end)."""
    match = ITEM_END_RE.search(text, start)
    return match.start() if match else len(text)


def series_start(text: str, modifier: Any, section: Span, start: int) -> int:
    """Where a backward cue's scope starts when a terminating ", and the" only closes a series
    ("The type of device, the frequency of use, and the duration were not documented"): the
    sentence's start; else `start`."""
    tail = SERIES_TAIL_RE.search(text, max(0, start - 16), start)
    if tail is None:
        return start
    sentence_start = max(section.doc[modifier.modifier_span[0]].sent.start_char, section.start_char)
    return sentence_start if sentence_start < tail.start() and closes_series(text[sentence_start : tail.start()]) else start


def closes_series(before: str) -> bool:
    """Whether a ", and" after `before` closes a series ("sleep onset, sleep maintenance, sleep
    quality, and ..."): an item before it of a few words, without "and"/"or" or a verb; after
    "including" / "such as" ("X, including A, use of B and C, and D") also one with "and"/"or"."""
    pieces = before.split(",")
    if len(pieces) < 2:
        return False
    last = pieces[-1].split()
    breaks = SERIES_BREAK_WORDS - {"and", "or"} if SERIES_EXAMPLES_RE.search(before) else SERIES_BREAK_WORDS
    return 0 < len(last) <= 6 and not any(word.lower() in breaks for word in last)


def own_clause_start(text: str, items: List[Tuple[int, int]]) -> Optional[int]:
    """Where a backward cue's subject (`items`: its scope's last item, or none) starts when it is a
    clause of its own, after ", and", ", but" or ";"; None otherwise."""
    for item_start, _ in items:
        if COORDINATION_BEFORE_RE.search(text, max(0, item_start - 12), item_start):
            return item_start
    return None


def scope_chars(modifier: Any, section: Span) -> Optional[Tuple[int, int]]:
    """A modifier's scope as character offsets, clipped to `section`; None when empty."""
    doc = section.doc
    scope_start, scope_end = modifier.scope_span
    scope_start, scope_end = max(scope_start, section.start), min(scope_end, section.end)
    if scope_end <= scope_start:
        return None
    return doc[scope_start].idx, doc[scope_end - 1].idx + len(doc[scope_end - 1])


def opens_quote(text: str, index: int, start: int = 0) -> bool:
    """Whether the quote mark at `index` opens a quotation (by the character before it)."""
    mark = text[index]
    if mark in "\u201c\u201d":
        return mark == "\u201c"
    after = text[index + 1 : index + 2]
    if not after or after.isspace() or after in ".,;:!?)":
        return False  # '... side effects," and': a mark before a space or a stop closes
    return index == start or text[index - 1].isspace() or text[index - 1] in "([:,;"


def prune_overlapping(matches: List[Tuple[int, int, int]]) -> List[Tuple[int, int, int]]:
    """Of overlapping (rule, start, end) matches sorted by start, keep the longest (the first on ties)."""
    kept: List[Tuple[int, int, int]] = []
    for match in sorted(matches, key=lambda m: (-(m[2] - m[1]), m[1], m[0])):
        if all(match[2] <= other[1] or match[1] >= other[2] for other in kept):
            kept.append(match)
    return sorted(kept, key=lambda m: (m[1], m[2]))


@registry.scorers("imr.criteria_scorer.v1")
def make_criteria_scorer() -> Callable[..., Dict[str, Any]]:
    """Absent criteria P/R/F and category accuracy (as `imr evaluate`)."""
    return gold_scorer(CRITERIA_METRICS)
