"""Guideline citations (`imr_citations`): every shape of issue #4, gold scores, round trips.

`nlp` is the bundled pipeline (conftest): IMR tokenizer, sentences, sections, decisions, citations.
"""
import time

import srsly
from spacy.tokens import DocBin
from spacy.training import Example
from spacy.util import registry

from imr.components.citations import CitationExtractor
from imr.components.entities import ENTITIES_KEY
from imr.components.sections import SECTIONS_KEY
from imr.evaluation.evaluate import Evaluation, evaluate
from imr.evaluation.citations import citation_key, score_citations
from imr.io.record import doc_to_record

from .conftest import gold_letters, letter_path

HEAD = """HOW THE IMR FINAL DETERMINATION WAS MADE
MAXIMUS Federal Services sent the complete case file to an expert reviewer.

CLINICAL CASE SUMMARY
The applicant is a 54-year-old male.

IMR ISSUES, DECISIONS AND RATIONALES
The Final Determination was based on decisions for the disputed items/services set forth below:
"""


def block(item, claims, maximus, rationale="The request is not medically necessary.", outcome="Upheld"):
    return (
        f"{item}: {outcome}\n\n"
        f"Claims Administrator guideline: {claims}\n\n"
        f"MAXIMUS guideline: {maximus}\n\n"
        f"Decision rationale: {rationale}\n\n"
    )


def citations(nlp, text):
    doc = nlp(text)
    record = doc_to_record(doc, "test")
    for decision in record["decisions"]:
        for citation in decision["citations"]:
            assert text[citation["start"] : citation["end"]] == citation["text"]
    return record


def only(record, cited_by):
    return [c for d in record["decisions"] for c in d["citations"] if c["cited_by"] == cited_by]


def values(citation, *fields):
    return tuple(citation[f] for f in fields)


FIELDS = ("source", "title", "topic", "edition", "sections", "pages", "pages_valid")


def test_section_on_opioids_with_pages_and_exact_offsets(nlp):
    text = HEAD + block(
        "Norco 10/325mg #90",
        "Decision based on MTUS Chronic Pain Treatment Guidelines Opioids.",
        "Decision based on MTUS Chronic Pain Treatment Guidelines Section \n\non Opioids Page(s): 74-80.",
    )
    record = citations(nlp, text)
    [maximus] = only(record, "maximus")
    start = text.index("Chronic Pain Treatment Guidelines Section")
    assert (maximus["start"], maximus["end"]) == (start, text.index("74-80") + len("74-80"))
    assert values(maximus, *FIELDS) == ("MTUS", "Chronic Pain Treatment Guidelines", "Opioids", None, ["Opioids"], [[74, 80]], True)
    [claims] = only(record, "claims_administrator")
    assert values(claims, *FIELDS) == ("MTUS", "Chronic Pain Treatment Guidelines", "Opioids", None, [], [], True)
    assert claims["title_as_written"] == "Chronic Pain Treatment Guidelines Opioids"


def test_page_lists_commas_semicolons_single_and_line_break(nlp):
    text = HEAD + block(
        "Percocet 10/325 mg, QTY: 60",
        "Decision based on MTUS Chronic Pain Treatment Guidelines Benzodiazepines Page(s): 24.",
        "Decision based on MTUS Chronic Pain Treatment Guidelines Criteria \n\nfor use of opioids and "
        "Medications for chronic pain Page(s): 88-89, 76-78; 60-61.",
    ) + block(
        "Tramadol 100mg, #90",
        "Decision based on MTUS Chronic Pain Treatment Guidelines Opioids Page(s): 74-80;113.",
        "Decision based on MTUS Chronic Pain Treatment Guidelines Page(s): \n\n88.",
    ) + block(
        "Soma 350mg #30",
        "Decision based on MTUS Chronic Pain Treatment Guidelines Carisoprodol Page (s) 29.",
        "Decision based on MTUS Chronic Pain Treatment Guidelines Muscle relaxants, Pages: 63-66 and 68.",
    )
    record = citations(nlp, text)
    claims = only(record, "claims_administrator")
    maximus = only(record, "maximus")
    assert [c["pages"] for c in claims] == [[[24, 24]], [[74, 80], [113, 113]], [[29, 29]]]
    assert [c["pages"] for c in maximus] == [[[88, 89], [76, 78], [60, 61]], [[88, 88]], [[63, 66], [68, 68]]]
    assert maximus[0]["topic"] == "Criteria for use of opioids and Medications for chronic pain"
    assert [c["pages_text"] for c in maximus] == ["88-89, 76-78; 60-61", "88", "63-66 and 68"]
    assert maximus[2]["title_as_written"] == "Chronic Pain Treatment Guidelines Muscle relaxants"


def test_acoem_chapter_and_chronic_pain_are_two_mtus_citations(nlp):
    text = HEAD + block(
        "Oxycodone 15mg #120",
        "Decision based on MTUS ACOEM Chapter 3 Initial \n\nApproaches to Treatment Page(s): 47-48,Chronic Pain "
        "Treatment Guidelines Page(s): 80-82, \n\n111-113.  Decision based on Non-MTUS Citation Official Disability "
        "Guidelines (ODG)",
        "Decision based on MTUS Chronic Pain Treatment Guidelines Page(s): 88.",
    )
    record = citations(nlp, text)
    claims = only(record, "claims_administrator")
    assert [values(c, "source", "title_as_written", "pages") for c in claims] == [
        ("MTUS", "ACOEM Chapter 3 Initial Approaches to Treatment", [[47, 48]]),
        ("MTUS", "Chronic Pain Treatment Guidelines", [[80, 82], [111, 113]]),
        ("ODG", None, []),
    ]
    assert claims[0]["text"] == "ACOEM Chapter 3 Initial \n\nApproaches to Treatment Page(s): 47-48"
    assert claims[0]["title_canonical"] == "General Approaches"


