"""The first IMR template (2013): numbered determinations, per-item blocks, header and metadata.

A 2013 letter states its outcomes in numbered determinations ("1) MAXIMUS Federal Services,
Inc. has determined the request for X is (not) medically necessary and appropriate."), lists
them twice (notice, then "INDEPENDENT MEDICAL REVIEW DECISION AND RATIONALE"), and discusses
each item in a block "N) Regarding the request for X:" with the two guideline paragraphs and
"Rationale for the Decision:". See docs/templates.md and corpus/synthetic/README.md.
"""
import re

import pytest
import srsly
import spacy

from imr.components.layout import collapse
from imr.evaluation.evaluate import evaluate
from imr.io.record import doc_to_record

from .conftest import GOLD, letter_path

ITEM_BLOCK_LABELS = ["decision_header", "claims_administrator_guideline", "maximus_guideline", "decision_rationale"]


def letter_2013(determinations, blocks, numbering=")"):
    """A tiny 2013 letter: determinations (item, necessary) twice, then one block per item."""

    def statement(n, item, necessary):
        verdict = "medically necessary" if necessary else "not medically necessary"
        return f"{n}{numbering} MAXIMUS Federal Services, Inc. has determined the request for {item} is {verdict} and appropriate."

    listed = "\n\n".join(statement(n, item, necessary) for n, (item, necessary) in enumerate(determinations, 1))
    item_blocks = "\n\n".join(
        f"{n}{numbering} Regarding the request for {item}:\n"
        "Medical Treatment Guideline(s) Used by the Claims Administrator (UR):\n"
        "The Claims Administrator based its decision on the MTUS.\n"
        "Medical Treatment Guideline(s) Used by the Expert Reviewer:\n"
        "The Expert Reviewer relied on the MTUS.\n"
        f"Rationale for the Decision:\n{rationale}"
        for n, (item, rationale) in enumerate(blocks, 1)
    )
    return (
        "MAXIMUS FEDERAL SERVICES, INC.\nIndependent Medical Review\n\n"
        "Notice of Independent Medical Review Determination\n\n"
        "Dated: 12/2/2013\n\n"
        "IMR Case Number: CM13-0001234          Date of UR Decision: 10/1/2013\n"
        "Date of Injury: 3/4/2010               IMR Application Received: 10/9/2013\n\n"
        f"{listed}\n\n"
        "INDEPENDENT MEDICAL REVIEW DECISION AND RATIONALE\n"
        "An application for Independent Medical Review was filed on 10/9/2013. A decision has been made\n"
        "for each of the treatment and/or services that were in dispute:\n\n"
        f"{listed}\n\n"
        "Medical Qualifications of the Expert Reviewer:\n"
        "The physician reviewer is Board Certified in Anesthesiology, has a subspecialty in Pain Medicine\n"
        "and is licensed to practice in California and Nevada.\n\n"
        "Case Summary:\n"
        "The patient is a 52 year-old male with a date of injury of 3/4/2010.\n\n"
        f"{item_blocks}\n"
    )


NOT = "There is no documentation of functional improvement. The request is not medically necessary and appropriate."
YES = "A trial is recommended. The request is medically necessary and appropriate."
TINY = letter_2013(
    [("Norco 10/325mg #90", False), ("physical therapy 2 times a week for 4 weeks", True)],
    [("Norco 10/325mg #90", NOT), ("physical therapy 2 times a week for 4 weeks", YES)],
)


def decisions_of(record):
    return [(d["item"], d["outcome"], d["medically_necessary"]) for d in record["decisions"]]


@pytest.fixture(scope="module")
def tiny(nlp):
    return nlp(TINY)


def test_tiny_letter_decisions(tiny):
    record = doc_to_record(tiny, "tiny")
    assert record["template"] == "2013"
    assert decisions_of(record) == [
        ("Norco 10/325mg #90", "upheld", False),
        ("physical therapy 2 times a week for 4 weeks", "overturned", True),
    ]


