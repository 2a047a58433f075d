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
    # round 12: a count with decimals, a count at a sentence's end
    ("Temazepam 15mg QTY: 30.00 (Refills: 1)", (0, 9), "Temazepam", "temazepam", strength(15), 30, 1, {}),
    ("The request is for Norco 10/325mg #60.", (19, 24), "Norco", "hydrocodone/acetaminophen", strength(10, 325), 60, None, {}),
    ("He was given Percocet 10/325mg Qty: 60.", (13, 21), "Percocet", "oxycodone/acetaminophen", strength(10, 325), 60, None, {}),
    # an opioid-acetaminophen combination without its unit is in mg; other unitless numbers are no strength
    ("Norco 10/325 #90 with 1 refill", (0, 5), "Norco", "hydrocodone/acetaminophen", strength(10, 325), 90, 1, {}),
    ("Percocet 7.5/325, #60", (0, 8), "Percocet", "oxycodone/acetaminophen", strength(7.5, 325), 60, None, {}),
    ("Norco 10/20 #90", (0, 5), "Norco", "hydrocodone/acetaminophen", [], 90, None, {}),
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
    assert set(info) == {
        "name", "generic", "drug_class", "drugbank_id", "mesh_id", "source",
        "strength", "form", "release", "route", "frequency", "quantity", "quantity_unit", "refills",
    }  # fmt: skip
    assert info["drug_class"] == "opioid" and info["form"] is None and info["route"] is None
    assert (info["source"], info["drugbank_id"], info["mesh_id"], info["quantity_unit"]) == ("lexicon", "DB06204", "D018759", None)


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
        ("Anaprox DS 550mg #60 with 2 refills", "Anaprox", strength(550), {"release": "DS", "quantity": 60, "refills": 2}),  # double strength (round 21)
        ("Three months coverage of Viagra 50mg", "Viagra", strength(50), {"quantity": None}),
        # attributes stop at the sentence end: "50%" and "#3" belong to other words
        ("Norco 10/325mg. He has 50% relief #3.", "Norco", strength(10, 325), {"quantity": None}),
        ("Medrol Dosepak", "Medrol", [], {"form": "dose pack"}),
        ("Maxalt MLT 10mg #12 with 2 refills", "Maxalt", strength(10), {"form": "orally disintegrating tablet", "quantity": 12, "refills": 2}),
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
        ("ODG, Pain, Eszopicolone (Lunesta)", [("Eszopicolone", "eszopiclone"), ("Lunesta", "eszopiclone")]),  # ODG's own spelling
        # a name that is an English word matches only as written (match_case)
        ("Sedation with Versed 2mg. Versed was planned.", [("Versed", "midazolam"), ("Versed", "midazolam")]),
        ("He is well versed in pain care. VERSED", []),
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


def test_a_laboratory_test_of_a_drug_disputes_no_drug(nlp):
    """'serum duloxetine level', 'Testosterone level': the drug is what the test measures (blind round 42)."""
    letter = LETTER.replace("Meloxicam (Mobic) 7.5mg #30: Upheld", "Labs: CBC, serum duloxetine level: Upheld")
    first, second = doc_to_record(nlp(letter), "x")["decisions"]
    assert [d["name"] for d in first["drugs"]] == ["Ibuprofen"] and second["drugs"] == []
    letter = LETTER.replace("Meloxicam (Mobic) 7.5mg #30: Upheld", "Testosterone levels and Meloxicam 7.5mg #30: Upheld")
    second = doc_to_record(nlp(letter), "x")["decisions"][1]
    assert [(d["name"], d["quantity"]) for d in second["drugs"]] == [("Meloxicam", 30)]


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
    for name in ("drugs.jsonl", "drug_vocabulary.jsonl", "drug_vocabulary_exclude.jsonl", "drug_shapes.jsonl"):
        assert (tmp_path / "model" / "imr_drugs" / name).exists()
    assert (tmp_path / "model" / "imr_drug_attributes" / "drug_attributes.jsonl").exists()
    reloaded = spacy.load(tmp_path / "model")
    text = LETTER + "\n" + letter("Xyzcream 4% #30", rationale="Decision rationale: She takes lovastatin and Xyzcream.")
    record = doc_to_record(reloaded(text), "x")
    assert record == doc_to_record(nlp(text), "x")
    assert [e["source"] for e in record["entities"] if e["label"] == "DRUG"][-3:] == ["shape", "vocabulary", "shape"]
    restored = spacy.blank("en").add_pipe("imr_drugs").from_bytes(nlp.get_pipe("imr_drugs").to_bytes())
    assert len(restored.vocabulary) == len(nlp.get_pipe("imr_drugs").vocabulary) > 20000
    # a pipeline saved before the vocabulary existed loads without it
    for name in ("drug_vocabulary.jsonl", "drug_vocabulary_exclude.jsonl", "drug_shapes.jsonl"):
        (tmp_path / "model" / "imr_drugs" / name).unlink()
    older = spacy.load(tmp_path / "model")
    assert [e["text"] for e in doc_to_record(older("She takes lovastatin and Norco."), "x")["entities"]] == ["Norco"]
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


