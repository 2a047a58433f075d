"""Drug attributes (`imr_drug_attributes`): strength, quantity, refills, form, ...

Runs after `imr_drugs` and reads the dose description after each DRUG span:
the run of numbers, punctuation and dose words ("mg", "#", "tablet",
"twice daily", "with 3 refills", ...) that follows it, stopping at the next
drug, the end of its sentence (". ", ";"), the end of its decision header,
or 60 tokens, across PDF line breaks and blank lines:

- strength: every strength printed right after the name (only release, form
  and route words, parentheses and commas may come between): "10/325mg" ->
  10 mg + 325 mg, "75-0.2mg", "4%-27.5%-0.0325%", "10mg/1ml" -> 10 mg/ml;
- quantity: the first dispensed count ("#90", "# 90", "QTY: 60",
  "number 120"); masses and volumes ("240g", "500ml") are not counts;
  quantity_unit: what it counts, written after it ("#100 grams", "#2
  boxes") or, for countable forms, before it ("pad #30" -> "pads"); null
  for a bare count;
- refills: "with 3 refills", "x2 refills", "refills: 3", "no refills" -> 0,
  or "Two refills of X" before it;
- form, release, route, frequency: the first such word or phrase.

In a decision header the whole item is the dose description (up to the next
drug or the next sentence): quantities and refills written after the sig,
frequency, duration or form count too ("X 4% cream, apply three times a
day, #100 grams with 2 refills"). Outside headers the description is the
run of dose words after the name.

Compounds ("Flurbiprofen 20%/Lidocaine 5% cream #1") share the quantity,
refills, form, route and frequency printed after their last ingredient; a
parenthesised synonym ("Meloxicam (Mobic) 7.5mg") gives its attributes to
the name before it. The grammar's vocabulary is data in
`patterns/drug_attributes.jsonl`; the strength syntax is below.

Writes the attributes into `span._.imr_drug`, STRENGTH / QUANTITY / REFILLS
spans into `doc.spans["imr"]` (not entities), and the drugs each decision
disputes (one per drug named in its header, synonyms and the repeated
names of partial-authorisation headers folded; in a partial-authorisation
header, the drugs of the remaining IMR-eligible portion, their missing
attributes such as the strength taken from where the header prints them)
into `doc.spans["imr_header_drugs"]`.
"""

import re
from typing import Any, Callable, Dict, List, Optional, Tuple

from spacy.language import Language
from spacy.tokens import Doc, Span
from spacy.util import registry

from . import extensions  # noqa: F401  (registers the imr_* attributes)
from .drugs import DRUG_LABEL
from .entities import ENTITIES_KEY, add_entities
from .layout import doc_text
from .base import RuleComponent
from .scorers import DRUG_ATTRIBUTE_METRICS, gold_scorer, weights
from .sections import SECTIONS_KEY

HEADER_DRUGS_KEY = "imr_header_drugs"  # the drugs each decision disputes (synonyms and repeats folded)
ATTRIBUTE_LABELS = ["STRENGTH", "QUANTITY", "REFILLS"]
ATTRIBUTE_FIELDS = [
    "name", "generic", "drug_class", "drugbank_id", "mesh_id", "source",
    "strength", "form", "release", "route", "frequency", "quantity", "quantity_unit", "refills",
]  # fmt: skip
SHARED_FIELDS = ("quantity", "quantity_unit", "refills", "form", "route", "frequency")
WINDOW_TOKENS = 60  # about 200 characters of a double-spaced letter
BEFORE_TOKENS = 12  # "Two refills of Retrospective X"
NUMBER = r"(?:\d+(?:,\d{3})*(?:\.\d+)?|\.\d+)"
SENTENCE_BREAK_RE = re.compile(r"\.(?=\s)|;")
# In a header a sentence ends before a capital ("... was the original request. X was authorized"), not
# after an abbreviated sig ("1 tab p.o. q.d. #30").
HEADER_BREAK_RE = re.compile(r"(?<![A-Za-z]\.[A-Za-z])\.(?=\s+[A-Z])|;")
# Between two ingredients of one compound: "A 5%/B", "A/B", "A 20%, B 2%, C 5% cream", "A 10% and B"
COMPOUND_GAP_RE = re.compile(r"^\s*(?:[\d.]+\s*(?:%|mg|mcg))?\s*[/+]\s*$|^\s*[\d.]+\s*%\s*(?:[,/+-]\s*)?(?:and\s+|with\s+)?$", re.IGNORECASE)
ALIAS_GAP_RE = re.compile(r"^\s*\(\s*$")


