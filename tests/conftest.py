from pathlib import Path

import pytest
import srsly

import imr

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"
GOLD = CORPUS / "gold"
GOLD_HELDOUT = CORPUS / "gold_heldout"


def letter_path(letter_id: str) -> Path:
    for folder in ("seeds", "dev", "synthetic"):
        path = CORPUS / folder / f"{letter_id}.txt"
        if path.exists():
            return path
    raise FileNotFoundError(letter_id)


def gold_letters():
    return [srsly.read_json(path) for path in sorted(GOLD.glob("*.json"))]


@pytest.fixture(scope="session")
def nlp():
    return imr.load()
