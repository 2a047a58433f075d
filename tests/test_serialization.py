"""DocBin, assemble + load, and multiprocessing give the same annotations."""
import subprocess
import sys

import srsly
from spacy.tokens import DocBin

from imr.io.record import doc_to_record

from .conftest import ROOT, letter_path

IDS = ["000_be903013f77bdc94", "003_3e488eb9c02fab83", "CM16-0229336", "CM17-0007142"]


def texts():
    return [letter_path(i).read_text(encoding="utf8") for i in IDS]


def records(docs):
    return [doc_to_record(doc, i) for doc, i in zip(docs, IDS)]


def test_docbin_round_trip(nlp, tmp_path):
    docs = list(nlp.pipe(texts()))
    DocBin(docs=docs, store_user_data=True).to_disk(tmp_path / "letters.spacy")
    restored = list(DocBin().from_disk(tmp_path / "letters.spacy").get_docs(nlp.vocab))
    assert records(restored) == records(docs)
    assert [len(d.spans["imr_sections"]) for d in restored] == [len(d.spans["imr_sections"]) for d in docs]
    assert [[e.label_ for e in d.ents] for d in restored] == [[e.label_ for e in d.ents] for d in docs]


def test_n_process_2_matches_single_process(nlp):
    single = records(nlp.pipe(texts()))
    multi = records(nlp.pipe(texts(), n_process=2, batch_size=1))
    assert multi == single


def test_assemble_and_load_in_new_process(nlp, tmp_path):
    out = tmp_path / "imr_pipeline"
    subprocess.run([sys.executable, "-m", "spacy", "assemble", str(ROOT / "configs" / "imr.cfg"), str(out)], check=True, cwd=tmp_path)
    script = (
        "import json, sys, spacy\n"
        "nlp = spacy.load(sys.argv[1])\n"
        "doc = nlp(open(sys.argv[2], encoding='utf8').read())\n"
        "print(json.dumps([[s.start_char, s.end_char, s._.imr_decision['item']] for s in doc.spans['imr_decisions']]))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script, str(out), str(letter_path(IDS[1]))], check=True, capture_output=True, text=True, cwd=tmp_path
    )
    doc = nlp(texts()[1])
    expected = [[s.start_char, s.end_char, s._.imr_decision["item"]] for s in doc.spans["imr_decisions"]]
    assert srsly.json_loads(result.stdout) == expected
    assert (out / "imr_sections" / "sections.jsonl").exists()
