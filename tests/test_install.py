"""The wheels a user installs (`make dist`), in brand-new venvs with no source tree, on the
supported Python x spaCy pairs: Python 3.11 + spaCy 3.7 and Python 3.12 + spaCy 3.8.

Marked slow: `make test-slow` (CI runs it after `make test`).
"""
import glob
import json
import os
import shutil
import subprocess
import venv
from pathlib import Path

import pytest

import imr

from .conftest import ROOT, letter_path

pytestmark = pytest.mark.slow
SEED = "000_be903013f77bdc94"
DEV_LETTER = "CM16-0219557"
COMBINATIONS = [("3.11", "3.7."), ("3.12", "3.8.")]


def find_python(version: str):
    """An interpreter for `version`: pyenv's, else one on PATH that really is that version."""
    root = os.environ.get("PYENV_ROOT", str(Path.home() / ".pyenv"))
    for candidate in sorted(glob.glob(f"{root}/versions/{version}.*/bin/python{version}")) + [shutil.which(f"python{version}")]:
        if candidate and subprocess.run([candidate, "--version"], capture_output=True).returncode == 0:
            return candidate
    return None


@pytest.fixture(scope="session")
def wheels():
    subprocess.run(["make", "-s", "dist"], cwd=ROOT, check=True, capture_output=True)
    found = sorted((ROOT / "dist").glob("*.whl"))
    assert [w.name.split("-")[0] for w in found] == ["en_imr_pipeline", "imr_pipeline"]
    return found


@pytest.mark.parametrize("python_version,spacy_prefix", COMBINATIONS)
def test_wheels_work_in_a_fresh_venv(tmp_path, wheels, python_version, spacy_prefix):
    python = find_python(python_version)
    if python is None:
        pytest.skip(f"no Python {python_version} on this machine")
    env = tmp_path / "venv"
    subprocess.run([python, "-m", "venv", str(env)], check=True)
    bin_dir = env / "bin"
    lock = ROOT / "requirements" / f"py{python_version}.lock"
    subprocess.run([str(bin_dir / "python"), "-m", "pip", "install", "--quiet", "-c", str(lock), *map(str, wheels)], check=True)
    work = tmp_path / "empty"
    letters = work / "letters"
    letters.mkdir(parents=True)
    for letter_id in (SEED, DEV_LETTER):
        shutil.copy(letter_path(letter_id), letters)

    def run(*args):
        result = subprocess.run([str(a) for a in args], cwd=work, capture_output=True, text=True)
        assert result.returncode == 0, (args, result.stderr)
        return result.stdout

    py = bin_dir / "python"
    assert run(py, "-c", "import spacy; print(spacy.__version__)").startswith(spacy_prefix)
    assert run(bin_dir / "imr", "--version").strip() == f"imr-pipeline {imr.__version__}"
    run(bin_dir / "imr", "annotate", letters, "-o", "rules.jsonl", "-q")
    run(bin_dir / "imr", "annotate", letters, "-o", "package.jsonl", "-q", "--model", "en_imr_pipeline")
    rules = [json.loads(line) for line in (work / "rules.jsonl").read_text().splitlines()]
    assert [len(r["decisions"]) for r in rules] == [2, 1]
    assert (work / "package.jsonl").read_text() == (work / "rules.jsonl").read_text()
    loaded = run(py, "-c", "import spacy, sys; nlp = spacy.load('en_imr_pipeline'); print(len(nlp(open(sys.argv[1]).read()).spans['imr_decisions']))", letters / f"{SEED}.txt")
    assert loaded.strip() == "2"
    run(bin_dir / "imr", "config", "imr.cfg", "-o", "imr.cfg")
    run(py, "-m", "spacy", "assemble", "imr.cfg", "assembled")
    assert "imr_criteria" in run(py, "-c", "import spacy; print(spacy.load('assembled').pipe_names)")
    run(py, "-m", "spacy", "apply", "en_imr_pipeline", letters, "applied.spacy")
    applied = run(
        py, "-c",
        "import spacy; from spacy.tokens import DocBin; nlp = spacy.load('en_imr_pipeline'); "
        "docs = list(DocBin().from_disk('applied.spacy').get_docs(nlp.vocab)); "
        "print(sorted(len(d.spans['imr_decisions']) for d in docs), sorted(d._.imr_template for d in docs))",
    )
    assert applied.strip() == "[1, 2] ['2014', '2016']"
