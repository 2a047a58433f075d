"""`imr.io.export`: imr/1 JSONL to DuckDB tables and Parquet files, and criterion keys."""
import json
from datetime import date
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest

from imr.components.lemmas import CriterionKeys, criterion_key
from imr.display.report import read_stats, report_tables
from imr.io.export import TABLES, export_records, page_ranges, strength_text
from imr.io.record import doc_to_record

from .conftest import letter_path

LETTERS = ["000_be903013f77bdc94", "001_1f5dc34496348b44", "CM16-0219557"]
ERROR = {"schema": "imr/1", "id": "broken:3", "source": "broken.jsonl:3", "error": "line 3: not JSON: Expecting value",
         "decisions": [], "entities": []}
REPORT_FIXTURE = Path(__file__).parent / "data" / "report_fixture.jsonl"


@pytest.fixture(scope="module")
def records(nlp):
    """The pipeline's records for two 2014 seed letters and a 2016 dev letter, and an error record."""
    docs = nlp.pipe(letter_path(name).read_text(encoding="utf8") for name in LETTERS)
    return [doc_to_record(doc, name, f"corpus/{name}.txt") for doc, name in zip(docs, LETTERS)] + [ERROR]


@pytest.fixture(scope="module")
def exported(records, tmp_path_factory):
    folder = tmp_path_factory.mktemp("export")
    jsonl = folder / "annotations.jsonl"
    jsonl.write_text("".join(json.dumps(r) + "\n" for r in records) + "not JSON\n\n", encoding="utf8")
    stats = export_records([jsonl], duckdb_path=folder / "imr.duckdb", parquet_dir=folder / "parquet", batch_size=2)
    connection = duckdb.connect(str(folder / "imr.duckdb"), read_only=True)
    yield folder, jsonl, stats, connection
    connection.close()


def rows(connection, sql: str, *params):
    return connection.execute(sql, list(params)).fetchall()


def table_dicts(connection, name: str):
    result = connection.execute(f'SELECT * FROM "{name}" ORDER BY rowid')
    columns = [d[0] for d in result.description]
    return [dict(zip(columns, row)) for row in result.fetchall()]


def record_counts(records):
    """Rows each table should have, counted from the records themselves."""
    ok = [r for r in records if not r.get("error")]
    decisions = [d for r in ok for d in r["decisions"]]
    return {
        "letters": len(records),
        "decisions": len(decisions),
        "drugs": sum(len(d["drugs"]) for d in decisions),
        "citations": sum(len(d["citations"]) for d in decisions),
        "criteria": sum(len(d["criteria"]) for d in decisions),
        "entities": sum(len(r["entities"]) for r in ok),
    }


def test_row_counts(exported, records):
    _, _, stats, connection = exported
    counts = {name: rows(connection, f'SELECT count(*) FROM "{name}"')[0][0] for name in TABLES}
    assert counts == stats.rows == record_counts(records)
    # decisions, header drugs and citations of these gold letters are exact (README: F1 1.000)
    assert {k: counts[k] for k in ("letters", "decisions", "drugs", "citations")} == {
        "letters": 4, "decisions": 5, "drugs": 4, "citations": 23}
    assert (stats.error_letters, stats.bad_lines, stats.duplicate_ids) == (1, 1, 0)
    assert rows(connection, "SELECT id, decisions FROM letters ORDER BY rowid") == [
        ("000_be903013f77bdc94", 2), ("001_1f5dc34496348b44", 2), ("CM16-0219557", 1), ("broken:3", 0)]
    assert rows(connection, "SELECT label, count(*) FROM entities WHERE letter_id = ? GROUP BY label ORDER BY label",
                "CM16-0219557") == [("CITATION", 10), ("CRITERION", 2), ("DRUG", 6), ("OUTCOME", 1)]


def test_column_types(exported):
    _, _, _, connection = exported
    types = dict(rows(connection, "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = 'letters'"))
    assert types["date_assigned"] == types["date_of_injury"] == "DATE"
    assert types["reviewer_specialties"] == types["warnings"] == "VARCHAR[]"
    types = dict(rows(connection, "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = 'drugs'"))
    assert types["strength"] == 'STRUCT("value" DOUBLE, unit VARCHAR)[]'
    types = dict(rows(connection, "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = 'citations'"))
    assert types["pages"] == "INTEGER[][]" and types["sections"] == "VARCHAR[]"
    for name, schema in TABLES.items():
        columns = [r[0] for r in rows(connection, f"SELECT column_name FROM information_schema.columns WHERE table_name = '{name}' ORDER BY ordinal_position")]
        assert columns == schema.names, name


