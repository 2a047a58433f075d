"""Export `imr/1` JSONL records to normalised tables: a DuckDB database and/or Parquet files.

`export_records(["out/annotations.jsonl"], duckdb_path="out/imr.duckdb",
parquet_dir="out/parquet")` writes six tables (`TABLES`, documented in
docs/export.md): letters, decisions, drugs, citations, criteria, entities.
`letters.id` is the letter's key; `(letter_id, decision_index)` joins a
decision with its drugs, citations and criteria.

The input is streamed: records are parsed one line at a time into rows, and
every `batch_size` letters the rows become one Arrow record batch per table,
appended to Parquet files in a staging folder (one row group per batch), so
memory depends on the batch size, not on the number of letters. When the
input is done, DuckDB loads the finished files into its tables (one
`CREATE OR REPLACE TABLE ... AS SELECT * FROM read_parquet(...)` per table,
all in one transaction) and the files are moved into the Parquet folder.
A re-run replaces the six tables and files, and nothing else; a failure
leaves the previous ones as they were.

Records are read tolerantly: a missing or malformed optional field gives
null. Error records keep their `letters` row (with `error`) and have no rows
in the other tables; lines that are not JSON objects are counted and skipped.
"""
import json
import os
import re
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Dict, Iterable, Iterator, List, Optional, Sequence, Tuple, Union

import pyarrow as pa
import pyarrow.parquet as pq

from ..display.report import TreatmentClassifier, as_list, lemma_key

PathLike = Union[str, Path]
Row = Dict[str, Any]
Rows = Dict[str, List[Row]]

STRENGTH = pa.struct([("value", pa.float64()), ("unit", pa.string())])
STRINGS = pa.list_(pa.string())
OFFSETS = [("start", pa.int32()), ("end", pa.int32())]
DECISION_KEY = [("letter_id", pa.string()), ("decision_index", pa.int32())]
CASE_DATES = ("date_assigned", "date_of_injury", "decision_date", "ur_denial_date", "application_received")

TABLES: Dict[str, pa.Schema] = {
    "letters": pa.schema(
        [("id", pa.string()), ("source", pa.string()), ("template", pa.string()), ("case_number", pa.string())]
        + [(name, pa.date32()) for name in CASE_DATES]
        + [("priority", pa.string()), ("reviewer_specialties", STRINGS), ("reviewer_licensure", STRINGS),
           ("patient_age", pa.int32()), ("patient_sex", pa.string()), ("text_length", pa.int32()),
           ("decisions", pa.int32()), ("error", pa.string()), ("warnings", STRINGS)]
    ),
    "decisions": pa.schema(
        DECISION_KEY
        + [("item", pa.string()), ("outcome", pa.string()), ("medically_necessary", pa.bool_())]
        + OFFSETS
        + [("treatment_category", pa.string())]
    ),
    "drugs": pa.schema(
        DECISION_KEY
        + [("drug_index", pa.int32()), ("name", pa.string()), ("generic", pa.string()), ("drug_class", pa.string()),
           ("strength", pa.list_(STRENGTH)), ("strength_text", pa.string()), ("quantity", pa.int32()),
           ("quantity_unit", pa.string()), ("refills", pa.int32())]
        + [(name, pa.string()) for name in ("form", "release", "route", "frequency", "source")]
        + OFFSETS
    ),
    "citations": pa.schema(
        DECISION_KEY
        + [(name, pa.string()) for name in ("cited_by", "source", "title", "title_canonical", "edition")]
        + [("sections", STRINGS), ("pages", pa.list_(pa.list_(pa.int32()))), ("text", pa.string())]
        + OFFSETS
    ),
    "criteria": pa.schema(
        DECISION_KEY
        + [("text", pa.string()), ("assertion", pa.string()), ("negated", pa.bool_()), ("category", pa.string()),
           ("key", pa.string()), ("cue", pa.string())]
        + OFFSETS
    ),
    "entities": pa.schema(
        [("letter_id", pa.string()), ("label", pa.string()), ("text", pa.string())] + OFFSETS + [("page", pa.int32())]
    ),
}
PAGE_RANGE_RE = re.compile(r"\s*[-–]\s*")
INT32_MAX = 2**31 - 1
DEFAULT_BATCH_SIZE = 1000


@dataclass
class ExportStats:
    """What `export_records` wrote: rows per table, error records, skipped lines, outputs."""

    rows: Dict[str, int] = field(default_factory=lambda: {name: 0 for name in TABLES})
    error_letters: int = 0
    bad_lines: int = 0
    duplicate_ids: int = 0
    seconds: float = 0.0
    outputs: List[Path] = field(default_factory=list)

    @property
    def letters(self) -> int:
        return self.rows["letters"]


