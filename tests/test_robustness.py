"""Field-proofing: any bytes a real archive holds, per-letter isolation, outputs that never lose work."""
import codecs
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
import srsly
from spacy.language import Language
from typer.testing import CliRunner

import imr
from imr.cli import app
from imr.io.annotate import annotate, annotate_batch
from imr.io.inputs import Letter, decode_text, file_ids, iter_letters, text_letter
from imr.io.output import OutputError, RecordWriter, open_locked

from .conftest import CORPUS, letter_path

runner = CliRunner()
SEED = "000_be903013f77bdc94"
DEV_LETTERS = sorted((CORPUS / "dev").glob("*.txt"))


def seed_text():
    return letter_path(SEED).read_text(encoding="utf8")


# --- bytes -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "data,text,warnings",
    [
        (b"IMR letter\r\nline two\rthree\n", "IMR letter\nline two\nthree\n", []),
        (codecs.BOM_UTF8 + b"IMR caf\xc3\xa9", "IMR caf\u00e9", []),
        (codecs.BOM_UTF16_LE + "IMR caf\u00e9\r\n".encode("utf-16-le"), "IMR caf\u00e9\n", []),
        (codecs.BOM_UTF16_BE + "IMR\u2019s".encode("utf-16-be"), "IMR\u2019s", []),
        (codecs.BOM_UTF32_LE + "IMR letter".encode("utf-32-le"), "IMR letter", []),
        (b"IMR caf\xe9 \x93quoted\x94", "IMR caf\u00e9 \u201cquoted\u201d", ["decoded as cp1252"]),
    ],
)
def test_decode_text(data, text, warnings):
    assert decode_text(data) == (text, warnings, None)


def test_decode_text_errors():
    assert decode_text(b"  \n ")[2] == "empty file"
    assert decode_text(b"IMR\x00\x01")[2].startswith("binary file (contains NUL bytes)")
    assert decode_text(b"IMR \x81\x8d")[2] == "not text: neither UTF-8 (invalid byte 0x81 at offset 4) nor Windows-1252"
    assert decode_text(codecs.BOM_UTF16_LE + b"\x00\xd8")[2].startswith("not UTF-16-LE text despite its byte-order mark")


def variants(text):
    """The same letter as a real archive may hold it."""
    return {
        "crlf": text.replace("\n", "\r\n").encode("utf8"),
        "cr": text.replace("\n", "\r").encode("utf8"),
        "bom": codecs.BOM_UTF8 + text.encode("utf8"),
        "utf16": codecs.BOM_UTF16_LE + text.replace("\n", "\r\n").encode("utf-16-le"),
        "utf32": codecs.BOM_UTF32_BE + text.encode("utf-32-be"),
    }


def comparable(record):
    return {k: v for k, v in record.items() if k != "source"}


def test_every_dev_letter_gives_the_same_annotations_whatever_its_bytes(nlp):
    """CRLF, CR only, BOM, UTF-16 and UTF-32: identical records (offsets included), for every dev letter."""
    for path in DEV_LETTERS:
        data = path.read_bytes()
        (_, reference, _), = annotate_batch(nlp, [text_letter(path.stem, str(path), data)])
        assert reference["decisions"], path.stem
        letters = [text_letter(path.stem, name, raw) for name, raw in variants(data.decode("utf8")).items()]
        for letter, record, _ in annotate_batch(nlp, letters):
            assert comparable(record) == comparable(reference), (path.stem, letter.source)


def test_bom_letter_keeps_its_template(nlp):
    (_, record, _), = annotate_batch(nlp, [text_letter("x", "x", codecs.BOM_UTF8 + (CORPUS / "dev" / "CM16-0219557.txt").read_bytes())])
    assert record["template"] == "2016" and "warnings" not in record


def test_cp1252_letter_is_read_with_a_warning(nlp):
    raw = seed_text().replace("Nucynta", "Nucynta\u00ae").encode("cp1252")
    (_, record, _), = annotate_batch(nlp, [text_letter("x", "x", raw)])
    assert record["warnings"] == ["decoded as cp1252"]
    assert [d["outcome"] for d in record["decisions"]] == ["upheld", "upheld"]


# --- ids and folders ---------------------------------------------------------------


