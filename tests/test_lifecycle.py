"""spaCy lifecycle: training configs run, gold converts, packages build and install."""
import subprocess
import sys

import srsly

import pytest
import spacy
from spacy.cli.train import train
from spacy.tokens import DocBin

from imr.evaluation.gold import gold_doc, place_gold

from .conftest import ROOT, gold_letters, letter_path

SHORT_LETTER = """IMR ISSUES, DECISIONS AND RATIONALES
The Final Determination was based on decisions for the disputed items/services set forth below:

Norco 10/325mg #90: Upheld

Decision rationale: There is no documentation of functional improvement. Therefore, the request is
not medically necessary.

Physical therapy 6 sessions: Overturned

Decision rationale: Therefore, the request is medically necessary.
"""


def test_gold_is_placed_in_the_text():
    gold = next(g for g in gold_letters() if g["id"] == "000_be903013f77bdc94")
    text = letter_path(gold["id"]).read_text(encoding="utf8")
    placement = place_gold(text, gold)
    assert placement.missing == []
    labels = [label for _, _, label in placement.spans]
    assert labels.count("OUTCOME") == len(gold["decisions"])
    assert labels.count("DRUG") == len(gold["drug_mentions"])
    criteria = [text[s:e] for s, e, label in placement.spans if label == "CRITERION"]
    assert " ".join(criteria[0].split()) == gold["decisions"][0]["negated_criteria"][0]


def test_all_gold_values_are_found(nlp):
    for gold in gold_letters():
        _, missing = gold_doc(nlp, letter_path(gold["id"]).read_text(encoding="utf8"), gold)
        assert missing == [], gold["id"]


@pytest.fixture(scope="module")
def tiny_corpus(tmp_path_factory, nlp):
    folder = tmp_path_factory.mktemp("tiny")
    docs = [nlp(SHORT_LETTER), nlp(SHORT_LETTER.replace("Norco", "Nucynta"))]
    for name in ("train", "dev"):
        DocBin(docs=docs, store_user_data=True).to_disk(folder / f"{name}.spacy")
    return folder


@pytest.mark.parametrize("config", ["ner.cfg", "spancat.cfg"])
def test_training_config_runs(tiny_corpus, tmp_path, config):
    overrides = {
        "paths.train": str(tiny_corpus / "train.spacy"),
        "paths.dev": str(tiny_corpus / "dev.spacy"),
        "training.max_steps": 3,
        "training.eval_frequency": 2,
    }
    train(ROOT / "configs" / config, tmp_path / "out", overrides=overrides)
    trained = spacy.load(tmp_path / "out" / "model-last")
    assert trained.pipe_names[0] == "tok2vec"
    assert [t.text for t in trained.tokenizer("#90 Page(s): 74-80;113")] == ["#", "90", "Page(s)", ":", "74", "-", "80", ";", "113"]


def build_package(tmp_path):
    pipeline_dir, dist = tmp_path / "imr_pipeline", tmp_path / "dist"
    subprocess.run([sys.executable, "-m", "spacy", "assemble", str(ROOT / "configs" / "imr.cfg"), str(pipeline_dir)], check=True, capture_output=True)
    dist.mkdir()
    subprocess.run(
        [sys.executable, "-m", "spacy", "package", str(pipeline_dir), str(dist), "--name", "imr_pipeline", "--version", "0.1.0", "--force"],
        check=True,
        capture_output=True,
    )
    return dist / "en_imr_pipeline-0.1.0"


def test_spacy_package_builds_loadable_pipeline(tmp_path, nlp):
    package = build_package(tmp_path)
    model_dir = package / "en_imr_pipeline" / "en_imr_pipeline-0.1.0"
    assert (model_dir / "imr_decisions" / "decisions.jsonl").exists()
    meta = spacy.util.load_meta(model_dir / "meta.json")
    assert any(req.startswith("imr-pipeline") for req in meta.get("requirements", []))
    loaded = spacy.load(model_dir)
    text = letter_path("003_3e488eb9c02fab83").read_text(encoding="utf8")
    doc_a, doc_b = loaded(text), nlp(text)
    assert [s._.imr_decision for s in doc_a.spans["imr_decisions"]] == [s._.imr_decision for s in doc_b.spans["imr_decisions"]]



def test_silver_training_docs_keep_only_absent_criteria(nlp):
    from imr.training.corpus import keep_absent_criteria

    doc = nlp(SHORT_LETTER.replace("There is no documentation", "Guidelines recommend documentation of pain relief. There is no documentation"))
    assertions = {s._.imr_criterion["assertion"] for s in doc.spans["imr"] if s.label_ == "CRITERION"}
    assert {"absent", "requirement"} <= assertions
    keep_absent_criteria(doc)
    kept = [s for s in doc.spans["imr"] if s.label_ == "CRITERION"]
    assert [s._.imr_criterion["assertion"] for s in kept] == ["absent"]
    assert kept[0].text == "functional improvement"
    assert [e.label_ for e in doc.ents if e.label_ == "CRITERION"] == ["CRITERION"]


def test_spacy_evaluate_agrees_with_imr_evaluate(tmp_path, nlp):
    """The gold DocBin carries each letter's gold, so `spacy evaluate` scores what `imr evaluate` scores."""
    from imr.evaluation.evaluate import evaluate
    from imr.evaluation.gold import gold_docbin
    from imr.io.annotate import annotate_batch
    from imr.io.inputs import iter_letters

    ids = ["000_be903013f77bdc94", "CM17-0002181", "CM17-0009995", "CM16-0248698", "CM17-0019171", "SYN-2013-01"]
    gold_dir = tmp_path / "gold"
    gold_dir.mkdir()
    for letter_id in ids:
        (gold_dir / f"{letter_id}.json").write_text((ROOT / "corpus" / "gold" / f"{letter_id}.json").read_text(encoding="utf8"), encoding="utf8")
    docbin, missing = gold_docbin(nlp, gold_dir, [ROOT / "corpus" / f for f in ("seeds", "dev", "synthetic")])
    assert missing == {}
    docbin.to_disk(tmp_path / "gold.spacy")
    pipeline_dir = tmp_path / "imr_pipeline"
    subprocess.run([sys.executable, "-m", "spacy", "assemble", str(ROOT / "configs" / "imr.cfg"), str(pipeline_dir)], check=True, capture_output=True)
    subprocess.run(
        [sys.executable, "-m", "spacy", "evaluate", str(pipeline_dir), str(tmp_path / "gold.spacy"), "--output", str(tmp_path / "scores.json")],
        check=True, capture_output=True,
    )
    spacy_scores = srsly.read_json(tmp_path / "scores.json")
    records = {letter.id: record for letter, record, _ in annotate_batch(nlp, list(iter_letters([letter_path(i) for i in ids])))}
    imr_scores = evaluate({g["id"]: g for g in map(srsly.read_json, sorted(gold_dir.glob("*.json")))}, records).metrics()
    assert len(imr_scores) >= 40
    assert {name: spacy_scores.get(name) for name in imr_scores} == pytest.approx(imr_scores, abs=1e-9)
    assert imr_scores["drug_header_all_acc"] > 0 and imr_scores["citations_f"] > 0.9
