"""The corpus report: numbers computed from a small fixed JSONL, asserted exactly."""
import csv
import html
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from imr.cli import app
from imr.display.report import (
    ReportStats,
    TreatmentClassifier,
    build_report,
    citation_places,
    page_label,
    read_stats,
    render_report,
    report_tables,
)

FIXTURE = Path(__file__).parent / "data" / "report_fixture.jsonl"
runner = CliRunner()


@pytest.fixture(scope="module")
def stats():
    return read_stats(FIXTURE)


@pytest.fixture(scope="module")
def tables(stats):
    return {t.key: t for t in report_tables(stats, top=20)}


def test_summary_counts(stats, tables):
    assert stats.letters == 6
    assert stats.error_letters == 2
    assert stats.bad_lines == 1
    assert (stats.outcomes.decisions, stats.outcomes.upheld, stats.outcomes.overturned) == (8, 5, 2)
    assert tables["summary"].rows == [
        ["letters", 6],
        ["letters with errors", 2],
        ["decisions", 8],
        ["upheld", 5],
        ["overturned", 2],
        ["outcome not found", 1],
        ["uphold rate", 0.7143],
        ["unreadable lines", 1],
    ]


def test_uphold_rate_by_treatment_category(tables):
    assert tables["by_category"].columns == ["category", "decisions", "upheld", "overturned", "uphold_rate"]
    assert tables["by_category"].rows == [
        ["drug: opioid", 2, 1, 1, 0.5],
        ["equipment", 1, 1, 0, 1.0],
        ["imaging", 1, 1, 0, 1.0],
        ["injections", 1, 1, 0, 1.0],
        ["medication", 1, 1, 0, 1.0],
        ["other", 1, 0, 0, None],
        ["therapy", 1, 0, 1, 0.0],
    ]


def test_uphold_rate_by_drug_groups_generic_names_case_insensitively(tables):
    assert tables["by_drug"].rows == [
        ["Hydrocodone/acetaminophen", 2, 1, 1, 0.5],
        ["Lidoderm", 1, 1, 0, 1.0],
    ]


def test_absent_criteria_counted_once_per_decision(tables):
    assert tables["absent_criteria"].rows == [
        ["functional improvement", 2],
        ["failure of first-line therapy", 1],
        ["red flags", 1],
        ["urine drug screen", 1],
    ]
    assert tables["absent_criteria_by_category"].rows == [
        ["drug: opioid", "functional improvement", 2, 1.0],
        ["drug: opioid", "urine drug screen", 1, 0.5],
        ["imaging", "red flags", 1, 1.0],
        ["medication", "failure of first-line therapy", 1, 1.0],
    ]


def test_most_cited_guidelines_and_places(tables):
    assert tables["guidelines"].rows == [
        ["MTUS · Chronic Pain Medical Treatment Guidelines", 3, 2],
        ["ODG · Pain, Opioids", 2, 2],
        ["ACOEM · Low Back Complaints", 1, 1],
    ]
    assert tables["guideline_places"].rows == [
        ["MTUS · Chronic Pain Medical Treatment Guidelines", "§ Opioids", 2],
        ["ACOEM · Low Back Complaints", "p. 303", 1],
        ["MTUS · Chronic Pain Medical Treatment Guidelines", "p. 74–80", 1],
        ["MTUS · Chronic Pain Medical Treatment Guidelines", "p. 76", 1],
        ["MTUS · Chronic Pain Medical Treatment Guidelines", "p. 98", 1],
        ["MTUS · Chronic Pain Medical Treatment Guidelines", "p. 99", 1],
        ["MTUS · Chronic Pain Medical Treatment Guidelines", "§ Physical Medicine", 1],
    ]


def test_uphold_rate_by_reviewer_specialty(tables):
    assert tables["by_specialty"].rows == [
        ["(not stated)", 3, 2, 0, 1.0],
        ["Orthopedic Surgery", 3, 2, 1, 0.6667],
        ["Sports Medicine", 3, 2, 1, 0.6667],
        ["Occupational Medicine", 2, 1, 1, 0.5],
    ]


def test_errors_by_reason(tables):
    assert tables["errors"].rows == [["empty file", 1], ["not UTF-8 text", 1]]


def test_top_limits_the_page_not_the_csv(stats):
    by_key = {t.key: t for t in report_tables(stats, top=1)}
    assert len(by_key["guidelines"].shown) == 1
    assert len(by_key["guidelines"].rows) == 3


