"""Letter metadata (`imr_metadata`): case header, reviewer, patient, template; gold; scoring."""
import pytest
import srsly
from spacy.tokens import DocBin
from spacy.training import Example

import imr
from imr.evaluation.evaluate import Evaluation, evaluate
from imr.evaluation.metadata import score_metadata
from imr.components.metadata import MetadataExtractor
from imr.io.record import doc_to_record

from .conftest import gold_letters, letter_path

GOLD = gold_letters()

HEADER_TXT = """Case Number: CM16-0219557
Date Assigned: 11/18/2016    Date of Injury: 10/10/2016
Decision Date: 12/19/2016    UR Denial Date: 11/09/2016
Priority: Standard    Application Received: 11/14/2016
"""
# The same header as pypdf extracts it from the PDF: values wrapped onto the next lines.
HEADER_PDF = """Case Number: CM16-0219557
Date Assigned: 11/18/2016 Date of Injury:  10/10/2016
Decision Date: 12/19/2016 UR Denial Date:  11/09/2016
Priority:  Standard Application
Received:
11/14/2016
"""
CREDENTIALS = """The Expert Reviewer has the following credentials:
State(s) of Licensure: Texas,New York, California
Certification(s)/Specialty: Preventive Medicine, Occupational Medicine, Public Health &
General Preventive Medicine
"""
SUMMARY = "The applicant is a 34-year-old male who has filed a claim for an industrial injury of October 10, 2015."
ISSUES = """IMR ISSUES, DECISIONS AND RATIONALES
The Final Determination was based on decisions for the disputed items/services set forth below:

Facet joint injections L4-5: Upheld

Decision rationale: The request is not medically necessary.
"""
EXPECTED_CASE = {
    "case_number": "CM16-0219557",
    "date_assigned": "2016-11-18",
    "date_of_injury": "2016-10-10",
    "decision_date": "2016-12-19",
    "ur_denial_date": "2016-11-09",
    "application_received": "2016-11-14",
    "priority": "Standard",
}
NO_CASE = {name: None for name in EXPECTED_CASE}


def letter_2016(header=HEADER_TXT, credentials=CREDENTIALS, summary=SUMMARY):
    return (
        f"{header}\nHOW THE IMR FINAL DETERMINATION WAS MADE\nMAXIMUS Federal Services sent the case file to an expert reviewer.\n\n"
        f"{credentials}\nCLINICAL CASE SUMMARY\nThe expert reviewer developed the following clinical case summary:\n\n"
        f"{summary}\n\n{ISSUES}"
    )


def letter_2014(reviewer_sentence, summary):
    return (
        "HOW THE IMR FINAL DETERMINATION WAS MADE\n"
        f"MAXIMUS Federal Services sent the complete case file to an expert reviewer. The expert\n{reviewer_sentence}\n"
        "He/she has been in active clinical practice for more than five years.\n\n"
        f"CLINICAL CASE SUMMARY\nThe expert reviewer developed the following clinical case summary:\n\n{summary}\n\n{ISSUES}"
    )


@pytest.mark.parametrize("header", [HEADER_TXT, HEADER_PDF], ids=["txt", "pdf"])
def test_case_header_2016(nlp, header):
    doc = nlp(letter_2016(header=header))
    assert doc._.imr_template == "2016"
    assert doc._.imr_case == EXPECTED_CASE  # the header's injury date, not the summary's 2015 one
    assert doc._.imr_reviewer == {
        "specialties": ["Preventive Medicine", "Occupational Medicine", "Public Health & General Preventive Medicine"],
        "licensure": ["Texas", "New York", "California"],
    }
    assert doc._.imr_patient == {"age": 34, "sex": "male"}


def test_credentials_directly_followed_by_heading(nlp):
    credentials = "State(s) of Licensure: Ohio\nCertification(s)/Specialty: Surgery, Surgical Critical Care"
    text = letter_2016(credentials=credentials).replace(credentials + "\n\nCLINICAL", credentials + "\nCLINICAL")
    assert "Care\nCLINICAL CASE SUMMARY" in text
    assert nlp(text)._.imr_reviewer == {"specialties": ["Surgery", "Surgical Critical Care"], "licensure": ["Ohio"]}


