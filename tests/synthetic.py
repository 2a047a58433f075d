"""Entity spans as the drug, citation and criteria components will add them, for
rendering tests that must not wait for those components (seed letter 000)."""
import re

from spacy.tokens import Doc

from imr.components.entities import add_entities

SEED = "000_be903013f77bdc94"


def find(doc: Doc, words: str, after: int = 0):
    """The char span of `words` (any whitespace between them) at or after `after`."""
    pattern = r"\s+".join(re.escape(w) for w in words.split())
    match = re.compile(pattern).search(doc.text, after)
    assert match, words
    span = doc.char_span(match.start(), match.end(), alignment_mode="expand")
    assert span is not None, words
    return span


def enrich_seed(doc: Doc) -> Doc:
    """Add DRUG, CITATION, CRITERION (absent/present/requirement) and a STRENGTH span to seed 000."""
    d1, d2 = list(doc.spans["imr_decisions"])
    spans = []

    def add(label, words, attribute, value, after):
        span = find(doc, words, after)
        span.label_ = label
        if attribute:
            setattr(span._, attribute, value)
        spans.append(span)
        return span

    add("DRUG", "Nucynta", "imr_drug", {"name": "Nucynta", "generic": "tapentadol", "drug_class": "opioid",
        "strength": [{"value": 75, "unit": "mg"}], "quantity": 90, "refills": 3}, d1.start_char)
    add("STRENGTH", "75 mg", None, None, d1.start_char)
    add("DRUG", "Baclofen", "imr_drug", {"name": "Baclofen", "generic": "baclofen", "drug_class": "muscle relaxant",
        "strength": [{"value": 10, "unit": "mg"}], "quantity": 60, "refills": 3}, d2.start_char)
    add("CITATION", "MTUS Chronic Pain Treatment Guidelines Section on Opioids Page(s): 74-80", "imr_citation",
        {"cited_by": "maximus", "source": "MTUS", "title": "Chronic Pain Treatment Guidelines",
         "title_canonical": "Chronic Pain Medical Treatment Guidelines", "sections": ["Opioids"], "pages": [[74, 80]]},
        d1.start_char)
    add("CITATION", "Official Disability Guidelines (ODG) Pain, Tapentadol (Nucynta)", "imr_citation",
        {"cited_by": "maximus", "source": "ODG", "title": "Pain, Tapentadol (Nucynta)", "sections": [], "pages": []},
        d1.start_char)
    add("CRITERION", "documentation that the prescriptions are from a single practitioner", "imr_criterion",
        {"assertion": "requirement", "negated": False, "category": "single prescriber", "cue": "necessitate"},
        d1.start_char)
    add("CRITERION", "documentation of diagnoses of reflex sympathetic dystrophy", "imr_criterion",
        {"assertion": "present", "negated": False, "category": "diagnosis", "cue": "there is"}, d1.start_char)
    add("CRITERION", "no documentation of functional benefit", "imr_criterion",
        {"assertion": "absent", "negated": True, "category": "functional improvement", "cue": "no documentation of"},
        d1.start_char)
    add_entities(doc, spans, labels=["DRUG", "CITATION", "CRITERION", "STRENGTH"])
    return doc


DRUGS = [("Norco", "hydrocodone/acetaminophen", "opioid"), ("Tramadol", "tramadol", "opioid"),
         ("Flexeril", "cyclobenzaprine", "muscle relaxant"), ("Baclofen", "baclofen", "muscle relaxant"),
         ("Naproxen", "naproxen", "NSAID"), ("Celebrex", "celecoxib", "NSAID"), ("Prilosec", "omeprazole", "proton pump inhibitor"),
         ("Lyrica", "pregabalin", "anticonvulsant"), ("Lidoderm", "lidocaine", "topical anesthetic"), ("Ambien", "zolpidem", "hypnotic")]
ITEMS = ["Physical therapy 12 sessions", "MRI of the lumbar spine", "TENS unit", "Facet joint injections L4-5",
         "Right shoulder arthroscopy", "EMG bilateral lower extremities", "Home health aide", "Acupuncture 6 sessions"]