def test_records_of_todays_main_give_empty_sections():
    stats = ReportStats()
    stats.add({"id": "x", "reviewer": None, "decisions": [
        {"item": "MRI of the knee", "outcome": "upheld", "drugs": [], "citations": [], "criteria": [], "cited_none": []},
        {"item": "Tramadol 50mg #60", "outcome": "overturned"},
    ]})
    tables = {t.key: t for t in report_tables(stats)}
    assert tables["by_category"].rows == [["imaging", 1, 1, 0, 1.0], ["medication", 1, 0, 1, 0.0]]
    assert tables["by_drug"].rows == [] and tables["guidelines"].rows == [] and tables["absent_criteria"].rows == []
    page = render_report(stats, list(tables.values()))
    assert "No drugs in these annotations" in page


@pytest.mark.parametrize(
    "item, category",
    [
        ("Facet joint injections L4-5, L5-S1", "injections"),
        ("Cortisone injection 40mg", "injections"),
        ("TENS unit", "equipment"),
        ("Associated surgical service: Cold therapy unit", "equipment"),
        ("Wrist braces #2", "equipment"),
        ("Nucynta 75 mg # 90, with 3 refills", "medication"),
        ("Lidocaine patch", "medication"),
        ("MARS MRI scan of lumbar spine", "imaging"),
        ("X-rays of right hip", "imaging"),
        ("EMG bilateral lower extremities", "diagnostics"),
        ("Pre-operative PT/PTT", "diagnostics"),
        ("Functional capacity evaluation (FCE)", "diagnostics"),
        ("Physical therapy 2 times 6 for the head", "therapy"),
        ("Acupuncture 18 sessions", "therapy"),
        ("Spine surgery evaluation for the lumbar", "other"),
        ("Right shoulder arthroscopy with subacromial decompression", "surgery"),
        ("Intrathecal (IT) pump", "surgery"),
        ("Home health aide", "other"),
        ("Right knee arthroscopy with evaluation of ACL, medical meniscectomy", "surgery"),
        ("Two to three week trial of Acute Rehabilitation Unit", "therapy"),
        ("Associated surgical service: Cold compression therapy 30 day rental", "equipment"),
        ("Deprizine (unknown quantity)", "medication"),
        ("Electrocardiogram times 3", "diagnostics"),
        ("Consult with hip replacement specialist to evaluation for a total hip arthroplasty", "other"),
    ],
)
def test_treatment_keyword_rules(item, category):
    assert TreatmentClassifier.from_file().classify({"item": item, "drugs": []}) == category


def test_drug_class_wins_over_keywords():
    classifier = TreatmentClassifier.from_file()
    decision = {"item": "Physical therapy and Celebrex 200mg", "drugs": [{"name": "Celebrex"}, {"name": "x", "drug_class": "NSAID"}]}
    assert classifier.classify(decision) == "drug: NSAID"


def test_page_and_place_labels():
    assert page_label([74, 80]) == "74–80"
    assert page_label([76, 76]) == "76"
    assert page_label({"start": 1, "end": 3}) == "1–3"
    assert page_label("113") == "113"
    assert page_label("74-80") == page_label("74 – 80") == "74–80"
    assert citation_places({"sections": ["Opioids", "Opioids"], "pages": [80, [74, 80]]}) == ["§ Opioids", "p. 80", "p. 74–80"]


def test_odd_but_valid_json_records_do_not_crash():
    stats = ReportStats()
    for record in [
        {"id": "a", "reviewer": "Dr. X", "decisions": {"item": "TENS unit", "outcome": "upheld"}},
        {"id": "b", "reviewer": {"specialties": "Neurology"}, "decisions": [
            "not a decision",
            {"item": None, "outcome": "overturned", "drugs": ["Norco", {"name": None}], "citations": [None, {"pages": 5}],
             "criteria": [{"assertion": "ABSENT", "cue": "no documentation of", "text": "functional improvements"},
                          {"assertion": "absent", "cue": "no documentation of"}, {"assertion": None}]},
        ]},
        {"id": "c", "decisions": None, "error": None},
    ]:
        stats.add(record)
    tables = {t.key: t for t in report_tables(stats)}
    assert tables["by_category"].rows == [["equipment", 1, 1, 0, 1.0], ["other", 1, 0, 1, 0.0]]
    assert tables["by_specialty"].rows == [["(not stated)", 1, 1, 0, 1.0], ["Neurology", 1, 0, 1, 0.0]]
    assert tables["absent_criteria"].rows == [["functional improvement", 1]]  # the text's lemma key, never the cue
    assert tables["by_drug"].rows == [] and tables["guidelines"].rows == []
    assert "<svg" in render_report(stats, list(tables.values()))