def test_credentials_without_sections_stop_at_a_final_heading(nlp):
    doc = nlp("Knee MRI: Upheld\n\nState(s) of Licensure: Ohio,\nTexas\nCertification(s)/Specialty: Surgery\nSUMMARY")
    assert doc._.imr_template == "unknown"
    assert doc._.imr_reviewer == {"specialties": ["Surgery"], "licensure": ["Ohio", "Texas"]}


@pytest.mark.parametrize(
    "sentence, specialties, licensure",
    [
        (
            "reviewer is Board Certified in Occupational Medicine and is licensed to practice in California.",
            ["Occupational Medicine"],
            ["California"],
        ),
        (
            "reviewer is Board Certified in Physical Medicine and Rehabilitation, has a subspecialty in\n"
            "Interventional Spine and is licensed to practice in California.",
            ["Physical Medicine and Rehabilitation", "Interventional Spine"],
            ["California"],
        ),
        (
            "reviewer is Board Certified in Neurology, has a subspecialty in Neuromuscular Medicine, and is\n"
            "licensed to practice in New Jersey.",
            ["Neurology", "Neuromuscular Medicine"],
            ["New Jersey"],
        ),
        (
            "reviewer is Board Certified in Anesthesiology, has a subspecialty in Pain Medicine and is\n"
            "licensed to practice in California, Nevada and New York.",
            ["Anesthesiology", "Pain Medicine"],
            ["California", "Nevada", "New York"],
        ),
    ],
    ids=["plain", "subspecialty", "subspecialty-comma", "three-states"],
)
def test_reviewer_prose_2014(nlp, sentence, specialties, licensure):
    doc = nlp(letter_2014(sentence, "The patient is a 54 year old female with an injury date on 04/10/2010."))
    assert doc._.imr_template == "2014"
    assert doc._.imr_reviewer == {"specialties": specialties, "licensure": licensure}
    assert doc._.imr_case == {**NO_CASE, "date_of_injury": "2010-04-10"}
    assert doc._.imr_patient == {"age": 54, "sex": "female"}


@pytest.mark.parametrize(
    "summary, injury, age, sex",
    [
        ("this is a 58-year-old female with a 2/3/11 date of injury.", "2011-02-03", 58, "female"),
        ("The injured worker is a 48 year old male with an injury date on 04/10/2010.", "2010-04-10", 48, "male"),
        ("The patient is a 65-year-old man who sustained a work-related injury on December 17, 2001.", "2001-12-17", 65, "man"),
        ("The injured worker is a female who sustained an industrial injury on 10-25-2016.", "2016-10-25", None, "female"),
        ("She is a 68-year-old female patient status post injury in 1997 now 17 years ago.", None, 68, "female"),
        ("The applicant is a 51 year-\nold obese woman. Date of injury: 3/4/1998.", "1998-03-04", 51, "woman"),
        ("A 40-year-old who reported an injury of Sept. 3, 2014 to the back.", "2014-09-03", 40, None),
        ("The worker was injured at work. DOI 12/25/99.", "1999-12-25", None, None),
        ("The injured worker was injured on 7/15/2013 lifting boxes.", "2013-07-15", None, None),
        ("The injured worker on 11/02/2016 reported a cumulative injury 7/15/2013.", "2013-07-15", None, None),
        ("The records were reviewed; nothing about the claimant is stated.", None, None, None),
        ("A 150-year-old male with an injury on 02/30/2016.", None, None, "male"),
        ("A 52 year old male who injured his right knee and low back on\n09/05/2013 while lifting.", "2013-09-05", 52, "male"),
        ("He reported an industrial injury to the right shoulder on 07/19/2013 while pulling hoses.", "2013-07-19", None, None),
        ("The injured worker was seen on 05/05/2015 for pain.", None, None, None),
        ("This is a 52-year-old male bus driver who was assaulted by a passenger on August 2, 2010.", "2010-08-02", 52, "male"),
        ("61 yo M, DOI 11/2/04, fell from loading dock.", "2004-11-02", 61, "male"),
        ("This 47 y/o female was hurt on 11/20/2012 when she stepped off a ladder.", "2012-11-20", 47, "female"),
    ],
    ids=["hyphen-age", "spaced-age", "man", "no-age", "year-only", "wrapped", "no-sex", "doi-2digit", "injured-on", "injury-date", "none", "impossible",
         "injured-part-on", "injury-to-part-on", "injured-worker-seen-on", "event-on", "note-style", "hurt-on"],
)
def test_patient_and_summary_injury_date(nlp, summary, injury, age, sex):
    doc = nlp(letter_2014("reviewer is Board Certified in Surgery and is licensed to practice in Texas.", summary))
    expected_sex = {"man": "male", "woman": "female"}.get(sex, sex)
    assert doc._.imr_patient == {"age": age, "sex": expected_sex}
    assert doc._.imr_case == {**NO_CASE, "date_of_injury": injury}