def test_letter_values(exported):
    _, _, _, connection = exported
    letters = {row["id"]: row for row in table_dicts(connection, "letters")}
    header = letters["CM16-0219557"]
    assert (header["case_number"], header["date_assigned"], header["date_of_injury"], header["decision_date"]) == (
        "CM16-0219557", date(2016, 11, 18), date(2016, 10, 10), date(2016, 12, 19))
    assert header["reviewer_specialties"] == ["Preventive Medicine", "Occupational Medicine"]
    assert header["reviewer_licensure"] == ["Texas", "New York", "California"]
    assert (header["patient_age"], header["patient_sex"], header["priority"], header["template"]) == (34, "male", "Standard", "2016")
    seed = letters["000_be903013f77bdc94"]
    assert (seed["case_number"], seed["date_of_injury"], seed["patient_age"], seed["text_length"]) == (None, date(2011, 2, 3), 58, 6817)
    broken = letters["broken:3"]
    assert broken["error"] == "line 3: not JSON: Expecting value" and broken["decisions"] == 0
    assert broken["reviewer_specialties"] is None and broken["date_of_injury"] is None


def test_error_records_have_no_child_rows(exported):
    _, _, _, connection = exported
    for name in ("decisions", "drugs", "citations", "criteria", "entities"):
        assert rows(connection, f"SELECT count(*) FROM {name} WHERE letter_id = 'broken:3'") == [(0,)], name


def test_uphold_count_per_treatment_category(exported):
    _, _, _, connection = exported
    assert rows(connection, """
        SELECT treatment_category, count(*) FILTER (WHERE outcome = 'upheld'), count(*)
        FROM decisions GROUP BY 1 ORDER BY 1""") == [
        ("drug: muscle relaxant", 2, 2), ("drug: opioid", 1, 2), ("injections", 1, 1)]


def test_drug_strength_and_joins(exported):
    _, _, _, connection = exported
    assert rows(connection, """
        SELECT d.item, g.name, g.generic, g.strength, g.strength_text, g.quantity, g.quantity_unit, g.refills, g.source
        FROM drugs g JOIN decisions d USING (letter_id, decision_index)
        WHERE g.letter_id = '001_1f5dc34496348b44' ORDER BY decision_index, drug_index""") == [
        ("Percocet 10/325 mg, QTY: 60", "Percocet", "oxycodone/acetaminophen",
         [{"value": 10.0, "unit": "mg"}, {"value": 325.0, "unit": "mg"}], "10/325 mg", 60, None, None, "lexicon"),
        ("Baclofan 20 mg, QTY: 30", "Baclofan", "baclofen", [{"value": 20.0, "unit": "mg"}], "20 mg", 30, None, None, "lexicon"),
    ]
    assert rows(connection, """
        SELECT d.outcome, c.source, c.title_canonical, c.sections, c.pages
        FROM citations c JOIN decisions d USING (letter_id, decision_index)
        WHERE c.letter_id = '000_be903013f77bdc94' AND c.pages <> [] ORDER BY c.start""") == [
        ("upheld", "MTUS", "Chronic Pain Medical Treatment Guidelines", ["Opioids"], [[74, 80]]),
        ("upheld", "MTUS", "Chronic Pain Medical Treatment Guidelines", ["Anti-Spasmodics, Baclofen"], [[64, 64]]),
    ]
    # every child row belongs to a decision, and every decision to a letter
    for name in ("drugs", "citations", "criteria"):
        assert rows(connection, f"SELECT count(*) FROM {name} LEFT JOIN decisions d USING (letter_id, decision_index) WHERE d.item IS NULL") == [(0,)]
    assert rows(connection, "SELECT count(*) FROM decisions d LEFT JOIN letters l ON l.id = d.letter_id WHERE l.id IS NULL") == [(0,)]


def test_criteria_keys_and_entities(exported, records):
    _, _, _, connection = exported
    criteria = table_dicts(connection, "criteria")
    expected = [c for r in records for d in r["decisions"] for c in d["criteria"]]
    assert [(c["text"], c["assertion"], c["category"], c["cue"], c["start"]) for c in criteria] == [
        (c["text"], c["assertion"], c["category"], c["cue"], c["start"]) for c in expected]
    assert all(c["key"] == criterion_key(c["text"]) for c in criteria)
    lowest = next(c for c in criteria if c["text"] == "the lowest possible dose is being prescribed")
    assert (lowest["key"], lowest["category"], lowest["assertion"]) == ("low possible dose prescribe", "lowest_dose", "requirement")
    entities = table_dicts(connection, "entities")
    assert [(e["label"], e["text"], e["start"], e["end"]) for e in entities] == [
        (e["label"], e["text"], e["start"], e["end"]) for r in records for e in r["entities"]]
    assert all(e["page"] is None for e in entities)  # text input: no pages


