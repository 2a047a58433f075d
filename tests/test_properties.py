"""Property tests over whole-pipeline runs on mutated letters (hypothesis).

Whatever is done to a real letter (punctuation runs, stray unicode, line-ending
changes, pieces cut or repeated), no exception escapes `annotate_batch`, every
offset points into the text, and time stays linear in the text length.
"""
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from imr.io.annotate import annotate_batch
from imr.io.inputs import Letter

from .conftest import CORPUS

LETTERS = [p.read_text(encoding="utf8") for p in sorted((CORPUS / "dev").glob("*.txt"))[:12]]
PUNCTUATION = "-_.,;:=*#/()[]'\"%&~|\\\n\t "


@st.composite
def mutated_letters(draw):
    text = draw(st.sampled_from(LETTERS))
    for _ in range(draw(st.integers(1, 4))):
        position = draw(st.integers(0, len(text)))
        kind = draw(st.sampled_from(["run", "unicode", "cut", "repeat", "crlf"]))
        if kind == "run":
            text = text[:position] + draw(st.sampled_from(PUNCTUATION)) * draw(st.integers(1, 3000)) + text[position:]
        elif kind == "unicode":
            text = text[:position] + draw(st.text(min_size=1, max_size=40)) + text[position:]
        elif kind == "cut":
            text = text[:position] + text[position + draw(st.integers(1, 2000)) :]
        elif kind == "repeat":
            piece = text[position : position + draw(st.integers(1, 1500))]
            text = text[:position] + piece * draw(st.integers(2, 4)) + text[position:]
        else:
            text = text.replace("\n", "\r\n")
    return text


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(text=mutated_letters())
def test_no_exception_escapes_and_offsets_point_into_the_text(nlp, text):
    (letter, record, _), = annotate_batch(nlp, [Letter(id="m", source="m", text=text)], timeout=30)
    assert "error" not in record or record["error"].startswith(("timed out", "annotation failed", "imr_"))
    assert "error" not in record, record.get("error")
    assert record["text_length"] == len(text)
    for entity in record["entities"]:
        assert 0 <= entity["start"] < entity["end"] <= len(text)
        assert text[entity["start"] : entity["end"]] == entity["text"]
    for decision in record["decisions"]:
        assert 0 <= decision["start"] < decision["end"] <= len(text)
        for part in decision["citations"] + decision["criteria"] + decision["drugs"]:
            assert text[part["start"] : part["end"]] == part["text"]


@pytest.mark.parametrize("anchor", ["Page(s):", "Decision rationale:", "CLINICAL CASE SUMMARY"])
def test_punctuation_runs_cost_linear_time(nlp, anchor):
    """A run of punctuation in a guideline paragraph, a rationale, the case summary:
    4x the run, at most ~4x the time (not 16x)."""
    base = (CORPUS / "seeds" / "000_be903013f77bdc94.txt").read_text(encoding="utf8")
    at = base.index(anchor) + len(anchor)

    def seconds(length, char):
        text = base[:at] + " " + char * length + " " + base[at:]
        best = float("inf")
        for _ in range(2):
            started = time.perf_counter()
            annotate_batch(nlp, [Letter(id="p", source="p", text=text)], timeout=None)
            best = min(best, time.perf_counter() - started)
        return best

    for char in "-.,_=; ":
        small, large = seconds(5_000, char), seconds(20_000, char)
        assert large / small < 8, (char, small, large)
