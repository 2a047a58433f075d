"""Drug mentions (`imr_drugs`) and their attributes (`imr_drug_attributes`)."""
import pytest
import spacy
import srsly
from spacy.tokens import DocBin
from spacy.training import Example

import imr.components  # noqa: F401
from imr.evaluation.evaluate import evaluate
from imr.io.record import doc_to_record
from imr.resources import patterns_path, read_rules

from .conftest import gold_letters, letter_path

MG = "mg"


def strength(*values, unit=MG):
    return [{"value": v, "unit": unit} for v in values]


KEEP = []  # spans need their Doc alive


def drugs(nlp, text):
    doc = nlp(text)
    KEEP.append(doc)
    return [s for s in doc.spans["imr"] if s.label_ == "DRUG"]


def only_drug(nlp, text):
    found = drugs(nlp, text)
    assert len(found) == 1, [s.text for s in found]
    return found[0]


# The issue's table: text, (start, end) of the name, name, generic, strength, quantity, refills, extra fields.
TABLE = [
    ("Nucynta 75 mg # 90, with 3 refills", (0, 7), "Nucynta", "tapentadol", strength(75), 90, 3, {}),
    ("1 Prescription of Norco 10/325mg, #90", (18, 23), "Norco", "hydrocodone/acetaminophen", strength(10, 325), 90, None, {}),
    ("Percocet 10/325 mg, QTY: 60", (0, 8), "Percocet", "oxycodone/acetaminophen", strength(10, 325), 60, None, {}),
    ("oxycodone 15 mg number 120", (0, 9), "oxycodone", "oxycodone", strength(15), 120, None, {}),
    ("Nucynta ER 200mg #60", (0, 7), "Nucynta", "tapentadol", strength(200), 60, None, {"release": "ER"}),
    ("Lidoderm 5% patch #30", (0, 8), "Lidoderm", "lidocaine", strength(5, unit="%"), 30, None, {"form": "patch"}),
    ("Baclofan 20 mg, QTY: 30", (0, 8), "Baclofan", "baclofen", strength(20), 30, None, {"drug_class": "muscle relaxant"}),
]


@pytest.mark.parametrize("text,offsets,name,generic,strengths,quantity,refills,extra", TABLE, ids=[row[0] for row in TABLE])
def test_issue_table(nlp, text, offsets, name, generic, strengths, quantity, refills, extra):
    span = only_drug(nlp, text)
    info = span._.imr_drug
    assert (span.start_char, span.end_char) == offsets
    assert info["name"] == name and info["generic"] == generic
    assert info["strength"] == strengths
    assert info["quantity"] == quantity and info["refills"] == refills
    for field, value in extra.items():
        assert info[field] == value


def test_drug_object_has_every_field(nlp):
    info = only_drug(nlp, "Nucynta 75 mg # 90, with 3 refills")._.imr_drug
    assert set(info) == {"name", "generic", "drug_class", "strength", "form", "release", "route", "frequency", "quantity", "refills"}
    assert info["drug_class"] == "opioid" and info["form"] is None and info["route"] is None