@pytest.mark.parametrize(
    "written, iso",
    [
        ("10/10/2016", "2016-10-10"),
        ("2/3/11", "2011-02-03"),
        ("12/17/98", "1998-12-17"),
        ("10-25-2016", "2016-10-25"),
        ("11 -01-2016", "2016-11-01"),
        ("2016-10-10", "2016-10-10"),
        ("December 17, 2001", "2001-12-17"),
        ("Oct. 10, 2015", "2015-10-10"),
        ("Sept 3 2014", "2014-09-03"),
        ("March 1st, 2016", "2016-03-01"),
        ("13/45/2016", None),
        ("02/30/2016", None),
        ("Smarch 3, 2016", None),
        ("1/2/201", None),
    ],
)
def test_parse_date(nlp, written, iso):
    assert nlp.get_pipe("imr_metadata").parse_date(written) == iso


def test_unknown_template_still_gets_entities_and_metadata(nlp):
    text = (
        "Re: independent review of a disputed request\n\nKnee MRI: Upheld\n\n"
        "Decision rationale: The patient is a 40-year-old male. The request is not medically necessary.\n"
    )
    doc = nlp(text)
    record = doc_to_record(doc, "odd")
    assert record["template"] == "unknown"
    assert [(d["item"], d["outcome"], d["medically_necessary"]) for d in record["decisions"]] == [("Knee MRI", "upheld", False)]
    assert [(e["label"], e["text"]) for e in record["entities"]] == [("OUTCOME", "Upheld")]
    assert record["patient"] == {"age": 40, "sex": "male"}
    assert record["case"] == NO_CASE
    assert record["reviewer"] == {"specialties": [], "licensure": []}


def test_templates_of_the_corpus(nlp):
    assert nlp(letter_path("000_be903013f77bdc94").read_text(encoding="utf8"))._.imr_template == "2014"
    assert nlp(letter_path("CM17-0019171").read_text(encoding="utf8"))._.imr_template == "2016"
    assert nlp("Case Number: CM16-1234567\nKnee MRI: Upheld\n")._.imr_template == "unknown"


def test_empty_doc(nlp):
    doc = nlp("")
    assert doc._.imr_template == "unknown"
    assert doc._.imr_case == NO_CASE
    assert doc._.imr_patient == {"age": None, "sex": None}


@pytest.mark.parametrize("gold", GOLD, ids=[g["id"] for g in GOLD])
def test_metadata_matches_gold(nlp, gold):
    doc = nlp(letter_path(gold["id"]).read_text(encoding="utf8"))
    assert doc._.imr_case == {k: v for k, v in gold["case"].items() if k != "notes"}
    assert doc._.imr_reviewer == gold["reviewer"]
    assert doc._.imr_patient == gold["patient"]
    expected = "2013" if gold["id"].startswith("SYN-2013") else "2016" if gold["id"].startswith("CM") else "2014"
    assert doc._.imr_template == expected


def test_rules_round_trip_and_idempotent_initialize(nlp, tmp_path):
    component = nlp.get_pipe("imr_metadata")
    rules = list(component.rules)
    component.initialize()
    component.initialize()
    assert component.rules == rules
    component.to_disk(tmp_path)
    assert (tmp_path / "metadata.jsonl").exists()
    restored = MetadataExtractor(nlp).from_disk(tmp_path)
    assert restored.rules == rules
    assert MetadataExtractor(nlp).from_bytes(component.to_bytes()).rules == rules
    text = letter_2016()
    assert restored(nlp.make_doc(text)) is not None


def test_custom_rules_change_the_result():
    nlp = imr.load()
    component = nlp.get_pipe("imr_metadata")
    rules = [r for r in component.rules if r["kind"] != "template"]
    rules.append({"kind": "template", "name": "custom", "sections": ["issues"]})
    component.initialize(rules=rules)
    assert nlp(letter_2016())._.imr_template == "custom"
    component.initialize(rules=[r for r in rules if r.get("field") != "priority"])
    assert nlp(letter_2016())._.imr_case["priority"] is None


