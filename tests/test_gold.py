"""End to end: every gold letter (the 5 seeds included) through the bundled pipeline."""
import pytest

from pipeline.layout import collapse
from pipeline.record import doc_to_record

from .conftest import gold_letters, letter_path

GOLD = gold_letters()


def test_gold_covers_seeds_and_dev():
    ids = {g["id"] for g in GOLD}
    assert len([i for i in ids if not i.startswith("CM")]) == 5
    assert len([i for i in ids if i.startswith("CM")]) >= 20


@pytest.mark.parametrize("gold", GOLD, ids=[g["id"] for g in GOLD])
def test_decisions_match_gold(nlp, gold):
    text = letter_path(gold["id"]).read_text(encoding="utf8")
    record = doc_to_record(nlp(text), gold["id"])
    predicted = [(d["item"], d["outcome"], d["medically_necessary"]) for d in record["decisions"]]
    expected = [(collapse(d["item"]), d["outcome"], d["medically_necessary"]) for d in gold["decisions"]]
    assert predicted == expected
    for decision in record["decisions"]:
        assert 0 <= decision["start"] < decision["end"] <= len(text)
    for entity in record["entities"]:
        assert text[entity["start"] : entity["end"]] == entity["text"]