def test_html_is_self_contained_escaped_and_has_a_table_per_chart(tmp_path, stats):
    out = tmp_path / "report.html"
    build_report(FIXTURE, out)
    page = out.read_text(encoding="utf8")
    assert not re.search(r"(?:src|href)=\"(?:https?:)?//", page)
    assert "<script" not in page and "<link" not in page
    for key, bars in {"by_category": 7, "by_drug": 2, "absent_criteria": 4, "guidelines": 3, "guideline_places": 7, "by_specialty": 4}.items():
        svg = re.search(rf'<svg[^>]*data-chart="{key}".*?</svg>', page, re.S).group(0)
        assert svg.count('<g class="bar"') == bars
        assert f'id="{key}-table"' in page
    assert "MTUS · Chronic Pain Medical Treatment Guidelines" in page
    grouped = re.search(r'<table id="absent_criteria_by_category-table">.*?</table>', page, re.S).group(0)
    assert grouped.count('<tbody class="group">') == 3
    assert '<th scope="rowgroup" rowspan="2">drug: opioid</th>' in grouped

    evil = ReportStats()
    evil.add({"id": "x", "decisions": [{"item": "<script>alert(1)</script>", "outcome": "upheld",
                                        "drugs": [{"name": "<b>Drug</b>"}]}]})
    page = render_report(evil, report_tables(evil), title="<i>t</i>")
    assert "<script>alert" not in page and "<b>Drug" not in page and "<i>t</i>" not in page
    assert "&lt;b&gt;Drug&lt;/b&gt;" in page


def test_cli_report_writes_html_and_csv(tmp_path):
    out = tmp_path / "site" / "report.html"
    csv_dir = tmp_path / "site" / "csv"
    result = runner.invoke(app, ["report", str(FIXTURE), "-o", str(out), "--csv", str(csv_dir), "--top", "2"])
    assert result.exit_code == 0, result.output
    assert "1 lines of" in result.output and "6 letters, 8 decisions" in result.output
    assert sorted(p.name for p in csv_dir.iterdir()) == sorted(
        f"{k}.csv" for k in ("summary", "by_category", "by_drug", "absent_criteria", "absent_criteria_by_category",
                             "guidelines", "guideline_places", "by_specialty", "errors")
    )
    with (csv_dir / "by_category.csv").open(encoding="utf-8-sig") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == ["category", "decisions", "upheld", "overturned", "uphold_rate"]
    assert rows[1] == ["drug: opioid", "2", "1", "1", "0.5"]
    assert ["other", "1", "0", "0", ""] in rows
    assert (csv_dir / "by_category.csv").read_bytes().startswith(b"\xef\xbb\xbfcategory,")
    with (csv_dir / "guideline_places.csv").open(encoding="utf-8-sig") as handle:
        assert len(list(csv.reader(handle))) == 1 + 7  # all rows, not the top 2
    page = out.read_text(encoding="utf8")
    assert 'href="csv/by_category.csv"' in page
    assert "Showing the top 2 of 7 rows." in page


def test_cli_report_missing_input_is_usage_error(tmp_path):
    result = runner.invoke(app, ["report", str(tmp_path / "nope.jsonl"), "-o", str(tmp_path / "r.html")])
    assert result.exit_code == 2


def test_report_streams_its_input(monkeypatch):
    """`read_stats` never reads the whole file: it iterates lines."""
    import imr.display.report as report

    seen = []
    original = ReportStats.add_line

    def spy(self, line):
        seen.append(self.letters)
        original(self, line)

    monkeypatch.setattr(report.ReportStats, "add_line", spy)
    monkeypatch.setattr(Path, "read_text", lambda *a, **k: pytest.fail("read the whole file"))
    stats = read_stats(FIXTURE)
    assert stats.letters == 6 and len(seen) == 8  # one call per line, blank and bad lines included
    assert seen == sorted(seen)


def test_ten_thousand_letters_in_under_ten_seconds_streaming(tmp_path):
    """The README's measurement: the report of 10,000 synthetic letters (all components filled).

    Asserted on the process's CPU time, which other jobs on a shared machine do not inflate
    the way they inflate wall time; both are printed (pytest -s).
    """
    import subprocess
    import sys

    from .synthetic import write_synthetic_corpus

    corpus = tmp_path / "annotations.jsonl"
    write_synthetic_corpus(corpus, 10_000)
    size_mb = corpus.stat().st_size / 2**20
    script = (
        "import re, sys, time\n"
        "from imr.display.report import build_report\n"
        "wall, cpu = time.perf_counter(), time.process_time()\n"
        "stats = build_report(sys.argv[1], sys.argv[2], csv_dir=sys.argv[3])\n"
        "wall, cpu = time.perf_counter() - wall, time.process_time() - cpu\n"
        "peak_kb = int(re.search(r'VmHWM:\\s+(\\d+)', open('/proc/self/status').read()).group(1))\n"
        "print(wall, cpu, peak_kb / 1024, stats.letters, stats.outcomes.decisions)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script, str(corpus), str(tmp_path / "report.html"), str(tmp_path / "csv")],
        capture_output=True, text=True, check=True,
    )
    wall, cpu, peak_mb, letters, decisions = result.stdout.split()
    print(f"10,000 letters ({size_mb:.0f} MB): {float(wall):.2f} s wall, {float(cpu):.2f} s CPU, peak RSS {float(peak_mb):.0f} MB")
    assert (int(letters), int(decisions)) == (10_000, 24_600)
    assert float(cpu) < 10
    assert float(peak_mb) < size_mb  # streamed: the process never held the file


