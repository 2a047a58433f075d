import srsly
from typer.testing import CliRunner

from pipeline.cli import app

from .conftest import GOLD, letter_path

runner = CliRunner()
SEED = "000_be903013f77bdc94"


def make_inputs(tmp_path):
    folder = tmp_path / "letters"
    (folder / "nested").mkdir(parents=True)
    (folder / "nested" / f"{SEED}.txt").write_text(letter_path(SEED).read_text(encoding="utf8"), encoding="utf8")
    (folder / "empty.txt").write_text("", encoding="utf8")
    (folder / "latin1.txt").write_bytes("IMR letter caf\xe9".encode("latin-1"))
    (folder / "binary.txt").write_bytes(b"\x00\x01\x02IMR\x00")
    (folder / "recipe.txt").write_text("Mix flour and water. Bake for an hour.", encoding="utf8")
    return folder


def test_annotate_jsonl_with_bad_inputs(tmp_path):
    folder = make_inputs(tmp_path)
    out = tmp_path / "out" / "annotations.jsonl"
    result = runner.invoke(app, ["annotate", str(folder), "-o", str(out), "--quiet"])
    assert result.exit_code == 1
    records = {r["id"]: r for r in srsly.read_jsonl(out)}
    assert set(records) == {SEED, "empty", "latin1", "binary", "recipe"}
    assert records["empty"]["error"] == "empty file"
    assert records["latin1"]["error"].startswith("not UTF-8 text: invalid byte 0xe9 at offset 14")
    assert records["binary"]["error"].startswith("binary file")
    assert records["recipe"]["error"].startswith("not an IMR letter")
    seed = records[SEED]
    assert seed["schema"] == "imr/1"
    assert [d["outcome"] for d in seed["decisions"]] == ["upheld", "upheld"]
    assert seed["text_length"] == len(letter_path(SEED).read_text(encoding="utf8"))
    assert "empty.txt: empty file" in result.output
    assert not list(out.parent.glob("*.part"))


def test_annotate_missing_input_is_usage_error(tmp_path):
    result = runner.invoke(app, ["annotate", str(tmp_path / "nope"), "-o", str(tmp_path / "o.jsonl")])
    assert result.exit_code == 2
    assert "no such file or directory" in result.output


def test_annotate_adds_jsonl_suffix(tmp_path):
    result = runner.invoke(app, ["annotate", str(letter_path(SEED)), "-o", str(tmp_path / "out"), "--quiet"])
    assert result.exit_code == 0
    assert (tmp_path / "out.jsonl").exists()


def test_evaluate_thresholds(tmp_path):
    out = tmp_path / "seed.jsonl"
    assert runner.invoke(app, ["annotate", str(letter_path(SEED)), "-o", str(out), "--quiet"]).exit_code == 0
    gold = tmp_path / "gold"
    gold.mkdir()
    (gold / f"{SEED}.json").write_text((GOLD / f"{SEED}.json").read_text())
    ok = runner.invoke(app, ["evaluate", str(out), "--gold", str(gold), "--min", "decisions_f=1.0", "--min", "decision_outcome_acc=1"])
    assert ok.exit_code == 0, ok.output
    assert "decision_item_exact" in ok.output
    srsly.write_jsonl(out, [{"id": SEED, "decisions": [], "entities": []}])
    bad = runner.invoke(app, ["evaluate", str(out), "--gold", str(gold), "--min", "decisions_f=0.9"])
    assert bad.exit_code == 1
    assert "decisions_f: 0.000 < 0.900" in bad.output