# ---------------------------------------------------------------------------
# The drug vocabulary: the second lexicon layer (drug-named-entity-recognition)


def drug_facts(nlp, text):
    return [(s.text, s._.imr_drug["source"], s._.imr_drug["generic"], s._.imr_drug["drugbank_id"]) for s in drugs(nlp, text)]


def test_vocabulary_finds_drugs_the_lexicon_lacks(nlp):
    text = "Current medications included lovastatin 20mg, Mevacor and Zocor; bismuth subsalicylate as needed."
    assert drug_facts(nlp, text) == [
        ("lovastatin", "vocabulary", "lovastatin", "DB00227"),
        ("Mevacor", "vocabulary", "lovastatin", "DB00227"),  # a brand: the canonical drug is the generic
        ("Zocor", "lexicon", "simvastatin", "DB00641"),
        ("bismuth subsalicylate", "vocabulary", "bismuth subsalicylate", "DB01294"),  # two words, longest name
    ]
    lovastatin = drugs(nlp, text)[0]
    assert (lovastatin.start_char, lovastatin.end_char) == (29, 39)
    assert lovastatin._.imr_drug["mesh_id"] == "D019161" and lovastatin._.imr_drug["drug_class"] is None
    assert lovastatin._.imr_drug["strength"] == strength(20)


@pytest.mark.parametrize(
    "text",
    [
        # class words the package lists as drugs ("opioids" -> "Analgesics, Opioid")
        "Guidelines allow opioids, NSAIDs, analgesics, antidepressants, benzodiazepines and proton pump inhibitors.",
        "Tolerance to hypnotic effects develops; there were no electroneurographic indicators of neuropathy.",
        # ordinary words, body substances and lab terms
        "Duration, Relief, Strength and Magnesium were discussed; dopamine and creatinine levels were normal.",
        "He sent his curriculum vitae; the MRI was done without contrast; fish oil and marijuana use was denied.",
        "A medical food containing amino acids was requested.",
        # a name that is a dose unit: "morphine equivalents"
        "The total is 120 mg oral morphine equivalents per day; the morphine\r\nequivalent dose was not calculated.",
    ],
)
def test_vocabulary_does_not_tag_class_or_ordinary_words(nlp, text):
    assert drugs(nlp, text) == []


def test_lexicon_layer_wins_over_the_vocabulary(nlp):
    # the vocabulary has "lidocaine patch" and "orphenadrine citrate": the lexicon reads them with its dose grammar
    assert [(s.text, s._.imr_drug["source"], s._.imr_drug["form"]) for s in drugs(nlp, "Lidocaine patch and Orphenadrine citrate 100mg")] == [
        ("Lidocaine", "lexicon", "patch"),
        ("Orphenadrine citrate", "lexicon", None),
    ]


def test_vocabulary_and_exclude_list_are_data():
    nlp = spacy.blank("en")
    matcher = nlp.add_pipe("imr_drugs")
    vocabulary = [{"kind": "drug", "generic": "zapitoline", "drugbank_id": "DB99999", "mesh_id": None, "names": ["zapitol", "zapitol forte", "zapitols"]}]
    matcher.initialize(rules=[], vocabulary=vocabulary, exclude=[{"kind": "word", "name": "zapitol forte"}, {"kind": "class_word", "name": "zapitols"}], shapes=[])
    doc = nlp("Zapitol forte and zapitols")
    assert [(s.text, s._.imr_drug["generic"], s._.imr_drug["drugbank_id"]) for s in doc.spans["imr"]] == [("Zapitol", "zapitoline", "DB99999")]


