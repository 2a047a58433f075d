"""Text of PDF letters, in reading order, with the offset where each page starts.

Text is extracted with PDFium (through `pypdfium2`'s raw bindings), page by
page, in PDFium's reading order. The Division of Workers' Compensation
publishes IMR letters as PDFs encrypted with an empty user password (AES-128);
PDFium opens them natively, no password or extra library needed.

The text is made to have the same lines and paragraphs as the `.txt`
extractions in `corpus/dev` (see docs/pdf.md for the measurement):

- PDFium's conventions are undone: CRLF line ends become `\\n`; a hyphen that
  ends a line (PDFium joins the two lines and writes U+0002 / U+FFFE in the
  hyphen's place) is written back as `-` followed by a line break; a soft
  hyphen (U+00AD) elsewhere is a drawn hyphen and written `-`; form feeds and
  vertical tabs are line breaks; other control characters are dropped.
- Blank lines (paragraph breaks) are put back. Word processors write an empty
  paragraph as a text object holding only a space; PDFium keeps no character
  for it. Each text object that draws nothing (its bounds have no height) and
  is not on a text line marks a blank line between the two text lines around
  it in reading order (or at the top or bottom of the page).
- Trailing spaces at line ends are dropped, and pages are joined with one
  newline, or a blank line where a page edge is a paragraph break.

`extract_pdf` raises `PdfProblem` with a reason a user can act on for PDFs
that are not PDFs, truncated, corrupt, password-protected, encrypted with an
unsupported security handler, or without a text layer (scanned images).
Truncation is decided from PDFium's failure: a PDF that PDFium cannot open,
or can open only by rebuilding its cross-reference table, is truncated when it
does not end with a `%%EOF` marker (bytes after the last `%%EOF` that are not
PDF objects are junk and are ignored, however many there are).

PDFium is not thread-safe: every call into it holds `PDFIUM_LOCK`, so
`extract_pdf` may be called from several threads (they take turns; use
processes for parallel extraction). Every document, page and text page is
closed before `extract_pdf` returns or raises.
"""
from __future__ import annotations

import ctypes
import re
import threading
from bisect import bisect_left
from dataclasses import dataclass
from typing import Iterator, List, Optional, Sequence, Tuple


TRAILING_SPACE_RE = re.compile(r"[ \t\r\f\v\u00a0]+(?=\n|$)")
EOF_MARKER = b"%%EOF"
# What follows the last %%EOF of a file cut short: the start of more PDF
# (objects, streams, a cross-reference section), not trailing junk.
PDF_BODY_RE = re.compile(rb"\d+\s+\d+\s+obj\b|\bendobj\b|\bendstream\b|\bstartxref\b|\bxref\b|\btrailer\b")
# Line breaks in PDFium's text: CRLF (generated), a hyphen joining two lines
# (U+0002 in the char list, U+FFFE in FPDFText_GetText), form feed, vertical tab.
LINE_BREAK_RE = re.compile("[\x02\ufffe](?:\r\n|[\r\n])?|\r\n|[\r\n\x0b\x0c]")
HYPHEN_BREAKS = ("\x02", "\ufffe")
CONTROL_RE = re.compile("[\x00-\x08\x0e-\x1f\x7f\ufeff\ufffe\uffff]")
SURROGATE_RE = re.compile("[\ud800-\udfff]")
# A text object that draws nothing this close (points) to a text line's baseline
# is part of that line, not an empty line of its own.
SAME_LINE_TOLERANCE = 2.0
# Bounds no higher than this (points): the text object draws nothing (spaces only).
EMPTY_HEIGHT = 0.01

PDFIUM_LOCK = threading.Lock()
pdfium = None  # pypdfium2.raw, imported on first use (loading PDFium takes ~0.1 s)

TRUNCATED = "truncated PDF: no %%EOF marker at the end of the file"
PASSWORD = "password-protected PDF: it cannot be opened with an empty password"


class PdfProblem(Exception):
    """A PDF whose text cannot be extracted; the message says why."""


@dataclass
class PdfText:
    """The extracted text and the character offset where each page starts."""

    text: str
    page_starts: List[int]


@dataclass
class Page:
    """One page's text, and whether a blank line opens or closes it (a paragraph break)."""

    text: str
    opens_blank: bool = False
    closes_blank: bool = False


# --- page text and joining (extractor-independent) ---------------------------


def page_from_lines(lines: Sequence[str], opens_blank: bool = False, closes_blank: bool = False) -> Page:
    """A page from its lines: trailing spaces dropped, blank lines at its edges
    removed and remembered as paragraph breaks."""
    lines = [TRAILING_SPACE_RE.sub("", line) for line in lines]
    text = "\n".join(lines).strip("\n")
    opens_blank = opens_blank or (len(lines) > 1 and lines[0] == "")
    closes_blank = closes_blank or (len(lines) > 1 and lines[-1] == "")
    return Page(text, opens_blank=opens_blank and bool(text), closes_blank=closes_blank and bool(text))


