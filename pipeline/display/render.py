"""A letter as a self-contained HTML page: displaCy's span view plus a table per decision.

The entity spans of `doc.spans["imr"]` are shown with displaCy (`style="span"`),
one colour per label. CRITERION spans are shown by assertion, as
CRITERION_ABSENT / CRITERION_PRESENT / CRITERION_REQUIREMENT. The colours are
registered with spaCy through the `spacy_displacy_colors` entry point
(`DISPLACY_COLORS`), so a plain `displacy.render(doc, style="span",
options={"spans_key": "imr"})` uses them too.

The letter is rendered paragraph by paragraph (paragraphs from the letter's own
line spacing, `layout.paragraph_starts`), so the page keeps the letter's
layout; each decision's table links to the paragraph where its block starts.
"""
from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Tuple, Union

from spacy import displacy
from spacy.displacy.render import SpanRenderer
from spacy.language import Language
from spacy.tokens import Doc, Span

from ..components import extensions  # noqa: F401  (registers the imr_* attributes)
from ..components.entities import ENTITIES_KEY, ENTITY_LABELS
from ..components.layout import collapse, paragraph_start_before, paragraph_starts
from ..io.record import doc_to_record
from .report import as_list, esc, page_label

# Background colours of the span labels (dark text on a light colour).
DISPLACY_COLORS: Dict[str, str] = {
    "OUTCOME": "#f4a261",
    "DRUG": "#8ecae6",
    "CITATION": "#cdb4db",
    "CRITERION": "#e9c46a",
    "CRITERION_ABSENT": "#ef8a8a",
    "CRITERION_PRESENT": "#95d5b2",
    "CRITERION_REQUIREMENT": "#ffd166",
}
ATTRIBUTE_COLOR = "#d9dee5"  # any other label (attribute spans such as STRENGTH, PAGES)
ASSERTIONS = ("absent", "present", "requirement")
LEGEND_ORDER = ("OUTCOME", "DRUG", "CITATION", "CRITERION_ABSENT", "CRITERION_PRESENT", "CRITERION_REQUIREMENT", "CRITERION")
PathLike = Union[str, Path]


class LetterError(ValueError):
    """A letter file that cannot be rendered (unreadable, not an IMR letter)."""


def display_label(span: Span) -> str:
    """The label shown for a span: CRITERION by assertion, others as they are."""
    if span.label_ == "CRITERION":
        info = span._.imr_criterion if isinstance(span._.imr_criterion, dict) else {}
        assertion = str(info.get("assertion") or "").lower()
        if assertion in ASSERTIONS:
            return f"CRITERION_{assertion.upper()}"
    return span.label_


def display_doc(doc: Doc, all_spans: bool = False) -> Doc:
    """A copy of `doc` whose `spans["imr"]` carries the display labels.

    Only the entity labels (OUTCOME, DRUG, CITATION, CRITERION) are kept unless
    `all_spans`, which keeps attribute spans (e.g. STRENGTH, PAGES) too.
    """
    view = doc.copy()
    spans = [
        Span(view, s.start, s.end, label=display_label(s))
        for s in doc.spans.get(ENTITIES_KEY, [])
        if all_spans or s.label_ in ENTITY_LABELS
    ]
    view.spans[ENTITIES_KEY] = spans
    return view


def paragraph_ranges(text: str) -> List[Tuple[int, int]]:
    """(start, end) character ranges of the letter's paragraphs, covering the text.

    A short all-caps first line (a heading run into its paragraph by PDF
    spacing) becomes a paragraph of its own.
    """
    starts = paragraph_starts(text) or [0]
    starts[0] = 0
    ranges = []
    for start, end in zip(starts, starts[1:] + [len(text)]):
        head = text[start:end].lstrip()
        offset = start + len(text[start:end]) - len(head)
        first_line = head.split("\n", 1)[0]
        rest = head[len(first_line) :]
        if is_heading(first_line) and rest.strip():
            split = offset + len(first_line) + len(rest) - len(rest.lstrip())
            ranges += [(start, split), (split, end)]
        else:
            ranges.append((start, end))
    return ranges


