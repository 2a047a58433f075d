"""Text of PDF letters, in reading order, with the offset where each page starts.

The Division of Workers' Compensation publishes IMR letters as PDFs encrypted
with an empty user password (AES-128, which pypdf decrypts through the
`cryptography` package). Text is extracted with pypdf page by page; trailing
spaces at line ends are dropped and pages are joined with one newline, so the
text has the same lines and paragraphs as the `.txt` extractions in
`corpus/dev` (see README, "Inputs and letter metadata", for the measurement).

`extract_pdf` raises `PdfProblem` with a reason a user can act on for
corrupt, truncated, password-protected and image-only PDFs.
"""
from __future__ import annotations

import io
import logging
import re
from dataclasses import dataclass
from typing import List, Optional

TRAILING_SPACE_RE = re.compile(r"[ \t\r\f\v\u00a0]+(?=\n|$)")
EOF_MARKER = b"%%EOF"
EOF_WINDOW = 2048


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


def clean_page(raw: str) -> Page:
    """One page's text without trailing spaces at line ends and without blank
    lines at its edges; blank edge lines are remembered as paragraph breaks."""
    raw = raw.replace("\r\n", "\n").replace("\r", "\n")
    lines = [TRAILING_SPACE_RE.sub("", line) for line in raw.split("\n")]
    if raw.endswith("\n"):  # a final newline ends the last line; it is not a blank line
        lines.pop()
    text = "\n".join(lines).strip("\n")
    return Page(text, opens_blank=len(lines) > 1 and lines[0] == "", closes_blank=len(lines) > 1 and lines[-1] == "")


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


def extract_pdf(data: bytes) -> PdfText:
    """Text and page starts of a PDF given as bytes; `PdfProblem` when it has none."""
    import pypdf
    from pypdf.errors import DependencyError, FileNotDecryptedError, PdfReadError

    if not data.lstrip()[:5] == b"%PDF-":
        raise PdfProblem("not a PDF: the file does not start with %PDF-")
    if EOF_MARKER not in data[-EOF_WINDOW:]:
        raise PdfProblem("truncated PDF: no %%EOF marker at the end of the file")
    logging.getLogger("pypdf").setLevel(logging.ERROR)
    try:
        reader = pypdf.PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted and not reader.decrypt(""):
            raise PdfProblem("password-protected PDF: it cannot be opened with an empty password")
        pages = [clean_page(page.extract_text() or "") for page in reader.pages]
    except PdfProblem:
        raise
    except FileNotDecryptedError:
        raise PdfProblem("password-protected PDF: it cannot be opened with an empty password") from None
    except DependencyError as err:
        raise PdfProblem(f"encrypted PDF needs a missing library: {err}") from None
    except PdfReadError as err:
        raise PdfProblem(f"corrupt PDF: {err}") from None
    except Exception as err:  # pypdf raises many types for damaged files
        raise PdfProblem(f"corrupt PDF: {type(err).__name__}: {err}") from None
    if not pages:
        raise PdfProblem("PDF has no pages")
    result = join_pages(pages)
    if not result.text.strip():
        raise PdfProblem(f"no text layer: the PDF's {len(pages)} page(s) hold no text (scanned image or blank); run OCR first")
    return result