def test_item_blocks_carry_the_2016_section_labels(tiny):
    labels = [s.label_ for s in tiny.spans["imr_sections"]]
    assert labels == [
        "notice",
        "case_header",
        "determination",
        "determination",
        "decision_summary",
        "determination",
        "determination",
        "reviewer_qualifications",
        "case_summary",
        "issues",
        *ITEM_BLOCK_LABELS,
        *ITEM_BLOCK_LABELS,
    ]
    headers = [s.text for s in tiny.spans["imr_sections"] if s.label_ == "decision_header"]
    assert headers == ["1) Regarding the request for Norco 10/325mg #90:", "2) Regarding the request for physical therapy 2 times a week for 4 weeks:"]


def test_decision_spans_cover_header_through_rationale(tiny):
    record = doc_to_record(tiny, "tiny")
    first, second = record["decisions"]
    assert TINY[first["start"] : first["end"]].startswith("1) Regarding the request for Norco")
    assert TINY[first["start"] : first["end"]].endswith("is not medically necessary and appropriate.")
    assert TINY[second["start"] : second["end"]].endswith("The request is medically necessary and appropriate.")
    assert [d["name"] for d in first["drugs"]] == ["Norco"]
    assert first["drugs"][0]["quantity"] == 90
    assert second["drugs"] == []
    assert [(c["text"], c["assertion"]) for c in first["criteria"] if c["assertion"] == "absent"] == [("functional improvement", "absent")]


def test_outcome_entities_are_the_first_determinations(tiny):
    outcomes = [(e.text, e._.imr_outcome, e.start_char) for e in tiny.ents if e.label_ == "OUTCOME"]
    assert [(text, value) for text, value, _ in outcomes] == [
        ("not medically necessary and appropriate", "upheld"),
        ("medically necessary and appropriate", "overturned"),
    ]
    assert all(start < TINY.index("INDEPENDENT MEDICAL REVIEW DECISION") for _, _, start in outcomes)


def test_tiny_letter_metadata(tiny):
    assert tiny._.imr_case == {
        "case_number": "CM13-0001234",
        "date_assigned": None,
        "date_of_injury": "2010-03-04",
        "decision_date": "2013-12-02",
        "ur_denial_date": "2013-10-01",
        "application_received": "2013-10-09",
        "priority": None,
    }
    assert tiny._.imr_reviewer == {"specialties": ["Anesthesiology", "Pain Medicine"], "licensure": ["California", "Nevada"]}
    assert tiny._.imr_patient == {"age": 52, "sex": "male"}


def test_numbering_with_a_period(nlp):
    text = letter_2013([("a cane", False), ("a knee brace", True)], [("a cane", NOT), ("a knee brace", YES)], numbering=".")
    assert decisions_of(doc_to_record(nlp(text), "x")) == [("a cane", "upheld", False), ("a knee brace", "overturned", True)]


def test_line_breaks_anywhere_and_notmedically(nlp):
    text = letter_2013(
        [("Tizanidine 4mg #60 with 1 refill", False), ("an MRI of the right shoulder", True), ("Lidoderm 5% patch #30", False)],
        [("Tizanidine 4mg #60 with 1 refill", NOT), ("an MRI of the right shoulder", YES), ("Lidoderm 5% patch #30", NOT)],
    )
    text = text.replace("with 1 refill is not medically", "with 1\nrefill is notmedically")
    text = text.replace("the request for an MRI of the right shoulder is", "the request for an MRI of the right\nshoulder is")
    text = text.replace("#30 is not medically necessary and appropriate", "#30 is\nnot medically necessary\nand appropriate")
    text = text.replace("Regarding the request for Lidoderm 5% patch #30:", "Regarding the request for Lidoderm 5%\npatch #30:")
    assert text.count("notmedically") == 2
    record = doc_to_record(nlp(text), "x")
    assert decisions_of(record) == [
        ("Tizanidine 4mg #60 with 1 refill", "upheld", False),
        ("an MRI of the right shoulder", "overturned", True),
        ("Lidoderm 5% patch #30", "upheld", False),
    ]
    assert [e["text"] for e in record["entities"] if e["label"] == "OUTCOME"] == [
        "notmedically necessary and appropriate",
        "medically necessary and appropriate",
        "not medically necessary\nand appropriate",
    ]
    assert [[d["name"] for d in decision["drugs"]] for decision in record["decisions"]] == [["Tizanidine"], [], ["Lidoderm"]]