def test_vocabulary_and_shapes_can_be_turned_off():
    nlp = spacy.blank("en")
    nlp.add_pipe("imr_drugs", config={"vocabulary": False, "shapes": False})
    nlp.initialize()
    doc = nlp("lovastatin and Zocor")
    assert [s.text for s in doc.spans["imr"]] == ["Zocor"]


def test_vocabulary_file_is_built_from_the_installed_package():
    from importlib.metadata import version

    rules = read_rules(patterns_path("drug_vocabulary.jsonl"))
    source = rules[0]
    assert source["kind"] == "source" and source["package"] == "drug-named-entity-recognition"
    assert source["version"] == version("drug-named-entity-recognition"), "rebuild: python -m imr.components.drug_vocabulary build --corpus corpus"
    names = {n for r in rules[1:] for n in r["names"]}
    assert source["names"] == len(names) >= 20000
    exclude = read_rules(patterns_path("drug_vocabulary_exclude.jsonl"))
    assert not names & {r["name"] for r in exclude if r["kind"] == "word"}
    lexicon = {r["name"].lower() for r in read_rules(patterns_path("drugs.jsonl")) if r["kind"] == "drug"}
    assert not names & lexicon


def test_vocabulary_filter_rules():
    """Each filter rule on a tiny package dictionary (the real one is built the same way)."""
    from spacy.lang.en.stop_words import STOP_WORDS

    from imr.components.drug_vocabulary import EnglishWords, build_vocabulary

    drug = {"drugbank_id": "DB1", "medline_plus_id": "a1"}
    dictionary = {
        "drug_variant_to_canonical": {
            "zapitol": ["zapitol"], "zapitrex": ["zapitol"], "zapitols": ["zapitol"],  # kept, kept, plural class
            "opioids": ["analgesics, opioid"],  # MeSH-only concept: a class
            "1,2-zapitol": ["zapitol"], "zap": ["zapitol"],  # shape: digits and commas, too short
            "zapitol and codeine": ["zapitol"],  # a stop word inside
            "fish oil": ["zapitol"], "fish zapitol": ["zapitol"], "cordial": ["zapitol"],  # all words common (kept with a rare word), an adjective
            "zapitol patch": ["zapitol"], "norco forte": ["zapitol"],  # the lexicon's business
            "zapitol agents": ["zapitol"], "vitaezap": ["zapitol"],  # a class word; an excluded word
            "fluzap": ["fluzap and zapitol"],
        },
        "drug_canonical_to_data": {
            "zapitol": {"name": "Zapitol", **drug, "mesh_id": "D1"},
            "analgesics, opioid": {"name": "Analgesics, Opioid", "mesh_id": "D2", "mesh_tree": ["D27.505"]},
            "fluzap and zapitol": {"name": "Fluzap and Zapitol", "medline_plus_id": "a2"},
        },
    }
    english = EnglishWords({"fish": -9.0, "oil": -9.5, "zapitol": -18.0}, {}, {"cordial"}, set())
    lexicon = [{"kind": "drug", "name": "Norco", "generic": "hydrocodone/acetaminophen", "drug_class": "opioid"}]
    attributes = [{"kind": "form", "pattern": "patch(?:es)?", "value": "patch"}]
    exclude = [{"kind": "rule", "min_length": 5, "max_words": 3, "common_word_logprob": -13.0}, {"kind": "class_word", "name": "agents"},
               {"kind": "word", "name": "vitaezap"}]
    rules, removed = build_vocabulary(dictionary, lexicon, attributes, exclude, english, STOP_WORDS)
    assert rules == [
        {"kind": "drug", "generic": "fluzap/zapitol", "drugbank_id": None, "mesh_id": None, "names": ["fluzap"]},
        {"kind": "drug", "generic": "zapitol", "drugbank_id": "DB1", "mesh_id": "D1", "names": ["fish zapitol", "zapitol", "zapitrex"]},
    ]
    assert dict(removed) == {"class": 2, "identity": 1, "shape": 2, "stop_word": 1, "common_word": 2, "lexicon": 2, "excluded": 1}


def test_corpus_non_drugs_are_the_names_gold_letters_use_for_something_else(tmp_path):
    from imr.components.drug_vocabulary import corpus_non_drugs

    (tmp_path / "gold").mkdir()
    (tmp_path / "dev").mkdir()
    srsly.write_json(tmp_path / "gold" / "L1.json", {"id": "L1", "drug_mentions": ["Zapitol"]})
    (tmp_path / "dev" / "L1.txt").write_text("Zapitol 5mg. The Zaprex scale and zaprex score were normal.", encoding="utf8")
    rules = [{"kind": "drug", "generic": "zapitol", "names": ["zapitol", "zaprex"]}]
    assert corpus_non_drugs(rules, tmp_path) == {"zaprex": 2}


