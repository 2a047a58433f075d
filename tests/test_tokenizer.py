import pytest
import spacy

from imr.components.tokenizer import build_tokenizer


@pytest.fixture(scope="module")
def tokenizer():
    return build_tokenizer(spacy.blank("en"))


@pytest.mark.parametrize(
    "text,tokens",
    [
        ("Page(s): 74-80;113.", ["Page(s)", ":", "74", "-", "80", ";", "113", "."]),
        ("Page(s): 47-48,Chronic Pain", ["Page(s)", ":", "47", "-", "48", ",", "Chronic", "Pain"]),
        ("Norco 10/325mg, #90: Upheld", ["Norco", "10/325", "mg", ",", "#", "90", ":", "Upheld"]),
        ("CM16-0213037 on 10-13-16 and 2/3/11.", ["CM16-0213037", "on", "10-13-16", "and", "2/3/11", "."]),
        ("Section(s): Opioids", ["Section(s)", ":", "Opioids"]),
        ("88-89, 76-78; 60-61.", ["88", "-", "89", ",", "76", "-", "78", ";", "60", "-", "61", "."]),
        ("1,000 mg", ["1,000", "mg"]),
        ("Decision Date: 12/19/2016", ["Decision", "Date", ":", "12/19/2016"]),
    ],
)
def test_imr_tokenizer_shapes(tokenizer, text, tokens):
    assert [t.text for t in tokenizer(text)] == tokens


def test_registered_tokenizer_in_config():
    config = {"nlp": {"tokenizer": {"@tokenizers": "imr.Tokenizer.v1"}}}
    nlp = spacy.blank("en", config=config)
    assert [t.text for t in nlp("#90")] == ["#", "90"]


def test_tokenizer_survives_to_disk(tmp_path):
    nlp = spacy.blank("en", config={"nlp": {"tokenizer": {"@tokenizers": "imr.Tokenizer.v1"}}})
    nlp.to_disk(tmp_path / "m")
    loaded = spacy.load(tmp_path / "m")
    text = "Page(s): 74-80;113 on 10-13-16 for CM16-0213037 #90"
    assert [t.text for t in loaded.tokenizer(text)] == [t.text for t in nlp.tokenizer(text)]