@registry.scorers("imr.drug_attributes_scorer.v1")
def make_drug_attributes_scorer() -> Callable[..., Dict[str, Any]]:
    """Header drugs P/R/F and name, strength, quantity, refills accuracy (as `imr evaluate`)."""
    return gold_scorer(DRUG_ATTRIBUTE_METRICS)


@Language.factory(
    "imr_drug_attributes",
    assigns=["doc.spans", "doc.ents", "span._.imr_drug"],
    requires=["doc.spans"],
    default_config={"scorer": {"@scorers": "imr.drug_attributes_scorer.v1"}},
    default_score_weights=weights(DRUG_ATTRIBUTE_METRICS, "drug_header_all_acc"),
)
def make_drug_attributes(nlp: Language, name: str, scorer: Optional[Any]) -> "DrugAttributes":
    """Create an `imr_drug_attributes` component."""
    return DrugAttributes(nlp, name, scorer=scorer)


class DrugAttributes(RuleComponent):
    """Parse each DRUG span's strength, quantity, refills, form, release, route and frequency."""

    rules_file = "drug_attributes.jsonl"

    def __init__(self, nlp: Language, name: str = "imr_drug_attributes", *, scorer: Optional[Any] = None) -> None:
        super().__init__(nlp, name)
        self.scorer = scorer
        self.units: List[Tuple[re.Pattern, str]] = []
        self.per_units: List[Tuple[re.Pattern, str]] = []
        self.words: Dict[str, List[Tuple[re.Pattern, str]]] = {}
        self.quantity: List[re.Pattern] = []
        self.refills: List[re.Pattern] = []
        self.refills_before: List[re.Pattern] = []
        self.strength_before: List[re.Pattern] = []
        self.implied_units: List[Tuple[re.Pattern, str]] = []
        self.numbers: Dict[str, int] = {}
        self.strength_re: Optional[re.Pattern] = None
        self.lead_re: Optional[re.Pattern] = None
        self.frequency_re: Optional[re.Pattern] = None
        self.dose_run_re: Optional[re.Pattern] = None
        self.quantity_units: List[Tuple[re.Pattern, Optional[re.Pattern], str]] = []
        self.remaining_re: Optional[re.Pattern] = None

    def set_rules(self, rules: List[Dict[str, Any]]) -> None:
        super().set_rules(rules)
        self.units, self.per_units, self.quantity, self.refills, self.refills_before = [], [], [], [], []
        self.strength_before, self.implied_units = [], []
        self.quantity_units, remaining = [], []
        analyte_before: List[str] = []
        analyte_after: List[str] = []
        self.words, self.numbers = {"form": [], "release": [], "route": []}, {}
        frequencies, leads, dose_words = [], [], []
        for rule in rules:
            kind = rule["kind"]
            if kind == "unit":
                self.units.append((re.compile(rf"^(?:{rule['pattern']})$", re.IGNORECASE), rule["unit"]))
            elif kind == "per_unit":
                self.per_units.append((re.compile(rf"^(?:{rule['pattern']})$", re.IGNORECASE), rule["unit"]))
            elif kind in ("form", "route"):
                self.words[kind].append((re.compile(rf"(?<![A-Za-z])(?:{rule['pattern']})(?![A-Za-z])", re.IGNORECASE), rule["value"]))
                leads.append(rule["pattern"])
            elif kind == "release":  # abbreviations are upper case: "ER", not "er"
                self.words[kind].append((re.compile(rf"(?<![A-Za-z])(?:{rule['pattern']})(?![A-Za-z])"), rule["value"]))
                leads.append(rule["pattern"])
            elif kind == "frequency":
                frequencies.append(rule["pattern"])
            elif kind == "quantity":
                self.quantity.append(re.compile(rule["pattern"]))
            elif kind == "refills":
                self.refills.append(re.compile(rule["pattern"], re.IGNORECASE))
            elif kind == "refills_before":
                self.refills_before.append(re.compile(rule["pattern"], re.IGNORECASE))
            elif kind == "strength_before":
                self.strength_before.append(re.compile(rule["pattern"], re.IGNORECASE))
            elif kind == "implied_unit":
                self.implied_units.append((re.compile(rf"^(?:{rule['pattern']})$"), rule["unit"]))
            elif kind == "number":
                self.numbers[rule["text"].lower()] = rule["value"]
            elif kind == "lead":
                leads.append(rule["pattern"])
            elif kind == "dose_word":
                dose_words.append(rule["pattern"])
            elif kind == "quantity_unit":
                after = re.compile(rf"^[ \t]*(?:{rule['pattern']})(?![A-Za-z])")
                before = re.compile(rf"(?<![A-Za-z])(?:{rule['pattern']})[ \t]*(?:[xX#][ \t]*)?$", re.IGNORECASE) if rule.get("before") else None
                self.quantity_units.append((after, before, rule["unit"]))
            elif kind == "remaining_portion":
                remaining.append(rule["pattern"])
            elif kind == "analyte_before":
                analyte_before.append(rule["pattern"])
            elif kind == "analyte_after":
                analyte_after.append(rule["pattern"])
        self.remaining_re = re.compile("|".join(remaining), re.IGNORECASE) if remaining else None
        self.analyte_before_re = re.compile(rf"(?:{'|'.join(analyte_before)})\s*$", re.IGNORECASE) if analyte_before else None
        self.analyte_after_re = re.compile(rf"\s*(?:{'|'.join(analyte_after)})(?![A-Za-z])", re.IGNORECASE) if analyte_after else None
        unit = "|".join(r["pattern"] for r in rules if r["kind"] == "unit")
        per = "|".join(r["pattern"] for r in rules if r["kind"] == "per_unit")
        concentration = rf"{NUMBER}\s*(?:{unit})\s*/\s*(?:{NUMBER}\s*)?(?:{per})(?![A-Za-z])"
        multiple = rf"{NUMBER}(?:\s*(?:{unit}))?(?:\s*[/-]\s*{NUMBER}(?:\s*(?:{unit}))?)*"
        self.strength_re = re.compile(rf"(?<![\w.])(?:{concentration}|{multiple})(?![A-Za-z0-9])", re.IGNORECASE)
        self.unit_re = re.compile(rf"(?:{unit})", re.IGNORECASE)
        self.lead_re = re.compile(rf"^(?:[\s,()\[\]:-]+|(?:{'|'.join(leads)})(?![A-Za-z]))*$", re.IGNORECASE)
        words = "|".join(r["pattern"] for r in rules if r["kind"] in ("form", "route", "release", "frequency", "dose_word"))
        self.dose_run_re = re.compile(rf"(?:[\s,()\[\]#:/.+&*-]+|\d[\w.,/%-]*|%|(?:{words})(?![A-Za-z]))*", re.IGNORECASE)
        self.frequency_re = re.compile(rf"(?<![A-Za-z])(?:{'|'.join(frequencies)})(?:\s+(?:as\s+needed|p\.?r\.?n\.?))?(?![A-Za-z])", re.IGNORECASE)

    def __call__(self, doc: Doc) -> Doc:
        self.require_rules()
        drugs = [s for s in doc.spans.get(ENTITIES_KEY, []) if s.label_ == DRUG_LABEL]
        headers = [s for s in doc.spans.get(SECTIONS_KEY, []) if s.label_ == "decision_header"]
        attribute_spans: List[Span] = []
        parsed: List[Dict[str, Any]] = []
        in_headers: List[int] = []
        for index, drug in enumerate(drugs):
            header = next((h for h in headers if h.start <= drug.start < h.end), None)
            if header is not None:
                in_headers.append(index)
            limit = min(drugs[index + 1].start if index + 1 < len(drugs) else len(doc), drug.end + WINDOW_TOKENS, header.end if header else len(doc))
            values, spans = self.parse(doc, drug, limit, header)
            parsed.append(values)
            attribute_spans.extend(spans)
        aliases = self.link(doc, drugs, parsed)
        for drug, values in zip(drugs, parsed):
            drug._.imr_drug = {**(drug._.imr_drug or {}), **values}
        text = doc_text(doc)
        analytes = {i for i in in_headers if self.analyte(text, drugs[i])}  # "serum duloxetine level": not a disputed drug
        doc.spans[HEADER_DRUGS_KEY] = header_drugs(drugs, headers, aliases | analytes, self.remaining_re)
        add_entities(doc, [s for s in attribute_spans if s is not None], labels=ATTRIBUTE_LABELS)
        return doc

    def analyte(self, text: str, drug: Span) -> bool:
        """The drug is what a laboratory test measures ("serum duloxetine level",
        "Testosterone level"), not a drug a header disputes (`text`: `layout.doc_text`)."""
        before = text[max(0, drug.start_char - 20) : drug.start_char]
        return bool(
            (self.analyte_before_re is not None and self.analyte_before_re.search(before))
            or (self.analyte_after_re is not None and self.analyte_after_re.match(text, drug.end_char, drug.end_char + 40))
        )

    def parse(self, doc: Doc, drug: Span, limit: int, header: Optional[Span]) -> Tuple[Dict[str, Any], List[Optional[Span]]]:
        """Attributes of one drug from the tokens after it (and "N refills of", "with 1%" before it)."""
        start = drug.end_char
        window = drug[-1].whitespace_ + doc[drug.end : limit].text
        stop = (HEADER_BREAK_RE if header is not None else SENTENCE_BREAK_RE).search(window)
        window = window[: stop.start()] if stop else window
        if header is None:  # in a header the whole item describes the dose
            window = window[: self.dose_run_re.match(window).end()]
        values: Dict[str, Any] = {
            "strength": [], "form": None, "release": None, "route": None, "frequency": None, "quantity": None, "quantity_unit": None, "refills": None,
        }  # fmt: skip
        spans: List[Optional[Span]] = []
        position = 0
        for match in self.strength_re.finditer(window):
            if not self.lead_re.match(window[position : match.start()]):
                break
            strengths = self.read_strength(match.group(0))
            if not strengths:  # a bare number: the strengths are over
                break
            values["strength"].extend(strengths)
            spans.append(doc.char_span(start + match.start(), start + match.end(), label="STRENGTH", alignment_mode="expand"))
            position = match.end()
        values["form"] = first_word(self.words["form"], window)
        values["route"] = first_word(self.words["route"], window)
        values["release"] = first_word(self.words["release"], window[: max(position, 25)])
        if doc[max(0, drug.start - 2) : drug.start].text == "EC-":
            values["release"] = values["release"] or "EC"
        frequency = self.frequency_re.search(window)
        values["frequency"] = re.sub(r"\s+", " ", frequency.group(0)) if frequency else None
        quantity = first_match(self.quantity, window)
        if quantity is not None:
            values["quantity"] = self.number(quantity.group("n"))  # "#60", "sixty count"
            values["quantity_unit"] = self.quantity_unit(window, quantity)
            spans.append(doc.char_span(start + quantity.start(), start + quantity.end(), label="QUANTITY", alignment_mode="expand"))
        for match in sorted((m for p in self.refills for m in p.finditer(window)), key=lambda m: m.start()):
            count = self.number(match.group("n"))
            if count is not None:
                values["refills"] = count
                spans.append(doc.char_span(start + match.start(), start + match.end(), label="REFILLS", alignment_mode="expand"))
                break
        if values["strength"] and values["refills"] is not None:
            return values, spans  # nothing left to read before the name
        before = doc[max(header.start if header else 0, drug.start - BEFORE_TOKENS) : drug.start]
        text = before.text + (before[-1].whitespace_ if len(before) else "")
        if not values["strength"]:  # "with 1% lidocaine": a solution's strength before its name
            match = first_match(self.strength_before, text)
            if match is not None:
                values["strength"] = self.read_strength(match.group("value"))
                spans.append(doc.char_span(before.start_char + match.start("value"), before.start_char + match.end("value"), label="STRENGTH", alignment_mode="expand"))
        if values["refills"] is None:
            for pattern in self.refills_before:
                match = pattern.search(text)
                count = self.number(match.group("n")) if match else None
                if count is not None:
                    values["refills"] = count
                    end_word = match.start() + re.search(r"refills?", match.group(0), re.IGNORECASE).end()
                    spans.append(doc.char_span(before.start_char + match.start(), before.start_char + end_word, label="REFILLS", alignment_mode="expand"))
                    break
        return values, spans

    def quantity_unit(self, window: str, quantity: re.Match) -> Optional[str]:
        """What the count counts: the unit after the number ("#100 grams"), else a countable form before
        the match or inside it, before the number ("pad #30", "inhaler x 1")."""
        after_number = window[quantity.end("n") :]
        for after, _, unit in self.quantity_units:
            if after.match(after_number):
                return unit
        before_texts = (window[: quantity.start()], window[: quantity.start("n")])
        for _, before, unit in self.quantity_units:
            if before is not None and any(before.search(text) for text in before_texts):
                return unit
        return None

    def read_strength(self, value: str) -> List[Dict[str, Any]]:
        """[{"value", "unit"}] of one strength expression; [] when it has no unit (a date, a range)
        and is no combination whose unit is implied (`implied_unit` rules)."""
        parts = re.split(r"\s*/\s*(?=[A-Za-z]|\d+\s*[A-Za-z]+$)", value, maxsplit=1)
        if len(parts) == 2 and any(p.match(re.sub(r"^[\d.\s]+", "", parts[1])) for p, _ in self.per_units):
            number, unit = split_unit(parts[0])
            per_number, per_unit_text = split_unit(parts[1])
            base = self.unit_name(unit)
            per = next((u for p, u in self.per_units if p.match(per_unit_text)), per_unit_text)
            if base is None or number is None:
                return []
            denominator = "" if per_number in (None, 1) else format_number(per_number)
            return [{"value": number, "unit": f"{base}/{denominator}{per}"}]
        pieces = [split_unit(p) for p in re.split(r"\s*[/-]\s*", value)]
        units = [self.unit_name(u) if u else None for _, u in pieces]
        if not any(units):  # "Norco 10/325": a combination written without its unit
            implied = next((unit for pattern, unit in self.implied_units if pattern.match(value.strip())), None)
            return [{"value": number, "unit": implied} for number, _ in pieces if number is not None] if implied else []
        result, carry = [], None
        for (number, _), unit in reversed(list(zip(pieces, units))):
            carry = unit or carry
            result.append({"value": number, "unit": carry})
        result.reverse()
        first_unit = next(u for u in units if u)
        return [{"value": r["value"], "unit": r["unit"] or first_unit} for r in result if r["value"] is not None]

    def unit_name(self, text: str) -> Optional[str]:
        return next((unit for pattern, unit in self.units if pattern.match(text.strip())), None)

    def number(self, text: str) -> Optional[int]:
        if text.isdigit():
            return int(text)
        return self.numbers.get(text.lower())

    def link(self, doc: Doc, drugs: List[Span], parsed: List[Dict[str, Any]]) -> set:
        """Share attributes within compounds and from synonyms; return the synonym indices."""
        aliases = set()
        index = 0
        while index < len(drugs):
            group = [index]
            while group[-1] + 1 < len(drugs):
                a, b = drugs[group[-1]], drugs[group[-1] + 1]
                gap = a[-1].whitespace_ + doc[a.end : b.start].text if b.start >= a.end else "?"
                if ALIAS_GAP_RE.match(gap) and same_ingredient(a, b):
                    aliases.add(group[-1] + 1)
                elif not COMPOUND_GAP_RE.match(gap):
                    break
                group.append(group[-1] + 1)
            last = parsed[group[-1]]
            for member in group[:-1]:
                for field in SHARED_FIELDS:
                    if parsed[member][field] is None:
                        parsed[member][field] = last[field]
                if member + 1 in aliases and not parsed[member]["strength"]:
                    parsed[member]["strength"] = list(parsed[member + 1]["strength"])
                    parsed[member]["release"] = parsed[member]["release"] or parsed[member + 1]["release"]
            index = group[-1] + 1
        return aliases


