"""PDF text extraction with PDFium (imr.io.pdf): text like the bundled .txt, page starts, bad PDFs.

The PDF -> annotations comparison for every dev letter is in tests/test_inputs.py
(test_pdf_and_txt_give_the_same_annotations_every_dev_letter).
"""
import io
import random
import re
import threading
from concurrent.futures import ThreadPoolExecutor

import pypdf
import pypdfium2
import pypdfium2.raw
import pytest
from pypdf.generic import ArrayObject, DictionaryObject, NameObject, NumberObject, StreamObject

import imr.io.pdf as pdf_module
from imr.io.pdf import PdfProblem, extract_pdf

from .conftest import CORPUS

DEV = CORPUS / "dev"
ALL_DEV = sorted(p.stem for p in DEV.glob("*.pdf"))
# scripts/measure_pdf.py (docs/pdf.md): pypdfium2's text equals the .txt up to
# whitespace, and has its paragraphs, for all 121 dev letters.
EQUAL_TO_TXT = 121
HEADER_LINES = 4  # the case header table: its cells are laid out differently in the .txt
TRUNCATED = "truncated PDF: no %%EOF marker at the end of the file"
PASSWORD = "password-protected PDF: it cannot be opened with an empty password"


def pdf_bytes(letter_id="CM16-0219557"):
    return (DEV / f"{letter_id}.pdf").read_bytes()


def reference(letter_id):
    return (DEV / f"{letter_id}.txt").read_text(encoding="utf8")


def collapse(text):
    return re.sub(r"\s+", " ", text).strip()


def paragraphs(text):
    return [collapse(p) for p in re.split(r"\n[ \t]*\n", text) if p.strip()]


@pytest.fixture(scope="module")
def dev_texts():
    return {letter_id: extract_pdf(pdf_bytes(letter_id)) for letter_id in ALL_DEV}


# --- tiny PDFs built with pypdf's writer ------------------------------------------


def written(writer):
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def helvetica(writer, differences=None):
    encoding = NameObject("/WinAnsiEncoding")
    if differences:
        encoding = DictionaryObject({
            NameObject("/Type"): NameObject("/Encoding"),
            NameObject("/BaseEncoding"): NameObject("/WinAnsiEncoding"),
            NameObject("/Differences"): ArrayObject([x for code, name in differences for x in (NumberObject(code), NameObject(name))]),
        })
    font = DictionaryObject({
        NameObject("/Type"): NameObject("/Font"),
        NameObject("/Subtype"): NameObject("/Type1"),
        NameObject("/BaseFont"): NameObject("/Helvetica"),
        NameObject("/Encoding"): encoding,
    })
    return writer._add_object(font)


def set_content(writer, page, content: bytes):
    stream = StreamObject()
    stream.set_data(content)
    page[NameObject("/Contents")] = writer._add_object(stream)


def text_pdf(pages, user_password=None, owner_password=None, differences=None):
    """A PDF whose pages hold the given text objects: (x, y, text) each, Helvetica 12.

    A text object " " on a line of its own is how word processors write an empty paragraph."""
    writer = pypdf.PdfWriter()
    font = helvetica(writer, differences)
    for objects in pages:
        page = writer.add_blank_page(612, 792)
        page[NameObject("/Resources")] = DictionaryObject({NameObject("/Font"): DictionaryObject({NameObject("/F1"): font})})
        escape = lambda text: text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")  # noqa: E731
        content = "".join(f"BT /F1 12 Tf 1 0 0 1 {x} {y} Tm ({escape(text)}) Tj ET\n" for x, y, text in objects)
        set_content(writer, page, content.encode("latin-1"))
    if user_password is not None or owner_password is not None:
        writer.encrypt(user_password or "", owner_password, algorithm="AES-128")
    return written(writer)


def image_only_pdf(pages=1):
    """Scanned pages: an image each (inline, 2x1 grey pixels), no text."""
    writer = pypdf.PdfWriter()
    for _ in range(pages):
        page = writer.add_blank_page(612, 792)
        set_content(writer, page, b"q 200 0 0 100 72 600 cm BI /W 2 /H 1 /CS /G /BPC 8 ID \x00\xff EI Q\n")
    return written(writer)


