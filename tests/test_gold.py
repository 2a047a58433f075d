"""End to end: every gold letter (the 5 seeds included) through the bundled pipeline."""
import pytest

from imr.components.layout import collapse
from imr.io.record import doc_to_record

from .conftest import GOLD_HELDOUT, gold_letters, letter_path

GOLD = gold_letters()


def test_gold_covers_seeds_dev_and_the_2013_template():
    ids = {g["id"] for g in GOLD}
    assert len([i for i in ids if i.startswith("0")]) == 5
    assert len([i for i in ids if i.startswith("SYN-2013")]) == 1
    assert len([i for i in ids if i.startswith("CM")]) == 91


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


def test_held_out_gold_scores(nlp):
    """Letters annotated blind and never used to write rules (corpus/gold_heldout): quality floors."""
    from imr.evaluation.evaluate import evaluate, load_gold

    gold = load_gold(GOLD_HELDOUT)
    assert len(gold) == 30
    predictions = {}
    for letter_id in gold:
        text = letter_path(letter_id).read_text(encoding="utf8")
        predictions[letter_id] = doc_to_record(nlp(text), letter_id)
    metrics = evaluate(gold, predictions).metrics()
    assert metrics["decisions_f"] == 1.0
    assert metrics["decision_item_exact_acc"] == 1.0
    assert metrics["decision_outcome_acc"] == 1.0
    assert metrics["decision_medically_necessary_acc"] == 1.0
    assert metrics["drug_mentions_f"] >= 0.98
    assert metrics["citations_f"] >= 0.98
    assert metrics["absent_criteria_f"] >= 0.90
    assert metrics["case_number_acc"] == metrics["reviewer_specialties_acc"] == 1.0
