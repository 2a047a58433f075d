"""Letter metadata (`imr_metadata`): case header, reviewer, patient and template.

Writes plain JSON values to the doc:

- `doc._.imr_case`: case_number, date_assigned, date_of_injury, decision_date,
  ur_denial_date, application_received, priority (dates ISO `YYYY-MM-DD`,
  missing -> None). Read from the case header table (2013: "Dated:", "IMR
  Case Number:", "Date of UR Decision:", "IMR Application Received:"); when
  the header gives no date of injury (2014 letters have no table), from the
  case summary.
- `doc._.imr_reviewer`: `{"specialties": [...], "licensure": [...]}` from the
  "State(s) of Licensure:" / "Certification(s)/Specialty:" lines or from the
  older prose ("Board Certified in X, has a subspecialty in Y and is licensed
  to practice in Z"; in 2013 letters under "Medical Qualifications of the
  Expert Reviewer:").
- `doc._.imr_patient`: `{"age": int, "sex": "male"|"female"}` from the case
  summary ("a 58-year-old female", "The injured worker is a female").
- `doc._.imr_template`: the name of the first template rule whose sections
  (and pattern) the letter has ("2016", "2014", "2013"), else "unknown".

Each rule looks only in its section of `doc.spans["imr_sections"]` (a list of
sections: the first one the letter has; the whole text when the letter has
none of them). Rules are data in `patterns/metadata.jsonl`.
"""

import datetime
import re
from typing import Any, Callable, Dict, Iterable, List, Optional, Tuple, Union

from spacy.language import Language
from spacy.tokens import Doc
from spacy.util import registry

from . import extensions  # noqa: F401  (registers the imr_* attributes)
from .layout import collapse, doc_text, single_spaced
from .base import RuleComponent
from .scorers import METADATA_METRICS, gold_scorer, weights
from .sections import SECTIONS_KEY

CASE_FIELDS = ("case_number", "date_assigned", "date_of_injury", "decision_date", "ur_denial_date", "application_received", "priority")
REVIEWER_FIELDS = ("specialties", "licensure")
PATIENT_FIELDS = ("age", "sex")
UNKNOWN_TEMPLATE = "unknown"
PLACEHOLDER_RE = re.compile(r"\{([A-Z_]+)\}")
NUMERIC_DATE_RE = re.compile(r"(\d{1,2}) ?[/-] ?(\d{1,2}) ?[/-] ?(\d{2,4})$")
ISO_DATE_RE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})$")
NAMED_DATE_RE = re.compile(r"([A-Za-z]+)\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})$")
MAX_AGE = 120
# A rule's "section": one section label, or a list of labels (the first the letter has is read).
Section = Union[str, List[str]]


@Language.factory(
    "imr_metadata",
    assigns=["doc._.imr_case", "doc._.imr_reviewer", "doc._.imr_patient", "doc._.imr_template"],
    requires=["doc.spans"],
    default_config={"scorer": {"@scorers": "imr.metadata_scorer.v1"}},
    default_score_weights=weights(METADATA_METRICS, "case_number_acc", 0.0),
)
def make_metadata(nlp: Language, name: str, scorer: Optional[Any]) -> "MetadataExtractor":
    """Create an `imr_metadata` component."""
    return MetadataExtractor(nlp, name, scorer=scorer)


