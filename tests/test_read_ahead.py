"""PDFs read one batch ahead in a reader process (imr.io.read_ahead)."""
import os
import signal

import pytest

import imr.io.read_ahead as read_ahead_module
from imr.io.annotate import iter_batches
from imr.io.inputs import iter_letters, read_deferred
from imr.io.read_ahead import READER_DIED, read_ahead

from .conftest import CORPUS

DEV = CORPUS / "dev"
PDF_IDS = ["CM16-0219557", "CM16-0221706", "CM16-0229336", "CM17-0002106"]


def deferred_letters(tmp_path, ids=PDF_IDS, txt=("CM16-0242667",)):
    for letter_id in ids:
        (tmp_path / f"{letter_id}.pdf").write_bytes((DEV / f"{letter_id}.pdf").read_bytes())
    for letter_id in txt:
        (tmp_path / f"{letter_id}.txt").write_bytes((DEV / f"{letter_id}.txt").read_bytes())
    return list(iter_letters([tmp_path], prefer="pdf", defer_files=True))


def batches_of(letters, size):
    return [letters[i : i + size] for i in range(0, len(letters), size)]


def test_pdfs_come_read_in_order_as_read_here(tmp_path):
    letters = deferred_letters(tmp_path)
    assert [letter.text for letter in letters] == [None] * 5
    batches = list(read_ahead(batches_of(letters, 1)))
    got = [letter for batch in batches for letter in batch]
    assert [letter.id for letter in got] == [letter.id for letter in letters]
    for before, after in zip(letters, got):
        if before.kind == "pdf":  # read by the reader process
            here = read_deferred(before)
            assert (after.text, after.page_starts, after.error) == (here.text, here.page_starts, None)
            assert after.text
        else:  # a batch without a PDF is left to annotate_batch
            assert after is before and after.text is None


def test_without_a_spare_core_nothing_is_read_ahead(tmp_path, monkeypatch):
    monkeypatch.setattr(read_ahead_module, "spare_core", lambda: False)
    letters = deferred_letters(tmp_path)
    assert [letter for batch in read_ahead(batches_of(letters, 2)) for letter in batch] == letters


def die_on_second_letter(letters):
    if any(letter.id == PDF_IDS[1] for letter in letters):
        os.kill(os.getpid(), signal.SIGKILL)  # as PDFium crashing on a malformed file
    return [read_deferred(letter) for letter in letters]


def test_a_reader_that_dies_costs_one_letter(tmp_path, monkeypatch):
    monkeypatch.setattr(read_ahead_module, "read_batch", die_on_second_letter)
    letters = deferred_letters(tmp_path, txt=())
    got = [letter for batch in read_ahead(batches_of(letters, 3)) for letter in batch]
    assert [letter.id for letter in got] == PDF_IDS
    assert [letter.error for letter in got] == [None, READER_DIED, None, None]
    assert all(letter.text for i, letter in enumerate(got) if i != 1)


@pytest.mark.parametrize("spare", [True, False])
def test_annotating_pdfs_in_one_process_gives_the_same_records(tmp_path, monkeypatch, nlp, spare):
    letters = deferred_letters(tmp_path)
    monkeypatch.setattr(read_ahead_module, "spare_core", lambda: spare)
    records = [record for batch in iter_batches(nlp, iter(letters), batch_size=2) for _, record, _ in batch]
    expected = [record for batch in iter_batches(nlp, (read_deferred(letter) for letter in letters), batch_size=2) for _, record, _ in batch]
    assert records == expected
    assert [len(record["decisions"]) > 0 for record in records] == [True] * 5
