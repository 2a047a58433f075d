import pytest
import spacy

import imr.components  # noqa: F401

LETTER = """HOW THE IMR FINAL DETERMINATION WAS MADE
MAXIMUS Federal Services sent the complete case file to an expert reviewer.

CLINICAL CASE SUMMARY
The applicant is a 34-year-old male.

IMR ISSUES, DECISIONS AND RATIONALES
The Final Determination was based on decisions for the disputed items/services set forth below:
Norco 10/325mg, #90 with
3 refills: Upheld

Claims Administrator guideline: Decision based on MTUS Chronic Pain Medical Treatment 2016.

MAXIMUS guideline: Decision based on MTUS Chronic Pain Medical Treatment 2016, Section(s): Opioids.

Decision rationale: There is no documentation of functional improvement. Therefore, the request
for Norco is not medically necessary.

Acupuncture 12 sessions was the original request. The Claims Administrator authorized 6
sessions. The remaining IMR eligible portion of the original request, Acupuncture 6 sessions is:
Overturned

Claims Administrator guideline: The Claims Administrator did not cite any medical evidence for its decision.

MAXIMUS guideline: Decision based on MTUS Chronic Pain Medical Treatment 2016.

Decision rationale: Guidelines support a trial. No, the request was not
medically necessary, medically appropriate, or indicated here? No: the trial is medically
necessary.
"""


@pytest.fixture(scope="module")
def doc():
    nlp = spacy.blank("en")
    for name in ("imr_sentences", "imr_sections", "imr_decisions"):
        nlp.add_pipe(name)
    nlp.initialize()
    return nlp(LETTER)


def test_sections(doc):
    labels = [s.label_ for s in doc.spans["imr_sections"]]
    assert labels == [
        "determination_method",
        "case_summary",
        "issues",
        "decision_header",
        "claims_administrator_guideline",
        "maximus_guideline",
        "decision_rationale",
        "decision_header",
        "claims_administrator_guideline",
        "maximus_guideline",
        "decision_rationale",
    ]
    header = doc.spans["imr_sections"][3]
    assert header.text == "Norco 10/325mg, #90 with\n3 refills: Upheld"


def test_decisions_items_and_outcomes(doc):
    decisions = [d._.imr_decision for d in doc.spans["imr_decisions"]]
    assert [d["item"] for d in decisions] == [
        "Norco 10/325mg, #90 with 3 refills",
        "Acupuncture 12 sessions was the original request. The Claims Administrator authorized 6 sessions. "
        "The remaining IMR eligible portion of the original request, Acupuncture 6 sessions is",
    ]
    assert [d["outcome"] for d in decisions] == ["upheld", "overturned"]
    assert [d["medically_necessary"] for d in decisions] == [False, True]


def test_outcome_entities_offsets(doc):
    outcomes = [e for e in doc.ents if e.label_ == "OUTCOME"]
    assert [(e.text, e._.imr_outcome) for e in outcomes] == [("Upheld", "upheld"), ("Overturned", "overturned")]
    for ent in outcomes:
        assert LETTER[ent.start_char : ent.end_char] == ent.text


def test_decision_span_covers_block(doc):
    first, second = doc.spans["imr_decisions"]
    assert first.text.startswith("Norco 10/325mg")
    assert first.text.endswith("is not medically necessary.")
    assert second.start_char > first.end_char


@pytest.mark.parametrize(
    "rationale,expected",
    [
        ("Therefore, the request for Norco 10/325mg, #90 is not medically necessary.", False),
        ("Therefore, the requested physical therapy is medically necessary.", True),
        ("The request is not medically necessary and appropriate.", False),
        ("As such, the request cannot be deemed medically necessary at this time.", False),
        ("MTUS identifies criteria necessary to support the medical necessity of opioids.", None),
        ("Medical necessity for the requested item has not been established.", False),
        ("Although the patient does not have spasm, this request is medically necessary.", True),
        ("For these reasons, the request for two follow up visits is not medically\nappropriate.", False),
        ("No, the request was not medically necessary, medically appropriate, or indicated here.", False),
    ],
)
def test_conclusion_variants(rationale, expected):
    nlp = spacy.blank("en")
    component = nlp.add_pipe("imr_decisions")
    component.initialize()
    assert component.conclusion(rationale) == expected


def test_numbered_older_template_header():
    text = (
        "IMR ISSUES, DECISIONS AND RATIONALES\n\n"
        "1. Physical therapy two times a week for four weeks is not medically necessary and appropriate.\n\n"
        "Decision rationale: There is no documentation of prior sessions.\n"
    )
    nlp = spacy.blank("en")
    for name in ("imr_sections", "imr_decisions"):
        nlp.add_pipe(name)
    doc = nlp(text)
    (decision,) = doc.spans["imr_decisions"]
    assert decision._.imr_decision["item"] == "Physical therapy two times a week for four weeks"
    assert decision._.imr_decision["outcome"] == "upheld"


def test_initialize_is_idempotent_and_rules_round_trip(tmp_path):
    nlp = spacy.blank("en")
    component = nlp.add_pipe("imr_decisions")
    nlp.initialize()
    first = list(component.rules)
    nlp.initialize()
    assert component.rules == first
    nlp.to_disk(tmp_path / "m")
    assert (tmp_path / "m" / "imr_decisions" / "decisions.jsonl").exists()
    assert spacy.load(tmp_path / "m").get_pipe("imr_decisions").rules == first


OLDER_LETTER = """Notice of Independent Medical Review Determination

IMR ISSUES, DECISIONS AND RATIONALES
The Final Determination was based on decisions for the disputed items/services set forth below:

1. Oxycodone 30mg #180 is not medically necessary and appropriate.

Rationale for the Decision:
There is no documentation of functional improvement. The request is not medically necessary and
appropriate.

2. Physical therapy 6 sessions for the lumbar spine is medically necessary and appropriate.

Rationale for the Decision:
A trial of therapy is recommended. The request is medically necessary and appropriate.

Lumbar brace: Uphold

Decision rationale: The request is not medically necessary.
"""


def test_older_template_numbered_items_and_rationale_heading():
    nlp = spacy.blank("en")
    for name in ("imr_sentences", "imr_sections", "imr_decisions"):
        nlp.add_pipe(name)
    doc = nlp(OLDER_LETTER)
    decisions = [d._.imr_decision for d in doc.spans["imr_decisions"]]
    assert [(d["item"], d["outcome"], d["medically_necessary"]) for d in decisions] == [
        ("Oxycodone 30mg #180", "upheld", False),
        ("Physical therapy 6 sessions for the lumbar spine", "overturned", True),
        ("Lumbar brace", "upheld", False),
    ]
    rationales = [s for s in doc.spans["imr_sections"] if s.label_ == "decision_rationale"]
    assert [s.text.split("\n")[0] for s in rationales] == ["Rationale for the Decision:"] * 2 + [
        "Decision rationale: The request is not medically necessary."
    ]


def test_older_template_is_named_and_fully_annotated(nlp):
    from imr.io.record import doc_to_record

    record = doc_to_record(nlp(OLDER_LETTER), "older")
    assert record["template"] == "2013"
    first = record["decisions"][0]
    assert [d["name"] for d in first["drugs"]] == ["Oxycodone"]
    assert [(c["text"], c["assertion"]) for c in first["criteria"]] == [("functional improvement", "absent")]