@pytest.mark.parametrize(
    "text,name,strengths,fields",
    [
        # combination product across a PDF line break: one drug, unit carried to both values
        ("Diclofenac-\nmisoprostol 75-0.2mg #60 with 2 refills", "Diclofenac-misoprostol", strength(75, 0.2), {"quantity": 60, "refills": 2}),
        ("Norco 7.5-325mg #112", "Norco", strength(7.5, 325), {"quantity": 112}),
        ("Lidopro 4%-27.5%-0.0325% 121gm #1", "Lidopro", strength(4, 27.5, 0.0325, unit="%"), {"quantity": 1}),
        # concentration inside a parenthesis; a volume is not a count
        ("Synapryn (10mg/1ml oral suspension) 500ml", "Synapryn", strength(10, unit="mg/ml"), {"quantity": None, "form": "suspension", "route": "oral"}),
        ("Diclofenac sodium 3% 300mg/g #1", "Diclofenac sodium", [{"value": 3, "unit": "%"}, {"value": 300, "unit": "mg/g"}], {"quantity": 1}),
        ("Butrans 10mcg/hr patch #4", "Butrans", strength(10, unit="mcg/hr"), {"form": "patch", "quantity": 4}),
        ("Ketoprofen 20% in cream base 240g", "Ketoprofen", strength(20, unit="%"), {"quantity": None, "form": "cream"}),
        ("Orphenadrine Citrate ER 100mg tabs #30", "Orphenadrine Citrate", strength(100), {"release": "ER", "form": "tablet", "quantity": 30}),
        ("Alprazolam 0.5mg # 90 with no refills", "Alprazolam", strength(0.5), {"quantity": 90, "refills": 0}),
        (
            "Post-op Norco 5/325mg #60, 1-2 tabs orally every 4-6 hrs as needed",
            "Norco",
            strength(5, 325),
            {"quantity": 60, "route": "oral", "frequency": "every 4-6 hrs as needed"},
        ),
        (
            "Pantoprazole 40mg, one by mouth, twice a day #60 with one refill",
            "Pantoprazole",
            strength(40),
            {"quantity": 60, "refills": 1, "route": "oral", "frequency": "twice a day"},
        ),
        ("EC-Naprosyn 500mg", "Naprosyn", strength(500), {"release": "EC"}),
        ("Three months coverage of Viagra 50mg", "Viagra", strength(50), {"quantity": None}),
        # attributes stop at the sentence end: "50%" and "#3" belong to other words
        ("Norco 10/325mg. He has 50% relief #3.", "Norco", strength(10, 325), {"quantity": None}),
        ("Medrol Dosepak", "Medrol", [], {"form": "dose pack"}),
        ("Ketoprofen 50mg as needed every six to eight hours daily", "Ketoprofen", strength(50), {"frequency": "as needed"}),
        ("Tramadol 50mg every six to eight hours", "Tramadol", strength(50), {"frequency": "every six to eight hours"}),
        # attributes are read in the dose description only, not in the clause after it
        ("Baclofen 10 mg #60 with 3 refills, there is pain daily and an oral", "Baclofen", strength(10), {"refills": 3, "frequency": None, "route": None}),
        ("diclofenac is recommended after failure of an oral NSAID", "diclofenac", [], {"route": None}),
    ],
)
def test_shapes(nlp, text, name, strengths, fields):
    info = only_drug(nlp, text)._.imr_drug
    assert info["name"] == name
    assert info["strength"] == strengths
    for field, value in fields.items():
        assert info[field] == value


def test_double_spaced_strength_across_blank_line(nlp):
    text = "Norco \n\n10/325mg, #90; 1 Prescription of Bupropion 150mg, #90"
    norco, bupropion = drugs(nlp, text)
    assert (norco.start_char, norco.end_char, bupropion.start_char) == (0, 5, 41)
    assert norco._.imr_drug["strength"] == strength(10, 325) and norco._.imr_drug["quantity"] == 90
    assert bupropion._.imr_drug["strength"] == strength(150) and bupropion._.imr_drug["quantity"] == 90


def test_compound_one_drug_per_ingredient_shares_quantity(nlp):
    text = "Dextromethorphan 5%/Amitriptyline 5%/Lidocaine/Capsaicin 0.025%, 120grams #1"
    found = drugs(nlp, text)
    assert [(s.text, s.start_char) for s in found] == [("Dextromethorphan", 0), ("Amitriptyline", 20), ("Lidocaine", 37), ("Capsaicin", 47)]
    assert [s._.imr_drug["strength"] for s in found] == [strength(5, unit="%"), strength(5, unit="%"), [], strength(0.025, unit="%")]
    assert [s._.imr_drug["quantity"] for s in found] == [1, 1, 1, 1]
    cream = drugs(nlp, "Flurbiprofen 20%/Lidocaine 5% cream #1")
    assert [(s._.imr_drug["name"], s._.imr_drug["form"], s._.imr_drug["quantity"]) for s in cream] == [
        ("Flurbiprofen", "cream", 1),
        ("Lidocaine", "cream", 1),
    ]