def clean_page(raw: str) -> Page:
    """One page's text without trailing spaces at line ends and without blank
    lines at its edges; blank edge lines are remembered as paragraph breaks."""
    raw = raw.replace("\r\n", "\n").replace("\r", "\n")
    lines = raw.split("\n")
    if raw.endswith("\n"):  # a final newline ends the last line; it is not a blank line
        lines.pop()
    return page_from_lines(lines)


def join_pages(pages: List[Page]) -> PdfText:
    """Join page texts with a newline (a blank line where a page edge is a
    paragraph break), keeping the offset where each page starts."""
    parts: List[str] = []
    starts: List[int] = []
    offset = 0
    previous: Optional[Page] = None
    for page in pages:
        if page.text and previous is not None:
            separator = "\n\n" if previous.closes_blank or page.opens_blank else "\n"
            parts.append(separator)
            offset += len(separator)
        starts.append(offset)
        if page.text:
            parts.append(page.text)
            offset += len(page.text)
            previous = page
    return PdfText("".join(parts), starts)


# --- PDFium --------------------------------------------------------------------


def extract_pdf(data: bytes) -> PdfText:
    """Text and page starts of a PDF given as bytes; `PdfProblem` when it has none."""
    if not data.lstrip()[:5] == b"%PDF-":
        raise PdfProblem("not a PDF: the file does not start with %PDF-")
    with PDFIUM_LOCK:
        load_pdfium()
        pages = pdfium_pages(data)
    if not pages:
        raise PdfProblem("PDF has no pages")
    result = join_pages(pages)
    if not result.text.strip():
        raise PdfProblem(f"no text layer: the PDF's {len(pages)} page(s) hold no text (scanned image or blank); run OCR first")
    return result


def load_pdfium() -> None:
    """Import PDFium's bindings (`import pypdfium2` initialises the library)."""
    global pdfium
    if pdfium is None:
        import pypdfium2  # noqa: F401
        import pypdfium2.raw

        pdfium = pypdfium2.raw


def pdfium_pages(data: bytes) -> List[Page]:
    """Every page of the PDF, opened and closed here (the caller holds `PDFIUM_LOCK`)."""
    document, data = open_document(data)  # `data` must outlive `document`
    try:
        if not pdfium.FPDF_DocumentHasValidCrossReferenceTable(document) and ends_early(data):
            raise PdfProblem(TRUNCATED)  # opened only by rebuilding what the missing end held
        pages = []
        for index in range(pdfium.FPDF_GetPageCount(document)):
            page = pdfium.FPDF_LoadPage(document, index)
            if not page:
                raise PdfProblem(f"corrupt PDF: page {index + 1} cannot be read")
            try:
                pages.append(pdfium_page(page, index))
            finally:
                pdfium.FPDF_ClosePage(page)
        return pages
    finally:
        pdfium.FPDF_CloseDocument(document)


def open_document(data: bytes):
    """PDFium's document for `data` (with the bytes it was opened from), or `PdfProblem`.

    When PDFium cannot find the cross-reference section because junk follows the
    last %%EOF (PDFium looks for `startxref` in the last 4 KB only), the file is
    opened again without the junk."""
    document = load_document(data)
    if document:
        return document, data
    error = pdfium.FPDF_GetLastError()
    if error == pdfium.FPDF_ERR_PASSWORD:
        raise PdfProblem(PASSWORD)
    if error == pdfium.FPDF_ERR_SECURITY:
        raise PdfProblem("encrypted PDF: its security handler is not supported")
    if ends_early(data):
        raise PdfProblem(TRUNCATED)
    end = data.rfind(EOF_MARKER) + len(EOF_MARKER)
    if data[end:].strip(b"\r\n"):  # bytes after the last %%EOF: open the file without them
        trimmed = data[:end] + b"\n"
        document = load_document(trimmed)
        if document:
            return document, trimmed
        error = pdfium.FPDF_GetLastError()
        if error == pdfium.FPDF_ERR_PASSWORD:
            raise PdfProblem(PASSWORD)
    if b"startxref" not in data:
        raise PdfProblem("corrupt PDF: startxref not found")
    raise PdfProblem("corrupt PDF: its cross-reference table and objects cannot be read")


def load_document(data: bytes):
    """PDFium's document handle (NULL when it cannot be opened; then FPDF_GetLastError says why).

    PDFium reads `data` in place, so the caller keeps `data` alive until the document is closed."""
    document = pdfium.FPDF_LoadMemDocument64(data, len(data), None)  # None: the empty user password
    if document and pdfium.FPDF_GetPageCount(document) < 0:
        pdfium.FPDF_CloseDocument(document)
        return None
    return document


def ends_early(data: bytes) -> bool:
    """Whether the file stops before its end: no %%EOF, or PDF objects after the last one."""
    end = data.rfind(EOF_MARKER)
    return end < 0 or PDF_BODY_RE.search(data, end + len(EOF_MARKER)) is not None