def blank_pdf(pages=1):
    writer = pypdf.PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(612, 792)
    return written(writer)


LETTER = [
    [(72, 740, " "), (72, 720, "Case Number: CM00-0000001"), (400, 720, " "), (72, 706, "Decision Date: 01/02/2017"),
     (72, 692, " "), (72, 678, "HOW THE IMR FINAL DETERMINATION WAS MADE"), (72, 664, "The reviewer considered a follow-"),
     (72, 650, "up visit."), (72, 636, " ")],
    [(72, 740, " "), (72, 720, "IMR ISSUES, DECISIONS AND RATIONALES"), (72, 706, "Physical therapy: Overturned")],
    [(72, 720, "is medically necessary.")],
]


# --- dev letters against their .txt ---------------------------------------------


def test_every_dev_letter_equals_its_txt_up_to_whitespace(dev_texts):
    assert len(ALL_DEV) == 121
    equal = [i for i in ALL_DEV if collapse(dev_texts[i].text) == collapse(reference(i))]
    assert len(equal) == EQUAL_TO_TXT
    assert sum(paragraphs(dev_texts[i].text) == paragraphs(reference(i)) for i in ALL_DEV) == EQUAL_TO_TXT


def test_dev_letters_have_the_txt_lines_except_the_header_table(dev_texts):
    import difflib

    for letter_id in ALL_DEV:
        text, ref = dev_texts[letter_id].text, reference(letter_id).rstrip("\n")
        ref_lines = ref.split("\n")
        changes = difflib.SequenceMatcher(None, ref_lines, text.split("\n"), autojunk=False).get_opcodes()
        assert all(i2 <= HEADER_LINES for tag, i1, i2, j1, j2 in changes if tag != "equal"), letter_id
        assert not re.search("[\r\x00-\x08\x0b-\x1f\x7f\u00ad\ufffe\uffff]", text), letter_id
        assert not re.search(r"[ \t]\n", text) and text == text.strip(), letter_id


def test_line_end_hyphens_are_written_back(dev_texts):
    # PDFium joins "follow-" / "up" into one line with U+0002 (U+FFFE in its text) for the hyphen.
    assert "physician recommended a follow-\nup as well" in dev_texts["CM16-0238676"].text
    assert "physician recommended a follow-\nup as well" in reference("CM16-0238676")
    assert "Electro-\ndiagnostic testing" in dev_texts["CM16-0240259"].text


def test_page_starts_on_a_multi_page_letter(dev_texts):
    letter_id = "CM16-0248698"
    extracted = dev_texts[letter_id]
    document = pypdfium2.PdfDocument(pdf_bytes(letter_id))
    try:
        first_lines = []
        for index in range(len(document)):
            page = document[index]
            textpage = page.get_textpage()
            first_lines.append(textpage.get_text_range().replace("\r\n", "\n").split("\n")[0].rstrip())
            textpage.close()
            page.close()
    finally:
        document.close()
    starts = extracted.page_starts
    assert len(starts) == len(first_lines) >= 3
    assert starts[0] == 0 and starts == sorted(set(starts))
    for start, first_line in zip(starts, first_lines):
        assert extracted.text[start:].startswith(first_line)
        assert start == 0 or extracted.text[start - 1] == "\n"


def test_page_starts_and_paragraph_breaks_at_page_edges():
    extracted = extract_pdf(text_pdf(LETTER))
    assert extracted.text == (
        "Case Number: CM00-0000001\nDecision Date: 01/02/2017\n\nHOW THE IMR FINAL DETERMINATION WAS MADE\n"
        "The reviewer considered a follow-\nup visit.\n\nIMR ISSUES, DECISIONS AND RATIONALES\n"
        "Physical therapy: Overturned\nis medically necessary."
    )
    starts = extracted.page_starts
    assert [extracted.text[s:].split("\n")[0] for s in starts] == [
        "Case Number: CM00-0000001", "IMR ISSUES, DECISIONS AND RATIONALES", "is medically necessary."]
    assert extracted.text[starts[1] - 2 : starts[1]] == "\n\n"  # page 1 ends with an empty paragraph
    assert extracted.text[starts[2] - 2 : starts[2]] == "d\n"  # page 3 continues the paragraph