def test_comma_compound_but_not_comma_list(nlp):
    compound = drugs(nlp, "Flurbiprofen 20%, Baclofen 2%, Lidocaine 5% in cream base, 180gm #1")
    assert [(s.text, s._.imr_drug["strength"], s._.imr_drug["form"], s._.imr_drug["quantity"]) for s in compound] == [
        ("Flurbiprofen", strength(20, unit="%"), "cream", 1),
        ("Baclofen", strength(2, unit="%"), "cream", 1),
        ("Lidocaine", strength(5, unit="%"), "cream", 1),
    ]
    listed = drugs(nlp, "Current medications are Norco, Soma, and Xanax 1mg #60")
    assert [(s.text, s._.imr_drug["quantity"]) for s in listed] == [("Norco", None), ("Soma", None), ("Xanax", 60)]


def test_release_spelled_out(nlp):
    assert only_drug(nlp, "Tramadol Extended Release 150mg #30")._.imr_drug["release"] == "ER"
    assert only_drug(nlp, "Tramadol er 150mg")._.imr_drug["release"] is None


def test_synonym_in_parentheses_shares_attributes(nlp):
    meloxicam, mobic = drugs(nlp, "Meloxicam (Mobic) 7.5mg #30")
    assert meloxicam._.imr_drug["strength"] == strength(7.5) and meloxicam._.imr_drug["quantity"] == 30
    assert mobic.text == "Mobic" and mobic._.imr_drug["generic"] == "meloxicam"


def test_refills_written_before_the_name(nlp):
    span = only_drug(nlp, "The remaining IMR eligible portion of the original request, Two refills of Ibuprofen 600mg #90 is")
    assert (span._.imr_drug["refills"], span._.imr_drug["quantity"]) == (2, 90)


@pytest.mark.parametrize(
    "text,expected",
    [
        ("He tried Gabapenton 600mg daily.", [("Gabapenton", "gabapentin")]),  # one edit, followed by a strength
        ("Gabapenton helped.", []),  # guarded: no strength after it
        ("Buproprion 150mg and Wellburtrin", [("Buproprion", "bupropion"), ("Wellburtrin", "bupropion")]),
        ("Since December 17, 2016 he reported 50% relief.", []),
        ("Guidelines allow opioids, NSAIDs, muscle relaxants and benzodiazepines.", []),
        ("Bupropion (Wellbutrin®) and EC-Naprosyn", [("Bupropion", "bupropion"), ("Wellbutrin", "bupropion"), ("Naprosyn", "naproxen")]),
    ],
)
def test_misspellings_and_non_drugs(nlp, text, expected):
    assert [(s._.imr_drug["name"], s._.imr_drug["generic"]) for s in drugs(nlp, text)] == expected


def test_attribute_spans_are_in_imr_group_not_ents(nlp):
    doc = nlp("Nucynta 75 mg # 90, with 3 refills")
    spans = [(s.label_, s.text, s.start_char) for s in doc.spans["imr"]]
    assert spans == [("DRUG", "Nucynta", 0), ("STRENGTH", "75 mg", 8), ("QUANTITY", "# 90", 14), ("REFILLS", "3 refills", 25)]
    assert [(e.label_, e.text) for e in doc.ents] == [("DRUG", "Nucynta")]


LETTER = """IMR ISSUES, DECISIONS AND RATIONALES
The Final Determination was based on decisions for the disputed items/services set forth below:
Ibuprofen 600mg #90 with 2 refill was the original request. Ibuprofen 600mg #90 was authorized by
the Claims Administrator. The remaining IMR eligible portion of the original request, Two refills
of Ibuprofen 600mg #90 is: Upheld

Claims Administrator guideline: Decision based on MTUS Chronic Pain Medical Treatment 2016.

MAXIMUS guideline: Decision based on MTUS Chronic Pain Medical Treatment 2016, Section(s): NSAIDs.

Decision rationale: The patient takes ibuprofen and Tylenol. Ibuprofen is not medically necessary.

Meloxicam (Mobic) 7.5mg #30: Upheld

Claims Administrator guideline: Decision based on MTUS Chronic Pain Medical Treatment 2016.

MAXIMUS guideline: Decision based on MTUS Chronic Pain Medical Treatment 2016.

Decision rationale: Meloxicam is not medically necessary.
"""