# ---------------------------------------------------------------- values


def string(value: Any) -> Optional[str]:
    """A string value as is; numbers as text; anything else (null, list, object) None."""
    if isinstance(value, str):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    return None


def integer(value: Any) -> Optional[int]:
    """An int32 from an int, an integral float or a string of digits, else None."""
    if type(value) is int:  # the usual case first; bool is not int here
        return value if -INT32_MAX <= value <= INT32_MAX else None
    if isinstance(value, float) and value.is_integer():
        return integer(int(value))
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return integer(int(value))
    return None


def number(value: Any) -> Optional[float]:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    return None


def boolean(value: Any) -> Optional[bool]:
    return value if isinstance(value, bool) else None


def iso_date(value: Any) -> Optional[date]:
    """A `date` from an ISO "YYYY-MM-DD" string, else None."""
    if not isinstance(value, str):
        return None
    try:
        return date.fromisoformat(value.strip()[:10])
    except ValueError:
        return None


def strings(value: Any) -> Optional[List[str]]:
    """A list of strings (non-strings dropped), a lone string as a list; None when absent."""
    if value is None:
        return None
    return [s for s in (string(v) for v in as_list(value)) if s is not None]


def dicts(value: Any) -> Iterator[Tuple[int, Dict[str, Any]]]:
    """(position, item) of the objects in a JSON list (other items skipped, positions kept)."""
    return ((index, item) for index, item in enumerate(as_list(value)) if isinstance(item, dict))


def section(record: Dict[str, Any], name: str) -> Dict[str, Any]:
    value = record.get(name)
    return value if isinstance(value, dict) else {}


def strengths(value: Any) -> Optional[List[Dict[str, Any]]]:
    """[{"value": float, "unit": str}] of a drug's strengths; None when absent."""
    if value is None:
        return None
    return [{"value": number(s.get("value")), "unit": string(s.get("unit"))} for _, s in dicts(value)]


def strength_text(values: Optional[List[Dict[str, Any]]]) -> Optional[str]:
    """Strengths as written in a prescription: "75 mg", "10/325 mg", "5%"."""
    groups: List[Tuple[List[str], str]] = []
    for value in values or []:
        amount = "" if value["value"] is None else f"{value['value']:.10g}"
        unit = value["unit"] or ""
        if groups and groups[-1][1] == unit:
            groups[-1][0].append(amount)
        else:
            groups.append(([amount], unit))
    text = " ".join("/".join(amounts) + ("" if unit == "%" or not unit else " ") + unit for amounts, unit in groups)
    return text or None


def page_ranges(value: Any) -> Optional[List[List[int]]]:
    """[[first, last], ...] from [[74, 80]], [76], ["74-80"] or [{"start", "end"}]; None when absent."""
    if value is None:
        return None
    ranges = []
    for page in as_list(value):
        if isinstance(page, dict):
            page = [page.get("start"), page.get("end")]
        elif isinstance(page, str):
            page = PAGE_RANGE_RE.split(page.strip())
        ends = [n for n in (integer(p) for p in as_list(page)) if n is not None]
        if ends:
            ranges.append([ends[0], ends[-1]])
    return ranges


# ---------------------------------------------------------------- rows


def offsets(item: Dict[str, Any]) -> Row:
    return {"start": integer(item.get("start")), "end": integer(item.get("end"))}


def letter_row(record: Dict[str, Any], decisions: int) -> Row:
    """The `letters` row of a record with `decisions` decisions."""
    case, reviewer, patient = section(record, "case"), section(record, "reviewer"), section(record, "patient")
    row: Row = {
        "id": string(record.get("id")),
        "source": string(record.get("source")),
        "template": string(record.get("template")),
        "case_number": string(case.get("case_number")),
    }
    row.update({name: iso_date(case.get(name)) for name in CASE_DATES})
    row.update({
        "priority": string(case.get("priority")),
        "reviewer_specialties": strings(reviewer.get("specialties")),
        "reviewer_licensure": strings(reviewer.get("licensure")),
        "patient_age": integer(patient.get("age")),
        "patient_sex": string(patient.get("sex")),
        "text_length": integer(record.get("text_length")),
        "decisions": decisions,
        "error": error_text(record),
        "warnings": strings(record.get("warnings")),
    })
    return row


def error_text(record: Dict[str, Any]) -> Optional[str]:
    """The error of an error record (any truthy `error`, as text), else None."""
    error = record.get("error")
    if not error:
        return None
    return error if isinstance(error, str) else json.dumps(error)