def test_parquet_round_trips_with_the_same_rows(exported):
    folder, _, stats, connection = exported
    assert sorted(p.name for p in (folder / "parquet").iterdir()) == sorted(f"{name}.parquet" for name in TABLES)
    for name, schema in TABLES.items():
        table = pq.read_table(folder / "parquet" / f"{name}.parquet")
        assert table.schema.equals(schema), name
        assert table.to_pylist() == table_dicts(connection, name), name
    assert [p.name for p in stats.outputs] == ["imr.duckdb"] + [f"{name}.parquet" for name in TABLES]


def test_rerun_replaces_only_its_own_tables_and_files(exported, tmp_path):
    folder, jsonl, _, _ = exported
    db, parquet = tmp_path / "imr.duckdb", tmp_path / "parquet"
    export_records([jsonl], duckdb_path=db, parquet_dir=parquet)
    with duckdb.connect(str(db)) as connection:
        connection.execute("CREATE TABLE notes AS SELECT 'keep me' AS note")
    (parquet / "notes.txt").write_text("keep me", encoding="utf8")
    stats = export_records([jsonl], duckdb_path=db, parquet_dir=parquet)
    assert stats.letters == 4
    with duckdb.connect(str(db), read_only=True) as connection:
        assert rows(connection, "SELECT count(*) FROM letters") == [(4,)]
        assert rows(connection, "SELECT note FROM notes") == [("keep me",)]
    assert pq.read_table(parquet / "letters.parquet").num_rows == 4
    assert sorted(p.name for p in parquet.iterdir()) == sorted([f"{name}.parquet" for name in TABLES] + ["notes.txt"])
    # a failed run leaves the previous tables and files as they were
    with pytest.raises(FileNotFoundError):
        export_records([jsonl, tmp_path / "missing.jsonl"], duckdb_path=db, parquet_dir=parquet)
    with duckdb.connect(str(db), read_only=True) as connection:
        assert rows(connection, "SELECT count(*) FROM letters") == [(4,)]
    assert pq.read_table(parquet / "letters.parquet").num_rows == 4
    assert not [p for p in list(tmp_path.iterdir()) + list(parquet.iterdir()) if p.name.startswith(".imr-export-")]


def test_parquet_only_and_duplicate_ids(tmp_path):
    jsonl = tmp_path / "a.jsonl"
    jsonl.write_text(json.dumps({"id": "x", "decisions": []}) + "\n" + json.dumps({"id": "x", "decisions": []}) + "\n", encoding="utf8")
    stats = export_records([jsonl], parquet_dir=tmp_path / "out")
    assert (stats.letters, stats.duplicate_ids) == (2, 1)
    assert pq.read_table(tmp_path / "out" / "letters.parquet").column("id").to_pylist() == ["x", "x"]
    with pytest.raises(ValueError):
        export_records([jsonl])


def test_old_and_odd_records_give_nulls(tmp_path):
    """Records without the newer fields, and malformed values, export with nulls."""
    jsonl = tmp_path / "old.jsonl"
    old = {"id": "old", "case": {"date_of_injury": "2011-02-31", "decision_date": "2016-12-19"}, "reviewer": None,
           "patient": {"age": "58"}, "warnings": ["layout: no header table"],
           "decisions": [
               "not a decision",
               {"item": "Norco 10/325", "outcome": "upheld", "medically_necessary": "no",
                "drugs": [{"name": "Norco", "drug_class": "opioid", "strength": [{"value": 10, "unit": "mg"}, {"value": 325, "unit": "mg"}],
                           "quantity": 90.0, "refills": True}],
                "citations": [{"source": "MTUS", "pages": [76, "74-80", {"start": 1, "end": 3}, "xii"], "sections": "Opioids"}],
                "criteria": [{"text": "red flags", "assertion": "absent"}, {"text": "x", "key": "given key"}]},
           ],
           "entities": [{"label": "DRUG", "text": "Norco", "start": 5, "end": 10, "page": 2}, "junk"]}
    jsonl.write_text(json.dumps(old) + "\n", encoding="utf8")
    export_records([jsonl], duckdb_path=tmp_path / "x.duckdb")
    with duckdb.connect(str(tmp_path / "x.duckdb"), read_only=True) as connection:
        letter = table_dicts(connection, "letters")[0]
        assert (letter["date_of_injury"], letter["decision_date"], letter["patient_age"], letter["decisions"]) == (None, date(2016, 12, 19), 58, 1)
        assert (letter["reviewer_specialties"], letter["warnings"], letter["text_length"]) == (None, ["layout: no header table"], None)
        decision = table_dicts(connection, "decisions")[0]
        assert (decision["decision_index"], decision["medically_necessary"], decision["treatment_category"]) == (1, None, "drug: opioid")
        drug = table_dicts(connection, "drugs")[0]
        assert (drug["quantity"], drug["refills"], drug["quantity_unit"], drug["source"], drug["strength_text"]) == (90, None, None, None, "10/325 mg")
        citation = table_dicts(connection, "citations")[0]
        assert (citation["pages"], citation["sections"], citation["cited_by"]) == ([[76, 76], [74, 80], [1, 3]], ["Opioids"], None)
        assert rows(connection, "SELECT text, key FROM criteria ORDER BY rowid") == [("red flags", "red flag"), ("x", "given key")]
        assert rows(connection, "SELECT letter_id, label, page FROM entities") == [("old", "DRUG", 2)]