def test_notmedically_in_the_rationale(nlp):
    text = letter_2013([("a cane", False)], [("a cane", "The request for a cane is notmedically necessary and appropriate.")])
    assert decisions_of(doc_to_record(nlp(text), "x")) == [("a cane", "upheld", False)]


def test_item_comes_from_its_numbered_determination(nlp):
    """Blocks are matched to determinations by number, not by order or wording."""
    text = letter_2013([("a cane", False), ("a walker", True)], [("a cane", NOT), ("the walker", YES)])
    assert decisions_of(doc_to_record(nlp(text), "x")) == [("a cane", "upheld", False), ("a walker", "overturned", True)]


def test_without_recognised_item_blocks_the_determinations_are_the_decisions(nlp):
    """Item blocks in another shape: each determination (listed twice) gives one decision."""
    text = letter_2013([("a cane", False), ("a walker", True)], [("a cane", NOT), ("a walker", YES)])
    text = re.sub(r"(?m)^(\d)\) Regarding the request for ([^:\n]+):$", r"Item \1: \2", text)
    record = doc_to_record(nlp(text), "x")
    assert record["template"] == "2013"
    assert [(d["item"], d["outcome"]) for d in record["decisions"]] == [("a cane", "upheld"), ("a walker", "overturned")]


def test_template_without_the_notice_title(nlp):
    text = TINY.replace("Notice of Independent Medical Review Determination\n\n", "")
    assert nlp(text)._.imr_template == "2013"


def test_numbered_lines_of_later_templates_are_not_determinations(nlp):
    """'2016. The patient ...' and a sentence ending '... medically necessary and appropriate.'
    inside a 2016 rationale are not numbered determinations."""
    text = (
        "IMR ISSUES, DECISIONS AND RATIONALES\n"
        "The Final Determination was based on decisions for the disputed items/services set forth below:\n\n"
        "Cervical MRI: Upheld\n\n"
        "Decision rationale: The patient was seen on 10/10/\n"
        "2016. The pain score was rated at\n"
        "10. The request for Cervical MRI is not medically necessary and appropriate.\n"
    )
    doc = nlp(text)
    assert [s.label_ for s in doc.spans["imr_sections"]] == ["issues", "decision_header", "decision_rationale"]
    assert decisions_of(doc_to_record(doc, "x")) == [("Cervical MRI", "upheld", False)]


SYNTHETIC = "SYN-2013-01"


@pytest.fixture(scope="module")
def gold_2013():
    return srsly.read_json(GOLD / f"{SYNTHETIC}.json")


def test_synthetic_letter_against_its_gold(nlp, gold_2013):
    text = letter_path(SYNTHETIC).read_text(encoding="utf8")
    record = doc_to_record(nlp(text), SYNTHETIC)
    assert record["template"] == "2013"
    assert decisions_of(record) == [(collapse(d["item"]), d["outcome"], d["medically_necessary"]) for d in gold_2013["decisions"]]
    assert record["case"] == gold_2013["case"]
    assert record["reviewer"] == gold_2013["reviewer"]
    assert record["patient"] == gold_2013["patient"]
    for number, (decision, gold) in enumerate(zip(record["decisions"], gold_2013["decisions"]), 1):
        assert [(d["name"], d["strength"], d["quantity"], d["refills"]) for d in decision["drugs"]] == [
            (d["name"], d["strength"], d["quantity"], d["refills"]) for d in gold["drugs"]
        ]
        # header through rationale: "N) Regarding the request for X:" ... "... medically necessary and appropriate."
        block = text[decision["start"] : decision["end"]]
        assert block.startswith(f"{number}) Regarding the request for {gold['item']}:")
        assert collapse(block).endswith("medically necessary and appropriate.")
        assert sorted(c["cited_by"] for c in decision["citations"] if c["cited_by"] != "rationale") == ["claims_administrator", "maximus"]
    metrics = evaluate({SYNTHETIC: gold_2013}, {SYNTHETIC: record}).metrics()
    for name in ("decisions_f", "decision_item_exact_acc", "decision_outcome_acc", "decision_medically_necessary_acc", "decision_drugs_f"):
        assert metrics[name] == 1.0, name
    for name in ("case_number", "date_of_injury", "decision_date", "ur_denial_date", "application_received", "reviewer_specialties", "reviewer_licensure", "patient_age", "patient_sex"):
        assert metrics[f"{name}_acc"] == 1.0, name