def test_ids_are_unique_in_a_run(tmp_path):
    for folder in ("a", "b"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "letter.txt").write_text(seed_text(), encoding="utf8")
    (tmp_path / "a" / "other.txt").write_text(seed_text(), encoding="utf8")
    line = srsly.json_dumps({"id": "other", "text": seed_text()})
    (tmp_path / "batch.jsonl").write_text(f"{line}\n{line}\n", encoding="utf8")
    letters = list(iter_letters([tmp_path]))
    ids = [letter.id for letter in letters]
    assert ids == [f"{tmp_path.as_posix()}/a/letter", "other", f"{tmp_path.as_posix()}/b/letter", "other#2", "other#3"]
    assert letters[4].warnings == ["duplicate id 'other' in this run: renamed 'other#3'"]
    assert file_ids([tmp_path / "x" / "A.txt", tmp_path / "x" / "A.pdf"]) == {
        tmp_path / "x" / "A.txt": f"{tmp_path.as_posix()}/x/A.txt",
        tmp_path / "x" / "A.pdf": f"{tmp_path.as_posix()}/x/A.pdf",
    }


def test_unreadable_folder_is_an_error_record():
    """Run as an ordinary user (root reads any folder): the folder it cannot list gets an error record."""
    tmp_path = Path(tempfile.mkdtemp(prefix="imr-unreadable-"))  # pytest's own tmp folders are private to root
    letters = tmp_path / "letters"
    (letters / "locked").mkdir(parents=True)
    (letters / "locked" / "hidden.txt").write_text(seed_text(), encoding="utf8")
    (letters / "open.txt").write_text(seed_text(), encoding="utf8")
    os.chmod(letters / "locked", 0)
    for path in (tmp_path, letters):
        os.chmod(path, 0o777)
    code = (  # imports first: the Python of this machine may live where "nobody" cannot read
        "import os, sys\n"
        "from imr.io.inputs import iter_letters\n"
        "if os.getuid() == 0: os.setgid(65534); os.setuid(65534)\n"
        "for l in iter_letters([sys.argv[1]]): print(l.id, l.kind, l.error, sep='|')\n"
    )
    try:
        result = subprocess.run([sys.executable, "-c", code, str(letters)], capture_output=True, text=True, check=True)
    finally:
        os.chmod(letters / "locked", 0o755)
        shutil.rmtree(tmp_path)
    lines = result.stdout.strip().splitlines()
    assert lines == [f"{(letters / 'locked').as_posix()}|folder|cannot read folder: Permission denied", "open|txt|None"]


# --- per-letter isolation ---------------------------------------------------------------


@Language.component("test_fails_on_marker")
def fails_on_marker(doc):
    if "EXPLODE" in doc.text:
        raise ValueError("boom\nsecond line")
    if "SLEEPY" in doc.text:
        time.sleep(3)
    return doc


@pytest.fixture(scope="module")
def fragile_nlp():
    nlp = imr.load()
    nlp.add_pipe("test_fails_on_marker", after="imr_sections")
    return nlp


def letters_with(*markers):
    return [Letter(id=f"l{i}", source=f"l{i}.txt", text=seed_text() + marker) for i, marker in enumerate(markers)]


def test_a_failing_component_fails_only_its_letter(fragile_nlp):
    results = annotate_batch(fragile_nlp, letters_with("", "EXPLODE", ""), timeout=30)
    records = [record for _, record, _ in results]
    assert [r.get("error") for r in records] == [None, "test_fails_on_marker failed: ValueError: boom second line", None]
    assert [len(r["decisions"]) for r in records] == [2, 0, 2]


def test_a_slow_letter_times_out_alone(fragile_nlp):
    started = time.perf_counter()
    results = annotate_batch(fragile_nlp, letters_with("", "SLEEPY", ""), timeout=1)
    assert time.perf_counter() - started < 6
    assert [r.get("error") for _, r, _ in results] == [None, "timed out: annotating took longer than 1 s (--timeout)", None]


def test_a_letter_over_a_million_characters_is_annotated(nlp):
    text = seed_text()
    long_text = text + ("The patient reports pain in the low back. " * 26_000)
    assert len(long_text) > 1_000_000
    (_, record, _), = annotate_batch(nlp, [Letter(id="long", source="long.txt", text=long_text)])
    assert "error" not in record and record["text_length"] == len(long_text)
    assert [d["outcome"] for d in record["decisions"]] == ["upheld", "upheld"]


