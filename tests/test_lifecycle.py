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
    """Silver as `imr make-corpus` writes it: blocks of two short letters (train), the letters (dev)."""
    from imr.training.blocks import letter_blocks
    from imr.training.corpus import silver_doc

    folder = tmp_path_factory.mktemp("tiny")
    docs = [silver_doc(nlp(SHORT_LETTER), "a"), silver_doc(nlp(SHORT_LETTER.replace("Norco", "Nucynta")), "b")]
    DocBin(docs=[block for doc in docs for block in letter_blocks(doc)[0]], store_user_data=True).to_disk(folder / "train.spacy")
    DocBin(docs=docs, store_user_data=True).to_disk(folder / "dev.spacy")
    return folder


def train_tiny(tiny_corpus, output, config):
    overrides = {
        "paths.train": str(tiny_corpus / "train.spacy"),
        "paths.dev": str(tiny_corpus / "dev.spacy"),
        "training.max_steps": 3,
        "training.eval_frequency": 2,
    }
    train(ROOT / "configs" / config, output, overrides=overrides)
    return output / "model-last"


@pytest.mark.parametrize(
    "config, pipeline, labels",
    [
        ("ner.cfg", ["tok2vec", "ner"], ["DRUG", "OUTCOME"]),
        ("spancat.cfg", ["tok2vec", "spancat"], ["CRITERION", "DRUG"]),
    ],
)
def test_training_config_runs(tiny_corpus, tmp_path, config, pipeline, labels):
    trained = spacy.load(train_tiny(tiny_corpus, tmp_path / "out", config))
    assert trained.pipe_names == pipeline
    assert sorted(trained.get_pipe(pipeline[-1]).labels) == labels  # the label set of the gold it is scored on
    assert [t.text for t in trained.tokenizer("#90 Page(s): 74-80;113")] == ["#", "90", "Page(s)", ":", "74", "-", "80", ";", "113"]
    trained(SHORT_LETTER)


def test_hybrid_pipeline_assembles_and_annotates(tiny_corpus, tmp_path):
    """configs/imr_hybrid.cfg: the rules plus a trained ner sourced in; `imr annotate --model` runs it."""
    ner = train_tiny(tiny_corpus, tmp_path / "ner", "ner.cfg")
    hybrid = tmp_path / "imr_hybrid"
    subprocess.run(
        [sys.executable, "-m", "spacy", "assemble", str(ROOT / "configs" / "imr_hybrid.cfg"), str(hybrid), "--paths.ner_model", str(ner)],
        check=True, capture_output=True,
    )  # fmt: skip
    loaded = spacy.load(hybrid)
    assert loaded.pipe_names[:3] == ["tok2vec", "ner", "imr_model_spans"]
    assert loaded.pipe_names.index("imr_drugs") < loaded.pipe_names.index("imr_model_drugs") < loaded.pipe_names.index("imr_drug_attributes")
    letter = tmp_path / "letter.txt"
    letter.write_text(SHORT_LETTER, encoding="utf8")
    result = subprocess.run(
        [sys.executable, "-m", "imr", "annotate", str(letter), "-o", str(tmp_path / "out.jsonl"), "--model", str(hybrid), "-q"],
        capture_output=True, text=True,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    (record,) = srsly.read_jsonl(tmp_path / "out.jsonl")
    assert [d["outcome"] for d in record["decisions"]] == ["upheld", "overturned"]
    assert "Norco" in [e["text"] for e in record["entities"] if e["label"] == "DRUG"]


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