def decision_row(key: Row, decision: Dict[str, Any], classifier: TreatmentClassifier) -> Row:
    return {
        **key,
        "item": string(decision.get("item")),
        "outcome": string(decision.get("outcome")),
        "medically_necessary": boolean(decision.get("medically_necessary")),
        **offsets(decision),
        "treatment_category": classifier.classify(decision),
    }


def drug_row(key: Row, index: int, drug: Dict[str, Any]) -> Row:
    strength = strengths(drug.get("strength"))
    return {
        **key,
        "drug_index": index,
        "name": string(drug.get("name")),
        "generic": string(drug.get("generic")),
        "drug_class": string(drug.get("drug_class")),
        "strength": strength,
        "strength_text": string(drug.get("strength_text")) or strength_text(strength),
        "quantity": integer(drug.get("quantity")),
        "quantity_unit": string(drug.get("quantity_unit")),
        "refills": integer(drug.get("refills")),
        **{name: string(drug.get(name)) for name in ("form", "release", "route", "frequency", "source")},
        **offsets(drug),
    }


def citation_row(key: Row, citation: Dict[str, Any]) -> Row:
    return {
        **key,
        **{name: string(citation.get(name)) for name in ("cited_by", "source", "title", "title_canonical", "edition")},
        "sections": strings(citation.get("sections")),
        "pages": page_ranges(citation.get("pages")),
        "text": string(citation.get("text")),
        **offsets(citation),
    }


def criterion_row(key: Row, criterion: Dict[str, Any]) -> Row:
    text = string(criterion.get("text"))
    return {
        **key,
        "text": text,
        "assertion": string(criterion.get("assertion")),
        "negated": boolean(criterion.get("negated")),
        "category": string(criterion.get("category")),
        "key": string(criterion.get("key")) or lemma_key(text),
        "cue": string(criterion.get("cue")),
        **offsets(criterion),
    }


def entity_row(letter_id: Optional[str], entity: Dict[str, Any]) -> Row:
    return {
        "letter_id": letter_id,
        "label": string(entity.get("label")),
        "text": string(entity.get("text")),
        **offsets(entity),
        "page": integer(entity.get("page")),
    }


class RecordRows:
    """Turn records into table rows: `add(record)` appends to `rows`, `take()` empties them."""

    def __init__(self, classifier: Optional[TreatmentClassifier] = None) -> None:
        self.classifier = classifier or TreatmentClassifier.from_file()
        self.rows: Rows = {name: [] for name in TABLES}

    def add(self, record: Dict[str, Any]) -> None:
        """Add one record's rows: its letter, and for a record without error, the rest."""
        error = error_text(record)
        decisions = [] if error else list(dicts(record.get("decisions")))
        letter = letter_row(record, len(decisions))
        self.rows["letters"].append(letter)
        if error:
            return
        for index, decision in decisions:
            self.add_decision({"letter_id": letter["id"], "decision_index": index}, decision)
        self.rows["entities"].extend(entity_row(letter["id"], e) for _, e in dicts(record.get("entities")))

    def add_decision(self, key: Row, decision: Dict[str, Any]) -> None:
        self.rows["decisions"].append(decision_row(key, decision, self.classifier))
        self.rows["drugs"].extend(drug_row(key, i, d) for i, d in dicts(decision.get("drugs")))
        self.rows["citations"].extend(citation_row(key, c) for _, c in dicts(decision.get("citations")))
        self.rows["criteria"].extend(criterion_row(key, c) for _, c in dicts(decision.get("criteria")))

    def take(self) -> Dict[str, pa.RecordBatch]:
        """The rows so far as one record batch per table; the buffers are emptied."""
        batches = {name: pa.RecordBatch.from_pylist(rows, schema=TABLES[name]) for name, rows in self.rows.items()}
        self.rows = {name: [] for name in TABLES}
        return batches


# ---------------------------------------------------------------- outputs


class StagedTables:
    """The tables as Parquet files in a staging folder, appended one record batch at a time.

    folder: where to create the staging folder (`.imr-export-*`, removed by `close`);
        the Parquet output folder, so that `publish` is a rename.
    """

    def __init__(self, folder: PathLike) -> None:
        Path(folder).mkdir(parents=True, exist_ok=True)
        self.staging = Path(tempfile.mkdtemp(prefix=".imr-export-", dir=folder))
        self.paths = {name: self.staging / f"{name}.parquet" for name in TABLES}
        self.writers = {name: pq.ParquetWriter(self.paths[name], schema) for name, schema in TABLES.items()}

    def write(self, batches: Dict[str, pa.RecordBatch]) -> None:
        for name, batch in batches.items():
            if batch.num_rows:
                self.writers[name].write_batch(batch)

    def finish(self) -> None:
        """Close the Parquet files (they are complete and readable from now on)."""
        for writer in self.writers.values():
            writer.close()

    def publish(self, folder: PathLike) -> List[Path]:
        """Move the finished files to `folder/<table>.parquet`, replacing older ones."""
        published = []
        for name, path in self.paths.items():
            target = Path(folder) / f"{name}.parquet"
            os.replace(path, target)
            published.append(target)
        return published

    def close(self) -> None:
        self.finish()
        shutil.rmtree(self.staging, ignore_errors=True)