def test_a_letter_over_max_length_is_an_error_record(nlp, tmp_path):
    path = tmp_path / "long.txt"
    path.write_text(seed_text() + "x" * 10_000, encoding="utf8")
    out = tmp_path / "out.jsonl"
    result = runner.invoke(app, ["annotate", str(path), str(letter_path(SEED)), "-o", str(out), "-q", "--max-length", "10000"])
    assert result.exit_code == 1
    long, seed = srsly.read_jsonl(out)
    assert long["error"] == f"letter too long: {path.stat().st_size:,} characters (limit 10,000, --max-length)"
    assert seed["decisions"]


def test_a_lone_surrogate_in_jsonl_is_replaced_with_a_warning(tmp_path):
    text = seed_text().replace("Nucynta", "Nucynta\\ud800", 1)
    source = tmp_path / "in.jsonl"
    source.write_text('{"id": "s\\udc00", "text": ' + srsly.json_dumps(text).replace("\\\\ud800", "\\ud800") + ', "note": "x\\ud800"}\n', encoding="utf8")
    out = tmp_path / "out.jsonl"
    result = runner.invoke(app, ["annotate", str(source), "-o", str(out), "-q", "--include-text"])
    assert result.exit_code == 0, result.output
    (record,) = srsly.read_jsonl(out)
    assert record["id"] == "s\ufffd" and record["meta"] == {"note": "x\ufffd"}
    assert record["warnings"] == ["lone surrogate code points replaced by U+FFFD"]
    assert "Nucynta\ufffd" in record["text"] and len(record["decisions"]) == 2


# --- outputs ------------------------------------------------------------------------------


def test_output_that_is_an_input_is_refused_before_reading(tmp_path):
    source = tmp_path / "in.jsonl"
    content = srsly.json_dumps({"id": "a", "text": seed_text()}) + "\n"
    source.write_text(content, encoding="utf8")
    result = runner.invoke(app, ["annotate", str(source), "-o", str(source)])
    assert result.exit_code == 2
    assert "is also an input" in result.output
    assert source.read_text(encoding="utf8") == content


def test_a_second_writer_is_refused(nlp, tmp_path):
    out = tmp_path / "out.jsonl"
    holder = open_locked(tmp_path / "out.jsonl.part")
    try:
        with pytest.raises(OutputError, match="another imr annotate is writing"):
            annotate(nlp, iter_letters([letter_path(SEED)]), out)
    finally:
        os.close(holder)
    assert not out.exists()


@pytest.mark.parametrize("name", ["out.jsonl", "out.spacy", "out.spacy/"])
def test_a_finished_output_is_replaced_only_with_overwrite(tmp_path, name):
    out = tmp_path / name.rstrip("/")
    first = ["annotate", str(letter_path(SEED)), "-o", str(tmp_path / name), "-q"]
    assert runner.invoke(app, first).exit_code == 0
    files = sorted(out.rglob("*")) if out.is_dir() else [out]
    before = {path: path.read_bytes() for path in files}
    dev = str(CORPUS / "dev" / "CM16-0219557.txt")
    second = ["annotate", dev, "-o", str(tmp_path / name), "-q"]
    refused = runner.invoke(app, second)
    assert refused.exit_code == 2
    assert "--overwrite to replace" in refused.output
    assert {path: path.read_bytes() for path in files} == before
    assert runner.invoke(app, second + ["--overwrite"]).exit_code == 0
    if name == "out.jsonl":
        assert [r["id"] for r in srsly.read_jsonl(out)] == ["CM16-0219557"]
    else:
        manifest = out / "manifest.jsonl" if out.is_dir() else tmp_path / "out.manifest.jsonl"
        assert [e.get("ids", [e.get("id")]) for e in srsly.read_jsonl(manifest)] == [["CM16-0219557"]]
        assert not (out / "000002.spacy").exists()


@pytest.mark.parametrize("writer,name", [("RecordWriter", "o.jsonl"), ("PartitionedRecordWriter", "o.jsonl"), ("DocBinWriter", "o.spacy")])
def test_every_writer_refuses_a_finished_output(tmp_path, writer, name):
    import imr.io.output as output

    out = tmp_path / name
    out.write_bytes(b"earlier run")
    with pytest.raises(OutputError, match="exists .* --overwrite to replace it"):
        getattr(output, writer)(out)
    assert out.read_bytes() == b"earlier run" and sorted(p.name for p in tmp_path.iterdir()) == [name]
    getattr(output, writer)(out, overwrite=True).close()


