import spacy

import imr.components  # noqa: F401


def make_nlp():
    nlp = spacy.blank("en")
    nlp.add_pipe("imr_sentences")
    return nlp


def test_line_wraps_are_not_boundaries():
    doc = make_nlp()("There is no documentation of functional\nbenefit. The request is not\nmedically necessary.")
    assert [s.text for s in doc.sents] == [
        "There is no documentation of functional\nbenefit.",
        "The request is not\nmedically necessary.",
    ]


def test_paragraphs_and_abbreviations():
    doc = make_nlp()("See Dr. Smith at pg. 607 today.\n\nMAXIMUS guideline: Decision based on MTUS")
    assert [s.text.strip() for s in doc.sents] == [
        "See Dr. Smith at pg. 607 today.",
        "MAXIMUS guideline: Decision based on MTUS",
    ]


def test_double_spaced_layout_paragraphs():
    text = "First line of a\n\nwrapped sentence\n\n \n\nNext paragraph here"
    doc = make_nlp()(text)
    assert [s.text.strip() for s in doc.sents][-1] == "Next paragraph here"
    assert len(list(doc.sents)) == 2


def test_the_last_item_of_a_bullet_list_without_a_period_ends_its_sentence():
    text = "Unmet criteria:\n- a new deficit\n- red flags such as\ntumor or fracture\nThe MRI is not medically necessary.\n- an item\n- and its line wrap\ncontinued here."
    doc = make_nlp()(text)
    assert [s.text.strip() for s in doc.sents] == [
        "Unmet criteria:\n- a new deficit\n- red flags such as\ntumor or fracture",
        "The MRI is not medically necessary.\n- an item\n- and its line wrap\ncontinued here.",  # a wrapped line in lower case goes on
    ]


def test_rules_round_trip(tmp_path):
    nlp = make_nlp()
    nlp.initialize()
    nlp.to_disk(tmp_path / "model")
    loaded = spacy.load(tmp_path / "model")
    assert loaded.get_pipe("imr_sentences").rules == nlp.get_pipe("imr_sentences").rules
    assert len(loaded.get_pipe("imr_sentences").rules) > 10