def test_odg_title_and_topic_and_ccr_sections(nlp):
    text = HEAD + block(
        "Nucynta 75 mg # 90",
        "The Claims Administrator did not base their decision on the \n\nMTUS.  Decision based on Non-MTUS "
        "Citation CA MTUS, Opioids, Nucynta",
        "Decision based on Non-MTUS Citation Official Disability \n\nGuidelines (ODG) Pain, Tapentadol (Nucynta) and "
        "\n\nNon-MTUS Title 8, California Code of Regulations, \n\nsection 9792.20.",
    )
    record = citations(nlp, text)
    odg, ccr = only(record, "maximus")
    assert values(odg, *FIELDS) == ("ODG", "Pain", "Tapentadol (Nucynta)", None, [], [], True)
    assert odg["title_as_written"] == "Pain, Tapentadol (Nucynta)"
    assert odg["title_canonical"] == "Pain (Chronic)"
    assert values(ccr, "source", "title", "sections") == ("CCR", "California Code of Regulations", ["9792.20"])
    assert ccr["text"] == "Title 8, California Code of Regulations, \n\nsection 9792.20"
    [claims] = only(record, "claims_administrator")
    assert values(claims, "source", "title_as_written") == ("MTUS", "Opioids, Nucynta")
    assert record["decisions"][0]["cited_none"] == []


def test_new_style_editions_and_section_lists(nlp):
    text = HEAD + block(
        "Ultram 50mg #60",
        "Decision based on MTUS Chronic Pain Medical Treatment 2016, Section(s): Opioids, criteria for use, and "
        "Opioid Treatment 2016, Section(s): 3.3.1.1 Opioids for Chronic Pain: Screening for Risk of Addiction or "
        "Adverse Events, Prior to Chronic Opioid Treatment, 3.3.9 Opioids for Chronic Pain and Chronic\nOpioid "
        "Treatment: Maintenance of Chronic Opioid Treatment.",
        "Decision based on MTUS Low Back Complaints 2004, Section(s): Special Studies, Summary, and Chronic Pain "
        "Medical Treatment 2016, Section(s): NSAIDs (non-steroidal anti-inflammatory drugs), NSAIDs, GI symptoms &\n"
        "cardiovascular risk, Naproxen (Naprosyn, Anaprox), TENS, chronic pain (transcutaneous electrical nerve "
        "stimulation).",
    )
    record = citations(nlp, text)
    claims = only(record, "claims_administrator")
    assert [values(c, "title", "edition", "sections") for c in claims] == [
        ("Chronic Pain Medical Treatment", "2016", ["Opioids, criteria for use"]),
        (
            "Opioid Treatment",
            "2016",
            [
                "3.3.1.1 Opioids for Chronic Pain: Screening for Risk of Addiction or Adverse Events, Prior to Chronic Opioid Treatment",
                "3.3.9 Opioids for Chronic Pain and Chronic Opioid Treatment: Maintenance of Chronic Opioid Treatment",
            ],
        ),
    ]
    maximus = only(record, "maximus")
    assert [values(c, "title", "edition", "sections") for c in maximus] == [
        ("Low Back Complaints", "2004", ["Special Studies", "Summary"]),
        (
            "Chronic Pain Medical Treatment",
            "2016",
            [
                "NSAIDs (non-steroidal anti-inflammatory drugs)",
                "NSAIDs, GI symptoms & cardiovascular risk",
                "Naproxen (Naprosyn, Anaprox)",
                "TENS, chronic pain (transcutaneous electrical nerve stimulation)",
            ],
        ),
    ]


def test_single_numbered_section_and_guidelines_after_year(nlp):
    text = HEAD + block(
        "Norco 5/325mg #40",
        "Decision based on MTUS Chronic Pain Medical Treatment 2016 Guidelines, Section(s): Proton Pump Inhibitors (PPIs).",
        "Decision based on MTUS Opioid Treatment 2016, Section(s): 3.3.9",
    )
    record = citations(nlp, text)
    [claims] = only(record, "claims_administrator")
    assert values(claims, "title", "title_as_written", "edition") == (
        "Chronic Pain Medical Treatment Guidelines",
        "Chronic Pain Medical Treatment Guidelines",
        "2016",
    )
    [maximus] = only(record, "maximus")
    assert values(maximus, "title", "edition", "sections", "title_canonical") == (
        "Opioid Treatment",
        "2016",
        ["3.3.9"],
        "Opioid Treatment Guidelines",
    )


def test_title_variants_share_a_canonical_title(nlp):
    text = HEAD + block(
        "Baclofen 10mg #60",
        "Decision based on MTUS Chronic Pain Medical Treatment 2016, Section(s): Muscle relaxants (for pain).",
        "Decision based on MTUS Chronic Pain Treatment Guidelines Baclofen Page(s): 64.",
    )
    record = citations(nlp, text)
    titles = {c["title"] for c in only(record, "claims_administrator") + only(record, "maximus")}
    canonical = {c["title_canonical"] for c in only(record, "claims_administrator") + only(record, "maximus")}
    assert titles == {"Chronic Pain Medical Treatment", "Chronic Pain Treatment Guidelines"}
    assert canonical == {"Chronic Pain Medical Treatment Guidelines"}


def test_cited_none_and_not_based_on_mtus(nlp):
    text = HEAD + block(
        "Intrathecal (IT) pump",
        "The Claims Administrator did not cite any medical evidence \n\nfor its decision.",
        "The Expert Reviewer did not base their decision on the MTUS.  \n\nDecision based on Non-MTUS Citation "
        "Official Disability Guidelines (ODG) Section, under \n\nIntrathecal Opiate Pump",
    )
    record = citations(nlp, text)
    [decision] = record["decisions"]
    assert decision["cited_none"] == ["claims_administrator"]
    assert only(record, "claims_administrator") == []
    [odg] = only(record, "maximus")
    assert values(odg, "source", "title", "sections") == ("ODG", None, ["Intrathecal Opiate Pump"])