def header_drugs(drugs: List[Span], headers: List[Span], aliases: set, remaining: Optional[re.Pattern] = None) -> List[Span]:
    """The drugs each decision disputes, from the DRUG spans of its header.

    Synonyms in parentheses are left out. A name repeated with the same
    strength (or none) is one drug, given by its last mention: the IMR-eligible
    portion of a partial-authorisation header ("X #90 with 2 refills was the
    original request ... Two refills of X #90 is"); attributes that mention
    leaves out are taken from the earlier ones. When the header names a
    remaining IMR-eligible portion (`remaining`) with drugs after it, only
    those are disputed (the original request and the authorised part may
    list other strengths); what they leave out, such as the strength, comes
    from the earlier mention of the same drug that fits best.
    """
    chosen: List[Span] = []
    for header in headers:
        members = [d for i, d in enumerate(drugs) if header.start <= d.start and d.end <= header.end and i not in aliases]
        marker = remaining.search(header.text) if remaining is not None else None
        cut = header.start_char + marker.end() if marker else None
        under_review = [d for d in members if cut is not None and d.start_char >= cut]
        if not under_review:
            chosen.extend(fold_repeats(members))
            continue
        earlier = [d for d in members if d.start_char < cut]
        for drug in fold_repeats(under_review, strict=True):
            info = drug._.imr_drug
            for source in sorted((e for e in earlier if same_drug(e._.imr_drug, info)), key=lambda e: -fit(e._.imr_drug, info, e.start)):
                info = {**info, **{f: v for f, v in source._.imr_drug.items() if info.get(f) in (None, [])}}
            drug._.imr_drug = info
            chosen.append(drug)
    return chosen


