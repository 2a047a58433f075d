"""Reading letters: `.txt`, `.pdf` and `.jsonl` files, folders of them, and stdin.

`iter_letters` yields one `Letter` per letter: its text (and, for PDFs, the
offset where each page starts) or the reason it could not be read. Nothing
raises for a bad input, so one unreadable letter never stops a corpus run.

- `.txt` (and any other file named explicitly): one letter. UTF-8, with or
  without a byte-order mark; UTF-16 and UTF-32 with a byte-order mark; text
  that is not UTF-8 but decodes as Windows-1252 is read with the warning
  "decoded as cp1252". A PDF under another name is recognised by its `%PDF-`
  header.
- `.pdf`: one letter, text extracted with PDFium (`imr.io.pdf`); the record gets its text.
- `.jsonl`: one letter per line, `{"id": ..., "text": ...}`; other keys are
  kept as the letter's `meta`. A line without an id gets `<stem>:<line>`.
- `-`: standard input, read as a PDF (starts with `%PDF-`), JSONL (starts
  with `{`) or the text of one letter (id `stdin`).

Line endings are read the way Python's `open()` reads text: "\\r\\n" and "\\r"
become "\\n", so a letter saved with Windows or old Mac line endings gives the
same annotations, and every offset counts a line break as one character.

Ids are unique in a run: a file's id is its stem where no other input file
has that stem, else its path without the suffix (with the suffix when that
is not unique either); a JSONL id seen before in the run gets "#2", "#3", ...
with a warning.

Folders are searched recursively; a folder that cannot be read becomes an
error record naming it. When a folder holds the same letter as `CASE.txt`
and `CASE.pdf` (same stem, same folder), only one is read: the `.txt` by
default, the `.pdf` with `prefer="pdf"`. Files named explicitly are always read.
"""
import codecs
import os
import re
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Dict, Iterable, Iterator, List, Optional, Sequence, Set, Tuple, Union

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
# Longest first: the UTF-32 LE mark starts with the UTF-16 LE one.
BYTE_ORDER_MARKS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
SURROGATE_RE = re.compile("[\ud800-\udfff]")
CP1252_WARNING = "decoded as cp1252"
SURROGATE_WARNING = "lone surrogate code points replaced by U+FFFD"


@dataclass
class Letter:
    """One input letter: its id, where it came from, and its text or an error.

    page_starts: for PDFs, the character offset where each page starts.
    kind: "txt", "pdf", "jsonl" or "folder" (an unreadable folder).
    warnings: what was done to read it (e.g. "decoded as cp1252").
    path: a file not read yet (`iter_letters(..., defer_files=True)`); `read_deferred` reads it.
    """

    id: str
    source: str
    text: Optional[str] = None
    error: Optional[str] = None
    meta: Dict[str, Any] = field(default_factory=dict)
    page_starts: Optional[List[int]] = None
    kind: str = "txt"
    warnings: List[str] = field(default_factory=list)
    path: Optional[str] = None


class InputError(Exception):
    """An input path that does not exist or holds no letters."""


@dataclass
class Inputs:
    """What a run reads: files in a stable order, and folders that could not be read."""

    files: List[Path] = field(default_factory=list)
    unreadable: List[Tuple[Path, str]] = field(default_factory=list)


def find_inputs(paths: Iterable[Union[str, Path]], prefer: str = "txt", skip: Iterable[Path] = ()) -> Inputs:
    """Files to read, in a stable order: files as given, folders searched
    recursively, one file per letter when a folder has both CASE.txt and CASE.pdf.

    skip: files never to read from a folder (the run's own output files).
    """
    if prefer not in PREFERENCES:
        raise InputError(f"prefer must be one of {', '.join(PREFERENCES)}, not {prefer!r}")
    skipped = {Path(p).resolve() for p in skip}
    inputs = Inputs()
    seen: Set[Any] = set()
    for path in map(Path, paths):
        if str(path) == STDIN:
            found = [path]
        elif path.is_dir():
            found = drop_duplicate_letters(walk_folder(path, inputs.unreadable), prefer)
            found = [f for f in found if f.resolve() not in skipped]
        elif path.exists():
            found = [path]
        else:
            raise InputError(f"{path}: no such file or directory")
        for file in found:
            key = str(file) if str(file) == STDIN else file.resolve()
            if key not in seen:
                seen.add(key)
                inputs.files.append(file)
    return inputs