def test_record_decision_drugs_fold_repeats_and_synonyms(nlp):
    record = doc_to_record(nlp(LETTER), "letter")
    first, second = record["decisions"]
    assert [(d["name"], d["strength"], d["quantity"], d["refills"]) for d in first["drugs"]] == [("Ibuprofen", strength(600), 90, 2)]
    assert first["drugs"][0]["text"] == LETTER[first["drugs"][0]["start"] : first["drugs"][0]["end"]] == "Ibuprofen"
    assert [(d["name"], d["strength"], d["quantity"]) for d in second["drugs"]] == [("Meloxicam", strength(7.5), 30)]
    mentions = [e["name"] for e in record["entities"] if e["label"] == "DRUG"]
    assert mentions == ["Ibuprofen", "Ibuprofen", "Ibuprofen", "ibuprofen", "Tylenol", "Ibuprofen", "Meloxicam", "Mobic", "Meloxicam"]
    assert all(e["generic"] and "strength" in e for e in record["entities"] if e["label"] == "DRUG")


def test_header_keeps_different_strengths_and_fills_from_earlier_mentions(nlp):
    letter = LETTER.replace(
        "Meloxicam (Mobic) 7.5mg #30: Upheld",
        "Norco 10/325mg #120 was the original request. The remaining IMR eligible portion of the original\nrequest, Norco #60 and Norco 5/325mg #30 is: Upheld",
    )
    second = doc_to_record(nlp(letter), "x")["decisions"][1]
    assert [(d["name"], d["strength"], d["quantity"]) for d in second["drugs"]] == [("Norco", strength(10, 325), 60), ("Norco", strength(5, 325), 30)]


def test_lexicon_is_broad():
    rules = read_rules(patterns_path("drugs.jsonl"))
    entries = [r for r in rules if r["kind"] == "drug"]
    assert len(entries) >= 400
    classes = {r["drug_class"] for r in entries}
    for needed in ("opioid", "muscle relaxant", "benzodiazepine", "NSAID", "anticonvulsant", "antidepressant", "proton pump inhibitor",
                   "H2 blocker", "topical analgesic", "sleep aid", "triptan", "corticosteroid"):
        assert needed in classes
    assert {r["name"] for r in rules if r["kind"] == "misspelling"} >= {"Baclofan", "Buproprion", "Wellburtrin"}


GOLD = gold_letters()


def test_gold_scores(nlp):
    """Mention F1 and header-drug exact match on the 30 gold letters."""
    texts = [letter_path(g["id"]).read_text(encoding="utf8") for g in GOLD]
    records = {g["id"]: doc_to_record(doc, g["id"]) for g, doc in zip(GOLD, nlp.pipe(texts))}
    metrics = evaluate({g["id"]: g for g in GOLD}, records).metrics()
    assert metrics["drug_mentions_f"] >= 0.98
    assert metrics["decision_drugs_f"] >= 0.97
    for field in ("strength", "quantity", "refills"):
        assert metrics[f"drug_header_{field}_acc"] == 1.0
    assert metrics["drug_header_name_acc"] >= 0.97
    for gold in GOLD:
        text = letter_path(gold["id"]).read_text(encoding="utf8")
        for entity in records[gold["id"]]["entities"]:
            assert text[entity["start"] : entity["end"]] == entity["text"]


def test_evaluate_counts_mentions_and_header_fields():
    gold = {"x": {"decisions": [{"item": "Norco 10/325mg #90", "drugs": [{"name": "Norco", "strength": strength(10, 325), "quantity": 90, "refills": None}]}],
                  "drug_mentions": ["Norco", "norco", "Soma"]}}
    predicted = {"x": {"decisions": [{"item": "Norco 10/325mg #90", "drugs": [{"name": "Norco", "strength": strength(10, 325), "quantity": 60, "refills": None}]}],
                       "entities": [{"label": "DRUG", "name": "NORCO"}, {"label": "DRUG", "name": "Norco"}, {"label": "DRUG", "name": "Lyrica"}]}}
    metrics = evaluate(gold, predicted).metrics()
    assert (metrics["drug_mentions_p"], metrics["drug_mentions_r"]) == (2 / 3, 2 / 3)
    assert metrics["drug_header_strength_acc"] == 1.0 and metrics["drug_header_quantity_acc"] == 0.0
    assert metrics["drug_header_all_acc"] == 0.0


