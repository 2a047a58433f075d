"""`imr render`: displaCy span view of a letter and its decisions."""
import re

import pytest
from spacy import displacy
from spacy.util import registry
from typer.testing import CliRunner

from imr.cli import app
from imr.io.record import doc_to_record
from imr.display.render import DISPLACY_COLORS, display_doc, paragraph_ranges, render_letter

from .conftest import letter_path
from .synthetic import SEED, enrich_seed

runner = CliRunner()


@pytest.fixture(scope="module")
def seed_doc(nlp):
    return enrich_seed(nlp(letter_path(SEED).read_text(encoding="utf8")))


@pytest.fixture(scope="module")
def seed_page(seed_doc):
    return render_letter(seed_doc, doc_to_record(seed_doc, SEED, f"corpus/seeds/{SEED}.txt"))


def label_chips(page):
    """(label, colour) of every displaCy span label chip in the page."""
    return re.findall(r'<span style="background: (#[0-9a-f]{6}); z-index: 10;[^>]*>\s*([A-Z_]+)\s*</span>', page)


def test_colours_are_registered_through_the_entry_point(seed_doc):
    assert registry.displacy_colors.get("imr") is DISPLACY_COLORS
    markup = displacy.render(seed_doc, style="span", options={"spans_key": "imr"})
    chips = {label: colour for colour, label in label_chips(markup)}
    assert chips["DRUG"] == DISPLACY_COLORS["DRUG"]
    assert chips["CITATION"] == DISPLACY_COLORS["CITATION"]
    assert chips["OUTCOME"] == DISPLACY_COLORS["OUTCOME"]
    assert chips["CRITERION"] == DISPLACY_COLORS["CRITERION"]


def test_criteria_are_shown_by_assertion_each_label_in_its_colour(seed_page):
    chips = label_chips(seed_page)
    labels = sorted(label for _, label in chips)
    assert labels == sorted(["OUTCOME", "OUTCOME", "DRUG", "DRUG", "CITATION", "CITATION",
                             "CRITERION_ABSENT", "CRITERION_PRESENT", "CRITERION_REQUIREMENT"])
    for colour, label in chips:
        assert colour == DISPLACY_COLORS[label]
    assert len(set(DISPLACY_COLORS[label] for label in labels)) == 6


def test_attribute_spans_only_on_request(seed_doc):
    entities_only, everything = display_doc(seed_doc), display_doc(seed_doc, all_spans=True)
    assert "STRENGTH" not in [s.label_ for s in entities_only.spans["imr"]]
    assert "STRENGTH" in [s.label_ for s in everything.spans["imr"]]
    page = render_letter(seed_doc, doc_to_record(seed_doc, SEED), all_spans=True)
    assert "STRENGTH" in [label for _, label in label_chips(page)]


def test_decision_tables(seed_page):
    tables = re.findall(r'<table class="decision" id="decision-(\d)" data-outcome="(\w+)">(.*?)</table>', seed_page, re.S)
    assert [(n, outcome) for n, outcome, _ in tables] == [("1", "upheld"), ("2", "upheld")]
    first, second = tables[0][2], tables[1][2]
    assert "<li>Nucynta 75 mg #90, 3 refills (tapentadol, opioid)</li>" in first
    assert ("<li>MTUS · Chronic Pain Medical Treatment Guidelines — § Opioids, p. 74–80 [maximus]</li>") in first
    assert "<li>functional improvement: no documentation of functional benefit</li>" in first
    assert "single prescriber" not in first  # a requirement, not an absent criterion
    assert "<li>Baclofen 10 mg #60, 3 refills (muscle relaxant)</li>" in second
    assert re.search(r"Absent criteria</th><td><span class=\"none\">none found", second)


def test_letter_keeps_paragraphs_headings_and_punctuation(seed_page, seed_doc):
    headings = re.findall(r'<div class="para heading" id="p\d+">\s*<div class="spans"[^>]*>([^<]*)</div>', seed_page)
    assert [h.strip() for h in headings][:3] == [
        "HOW THE IMR FINAL DETERMINATION WAS MADE", "CLINICAL CASE SUMMARY", "IMR ISSUES, DECISIONS AND RATIONALES"]
    assert "He/she has no" in seed_page and "employee, providers" in seed_page
    assert " , " not in re.sub(r"<[^>]+>", " ", seed_page.split('<article class="letter"', 1)[1]).replace("\n", " ")
    # every decision links to the paragraph where its block starts
    for start in re.findall(r'<a class="jump" href="#p(\d+)"', seed_page):
        assert f'id="p{start}"' in seed_page
    ranges = paragraph_ranges(seed_doc.text)
    assert ranges[0][0] == 0 and ranges[-1][1] == len(seed_doc.text)
    assert all(a[1] == b[0] for a, b in zip(ranges, ranges[1:]))


def test_cli_render_corpus_letter(tmp_path):
    out = tmp_path / "letter.html"
    result = runner.invoke(app, ["render", str(letter_path(SEED)), "-o", str(out)])
    assert result.exit_code == 0, result.output
    page = out.read_text(encoding="utf8")
    assert page.count('<table class="decision"') == 2
    labels = [label for _, label in label_chips(page)]
    assert labels.count("OUTCOME") == 2
    assert {"DRUG", "CITATION", "CRITERION_ABSENT", "CRITERION_REQUIREMENT"} <= set(labels)
    assert "<script" not in page and "http" not in page.replace('xmlns="http://www.w3.org/2000/svg"', "")


def test_cli_render_bad_letter_and_escaping(tmp_path):
    bad = tmp_path / "recipe.txt"
    bad.write_text("Mix flour and water.", encoding="utf8")
    result = runner.invoke(app, ["render", str(bad), "-o", str(tmp_path / "bad.html")])
    assert result.exit_code == 1
    assert "not an IMR letter" in result.output
    assert not (tmp_path / "bad.html").exists()

    evil = tmp_path / "evil.txt"
    evil.write_text("Independent Medical Review\n\n<script>alert('x')</script> & <b>bold</b>\n", encoding="utf8")
    out = tmp_path / "evil.html"
    assert runner.invoke(app, ["render", str(evil), "-o", str(out)]).exit_code == 0
    page = out.read_text(encoding="utf8")
    assert "<script>" not in page and "<b>bold" not in page
    assert "&lt;script&gt;alert('x')&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt;" in page
    assert "No decisions found in this letter." in page