def test_implausible_page_ranges_are_flagged_not_fixed(nlp):
    text = HEAD + block(
        "Norco 10/325mg #90",
        "Decision based on MTUS Chronic Pain Treatment Guidelines Opioids Page(s): 80-74.",
        "Decision based on MTUS Chronic Pain Treatment Guidelines Opioids Page(s): 2500.",
    )
    record = citations(nlp, text)
    [claims] = only(record, "claims_administrator")
    [maximus] = only(record, "maximus")
    assert values(claims, "pages", "pages_text", "pages_valid") == ([[80, 74]], "80-74", False)
    assert values(maximus, "pages", "pages_valid") == ([[2500, 2500]], False)


def test_rationale_page_references(nlp):
    rationale = (
        "The MTUS Guidelines pages 88 and 89 state that pain should be assessed. MTUS page 78 also requires\n"
        "documentation. The ODG Low Back Chapter, pages 335-336, supports this. The report on page 2 was read."
    )
    text = HEAD + block(
        "Norco 10/325mg #90",
        "Decision based on MTUS Chronic Pain Treatment Guidelines Opioids.",
        "Decision based on MTUS Chronic Pain Treatment Guidelines Opioids Page(s): 74-80.",
        rationale,
    )
    record = citations(nlp, text)
    cited = only(record, "rationale")
    assert [values(c, "source", "pages") for c in cited] == [
        ("MTUS", [[88, 88], [89, 89]]),
        ("MTUS", [[78, 78]]),
        ("ODG", [[335, 336]]),
    ]
    assert cited[1]["text"] == "MTUS page 78"


def test_rationale_pages_without_a_source_in_their_sentence(nlp):
    # rounds 1, 10, 37 and 48: the source is named in an earlier sentence, or only in the MAXIMUS paragraph;
    # a page footer and a record's pages are not guideline pages
    rationale = (
        "ODG recommends weaning when there is no improvement. A taper is likewise advised (page 79). Risk factors listed\n"
        "on page 68 include age over 65. The ODG section ends. Page 3 of 5 CM15-0087342 The report on page 2 was read, and\n"
        "page 4 of the QME report was not."
    )
    text = HEAD + block(
        "Norco 10/325mg #90",
        "Decision based on MTUS Chronic Pain Treatment Guidelines Opioids.",
        "Decision based on MTUS Chronic Pain Treatment Guidelines Opioids Page(s): 74-80.",
        rationale,
    ) + block(
        "Omeprazole 20mg #60",
        "Decision based on MTUS Chronic Pain Treatment Guidelines NSAIDs.",
        "Decision based on MTUS Chronic Pain Treatment Guidelines NSAIDs Page(s): 68-69.",
        "Risk factors listed on page 68 include age over 65. Visits follow page 99, 9-10 visits over 8 weeks. The guidelines\n"
        "note on page 69 that the records should list them. Page 8 of the same guidelines notes the rest.",
    )
    record = citations(nlp, text)
    assert [[values(c, "source", "pages", "text") for c in d["citations"] if c["cited_by"] == "rationale"] for d in record["decisions"]] == [
        [("ODG", [[79, 79]], "page 79"), ("ODG", [[68, 68]], "page 68")],
        [("MTUS", [[68, 68]], "page 68"), ("MTUS", [[99, 99]], "page 99"), ("MTUS", [[69, 69]], "page 69"), ("MTUS", [[8, 8]], "Page 8")],
    ]


def test_pages_spans_are_in_the_span_group_not_in_ents(nlp):
    text = HEAD + block(
        "Tramadol 100mg, #90",
        "Decision based on MTUS Chronic Pain Treatment Guidelines Opioids Page(s): 74-80;113.",
        "Decision based on MTUS Chronic Pain Treatment Guidelines Page(s): \n\n88.",
    )
    doc = nlp(text)
    pages = [(s.text, s.start_char) for s in doc.spans[ENTITIES_KEY] if s.label_ == "PAGES"]
    assert pages == [("74-80;113", text.index("74-80;113")), ("88", text.index("88."))]
    assert "PAGES" not in {e.label_ for e in doc.ents}
    assert [e.label_ for e in doc.ents].count("CITATION") == 2


def test_initialize_is_idempotent_and_rules_round_trip(nlp, tmp_path):
    component = nlp.get_pipe("imr_citations")
    rules = list(component.rules)
    component.initialize()
    component.initialize()
    assert component.rules == rules
    component.to_disk(tmp_path)
    assert (tmp_path / "citations.jsonl").exists()
    restored = CitationExtractor(nlp, "imr_citations").from_disk(tmp_path)
    assert restored.rules == rules
    assert CitationExtractor(nlp, "x").from_bytes(component.to_bytes()).rules == rules


def test_docbin_and_n_process_keep_citations(nlp, tmp_path):
    texts = [letter_path(i).read_text(encoding="utf8") for i in ("003_3e488eb9c02fab83", "CM16-0219557")]
    docs = list(nlp.pipe(texts))
    records = [doc_to_record(d, str(i)) for i, d in enumerate(docs)]
    assert all(d["citations"] for r in records for d in r["decisions"])
    DocBin(docs=docs, store_user_data=True).to_disk(tmp_path / "c.spacy")
    restored = list(DocBin().from_disk(tmp_path / "c.spacy").get_docs(nlp.vocab))
    assert [doc_to_record(d, str(i)) for i, d in enumerate(restored)] == records
    multi = [doc_to_record(d, str(i)) for i, d in enumerate(nlp.pipe(texts, n_process=2, batch_size=1))]
    assert multi == records