def test_docbin_and_n_process_keep_metadata(nlp, tmp_path):
    texts = [letter_2016(), letter_path("001_1f5dc34496348b44").read_text(encoding="utf8")]
    docs = list(nlp.pipe(texts))
    DocBin(docs=docs, store_user_data=True).to_disk(tmp_path / "d.spacy")
    restored = list(DocBin().from_disk(tmp_path / "d.spacy").get_docs(nlp.vocab))
    key = lambda d: {k: doc_to_record(d, "x")[k] for k in ("template", "case", "reviewer", "patient")}  # noqa: E731
    assert [key(d) for d in restored] == [key(d) for d in docs]
    assert [key(d) for d in nlp.pipe(texts, n_process=2, batch_size=1)] == [key(d) for d in docs]
    assert key(docs[1])["reviewer"]["specialties"] == ["Physical Medicine and Rehabilitation", "Interventional Spine"]


def test_registered_scorer(nlp):
    predicted = nlp(letter_2016())
    reference = nlp.make_doc(predicted.text)
    reference._.imr_case = dict(EXPECTED_CASE)
    reference._.imr_reviewer = dict(predicted._.imr_reviewer)
    reference._.imr_patient = {"age": 35, "sex": "male"}
    scores = nlp.get_pipe("imr_metadata").scorer([Example(predicted, reference)])
    assert scores["patient_age_acc"] == 0.0
    assert scores["patient_sex_acc"] == 1.0
    assert scores["date_of_injury_acc"] == 1.0
    assert sum(scores.values()) == 10
    assert nlp.get_pipe("imr_metadata").scorer([Example(predicted, nlp.make_doc(predicted.text))])["case_number_acc"] is None


def test_evaluate_metadata_fields():
    gold = {
        "id": "g",
        "case": {**EXPECTED_CASE, "notes": "ignored"},
        "reviewer": {"specialties": ["Surgery"], "licensure": ["Texas"]},
        "patient": {"age": 40, "sex": "female"},
        "decisions": [],
    }
    predicted = {
        "id": "g",
        "case": {**EXPECTED_CASE, "priority": "Expedited"},
        "reviewer": {"specialties": ["Surgery"], "licensure": ["Texas", "Ohio"]},
        "patient": {"age": 40, "sex": "female"},
        "decisions": [],
        "entities": [],
    }
    ev = Evaluation()
    score_metadata(ev, gold, predicted)
    assert {name: (a.right, a.total) for name, a in ev.acc.items()} == {
        **{name: (1, 1) for name in EXPECTED_CASE if name != "priority"},
        "priority": (0, 1),
        "reviewer_specialties": (1, 1),
        "reviewer_licensure": (0, 1),
        "patient_age": (1, 1),
        "patient_sex": (1, 1),
    }
    error = {"id": "g", "error": "corrupt PDF", "decisions": [], "entities": []}
    metrics = evaluate({"g": gold}, {"g": error}).metrics()
    assert metrics["case_number_acc"] == 0.0 and metrics["patient_sex_acc"] == 0.0
    assert "patient_age_acc" in evaluate({"g": gold}, {"g": predicted}).metrics()


def test_evaluate_reports_metadata_on_gold(tmp_path):
    from typer.testing import CliRunner

    from imr.cli import app

    ids = ["000_be903013f77bdc94", "CM16-0219557"]
    out = tmp_path / "a.jsonl"
    runner = CliRunner()
    assert runner.invoke(app, ["annotate", *[str(letter_path(i)) for i in ids], "-o", str(out), "-q"]).exit_code == 0
    gold = tmp_path / "gold"
    gold.mkdir()
    for letter_id in ids:
        srsly.write_json(gold / f"{letter_id}.json", [g for g in GOLD if g["id"] == letter_id][0])
    minimums = [f"--min={name}_acc=1.0" for name in ("case_number", "date_of_injury", "reviewer_specialties", "reviewer_licensure", "patient_age", "patient_sex")]
    result = runner.invoke(app, ["evaluate", str(out), "--gold", str(gold), *minimums])
    assert result.exit_code == 0, result.output
    assert "reviewer_licensure" in result.output