def test_errors_grouped_by_reason_without_line_numbers():
    stats = ReportStats()
    for number, error in enumerate(["line 3: not JSON: Expecting value", "line 9: not JSON: Extra data",
                                    'line 4: no "text" field', "empty file", "not UTF-8 text: invalid byte 0xe9"]):
        stats.add({"id": f"e{number}", "error": error})
    rows = {t.key: t for t in report_tables(stats)}["errors"].rows
    assert rows == [["not JSON", 2], ["empty file", 1], ['no "text" field', 1], ["not UTF-8 text", 1]]


def test_absent_criteria_grouped_by_category_else_key_never_cue():
    stats = ReportStats()
    criteria = [
        {"assertion": "absent", "text": "red flags", "cue": "no evidence of"},
        {"assertion": "absent", "text": "Red flag", "cue": "without"},
        {"assertion": "absent", "text": "objective functional improvements", "key": "functional gain", "cue": "no"},
        {"assertion": "absent", "text": "anything", "category": "rationale", "key": "anything", "cue": "no"},
        {"assertion": "absent", "cue": "no documentation of"},
        {"assertion": "requirement", "text": "red flags"},
    ]
    stats.add({"id": "a", "decisions": [{"item": "MRI of the knee", "outcome": "upheld", "criteria": criteria}]})
    stats.add({"id": "b", "decisions": [{"item": "MRI of the back", "outcome": "upheld", "criteria": criteria[1:2]}]})
    rows = {t.key: t for t in report_tables(stats)}["absent_criteria"].rows
    assert rows == [["red flag", 2], ["functional gain", 1], ["rationale", 1]]


def test_chart_labels_are_fitted_to_the_label_column():
    from imr.display.report import OUTCOME_COLUMNS as OUTCOME
    from imr.display.report import ChartLayout, Table, count_chart, fit_text, outcome_chart, text_width

    assert fit_text("Opioids", 200) == "Opioids"
    cut = fit_text("W" * 80, 200)
    assert cut.endswith("…") and text_width(cut) <= 200 < text_width(cut[:-1] + "W…")
    long = "ODG · Pain (Chronic), Opioids, criteria for use, long-term assessment, WWWWMMMM%%%%@@@@ " * 2
    rows = [[long, 120, 100, 20, 0.8333], ["Short", 3, 1, 2, 0.3333]]
    for table, chart in ((Table("t", "T", "", ["x"] + OUTCOME, rows, chart="outcomes"), outcome_chart),
                         (Table("c", "C", "", ["x", "citations"], [[long, 12_345], ["Short", 1]], chart="counts"), count_chart)):
        svg = chart(table)
        width = float(re.search(r'viewBox="0 0 ([\d.]+) ', svg).group(1))
        assert f'data-label="{long}"' in svg.replace("&#x27;", "'")  # the whole label stays in the tooltip and data
        texts = re.findall(r'<text class="\w+" x="([\d.]+)" y="[\d.]+"( text-anchor="end")?[^>]*>([^<]*)</text>', svg)
        assert len(texts) == 4  # a label and a value per row
        for x, anchor, text in texts:
            text = html.unescape(text)
            left, right = (float(x) - text_width(text), float(x)) if anchor else (float(x), float(x) + text_width(text))
            assert 0 <= left and right <= width, text
    assert ChartLayout.fit(["a"], ["1"], width=640, max_label_w=330, row_h=24).label_w == ChartLayout.MIN_LABEL_W


def test_build_report_reads_a_duckdb_export(tmp_path):
    from imr.io.export import export_records

    export_records([FIXTURE], duckdb_path=tmp_path / "imr.duckdb")
    out = tmp_path / "report.html"
    stats = build_report(tmp_path / "imr.duckdb", out, csv_dir=tmp_path / "csv")
    assert (stats.letters, stats.error_letters, stats.outcomes.decisions, stats.outcomes.upheld) == (6, 2, 8, 5)
    page = out.read_text(encoding="utf8")
    assert "imr.duckdb · 6 letters · 8 decisions" in page
    with (tmp_path / "csv" / "by_category.csv").open(encoding="utf-8-sig") as handle:
        assert list(csv.reader(handle))[1] == ["drug: opioid", "2", "1", "1", "0.5"]
