"""Evaluations summed per letter, bootstrap intervals, and two annotations scored against each other."""
import copy

import pytest
import srsly
from typer.testing import CliRunner

from imr.cli import EXIT_USAGE, app
from imr.evaluation.agreement import agreement, disagreements, gold_to_record, shared_fields
from imr.evaluation.evaluate import evaluate, evaluate_letters, load_gold
from imr.evaluation.gold import record_to_gold
from imr.evaluation.metrics import Evaluation, bootstrap_intervals

from .conftest import CORPUS, GOLD, GOLD_HELDOUT

runner = CliRunner()
SEED = "000_be903013f77bdc94"
SECOND = CORPUS / "gold_second"


def letter_evaluation(tp: int, fn: int) -> Evaluation:
    ev = Evaluation(letters=1)
    ev.prf["absent_criteria"].add(tp, 0, fn)
    ev.acc["decision_outcome"].add(True)
    return ev


def seed_gold_and_predictions(tmp_path):
    """A gold folder holding the first seed letter, and predictions equal to its gold."""
    gold_dir = tmp_path / "gold"
    gold_dir.mkdir()
    letter = srsly.read_json(GOLD / f"{SEED}.json")
    srsly.write_json(gold_dir / f"{SEED}.json", letter)
    predictions = tmp_path / "p.jsonl"
    srsly.write_jsonl(predictions, [gold_to_record(letter)])
    return gold_dir, predictions


def test_merge_sums_every_count():
    a, b = letter_evaluation(3, 1), letter_evaluation(2, 0)
    b.missing.append("x")
    total = Evaluation().merge_all([a, b])
    assert (total.prf["absent_criteria"].tp, total.prf["absent_criteria"].fn) == (5, 1)
    assert (total.acc["decision_outcome"].right, total.acc["decision_outcome"].total) == (2, 2)
    assert total.letters == 2 and total.missing == ["x"]
    assert (a.prf["absent_criteria"].tp, a.letters) == (3, 1)  # merged into a new run, not into a


def test_evaluate_is_the_sum_of_its_letters():
    gold = load_gold(GOLD)
    some = {letter_id: gold[letter_id] for letter_id in list(gold)[:6]}
    predictions = {letter_id: gold_to_record(letter) for letter_id, letter in some.items()}
    del predictions[next(iter(some))]
    letters = evaluate_letters(some, predictions)
    assert len(letters) == 6 and letters[0].missing == [next(iter(some))]
    assert Evaluation().merge_all(letters).metrics() == evaluate(some, predictions).metrics()


def test_bootstrap_intervals_bracket_the_estimate_and_repeat():
    letters = [letter_evaluation(4, 0) for _ in range(8)] + [letter_evaluation(2, 2), letter_evaluation(3, 1)]
    point = Evaluation().merge_all(letters).metrics()["absent_criteria_r"]  # 37 / 40
    low, high = bootstrap_intervals(letters, samples=300, seed=1)["absent_criteria_r"]
    assert low < point < high <= 1.0
    assert high - low < 0.2
    assert bootstrap_intervals(letters, samples=300, seed=1) == bootstrap_intervals(letters, samples=300, seed=1)
    assert bootstrap_intervals(letters, samples=50)["decision_outcome_acc"] == (1.0, 1.0)
    rare = letter_evaluation(1, 0)
    rare.acc["drug_header_all"].add(True)  # a metric only one letter of many observes
    ten = [letter_evaluation(1, 0) for _ in range(9)] + [rare]
    seen = [bool(bootstrap_intervals(ten, samples=1, seed=seed).get("drug_header_all_acc")) for seed in range(20)]
    assert True in seen and False in seen  # absent from a resample without that letter, never an error
    assert "drug_header_all" in Evaluation().merge_all(ten).table(bootstrap_intervals(ten, samples=1, seed=seen.index(False)))
    perfect = [letter_evaluation(2, 0) for _ in range(5)]
    assert bootstrap_intervals(perfect, samples=50)["absent_criteria_f"] == (1.0, 1.0)