def test_older_prose_licensed_reviewer(nlp):
    text = (
        "HOW THE IMR FINAL DETERMINATION WAS MADE\n\nMAXIMUS Federal Services sent the complete case file to an expert reviewer.\n"
        "The expert reviewer is a Licensed Chiropractor and Acupuncturist and is licensed to practice in California.\n\n"
        "CLINICAL CASE SUMMARY\n\nThe patient is a 51-year-old male.\n\n"
        "IMR ISSUES, DECISIONS AND RATIONALES\n\nAcupuncture 6 sessions: Upheld\n\nDecision rationale: The request is not medically necessary.\n"
    )
    doc = nlp(text)
    assert doc._.imr_reviewer == {"specialties": ["Chiropractor and Acupuncturist"], "licensure": ["California"]}
    assert doc._.imr_template == "2014"
    assert doc._.imr_patient == {"age": 51, "sex": "male"}


HEADER_2013 = """MAXIMUS FEDERAL SERVICES, INC.
Notice of Independent Medical Review Determination

Dated: 11/5/2013

IMR Case Number: CM13-0045678          Date of UR Decision: 9/24/2013
Date of Injury: 7/19/2011              IMR Application Received: 10/2/2013

1) MAXIMUS Federal Services, Inc. has determined the request for a cane is not medically
necessary and appropriate.

Medical Qualifications of the Expert Reviewer:
The independent Medical Doctor who made the decision has no affiliation with the
employer. The physician reviewer is
Board Certified in Physical Medicine and Rehabilitation and is licensed to practice in California.

Case Summary:
"The patient is a 39 year-old female with a date of injury of 7/19/2011."

1) Regarding the request for a cane:
Rationale for the Decision:
The request for a cane is not medically necessary and appropriate.
"""


def test_case_header_2013(nlp):
    """2013 header: 'Dated:', 'IMR Case Number:', 'Date of UR Decision:', 'IMR Application Received:'."""
    doc = nlp(HEADER_2013)
    assert doc._.imr_template == "2013"
    assert doc._.imr_case == {
        "case_number": "CM13-0045678",
        "date_assigned": None,
        "date_of_injury": "2011-07-19",
        "decision_date": "2013-11-05",
        "ur_denial_date": "2013-09-24",
        "application_received": "2013-10-02",
        "priority": None,
    }
    assert doc._.imr_reviewer == {"specialties": ["Physical Medicine and Rehabilitation"], "licensure": ["California"]}
    assert doc._.imr_patient == {"age": 39, "sex": "female"}
    sections = {s.label_: s.text.split("\n")[0] for s in doc.spans["imr_sections"]}
    assert sections["case_header"] == "Dated: 11/5/2013"
    assert sections["reviewer_qualifications"] == "Medical Qualifications of the Expert Reviewer:"


def test_case_header_2013_wrapped_and_double_spaced(nlp):
    """Labels and values wrapped by the PDF, or the whole header double-spaced, read the same."""
    wrapped = HEADER_2013.replace("Date of UR Decision: 9/24/2013", "Date of UR\nDecision: 9/24/2013").replace(
        "IMR Application Received: 10/2/2013", "IMR Application\nReceived:\n10/2/2013"
    )
    double = "".join((line + " \n\n") if line.strip() else " \n\n" for line in HEADER_2013.split("\n"))
    expected = nlp(HEADER_2013)._.imr_case
    assert nlp(wrapped)._.imr_case == expected
    assert nlp(double)._.imr_case == expected
    assert nlp(double)._.imr_template == "2013"


def test_reviewer_rules_read_the_first_listed_section_the_letter_has(nlp):
    """A rule's section may be a list: the 2013 credentials are under "Medical Qualifications of
    the Expert Reviewer:", the 2014 ones under "HOW THE FINAL DETERMINATION WAS MADE"; prose
    elsewhere (here about the treating physician, earlier in the letter) is not read."""
    text = HEADER_2013.replace(
        "Medical Qualifications of the Expert Reviewer:",
        "The treating physician is Board Certified in Orthopedic Surgery and is licensed to practice in Nevada.\n\n"
        "Medical Qualifications of the Expert Reviewer:",
    )
    assert nlp(text)._.imr_reviewer == {"specialties": ["Physical Medicine and Rehabilitation"], "licensure": ["California"]}
    rules = [r for r in nlp.get_pipe("imr_metadata").rules if r["kind"] == "reviewer"]
    assert all(r["section"] == ["determination_method", "reviewer_qualifications"] for r in rules)