def test_registered_scorer(nlp):
    scorer = registry.scorers.get("imr.citations_scorer.v1")()
    text = letter_path("003_3e488eb9c02fab83").read_text(encoding="utf8")
    predicted, reference = nlp(text), nlp(text)
    scores = scorer([Example(predicted, reference)])
    assert scores["citations_f"] == 1.0 and scores["citation_pages_acc"] == 1.0
    with nlp.select_pipes(disable=["imr_citations"]):
        empty = nlp(text)
    assert scorer([Example(empty, reference)])["citations_r"] == 0.0


def test_gold_citation_scorer_counts():
    gold = {"citations": [
        {"cited_by": "maximus", "source": "MTUS", "edition": None, "sections": ["Opioids"], "pages": [[74, 80]]},
        {"cited_by": "maximus", "source": "ODG", "edition": None, "sections": [], "pages": []},
    ]}
    pred = {"citations": [
        {"cited_by": "maximus", "source": "MTUS", "edition": None, "sections": ["Opioids"], "pages": [[74, 81]]},
        {"cited_by": "maximus", "source": "ODG", "edition": None, "sections": [], "pages": [], "title_as_written": None},
        {"cited_by": "rationale", "source": "MTUS", "edition": None, "sections": [], "pages": [[82, 82]]},
    ]}
    ev = Evaluation()
    score_citations(ev, gold, pred)
    assert (ev.prf["citations"].tp, ev.prf["citations"].fp, ev.prf["citations"].fn) == (1, 1, 1)
    assert ev.acc["citation_pages"].value == 0.0
    assert citation_key(gold["citations"][0]) == ("maximus", "MTUS", None, ((74, 80),), ("Opioids",))


def test_gold_scores(nlp):
    gold = {g["id"]: g for g in gold_letters()}
    predictions = {i: doc_to_record(nlp(letter_path(i).read_text(encoding="utf8")), i) for i in gold}
    metrics = evaluate(gold, predictions).metrics()
    assert metrics["citations_f"] >= 0.95
    assert metrics["rationale_pages_f"] >= 0.9
    assert metrics["cited_none_f"] >= 0.9
    seeds = {i: g for i, g in gold.items() if not i.startswith("CM")}
    seed_metrics = evaluate(seeds, predictions).metrics()
    assert seed_metrics["citation_pages_acc"] == 1.0
    for letter_id, letter in seeds.items():
        for gold_decision, decision in zip(letter["decisions"], predictions[letter_id]["decisions"]):
            assert [c["pages"] for c in gold_decision["citations"]] == [
                c["pages"] for c in decision["citations"] if c["cited_by"] != "rationale"
            ]
    srsly.json_dumps(predictions)  # plain JSON values only


def test_older_wording_based_his_her_decision_and_part_of_the_mtus(nlp):
    text = HEAD + block(
        "Norco 10/325mg #90",
        "The Physician Reviewer based his/her decision on the Chronic Pain Medical Treatment Guidelines (May 2009),\n"
        "Opioids, Page(s) 78, which is part of the MTUS.",
        "The Expert Reviewer based his/her decision on the Official Disability Guidelines (ODG), Pain Chapter,\n"
        "Opioids, which is not part of the MTUS, and ACOEM Guidelines, 2nd Edition, Chapter 12, page 303.",
    )
    record = citations(nlp, text)
    [claims] = only(record, "claims_administrator")
    assert values(claims, "source", "title", "topic", "edition", "pages") == (
        "MTUS",
        "Chronic Pain Medical Treatment Guidelines",
        "Opioids",
        "2009",
        [[78, 78]],
    )
    assert claims["text"].endswith("Page(s) 78")
    odg, acoem = only(record, "maximus")
    assert values(odg, "source", "title", "topic") == ("ODG", "Pain Chapter", "Opioids")
    assert values(acoem, "source", "title", "edition", "pages") == ("ACOEM", "Chapter 12", "2nd", [[303, 303]])


def test_recommendations_outside_the_mtus_is_not_a_citation(nlp):
    text = HEAD + block(
        "Cervical pillow",
        "The Claims Administrator based their decision on recommendation(s) outside of the MTUS Guidelines. "
        "Decision based on Non-MTUS Citation ACOEM Occupational Medicine Practice Guidelines, 3rd ed., Low Back\n"
        "Disorders, pg. 607.",
        "Decision based on MTUS Chronic Pain Medical Treatment 2016.",
    )
    record = citations(nlp, text)
    [claims] = only(record, "claims_administrator")
    assert values(claims, "source", "title_as_written", "edition", "pages") == (
        "ACOEM",
        "Occupational Medicine Practice Guidelines, Low Back Disorders",
        "3rd",
        [[607, 607]],
    )


# -- issue 14: every way letters cite a guideline ------------------------------------------------

NEUTRAL = "Decision based on MTUS Chronic Pain Medical Treatment 2016."


def claims_citations(nlp, claims, maximus=NEUTRAL):
    """The claims administrator's citations of one block whose paragraph is `claims`."""
    return only(citations(nlp, HEAD + block("Norco 10/325mg #90", claims, maximus)), "claims_administrator")


def hand_made_sections(nlp, text, labelled):
    """Run imr_citations alone on `text` with section spans made by hand: (heading, label) pairs,
    each section from its heading to the next heading (the 2013 headings, whatever the sections
    component makes of them)."""
    doc = nlp.make_doc(text)
    starts = [(text.index(heading), label) for heading, label in labelled]
    spans = []
    for index, (start, label) in enumerate(starts):
        end = starts[index + 1][0] if index + 1 < len(starts) else len(text)
        spans.append(doc.char_span(start, end, label=label, alignment_mode="expand"))
    doc.spans[SECTIONS_KEY] = spans
    doc = nlp.get_pipe("imr_citations")(doc)
    found = [s for s in doc.spans[ENTITIES_KEY] if s.label_ == "CITATION"]
    for span in found:
        assert text[span.start_char : span.end_char] == span.text
    return [span._.imr_citation for span in found]