def expand_paths(paths: Iterable[Union[str, Path]], prefer: str = "txt") -> List[Path]:
    """The files `find_inputs` reads (unreadable folders left out)."""
    return find_inputs(paths, prefer=prefer).files


def walk_folder(folder: Path, unreadable: List[Tuple[Path, str]]) -> List[Path]:
    """Letter files under `folder`, sorted; folders that cannot be listed go to `unreadable`."""

    def failed(err: OSError) -> None:
        unreadable.append((Path(err.filename or folder), err.strerror or str(err)))

    files = []
    for root, dirs, names in os.walk(folder, onerror=failed):
        dirs.sort()
        for name in names:
            path = Path(root) / name
            if path.suffix.lower() in SUPPORTED_SUFFIXES and path.is_file():
                files.append(path)
    return sorted(files)


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


def file_ids(files: Sequence[Path]) -> Dict[Path, str]:
    """Each file's letter id: its stem when unique among `files`, else its path
    without the suffix, else its whole path ("/"-separated)."""
    stems = Counter(f.stem for f in files)
    bare = Counter(f.with_suffix("").as_posix() for f in files)
    ids = {}
    for file in files:
        if stems[file.stem] == 1:
            ids[file] = file.stem
        elif bare[file.with_suffix("").as_posix()] == 1:
            ids[file] = file.with_suffix("").as_posix()
        else:
            ids[file] = file.as_posix()
    return ids


class UniqueIds:
    """Makes every id of a run unique: a repeated id gets "#2", "#3", ... and a warning."""

    def __init__(self) -> None:
        self.seen: Set[str] = set()

    def __call__(self, letter: Letter) -> Letter:
        if letter.id in self.seen:
            original, number = letter.id, 2
            while f"{original}#{number}" in self.seen:
                number += 1
            letter.id = f"{original}#{number}"
            letter.warnings.append(f"duplicate id {original!r} in this run: renamed {letter.id!r}")
        self.seen.add(letter.id)
        return letter


def iter_letters(
    paths: Union[Inputs, Iterable[Union[str, Path]]],
    prefer: str = "txt",
    stdin: Optional[IO[bytes]] = None,
    defer_files: bool = False,
) -> Iterator[Letter]:
    """Letters from files, folders and stdin, in a stable order, with unique ids.

    defer_files: yield `.txt` and `.pdf` letters unread (`Letter.path` set), for
    workers that read them where they run (`read_deferred`).
    """
    inputs = paths if isinstance(paths, Inputs) else find_inputs(paths, prefer=prefer)
    unique = UniqueIds()
    for folder, reason in inputs.unreadable:
        yield unique(Letter(id=folder.as_posix(), source=str(folder), kind="folder", error=f"cannot read folder: {reason}"))
    ids = file_ids([f for f in inputs.files if str(f) != STDIN])
    for path in inputs.files:
        suffix = path.suffix.lower()
        if str(path) == STDIN:
            letters: Iterable[Letter] = read_stdin(stdin if stdin is not None else sys.stdin.buffer)
        elif suffix in JSONL_SUFFIXES:
            letters = read_jsonl_letters(path)
        elif defer_files:
            letters = [Letter(id=ids[path], source=str(path), kind="pdf" if suffix in PDF_SUFFIXES else "txt", path=str(path))]
        elif suffix in PDF_SUFFIXES:
            letters = [read_pdf_letter(path, ids[path])]
        else:
            letters = [read_text_letter(path, ids[path])]
        for letter in letters:
            yield unique(letter)


def is_unread(letter: Letter) -> bool:
    """Whether a letter was yielded unread (`defer_files`): its file is still to be read."""
    return letter.path is not None and letter.text is None and letter.error is None


def read_deferred(letter: Letter) -> Letter:
    """A letter yielded unread (`defer_files`), read now; any other letter as it is."""
    if not is_unread(letter):
        return letter
    read = read_pdf_letter if letter.kind == "pdf" else read_text_letter
    loaded = read(Path(letter.path), letter.id)
    loaded.warnings = letter.warnings + loaded.warnings
    return loaded


def read_text_letter(path: Path, letter_id: Optional[str] = None) -> Letter:
    """Read one text file as a letter (a PDF under another name is read as a
    PDF), or describe why it cannot be used."""
    letter_id = letter_id or path.stem
    try:
        data = path.read_bytes()
    except OSError as err:
        return Letter(id=letter_id, source=str(path), error=f"cannot read file: {err.strerror or err}")
    if is_pdf(data):
        return pdf_letter(letter_id, str(path), data)
    return text_letter(letter_id, str(path), data)


