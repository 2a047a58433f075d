"""Reading letters: files and folders of `.txt`, with clear errors for bad input.

`iter_letters` yields one `Letter` per input: either its text or the reason
it could not be read. Nothing raises for a bad file, so one unreadable letter
never stops a corpus run.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, Iterable, Iterator, List, Optional

TEXT_SUFFIXES = (".txt",)
SUPPORTED_SUFFIXES = TEXT_SUFFIXES
IMR_SIGNAL_RE = re.compile(
    r"Independent\s+Medical\s+Review|\bIMR\b|MAXIMUS|:\s*(?:Upheld|Overturned)\b|medically\s+necessary",
    re.IGNORECASE,
)


@dataclass
class Letter:
    """One input letter: its id, where it came from, and its text or an error."""

    id: str
    source: str
    text: Optional[str] = None
    error: Optional[str] = None
    meta: Dict[str, Any] = field(default_factory=dict)


class InputError(Exception):
    """An input path that does not exist or holds no letters."""


def expand_paths(paths: Iterable[Path]) -> List[Path]:
    """Files to read: files as given, folders searched recursively for supported files."""
    files: List[Path] = []
    for path in paths:
        path = Path(path)
        if path.is_dir():
            found = sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in SUPPORTED_SUFFIXES)
            files.extend(found)
        elif path.exists():
            files.append(path)
        else:
            raise InputError(f"{path}: no such file or directory")
    return files


def iter_letters(paths: Iterable[Path]) -> Iterator[Letter]:
    """Letters from files and folders, in a stable order."""
    for path in expand_paths(paths):
        yield read_text_letter(path)


def read_text_letter(path: Path) -> Letter:
    """Read one text file as a letter, or describe why it cannot be used."""
    letter = Letter(id=path.stem, source=str(path))
    try:
        data = path.read_bytes()
    except OSError as err:
        letter.error = f"cannot read file: {err.strerror or err}"
        return letter
    letter.error = text_problem(data)
    if letter.error is None:
        letter.text = data.decode("utf-8")
        letter.error = letter_problem(letter.text)
        if letter.error is not None:
            letter.text = None
    return letter


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