def test_synthetic_letter_double_spaced_gives_the_same_annotations(nlp):
    text = letter_path(SYNTHETIC).read_text(encoding="utf8")
    double = "".join((line + " \n\n") if line.strip() else " \n\n" for line in text.split("\n"))
    single_record, double_record = doc_to_record(nlp(text), "s"), doc_to_record(nlp(double), "d")
    assert decisions_of(double_record) == decisions_of(single_record)
    for key in ("template", "case", "reviewer", "patient"):
        assert double_record[key] == single_record[key]
    labels = lambda record: [(e["label"], re.sub(r"\s+", "", e["text"])) for e in record["entities"]]  # noqa: E731
    assert labels(double_record) == labels(single_record)


def test_sections_and_decisions_alone(tmp_path):
    """The 2013 rules work in a bare sections + decisions pipeline and survive to_disk/from_disk."""
    nlp = spacy.blank("en")
    for name in ("imr_sentences", "imr_sections", "imr_decisions"):
        nlp.add_pipe(name)
    nlp.initialize()
    nlp.to_disk(tmp_path / "p")
    restored = spacy.load(tmp_path / "p")
    for pipeline in (nlp, restored):
        doc = pipeline(TINY)
        assert [(d._.imr_decision["item"], d._.imr_decision["outcome"]) for d in doc.spans["imr_decisions"]] == [
            ("Norco 10/325mg #90", "upheld"),
            ("physical therapy 2 times a week for 4 weeks", "overturned"),
        ]


@pytest.mark.parametrize("anchor", ["has determined the request for", "Regarding the request for", "Rationale for the Decision:\n"])
def test_punctuation_runs_cost_linear_time(nlp, anchor):
    """Runs of punctuation inside a determination, an item header or a rationale: 4x the run,
    at most ~4x the time of the 2013 rules (sections, decisions, metadata; IMR tokenizer)."""
    import time

    at = TINY.index(anchor) + len(anchor)

    def seconds(length, char):
        text = TINY[:at] + " " + char * length + " " + TINY[at:]
        best = float("inf")
        for _ in range(3):
            started = time.perf_counter()
            nlp(text)
            best = min(best, time.perf_counter() - started)
        return best

    with nlp.select_pipes(enable=["imr_sentences", "imr_sections", "imr_decisions", "imr_metadata"]):
        for char in "-.,_=;: \n":
            small, large = seconds(10_000, char), seconds(40_000, char)
            assert large / small < 8, (char, small, large)


def test_item_header_wording_inside_a_2016_rationale_changes_nothing(nlp):
    text = (
        "IMR ISSUES, DECISIONS AND RATIONALES\n"
        "The Final Determination was based on decisions for the disputed items/services set forth below:\n\n"
        "Norco 10/325mg #90: Upheld\n\n"
        "Decision rationale: The points below apply:\n"
        "1) Regarding the request for Norco, the guidelines state the following:\n"
        "There is no documentation of functional improvement. The request is not medically necessary.\n\n"
        "Knee MRI: Overturned\n\n"
        "Decision rationale: The request is medically necessary.\n"
    )
    record = doc_to_record(nlp(text), "x")
    assert record["template"] == "unknown"
    assert decisions_of(record) == [("Norco 10/325mg #90", "upheld", False), ("Knee MRI", "overturned", True)]