def test_soft_hyphens_form_feeds_and_control_characters():
    pages = [[(72, 720, "a well\xadknown treat\xad"), (72, 706, "ment plan\x0cwith\x01 care")]]
    pdf = text_pdf(pages, differences=[(173, "/sfthyphen")])  # code 173 is a soft hyphen
    document = pypdfium2.PdfDocument(pdf)
    page = document[0]
    textpage = page.get_textpage()
    assert textpage.get_text_range() == "a well\xadknown treat\ufffement plan\x0cwith\x01 care"  # PDFium's own text
    textpage.close()
    page.close()
    document.close()
    assert extract_pdf(pdf).text == "a well-known treat-\nment plan\nwith care"
    assert pdf_module.clean_line("x\u00ady\x07z\ufeff") == "x-yz"
    assert pdf_module.clean_line("\ud83d\ude00 \udc00") == "\U0001f600 \ufffd"


def test_char_by_char_reading_gives_the_same_text(monkeypatch, dev_texts):
    # When FPDFText_GetText's output does not map one to one onto PDFium's chars,
    # they are read one by one; both ways give the same text.
    monkeypatch.setattr(pypdfium2.raw, "FPDFText_GetText", lambda *args: 0)
    for letter_id in ("CM16-0238676", "CM17-0003619"):
        assert extract_pdf(pdf_bytes(letter_id)) == dev_texts[letter_id]


def test_page_chars_keep_one_char_per_pdfium_char(monkeypatch):
    # PDFium's char indices count UTF-16 code units: a surrogate pair is two chars,
    # so the page's text keeps it as two (clean_line joins them later).
    units = [ord("a"), 0xD83D, 0xDE00, ord("b")]

    def get_text(textpage, start, count, buffer):
        for index, unit in enumerate(units):
            buffer[index] = unit
        buffer[len(units)] = 0
        return len(units) + 1

    pdf_module.load_pdfium()
    monkeypatch.setattr(pdf_module.pdfium, "FPDFText_CountChars", lambda textpage: len(units))
    monkeypatch.setattr(pdf_module.pdfium, "FPDFText_GetText", get_text)
    assert pdf_module.page_chars(None) == "a\ud83d\ude00b"
    units[1:3] = [ord("c"), ord("d")]
    assert pdf_module.page_chars(None) == "acdb"


# --- encryption, junk after %%EOF --------------------------------------------------


def test_dwc_pdfs_are_aes_encrypted_with_an_empty_user_password(dev_texts):
    reader = pypdf.PdfReader(io.BytesIO(pdf_bytes()))
    assert reader.is_encrypted and reader.trailer["/Encrypt"]["/CF"]["/StdCF"]["/CFM"] == "/AESV2"
    assert dev_texts["CM16-0219557"].text.startswith("Case Number: CM16-0219557\n")
    assert extract_pdf(text_pdf([[(72, 720, "Hello")]], owner_password="owner")).text == "Hello"


@pytest.mark.parametrize("size", [2100, 5000, 1 << 20])
@pytest.mark.parametrize("kind", ["nul", "text", "random"])
def test_bytes_after_eof_are_ignored(dev_texts, size, kind):
    junk = {"nul": b"\0" * size, "text": (b"appended by a mail gateway\r\n" * size)[:size], "random": random.Random(size).randbytes(size)}[kind]
    assert b"%%EOF" not in junk and not pdf_module.PDF_BODY_RE.search(junk)
    assert extract_pdf(pdf_bytes() + junk) == dev_texts["CM16-0219557"]


def test_a_pdf_missing_only_its_eof_marker_is_read(dev_texts):
    # PDFium finds the cross-reference section intact: nothing is missing but the marker.
    assert pdf_bytes().endswith(b"\r\n%%EOF\r\n")
    assert extract_pdf(pdf_bytes()[:-8]) == dev_texts["CM16-0219557"]


# --- bad PDFs ----------------------------------------------------------------------


def appended_update_cut_short():
    return pdf_bytes() + b"\n200 0 obj\n<< /Type /Annot >>\nendobj\n201 0 obj\n<< /Length 5000 >>\nstream\n" + b"x" * 5000


