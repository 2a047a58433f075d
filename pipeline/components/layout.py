"""Layout of PDF-extracted letter text: lines, paragraphs and whitespace.

Letters come in two layouts. Single-spaced text wraps printed lines with one
newline and separates paragraphs with one or more blank lines. Double-spaced
text (the PDF extractor put an empty line after every printed line) wraps with
one blank line and separates paragraphs with two or more. `paragraph_starts`
detects the layout from the text itself, so both give the same paragraphs.
All offsets are character offsets into the original text.
"""
from __future__ import annotations

import re
import weakref
from bisect import bisect_right
from typing import List, Optional, Sequence, Tuple

from spacy.tokens import Doc, Span

WHITESPACE_RE = re.compile(r"\s+")


def lines(text: str) -> List[Tuple[int, int]]:
    """(start, end) offsets of each line, without its newline."""
    spans = []
    start = 0
    for line in text.split("\n"):
        spans.append((start, start + len(line)))
        start += len(line) + 1
    return spans


def blank_gaps(text: str) -> List[Tuple[int, int, int]]:
    """(end of a content line, start of the next content line, blank lines between)."""
    gaps = []
    previous_end = None
    blanks = 0
    for start, end in lines(text):
        if text[start:end].strip():
            if previous_end is not None:
                gaps.append((previous_end, start, blanks))
            previous_end = end
            blanks = 0
        else:
            blanks += 1
    return gaps


def is_double_spaced(gaps: Sequence[Tuple[int, int, int]]) -> bool:
    """True when most line breaks carry an empty line (PDF double spacing)."""
    if not gaps:
        return False
    with_blank = sum(1 for _, _, blanks in gaps if blanks >= 1)
    return with_blank / len(gaps) > 0.6


def paragraph_starts(text: str) -> List[int]:
    """Character offsets where paragraphs start (first non-space character)."""
    gaps = blank_gaps(text)
    threshold = 2 if is_double_spaced(gaps) else 1
    first = len(text) - len(text.lstrip())
    starts = [first] if text.strip() else []
    for _, next_start, blanks in gaps:
        if blanks >= threshold:
            line_text = text[next_start:]
            starts.append(next_start + len(line_text) - len(line_text.lstrip()))
    return starts


def single_spaced(text: str) -> Tuple[str, Optional[List[int]]]:
    """Double-spaced text rewritten single-spaced, for reading values (not spans).

    Returns the text and, for each original offset, its offset in the new text;
    single-spaced text comes back unchanged with `None` for the mapping. Wrapped
    lines are joined by one newline and paragraphs by a blank line, so rules
    written for one layout read values the same way from the other.
    """
    gaps = blank_gaps(text)
    if not is_double_spaced(gaps):
        return text, None
    threshold = 2
    pieces: List[str] = []
    mapping = [0] * (len(text) + 1)
    length = 0
    blanks = 0
    for start, end in lines(text):
        line = text[start:end]
        if not line.strip():
            blanks += 1
            for offset in range(start, min(end + 1, len(text) + 1)):
                mapping[offset] = length
            continue
        if pieces:
            separator = "\n\n" if blanks >= threshold else "\n"
            pieces.append(separator)
            length += len(separator)
        line = line.rstrip()
        for offset in range(start, min(end + 1, len(text) + 1)):
            mapping[offset] = length + min(offset - start, len(line))
        pieces.append(line)
        length += len(line)
        blanks = 0
    return "".join(pieces), mapping


def paragraph_start_before(starts: Sequence[int], offset: int) -> int:
    """The start of the paragraph containing `offset` (0 when before the first)."""
    index = bisect_right(starts, offset) - 1
    return starts[index] if index >= 0 else 0


def collapse(text: str) -> str:
    """Collapse every run of whitespace (line breaks included) to one space."""
    return WHITESPACE_RE.sub(" ", text).strip()


_DOC_TEXTS: "weakref.WeakKeyDictionary[Doc, Tuple[str, str]]" = weakref.WeakKeyDictionary()


def rule_view(text: str) -> str:
    """The text the rules read: the same length and offsets, with Windows ("\\r\\n")
    and old Mac ("\\r") line breaks shown as "\\n", so a letter reads the same
    whatever its line endings (`imr annotate` already reads files that way)."""
    if "\r" not in text:
        return text
    return text.replace("\r\n", " \n").replace("\r", "\n")


def remember_text(doc: Doc, text: str) -> None:
    """Record the text a Doc was made from (the tokenizer calls this)."""
    _DOC_TEXTS[doc] = (text, rule_view(text))


def _texts(doc: Doc) -> Tuple[str, str]:
    texts = _DOC_TEXTS.get(doc)
    if texts is None:
        text = doc.text
        texts = _DOC_TEXTS[doc] = (text, rule_view(text))
    return texts


def doc_text(doc: Doc) -> str:
    """The rules' view of the Doc's text (`rule_view`), computed at most once per Doc:
    `doc.text` joins every token on each call, about a millisecond per letter."""
    return _texts(doc)[1]


def span_text(span: Span) -> str:
    """`span.text`: a slice of the Doc's original text, computed once per Doc."""
    return _texts(span.doc)[0][span.start_char : span.end_char]