def test_gold_to_record_is_record_to_gold_reversed():
    gold = srsly.read_json(GOLD / f"{SEED}.json")
    back = record_to_gold(gold_to_record(gold))
    for original, returned in zip(gold["decisions"], back["decisions"]):
        for key in ("item", "outcome", "medically_necessary", "drugs", "negated_criteria"):
            assert returned[key] == original[key]
        assert returned["rationale_pages"] == original.get("rationale_pages", [])
        assert returned["citations"] == [
            {key: c.get(key) for key in ("cited_by", "source", "edition", "sections", "pages", "title")} for c in original["citations"]
        ]
    assert back["drug_mentions"] == gold["drug_mentions"]
    assert len(back["decisions"]) == len(gold["decisions"]) > 0


def test_gold_agrees_with_itself_on_every_field():
    gold = load_gold(GOLD)
    some = {letter_id: gold[letter_id] for letter_id in list(gold)[:10]}
    total = Evaluation().merge_all(agreement(some, some))
    metrics = total.metrics()
    assert total.letters == 10
    assert {"absent_criteria_f", "drug_mentions_f", "citations_f", "drug_header_all_acc", "case_number_acc"} <= set(metrics)
    assert all(value == 1.0 for value in metrics.values()), {k: v for k, v in metrics.items() if v != 1.0}


def test_partial_second_annotation_is_scored_on_its_fields_only():
    reference = srsly.read_json(GOLD / f"{SEED}.json")
    decision = reference["decisions"][0]
    criteria = decision["negated_criteria"]
    assert len(criteria) == 7
    other = {
        "id": SEED,
        "decisions": [
            {
                "item": decision["item"],
                "outcome": decision["outcome"],
                "medically_necessary": decision["medically_necessary"],
                "negated_criteria": criteria[:5] + ["an unrelated finding nobody wrote"],
            }
        ],
    }
    kept = shared_fields(reference, other)
    assert "drug_mentions" not in kept and "drugs" not in kept["decisions"][0] and "citations" not in kept["decisions"][0]
    assert kept["decisions"][0]["negated_criteria"] == criteria
    metrics = Evaluation().merge_all(agreement({SEED: reference}, {SEED: other})).metrics()
    assert (metrics["absent_criteria_p"], metrics["absent_criteria_r"]) == (5 / 6, 5 / 7)
    assert metrics["decision_medically_necessary_acc"] == 1.0
    assert not [name for name in metrics if name.startswith(("drug", "citation", "cited_none", "case_", "criterion_category"))]
    assert agreement({SEED: reference}, {"another": other}) == []


def test_second_annotation_covers_held_out_letters_and_agrees():
    """corpus/gold_second: a second, independent annotation of the 30 held-out letters and 40 dev letters."""
    result = runner.invoke(app, ["agreement", str(GOLD_HELDOUT), str(SECOND), "--bootstrap", "200", "--min", "decisions_f=1"])
    assert result.exit_code == 0, result.output
    assert "letters: 30" in result.output and "95% interval" in result.output
    letters = agreement(load_gold(GOLD_HELDOUT), load_gold(SECOND))
    metrics = Evaluation().merge_all(letters).metrics()
    assert metrics["decision_outcome_acc"] == metrics["decision_medically_necessary_acc"] == 1.0
    assert 0.9 < metrics["absent_criteria_f"] < 1.0  # two careful readers, not one copied
    assert len(agreement(load_gold(GOLD), load_gold(SECOND))) == 40


def test_agreement_cli_refuses_folders_without_shared_letters(tmp_path):
    other = tmp_path / "other"
    other.mkdir()
    srsly.write_json(other / "nobody.json", {"id": "nobody", "decisions": []})
    result = runner.invoke(app, ["agreement", str(GOLD_HELDOUT), str(other)])
    assert result.exit_code == EXIT_USAGE
    assert "annotates none of the letters" in result.output