class MetadataExtractor(RuleComponent):
    """Read the case header, reviewer credentials, patient and template of a letter."""

    rules_file = "metadata.jsonl"

    def __init__(self, nlp: Language, name: str = "imr_metadata", *, scorer: Optional[Any] = None) -> None:
        super().__init__(nlp, name)
        self.scorer = scorer
        self.reset()

    def reset(self) -> None:
        self.case_rules: List[Tuple[Section, str, str, re.Pattern]] = []
        self.reviewer_rules: List[Tuple[Section, re.Pattern]] = []
        self.patient_rules: List[Tuple[Section, re.Pattern]] = []
        self.templates: List[Dict[str, Any]] = []
        self.splits: Dict[str, re.Pattern] = {}
        self.months: Dict[str, int] = {}
        self.sexes: Dict[str, str] = {}
        self.year_pivot = 50

    def set_rules(self, rules: List[Dict[str, Any]]) -> None:
        super().set_rules(rules)
        self.reset()
        defines = {r["name"]: r["pattern"] for r in rules if r["kind"] == "define"}

        def compile_pattern(pattern: str) -> re.Pattern:
            expanded = PLACEHOLDER_RE.sub(lambda m: defines.get(m.group(1), m.group(0)), pattern)
            return re.compile(expanded, re.MULTILINE)

        for rule in rules:
            kind = rule["kind"]
            if kind == "case":
                self.case_rules.append((rule["section"], rule["field"], rule.get("type", "text"), compile_pattern(rule["pattern"])))
            elif kind == "reviewer":
                self.reviewer_rules.append((rule["section"], compile_pattern(rule["pattern"])))
            elif kind == "patient":
                self.patient_rules.append((rule["section"], compile_pattern(rule["pattern"])))
            elif kind == "template":
                pattern = compile_pattern(rule["pattern"]) if rule.get("pattern") else None
                self.templates.append({**rule, "compiled": pattern})
            elif kind == "split":
                self.splits[rule["field"]] = re.compile(rule["pattern"])
            elif kind == "month":
                self.months.update({name.lower(): rule["value"] for name in rule["names"]})
            elif kind == "sex":
                self.sexes.update({word.lower(): rule["value"] for word in rule["words"]})
            elif kind == "setting" and rule["name"] == "two_digit_year_pivot":
                self.year_pivot = int(rule["value"])

    def __call__(self, doc: Doc) -> Doc:
        self.require_rules()
        # Values, not spans, are read here: read them from a single-spaced view of
        # the text, so a rule reads a wrapped value the same way in either layout.
        text, mapping = single_spaced(doc_text(doc))
        regions = section_regions(doc)
        if mapping is not None:
            regions = {label: (mapping[start], mapping[end]) for label, (start, end) in regions.items()}
        doc._.imr_template = self.template(text, regions)
        doc._.imr_case = self.case(text, regions)
        doc._.imr_reviewer = self.reviewer(text, regions)
        doc._.imr_patient = self.patient(text, regions)
        return doc

    def template(self, text: str, regions: Dict[str, Tuple[int, int]]) -> str:
        """The first template whose sections (and pattern) the letter has."""
        for rule in self.templates:
            if not all(section in regions for section in rule.get("sections", [])):
                continue
            if any(section in regions for section in rule.get("without", [])):
                continue
            if rule["compiled"] is not None and not rule["compiled"].search(text):
                continue
            return rule["name"]
        return UNKNOWN_TEMPLATE

    def case(self, text: str, regions: Dict[str, Tuple[int, int]]) -> Dict[str, Any]:
        """Case header fields; the first rule (in file order) that finds a field wins."""
        case: Dict[str, Any] = {name: None for name in CASE_FIELDS}
        for section, field, kind, pattern in self.case_rules:
            if case.get(field) is not None:
                continue
            for match in search(pattern, text, regions, section):
                value = self.parse_date(match.group("value")) if kind == "date" else collapse(match.group("value"))
                if value is not None:
                    case[field] = value
                    break
        return case

    def reviewer(self, text: str, regions: Dict[str, Tuple[int, int]]) -> Dict[str, List[str]]:
        """Specialties and states of licensure, each from the first rule that finds it."""
        found: Dict[str, List[str]] = {}
        for section, pattern in self.reviewer_rules:
            match = next(search(pattern, text, regions, section), None)
            if match is None:
                continue
            values: Dict[str, List[str]] = {}
            for group, value in match.groupdict().items():
                if value:
                    field = group.split("_")[0]
                    values.setdefault(field, []).extend(self.split(field, value))
            for field, items in values.items():
                if field not in found and items:
                    found[field] = items
        return {field: found.get(field, []) for field in REVIEWER_FIELDS}

    def split(self, field: str, value: str) -> List[str]:
        value = collapse(value).strip(" .")
        pattern = self.splits.get(field)
        parts = pattern.split(value) if pattern is not None else [value]
        return [part.strip(" .") for part in parts if part and part.strip(" .")]

    def patient(self, text: str, regions: Dict[str, Tuple[int, int]]) -> Dict[str, Any]:
        """Age and sex: for each, the first match of the first rule that gives it."""
        patient: Dict[str, Any] = {name: None for name in PATIENT_FIELDS}
        for section, pattern in self.patient_rules:
            match = next(search(pattern, text, regions, section), None)
            if match is None:
                continue
            groups = match.groupdict()
            if patient["age"] is None and groups.get("age"):
                age = int(groups["age"])
                if 0 < age < MAX_AGE:
                    patient["age"] = age
            if patient["sex"] is None and groups.get("sex"):
                patient["sex"] = self.sexes.get(groups["sex"].lower())
        return patient

    def parse_date(self, value: str) -> Optional[str]:
        """ISO `YYYY-MM-DD` of a date as written (US month-first), or None if invalid."""
        value = collapse(value)
        year = month = day = None
        if (m := ISO_DATE_RE.match(value)) is not None:
            year, month, day = int(m.group(1)), int(m.group(2)), int(m.group(3))
        elif (m := NUMERIC_DATE_RE.match(value)) is not None:
            month, day, year = int(m.group(1)), int(m.group(2)), int(m.group(3))
            if len(m.group(3)) == 2:
                year += 2000 if year < self.year_pivot else 1900
            elif len(m.group(3)) == 3:
                return None
        elif (m := NAMED_DATE_RE.match(value)) is not None:
            month = self.months.get(m.group(1).lower())
            day, year = int(m.group(2)), int(m.group(3))
        if month is None:
            return None
        try:
            return datetime.date(year, month, day).isoformat()
        except ValueError:
            return None


def section_regions(doc: Doc) -> Dict[str, Tuple[int, int]]:
    """(start, end) of the first section of each label in `doc.spans["imr_sections"]`."""
    regions: Dict[str, Tuple[int, int]] = {}
    for span in doc.spans.get(SECTIONS_KEY, []):
        regions.setdefault(span.label_, (span.start_char, span.end_char))
    return regions


def search(pattern: re.Pattern, text: str, regions: Dict[str, Tuple[int, int]], section: Section) -> Iterable[re.Match]:
    """Matches in the section (the first of a list of sections the letter has), or in
    the whole text when the letter lacks it."""
    names = [section] if isinstance(section, str) else list(section)
    start, end = next((regions[name] for name in names if name in regions), (0, len(text)))
    return pattern.finditer(text, start, end)



@registry.scorers("imr.metadata_scorer.v1")
def make_metadata_scorer() -> Callable[..., Dict[str, Any]]:
    """Accuracy of every case, reviewer and patient field (as `imr evaluate`)."""
    return gold_scorer(METADATA_METRICS)
