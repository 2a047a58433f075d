"""Reading letters: `.txt`, `.pdf` and `.jsonl` files, folders of them, and stdin.

`iter_letters` yields one `Letter` per letter: its text (and, for PDFs, the
offset where each page starts) or the reason it could not be read. Nothing
raises for a bad input, so one unreadable letter never stops a corpus run.

- `.txt` (and any other file named explicitly): one letter, UTF-8; id = the
  file stem. A PDF under another name is recognised by its `%PDF-` header.
- `.pdf`: one letter, text extracted with pypdf (see `pipeline.pdf`); id = the stem.
- `.jsonl`: one letter per line, `{"id": ..., "text": ...}`; other keys are
  kept as the letter's `meta`. A line without an id gets `<stem>:<line>`.
- `-`: standard input, read as a PDF (starts with `%PDF-`), JSONL (starts
  with `{`) or the text of one letter (id `stdin`).

Folders are searched recursively. When a folder holds the same letter as
`CASE.txt` and `CASE.pdf` (same stem, same folder), only one is read:
the `.txt` by default, the `.pdf` with `prefer="pdf"`. Files named
explicitly are always read.
"""
from __future__ import annotations

import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Dict, Iterable, Iterator, List, Optional, Union

import srsly

from .pdf import PdfProblem, extract_pdf

TEXT_SUFFIXES = (".txt",)
PDF_SUFFIXES = (".pdf",)
JSONL_SUFFIXES = (".jsonl",)
SUPPORTED_SUFFIXES = TEXT_SUFFIXES + PDF_SUFFIXES + JSONL_SUFFIXES
PREFERENCES = ("txt", "pdf")
STDIN = "-"
IMR_SIGNAL_RE = re.compile(
    r"Independent\s+Medical\s+Review|\bIMR\b|MAXIMUS|:\s*(?:Upheld|Overturned)\b|medically\s+necessary",
    re.IGNORECASE,
)


@dataclass
class Letter:
    """One input letter: its id, where it came from, and its text or an error.

    page_starts: for PDFs, the character offset where each page starts.
    kind: "txt", "pdf" or "jsonl".
    """

    id: str
    source: str
    text: Optional[str] = None
    error: Optional[str] = None
    meta: Dict[str, Any] = field(default_factory=dict)
    page_starts: Optional[List[int]] = None
    kind: str = "txt"


class InputError(Exception):
    """An input path that does not exist or holds no letters."""


def expand_paths(paths: Iterable[Path], prefer: str = "txt") -> List[Path]:
    """Files to read, in a stable order: files as given, folders searched
    recursively, one file per letter when a folder has both CASE.txt and CASE.pdf."""
    if prefer not in PREFERENCES:
        raise InputError(f"prefer must be one of {', '.join(PREFERENCES)}, not {prefer!r}")
    files: List[Path] = []
    seen = set()
    for path in paths:
        path = Path(path)
        if str(path) == STDIN:
            found = [path]
        elif path.is_dir():
            found = drop_duplicate_letters(
                sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in SUPPORTED_SUFFIXES), prefer
            )
        elif path.exists():
            found = [path]
        else:
            raise InputError(f"{path}: no such file or directory")
        for file in found:
            key = str(file) if str(file) == STDIN else file.resolve()
            if key not in seen:
                seen.add(key)
                files.append(file)
    return files


def drop_duplicate_letters(files: List[Path], prefer: str) -> List[Path]:
    """Keep one of CASE.txt / CASE.pdf in the same folder: the preferred kind."""
    suffixes = {(f.parent, f.stem, f.suffix.lower()) for f in files}
    other = {"txt": ".pdf", "pdf": ".txt"}[prefer]
    kept = []
    for file in files:
        suffix = file.suffix.lower()
        if suffix == other and (file.parent, file.stem, "." + prefer) in suffixes:
            continue
        kept.append(file)
    return kept


def iter_letters(paths: Iterable[Path], prefer: str = "txt", stdin: Optional[IO[bytes]] = None) -> Iterator[Letter]:
    """Letters from files, folders and stdin, in a stable order."""
    for path in expand_paths(paths, prefer=prefer):
        suffix = path.suffix.lower()
        if str(path) == STDIN:
            yield from read_stdin(stdin if stdin is not None else sys.stdin.buffer)
        elif suffix in PDF_SUFFIXES:
            yield read_pdf_letter(path)
        elif suffix in JSONL_SUFFIXES:
            yield from read_jsonl_letters(path)
        else:
            yield read_text_letter(path)


def read_text_letter(path: Path) -> Letter:
    """Read one text file as a letter (a PDF under another name is read as a
    PDF), or describe why it cannot be used."""
    try:
        data = path.read_bytes()
    except OSError as err:
        return Letter(id=path.stem, source=str(path), error=f"cannot read file: {err.strerror or err}")
    if is_pdf(data):
        return pdf_letter(path.stem, str(path), data)
    return text_letter(path.stem, str(path), data)