FIRST_TEMPLATE = """2) Regarding the request for Lidoderm 5% patch #30:
Medical Treatment Guideline(s) Used by the Claims Administrator (UR):
The Claims Administrator based its decision on the Chronic Pain Medical Treatment
Guidelines (May 2009), Lidoderm, page 56, which is part of the MTUS.
Medical Treatment Guideline(s) Used by the Expert Reviewer:
The Expert Reviewer relied on the ACOEM Practice Guidelines, 2nd
Edition (2004), Chapter 9, pages 207-209, and the Chronic Pain Medical Treatment Guidelines
(May 2009), Topical analgesics, pages 111-113, which are part of the California Medical
Treatment Utilization Schedule (MTUS). The Expert Reviewer also relied on the Official
Disability Guidelines (ODG), Pain Chapter, Lidoderm, which is not part of the MTUS.
Rationale for the Decision:
Lidoderm is recommended for localized peripheral pain. The request is not medically necessary.
"""


def test_first_template_guideline_paragraphs_with_hand_made_sections(nlp):
    """2013: "based its decision on the ...", "relied on the ...", "(May 2009)" and "2nd Edition
    (2004)" -> year editions, sections listed after the edition, "page 56" / "pages 207-209",
    "which is/are part of the (California Medical Treatment Utilization Schedule) MTUS",
    line breaks anywhere."""
    found = hand_made_sections(nlp, FIRST_TEMPLATE, [
        ("Medical Treatment Guideline(s) Used by the Claims Administrator (UR):", "claims_administrator_guideline"),
        ("Medical Treatment Guideline(s) Used by the Expert Reviewer:", "maximus_guideline"),
        ("Rationale for the Decision:", "decision_rationale"),
    ])
    fields = ("cited_by", "source", "title_as_written", "edition", "sections", "pages")
    assert [values(c, *fields) for c in found] == [
        ("claims_administrator", "MTUS", "Chronic Pain Medical Treatment Guidelines", "2009", ["Lidoderm"], [[56, 56]]),
        ("maximus", "MTUS", "ACOEM Practice Guidelines, 2nd Edition", "2004", ["Chapter 9"], [[207, 209]]),
        ("maximus", "MTUS", "Chronic Pain Medical Treatment Guidelines", "2009", ["Topical analgesics"], [[111, 113]]),
        ("maximus", "ODG", "Pain Chapter, Lidoderm", None, [], []),
    ]
    assert values(found[0], "title", "topic", "title_canonical") == (
        "Chronic Pain Medical Treatment Guidelines",
        "Lidoderm",
        "Chronic Pain Medical Treatment Guidelines",
    )
    assert values(found[1], "title", "topic", "title_canonical") == ("ACOEM Practice Guidelines", "Chapter 9", "Shoulder Complaints")


def test_first_template_statements_without_year_and_after_a_sentence(nlp):
    """An ordinal edition without a year is the edition; prose after a closing clause is no citation;
    "relied upon"; several sections after the edition."""
    claims = claims_citations(
        nlp,
        "The Claims Administrator relied upon the ACOEM Practice Guidelines, 2nd Edition, Chapter 12,\n"
        "pages 303-305, which is part of the MTUS. The Claims Administrator also noted the MRI report.",
    )
    assert [values(c, "source", "title_as_written", "edition", "sections", "pages") for c in claims] == [
        ("MTUS", "ACOEM Practice Guidelines", "2nd", ["Chapter 12"], [[303, 305]]),
    ]
    assert claims[0]["title_canonical"] == "Low Back Complaints"
    [opioids] = claims_citations(
        nlp,
        "The Claims Administrator based its decision on the Chronic Pain Medical Treatment Guidelines (May 2009),\n"
        "Opioids, criteria for use, Opioids, dosing, pages 76-80, which is part of the MTUS.",
    )
    assert values(opioids, "edition", "sections", "pages") == ("2009", ["Opioids, criteria for use", "Opioids, dosing"], [[76, 80]])
    # 2016 statements keep their title and "Section(s):" lists unchanged
    [plain] = claims_citations(nlp, "Decision based on MTUS Chronic Pain Treatment Guidelines Opioids Page(s): 74-80.")
    assert values(plain, "title_as_written", "sections") == ("Chronic Pain Treatment Guidelines Opioids", [])


def test_mixed_older_statements_keep_each_guideline_s_source(nlp):
    """"which are part of the MTUS" closing a list: a source never part of the MTUS (ODG) keeps its
    source before or after the MTUS guidelines; ACOEM named on its own, with no closing clause, is
    ACOEM; inside the MTUS statement it is MTUS (ACOEM's full name and its edition too)."""
    claims = claims_citations(
        nlp,
        "The Claims Administrator based its decision on the Official Disability Guidelines (ODG), Low Back Chapter, "
        "and the American College of Occupational and Environmental Medicine (ACOEM), 2nd Edition, (2004), Chapter 12,"
        "\npages 303-305, which is part of the MTUS.",
    )
    assert [values(c, "source", "title_as_written", "edition", "sections", "pages") for c in claims] == [
        ("ODG", "Low Back Chapter", None, [], []),
        ("MTUS", "American College of Occupational and Environmental Medicine (ACOEM), 2nd Edition", "2004", ["Chapter 12"], [[303, 305]]),
    ]
    claims = claims_citations(
        nlp,
        "The Claims Administrator based its decision on the ACOEM Practice Guidelines, 2nd Edition (2004), Chapter 12, "
        "pages 303-305, and the Official Disability Guidelines (ODG), Low Back Chapter, which are part of the MTUS.",
    )
    assert [values(c, "source", "title_as_written") for c in claims] == [
        ("MTUS", "ACOEM Practice Guidelines, 2nd Edition"),
        ("ODG", "Low Back Chapter"),
    ]
    [acoem] = claims_citations(nlp, "The Expert Reviewer based his/her decision on the ACOEM Guidelines, 2nd Edition, Chapter 12, page 303.")
    assert values(acoem, "source", "title_as_written", "edition", "pages") == ("ACOEM", "Chapter 12", "2nd", [[303, 303]])


