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
        # round 12: the item's own "no refills" does not negate it
        ("The request for Norco 5/325mg #30, no refills is medically necessary.", True),
        ("The request for Norco 5/325mg #30, no refills is not medically necessary.", False),
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


@pytest.mark.parametrize("gap", ["\n\n \n", "\n\n", " \n\n"])
def test_header_wrapped_across_a_paragraph_gap(gap):
    """A header whose last line sits after a paragraph gap ("... 180gm, DOS" / "01/22/2015: Upheld")
    is one item; a header after a finished sentence starts on its own line."""
    text = (
        "IMR ISSUES, DECISIONS AND RATIONALES\n\n"
        "Theramine #120:  Upheld\n\nDecision rationale: There is no documentation of a deficiency. The\n\n"
        "request is not medically necessary.\n\n \n"
        f"Compounded cream (Flurbiprofen 20%/Lidocaine 5%) 180gm, DOS{gap}01/22/2015:  Upheld\n\n \n"
        "Decision rationale: Topical compounds are not recommended.\n"
    )
    nlp = spacy.blank("en")
    for name in ("imr_sections", "imr_decisions"):
        nlp.add_pipe(name)
    doc = nlp(text)
    items = [" ".join(d._.imr_decision["item"].split()) for d in doc.spans["imr_decisions"]]
    assert items == ["Theramine #120", "Compounded cream (Flurbiprofen 20%/Lidocaine 5%) 180gm, DOS 01/22/2015"]
    assert doc.spans["imr_decisions"][1].start_char == text.index("Compounded")


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


@pytest.fixture(scope="module")
def decisions_component():
    nlp = spacy.blank("en")
    component = nlp.add_pipe("imr_decisions")
    component.initialize()
    return component


@pytest.mark.parametrize(
    "rationale,expected",
    [
        # concluding through another item
        ("As the surgery is not medically necessary, the requested post-operative physical therapy is not medically necessary.", False),
        ("Since the primary procedure is not medically necessary, none of the associated services are medically necessary.", False),
        ("The requested decompression is not medically necessary; therefore, the assistant surgeon is also not medically necessary.", False),
        ("As the requested surgery is not supported, the associated post-operative cold therapy unit is also not supported.", False),
        ("As the surgery has been found medically necessary, the requested post-operative physical therapy is also supported.", True),
        ("Although the surgery is medically necessary, the requested assistant surgeon is not warranted.", False),
        ("The associated surgical request was found not medically necessary. Therefore, the post-operative sling is also not supported.", False),
        # denials in other words
        ("There is no documentation of improvement. Therefore, the request for Norco is not supported.", False),
        ("Therefore, the request cannot be recommended.", False),
        ("As such, the requested MRI is not recommended at this time.", False),
        ("Thus, the request is not indicated.", False),
        ("Consequently, the request is not warranted.", False),
        ("The request for a cane is not appropriate.", False),
        ("Therefore, the request is not certified.", False),
        ("Therefore, the request is non-certified.", False),
        ("ODG recommends it only for adhesive capsulitis. She has not had surgery. Not indicated.", False),
        ("The request for 12 sessions exceeds the guideline recommendation and is therefore not supported.", False),
        ("Given the above, the request for 8 sessions of chiropractic care is\nnot supported by the guidelines.", False),
        ("Therefore, the request for Norco is not recommended for this patient.", False),
        ("As such, the guidelines do not support the request.", False),
        # approvals in other words
        ("The patient has failed conservative care. Therefore, the request is supported.", True),
        ("As such, the request for physical therapy is recommended.", True),
        ("The request is appropriate.", True),
        ("The request for an MRI of the knee is indicated.", True),
        ("Therefore, the requested surgery is warranted.", True),
        ("Therefore, the guidelines support the request.", True),
        # guideline statements, conditions, concessions, the UR history: no conclusion
        ("ODG does not recommend Ambien for long-term use.", None),
        ("The MTUS states that topical NSAIDs are not recommended for neuropathic pain.", None),
        ("According to the ACOEM Guidelines, surgery is recommended after failure of conservative care.", None),
        ("Lidoderm is recommended for localized peripheral neuropathic pain after a trial of first-line therapy. The records do not show neuropathic pain.", None),
        ("The requested Norco is recommended for moderate to severe pain.", None),
        ("If the patient had failed conservative care, the request would be supported.", None),
        ("Although physical therapy may be appropriate, the request for 12 sessions exceeds guidelines.", None),
        ("The request was previously non-certified by UR. Guidelines recommend a trial.", None),
        ("A request for 6 sessions would be reasonable.", None),
        # without "medically necessary", the rationale's last sentence concludes, in the indicative
        ("Liver function was not monitored. Long-term Tizanidine use in this setting is not appropriate.", False),
        ("There is no sleep history. Continued nightly use of Zolpidem cannot be recommended.", False),
        ("She takes one NSAID at a standard dose. Omeprazole for prophylaxis in a low risk patient is not supported.", False),
        ("The injection is not supported for knees with mild changes. The patient has severe osteoarthritis.", None),
        ("There is no rationale. Medical necessity for the requested bone scan is therefore not established.", False),
        # a guideline statement about the request concludes only when nothing else does
        ("Guidelines do not support the request.", False),
        ("Therefore, the request is medically necessary. ODG does not recommend the requested Ambien beyond 2 weeks.", True),
        # the guideline sentence before the conclusion is not the conclusion
        ("ODG does not recommend Ambien for long-term use. The patient has used it for 6 months. Therefore, the request is not supported.", False),
        ("Guidelines state that a brace is medically necessary when there is instability. In this case there is no instability. "
         "Therefore, the request is not supported.", False),
        # what follows the conclusion does not replace it
        ("Therefore, the request is not medically necessary. This medical necessity decision should not be interpreted as a "
         "recommendation to stop long-term opioids abruptly.", False),
        ("Therefore the request for Norco is not medically necessary. Weaning is recommended.", False),
        ("Therefore, the request is medically necessary. ODG does not recommend continued use beyond 2 weeks.", True),
        ("While the request for Zofran is reasonable, the request failed to provide a quantity. Therefore, the request is not medically necessary.", False),
        # the 2013 PDF artefact
        ("The request is notmedically necessary and appropriate.", False),
        # an insertion between the negated subject and its verb
        ("As the surgery is not medically necessary, none of the associated services, including the inpatient stay, are medically necessary.", False),
        ("The stay, including the first night, is medically necessary.", True),
        ("It is unclear why she needs it. The medical necessity of Sentra PM #60 cannot be established.", False),
        # round 25: a decimal strength between "medical necessity" and its verb
        ("Sleep hygiene has not been discussed. The medical necessity of Zolpidem ER 12.5mg #30 is therefore not established.", False),
    ],
)
def test_conclusion_in_every_wording(decisions_component, rationale, expected):
    assert decisions_component.conclusion(rationale) == expected