def test_evaluate_bootstrap_writes_intervals(tmp_path):
    gold_dir = tmp_path / "gold"
    gold_dir.mkdir()
    letters = [srsly.read_json(path) for path in sorted(GOLD.glob("*.json"))[:4]]
    for letter in letters:
        srsly.write_json(gold_dir / f"{letter['id']}.json", letter)
    records = [gold_to_record(letter) for letter in letters]
    broken = copy.deepcopy(records[0])
    broken["decisions"][0]["outcome"] = "overturned" if broken["decisions"][0]["outcome"] == "upheld" else "upheld"
    predictions = tmp_path / "p.jsonl"
    srsly.write_jsonl(predictions, [broken] + records[1:])
    out = tmp_path / "m.json"
    result = runner.invoke(app, ["evaluate", str(predictions), "--gold", str(gold_dir), "--bootstrap", "100", "--json", str(out)])
    assert result.exit_code == 0, result.output
    metrics = srsly.read_json(out)
    low, high = metrics["intervals"]["decision_outcome_acc"]
    assert low <= metrics["decision_outcome_acc"] < 1.0 == high
    assert metrics["intervals"]["decisions_f"] == [1.0, 1.0]
    per_letter = tmp_path / "letters.jsonl"
    result = runner.invoke(app, ["evaluate", str(predictions), "--gold", str(gold_dir), "--per-letter", str(per_letter)])
    assert result.exit_code == 0, result.output
    rows = list(srsly.read_jsonl(per_letter))
    assert [row["id"] for row in rows] == [letter["id"] for letter in letters]
    wrong = 1 / len(letters[0]["decisions"])
    assert rows[0]["decision_outcome_acc"] == pytest.approx(1 - wrong) and rows[0]["decisions_f"] == 1.0
    assert all(row["decision_outcome_acc"] == 1.0 for row in rows[1:])


@pytest.mark.parametrize("bootstrap", ["0", "-1"])
def test_evaluate_without_bootstrap_has_no_interval_column(tmp_path, bootstrap):
    gold_dir, predictions = seed_gold_and_predictions(tmp_path)
    result = runner.invoke(app, ["evaluate", str(predictions), "--gold", str(gold_dir), "--bootstrap", bootstrap])
    if bootstrap == "0":
        assert result.exit_code == 0 and "95% interval" not in result.output
    else:
        assert result.exit_code == EXIT_USAGE  # typer's min=0


def test_a_broken_gold_or_prediction_file_is_named(tmp_path):
    gold_dir = tmp_path / "gold"
    gold_dir.mkdir()
    (gold_dir / "cut.json").write_text('{"id": "cut", "decisions": [')
    result = runner.invoke(app, ["agreement", str(GOLD_HELDOUT), str(gold_dir)])
    assert result.exit_code == EXIT_USAGE
    assert f"{gold_dir / 'cut.json'}: not a gold JSON file" in result.output
    (gold_dir / "cut.json").write_text("[1, 2]")
    predictions = tmp_path / "p.jsonl"
    predictions.write_text('{"id": "cut", "decisions": []}\r\n\r\n{"decisions": []}\r\n')
    result = runner.invoke(app, ["evaluate", str(predictions), "--gold", str(GOLD_HELDOUT)])
    assert result.exit_code == EXIT_USAGE
    assert f"{predictions}, line 3: not an imr/1 record (KeyError" in result.output
    result = runner.invoke(app, ["evaluate", str(predictions), "--gold", str(gold_dir)])
    assert result.exit_code == EXIT_USAGE and "(a JSON object is expected)" in result.output
    (gold_dir / "cut.json").write_text('{"id": "cut", "decisions": [{"outcome": "upheld"}]}')
    result = runner.invoke(app, ["agreement", str(gold_dir), str(GOLD_HELDOUT)])
    assert result.exit_code == EXIT_USAGE and 'each with an "item" string' in result.output


