"""Read PDF letters in a reader process, one batch ahead of their annotation.

In a one-process run (`imr annotate --n-process 1`) the pipeline uses one core,
and extracting a PDF's text (PDFium, ~7-10 ms a letter) adds to each letter's
time. When the machine has another core, `read_ahead` gives the next batch's
unread PDF files to a reader process while this batch is annotated, so PDF
reading overlaps the NLP instead of adding to it. A thread would not: the
pipeline holds the GIL, and the reader needs it back after each of its ~1,000
calls into PDFium a letter (measured on the dev letters: reading 2.8x slower,
the pipeline 1.35x slower, together slower than one after the other).

A reader that dies (PDFium crashing on a malformed file, the system killing
it) is replaced and its batch is read again letter by letter, each in a fresh
reader: the file that kills it becomes that letter's error; the run goes on.
With `--n-process N > 1` each worker reads its own batches (every core is busy).
"""
import os
from collections import deque
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Deque, Iterable, Iterator, List, Optional, Tuple

from .inputs import Letter, is_unread, read_deferred
from .processes import child_setup, process_context, stop_pool

READER_DIED = "the PDF reader process died while reading this file (a crash in PDFium, or killed by the system)"


def read_batch(letters: List[Letter]) -> List[Letter]:
    """The letters with their unread files read (`read_deferred`)."""
    return [read_deferred(letter) for letter in letters]


def has_unread_pdf(letters: List[Letter]) -> bool:
    return any(letter.kind == "pdf" and is_unread(letter) for letter in letters)


def spare_core() -> bool:
    """Whether this process may run on more than one core."""
    try:
        return len(os.sched_getaffinity(0)) > 1
    except AttributeError:  # pragma: no cover - macOS, Windows
        return (os.cpu_count() or 1) > 1


def read_ahead(batches: Iterable[List[Letter]]) -> Iterator[List[Letter]]:
    """The batches in order. With a spare core, a batch with unread PDFs is read by the
    reader process while the batch before it is annotated; otherwise it comes as it is
    (`annotate_batch` reads it)."""
    reader = Reader() if spare_core() else None
    ahead: Deque[Tuple[List[Letter], Optional["Future[List[Letter]]"]]] = deque()
    try:
        for batch in batches:
            ahead.append((batch, reader.submit(batch) if reader is not None and has_unread_pdf(batch) else None))
            if len(ahead) > 1:
                yield collect(reader, *ahead.popleft())
        while ahead:
            yield collect(reader, *ahead.popleft())
    finally:
        if reader is not None:
            reader.stop()


def collect(reader: Optional["Reader"], batch: List[Letter], future: Optional["Future[List[Letter]]"]) -> List[Letter]:
    if reader is None or future is None:
        return batch
    return reader.result(batch, future)


class Reader:
    """One process that reads letter files; started on first use, replaced when it dies."""

    def __init__(self) -> None:
        self.executor: Optional[ProcessPoolExecutor] = None

    def submit(self, letters: List[Letter]) -> "Future[List[Letter]]":
        if self.executor is None:
            self.executor = ProcessPoolExecutor(1, mp_context=process_context(), initializer=child_setup, initargs=(os.getpid(),))
        return self.executor.submit(read_batch, letters)

    def result(self, letters: List[Letter], future: "Future[List[Letter]]") -> List[Letter]:
        """The batch as read; after the reader died, each letter read alone in a fresh reader."""
        try:
            return future.result()
        except BrokenProcessPool:
            self.stop()
            return [self.read_alone(letter) for letter in letters]

    def read_alone(self, letter: Letter) -> Letter:
        try:
            return self.submit([letter]).result()[0]
        except BrokenProcessPool:
            self.stop()
            return Letter(id=letter.id, source=letter.source, error=READER_DIED, meta=letter.meta, kind=letter.kind, warnings=letter.warnings)

    def stop(self) -> None:
        if self.executor is not None:
            stop_pool(self.executor)
            self.executor = None
