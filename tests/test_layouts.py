"""Layout robustness: the same letter in another PDF text layout gives the same annotations.

The seeds come from an extractor that put an empty line after every printed
line (paragraphs then end with a line holding one space); the dev letters are
single-spaced. Every dev letter re-laid out the seeds' way must give the same
decisions, entities (labels and texts, whitespace aside) and metadata.
"""
import re
from pathlib import Path

import pytest

from imr.io.record import doc_to_record

from .conftest import CORPUS

DEV = sorted((CORPUS / "dev").glob("*.txt"))


def double_spaced(text: str) -> str:
    return "".join((line + " \n\n") if line.strip() else " \n\n" for line in text.split("\n"))


def comparable(record):
    return {
        "decisions": [(d["item"], d["outcome"], d["medically_necessary"]) for d in record["decisions"]],
        "entities": [(e["label"], re.sub(r"\s+", "", e["text"])) for e in record["entities"]],
        "meta": (record["template"], record["case"], record["reviewer"], record["patient"]),
    }


def test_double_spacing_keeps_offsets_true():
    text = double_spaced("Norco 10/325mg #90 with\n3 refills: Upheld\n")
    assert text == "Norco 10/325mg #90 with \n\n3 refills: Upheld \n\n \n\n"


@pytest.mark.parametrize("path", DEV, ids=[p.stem for p in DEV])
def test_double_spaced_layout_gives_the_same_annotations(nlp, path: Path):
    text = path.read_text(encoding="utf8")
    single = doc_to_record(nlp(text), path.stem)
    double_text = double_spaced(text)
    double = doc_to_record(nlp(double_text), path.stem)
    assert comparable(double) == comparable(single)
    for entity in double["entities"]:
        assert double_text[entity["start"] : entity["end"]] == entity["text"]


def test_single_spaced_view_of_double_spaced_text():
    from imr.components.layout import single_spaced

    original = "Specialty: Public Health &\nGeneral Medicine\n\nCLINICAL"
    text = double_spaced(original)
    view, mapping = single_spaced(text)
    assert view == original
    start = text.index("General")
    assert view[mapping[start] : mapping[start] + 7] == "General"
    assert single_spaced(original) == (original, None)
