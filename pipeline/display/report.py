"""A corpus report from `imr/1` JSONL: counts, uphold rates, absent criteria, citations.

The input is streamed: `read_stats` parses one line at a time and only adds to
counters (`ReportStats.add`), so memory grows with the number of distinct
drugs, criteria and guidelines, not with the number of letters. A DuckDB file
written by `imr.io.export.export_records` is read the same way: its tables are
scanned side by side, in batches, and each letter's record fields are rebuilt
from its rows and added to the same counters.
`report_tables` turns the counters into `Table`s, which `render_report`
writes as one self-contained HTML page (inline CSS and SVG, no scripts, no
network) and `write_csv` as one CSV file per table.

Every record field read here is optional: records from a pipeline without the
drug, citation, criteria or metadata components (empty lists, nulls) give a
report whose sections say there is nothing to show.
"""
from __future__ import annotations

import csv
import html
import json
import os
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable, Dict, Iterable, Iterator, List, Optional, Sequence, Tuple, Union

from ..resources import patterns_path, read_rules

PathLike = Union[str, Path]
NOT_STATED = "(not stated)"
OTHER = "other"
DRUG_CATEGORY_PREFIX = "drug: "
TREATMENT_RULES = "treatment_categories.jsonl"
ITEM_CACHE_SIZE = 2**14
PAGE_RANGE_RE = re.compile(r"^(\w+)\s*[-–]\s*(\w+)$")
LINE_PREFIX_RE = re.compile(r"^line \d+:\s*")
DUCKDB_MAGIC = b"DUCK"


# ---------------------------------------------------------------- classifying


class TreatmentClassifier:
    """A decision's treatment category.

    `drug: <drug_class>` from the first of its drugs with a `drug_class`;
    otherwise the first keyword rule (`patterns/treatment_categories.jsonl`)
    matching its item text; otherwise "other".
    """

    def __init__(self, rules: Sequence[Dict[str, Any]]) -> None:
        self.rules: List[Tuple[str, re.Pattern]] = [
            (rule["category"], re.compile(rule["pattern"], re.IGNORECASE)) for rule in rules
        ]
        # The rules take ~0.1 ms per item and the same items recur (prescriptions): cache.
        self.item_category: Callable[[str], str] = lru_cache(maxsize=ITEM_CACHE_SIZE)(self._item_category)

    @classmethod
    def from_file(cls, path: Optional[PathLike] = None) -> "TreatmentClassifier":
        return cls(read_rules(path or patterns_path(TREATMENT_RULES)))

    def classify(self, decision: Dict[str, Any]) -> str:
        for drug in as_list(decision.get("drugs")):
            drug_class = text_value(drug.get("drug_class")) if isinstance(drug, dict) else None
            if drug_class:
                return DRUG_CATEGORY_PREFIX + drug_class
        return self.item_category(text_value(decision.get("item")) or "")

    def _item_category(self, item: str) -> str:
        """The first keyword rule matching `item`, else "other"."""
        for category, pattern in self.rules:
            if pattern.search(item):
                return category
        return OTHER


# ---------------------------------------------------------------- counting


@dataclass
class Outcomes:
    """Decisions of one group, by outcome."""

    decisions: int = 0
    upheld: int = 0
    overturned: int = 0

    def add(self, outcome: Optional[str]) -> None:
        self.decisions += 1
        if outcome == "upheld":
            self.upheld += 1
        elif outcome == "overturned":
            self.overturned += 1

    @property
    def decided(self) -> int:
        return self.upheld + self.overturned

    @property
    def uphold_rate(self) -> Optional[float]:
        """Upheld / (upheld + overturned); None when neither."""
        return self.upheld / self.decided if self.decided else None


