"""Inputs: PDF letters, JSONL and stdin, folders holding CASE.txt and CASE.pdf, bad input."""
import io
import re

import pypdf
import pytest
import srsly
from typer.testing import CliRunner

from imr.io.annotate import annotate
from imr.cli import app
from imr.io.inputs import InputError, Letter, expand_paths, iter_letters, jsonl_letters, read_pdf_letter, read_text_letter
from imr.components.layout import collapse
from imr.io.pdf import Page, PdfProblem, clean_page, extract_pdf, join_pages
from imr.io.record import doc_to_record, page_of

from .conftest import CORPUS, letter_path

runner = CliRunner()
DEV = CORPUS / "dev"
SEED = "000_be903013f77bdc94"
PDF_ID = "CM16-0219557"
ALL_DEV = sorted(p.stem for p in DEV.glob("*.pdf"))


def pdf_bytes(letter_id=PDF_ID):
    return (DEV / f"{letter_id}.pdf").read_bytes()


def written(writer):
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def password_pdf():
    reader = pypdf.PdfReader(io.BytesIO(pdf_bytes()))
    reader.decrypt("")
    writer = pypdf.PdfWriter(clone_from=reader)
    writer.encrypt("secret", algorithm="AES-128")
    return written(writer)


def blank_pdf(pages=1):
    writer = pypdf.PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(612, 792)
    return written(writer)


# --- page text and joining -------------------------------------------------


def test_clean_page_drops_line_end_spaces_and_edge_blank_lines():
    page = clean_page(" \nCase Number: CM16-1  \nDate:  1/2/2016 \n \n")
    assert page.text == "Case Number: CM16-1\nDate:  1/2/2016"
    assert page.opens_blank and page.closes_blank


def test_clean_page_final_newline_is_not_a_blank_line():
    assert clean_page("leaving the original \n") == Page("leaving the original", False, False)
    assert clean_page("is not medically necessary. \n ") == Page("is not medically necessary.", False, True)
    assert clean_page("did not provide a ") == Page("did not provide a", False, False)
    assert clean_page("a\r\nb\rc") == Page("a\nb\nc", False, False)


def test_join_pages_keeps_paragraph_breaks_at_page_edges_and_page_starts():
    joined = join_pages([Page("one", False, False), Page("two", False, True), Page("", True, True), Page("three", False, False)])
    assert joined.text == "one\ntwo\n\nthree"
    assert joined.page_starts == [0, 4, 7, 9]  # an empty page starts where the previous one ends
    assert join_pages([Page("a", False, False), Page("b", True, False)]).text == "a\n\nb"


def test_page_of():
    starts = [0, 100, 250]
    assert [page_of(starts, offset) for offset in (0, 99, 100, 249, 250, 10_000)] == [1, 1, 2, 2, 3, 3]


# --- PDF letters against their .txt extraction -------------------------------


def test_pdf_text_has_the_txt_words_and_page_starts():
    letter_id = "CM17-0003619"
    extracted = extract_pdf(pdf_bytes(letter_id))
    reference = (DEV / f"{letter_id}.txt").read_text(encoding="utf8")
    assert collapse(extracted.text) == collapse(reference)
    assert extracted.text.startswith("Case Number: CM17-0003619\n")
    assert len(extracted.page_starts) == len(pypdf.PdfReader(io.BytesIO(pdf_bytes(letter_id))).pages) == 3
    assert extracted.page_starts[0] == 0
    assert extracted.page_starts == sorted(set(extracted.page_starts))
    assert extracted.text[extracted.page_starts[2] :].startswith("Nerve Conduction Study of the right upper extremity: Upheld")
    assert extracted.text[extracted.page_starts[2] - 2 : extracted.page_starts[2]] == "\n\n"  # page ends a paragraph
    assert not re.search(r"[ \t]\n", extracted.text)


def without_space(text):
    return re.sub(r"\s+", "", text)


def comparable(record):
    """What must not depend on PDF vs text: decisions, entity labels+texts, metadata.

    Entity texts are compared without whitespace: pypdf puts a space inside a few
    words of two dev PDFs ("syn drome", "200 7"), which is in the PDF's own text.
    """
    return {
        "decisions": [(d["item"], d["outcome"], d["medically_necessary"]) for d in record["decisions"]],
        "entities": [(e["label"], without_space(e["text"])) for e in record["entities"]],
        "meta": (record["template"], record["case"], record["reviewer"], record["patient"]),
    }