# ---------------------------------------------------------------------------
# Names found from their shape


def letter(*items, rationale="Decision rationale: The request is not medically necessary."):
    blocks = [
        f"{item}: Upheld\n\nClaims Administrator guideline: Decision based on MTUS Chronic Pain Medical Treatment 2016.\n\n"
        f"MAXIMUS guideline: Decision based on MTUS Chronic Pain Medical Treatment 2016.\n\n{rationale}\n"
        for item in items
    ]
    return "IMR ISSUES, DECISIONS AND RATIONALES\nThe Final Determination was based on decisions for the disputed items/services set forth below:\n" + "\n".join(blocks)


def header_drugs_of(nlp, *items, rationale="Decision rationale: The request is not medically necessary."):
    record = doc_to_record(nlp(letter(*items, rationale=rationale)), "x")
    return [decision["drugs"] for decision in record["decisions"]], record


def test_shape_name_from_a_decision_header_and_its_other_mentions(nlp):
    (header,), record = header_drugs_of(nlp, "Xyzcream 4% #30", rationale="Decision rationale: Xyzcream is a compounded cream. XYZCREAM is not medically necessary.")
    assert [(d["name"], d["source"], d["generic"], d["strength"], d["quantity"]) for d in header] == [("Xyzcream", "shape", None, strength(4, unit="%"), 30)]
    mentions = [(e["text"], e["source"]) for e in record["entities"] if e["label"] == "DRUG"]
    assert mentions == [("Xyzcream", "shape"), ("Xyzcream", "shape"), ("XYZCREAM", "shape")]


def test_shape_name_before_a_form_with_multi_ingredient_strength(nlp):
    (header,), _ = header_drugs_of(nlp, "Brandcaps capsule 320.5/30/16mg #60")
    assert [(d["name"], d["form"], d["strength"], d["quantity"]) for d in header] == [("Brandcaps", "capsule", strength(320.5, 30, 16), 60)]


def test_shape_name_after_a_request_for(nlp):
    text = "On 1/2/2017 a request for Zentrocaine 2% gel was made. The patient used Zentrocaine before."
    assert [(s.text, s.start_char, s._.imr_drug["source"], s._.imr_drug["strength"]) for s in drugs(nlp, text)] == [
        ("Zentrocaine", 26, "shape", strength(2, unit="%")),
        ("Zentrocaine", 72, "shape", []),
    ]
    # not after a request, and not without a form, strength or count
    assert drugs(nlp, "The patient used Zentrocaine 2% gel before.") == []
    assert drugs(nlp, "A request for Zentrocaine was made.") == []


@pytest.mark.parametrize(
    "item",
    [
        "TENS unit #1",
        "Physical therapy x 6",
        "MRI of the lumbar spine",
        "Lumbar brace #1",
        "Home health care 4 hours per day",
        "Wrist braces #2",
        "Zorbex #2",  # a count alone is evidence only from 10 up (equipment is counted in ones and twos)
        "Retrospective DME purchase #1",
        "Dynasplint #30",  # an equipment brand on the guard list
        "Electrodes #40",  # plurals of English words are English
        "TENS patches #20",  # all capitals under 5 letters: an abbreviation
        "Ultrasound guided subacromial injection",  # where, not what (guard_ending)
        "Right transforaminal injection at L5-S1",
        "Bilateral sacroiliac injection",
    ],
)
def test_shape_guards_against_non_drug_items(nlp, item):
    (header,), record = header_drugs_of(nlp, item)
    assert header == [] and [e for e in record["entities"] if e["label"] == "DRUG"] == []


def test_shape_count_of_ten_or_more_or_a_dispensed_mass_is_evidence(nlp):
    headers, _ = header_drugs_of(nlp, "Zorbex #60", "Fluriflex 180gm", "Keratek gel 4oz #1")
    assert [[(d["name"], d["source"], d["quantity"], d["form"]) for d in h] for h in headers] == [
        [("Zorbex", "shape", 60, None)],
        [("Fluriflex", "shape", None, None)],
        [("Keratek", "shape", 1, "gel")],
    ]