@dataclass
class ReportStats:
    """Counters over a stream of `imr/1` records."""

    classifier: TreatmentClassifier = field(default_factory=TreatmentClassifier.from_file)
    letters: int = 0
    error_letters: int = 0
    error_reasons: Counter = field(default_factory=Counter)
    bad_lines: int = 0
    outcomes: Outcomes = field(default_factory=Outcomes)
    by_category: Dict[str, Outcomes] = field(default_factory=lambda: defaultdict(Outcomes))
    by_drug: Dict[str, Outcomes] = field(default_factory=lambda: defaultdict(Outcomes))
    drug_names: Dict[str, str] = field(default_factory=dict)
    by_specialty: Dict[str, Outcomes] = field(default_factory=lambda: defaultdict(Outcomes))
    absent: Counter = field(default_factory=Counter)
    absent_by_category: Dict[str, Counter] = field(default_factory=lambda: defaultdict(Counter))
    guideline_citations: Counter = field(default_factory=Counter)
    guideline_decisions: Counter = field(default_factory=Counter)
    places: Counter = field(default_factory=Counter)

    def add_line(self, line: str) -> None:
        """Count one JSONL line (blank lines are skipped, unparsable ones counted)."""
        if not line.strip():
            return
        try:
            record = json.loads(line)
        except ValueError:
            self.bad_lines += 1
            return
        if not isinstance(record, dict):
            self.bad_lines += 1
            return
        self.add(record)

    def add(self, record: Dict[str, Any]) -> None:
        """Count one letter's record."""
        self.letters += 1
        if record.get("error"):
            self.error_letters += 1
            self.error_reasons[error_reason(record["error"])] += 1
            return
        reviewer = record.get("reviewer") if isinstance(record.get("reviewer"), dict) else {}
        specialties = unique(text_value(s) for s in as_list(reviewer.get("specialties")))
        for decision in as_list(record.get("decisions")):
            if isinstance(decision, dict):
                self.add_decision(decision, specialties or [NOT_STATED])

    def add_decision(self, decision: Dict[str, Any], specialties: List[str]) -> None:
        outcome = decision.get("outcome")
        self.outcomes.add(outcome)
        category = self.classifier.classify(decision)
        self.by_category[category].add(outcome)
        for specialty in specialties:
            self.by_specialty[specialty].add(outcome)
        for key, name in unique_pairs(drug_key(d) for d in as_list(decision.get("drugs"))):
            self.drug_names.setdefault(key, name)
            self.by_drug[key].add(outcome)
        for criterion in unique(absent_criterion(c) for c in as_list(decision.get("criteria"))):
            self.absent[criterion] += 1
            self.absent_by_category[category][criterion] += 1
        cited = []
        for citation in as_list(decision.get("citations")):
            if not isinstance(citation, dict):
                continue
            guideline = guideline_name(citation)
            if guideline is None:
                continue
            self.guideline_citations[guideline] += 1
            cited.append(guideline)
            for place in citation_places(citation):
                self.places[(guideline, place)] += 1
        for guideline in unique(cited):
            self.guideline_decisions[guideline] += 1


def read_stats(path: PathLike, classifier: Optional[TreatmentClassifier] = None) -> ReportStats:
    """Stream an `imr/1` JSONL file, one line at a time, or a DuckDB file written by
    `imr.io.export.export_records`, one letter at a time, into counters."""
    stats = ReportStats(classifier=classifier or TreatmentClassifier.from_file())
    if is_duckdb(path):
        for record in duckdb_records(path):
            stats.add(record)
        return stats
    with Path(path).open(encoding="utf8") as handle:
        for line in handle:
            stats.add_line(line)
    return stats


def is_duckdb(path: PathLike) -> bool:
    """Whether `path` is a DuckDB database file (magic bytes "DUCK" at offset 8)."""
    with Path(path).open("rb") as handle:
        return handle.read(12)[8:] == DUCKDB_MAGIC


# The columns the report reads: per table, its key columns and its fields. Plain scans
# return a table's rows in insertion order, which export_records makes letter order.
LETTER_KEY = ("letter_id",)
DECISION_KEY = ("letter_id", "decision_index")
DUCKDB_SCANS: Dict[str, Tuple[Tuple[str, ...], Tuple[str, ...]]] = {
    "letters": ((), ("id", "error", "reviewer_specialties")),
    "decisions": (LETTER_KEY, ("decision_index", "item", "outcome")),
    "drugs": (DECISION_KEY, ("name", "generic", "drug_class")),
    "citations": (DECISION_KEY, ("source", "title", "title_canonical", "sections", "pages")),
    "criteria": (DECISION_KEY, ("text", "assertion", "category", "key")),
}


class RowGroups:
    """The rows of a table scan, taken a key at a time: `take(key)` returns the rows at the
    head of the scan whose first `width` columns equal `key` (without them)."""

    def __init__(self, rows: Iterator[Tuple[Any, ...]], width: int) -> None:
        self.rows = rows
        self.width = width
        self.head = next(rows, None)

    def take(self, key: Tuple[Any, ...]) -> List[Tuple[Any, ...]]:
        taken = []
        while self.head is not None and self.head[: self.width] == key:
            taken.append(self.head[self.width :])
            self.head = next(self.rows, None)
        return taken


def scan_rows(connection: Any, table: str, batch_size: int) -> Iterator[Tuple[Any, ...]]:
    """The key and field columns of a table (`DUCKDB_SCANS`), in insertion order, fetched in batches."""
    key, fields = DUCKDB_SCANS[table]
    result = connection.execute(f'SELECT {", ".join(key + fields)} FROM "{table}"')
    while True:
        rows = result.fetchmany(batch_size)
        if not rows:
            return
        yield from rows


def duckdb_records(path: PathLike, batch_size: int = 1000) -> Iterator[Dict[str, Any]]:
    """The letters of a DuckDB file written by `export_records`, as partial `imr/1` records.

    The tables are scanned side by side in export order (letters, and each letter's decisions,
    drugs, citations and criteria after one another), so memory does not grow with the file.
    """
    import duckdb

    with duckdb.connect(str(path), read_only=True) as connection:
        connection.execute("SET enable_progress_bar = false")
        parts = {
            name: RowGroups(scan_rows(connection.cursor(), name, batch_size), len(key))
            for name, (key, _) in DUCKDB_SCANS.items() if key
        }
        for letter_id, error, specialties in scan_rows(connection.cursor(), "letters", batch_size):
            decisions = [duckdb_decision(parts, letter_id, *row) for row in parts["decisions"].take((letter_id,))]
            yield {"id": letter_id, "error": error, "reviewer": {"specialties": specialties}, "decisions": decisions}
        left = [name for name, groups in parts.items() if groups.head is not None]
        if left:
            raise ValueError(f"{path}: rows of {', '.join(left)} are not in the order of the letters table; "
                             "write the database with export_records (imr export)")