def test_nlp_evaluate_reports_drug_scores(nlp):
    reference = nlp(LETTER)
    perfect = nlp.evaluate([Example(nlp(LETTER), reference)])
    assert perfect["drug_mentions_f"] == 1.0 and perfect["drug_header_all_acc"] == 1.0 and perfect["decision_drugs_f"] == 1.0
    wrong = nlp(LETTER)
    first = wrong.spans["imr_header_drugs"][0]
    drug = next(s for s in wrong.spans["imr"] if s.label_ == "DRUG" and (s.start, s.end) == (first.start, first.end))
    drug._.imr_drug = {**drug._.imr_drug, "quantity": 60}
    scores = nlp.get_pipe("imr_drug_attributes").score([Example(wrong, reference)])
    assert scores["drug_header_quantity_acc"] == 0.5 and scores["drug_header_strength_acc"] == 1.0
    predicted = nlp.make_doc(LETTER)
    predicted.spans["imr"] = []
    assert nlp.get_pipe("imr_drugs").score([Example(predicted, reference)])["drug_mentions_r"] == 0.0


def test_components_round_trip_to_disk(nlp, tmp_path):
    nlp.to_disk(tmp_path / "model")
    assert (tmp_path / "model" / "imr_drugs" / "drugs.jsonl").exists()
    assert (tmp_path / "model" / "imr_drug_attributes" / "drug_attributes.jsonl").exists()
    reloaded = spacy.load(tmp_path / "model")
    text = LETTER
    assert doc_to_record(reloaded(text), "x") == doc_to_record(nlp(text), "x")
    matcher = reloaded.get_pipe("imr_drugs")
    rules = list(matcher.rules)
    matcher.initialize()
    matcher.initialize()
    assert matcher.rules == rules


def test_rules_are_data(tmp_path):
    nlp = spacy.blank("en")
    matcher = nlp.add_pipe("imr_drugs")
    nlp.add_pipe("imr_drug_attributes")
    matcher.initialize(rules=[{"kind": "drug", "name": "Zapitol", "generic": "zapitoline", "drug_class": "opioid"}])
    nlp.get_pipe("imr_drug_attributes").initialize()
    doc = nlp("Zapitol 5 mg #3 and Norco")
    assert [(s.text, s._.imr_drug["generic"], s._.imr_drug["quantity"]) for s in doc.spans["imr"] if s.label_ == "DRUG"] == [("Zapitol", "zapitoline", 3)]


def test_docbin_and_n_process_keep_drugs(nlp, tmp_path):
    texts = [LETTER, "Nucynta 75 mg # 90, with 3 refills", "Flurbiprofen 20%/Lidocaine 5% cream #1"]
    docs = list(nlp.pipe(texts))
    expected = [doc_to_record(d, str(i)) for i, d in enumerate(docs)]
    assert sum(1 for r in expected for e in r["entities"] if e["label"] == "DRUG") == 12
    DocBin(docs=docs, store_user_data=True).to_disk(tmp_path / "d.spacy")
    restored = list(DocBin().from_disk(tmp_path / "d.spacy").get_docs(nlp.vocab))
    assert [doc_to_record(d, str(i)) for i, d in enumerate(restored)] == expected
    assert srsly.json_loads(srsly.json_dumps(expected)) == expected
    multi = [doc_to_record(d, str(i)) for i, d in enumerate(nlp.pipe(texts, n_process=2, batch_size=1))]
    assert multi == expected


def test_tokenizer_splits_compound_percent_separators(nlp):
    assert [t.text for t in nlp.make_doc("Dextromethorphan 5%/Amitriptyline 4%-27.5%")] == [
        "Dextromethorphan", "5%", "/", "Amitriptyline", "4%", "-", "27.5", "%",
    ]