# ---------------------------------------------------------------------------
# Header attributes: anywhere in the header


@pytest.mark.parametrize(
    "item,expected",
    [
        ("Lidocaine 5% cream, apply three times a day, #100 grams with 2 refills",
         {"strength": strength(5, unit="%"), "form": "cream", "frequency": "three times a day", "quantity": 100, "quantity_unit": "grams", "refills": 2}),
        ("Terocin patch #2 boxes", {"form": "patch", "quantity": 2, "quantity_unit": "boxes"}),
        ("Lidoderm 5% pad #30", {"form": "pad", "quantity": 30, "quantity_unit": "pads"}),
        ("Lidoderm 5% patches #30", {"quantity": 30, "quantity_unit": "patches"}),
        ("Norco 10/325mg one tablet every 6 hours as needed #60",
         {"strength": strength(10, 325), "frequency": "every 6 hours as needed", "quantity": 60, "quantity_unit": None}),
        ("Fioricet 50/325/40mg #60", {"strength": strength(50, 325, 40), "quantity": 60, "quantity_unit": None}),
        ("Tramadol 50mg, one tablet twice daily for pain, #60 with 2 refills", {"quantity": 60, "refills": 2, "frequency": "twice daily"}),
        ("Tramadol 50mg #60 x2 refills", {"quantity": 60, "refills": 2}),
        ("Tramadol 50mg #60, refills: 3", {"quantity": 60, "refills": 3}),
        ("Tramadol 50mg, one by mouth daily for 30 days #30, no refills", {"quantity": 30, "refills": 0}),
        ("Naproxen 550mg 1 tab p.o. b.i.d. #60", {"quantity": 60, "route": "oral"}),
        # containers counted without "#" (blind-written letters, round 4); a bare mass is not a count
        ("Methyl salicylate 20% patches, 2 boxes, DOS 03/04/2014", {"form": "patch", "quantity": 2, "quantity_unit": "boxes"}),
        ("Ventolin HFA 90mcg inhaler x 1 with 3 refills",
         {"strength": strength(90, unit="mcg"), "form": "inhaler", "quantity": 1, "quantity_unit": "inhalers", "refills": 3}),
        ("Ventolin HFA inhaler 2 canisters", {"quantity": 2, "quantity_unit": "canisters"}),
        ("Ketoprofen 20% compound cream 240gm x 3 refills", {"quantity": None, "quantity_unit": None, "refills": 3}),
        ("Vitamin D3 50,000 IU #12", {"name": "Vitamin D3", "generic": "cholecalciferol", "strength": strength(50000, unit="units"), "quantity": 12}),
        # round 5: a drug's own injections counted, esters kept in the name, medical foods with AM/PM
        ("Retrospective Toradol 60mg intramuscular injection x 1 (DOS 01/29/2014)", {"strength": strength(60), "quantity": 1, "form": "injection"}),
        ("Synvisc-One injection to the right knee x 1", {"name": "Synvisc-One", "quantity": 1}),
        ("Vitamin B12 1000mcg intramuscular, 3 injections", {"strength": strength(1000, unit="mcg"), "quantity": 3}),
        ("Testosterone Cypionate 200mg/ml, 10ml vial, with 2 refills",
         {"name": "Testosterone Cypionate", "strength": [{"value": 200, "unit": "mg/ml"}], "quantity": None, "refills": 2}),
        ("Sentra AM #60", {"name": "Sentra AM", "quantity": 60}),
        ("Triamcinolone acetonide 40mg/ml intralesional injection", {"name": "Triamcinolone acetonide", "strength": [{"value": 40, "unit": "mg/ml"}]}),
        ("Trigger point injections x 4 to the lumbar muscles with 1% lidocaine", {"name": "lidocaine", "quantity": None}),
        # round 20: a pharmacy count, in digits or words
        ("Prilosec 20 mg, sixty count, three refills", {"strength": strength(20), "quantity": 60, "refills": 3}),
        ("Lidoderm 5% patches, 30 count", {"quantity": 30}),
    ],
    ids=lambda v: v if isinstance(v, str) else "",
)
def test_header_attributes_anywhere_in_the_header(nlp, item, expected):
    (header,), _ = header_drugs_of(nlp, item)
    assert len(header) == 1
    assert {k: header[0][k] for k in expected} == expected


