"""Gold annotations (`corpus/gold/*.json`) as spaCy Docs, for `nlp.evaluate` and `spacy train`.

Gold files record values, not offsets (see `annotation-guide.md`). This module
finds them in the letter text, in reading order: each decision's outcome words
(": Upheld" in a header; in 2013 letters the "(not) medically necessary and
appropriate" of the first numbered determination of each item), every drug
mention, and each decision's absent criteria (verbatim, across line breaks).
Citations have no verbatim text in gold, so they are not placed. Values that
cannot be found are reported, never guessed.

A gold Doc also carries the views the trained models learn (`model_views`):
`doc.ents` holds the labels `ner` learns (OUTCOME, DRUG) and `doc.spans["imr_spans"]`
the overlapping spans `spancat` learns (CRITERION, DRUG); `doc.spans["imr"]` keeps
every gold span. The silver training Docs get the same views.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, Iterable, List, Optional, Tuple

import srsly
from spacy.language import Language
from spacy.tokens import Doc, DocBin, Span

from ..components.entities import ENTITIES_KEY, best_entities

OUTCOME_RE = re.compile(r":\s*(Upheld|Overturned)\b", re.IGNORECASE)
# 2013 letters: "1) MAXIMUS ... has determined the request for X is not medically necessary and appropriate."
NUMBERED_LINE_RE = re.compile(r"^[ \t]*(\d{1,2})[.)][ \t]+(Regarding\b)?", re.MULTILINE | re.IGNORECASE)
DETERMINED_RE = re.compile(r"\b(?:is|are|was|were)\s*((not\s*)?medically\s*necessary\s*and\s*appropriate)\s*\.", re.IGNORECASE)
BLANK_LINE_RE = re.compile(r"\n[ \t]*\n")
GOLD_LABELS = ("OUTCOME", "DRUG", "CRITERION")
GOLD_KEY = "imr_gold"  # doc.user_data: the letter's gold JSON, for the components' scorers
NER_LABELS = ("OUTCOME", "DRUG")  # what configs/ner.cfg learns (doc.ents)
SPANCAT_LABELS = ("CRITERION", "DRUG")  # what configs/spancat.cfg learns (overlapping spans)
SPANCAT_KEY = "imr_spans"  # spancat's span group


@dataclass
class Placement:
    """Where gold values were found in one letter, and what could not be found."""

    spans: List[Tuple[int, int, str]] = field(default_factory=list)
    missing: List[str] = field(default_factory=list)


def flexible_pattern(value: str, word_bounded: bool = True) -> re.Pattern:
    """A regex matching `value` whatever the line breaks, spacing and hyphen wraps."""
    parts = []
    for word in value.split():
        pieces = [re.escape(piece) for piece in word.split("-")]
        parts.append(r"-\s*".join(pieces))
    body = r"\s+".join(parts)
    if word_bounded:
        body = rf"(?<![A-Za-z0-9]){body}(?![A-Za-z0-9])"
    return re.compile(body, re.IGNORECASE)


def place_gold(text: str, gold: Dict[str, Any]) -> Placement:
    """Character offsets of the gold outcomes, drug mentions and absent criteria."""
    placement = Placement()
    decisions = gold.get("decisions", [])
    outcomes = list(OUTCOME_RE.finditer(text))
    if len(outcomes) >= len(decisions):
        outcomes = outcomes[-len(decisions) :] if decisions else []
    for match in outcomes:
        placement.spans.append((match.start(1), match.end(1), "OUTCOME"))
    if decisions and len(outcomes) < len(decisions):  # 2013: the outcomes are in the numbered determinations
        determined = determination_outcomes(text)
        for number, decision in enumerate(decisions, start=1):
            found = determined.get(number)
            if found is None or found[2] != decision.get("outcome"):
                placement.missing.append(f"outcome of decision {number}")
                continue
            placement.spans.append((found[0], found[1], "OUTCOME"))
    position = 0
    for name in gold.get("drug_mentions", []):
        found = flexible_pattern(name).search(text, position)
        if found is None:
            placement.missing.append(f"drug mention {name!r}")
            continue
        placement.spans.append((found.start(), found.end(), "DRUG"))
        position = found.end()
    bounds = [m.start() for m in outcomes] + [len(text)]
    for index, decision in enumerate(decisions):
        start = bounds[index] if index < len(bounds) - 1 else 0
        end = bounds[index + 1] if index + 1 < len(bounds) else len(text)
        position = start
        for criterion in decision.get("negated_criteria", []):
            found = flexible_pattern(criterion, word_bounded=False).search(text, position, end)
            if found is None:
                found = flexible_pattern(criterion, word_bounded=False).search(text, start, end)
            if found is None:
                placement.missing.append(f"criterion {criterion[:60]!r}")
                continue
            placement.spans.append((found.start(), found.end(), "CRITERION"))
            position = found.end()
    return placement


def determination_outcomes(text: str) -> Dict[int, Tuple[int, int, str]]:
    """{number: (start, end, outcome)} of the first numbered determination of each item (2013
    letters): "N) ... is (not) medically necessary and appropriate." in one paragraph, whose
    numbered line is not an item block's "N) Regarding the request for X:"."""
    numbered = list(NUMBERED_LINE_RE.finditer(text))
    found: Dict[int, Tuple[int, int, str]] = {}
    for match in DETERMINED_RE.finditer(text):
        line = next((n for n in reversed(numbered) if n.start() < match.start()), None)
        if line is None or line.group(2) or BLANK_LINE_RE.search(text, line.end(), match.start()):
            continue
        outcome = "upheld" if match.group(2) else "overturned"
        found.setdefault(int(line.group(1)), (match.start(1), match.end(1), outcome))
    return found