def test_odg_named_every_way(nlp):
    """ODG with or without "(ODG)", with its product name ("Treatment in Workers' Comp", "ODG
    Treatment") and its publisher (Work Loss Data Institute, before or after it); the year is the
    edition, an ordinal right after the source name belongs to the source."""
    cases = {
        "Official Disability Guidelines, Shoulder, Surgery for rotator cuff repair.": ("Shoulder, Surgery for rotator cuff repair", None),
        "Official Disability Guidelines (ODG) Pain Chapter": ("Pain Chapter", None),
        "ODG Treatment, 13th Edition, 2015, Hip Chapter": ("Hip Chapter", "2015"),
        "Official Disability Guidelines Treatment in Workers' Compensation (ODG-TWC), 2016, Knee & Leg": ("Knee & Leg", "2016"),
        "Work Loss Data Institute, Official Disability Guidelines, Pain Chapter, Opioids": ("Pain Chapter, Opioids", None),
        "Work Loss Data Institute, 2015, Official Disability\nGuidelines, Low Back Chapter": ("Low Back Chapter", "2015"),
        "Official Disability Guidelines, Pain chapter, Work Loss Data Institute, 2015": ("Pain chapter", "2015"),
        "Official Disability Guidelines (ODG), Work Loss Data Institute (21th Annual Edition), 2016, Neck and Upper Back "
        "(Acute & Chronic) Chapter.": ("Neck and Upper Back (Acute & Chronic) Chapter", "2016"),
        "Work Loss Data Institute, Low Back - Lumbar & Thoracic": ("Low Back - Lumbar & Thoracic", None),
    }
    for cited, (title, edition) in cases.items():
        [odg] = claims_citations(nlp, f"Decision based on Non-MTUS Citation {cited}")
        assert values(odg, "source", "title_as_written", "edition") == ("ODG", title, edition), cited


def test_odg_chapter_without_a_source_name(nlp):
    """A citation that names no source is ODG when it starts with an ODG chapter printed with its
    qualifier, or when the statement names ODG elsewhere; otherwise it stays "other"."""
    assert [values(c, "source", "title_as_written") for c in claims_citations(
        nlp, "Decision based on Non-MTUS Citation Shoulder (Acute & Chronic), Physical Therapy, ODG Preface - Physical Therapy."
    )] == [("ODG", "Shoulder (Acute & Chronic), Physical Therapy"), ("ODG", "Preface - Physical Therapy")]
    [pain] = claims_citations(nlp, "Decision based on Non-MTUS Citation Pain (Chronic), Opioids, criteria for use")
    assert values(pain, "source", "title", "title_canonical") == ("ODG", "Pain (Chronic)", "Pain (Chronic)")
    assert [values(c, "source", "title_as_written") for c in claims_citations(
        nlp, "Decision based on Non-MTUS Citation Knee Chapter, MRI; ODG Knee & Leg, Arthroscopy"
    )] == [("ODG", "Knee Chapter, MRI"), ("ODG", "Knee & Leg, Arthroscopy")]
    [journal] = claims_citations(nlp, "Decision based on Non-MTUS Citation Pain management in primary care. Spine 2010.")
    assert values(journal, "source", "title_as_written", "edition") == ("other", "Pain management in primary care. Spine 2010", None)


def test_other_medical_treatment_guidelines_and_acoem_on_its_own(nlp):
    """"and Other Medical Treatment Guidelines X" starts a non-MTUS citation of X (ACOEM, a URL with
    or without http); ACOEM named on its own is source ACOEM, its full name too."""
    claims = claims_citations(
        nlp,
        "Decision based on MTUS Low Back Complaints 2004 and Other Medical Treatment Guidelines ACOEM Chapter 12, "
        "Low Back Disorders. Decision based on Non-MTUS Citation Official Disability Guidelines (ODG) Low Back Chapter, "
        "Epidural Steroid Injection (ESI) and Other Medical Treatment Guidelines www.mdguidelines.com.",
    )
    assert [values(c, "source", "title_as_written", "edition") for c in claims] == [
        ("MTUS", "Low Back Complaints", "2004"),
        ("ACOEM", "Chapter 12, Low Back Disorders", None),
        ("ODG", "Low Back Chapter, Epidural Steroid Injection (ESI)", None),
        ("other", "www.mdguidelines.com", None),
    ]
    [acoem] = claims_citations(
        nlp,
        "Decision based on Non-MTUS Citation American College of Occupational and Environmental Medicine (ACOEM), "
        "2nd Edition, (2004), Chapter 12, pages 303-305",
    )
    assert values(acoem, "source", "title_as_written", "edition", "pages") == ("ACOEM", "Chapter 12", "2004", [[303, 305]])