def fold_repeats(members: List[Span], strict: bool = False) -> List[Span]:
    """One span per drug: a repeated name (same strength, or none) is its last mention, filled from the earlier.

    strict: only the same name with the same strength and count is a repeat
    (in a remaining portion, "Norco #60 and Norco 5/325mg #30" are two drugs).
    """
    kept: List[Span] = []
    for drug in members:
        info = drug._.imr_drug
        repeat = same_listing if strict else same_drug
        earlier = next((k for k in kept if repeat(k._.imr_drug, info)), None)
        if earlier is not None:
            kept.remove(earlier)
            drug._.imr_drug = {**info, **{f: v for f, v in earlier._.imr_drug.items() if info.get(f) in (None, [])}}
        kept.append(drug)
    return kept


def fit(candidate: Dict[str, Any], info: Dict[str, Any], position: int) -> float:
    """How well an earlier mention describes a drug under review: same printed strength, same count, then nearness."""
    score = 0.0
    if info["strength"] and candidate["strength"] == info["strength"]:
        score += 4
    if info.get("quantity") is not None and candidate.get("quantity") == info.get("quantity"):
        score += 2
    return score + position / 1e9


def same_drug(a: Dict[str, Any], b: Dict[str, Any]) -> bool:
    """Same name, and the same strength unless one of them prints none."""
    return a["name"].lower() == b["name"].lower() and (not a["strength"] or not b["strength"] or a["strength"] == b["strength"])