def pdfium_page(page, index: int) -> Page:
    """One page's text, with blank lines where the page has an empty line."""
    textpage = pdfium.FPDFText_LoadPage(page)
    if not textpage:
        raise PdfProblem(f"corrupt PDF: the text of page {index + 1} cannot be read")
    try:
        lines = list(page_lines(textpage))
        baselines = [y for _, y in lines if y is not None]
    finally:
        pdfium.FPDFText_ClosePage(textpage)
    empty = empty_line_marks(page, baselines) if baselines else []
    out: List[str] = []
    previous: Optional[float] = None
    for text, y in lines:
        if y is not None and previous is not None and out and out[-1].strip() and any(y < mark < previous for mark in empty):
            out.append("")
        out.append(text)
        if y is not None:
            previous = y
    opens = bool(baselines) and any(mark > baselines[0] for mark in empty)
    closes = bool(baselines) and any(mark < baselines[-1] for mark in empty)
    return page_from_lines(out, opens_blank=opens, closes_blank=closes)


def page_chars(textpage) -> str:
    """The page's characters, one per PDFium char index (UTF-16 code units)."""
    count = pdfium.FPDFText_CountChars(textpage)
    if count <= 0:
        return ""
    buffer = (ctypes.c_ushort * (count + 1))()
    written = pdfium.FPDFText_GetText(textpage, 0, count, buffer)
    if written == count + 1:  # one code unit per char, and the terminating NUL
        text = ctypes.string_at(buffer, 2 * count).decode("utf-16-le", "surrogatepass")
        if len(text) == count:  # no surrogate pair was joined: one str char per PDFium char
            return text
        return "".join(map(chr, buffer[:count]))
    # PDFium's text left out or added characters: read them one by one instead.
    codes = (pdfium.FPDFText_GetUnicode(textpage, i) for i in range(count))
    return "".join(chr(code) if code < 0x110000 else "\ufffd" for code in codes)


def page_lines(textpage) -> Iterator[Tuple[str, Optional[float]]]:
    """Each line's text and its baseline (the origin of its first visible
    character; None for a line without one)."""
    chars = page_chars(textpage)
    x, y = ctypes.c_double(), ctypes.c_double()
    start = 0
    for match in [*LINE_BREAK_RE.finditer(chars), None]:
        end = match.start() if match else len(chars)
        if match is None and start == end:
            return
        text = chars[start:end]
        if match and match.group()[0] in HYPHEN_BREAKS:
            text += "-"
        baseline = None
        visible = len(text) - len(text.lstrip())
        if visible < len(text) and pdfium.FPDFText_GetCharOrigin(textpage, start + visible, x, y):
            baseline = y.value
        yield clean_line(text), baseline
        if match is None:
            return
        start = match.end()


def clean_line(text: str) -> str:
    """A line without control characters, soft hyphens written `-` (a PDF draws
    every character it holds: Word writes a soft hyphen only where it breaks a
    line, and PDFium reads one at a line end as a hyphen break), and surrogate
    pairs joined (a lone one becomes U+FFFD)."""
    text = CONTROL_RE.sub("", text).replace("\u00ad", "-")
    if SURROGATE_RE.search(text):
        text = text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")
    return text


def empty_line_marks(page, baselines: Sequence[float]) -> List[float]:
    """Heights of the page's empty lines: text objects that draw nothing
    (whitespace only, so their bounds have no height) and are not on a text line.

    A text line is the vertical extent of a text object that draws something, or
    a line baseline from the text page. Only top-level objects are looked at (not
    those inside form XObjects)."""
    left, bottom, right, top = (ctypes.c_float() for _ in range(4))
    extents: List[Tuple[float, float]] = [(b - SAME_LINE_TOLERANCE, b + SAME_LINE_TOLERANCE) for b in baselines]
    candidates: List[float] = []
    # PDFium's functions bound to locals: this loop runs once per page object (~130 a page)
    get_object, get_type, get_bounds = pdfium.FPDFPage_GetObject, pdfium.FPDFPageObj_GetType, pdfium.FPDFPageObj_GetBounds
    text_type = pdfium.FPDF_PAGEOBJ_TEXT
    for index in range(pdfium.FPDFPage_CountObjects(page)):
        obj = get_object(page, index)
        if not obj or get_type(obj) != text_type or not get_bounds(obj, left, bottom, right, top):
            continue
        low, high = bottom.value, top.value
        if high - low > EMPTY_HEIGHT:
            extents.append((low - SAME_LINE_TOLERANCE / 2, high + SAME_LINE_TOLERANCE / 2))
        else:
            candidates.append(low)
    if not candidates:
        return []
    extents.sort()
    lows = [low for low, _ in extents]
    reach = []  # reach[i]: the highest top among extents[: i + 1]
    highest = float("-inf")
    for _, high in extents:
        highest = max(highest, high)
        reach.append(highest)
    marks = []
    for height in candidates:
        i = bisect_left(lows, height + 1e-9)  # extents[:i] start at or below `height`
        if i == 0 or reach[i - 1] < height:
            marks.append(height)
    return marks
