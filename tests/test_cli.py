import srsly
from typer.testing import CliRunner

from imr.cli import app

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
    assert "error" not in records["latin1"] and records["latin1"]["warnings"] == ["decoded as cp1252"]
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


def test_shards_partition_the_corpus(tmp_path):
    corpus = str(letter_path(SEED).parent)
    ids = []
    for k in (1, 2, 3):
        out = tmp_path / f"shard{k}.jsonl"
        result = runner.invoke(app, ["annotate", corpus, "-o", str(out), "--shard", f"{k}/3", "--quiet"])
        assert result.exit_code == 0, result.output
        ids.append([r["id"] for r in srsly.read_jsonl(out)])
    all_ids = sorted(i for shard in ids for i in shard)
    assert all_ids == sorted(p.stem for p in letter_path(SEED).parent.glob("*.txt"))
    assert all(shard for shard in ids) or len(all_ids) < 3
    bad = runner.invoke(app, ["annotate", corpus, "-o", str(tmp_path / "x.jsonl"), "--shard", "4/3"])
    assert bad.exit_code == 2


def test_resume_skips_done_ids(tmp_path):
    corpus = letter_path(SEED).parent
    out = tmp_path / "a.jsonl"
    first = runner.invoke(app, ["annotate", str(corpus / f"{SEED}.txt"), "-o", str(out), "--quiet"])
    assert first.exit_code == 0
    marker = srsly.read_jsonl(out).__next__()
    marker["marker"] = "kept"
    srsly.write_jsonl(out, [marker])
    second = runner.invoke(app, ["annotate", str(corpus), "-o", str(out), "--resume", "--quiet"])
    assert second.exit_code == 0, second.output
    records = list(srsly.read_jsonl(out))
    assert [r["id"] for r in records].count(SEED) == 1
    assert records[0]["marker"] == "kept"
    assert len(records) == len(list(corpus.glob("*.txt")))


def test_annotate_two_processes_matches_one(tmp_path):
    corpus = str(letter_path(SEED).parent)
    one, two = tmp_path / "one.jsonl", tmp_path / "two.jsonl"
    assert runner.invoke(app, ["annotate", corpus, "-o", str(one), "--quiet"]).exit_code == 0
    assert runner.invoke(app, ["annotate", corpus, "-o", str(two), "--quiet", "-n", "2", "-b", "1"]).exit_code == 0
    assert list(srsly.read_jsonl(two)) == list(srsly.read_jsonl(one))


def test_output_file_has_ordinary_permissions(tmp_path):
    import os

    out = tmp_path / "a.jsonl"
    assert runner.invoke(app, ["annotate", str(letter_path(SEED)), "-o", str(out), "--quiet"]).exit_code == 0
    umask = os.umask(0)
    os.umask(umask)
    assert out.stat().st_mode & 0o777 == 0o666 & ~umask


def test_one_version_everywhere():
    import re
    from pathlib import Path

    import imr
    from imr.about import __version__

    root = Path(__file__).resolve().parent.parent
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0 and __version__ in result.output
    assert imr.__version__ == __version__
    assert re.search(r'^  version: "([^"]+)"', (root / "project.yml").read_text(), re.M).group(1) == __version__
    assert f"## {__version__} " in (root / "CHANGELOG.md").read_text()