def test_conclusion_sentences_skip_abbreviations(decisions_component):
    assert decisions_component.sentences("Dr. Smith saw her. The request is not supported.") == [(0, 18), (19, 48)]
    assert decisions_component.conclusion("Based on the above, the request for Dr. Smith's consultation is not warranted.") is False


def test_outcome_rules_with_text_still_load():
    """Rule files saved before outcomes became patterns ("text") still load."""
    nlp = spacy.blank("en")
    for name in ("imr_sections", "imr_decisions"):
        nlp.add_pipe(name)
    nlp.initialize()
    component = nlp.get_pipe("imr_decisions")
    rules = [r for r in component.rules if r["kind"] != "outcome"]
    rules += [{"kind": "outcome", "text": "upheld", "value": "upheld"}, {"kind": "outcome", "text": "not medically necessary and appropriate", "value": "upheld"}]
    component.initialize(rules=rules)
    doc = nlp("IMR ISSUES, DECISIONS AND RATIONALES\n\nKnee MRI: Upheld\n\nDecision rationale: The request is not supported.\n")
    assert [(d._.imr_decision["item"], d._.imr_decision["outcome"]) for d in doc.spans["imr_decisions"]] == [("Knee MRI", "upheld")]


def test_a_clause_opening_with_no_negates_the_conclusion(nlp):
    base = "IMR ISSUES, DECISIONS AND RATIONALES\nPost-operative physical therapy x 12: Upheld\n\nDecision rationale: The surgery was not approved. {}\n"
    docs = [
        nlp(base.format(sentence))
        for sentence in (
            "Therefore, no post-operative services are medically necessary.",
            "No post-operative services are medically necessary.",
            "With no red flags noted, the request is medically necessary.",
        )
    ]
    assert [[d._.imr_decision["medically_necessary"] for d in doc.spans["imr_decisions"]] for doc in docs] == [[False], [False], [True]]