def load_duckdb(path: PathLike, tables: StagedTables) -> None:
    """Replace the tables of the DuckDB database `path` with the staged Parquet files, in one
    transaction (DuckDB streams each file into its table; other tables are left alone)."""
    import duckdb

    Path(path).parent.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(path)) as connection:
        connection.execute("SET enable_progress_bar = false")
        connection.begin()
        try:
            for name, parquet in tables.paths.items():
                connection.execute(f'CREATE OR REPLACE TABLE "{name}" AS SELECT * FROM read_parquet(?)', [str(parquet)])
        except BaseException:
            connection.rollback()
            raise
        connection.commit()


def count_duplicate_ids(letters: Path) -> int:
    """Letters whose id an earlier letter already has, in a `letters` Parquet file."""
    import duckdb

    with duckdb.connect() as connection:
        query = "SELECT count(*) - count(DISTINCT id) FROM read_parquet(?)"
        return connection.execute(query, [str(letters)]).fetchone()[0]


def read_records(paths: Iterable[PathLike], stats: ExportStats) -> Iterator[Dict[str, Any]]:
    """The JSON objects of JSONL files, one line at a time (other lines counted in `stats.bad_lines`)."""
    for path in paths:
        with Path(path).open(encoding="utf8") as handle:
            for line in handle:
                if not line.strip():
                    continue
                try:
                    record = json.loads(line)
                except ValueError:
                    record = None
                if isinstance(record, dict):
                    yield record
                else:
                    stats.bad_lines += 1


def export_records(
    inputs: Sequence[PathLike],
    *,
    duckdb_path: Optional[PathLike] = None,
    parquet_dir: Optional[PathLike] = None,
    batch_size: int = DEFAULT_BATCH_SIZE,
    classifier: Optional[TreatmentClassifier] = None,
) -> ExportStats:
    """Stream `imr/1` JSONL files into the six tables of a DuckDB file and/or a Parquet folder.

    inputs: JSONL files written by `imr annotate` (or one path).
    duckdb_path: the DuckDB database to write the tables into (created when missing; its
        other tables are left alone).
    parquet_dir: the folder to write `<table>.parquet` into (created when missing; its other
        files are left alone).
    batch_size: letters per record batch (and per Parquet row group).
    classifier: the treatment classifier (default: the report's, from the bundled rules).
    RETURNS (ExportStats): rows written per table, error records, skipped lines, duplicate ids.
    """
    if duckdb_path is None and parquet_dir is None:
        raise ValueError("export_records needs duckdb_path, parquet_dir or both")
    if isinstance(inputs, (str, os.PathLike)):
        inputs = [inputs]
    if batch_size < 1:
        raise ValueError(f"batch_size must be at least 1, not {batch_size}")
    started = time.perf_counter()
    stats = ExportStats()
    tables = StagedTables(parquet_dir if parquet_dir is not None else Path(duckdb_path).parent)
    try:
        stream_rows(read_records(inputs, stats), tables, stats, RecordRows(classifier), batch_size)
        tables.finish()
        stats.duplicate_ids = count_duplicate_ids(tables.paths["letters"])
        if duckdb_path is not None:
            load_duckdb(duckdb_path, tables)
            stats.outputs.append(Path(duckdb_path))
        if parquet_dir is not None:
            stats.outputs.extend(tables.publish(parquet_dir))
    finally:
        tables.close()
    stats.seconds = time.perf_counter() - started
    return stats


def stream_rows(records: Iterable[Dict[str, Any]], tables: StagedTables, stats: ExportStats, rows: RecordRows,
                batch_size: int) -> None:
    """Add records to `rows`; every `batch_size` letters (and at the end) write the batches out."""
    pending = 0
    for record in records:
        rows.add(record)
        pending += 1
        if pending == batch_size:
            write_batches(rows.take(), tables, stats)
            pending = 0
    write_batches(rows.take(), tables, stats)


def write_batches(batches: Dict[str, pa.RecordBatch], tables: StagedTables, stats: ExportStats) -> None:
    letters = batches["letters"]
    stats.error_letters += letters.num_rows - letters.column("error").null_count
    for name, batch in batches.items():
        stats.rows[name] += batch.num_rows
    tables.write(batches)