def is_pdf(data: bytes) -> bool:
    return data.lstrip()[:5] == b"%PDF-"


def text_letter(letter_id: str, source: str, data: bytes) -> Letter:
    """A letter from the bytes of a text file."""
    letter = Letter(id=letter_id, source=source)
    text, letter.warnings, letter.error = decode_text(data)
    if text is not None:
        check_letter(letter, text)
    return letter


def decode_text(data: bytes) -> Tuple[Optional[str], List[str], Optional[str]]:
    """(text, warnings, error) of a text file's bytes; text has "\\n" line breaks."""
    if not data.strip():
        return None, [], "empty file"
    for mark, encoding in BYTE_ORDER_MARKS:
        if data.startswith(mark):
            try:
                text = data[len(mark) :].decode(encoding)
            except UnicodeDecodeError as err:
                return None, [], f"not {encoding.upper()} text despite its byte-order mark: {err.reason} at byte {err.start + len(mark)}"
            return normalize_text(text, [])
    if b"\x00" in data[:4096]:
        return None, [], "binary file (contains NUL bytes), not text (UTF-16/32 text needs a byte-order mark)"
    try:
        return normalize_text(data.decode("utf-8"), [])
    except UnicodeDecodeError as err:
        utf8_error = f"invalid byte 0x{data[err.start]:02x} at offset {err.start}"
    try:
        return normalize_text(data.decode("cp1252"), [CP1252_WARNING])
    except UnicodeDecodeError:
        return None, [], f"not text: neither UTF-8 ({utf8_error}) nor Windows-1252"


def normalize_text(text: str, warnings: List[str]) -> Tuple[str, List[str], None]:
    """Universal newlines, and lone surrogates (from JSON escapes) made printable."""
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if SURROGATE_RE.search(text):
        text = SURROGATE_RE.sub("\ufffd", text)
        warnings = warnings + [SURROGATE_WARNING]
    return text, warnings, None


def read_pdf_letter(path: Path, letter_id: Optional[str] = None) -> Letter:
    """Extract one PDF letter's text, or describe why it cannot be used."""
    letter_id = letter_id or path.stem
    try:
        data = path.read_bytes()
    except OSError as err:
        return Letter(id=letter_id, source=str(path), kind="pdf", error=f"cannot read file: {err.strerror or err}")
    return pdf_letter(letter_id, str(path), data)


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
    text, letter.warnings, _ = normalize_text(extracted.text, [])
    letter.page_starts = extracted.page_starts
    check_letter(letter, text)
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
    if number == 1 and raw.startswith(codecs.BOM_UTF8):
        raw = raw[len(codecs.BOM_UTF8) :]
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
    obj = printable(obj)
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
        text, letter.warnings, _ = normalize_text(text, [])
        check_letter(letter, text)
    return letter


def printable(value: Any) -> Any:
    """A JSON value whose strings (keys too) hold no lone surrogates, so it can be written as UTF-8.
    The letter's text is left alone here: `normalize_text` replaces and reports them."""
    if isinstance(value, str):
        return SURROGATE_RE.sub("\ufffd", value)
    if isinstance(value, list):
        return [printable(v) for v in value]
    if isinstance(value, dict):
        return {printable(k): (v if k == "text" else printable(v)) for k, v in value.items()}
    return value


def read_stdin(stream: IO[bytes]) -> Iterator[Letter]:
    """Letters from standard input: a PDF, JSONL, or the text of one letter."""
    data = stream.read()
    if is_pdf(data):
        yield pdf_letter("stdin", "<stdin>", data)
    elif data.lstrip().lstrip(codecs.BOM_UTF8)[:1] == b"{":
        yield from jsonl_letters("stdin", "<stdin>", data)
    else:
        yield text_letter("stdin", "<stdin>", data)


def check_letter(letter: Letter, text: str) -> None:
    """Set the letter's text, or its error when the text is not an IMR letter."""
    letter.error = letter_problem(text)
    letter.text = text if letter.error is None else None


def letter_problem(text: str) -> Optional[str]:
    """Why a readable text is not an IMR letter, or None."""
    if not IMR_SIGNAL_RE.search(text):
        return "not an IMR letter: no IMR headings, decisions or medical-necessity wording found"
    return None