def same_listing(a: Dict[str, Any], b: Dict[str, Any]) -> bool:
    return a["name"].lower() == b["name"].lower() and a["strength"] == b["strength"] and a.get("quantity") == b.get("quantity")


def same_ingredient(a: Span, b: Span) -> bool:
    first = set((a._.imr_drug or {}).get("generic", "").lower().split("/"))
    second = set((b._.imr_drug or {}).get("generic", "").lower().split("/"))
    return bool(first & second)


def first_word(patterns: List[Tuple[re.Pattern, str]], text: str) -> Optional[str]:
    best: Optional[Tuple[int, str]] = None
    for pattern, value in patterns:
        match = pattern.search(text)
        if match and (best is None or match.start() < best[0]):
            best = (match.start(), value)
    return best[1] if best else None


def first_match(patterns: List[re.Pattern], text: str) -> Optional[re.Match]:
    matches = [m for m in (p.search(text) for p in patterns) if m]
    return min(matches, key=lambda m: m.start()) if matches else None


def split_unit(text: str) -> Tuple[Optional[float], str]:
    match = re.match(r"\s*(\d+(?:,\d{3})*(?:\.\d+)?|\.\d+)?\s*(.*?)\s*$", text)
    number = match.group(1)
    return (to_number(number) if number else None), match.group(2)


def to_number(text: str) -> float:
    value = float(text.replace(",", ""))
    return int(value) if value.is_integer() else value


def format_number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)