def test_report_from_duckdb_equals_report_from_jsonl(tmp_path):
    stats = export_records([REPORT_FIXTURE], duckdb_path=tmp_path / "imr.duckdb")
    assert (stats.letters, stats.bad_lines, stats.error_letters) == (6, 1, 2)
    from_jsonl = {t.key: t.rows for t in report_tables(read_stats(REPORT_FIXTURE))}
    from_duckdb = {t.key: t.rows for t in report_tables(read_stats(tmp_path / "imr.duckdb"))}
    assert from_jsonl.pop("summary")[:-1] == from_duckdb.pop("summary")  # the JSONL's last row: 1 unreadable line
    assert from_duckdb == from_jsonl


def test_report_refuses_tables_out_of_export_order(tmp_path):
    db = tmp_path / "imr.duckdb"
    export_records([REPORT_FIXTURE], duckdb_path=db)
    with duckdb.connect(str(db)) as connection:
        connection.execute("CREATE OR REPLACE TABLE decisions AS SELECT * FROM decisions ORDER BY letter_id DESC")
    with pytest.raises(ValueError, match="not in the order of the letters table"):
        read_stats(db)


def test_strength_text_and_page_ranges():
    assert strength_text([{"value": 75.0, "unit": "mg"}]) == "75 mg"
    assert strength_text([{"value": 10.0, "unit": "mg"}, {"value": 325.0, "unit": "mg"}]) == "10/325 mg"
    assert strength_text([{"value": 20.0, "unit": "%"}, {"value": 5.0, "unit": "%"}]) == "20/5%"
    assert strength_text([{"value": 3.0, "unit": "%"}, {"value": 7.5, "unit": "mg/g"}]) == "3% 7.5 mg/g"
    assert strength_text([]) is None and strength_text(None) is None
    assert page_ranges([[74, 80], 76, "98-99", "98 – 99", {"start": 1, "end": 3}, "xii", [None]]) == [
        [74, 80], [76, 76], [98, 99], [98, 99], [1, 3]]
    assert page_ranges(None) is None and page_ranges([]) == []


@pytest.mark.parametrize(
    "a, b",
    [
        ("functional improvements", "functional improvement"),
        ("red flags", "red flag"),
        ("No documented functional improvements.", "documented functional improvement"),
        ("urine drug screens were not performed", "urine drug screen performed"),
        ("failed second-line therapies", "Failed second line therapy"),
    ],
)
def test_criterion_keys_group_inflections(a, b):
    assert criterion_key(a) == criterion_key(b)


def test_criterion_key_values():
    assert criterion_key("red flags") == "red flag"
    assert criterion_key("Functional Improvements") == "functional improvement"
    assert criterion_key("No documented functional improvements.") == "document functional improvement"
    assert criterion_key("the lowest possible dose is being prescribed") == "low possible dose prescribe"
    assert criterion_key("doesn't have a home exercise program") == "home exercise program"
    assert criterion_key("the patient's urine drug screens") == "patient urine drug screen"
    assert criterion_key("") == criterion_key(None) == criterion_key("the, and: of it.") == ""


def test_criterion_keys_with_a_given_table():
    keys = CriterionKeys({"flags": "flag", "were": "be"}, stop_words={"the", "be", "no"})
    assert keys("No red FLAGS were found") == "red flag found"
    assert keys.words("the flags") == ["flag"]