def test_a_generic_in_parentheses_is_the_brand_whatever_its_case(nlp):
    headers, _ = header_drugs_of(nlp, "Botox (onabotulinumtoxinA) 200 units, injection to cervical muscles")
    assert [[(d["name"], d["strength"]) for d in h] for h in headers] == [[("Botox", [{"value": 200, "unit": "units"}])]]


def test_a_solution_strength_before_its_name_after_a_joining_word(nlp):
    headers, _ = header_drugs_of(
        nlp,
        "Subacromial injection with Kenalog 40mg/ml and 1% Lidocaine",
        "Trigger point injections x 4 with 0.5% bupivacaine",
        "Compound: Diclofenac 3% Lidocaine cream 120gm",  # never the strength of the drug before
        "Trigger point injections with 1% Lidocaine and 40mg Kenalog x 3",  # a dose in mg after a joining word (round 19)
    )
    assert [[(d["name"], d["strength"]) for d in h] for h in headers] == [
        [("Kenalog", [{"value": 40, "unit": "mg/ml"}]), ("Lidocaine", [{"value": 1, "unit": "%"}])],
        [("bupivacaine", [{"value": 0.5, "unit": "%"}])],
        [("Diclofenac", [{"value": 3, "unit": "%"}]), ("Lidocaine", [])],
        [("Lidocaine", [{"value": 1, "unit": "%"}]), ("Kenalog", [{"value": 40, "unit": "mg"}])],
    ]


def test_outside_a_header_the_dose_run_still_ends_at_other_words(nlp):
    info = only_drug(nlp, "She used Lidocaine 5% cream, applied to the knee, #100 grams were left.")._.imr_drug
    assert (info["quantity"], info["quantity_unit"]) == (None, None)


PARTIAL = (
    "{original} was the original request. {authorized} was authorized by the Claims Administrator. "
    "The remaining IMR eligible portion of the original request, {remaining} is"
)


@pytest.mark.parametrize(
    "original,authorized,remaining,expected",
    [
        # several strengths: only the remaining portion is under review
        ("Gabapentin 300mg #90 and Gabapentin 600mg #60", "Gabapentin 300mg #90", "Gabapentin 600mg #60", [("Gabapentin", strength(600), 60, None)]),
        # strength taken from where it is printed
        ("Norco 10/325mg #120", "Norco 10/325mg #60", "Norco #60", [("Norco", strength(10, 325), 60, None)]),
        # two strengths requested, the remaining count tells which one
        ("Norco 10/325mg #120 and Norco 5/325mg #60", "Norco 10/325mg #120", "Norco #60", [("Norco", strength(5, 325), 60, None)]),
        # refills under review
        ("Voltaren 75mg #60 with 3 refills", "Voltaren 75mg #60", "Three refills of Voltaren 75mg #60", [("Voltaren", strength(75), 60, 3)]),
    ],
)
def test_partial_authorisation_drugs_are_the_remaining_portion(nlp, original, authorized, remaining, expected):
    item = PARTIAL.format(original=original, authorized=authorized, remaining=remaining)
    (header,), _ = header_drugs_of(nlp, item)
    assert [(d["name"], d["strength"], d["quantity"], d["refills"]) for d in header] == expected


def test_gold_partial_authorisation_letters(nlp):
    """CM17-0002181 (two refills under review) and CM17-0009995 (#18 of three strengths of counts) against their gold."""
    for letter_id in ("CM17-0002181", "CM17-0009995"):
        gold = srsly.read_json(letter_path(letter_id).parent.parent / "gold" / f"{letter_id}.json")
        record = doc_to_record(nlp(letter_path(letter_id).read_text(encoding="utf8")), letter_id)
        for g, p in zip(gold["decisions"], record["decisions"]):
            assert [(d["name"], d["strength"], d["quantity"], d["refills"]) for d in p["drugs"]] == [
                (d["name"], d["strength"], d["quantity"], d["refills"]) for d in g["drugs"]
            ]


def test_generic_name_of_a_toxin_in_a_guideline_topic(nlp):
    """MTUS and ODG topics name Botox by its generic, "Botulinum toxin (Botox)"."""
    found = [(d.text, d._.imr_drug["generic"]) for d in drugs(nlp, "MTUS Section(s): Botulinum toxin (Botox) Page(s): 25-26.")]
    assert found == [("Botulinum toxin", "botulinum toxin"), ("Botox", "onabotulinumtoxinA")]