SPECIALTIES = ["Occupational Medicine", "Orthopedic Surgery", "Physical Medicine & Rehabilitation",
               "Anesthesiology", "Pain Medicine", "Internal Medicine", "Neurology", "Psychiatry"]
CRITERIA = ["functional improvement", "urine drug screen", "pain relief", "failure of first-line therapy",
            "red flags", "objective findings", "duration of use", "home exercise program"]
GUIDELINES = [("MTUS", "Chronic Pain Medical Treatment Guidelines"), ("ODG", "Pain, Opioids"), ("ACOEM", "Low Back Complaints"),
              ("ODG", "Low Back, MRIs"), ("MTUS", "ACOEM Practice Guidelines, Chapter 12")]


def synthetic_record(i: int) -> dict:
    """A full imr/1 record (all components filled) for letter number `i`: deterministic, varied."""
    decisions, entities = [], []
    for k in range(1 + i % 4):
        n = i * 7 + k * 3
        outcome = "upheld" if n % 5 else "overturned"
        drugs = []
        if n % 3:
            name, generic, drug_class = DRUGS[n % len(DRUGS)]
            drugs.append({"text": name, "start": 10, "end": 17, "name": name, "generic": generic, "drug_class": drug_class,
                          "strength": [{"value": 10, "unit": "mg"}], "quantity": 90, "refills": n % 3})
            item = f"{name} 10mg #90"
        else:
            item = ITEMS[n % len(ITEMS)]
        citations = [{"text": "MTUS Chronic Pain Medical Treatment Guidelines Section on Opioids Page(s): 74-80",
                      "start": 100, "end": 180, "cited_by": by, "source": source, "title": title, "title_canonical": title,
                      "topic": "Opioids", "edition": None, "sections": [["Opioids", "Criteria for use"][(n + j) % 2]],
                      "pages": [[74 + j, 80 + j]]}
                     for j, (by, (source, title)) in enumerate([("claims_administrator", GUIDELINES[n % 5]), ("maximus", GUIDELINES[(n + 2) % 5])])]
        criteria = [{"text": "no documentation of functional improvement with previous use", "start": 300 + j, "end": 360 + j,
                     "negated": j % 2 == 0, "assertion": ["absent", "present", "requirement"][(n + j) % 3],
                     "category": CRITERIA[(n + j) % len(CRITERIA)], "cue": "no documentation of"} for j in range(6)]
        decisions.append({"item": item, "outcome": outcome, "medically_necessary": outcome == "overturned", "start": 1000 * k,
                          "end": 1000 * k + 900, "drugs": drugs, "citations": citations, "criteria": criteria, "cited_none": []})
        entities += [{"label": "OUTCOME", "text": outcome.capitalize(), "start": 1000 * k + 50, "end": 1000 * k + 56, "value": outcome}]
        entities += [dict(d, label="DRUG") for d in drugs] + [dict(c, label="CITATION") for c in citations]
        entities += [dict(c, label="CRITERION") for c in criteria]
    return {"schema": "imr/1", "id": f"CM{i:08d}", "source": f"corpus/synthetic/CM{i:08d}.txt", "text_length": 8000,
            "template": "maximus-2016", "case": {"case_number": f"CM{i:08d}", "date_of_injury": "2011-02-03"},
            "reviewer": {"specialties": [SPECIALTIES[i % len(SPECIALTIES)]] + ([SPECIALTIES[(i + 3) % 8]] if i % 7 == 0 else []),
                         "licensure": ["California"]},
            "patient": {"age": 30 + i % 40, "sex": "female" if i % 2 else "male"},
            "decisions": decisions, "entities": entities}


def write_synthetic_corpus(path, letters: int) -> None:
    """`letters` synthetic records as JSONL (every 50th an error record)."""
    import json

    with open(path, "w", encoding="utf8") as out:
        for i in range(letters):
            record = synthetic_record(i) if i % 50 else {"schema": "imr/1", "id": f"E{i}", "error": "empty file",
                                                          "decisions": [], "entities": []}
            out.write(json.dumps(record) + "\n")