def duckdb_decision(parts: Dict[str, RowGroups], letter_id: str, index: int, item: Optional[str],
                    outcome: Optional[str]) -> Dict[str, Any]:
    """A decision with its rows of drugs, citations and criteria."""
    decision: Dict[str, Any] = {"item": item, "outcome": outcome}
    for name in ("drugs", "citations", "criteria"):
        fields = DUCKDB_SCANS[name][1]
        decision[name] = [dict(zip(fields, row)) for row in parts[name].take((letter_id, index))]
    return decision


# ---------------------------------------------------------------- record fields


def as_list(value: Any) -> List[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def text_value(value: Any) -> Optional[str]:
    """A non-empty string with whitespace collapsed, or None."""
    if value is None or isinstance(value, (dict, list)):
        return None
    text = " ".join(str(value).split())
    return text or None


def unique(values: Iterable[Optional[str]]) -> List[str]:
    """Non-empty values, first occurrence kept, in order."""
    seen: Dict[str, None] = {}
    for value in values:
        if value and value not in seen:
            seen[value] = None
    return list(seen)


def unique_pairs(pairs: Iterable[Optional[Tuple[str, str]]]) -> List[Tuple[str, str]]:
    seen: Dict[str, str] = {}
    for pair in pairs:
        if pair and pair[0] not in seen:
            seen[pair[0]] = pair[1]
    return list(seen.items())


def error_reason(error: Any) -> str:
    """The kind of an error message: the text before its first colon, after a
    JSONL line's "line N: " prefix ("line 3: not JSON: ..." -> "not JSON")."""
    return LINE_PREFIX_RE.sub("", text_value(error) or "unknown error").split(":", 1)[0]


def drug_key(drug: Any) -> Optional[Tuple[str, str]]:
    """(grouping key, display name) of a drug: its generic name, else its name."""
    if not isinstance(drug, dict):
        return None
    name = text_value(drug.get("generic")) or text_value(drug.get("name")) or text_value(drug.get("text"))
    if name is None:
        return None
    return name.casefold(), name[:1].upper() + name[1:]


def absent_criterion(criterion: Any) -> Optional[str]:
    """The group of a criterion asserted absent: its category, else its `key`, else
    the `criterion_key` of its text (never its cue); None for other criteria."""
    if not isinstance(criterion, dict) or str(criterion.get("assertion") or "").lower() != "absent":
        return None
    category, key = text_value(criterion.get("category")), text_value(criterion.get("key"))
    return category or key or lemma_key(text_value(criterion.get("text")))


def lemma_key(text: Optional[str]) -> Optional[str]:
    """`imr.components.lemmas.criterion_key` of `text` (None when empty); spaCy is imported on first use."""
    if not text:
        return None
    from ..components.lemmas import criterion_key

    return criterion_key(text) or None


def guideline_name(citation: Dict[str, Any]) -> Optional[str]:
    """"SOURCE · Title" of a citation (canonical title preferred), or None."""
    source = text_value(citation.get("source"))
    title = text_value(citation.get("title_canonical")) or text_value(citation.get("title"))
    if source and title:
        return f"{source} · {title}"
    return title or source


def citation_places(citation: Dict[str, Any]) -> List[str]:
    """The sections and pages a citation points to, e.g. ["§ Opioids", "p. 74–80"]."""
    places = [f"§ {s}" for s in unique(text_value(s) for s in as_list(citation.get("sections")))]
    places += [f"p. {p}" for p in unique(page_label(p) for p in as_list(citation.get("pages")))]
    return places


def page_label(page: Any) -> Optional[str]:
    """A page or page range: 80, "80", [74, 80] or {"start": 74, "end": 80}."""
    if isinstance(page, dict):
        page = [page.get("start"), page.get("end")]
    if isinstance(page, (list, tuple)):
        ends = [text_value(p) for p in page if text_value(p)]
        if not ends:
            return None
        return ends[0] if len(set(ends)) == 1 else f"{ends[0]}–{ends[-1]}"
    text = text_value(page)
    match = PAGE_RANGE_RE.match(text or "")
    return f"{match.group(1)}–{match.group(2)}" if match else text


# ---------------------------------------------------------------- tables


@dataclass
class Table:
    """One table of the report; `chart` is "outcomes", "counts" or None."""

    key: str
    title: str
    description: str
    columns: List[str]
    rows: List[List[Any]]
    chart: Optional[str] = None
    top: Optional[int] = None
    empty: str = "Nothing to show."
    group: bool = False

    @property
    def shown(self) -> List[List[Any]]:
        return self.rows[: self.top] if self.top else self.rows


OUTCOME_COLUMNS = ["decisions", "upheld", "overturned", "uphold_rate"]


def outcome_rows(groups: Dict[str, Outcomes], names: Optional[Dict[str, str]] = None) -> List[List[Any]]:
    """[name, decisions, upheld, overturned, rate] by decisions desc, then name."""
    rows = [
        [(names or {}).get(key, key), g.decisions, g.upheld, g.overturned, rate_value(g.uphold_rate)]
        for key, g in groups.items()
    ]
    return sorted(rows, key=lambda r: (-r[1], str(r[0]).casefold()))


def count_rows(counter: Counter) -> List[List[Any]]:
    """[key, count] by count desc, then key (tuples compared part by part), case-insensitively."""

    def order(item: Tuple[Any, int]) -> Tuple[int, Tuple[str, ...]]:
        key = item[0] if isinstance(item[0], tuple) else (item[0],)
        return -item[1], tuple(str(k).casefold() for k in key)

    return [[key, count] for key, count in sorted(counter.items(), key=order)]


def rate_value(rate: Optional[float]) -> Optional[float]:
    return None if rate is None else round(rate, 4)


def summary_rows(stats: ReportStats) -> List[List[Any]]:
    rows = [
        ["letters", stats.letters],
        ["letters with errors", stats.error_letters],
        ["decisions", stats.outcomes.decisions],
        ["upheld", stats.outcomes.upheld],
        ["overturned", stats.outcomes.overturned],
        ["outcome not found", stats.outcomes.decisions - stats.outcomes.decided],
        ["uphold rate", rate_value(stats.outcomes.uphold_rate)],
    ]
    if stats.bad_lines:
        rows.append(["unreadable lines", stats.bad_lines])
    return rows


def report_tables(stats: ReportStats, top: int = 20) -> List[Table]:
    """The report's tables, in page order; CSV files get every row, the page the top ones."""
    guideline_rows = [
        [name, count, stats.guideline_decisions[name]] for name, count in count_rows(stats.guideline_citations)
    ]
    place_rows = [[guideline, place, count] for (guideline, place), count in count_rows(stats.places)]
    per_category = []
    category_size = {key: g.decisions for key, g in stats.by_category.items()}
    for category, _ in sorted(category_size.items(), key=lambda kv: (-kv[1], kv[0].casefold())):
        for criterion, count in count_rows(stats.absent_by_category.get(category, Counter()))[:5]:
            per_category.append([category, criterion, count, rate_value(count / category_size[category])])
    return [
        Table("summary", "Summary", "Letters and decisions in the annotations.", ["measure", "value"], summary_rows(stats)),
        Table(
            "by_category",
            "Uphold rate by treatment category",
            "Each decision is classified by its drugs' drug class when known, else by keyword rules on the "
            "item text (patterns/treatment_categories.jsonl). Bar length is the number of decisions; the dark "
            "part is upheld (denial stands), the light part overturned.",
            ["category"] + OUTCOME_COLUMNS,
            outcome_rows(stats.by_category),
            chart="outcomes",
            empty="No decisions.",
        ),
        Table(
            "by_drug",
            f"Uphold rate by drug (top {top})",
            "Decisions naming each drug (generic name when known). A decision naming two drugs counts for both.",
            ["drug"] + OUTCOME_COLUMNS,
            outcome_rows(stats.by_drug, stats.drug_names),
            chart="outcomes",
            top=top,
            empty="No drugs in these annotations (decisions[].drugs is empty).",
        ),
        Table(
            "absent_criteria",
            f"Most frequent absent criteria (top {top})",
            "Decisions in which the reviewer found a criterion absent, by criterion category, else by the criterion's "
            "lemma key (its words' lemmas, stop words dropped: \"red flags\" and \"red flag\" are one row).",
            ["criterion", "decisions"],
            count_rows(stats.absent),
            chart="counts",
            top=top,
            empty="No absent criteria in these annotations (decisions[].criteria is empty).",
        ),
        Table(
            "absent_criteria_by_category",
            "Most frequent absent criteria per treatment category (top 5 each)",
            "Share is of the treatment category's decisions.",
            ["category", "criterion", "decisions", "share"],
            per_category,
            empty="No absent criteria in these annotations.",
            group=True,
        ),
        Table(
            "guidelines",
            f"Most cited guidelines (top {top})",
            "Citations of each guideline, and the number of decisions citing it.",
            ["guideline", "citations", "decisions"],
            guideline_rows,
            chart="counts",
            top=top,
            empty="No citations in these annotations (decisions[].citations is empty).",
        ),
        Table(
            "guideline_places",
            f"Most cited sections and pages (top {top})",
            "Citations naming each section (§) or page range (p.) of a guideline.",
            ["guideline", "section_or_page", "citations"],
            place_rows,
            chart="counts",
            top=top,
            empty="No cited sections or pages in these annotations.",
        ),
        Table(
            "by_specialty",
            "Uphold rate by reviewer specialty",
            "Decisions by the specialties of the letter's expert reviewer; a reviewer with two specialties counts for both.",
            ["specialty"] + OUTCOME_COLUMNS,
            outcome_rows(stats.by_specialty),
            chart="outcomes",
            top=top,
            empty="No decisions.",
        ),
        Table(
            "errors",
            "Letters with errors, by reason",
            "Inputs that could not be annotated (error records).",
            ["reason", "letters"],
            count_rows(stats.error_reasons),
            empty="No letters with errors.",
        ),
    ]


# ---------------------------------------------------------------- CSV


def write_csv(tables: Iterable[Table], folder: PathLike) -> List[Path]:
    """One `<key>.csv` per table, every row, in `folder` (UTF-8 with a byte-order mark)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for table in tables:
        path = folder / f"{table.key}.csv"
        with path.open("w", encoding="utf-8-sig", newline="") as handle:  # the BOM tells Excel it is UTF-8
            writer = csv.writer(handle)
            writer.writerow(table.columns)
            writer.writerows([["" if v is None else v for v in row] for row in table.rows])
        written.append(path)
    return written


# ---------------------------------------------------------------- HTML

UPHELD_COLOR = "#9f3a38"
OVERTURNED_COLOR = "#e8b4a6"
COUNT_COLOR = "#3b6ea5"

CSS = """
:root { --ink:#1d2733; --muted:#5b6675; --line:#dde2e8; --bg:#f6f7f9; --card:#fff; --accent:#3b6ea5; }
* { box-sizing: border-box; }
body { margin:0; font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif; color:var(--ink); background:var(--bg); }
header.top { background:#1f2f46; color:#fff; padding:28px 40px 24px; }
header.top h1 { margin:0 0 4px; font-size:26px; font-weight:650; letter-spacing:.2px; }
header.top p { margin:0; color:#c9d3e0; font-size:14px; }
nav.toc { display:flex; flex-wrap:wrap; gap:4px 18px; padding:10px 40px; background:#fff; border-bottom:1px solid var(--line); font-size:13.5px; position:sticky; top:0; z-index:2; }
nav.toc a { color:var(--accent); text-decoration:none; white-space:nowrap; }
nav.toc a:hover { text-decoration:underline; }
main { max-width:1360px; margin:0 auto; padding:24px 40px 60px; }
.cards { display:grid; grid-template-columns:repeat(auto-fit,minmax(170px,1fr)); gap:14px; margin:0 0 28px; }
.card { background:var(--card); border:1px solid var(--line); border-radius:10px; padding:14px 18px; }
.card .value { font-size:28px; font-weight:650; font-variant-numeric:tabular-nums; }
.card .label { color:var(--muted); font-size:13px; text-transform:uppercase; letter-spacing:.5px; }
.card .sub { color:var(--muted); font-size:13px; }
section.block { background:var(--card); border:1px solid var(--line); border-radius:10px; padding:20px 24px; margin:0 0 22px; }
section.block h2 { margin:0 0 4px; font-size:19px; font-weight:650; }
section.block p.desc { margin:0 0 14px; color:var(--muted); font-size:14px; max-width:80ch; }
.pair { display:grid; grid-template-columns:minmax(0,1.3fr) minmax(0,1fr); gap:28px; align-items:start; }
.pair.single { grid-template-columns:minmax(0,1fr); }
.pair.narrow { max-width:520px; }
.pair.medium { max-width:900px; }
@media (max-width: 1000px) { .pair { grid-template-columns:minmax(0,1fr); } main, header.top, nav.toc { padding-left:18px; padding-right:18px; } }
figure { margin:0; }
figure svg { width:100%; max-width:720px; height:auto; display:block; }
figcaption, .legend { font-size:13px; color:var(--muted); margin-top:6px; }
.legend span.key { display:inline-block; width:11px; height:11px; border-radius:2px; vertical-align:-1px; margin:0 5px 0 12px; }
.legend span.key:first-child { margin-left:0; }
.table-wrap { max-height:560px; overflow:auto; border:1px solid var(--line); border-radius:8px; }
table { border-collapse:collapse; width:100%; font-size:13.5px; }
caption { text-align:left; font-weight:600; padding:8px 10px; color:var(--muted); font-size:12.5px; text-transform:uppercase; letter-spacing:.4px; }
th, td { padding:5px 10px; border-bottom:1px solid var(--line); text-align:left; vertical-align:top; }
thead th { position:sticky; top:0; background:#eef1f5; font-weight:600; font-size:12.5px; color:#3a4554; }
tbody th { font-weight:500; overflow-wrap:anywhere; }
td.num, th.num { text-align:right; font-variant-numeric:tabular-nums; white-space:nowrap; }
tbody tr:nth-child(even) { background:#fafbfc; }
tbody.group tr { background:#fff; }
tbody.group + tbody.group { border-top:2px solid #c9d1db; }
tbody.group th[scope=rowgroup] { font-weight:600; background:#f7f9fb; }
@media print { nav.toc { display:none; } body { background:#fff; } section.block { break-inside:avoid; border-color:#bbb; }
  .table-wrap { max-height:none; overflow:visible; } header.top { background:#fff; color:#000; border-bottom:2px solid #000; }
  header.top p { color:#333; } }
p.empty { color:var(--muted); font-style:italic; margin:6px 0 0; }
p.more, p.csv { color:var(--muted); font-size:13px; margin:8px 0 0; }
p.csv a { color:var(--accent); }
footer { color:var(--muted); font-size:12.5px; text-align:center; padding:0 0 30px; }
svg text { font-family:system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif; }
"""


def esc(value: Any) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def fmt_number(value: Any) -> str:
    return f"{value:,}" if isinstance(value, int) and not isinstance(value, bool) else esc(value)


def fmt_rate(value: Optional[float]) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def fmt_cell(column: str, value: Any) -> str:
    if column in ("uphold_rate", "share"):
        return fmt_rate(value)
    if column == "value" and isinstance(value, float):
        return fmt_rate(value)
    return fmt_number(value)


# Advance widths in em of DejaVu Sans, the widest of the usual sans-serif fonts
# (Chromium's system-ui on Linux), rounded up; other characters count 1 em.
# Labels are fitted with them, so they fit whichever font the browser picks.
EM_WIDTHS = {
    0.28: "ijlI'",
    0.34: ",. ·\u2019f/:;\\|-",
    0.40: "t()[]r!",
    0.52: "\"J*`°sz\u201c\u201d",
    0.56: "cL?_§–",
    0.60: "kvxy",
    0.64: "aoFTeébdghnpquü0123456789${}",
    0.72: "EKPSYVBXZACR",
    0.80: "UHNDG&OQw",
    0.86: "#+<=>^~±×M",
}
CHAR_EM = {char: em for em, chars in EM_WIDTHS.items() for char in chars}
FONT_SIZE = 12.5
ELLIPSIS = "…"


def text_width(text: str, size: float = FONT_SIZE) -> float:
    """An upper bound of the width of `text` in px at font size `size`."""
    return size * sum(CHAR_EM.get(char, 1.0) for char in text)


def fit_text(text: str, width: float, size: float = FONT_SIZE) -> str:
    """`text`, cut at the end with an ellipsis so that it fits in `width` px."""
    if text_width(text, size) <= width:
        return text
    room = width - text_width(ELLIPSIS, size)
    used = 0.0
    for index, char in enumerate(text):
        used += size * CHAR_EM.get(char, 1.0)
        if used > room:
            return text[:index].rstrip() + ELLIPSIS
    return text


@dataclass
class ChartLayout:
    """Horizontal bar chart geometry in viewBox units: label column, bars, value column.

    The chart keeps its total width; the label column is as wide as the
    longest label up to `max_label_w` (longer labels are cut with an ellipsis,
    the bar's <title> has them whole), the value column as wide as the widest
    value text, and the bars get the rest.
    """

    width: float
    label_w: float
    value_w: float
    rows: int
    row_h: float
    top: float = 6

    GAP = 10  # between a label and its bar
    EDGE = 4  # kept free at the left and right edges
    MIN_LABEL_W = 90

    @classmethod
    def fit(cls, labels: Sequence[str], values: Sequence[str], width: float, max_label_w: float, row_h: float) -> "ChartLayout":
        widest_label = max((text_width(label) for label in labels), default=0)
        label_w = min(max_label_w, max(cls.MIN_LABEL_W, widest_label + cls.GAP + cls.EDGE))
        value_w = max((text_width(value) for value in values), default=0) + 8 + cls.EDGE
        return cls(width, label_w, value_w, len(labels), row_h)

    @property
    def bar_w(self) -> float:
        return self.width - self.label_w - self.value_w

    @property
    def height(self) -> float:
        return self.top * 2 + self.row_h * self.rows

    def y(self, index: int) -> float:
        return self.top + index * self.row_h

    def baseline(self, index: int) -> str:
        return f"{self.y(index) + self.row_h / 2 + 4.5:.1f}"

    def label(self, index: int, label: str) -> str:
        """The row's label, right-aligned against the bars, cut to fit the label column."""
        text = fit_text(label, self.label_w - self.GAP - self.EDGE)
        return (
            f'<text class="label" x="{self.label_w - self.GAP:.1f}" y="{self.baseline(index)}" text-anchor="end" '
            f'font-size="{FONT_SIZE}" fill="#1d2733">{esc(text)}</text>'
        )

    def value(self, index: int, x: float, text: str) -> str:
        """The row's value text, just after its bar ending at `x`."""
        return (
            f'<text class="value" x="{x + 8:.1f}" y="{self.baseline(index)}" font-size="{FONT_SIZE}" fill="#5b6675">'
            f"{esc(text)}</text>"
        )

    def svg(self, table: Table, what: str, body: Iterable[str]) -> str:
        width, height = f"{self.width:g}", f"{self.height:g}"
        return (
            f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" data-chart="{esc(table.key)}" role="img" '
            f'aria-labelledby="{esc(table.key)}-chart-title" viewBox="0 0 {width} {height}" width="{width}" height="{height}">'
            f'<title id="{esc(table.key)}-chart-title">{esc(table.title)}: bar chart of {esc(what)}; '
            f"the same numbers are in the table.</title>" + "".join(body) + "</svg>"
        )


def row_label(table: Table, row: List[Any]) -> str:
    """The bar label of a chart row: the text columns joined."""
    if table.key == "guideline_places":
        return f"{row[1]} · {row[0]}"
    return str(row[0])


def outcome_value(decisions: int, rate: Optional[float]) -> str:
    return f"{decisions:,} · " + (f"{fmt_rate(rate)} upheld" if rate is not None else "no outcome found")


def outcome_chart(table: Table) -> str:
    """Horizontal stacked bars: length = decisions, dark = upheld, light = overturned."""
    rows = table.shown
    labels = [row_label(table, row) for row in rows]
    values = [outcome_value(row[1], row[4]) for row in rows]
    layout = ChartLayout.fit(labels, values, width=680, max_label_w=260, row_h=26)
    largest = max((r[1] for r in rows), default=0) or 1
    parts = []
    for index, (row, label, value) in enumerate(zip(rows, labels, values)):
        decisions, upheld, overturned, rate = row[1], row[2], row[3], row[4]
        y = layout.y(index)
        tip = f"{label}: {decisions} decisions, {upheld} upheld, {overturned} overturned, {fmt_rate(rate)} upheld"
        parts.append(f'<g class="bar" data-label="{esc(label)}"><title>{esc(tip)}</title>{layout.label(index, label)}')
        x = layout.label_w
        segments = (("upheld", upheld, UPHELD_COLOR), ("overturned", overturned, OVERTURNED_COLOR),
                    ("unknown", decisions - upheld - overturned, "#c8ced6"))
        for css, count, color in segments:
            w = layout.bar_w * count / largest
            if w > 0:
                parts.append(
                    f'<rect class="seg {css}" x="{x:.1f}" y="{y + 4}" width="{max(w, 1.5):.1f}" height="{layout.row_h - 8}" fill="{color}"/>'
                )
                x += w
        parts.append(layout.value(index, x, value) + "</g>")
    legend = (
        f'<div class="legend"><span class="key" style="background:{UPHELD_COLOR}"></span>upheld (denial stands)'
        f'<span class="key" style="background:{OVERTURNED_COLOR}"></span>overturned (approved)</div>'
    )
    return layout.svg(table, "decisions by outcome", parts) + legend


def count_chart(table: Table) -> str:
    """Horizontal bars of one count (the first numeric column)."""
    rows = table.shown
    value_index = next(i for i, v in enumerate(rows[0]) if isinstance(v, int)) if rows else 1
    unit = table.columns[value_index]
    labels = [row_label(table, row) for row in rows]
    values = [f"{row[value_index]:,}" for row in rows]
    layout = ChartLayout.fit(labels, values, width=640, max_label_w=330, row_h=24)
    largest = max((r[value_index] for r in rows), default=0) or 1
    parts = []
    for index, (row, label, value) in enumerate(zip(rows, labels, values)):
        w = max(layout.bar_w * row[value_index] / largest, 1.5)
        parts.append(f'<g class="bar" data-label="{esc(label)}"><title>{esc(label)}: {value} {esc(unit)}</title>{layout.label(index, label)}')
        parts.append(
            f'<rect class="seg count" x="{layout.label_w:.1f}" y="{layout.y(index) + 4}" width="{w:.1f}" height="{layout.row_h - 8}" '
            f'fill="{COUNT_COLOR}" rx="1.5"/>'
        )
        parts.append(layout.value(index, layout.label_w + w, value) + "</g>")
    return layout.svg(table, unit, parts)


def html_table(table: Table) -> str:
    """The table's shown rows; with `table.group`, rows sharing a first cell form a row group."""
    columns = table.columns
    head = "".join(
        f'<th scope="col"{" class=num" if column in NUMERIC_COLUMNS else ""}>{esc(column.replace("_", " "))}</th>'
        for column in columns
    )
    groups: List[List[List[Any]]] = []
    for row in table.shown:
        if table.group and groups and groups[-1][0][0] == row[0]:
            groups[-1].append(row)
        else:
            groups.append([row])
    bodies = []
    for rows in groups:
        trs = []
        for index, row in enumerate(rows):
            cells = []
            if not table.group:
                cells.append(f'<th scope="row">{esc(row[0])}</th>')
            elif index == 0:
                cells.append(f'<th scope="rowgroup" rowspan="{len(rows)}">{esc(row[0])}</th>')
            for column, value in zip(columns[1:], row[1:]):
                cells.append(f'<td{" class=num" if column in NUMERIC_COLUMNS else ""}>{fmt_cell(column, value)}</td>')
            trs.append("<tr>" + "".join(cells) + "</tr>")
        bodies.append("".join(trs))
    body = "".join(f'<tbody class="group">{b}</tbody>' for b in bodies) if table.group else f"<tbody>{''.join(bodies)}</tbody>"
    return (
        f'<table id="{esc(table.key)}-table"><caption>{esc(table.title)}</caption>'
        f"<thead><tr>{head}</tr></thead>{body}</table>"
    )


NUMERIC_COLUMNS = {"decisions", "upheld", "overturned", "uphold_rate", "citations", "letters", "share", "value"}


def table_block(table: Table, csv_href: Optional[str]) -> str:
    parts = [f'<section class="block" id="{esc(table.key)}" aria-labelledby="{esc(table.key)}-h">']
    parts.append(f'<h2 id="{esc(table.key)}-h">{esc(table.title)}</h2><p class="desc">{esc(table.description)}</p>')
    if not table.rows:
        parts.append(f'<p class="empty">{esc(table.empty)}</p>')
    else:
        chart = {"outcomes": outcome_chart, "counts": count_chart}.get(table.chart or "")
        table_html = f'<div class="table-wrap">{html_table(table)}</div>'
        if chart:
            parts.append(f'<div class="pair"><figure>{chart(table)}</figure>{table_html}</div>')
        else:
            parts.append(f'<div class="pair single medium">{table_html}</div>')
        if table.top and len(table.rows) > table.top:
            parts.append(f'<p class="more">Showing the top {table.top} of {len(table.rows):,} rows.</p>')
    if csv_href:
        parts.append(f'<p class="csv">All rows as CSV: <a href="{esc(csv_href)}">{esc(Path(csv_href).name)}</a></p>')
    parts.append("</section>")
    return "".join(parts)


def summary_cards(stats: ReportStats) -> str:
    o = stats.outcomes

    def share(n: int) -> str:
        return fmt_rate(n / o.decided) if o.decided else "—"

    cards = [
        ("letters", f"{stats.letters:,}", f"{stats.letters - stats.error_letters:,} annotated"),
        ("decisions", f"{o.decisions:,}", f"{o.decisions / (stats.letters - stats.error_letters):.2f} per letter" if stats.letters > stats.error_letters else ""),
        ("upheld", f"{o.upheld:,}", f"{share(o.upheld)} of decided"),
        ("overturned", f"{o.overturned:,}", f"{share(o.overturned)} of decided"),
        ("letters with errors", f"{stats.error_letters:,}", f"{stats.bad_lines:,} unreadable lines" if stats.bad_lines else "error records"),
    ]
    items = "".join(
        f'<div class="card" role="listitem" data-measure="{esc(label)}"><div class="label">{esc(label)}</div>'
        f'<div class="value">{esc(value)}</div><div class="sub">{esc(sub)}</div></div>'
        for label, value, sub in cards
    )
    return f'<div class="cards" role="list">{items}</div>'


def render_report(
    stats: ReportStats,
    tables: Sequence[Table],
    *,
    title: str = "IMR corpus report",
    source: Optional[str] = None,
    csv_hrefs: Optional[Dict[str, str]] = None,
) -> str:
    """The report as one self-contained HTML page."""
    csv_hrefs = csv_hrefs or {}
    blocks = [t for t in tables if t.key != "summary"]
    nav = "".join(f'<a href="#{esc(t.key)}">{esc(re.sub(r" [(]top .*[)]$", "", t.title))}</a>' for t in blocks)
    subtitle = f"{stats.letters:,} letters · {stats.outcomes.decisions:,} decisions"
    if source:
        subtitle = f"{source} · {subtitle}"
    summary = next((t for t in tables if t.key == "summary"), None)
    summary_html = ""
    if summary is not None:
        summary_html = (
            f'<section class="block" id="summary" aria-labelledby="summary-h"><h2 id="summary-h">Summary</h2>'
            f'<p class="desc">{esc(summary.description)}</p>{summary_cards(stats)}'
            f'<div class="pair single narrow"><div class="table-wrap">{html_table(summary)}</div></div>'
            + (f'<p class="csv">As CSV: <a href="{esc(csv_hrefs["summary"])}">summary.csv</a></p>' if "summary" in csv_hrefs else "")
            + "</section>"
        )
    body = "".join(table_block(t, csv_hrefs.get(t.key)) for t in blocks)
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{esc(title)}</title><style>{CSS}</style></head><body>"
        f'<header class="top"><h1>{esc(title)}</h1><p>{esc(subtitle)}</p></header>'
        f'<nav class="toc" aria-label="Sections"><a href="#summary">Summary</a>{nav}</nav>'
        f"<main>{summary_html}{body}</main>"
        "<footer>Generated by imr-pipeline <code>imr report</code> from imr/1 annotations. "
        "Upheld: the denial stands; overturned: the treatment is approved.</footer>"
        "</body></html>\n"
    )


def build_report(
    annotations: PathLike,
    output: PathLike,
    *,
    csv_dir: Optional[PathLike] = None,
    top: int = 20,
    title: str = "IMR corpus report",
    classifier: Optional[TreatmentClassifier] = None,
) -> ReportStats:
    """Read `annotations` (imr/1 JSONL, or a DuckDB file from `export_records`) and
    write the HTML report (and the CSV files)."""
    stats = read_stats(annotations, classifier)
    tables = report_tables(stats, top=top)
    output = Path(output)
    output.parent.mkdir(parents=True, exist_ok=True)
    csv_hrefs: Dict[str, str] = {}
    if csv_dir is not None:
        for path in write_csv(tables, csv_dir):
            csv_hrefs[path.stem] = Path(os.path.relpath(path.resolve(), output.parent.resolve())).as_posix()
    page = render_report(stats, tables, title=title, source=Path(annotations).name, csv_hrefs=csv_hrefs)
    output.write_text(page, encoding="utf8")
    return stats