def test_a_second_source_name_starts_a_new_citation(nlp):
    """"..., Manipulation ODG Chiropractic Guidelines": a source name after a space, before a
    capitalised word, inside another citation starts a new one; before a lowercase word it stays."""
    claims = claims_citations(
        nlp,
        "Decision based on Non-MTUS Citation Official Disability Guidelines (ODG), Neck and Upper Back (updated "
        "12/21/16), Manipulation ODG Chiropractic Guidelines.",
    )
    assert [values(c, "source", "title_as_written") for c in claims] == [
        ("ODG", "Neck and Upper Back (updated 12/21/16), Manipulation"),
        ("ODG", "Chiropractic Guidelines"),
    ]
    assert claims[1]["text"] == "ODG Chiropractic Guidelines"
    [kept] = claims_citations(nlp, "Decision based on Non-MTUS Citation ODG Low Back Chapter, MRI as recommended by ODG guidelines")
    assert kept["title_as_written"] == "Low Back Chapter, MRI as recommended by ODG guidelines"


def test_reference_lists_give_one_citation_per_reference(nlp):
    """Journal and web references (source "other", title as written, no edition): a new reference
    starts at an author list after a separator, never inside one ("Chou R, Turner JA.")."""
    claims = claims_citations(
        nlp,
        "Decision based on Non-MTUS Citation What is an electrocardiogram? National Heart, Lung, and Blood Institute.\n"
        "http://www.nhlbi.nih.gov/health/ekg, accessed 02/18/2017, Benditt D, et al. Syncope in adults. UpToDate,\n"
        "accessed 02/18/2017; Chou R, Turner JA. Opioids for chronic pain. JAMA 2015;313(2):1-10.",
    )
    assert [values(c, "source", "title_as_written", "edition") for c in claims] == [
        ("other", "What is an electrocardiogram? National Heart, Lung, and Blood Institute. "
                  "http://www.nhlbi.nih.gov/health/ekg, accessed 02/18/2017", None),
        ("other", "Benditt D, et al. Syncope in adults. UpToDate, accessed 02/18/2017", None),
        ("other", "Chou R, Turner JA. Opioids for chronic pain. JAMA 2015;313(2):1-10", None),
    ]
    [uptodate] = claims_citations(nlp, "Decision based on Non-MTUS Citation: UpToDate, Management of chronic pain, accessed 01/05/2017")
    assert values(uptodate, "source", "title_as_written") == ("other", "UpToDate, Management of chronic pain, accessed 01/05/2017")


def test_numbered_and_line_separated_lists(nlp):
    """"Non-MTUS Citation:" lists: numbered "1." / "(2)" items, or one source per line."""
    expected = [("ODG", "Pain Chapter", []), ("ACOEM", "Chapter 7", [[127, 127]]),
                ("other", "http://www.drugs.com/norco.html", []), ("other", "http://www.drugs.com/soma.html", [])]
    numbered = claims_citations(
        nlp,
        "Decision based on Non-MTUS Citation: 1. Official Disability Guidelines (ODG), Pain Chapter 2. ACOEM "
        "Guidelines, Chapter 7, page 127 (3) http://www.drugs.com/norco.html 4) http://www.drugs.com/soma.html",
    )
    assert [values(c, "source", "title_as_written", "pages") for c in numbered] == expected
    lines = claims_citations(
        nlp,
        "Decision based on Non-MTUS Citation:\nOfficial Disability Guidelines (ODG), Pain Chapter\nACOEM, Chapter 7, "
        "page 127\nhttp://www.drugs.com/norco.html\nhttp://www.drugs.com/soma.html",
    )
    assert [values(c, "source", "title_as_written", "pages") for c in lines] == expected


def test_california_code_of_regulations_variants(nlp):
    for cited, sections in {
        "Title 8, California Code of Regulations, section 9792.20": ["9792.20"],
        "California Code of Regulations, Title 8, Section 9792.24.2": ["9792.24.2"],
        "8 C.C.R. 9792.20 et seq.": ["9792.20"],
        "Cal. Code Regs., tit. 8, \u00a7 9792.24.1": ["9792.24.1"],
    }.items():
        [ccr] = claims_citations(nlp, f"Decision based on Non-MTUS Citation {cited}")
        assert values(ccr, "source", "title", "sections") == ("CCR", "California Code of Regulations", sections), cited


def test_no_guidelines_were_cited(nlp):
    text = HEAD + block("Soma 350mg #30", "No guidelines were cited by the Claims Administrator.", NEUTRAL)
    record = citations(nlp, text)
    assert record["decisions"][0]["cited_none"] == ["claims_administrator"]
    assert only(record, "claims_administrator") == []