@pytest.mark.parametrize(
    "make, reason",
    [
        (lambda: pdf_bytes()[: len(pdf_bytes()) // 2], TRUNCATED),
        (lambda: pdf_bytes()[:-10], TRUNCATED),  # cut inside the startxref offset
        (lambda: text_pdf(LETTER)[:-40], TRUNCATED),  # cut in the trailer: PDFium cannot open it
        (lambda: text_pdf(LETTER)[:-12], TRUNCATED),  # PDFium opens it only by rebuilding the cross-references
        (appended_update_cut_short, TRUNCATED),
        (lambda: b"%PDF-1.7\nnothing else", TRUNCATED),
        (lambda: b"%PDF-1.4\n" + b"garbage " * 100 + b"\n%%EOF\n", "corrupt PDF: startxref not found"),
        (lambda: b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\nstartxref\n9\n%%EOF\n",
         "corrupt PDF: its cross-reference table and objects cannot be read"),
        (lambda: text_pdf([[(72, 720, "Hello")]], user_password="secret"), PASSWORD),
        (lambda: text_pdf([[(72, 720, "Hello")]], user_password="secret") + b"\0" * 5000, PASSWORD),
        (lambda: image_only_pdf(2), "no text layer: the PDF's 2 page(s) hold no text (scanned image or blank); run OCR first"),
        (lambda: blank_pdf(1), "no text layer: the PDF's 1 page(s) hold no text (scanned image or blank); run OCR first"),
        (lambda: written(pypdf.PdfWriter()), "PDF has no pages"),
        (lambda: b"Dear reader, this is plain text.", "not a PDF: the file does not start with %PDF-"),
        (lambda: b"", "not a PDF: the file does not start with %PDF-"),
    ],
    ids=["half", "cut-startxref", "cut-trailer", "cut-rebuilt", "cut-update", "header-only", "garbage", "garbage-startxref", "password",
         "password-junk", "image-only", "blank", "no-pages", "not-pdf", "empty"],
)
def test_bad_pdf_reasons(make, reason):
    with pytest.raises(PdfProblem) as caught:
        extract_pdf(make())
    assert str(caught.value) == reason


# --- resources and threads -----------------------------------------------------------


def test_documents_pages_and_text_pages_are_always_closed(monkeypatch):
    raw = pypdfium2.raw  # the module imr.io.pdf calls PDFium through
    counts = {"document": 0, "page": 0, "textpage": 0}

    def counting(name, kind, step):
        original = getattr(raw, name)

        def wrapper(*args):
            result = original(*args)
            if step < 0 or result:
                counts[kind] += step
            return result

        monkeypatch.setattr(raw, name, wrapper)

    counting("FPDF_LoadMemDocument64", "document", 1)
    counting("FPDF_CloseDocument", "document", -1)
    counting("FPDF_LoadPage", "page", 1)
    counting("FPDF_ClosePage", "page", -1)
    counting("FPDFText_LoadPage", "textpage", 1)
    counting("FPDFText_ClosePage", "textpage", -1)
    inputs = [pdf_bytes(), pdf_bytes() + b"\0" * 5000, text_pdf(LETTER)[:-40], image_only_pdf(),
              text_pdf([[(72, 720, "x")]], user_password="secret"), pdf_bytes()[:5000]]
    for data in inputs:
        try:
            extract_pdf(data)
        except PdfProblem:
            pass
    assert counts == {"document": 0, "page": 0, "textpage": 0}

    def failing_text_page(*args):
        raise RuntimeError("PDFium failed")

    monkeypatch.setattr(raw, "FPDFText_GetText", failing_text_page)
    with pytest.raises(RuntimeError):
        extract_pdf(pdf_bytes())
    assert counts == {"document": 0, "page": 0, "textpage": 0}


def test_threads_take_turns(dev_texts):
    # PDFium is not thread-safe: extract_pdf holds PDFIUM_LOCK while it uses it.
    done = threading.Event()
    with pdf_module.PDFIUM_LOCK:
        worker = threading.Thread(target=lambda: (extract_pdf(pdf_bytes()), done.set()))
        worker.start()
        assert not done.wait(0.3)
    assert done.wait(30)
    worker.join()
    letters = ALL_DEV[:16] * 3
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(lambda letter_id: extract_pdf(pdf_bytes(letter_id)), letters))
    assert results == [dev_texts[letter_id] for letter_id in letters]