def is_pdf(data: bytes) -> bool:
    return data.lstrip()[:5] == b"%PDF-"


def text_letter(letter_id: str, source: str, data: bytes) -> Letter:
    """A letter from UTF-8 bytes."""
    letter = Letter(id=letter_id, source=source)
    letter.error = text_problem(data)
    if letter.error is None:
        check_letter(letter, data.decode("utf-8"))
    return letter


def read_pdf_letter(path: Path) -> Letter:
    """Extract one PDF letter's text, or describe why it cannot be used."""
    try:
        data = path.read_bytes()
    except OSError as err:
        return Letter(id=path.stem, source=str(path), kind="pdf", error=f"cannot read file: {err.strerror or err}")
    return pdf_letter(path.stem, str(path), data)


def pdf_letter(letter_id: str, source: str, data: bytes) -> Letter:
    """A letter from the bytes of a PDF."""
    letter = Letter(id=letter_id, source=source, kind="pdf")
    if not data.strip():
        letter.error = "empty file"
        return letter
    try:
        extracted = extract_pdf(data)
    except PdfProblem as err:
        letter.error = str(err)
        return letter
    letter.page_starts = extracted.page_starts
    check_letter(letter, extracted.text)
    if letter.error is not None:
        letter.page_starts = None
    return letter


def read_jsonl_letters(path: Path) -> Iterator[Letter]:
    """One letter per line of a JSONL file, read line by line."""
    try:
        with path.open("rb") as handle:
            yield from jsonl_letters(path.stem, str(path), handle)
    except OSError as err:
        yield Letter(id=path.stem, source=str(path), kind="jsonl", error=f"cannot read file: {err.strerror or err}")


def jsonl_letters(stem: str, source: str, lines: Union[bytes, Iterable[bytes]]) -> Iterator[Letter]:
    """Letters from JSONL lines: `{"id", "text", ...meta}` per line; bad lines become error letters."""
    if isinstance(lines, bytes):
        lines = lines.split(b"\n")
    empty = True
    for number, raw in enumerate(lines, start=1):
        if not raw.strip():
            continue
        empty = False
        yield jsonl_letter(stem, source, number, raw)
    if empty:
        yield Letter(id=stem, source=source, kind="jsonl", error="empty file")


def jsonl_letter(stem: str, source: str, number: int, raw: bytes) -> Letter:
    """The letter on one JSONL line."""
    letter = Letter(id=f"{stem}:{number}", source=f"{source}:{number}", kind="jsonl")
    try:
        line = raw.decode("utf-8")
    except UnicodeDecodeError as err:
        letter.error = f"line {number}: not UTF-8 text: invalid byte 0x{raw[err.start]:02x} at offset {err.start}"
        return letter
    try:
        obj = srsly.json_loads(line)
    except ValueError as err:
        letter.error = f"line {number}: not JSON: {err}"
        return letter
    if not isinstance(obj, dict):
        letter.error = f"line {number}: not a JSON object"
        return letter
    letter_id = obj.get("id")
    if isinstance(letter_id, (str, int)) and not isinstance(letter_id, bool) and str(letter_id).strip():
        letter.id = str(letter_id)
    letter.meta = {k: v for k, v in obj.items() if k not in ("id", "text")}
    text = obj.get("text")
    if "text" not in obj:
        letter.error = f'line {number}: no "text" field'
    elif not isinstance(text, str):
        letter.error = f'line {number}: "text" is {type(text).__name__}, not a string'
    elif not text.strip():
        letter.error = f'line {number}: "text" is empty'
    else:
        check_letter(letter, text)
    return letter


def read_stdin(stream: IO[bytes]) -> Iterator[Letter]:
    """Letters from standard input: a PDF, JSONL, or the text of one letter."""
    data = stream.read()
    if is_pdf(data):
        yield pdf_letter("stdin", "<stdin>", data)
    elif data.lstrip()[:1] == b"{":
        yield from jsonl_letters("stdin", "<stdin>", data)
    else:
        yield text_letter("stdin", "<stdin>", data)


def check_letter(letter: Letter, text: str) -> None:
    """Set the letter's text, or its error when the text is not an IMR letter."""
    letter.error = letter_problem(text)
    letter.text = text if letter.error is None else None


def text_problem(data: bytes) -> Optional[str]:
    """Why these bytes are not usable letter text, or None."""
    if not data.strip():
        return "empty file"
    if b"\x00" in data[:4096]:
        return "binary file (contains NUL bytes), not text"
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as err:
        return f"not UTF-8 text: invalid byte 0x{data[err.start]:02x} at offset {err.start}"
    return None


def letter_problem(text: str) -> Optional[str]:
    """Why a readable text is not an IMR letter, or None."""
    if not IMR_SIGNAL_RE.search(text):
        return "not an IMR letter: no IMR headings, decisions or medical-necessity wording found"
    return None
