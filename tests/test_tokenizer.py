import pytest
import spacy
from spacy.tokenizer import Tokenizer

from imr.components import tokenizer as tokenizer_module
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


PRIMING_TEXT = "Dr. Smith's note:  the patient doesn't improve.\n\n   Norco 10/325mg #90, i.e. 3 a day\r\n  on 10-13-16 (e.g. CM16-0213037)."


def plain_twin(tokenizer):
    """spaCy's own Tokenizer with the same rules: no cache priming."""
    return Tokenizer(
        tokenizer.vocab, rules=tokenizer.rules, prefix_search=tokenizer.prefix_search, suffix_search=tokenizer.suffix_search,
        infix_finditer=tokenizer.infix_finditer, token_match=tokenizer.token_match, url_match=tokenizer.url_match,
    )


def token_rows(doc):
    return [(t.text, t.whitespace_, t.norm_, t.lower_, t.shape_, t.like_num, t.is_punct) for t in doc]


def test_primed_cache_gives_spacys_tokens():
    imr = build_tokenizer(spacy.blank("en"))
    plain = plain_twin(imr)
    for _ in range(2):  # first call primes, the second reads the cache
        assert token_rows(imr(PRIMING_TEXT)) == token_rows(plain(PRIMING_TEXT))
    # space runs as spaCy keys them: without the first " " (the previous token's trailing space)
    assert {"Smith's", "doesn't", " ", "\n\n   ", "\r\n  "} <= imr.primed


def count_prefix_searches(tokenizer):
    calls = []
    search = tokenizer.prefix_search

    def counted(text):
        calls.append(text)
        return search(text)

    tokenizer.prefix_search = counted  # spaCy empties its cache here (and the primed pieces with it)
    return calls


def test_pieces_after_a_special_case_are_cached():
    """spaCy alone re-tokenizes every piece after a special case ("Dr.") on each call;
    primed pieces come from the cache: only a piece that holds a special case itself
    ("(e.g.") is split again, as spaCy never caches those."""
    imr = build_tokenizer(spacy.blank("en"))
    plain = plain_twin(imr)
    imr_calls, plain_calls = count_prefix_searches(imr), count_prefix_searches(plain)
    assert imr.primed == set()
    imr(PRIMING_TEXT), plain(PRIMING_TEXT)
    imr_calls.clear(), plain_calls.clear()
    imr(PRIMING_TEXT), plain(PRIMING_TEXT)
    assert imr_calls == ["(e.g."]
    assert {"Smith's", "10/325mg", "(e.g."} <= set(plain_calls)


def test_primed_pieces_are_bounded(monkeypatch):
    monkeypatch.setattr(tokenizer_module, "PRIMED_LIMIT", 5)
    imr = build_tokenizer(spacy.blank("en"))
    plain = plain_twin(imr)
    imr("Dr. Smith")
    assert imr.primed == {"Dr.", "Smith"}
    doc = imr(PRIMING_TEXT)
    assert imr.primed == set()  # more than 5 pieces: the cache was emptied after the letter
    assert token_rows(doc) == token_rows(plain(PRIMING_TEXT))
    assert token_rows(imr(PRIMING_TEXT)) == token_rows(plain(PRIMING_TEXT))