def test_disagreements_list_what_only_one_annotation_holds(tmp_path):
    reference = {
        "a": {
            "decisions": [
                {"item": "Norco 10/325mg #90", "outcome": "upheld", "medically_necessary": False,
                 "negated_criteria": ["functional benefit or improvement", "a urine drug screen"]},
                {"item": "Physical therapy x 6", "outcome": "upheld", "medically_necessary": False, "negated_criteria": []},
            ]
        },
        "only-in-reference": {"decisions": []},
    }
    other = {
        "a": {
            "decisions": [
                {"item": "Norco  10/325mg\n#90", "outcome": "upheld", "medically_necessary": False,
                 "negated_criteria": ["functional benefit or improvement noted", "the lowest possible dose"]},
                {"item": "Physical therapy x 6", "outcome": "overturned", "medically_necessary": True, "negated_criteria": []},
                {"item": "Lidoderm 5% patch #30", "outcome": "upheld", "medically_necessary": False, "negated_criteria": []},
            ]
        }
    }
    assert disagreements(reference, other) == [
        {"id": "a", "decision": 0, "item": "Norco 10/325mg #90", "fields": {},
         "only_reference": ["a urine drug screen"], "only_other": ["the lowest possible dose"]},
        {"id": "a", "decision": 1, "item": "Physical therapy x 6",
         "fields": {"outcome": ["upheld", "overturned"], "medically_necessary": [False, True]}, "only_reference": [], "only_other": []},
        {"id": "a", "decision": None, "item": "Lidoderm 5% patch #30", "fields": {"item": [None, "Lidoderm 5% patch #30"]},
         "only_reference": [], "only_other": []},
    ]
    assert disagreements(reference, reference) == []
    assert disagreements({"x": {"decisions": [{"item": "MRI of the knee"}]}}, {"x": {"decisions": []}}) == [
        {"id": "x", "decision": 0, "item": "MRI of the knee", "fields": {"item": ["MRI of the knee", None]}, "only_reference": [], "only_other": []}
    ]
    folder_a, folder_b = tmp_path / "a", tmp_path / "b"
    for folder, gold in ((folder_a, reference), (folder_b, other)):
        folder.mkdir()
        for letter_id, letter in gold.items():
            srsly.write_json(folder / f"{letter_id}.json", {"id": letter_id, **letter})
    out = tmp_path / "d.jsonl"
    result = runner.invoke(app, ["agreement", str(folder_a), str(folder_b), "--disagreements", str(out)])
    assert result.exit_code == 0, result.output
    assert [entry["decision"] for entry in srsly.read_jsonl(out)] == [0, 1, None]
    assert "3 decisions differ" in result.output


def test_reports_are_never_written_over_the_inputs(tmp_path):
    gold_dir, predictions = seed_gold_and_predictions(tmp_path)
    before = predictions.read_bytes()
    for option, path in (("--json", predictions), ("--per-letter", gold_dir / "letters.jsonl")):
        result = runner.invoke(app, ["evaluate", str(predictions), "--gold", str(gold_dir), option, str(path)])
        assert result.exit_code == EXIT_USAGE and "would be written over or into the input" in result.output
    assert predictions.read_bytes() == before and sorted(p.name for p in gold_dir.iterdir()) == [f"{SEED}.json"]
    result = runner.invoke(app, ["agreement", str(gold_dir), str(gold_dir), "--disagreements", str(gold_dir / "d.jsonl")])
    assert result.exit_code == EXIT_USAGE and not (gold_dir / "d.jsonl").exists()
    result = runner.invoke(app, ["agreement", str(gold_dir), str(gold_dir), "--disagreements", str(tmp_path / "d.jsonl")])
    assert result.exit_code == 0 and "0 decisions differ" in result.output