def test_a_killed_overwrite_keeps_the_earlier_output_and_resumes_the_new_run(nlp, tmp_path):
    out = tmp_path / "out.jsonl"
    out.write_text("earlier run\n", encoding="utf8")
    dev = CORPUS / "dev" / "CM16-0219557.txt"

    def stop(record):
        raise KeyboardInterrupt  # after the first batch is written

    with pytest.raises(KeyboardInterrupt):
        annotate(nlp, iter_letters([letter_path(SEED), dev]), out, overwrite=True, batch_size=1, on_record=stop)
    assert out.read_text(encoding="utf8") == "earlier run\n"
    assert [r["id"] for r in srsly.read_jsonl(tmp_path / "out.jsonl.part")] == [SEED]
    summary = annotate(nlp, iter_letters([letter_path(SEED), dev]), out, overwrite=True, resume=True)
    assert summary.resumed == 1 and summary.letters == 1
    assert [r["id"] for r in srsly.read_jsonl(out)] == [SEED, "CM16-0219557"]


@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")  # the dropped exception, on purpose
def test_a_signal_whose_exception_python_drops_still_stops_the_run(nlp, tmp_path):
    """Python drops an exception raised in a finalizer (a weakref callback, `__del__`):
    a Ctrl-C that lands there must still stop the run at the end of the batch."""
    import gc
    import signal

    from imr.io.annotate import Interrupted, stop_on_signals

    class Finalized:
        def __del__(self):
            os.kill(os.getpid(), signal.SIGINT)  # the handler's Interrupted is raised here and dropped

    def signal_in_a_finalizer(record):
        Finalized()
        gc.collect()

    out = tmp_path / "out.jsonl"
    dev = CORPUS / "dev" / "CM16-0219557.txt"
    handler = signal.getsignal(signal.SIGINT)  # SIG_IGN when the tests run in the background
    with stop_on_signals(), pytest.raises(Interrupted) as stopped:
        annotate(nlp, iter_letters([letter_path(SEED), dev]), out, batch_size=1, on_record=signal_in_a_finalizer)
    assert stopped.value.signal_number == signal.SIGINT and stopped.value.kept == 1
    assert not out.exists() and [r["id"] for r in srsly.read_jsonl(tmp_path / "out.jsonl.part")] == [SEED]
    assert signal.getsignal(signal.SIGINT) == handler


def test_stale_partial_needs_resume_and_a_torn_line_is_cut(nlp, tmp_path):
    out = tmp_path / "out.jsonl"
    first = next(iter(annotate_batch(nlp, list(iter_letters([letter_path(SEED)])))))[1]
    partial = tmp_path / "out.jsonl.part"
    partial.write_bytes(srsly.json_dumps(first).encode("utf8") + b"\n" + b'{"schema":"imr/1","id":"CM16-02')
    with pytest.raises(OutputError, match="interrupted run: add --resume"):
        RecordWriter(out)
    dev = CORPUS / "dev" / "CM16-0219557.txt"
    summary = annotate(nlp, iter_letters([letter_path(SEED), dev]), out, resume=True)
    assert summary.resumed == 1 and summary.letters == 1
    assert [r["id"] for r in srsly.read_jsonl(out)] == [SEED, "CM16-0219557"]
    assert not partial.exists()


def test_resume_retry_errors_reads_failed_letters_again(tmp_path):
    bad = tmp_path / "letters" / "late.txt"
    bad.parent.mkdir()
    bad.write_bytes(b"")
    (tmp_path / "letters" / "seed.txt").write_text(seed_text(), encoding="utf8")
    out = tmp_path / "out.jsonl"
    assert runner.invoke(app, ["annotate", str(bad.parent), "-o", str(out), "-q"]).exit_code == 1
    bad.write_text(seed_text(), encoding="utf8")
    assert runner.invoke(app, ["annotate", str(bad.parent), "-o", str(out), "-q", "--resume"]).exit_code == 0
    assert [r.get("error") for r in srsly.read_jsonl(out)] == ["empty file", None]
    assert runner.invoke(app, ["annotate", str(bad.parent), "-o", str(out), "-q", "--resume", "--retry-errors"]).exit_code == 0
    records = list(srsly.read_jsonl(out))
    assert [(r["id"], r.get("error")) for r in records] == [("seed", None), ("late", None)]