def model_views(doc: Doc) -> Doc:
    """What the trained models learn, from `doc.spans["imr"]`: `doc.ents` = the NER_LABELS spans
    (non-overlapping, every other token outside), `doc.spans[SPANCAT_KEY]` = the SPANCAT_LABELS
    spans (overlapping)."""
    group = list(doc.spans.get(ENTITIES_KEY, []))
    doc.set_ents(best_entities([s for s in group if s.label_ in NER_LABELS]), default="outside")
    spans = [s for s in group if s.label_ in SPANCAT_LABELS]
    doc.spans[SPANCAT_KEY] = spans
    return doc


def gold_doc(nlp: Language, text: str, gold: Dict[str, Any]) -> Tuple[Doc, List[str]]:
    """A Doc with the gold spans in `doc.spans["imr"]` and `doc.ents`."""
    doc = nlp.make_doc(text)
    placement = place_gold(text, gold)
    spans: List[Span] = []
    for start, end, label in placement.spans:
        span = doc.char_span(start, end, label=label, alignment_mode="expand")
        if span is not None:
            spans.append(span)
    doc.spans[ENTITIES_KEY] = sorted(spans, key=lambda s: (s.start, -s.end))
    model_views(doc)
    doc.user_data["imr_id"] = gold["id"]
    doc.user_data[GOLD_KEY] = gold
    return doc, placement.missing


def record_to_gold(record: Dict[str, Any]) -> Dict[str, Any]:
    """An `imr/1` record in the shape of a gold file (`annotation-guide.md`), so a
    Doc annotated by the pipeline can be the reference of an evaluation."""
    decisions = []
    for decision in record.get("decisions", []):
        absent = [c for c in decision.get("criteria", []) if c.get("assertion") == "absent"]
        citations = decision.get("citations", [])
        decisions.append(
            {
                "item": decision.get("item") or "",
                "outcome": decision.get("outcome"),
                "medically_necessary": decision.get("medically_necessary"),
                "drugs": [
                    {key: drug.get(key) for key in ("name", "strength", "quantity", "refills")} for drug in decision.get("drugs", [])
                ],
                "citations": [
                    {**{key: citation.get(key) for key in ("cited_by", "source", "edition", "sections", "pages")}, "title": citation.get("title_as_written")}
                    for citation in citations
                    if citation.get("cited_by") != "rationale"
                ],
                "cited_none": list(decision.get("cited_none", [])),
                "rationale_pages": [page for c in citations if c.get("cited_by") == "rationale" for page in c.get("pages") or []],
                "negated_criteria": [c["text"] for c in absent],
                "criteria_categories": [c.get("category") for c in absent],
            }
        )
    return {
        "id": record.get("id"),
        "case": record.get("case") or {},
        "reviewer": record.get("reviewer") or {},
        "patient": record.get("patient") or {},
        "decisions": decisions,
        "drug_mentions": [e.get("name") or e["text"] for e in record.get("entities", []) if e.get("label") == "DRUG"],
    }


def gold_docbin(
    nlp: Language, gold_dir: Path, letter_dirs: Iterable[Path], ids: Optional[Iterable[str]] = None
) -> Tuple[DocBin, Dict[str, List[str]]]:
    """Every gold letter (or those of `ids`) as a Doc (texts looked up by id in `letter_dirs`)."""
    docbin = DocBin(store_user_data=True)
    missing: Dict[str, List[str]] = {}
    folders = list(letter_dirs)
    wanted = None if ids is None else set(ids)
    for path in sorted(Path(gold_dir).glob("*.json")):
        if wanted is not None and path.stem not in wanted:
            continue
        gold = srsly.read_json(path)
        text_path = next((f / f"{gold['id']}.txt" for f in folders if (f / f"{gold['id']}.txt").exists()), None)
        if text_path is None:
            missing[gold["id"]] = ["letter text not found"]
            continue
        doc, not_found = gold_doc(nlp, text_path.read_text(encoding="utf8"), gold)
        docbin.add(doc)
        if not_found:
            missing[gold["id"]] = not_found
    return docbin, missing