def is_heading(line: str) -> bool:
    """A short line in capitals, e.g. "CLINICAL CASE SUMMARY"."""
    line = line.strip()
    return 3 <= len(line) <= 90 and line.upper() == line and sum(c.isalpha() for c in line) >= 3


def display_tokens(doc: Doc, first: int, last: int, boundaries: set) -> Tuple[List[str], Dict[int, int]]:
    """Tokens `first..last-1` joined where the letter has no space between them
    (so "employee," not "employee ,") unless a span starts or ends there.

    Returns the display tokens and, for each token index, its display index.
    """
    texts: List[str] = []
    index: Dict[int, int] = {}
    for i in range(first, last):
        token = doc[i]
        join = (
            i > first
            and not doc[i - 1].whitespace_
            and i not in boundaries
            and not token.is_space
            and not doc[i - 1].is_space
        )
        if join:
            texts[-1] += token.text
        else:
            texts.append(token.text)
        index[i] = len(texts) - 1
    index[last] = len(texts)
    return texts, index


def render_paragraphs(
    doc: Doc, spans_key: str = ENTITIES_KEY, options: Optional[Dict[str, Any]] = None
) -> List[Tuple[int, int, str]]:
    """displaCy span markup for each paragraph: [(start offset, end offset, html)]."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # W117: no spans in the group
        parsed = displacy.parse_spans(doc, {"spans_key": spans_key})
    renderer = SpanRenderer(options or {})
    spans = parsed["spans"]
    boundaries = {s["start_token"] for s in spans} | {s["end_token"] for s in spans}
    out = []
    first = 0
    for start, end in paragraph_ranges(doc.text):
        last = first
        while last < len(doc) and doc[last].idx < end:
            last += 1
        if last == first:
            continue
        texts, index = display_tokens(doc, first, last, boundaries)
        local = [
            {**s, "start_token": index[s["start_token"]], "end_token": index[min(s["end_token"], last)]}
            for s in spans
            if first <= s["start_token"] < last
        ]
        if any(t.strip() for t in texts):
            out.append((start, end, renderer.render_spans(texts, local, None)))
        first = last
    return out


# ---------------------------------------------------------------- decision tables


def fmt_strength(strength: Any) -> str:
    parts = []
    for item in as_list(strength):
        if isinstance(item, dict):
            parts.append(" ".join(str(v) for v in (item.get("value"), item.get("unit")) if v not in (None, "")))
        elif item not in (None, ""):
            parts.append(str(item))
    return "/".join(p for p in parts if p)


def fmt_drug(drug: Dict[str, Any]) -> str:
    name = drug.get("name") or drug.get("text") or drug.get("generic") or "?"
    bits = [str(name)]
    strength = fmt_strength(drug.get("strength"))
    if strength:
        bits.append(strength)
    if drug.get("quantity") not in (None, ""):
        bits.append(f"#{drug['quantity']}")
    text = " ".join(bits)
    if drug.get("refills") not in (None, ""):
        text += f", {drug['refills']} refill{'' if str(drug['refills']) == '1' else 's'}"
    details = [str(v) for v in (drug.get("generic"), drug.get("drug_class")) if v and str(v).casefold() != str(name).casefold()]
    return text + (f" ({', '.join(details)})" if details else "")


def fmt_pages(pages: Any) -> str:
    return ", ".join(label for label in (page_label(p) for p in as_list(pages)) if label)


def fmt_citation(citation: Dict[str, Any]) -> str:
    title = citation.get("title_canonical") or citation.get("title") or citation.get("text") or "?"
    text = " · ".join(str(v) for v in (citation.get("source"), title) if v)
    sections = [str(s) for s in as_list(citation.get("sections")) if s]
    if sections:
        text += " — § " + "; ".join(sections)
    pages = fmt_pages(citation.get("pages"))
    if pages:
        text += f", p. {pages}"
    if citation.get("cited_by"):
        text += f" [{str(citation['cited_by']).replace('_', ' ')}]"
    return text


def fmt_criterion(criterion: Dict[str, Any]) -> str:
    category = criterion.get("category")
    words = collapse(str(criterion.get("text") or criterion.get("cue") or ""))
    if category and words:
        return f"{category}: {words}"
    return str(category or words or "?")


def list_cell(items: Sequence[str], empty: str = "none found") -> str:
    if not items:
        return f'<span class="none">{esc(empty)}</span>'
    return "<ul>" + "".join(f"<li>{esc(i)}</li>" for i in items) + "</ul>"


def decision_table(index: int, decision: Dict[str, Any], anchor: Optional[str]) -> str:
    """One decision as a two-column table: item, outcome, drugs, citations, absent criteria."""
    outcome = decision.get("outcome")
    necessary = {True: "yes", False: "no"}.get(decision.get("medically_necessary"), "not stated")
    drugs = [fmt_drug(d) for d in as_list(decision.get("drugs")) if isinstance(d, dict)]
    citations = [fmt_citation(c) for c in as_list(decision.get("citations")) if isinstance(c, dict)]
    absent = [fmt_criterion(c) for c in as_list(decision.get("criteria")) if isinstance(c, dict) and str(c.get("assertion") or "").lower() == "absent"]
    cited_none = [str(c).replace("_", " ") for c in as_list(decision.get("cited_none")) if c]
    badge = f'<span class="badge {esc(outcome or "unknown")}">{esc((outcome or "outcome not found").capitalize())}</span>'
    link = f' <a class="jump" href="#{esc(anchor)}">in letter ↓</a>' if anchor else ""
    rows = [
        ("Item", esc(decision.get("item") or "?")),
        ("Outcome", badge + link),
        ("Medically necessary", esc(necessary)),
        ("Drugs", list_cell(drugs)),
        ("Citations", list_cell(citations + [f"cited none: {c}" for c in cited_none])),
        ("Absent criteria", list_cell(absent)),
    ]
    body = "".join(f'<tr><th scope="row">{name}</th><td>{value}</td></tr>' for name, value in rows)
    return (
        f'<table class="decision" id="decision-{index}" data-outcome="{esc(outcome or "")}">'
        f"<caption>Decision {index}</caption><tbody>{body}</tbody></table>"
    )


def metadata_line(record: Dict[str, Any]) -> str:
    """Case, reviewer and patient facts when the metadata component filled them."""
    case = record.get("case") if isinstance(record.get("case"), dict) else {}
    reviewer = record.get("reviewer") if isinstance(record.get("reviewer"), dict) else {}
    patient = record.get("patient") if isinstance(record.get("patient"), dict) else {}
    facts = []
    if case.get("case_number"):
        facts.append(f"case {case['case_number']}")
    if case.get("decision_date"):
        facts.append(f"decided {case['decision_date']}")
    specialties = [str(s) for s in as_list(reviewer.get("specialties")) if s]
    if specialties:
        facts.append("reviewer: " + ", ".join(specialties))
    who = " ".join(str(v) for v in ((f"{patient['age']}-year-old" if patient.get("age") else None), patient.get("sex")) if v)
    if who:
        facts.append(f"patient: {who}")
    if record.get("template"):
        facts.append(f"template {record['template']}")
    return " · ".join(facts)


# ---------------------------------------------------------------- the page

CSS = """
:root { --ink:#1d2733; --muted:#5b6675; --line:#dde2e8; --bg:#f6f7f9; --accent:#3b6ea5; }
* { box-sizing:border-box; }
body { margin:0; font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif; color:var(--ink); background:var(--bg); }
header.top { background:#1f2f46; color:#fff; padding:22px 32px 18px; }
header.top h1 { margin:0 0 2px; font-size:22px; font-weight:650; }
header.top p { margin:0; color:#c9d3e0; font-size:13.5px; }
.legend { display:flex; flex-wrap:wrap; gap:8px 14px; padding:10px 32px; background:#fff; border-bottom:1px solid var(--line); font-size:12.5px; position:sticky; top:0; z-index:30; }
.legend .item { display:inline-flex; align-items:center; gap:6px; }
.legend .swatch { display:inline-block; padding:1px 6px; border-radius:3px; font-weight:700; font-size:11px; color:#000; }
.legend .count { color:var(--muted); }
.layout { display:grid; grid-template-columns:minmax(0,1.45fr) minmax(360px,1fr); gap:24px; padding:20px 32px 48px; max-width:1500px; margin:0 auto; }
@media (max-width: 1000px) { .layout { grid-template-columns:minmax(0,1fr); padding:16px; } aside.decisions { position:static; max-height:none; } }
@media print { .legend { position:static; } aside.decisions { position:static; max-height:none; overflow:visible; } body { background:#fff; } }
article.letter { background:#fff; border:1px solid var(--line); border-radius:10px; padding:18px 26px; }
article.letter h2, aside h2 { font-size:13px; text-transform:uppercase; letter-spacing:.6px; color:var(--muted); margin:0 0 8px; }
.para { margin:0 0 4px; padding:2px 0 2px 12px; border-left:3px solid transparent; scroll-margin-top:64px; }
.para.heading .spans { font-weight:700; letter-spacing:.3px; color:#1f2f46; }
.para.heading { margin-top:14px; }
.para.decision-start { border-left-color:#3b6ea5; background:linear-gradient(90deg,#eef4fb,transparent 60%); }
.para .spans { line-height:1.95 !important; font-size:14.5px; }
.para .marker { font-size:11px; font-weight:700; color:#3b6ea5; text-transform:uppercase; letter-spacing:.5px; }
aside.decisions { position:sticky; top:52px; align-self:start; max-height:calc(100vh - 64px); overflow:auto; }
table.decision { width:100%; border-collapse:collapse; background:#fff; border:1px solid var(--line); border-radius:10px; margin:0 0 14px; font-size:13.5px; overflow:hidden; }
table.decision caption { text-align:left; font-weight:650; font-size:14px; padding:0 2px 6px; }
table.decision th { width:30%; text-align:left; vertical-align:top; color:var(--muted); font-weight:600; padding:6px 10px; border-top:1px solid var(--line); background:#fafbfc; }
table.decision td { vertical-align:top; padding:6px 10px; border-top:1px solid var(--line); }
table.decision tr:first-child th, table.decision tr:first-child td { border-top:0; }
table.decision ul { margin:0; padding-left:18px; }
.none { color:#8a94a3; font-style:italic; }
.badge { display:inline-block; padding:1px 9px; border-radius:999px; font-size:12px; font-weight:650; }
.badge.upheld { background:#f6dcd9; color:#8a2f2c; }
.badge.overturned { background:#d8efe2; color:#1f6a43; }
.badge.unknown { background:#e6e9ee; color:#4a5563; }
a.jump { font-size:12px; color:var(--accent); margin-left:8px; text-decoration:none; }
a.jump:hover { text-decoration:underline; }
p.empty { color:var(--muted); font-style:italic; }
"""


def legend(doc: Doc, colors: Dict[str, str]) -> str:
    counts: Dict[str, int] = {}
    for span in doc.spans.get(ENTITIES_KEY, []):
        counts[span.label_] = counts.get(span.label_, 0) + 1
    labels = [label for label in LEGEND_ORDER if label != "CRITERION" or counts.get("CRITERION")]
    labels += sorted(label for label in counts if label not in labels)
    items = "".join(
        f'<span class="item" data-label="{esc(label)}"><span class="swatch" style="background:{esc(colors.get(label, "#ddd"))}">'
        f'{esc(label)}</span><span class="count">{counts.get(label, 0)}</span></span>'
        for label in labels
    )
    return f'<div class="legend" role="note" aria-label="Span labels and counts">{items}</div>'


def render_letter(doc: Doc, record: Dict[str, Any], *, all_spans: bool = False, title: Optional[str] = None) -> str:
    """The page for one annotated letter and its `imr/1` record."""
    view = display_doc(doc, all_spans=all_spans)
    colors = {s.label_: ATTRIBUTE_COLOR for s in view.spans[ENTITIES_KEY]}
    colors.update(DISPLACY_COLORS)
    paragraphs = render_paragraphs(view, options={"colors": colors})
    starts = [start for start, _, _ in paragraphs]
    decisions = [d for d in as_list(record.get("decisions")) if isinstance(d, dict)]
    anchor_of: Dict[int, List[int]] = {}
    for number, decision in enumerate(decisions, start=1):
        if isinstance(decision.get("start"), int) and starts:
            anchor_of.setdefault(paragraph_start_before(starts, decision["start"]), []).append(number)
    parts = []
    for start, end, markup in paragraphs:
        classes = ["para"]
        if is_heading(collapse(doc.text[start:end])):
            classes.append("heading")
        marker = ""
        if start in anchor_of:
            classes.append("decision-start")
            numbers = ", ".join(str(n) for n in anchor_of[start])
            marker = f'<a class="marker" href="#decision-{anchor_of[start][0]}">Decision {numbers} ↗</a>'
        parts.append(f'<div class="{" ".join(classes)}" id="p{start}">{marker}{markup}</div>')
    tables = "".join(
        decision_table(number, decision, f"p{paragraph_start_before(starts, decision['start'])}" if isinstance(decision.get("start"), int) and starts else None)
        for number, decision in enumerate(decisions, start=1)
    ) or '<p class="empty">No decisions found in this letter.</p>'
    letter_id = record.get("id") or "letter"
    page_title = title or f"IMR letter {letter_id}"
    facts = metadata_line(record)
    outcomes = [d.get("outcome") for d in decisions]
    subtitle = " · ".join(
        x
        for x in (
            str(record.get("source") or ""),
            f"{len(decisions)} decision{'' if len(decisions) == 1 else 's'} ({outcomes.count('upheld')} upheld, {outcomes.count('overturned')} overturned)",
            facts,
        )
        if x
    )
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{esc(page_title)}</title><style>{CSS}</style></head><body>"
        f'<header class="top"><h1>{esc(page_title)}</h1><p>{esc(subtitle)}</p></header>'
        f"{legend(view, colors)}"
        '<div class="layout">'
        f'<article class="letter" aria-label="Letter text with annotations"><h2>Letter</h2>{"".join(parts)}</article>'
        f'<aside class="decisions" aria-label="Decisions"><h2>Decisions</h2>{tables}</aside>'
        "</div></body></html>\n"
    )


def annotate_file(path: PathLike, nlp: Language) -> Tuple[Doc, Dict[str, Any]]:
    """Run the pipeline on one letter file: (doc, imr/1 record). Raises LetterError."""
    from ..io.inputs import read_text_letter

    letter = read_text_letter(Path(path))
    if letter.error is not None or letter.text is None:
        raise LetterError(f"{path}: {letter.error}")
    doc = nlp(letter.text)
    return doc, doc_to_record(doc, letter.id, letter.source)


def render_file(path: PathLike, nlp: Language, output: PathLike, *, all_spans: bool = False) -> Dict[str, Any]:
    """Annotate a letter file and write its page to `output`; returns the record."""
    doc, record = annotate_file(path, nlp)
    output = Path(output)
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(render_letter(doc, record, all_spans=all_spans), encoding="utf8")
    return record