def test_docbin_folder_streams_shards_with_a_manifest(tmp_path):
    import spacy
    from spacy.tokens import DocBin

    letters = [letter_path(SEED), CORPUS / "dev" / "CM16-0219557.txt", CORPUS / "dev" / "CM16-0221706.txt"]
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    out = tmp_path / "docs.spacy"
    result = runner.invoke(app, ["annotate", *map(str, letters), str(empty), "-o", str(out), "-q", "--docbin-shard-size", "2"])
    assert result.exit_code == 1
    manifest = list(srsly.read_jsonl(out / "manifest.jsonl"))
    assert [m["shard"] for m in manifest] == ["000001.spacy", "000002.spacy"]
    assert [m["ids"] for m in manifest] == [[SEED, "CM16-0219557"], ["CM16-0221706"]]
    assert manifest[1]["errors"] == [{"id": "empty", "source": str(empty), "error": "empty file"}]
    nlp = spacy.blank("en")
    docs = [doc for m in manifest for doc in DocBin().from_disk(out / m["shard"]).get_docs(nlp.vocab)]
    assert [doc.user_data["imr_id"] for doc in docs] == [SEED, "CM16-0219557", "CM16-0221706"]
    assert [len(doc.spans["imr_decisions"]) for doc in docs] == [2, 1, 1]
    again = runner.invoke(app, ["annotate", *map(str, letters), "-o", str(out), "--resume"])
    assert again.exit_code == 0
    assert again.output.splitlines()[1:3] == ["kept from before        4", "letters                 0"]


def test_trailing_slash_asks_for_the_docbin_folder(tmp_path):
    from imr.io.output import DOCBIN_SHARD_SIZE

    out = tmp_path / "docs.spacy"
    result = runner.invoke(app, ["annotate", str(letter_path(SEED)), "-o", f"{out}/", "-q"])
    assert result.exit_code == 0
    assert out.is_dir() and sorted(p.name for p in out.iterdir()) == ["000001.spacy", "manifest.jsonl"]
    assert [m["ids"] for m in srsly.read_jsonl(out / "manifest.jsonl")] == [[SEED]]
    single = tmp_path / "one.spacy"
    assert runner.invoke(app, ["annotate", str(letter_path(SEED)), "-o", str(single), "-q"]).exit_code == 0
    assert single.is_file() and DOCBIN_SHARD_SIZE == 200


def test_environment_errors_are_one_line_and_exit_2(tmp_path):
    seed = str(letter_path(SEED))
    full = tmp_path / "full"
    full.mkdir()
    (full / "out.jsonl.part").symlink_to("/dev/full")  # every write fails with ENOSPC
    cases = [
        (["annotate", seed, "-o", str(full / "out.jsonl")], "error: disk full writing"),
        (["annotate", seed, "-o", "/proc/imr/out.jsonl"], "error: cannot create /proc/imr"),
        (["annotate", seed, "-o", str(tmp_path / "o.jsonl"), "--model", "/nonexistent"], "error: cannot load pipeline '/nonexistent'"),
        (["annotate", seed, "-o", str(tmp_path / "o.jsonl"), "--retry-errors"], "error: --retry-errors goes with --resume"),
        (["annotate", seed, "-o", str(tmp_path / "o.jsonl"), "--shard", "3/2"], "error: --shard K/N needs 1 <= K <= N"),
    ]
    for args, message in cases:
        result = subprocess.run([sys.executable, "-m", "imr", *args], capture_output=True, text=True)
        assert result.returncode == 2, (args, result.stderr)
        assert result.stderr.startswith(message), (args, result.stderr)
        assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr


def test_progress_lines_without_a_terminal(tmp_path):
    folder = tmp_path / "letters"
    folder.mkdir()
    for index in range(5):
        (folder / f"l{index}.txt").write_text(seed_text(), encoding="utf8")
    result = subprocess.run(
        [sys.executable, "-m", "imr", "annotate", str(folder), "-o", str(tmp_path / "o.jsonl"), "--progress-every", "2"],
        capture_output=True, text=True, check=True,
    )
    lines = [line for line in result.stderr.splitlines() if line.startswith("progress:")]
    assert [line.split(",")[0] for line in lines] == ["progress: 2/5 letters", "progress: 4/5 letters"]
    assert "ETA" in lines[0]
    quiet = subprocess.run(
        [sys.executable, "-m", "imr", "annotate", str(folder), "-o", str(tmp_path / "q.jsonl"), "--progress-every", "2", "-q"],
        capture_output=True, text=True, check=True,
    )
    assert quiet.stderr == "" and quiet.stdout == ""


def test_version():
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0 and result.output == f"imr-pipeline {imr.__version__}\n"