def assert_pdf_matches_txt(nlp, letter_ids):
    for letter_id in letter_ids:
        pdf = read_pdf_letter(DEV / f"{letter_id}.pdf")
        txt = read_text_letter(DEV / f"{letter_id}.txt")
        assert pdf.error is None and txt.error is None, letter_id
        from_pdf = doc_to_record(nlp(pdf.text), letter_id)
        from_txt = doc_to_record(nlp(txt.text), letter_id)
        assert from_pdf["decisions"], letter_id
        assert comparable(from_pdf) == comparable(from_txt), letter_id


def test_pdf_and_txt_give_the_same_annotations_every_dev_letter(nlp):
    # About 12 s for the 121 letters (PDF extraction ~55 ms a letter), so it runs by default.
    assert len(ALL_DEV) == 121
    assert_pdf_matches_txt(nlp, ALL_DEV)


# --- bad PDFs ----------------------------------------------------------------


@pytest.mark.parametrize(
    "make, reason",
    [
        (lambda: pdf_bytes()[: len(pdf_bytes()) // 2], "truncated PDF: no %%EOF marker at the end of the file"),
        (lambda: b"%PDF-1.4\n" + b"garbage " * 100 + b"\n%%EOF\n", "corrupt PDF: startxref not found"),
        (lambda: password_pdf(), "password-protected PDF: it cannot be opened with an empty password"),
        (lambda: blank_pdf(2), "no text layer: the PDF's 2 page(s) hold no text (scanned image or blank); run OCR first"),
        (lambda: b"Dear reader, this is plain text.", "not a PDF: the file does not start with %PDF-"),
    ],
    ids=["truncated", "corrupt", "password", "image-only", "not-pdf"],
)
def test_bad_pdf_reasons(make, reason):
    with pytest.raises(PdfProblem) as caught:
        extract_pdf(make())
    assert str(caught.value) == reason


def test_encrypted_dev_pdf_opens_with_empty_password():
    assert pypdf.PdfReader(io.BytesIO(pdf_bytes())).is_encrypted
    assert extract_pdf(pdf_bytes()).text


# --- folders and the CLI -------------------------------------------------------


def test_folder_prefers_txt_when_both_exist_and_make_annotate_has_one_file_per_letter(tmp_path):
    (tmp_path / "A.txt").write_text("x", encoding="utf8")
    (tmp_path / "A.pdf").write_bytes(b"%PDF-")
    (tmp_path / "B.pdf").write_bytes(b"%PDF-")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "A.pdf").write_bytes(b"%PDF-")
    names = lambda files: [str(f.relative_to(tmp_path)) for f in files]  # noqa: E731
    assert names(expand_paths([tmp_path])) == ["A.txt", "B.pdf", "sub/A.pdf"]
    assert names(expand_paths([tmp_path], prefer="pdf")) == ["A.pdf", "B.pdf", "sub/A.pdf"]
    assert names(expand_paths([tmp_path / "A.txt", tmp_path / "A.pdf", tmp_path])) == ["A.txt", "A.pdf", "B.pdf", "sub/A.pdf"]
    with pytest.raises(InputError):
        expand_paths([tmp_path], prefer="docx")
    corpus = expand_paths([CORPUS / "seeds", DEV])
    assert len(corpus) == 126
    assert len({f.stem for f in corpus}) == 126
    assert {f.suffix for f in corpus} == {".txt"}


def bad_pdf_folder(tmp_path):
    folder = tmp_path / "letters"
    folder.mkdir()
    (folder / f"{PDF_ID}.pdf").write_bytes(pdf_bytes())
    (folder / "truncated.pdf").write_bytes(pdf_bytes()[:5000])
    (folder / "password.pdf").write_bytes(password_pdf())
    (folder / "scanned.pdf").write_bytes(blank_pdf())
    (folder / "empty.pdf").write_bytes(b"")
    (folder / f"{SEED}.txt").write_text(letter_path(SEED).read_text(encoding="utf8"), encoding="utf8")
    return folder


def test_annotate_pdf_folder_with_bad_pdfs(tmp_path):
    out = tmp_path / "out" / "a.jsonl"
    result = runner.invoke(app, ["annotate", str(bad_pdf_folder(tmp_path)), "-o", str(out), "--quiet"])
    assert result.exit_code == 1
    records = {r["id"]: r for r in srsly.read_jsonl(out)}
    assert list(records) == [SEED, PDF_ID, "empty", "password", "scanned", "truncated"]
    assert records["truncated"]["error"].startswith("truncated PDF")
    assert records["password"]["error"].startswith("password-protected PDF")
    assert records["scanned"]["error"].startswith("no text layer")
    assert records["empty"]["error"] == "empty file"
    assert records["truncated"]["source"].endswith("truncated.pdf")
    assert "truncated.pdf: truncated PDF" in result.output
    pdf = records[PDF_ID]
    assert pdf["template"] == "2016" and pdf["case"]["case_number"] == PDF_ID
    assert pdf["text_length"] == len(pdf["text"])
    assert [d["outcome"] for d in pdf["decisions"]] == ["upheld"]
    for entity in pdf["entities"]:
        assert pdf["text"][entity["start"] : entity["end"]] == entity["text"]
    assert [e["page"] for e in pdf["entities"] if e["label"] == "OUTCOME"] == [2]
    pages = [e["page"] for e in sorted(pdf["entities"], key=lambda e: e["start"])]
    assert pages == sorted(pages) and set(pages) <= {1, 2, 3}
    seed = records[SEED]
    assert "text" not in seed and all("page" not in e for e in seed["entities"])
    assert not list(out.parent.glob("*.part"))


def test_include_text_options(tmp_path):
    pdf, txt = str(DEV / f"{PDF_ID}.pdf"), str(letter_path(SEED))
    out = tmp_path / "a.jsonl"
    assert runner.invoke(app, ["annotate", pdf, txt, "-o", str(out), "-q", "--no-include-text"]).exit_code == 0
    assert ["text" in r for r in srsly.read_jsonl(out)] == [False, False]
    assert runner.invoke(app, ["annotate", pdf, txt, "-o", str(out), "-q", "--include-text", "--overwrite"]).exit_code == 0
    assert ["text" in r for r in srsly.read_jsonl(out)] == [True, True]


def test_annotate_prefer_pdf(tmp_path):
    folder = tmp_path / "dev"
    folder.mkdir()
    for suffix in (".pdf", ".txt"):
        (folder / f"{PDF_ID}{suffix}").write_bytes((DEV / f"{PDF_ID}{suffix}").read_bytes())
    out = tmp_path / "a.jsonl"
    assert runner.invoke(app, ["annotate", str(folder), "-o", str(out), "-q"]).exit_code == 0
    assert [r["source"][-4:] for r in srsly.read_jsonl(out)] == [".txt"]
    assert runner.invoke(app, ["annotate", str(folder), "-o", str(out), "-q", "--prefer", "pdf", "--overwrite"]).exit_code == 0
    assert [r["source"][-4:] for r in srsly.read_jsonl(out)] == [".pdf"]
    bad = runner.invoke(app, ["annotate", str(folder), "-o", str(out), "-q", "--prefer", "doc"])
    assert bad.exit_code == 2


# --- JSONL and stdin -----------------------------------------------------------


def jsonl_data():
    letter = letter_path(SEED).read_text(encoding="utf8")
    lines = [
        srsly.json_dumps({"id": "db-1", "text": letter, "claim": "ADJ123", "year": 2014}),
        "",
        "{not json",
        srsly.json_dumps({"id": "db-3", "body": letter, "claim": "ADJ9"}),
        srsly.json_dumps({"text": letter}),
        srsly.json_dumps({"id": "db-5", "text": 42}),
        srsly.json_dumps(["a", "list"]),
        srsly.json_dumps({"id": 7, "text": "   "}),
    ]
    return ("\n".join(lines) + "\n").encode("utf8")


def test_jsonl_letters_every_line_shape():
    letters = list(jsonl_letters("batch", "in/batch.jsonl", jsonl_data()))
    assert [(x.id, x.source, x.error) for x in letters] == [
        ("db-1", "in/batch.jsonl:1", None),
        ("batch:3", "in/batch.jsonl:3", letters[1].error),
        ("db-3", "in/batch.jsonl:4", 'line 4: no "text" field'),
        ("batch:5", "in/batch.jsonl:5", None),
        ("db-5", "in/batch.jsonl:6", 'line 6: "text" is int, not a string'),
        ("batch:7", "in/batch.jsonl:7", "line 7: not a JSON object"),
        ("7", "in/batch.jsonl:8", 'line 8: "text" is empty'),
    ]
    assert letters[1].error.startswith("line 3: not JSON: ")
    assert letters[0].meta == {"claim": "ADJ123", "year": 2014}
    assert letters[0].text == letter_path(SEED).read_text(encoding="utf8")
    assert letters[2].meta == {"body": letters[0].text, "claim": "ADJ9"}
    assert list(jsonl_letters("e", "e.jsonl", b"\n \n"))[0].error == "empty file"
    assert list(jsonl_letters("e", "e.jsonl", b'{"text": "\xff"}'))[0].error.startswith("line 1: not UTF-8 text")


def test_annotate_jsonl_keeps_meta_and_reports_bad_lines(tmp_path):
    source = tmp_path / "batch.jsonl"
    source.write_bytes(jsonl_data())
    out = tmp_path / "out.jsonl"
    result = runner.invoke(app, ["annotate", str(source), "-o", str(out), "-q"])
    assert result.exit_code == 1
    records = list(srsly.read_jsonl(out))
    assert [r["id"] for r in records] == ["db-1", "batch:3", "db-3", "batch:5", "db-5", "batch:7", "7"]
    assert [bool(r.get("error")) for r in records] == [False, True, True, False, True, True, True]
    assert records[0]["meta"] == {"claim": "ADJ123", "year": 2014}
    assert records[2]["meta"]["claim"] == "ADJ9"
    assert "text" not in records[0]
    assert [d["outcome"] for d in records[0]["decisions"]] == ["upheld", "upheld"]
    assert "batch.jsonl:3: line 3: not JSON" in result.output


@pytest.mark.parametrize("kind", ["text", "jsonl", "pdf"])
def test_annotate_stdin(tmp_path, kind):
    letter = letter_path(SEED).read_text(encoding="utf8")
    data = {
        "text": letter.encode("utf8"),
        "jsonl": (srsly.json_dumps({"id": "one", "text": letter, "k": 1}) + "\n").encode("utf8"),
        "pdf": pdf_bytes(),
    }[kind]
    out = tmp_path / "out.jsonl"
    result = runner.invoke(app, ["annotate", "-", "-o", str(out), "-q"], input=data)
    assert result.exit_code == 0, result.output
    (record,) = srsly.read_jsonl(out)
    assert record["id"] == {"text": "stdin", "jsonl": "one", "pdf": "stdin"}[kind]
    assert record["source"] == {"text": "<stdin>", "jsonl": "<stdin>:1", "pdf": "<stdin>"}[kind]
    assert record["decisions"]
    assert ("text" in record) == (kind == "pdf")


def test_stdin_garbage_is_an_error_record(tmp_path):
    out = tmp_path / "out.jsonl"
    result = runner.invoke(app, ["annotate", "-", "-o", str(out), "-q"], input=b"%PDF-1.7\nnothing else")
    assert result.exit_code == 1
    (record,) = srsly.read_jsonl(out)
    assert record["error"] == "truncated PDF: no %%EOF marker at the end of the file"


def test_a_crash_leaves_no_output(nlp, tmp_path):
    def letters():
        yield read_text_letter(letter_path(SEED))
        raise RuntimeError("disk on fire")

    out = tmp_path / "a.jsonl"
    out.write_text("previous run\n", encoding="utf8")
    with pytest.raises(RuntimeError):
        annotate(nlp, letters(), out, overwrite=True)
    assert out.read_text(encoding="utf8") == "previous run\n"
    assert not list(tmp_path.glob("*.part"))


def test_iter_letters_reads_each_kind(tmp_path):
    (tmp_path / "a.jsonl").write_text('{"id": "j", "text": "MAXIMUS letter"}\n', encoding="utf8")
    (tmp_path / "b.pdf").write_bytes(pdf_bytes())
    (tmp_path / "c.txt").write_text("An IMR letter", encoding="utf8")
    (tmp_path / "d.txt").write_bytes(pdf_bytes())
    letters = list(iter_letters([tmp_path]))
    assert [(x.id, x.kind, x.error) for x in letters] == [
        ("j", "jsonl", None),
        ("b", "pdf", None),
        ("c", "txt", None),
        ("d", "pdf", None),
    ]
    assert letters[1].page_starts[0] == 0 and len(letters[1].page_starts) == 2
    assert isinstance(letters[0], Letter)



def test_letters_listed_unread_are_read_where_they_are_annotated(nlp, tmp_path):
    from imr.io.annotate import annotate_batch

    (tmp_path / "a.txt").write_bytes((DEV / f"{ALL_DEV[0]}.txt").read_bytes().replace(b"\n", b"\r\n"))
    (tmp_path / "b.pdf").write_bytes(pdf_bytes())
    (tmp_path / "c.pdf").write_bytes(b"%PDF-1.7\n")
    deferred = list(iter_letters([tmp_path], defer_files=True))
    assert [(l.id, l.text) for l in deferred] == [("a", None), ("b", None), ("c", None)]
    records = [record for _, record, _ in annotate_batch(nlp, deferred, timeout=None)]
    eager = [record for _, record, _ in annotate_batch(nlp, list(iter_letters([tmp_path])), timeout=None)]
    assert records == eager
    assert [r["id"] for r in records] == ["a", "b", "c"]
    assert records[0]["decisions"] and records[1]["decisions"]
    assert all("page" in e for e in records[1]["entities"])
    assert records[2]["error"].startswith(("corrupt PDF", "truncated PDF"))
