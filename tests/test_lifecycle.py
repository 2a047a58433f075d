"""spaCy lifecycle: training configs run, gold converts, packages build and install."""
import subprocess
import sys
import venv

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


@pytest.mark.slow
def test_spacy_package_installs_in_fresh_venv(tmp_path):
    package = build_package(tmp_path)
    env = tmp_path / "venv"
    venv.create(env, with_pip=True)
    pip = [str(env / "bin" / "python"), "-m", "pip", "install", "--quiet", "-c", str(ROOT / "requirements.lock")]
    subprocess.run(pip + [str(ROOT)], check=True)
    subprocess.run(pip + [str(package)], check=True)
    script = "import spacy; nlp = spacy.load('en_imr_pipeline'); doc = nlp(open(__import__('sys').argv[1]).read()); print(len(doc.spans['imr_decisions']))"
    out = subprocess.run([str(env / "bin" / "python"), "-c", script, str(letter_path("003_3e488eb9c02fab83"))], check=True, capture_output=True, text=True, cwd=tmp_path)
    assert out.stdout.strip() == "4"


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