def test_new_shapes_cost_linear_time(nlp):
    """Long runs of spaces, repeated source names and list-like text in a guideline paragraph:
    4x the run, about 4x the time of imr_citations (quadratic would be 16x; the bound leaves room
    for noise and the n log n sort of the source names)."""
    component = nlp.get_pipe("imr_citations")

    def seconds(before, fill, after, length):
        paragraph = before + " " + fill * (length // len(fill)) + " " + after
        doc = nlp(HEAD + block("Norco 10/325mg #90", paragraph, paragraph))
        best = float("inf")
        for _ in range(3):
            started = time.perf_counter()
            component(doc)
            best = min(best, time.perf_counter() - started)
        return best

    for before, fill, after in [
        ("The Claims Administrator based its decision on the Chronic Pain Medical", " ", "Treatment Guidelines "
         "(May 2009), Lidoderm, page 56, which is part of the MTUS."),
        ("Decision based on Non-MTUS Citation", "ODG ", "Pain"),
        ("Decision based on Non-MTUS Citation", "Work Loss Data Institute ODG ", "Pain"),
        ("Decision based on Non-MTUS Citation", "Smith J, ", "Pain"),
        ("Decision based on Non-MTUS Citation", "1. A ", "Pain"),
        ("Decision based on Non-MTUS Citation Official Disability Guidelines (ODG)", "2004 ", "Pain"),
    ]:
        small, large = seconds(before, fill, after, 4_000), seconds(before, fill, after, 16_000)
        assert large / small < 10 or large < 0.05, (fill, small, large)


def test_mtus_slash_acoem_is_mtus_and_acoem_stays_in_the_title(nlp):
    """"MTUS/ACOEM" counts as MTUS (annotation guide); the title keeps "ACOEM", never a stray "/"."""
    claims = claims_citations(nlp, "Decision based on MTUS/ACOEM Shoulder Complaints Section(s): Surgical \n\nConsiderations Page(s): 209-211.")
    assert [values(c, "source", "title_as_written", "sections", "pages") for c in claims] == [
        ("MTUS", "ACOEM Shoulder Complaints", ["Surgical Considerations"], [[209, 211]]),
    ]
    assert claims[0]["title_canonical"] == "Shoulder Complaints"


def test_an_mtus_title_with_a_comma_and_is_one_citation(nlp):
    # round 23: "Forearm, Wrist, and Hand Complaints 2004" is one MTUS chapter; its "and Hand Complaints 2004"
    # does not start a second guideline
    claims = claims_citations(
        nlp,
        "Decision based on MTUS/ACOEM Forearm, Wrist, and Hand\nComplaints 2004, Section(s): Surgical Considerations, "
        "Page(s): 270-271. Decision based on Non-MTUS Citation ODG Carpal Tunnel Syndrome Chapter, Carpal tunnel release.",
    )
    assert [values(c, "source", "edition", "sections", "pages") for c in claims] == [
        ("MTUS", "2004", ["Surgical Considerations"], [[270, 271]]),
        ("ODG", None, [], []),
    ]
    assert claims[0]["title_canonical"] == "Forearm, Wrist, and Hand Complaints"


def test_the_before_a_guideline_name_starts_its_citation(nlp):
    # round 28: "Decision based on the Official Disability Guidelines (ODG), ..." is an ODG citation, not "other"
    [odg] = claims_citations(
        nlp, "Decision based on the Official Disability Guidelines (ODG), Low Back - Lumbar & Thoracic (Acute & Chronic), "
        "Hospital length of stay (LOS).",
    )
    assert values(odg, "source", "edition", "sections", "pages") == ("ODG", None, [], [])


def test_pages_before_sections_and_a_sentence_after_sections(nlp):
    # round 30: "Page(s): 46, Section(s): X" is one citation; the sections end at the sentence's end
    [mtus] = claims_citations(nlp, "Decision based on MTUS Chronic Pain Medical Treatment 2016, Page(s): 46, Section(s): Epidural "
                                   "steroid injections (ESIs).")
    assert values(mtus, "source", "edition", "sections", "pages") == ("MTUS", "2016", ["Epidural steroid injections (ESIs)"], [[46, 46]])
    [mtus] = claims_citations(nlp, "Decision based on MTUS Chronic Pain Medical Treatment 2016, Section(s): Benzodiazepines. The "
                                   "Expert Reviewer also based their decision on recommendation(s) outside of the MTUS Guidelines.")
    assert values(mtus, "source", "sections") == ("MTUS", ["Benzodiazepines"])


def test_a_source_after_a_page_list_sentence_or_after_and_on(nlp):
    # round 32: "... Page(s): 74-80; 113. Title 8, California Code of Regulations, section 9792.20." and "relied on X,
    # and on Title 8, ..." each name a CCR citation
    claims = claims_citations(nlp, "Decision based on MTUS Chronic Pain Medical Treatment Guidelines Page(s): 74-80; 113. Title 8, "
                                   "California Code of Regulations, section 9792.20.")
    assert [values(c, "source", "sections", "pages") for c in claims] == [("MTUS", [], [[74, 80], [113, 113]]), ("CCR", ["9792.20"], [])]


def test_a_ccr_section_keeps_its_subdivision(nlp):
    [ccr] = claims_citations(nlp, "Decision based on Non-MTUS Citation Title 8, California Code of Regulations, section 9792.20(e).")
    assert values(ccr, "source", "sections") == ("CCR", ["9792.20(e)"])


def test_first_template_and_the_after_a_closing_clause_is_no_citation(nlp):
    # round 23: ", which is part of the MTUS, and the Official Disability Guidelines (ODG), ..." gave an "other" citation "the"
    text = FIRST_TEMPLATE.replace(
        "The Expert Reviewer relied on the ACOEM Practice Guidelines, 2nd\nEdition (2004), Chapter 9, pages 207-209, and the "
        "Chronic Pain Medical Treatment Guidelines\n(May 2009), Topical analgesics, pages 111-113, which are part of the California "
        "Medical\nTreatment Utilization Schedule (MTUS). The Expert Reviewer also relied on the Official\nDisability Guidelines "
        "(ODG), Pain Chapter, Lidoderm, which is not part of the MTUS.",
        "The Expert Reviewer relied on the Chronic Pain Medical Treatment Guidelines (May 2009),\nLidoderm, page 56, which is "
        "part of the MTUS, and the Official Disability Guidelines\n(ODG), Pain Chapter, Lidoderm, which is not part of the MTUS.",
    )
    assert text != FIRST_TEMPLATE
    found = hand_made_sections(nlp, text, [
        ("Medical Treatment Guideline(s) Used by the Claims Administrator (UR):", "claims_administrator_guideline"),
        ("Medical Treatment Guideline(s) Used by the Expert Reviewer:", "maximus_guideline"),
        ("Rationale for the Decision:", "decision_rationale"),
    ])
    assert [values(c, "cited_by", "source", "title_as_written") for c in found] == [
        ("claims_administrator", "MTUS", "Chronic Pain Medical Treatment Guidelines"),
        ("maximus", "MTUS", "Chronic Pain Medical Treatment Guidelines"),
        ("maximus", "ODG", "Pain Chapter, Lidoderm"),
    ]
