"""Annotate letters into `imr/1` JSONL records or a spaCy DocBin, streaming."""
from __future__ import annotations

import multiprocessing
import os
import shutil
import sys
import tempfile
import zlib
from collections import Counter, deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Deque, Dict, Iterable, Iterator, List, Optional, Set, Tuple

import srsly
from spacy.language import Language
from spacy.tokens import Doc, DocBin

from ..components import extensions  # noqa: F401
from .inputs import Letter
from .record import PAGE_STARTS_KEY, doc_to_record, error_record


@dataclass
class Summary:
    """Counts of one annotation run."""

    letters: int = 0
    errors: int = 0
    decisions: int = 0
    outcomes: Counter = field(default_factory=Counter)
    entities: Counter = field(default_factory=Counter)
    failed: list = field(default_factory=list)

    def add(self, record: Dict[str, Any]) -> None:
        self.letters += 1
        if record.get("error"):
            self.errors += 1
            self.failed.append((record.get("source") or record["id"], record["error"]))
            return
        self.decisions += len(record["decisions"])
        self.outcomes.update(d["outcome"] or "unknown" for d in record["decisions"])
        self.entities.update(e["label"] for e in record["entities"])

    def table(self) -> str:
        rows = [
            ("letters", self.letters),
            ("errors", self.errors),
            ("decisions", self.decisions),
            ("upheld", self.outcomes.get("upheld", 0)),
            ("overturned", self.outcomes.get("overturned", 0)),
        ]
        rows += [(f"entities {label}", count) for label, count in sorted(self.entities.items())]
        width = max(len(name) for name, _ in rows)
        return "\n".join(f"{name:<{width}}  {count:>7}" for name, count in rows)


def output_path(output: Path) -> Path:
    """`OUT` -> `OUT.jsonl` unless it already ends in `.jsonl` or `.spacy`."""
    if output.suffix in (".jsonl", ".spacy"):
        return output
    return output.with_name(output.name + ".jsonl")


def annotate_letters(
    nlp: Language,
    letters: Iterable[Letter],
    *,
    n_process: int = 1,
    batch_size: int = 32,
) -> Iterator[Tuple[Letter, Optional[Doc]]]:
    """Run the pipeline over the readable letters; bad letters come back with doc None."""
    pending: list = []

    def texts() -> Iterator[Tuple[str, Letter]]:
        for letter in letters:
            if letter.error is not None:
                pending.append(letter)
                continue
            yield letter.text, letter

    for doc, letter in nlp.pipe(texts(), as_tuples=True, n_process=n_process, batch_size=batch_size):
        while pending:
            yield pending.pop(0), None
        doc.user_data["imr_id"] = letter.id
        if letter.page_starts is not None:
            doc.user_data[PAGE_STARTS_KEY] = list(letter.page_starts)
        yield letter, doc
    while pending:
        yield pending.pop(0), None


def letter_record(letter: Letter, doc: Optional[Doc], include_text: Optional[bool] = False) -> Dict[str, Any]:
    """The JSON record of one letter (an error record when it could not be read).

    include_text: copy the letter's text into the record; None means "for PDFs
    only", whose text the user does not otherwise have.
    """
    if doc is None:
        return error_record(letter.id, letter.source, letter.error or "unknown error", **meta_fields(letter))
    record = doc_to_record(doc, letter.id, letter.source, **meta_fields(letter))
    if include_text is None:
        include_text = letter.kind == "pdf"
    if include_text:
        record["text"] = doc.text
    return record


def meta_fields(letter: Letter) -> Dict[str, Any]:
    return {"meta": letter.meta} if letter.meta else {}


# Worker state for multi-process record annotation: each worker loads the pipeline once.
_WORKER_NLP: Optional[Language] = None


def _init_worker(model: Optional[str]) -> None:
    global _WORKER_NLP
    if _WORKER_NLP is None:  # spawned (not forked) workers load their own pipeline
        from .. import load

        _WORKER_NLP = load(model)


def _records_for_batch(batch: List[Letter], include_text: bool) -> List[Dict[str, Any]]:
    assert _WORKER_NLP is not None
    return [record for _, record in _records_in_process(_WORKER_NLP, batch, batch_size=len(batch) or 1, include_text=include_text)]


def _records_in_process(
    nlp: Language, letters: Iterable[Letter], *, batch_size: int, include_text: bool
) -> Iterator[Tuple[Letter, Dict[str, Any]]]:
    for letter, doc in annotate_letters(nlp, letters, batch_size=batch_size):
        yield letter, letter_record(letter, doc, include_text=include_text)


def batched(items: Iterable[Letter], size: int) -> Iterator[List[Letter]]:
    batch: List[Letter] = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def iter_records(
    nlp: Language,
    letters: Iterable[Letter],
    *,
    n_process: int = 1,
    batch_size: int = 32,
    include_text: bool = False,
    model: Optional[str] = None,
) -> Iterator[Dict[str, Any]]:
    """Stream `imr/1` records in input order.

    With `n_process > 1`, batches of letters go to worker processes that each
    load the pipeline once and return finished records, so no Doc is shipped
    between processes; at most `2 * n_process` batches are in flight, so memory
    stays flat whatever the corpus size.
    """
    if n_process <= 1:
        for _, record in _records_in_process(nlp, letters, batch_size=batch_size, include_text=include_text):
            yield record
        return
    global _WORKER_NLP
    _WORKER_NLP = nlp  # inherited by forked workers
    context = multiprocessing.get_context("fork" if sys.platform.startswith("linux") else "spawn")
    with context.Pool(n_process, initializer=_init_worker, initargs=(model,)) as pool:
        in_flight: Deque[Any] = deque()
        for batch in batched(letters, batch_size):
            in_flight.append(pool.apply_async(_records_for_batch, (batch, include_text)))
            if len(in_flight) >= 2 * n_process:
                yield from in_flight.popleft().get()
        while in_flight:
            yield from in_flight.popleft().get()


def existing_ids(path: Path) -> Set[str]:
    """Ids of the records already in a JSONL output (for --resume)."""
    if not path.exists():
        return set()
    return {record["id"] for record in srsly.read_jsonl(path)}


def annotate(
    nlp: Language,
    letters: Iterable[Letter],
    output: Path,
    *,
    n_process: int = 1,
    batch_size: int = 32,
    include_text: Optional[bool] = False,
    on_record: Optional[Callable[[Dict[str, Any]], None]] = None,
    resume: bool = False,
    model: Optional[str] = None,
) -> Summary:
    """Annotate `letters` into `output` (.jsonl or .spacy), atomically.

    The output is written to a temporary file next to it and renamed at the end,
    so a crash never leaves a partial file behind. With `resume`, the records
    already in a JSONL output are kept and their ids are skipped.
    include_text: see `letter_record`.
    """
    if resume and Path(output).suffix == ".spacy":
        raise ValueError("--resume works with JSONL output only")
    output = output_path(Path(output))
    output.parent.mkdir(parents=True, exist_ok=True)
    summary = Summary()
    handle, temp_name = tempfile.mkstemp(prefix=f".{output.name}.", suffix=".part", dir=output.parent)
    os.close(handle)
    temp = Path(temp_name)
    try:
        if output.suffix == ".spacy":
            docbin = DocBin(store_user_data=True)
            for letter, doc in annotate_letters(nlp, letters, n_process=n_process, batch_size=batch_size):
                record = letter_record(letter, doc)
                summary.add(record)
                if on_record:
                    on_record(record)
                if doc is not None:
                    docbin.add(doc)
            docbin.to_disk(temp)
        else:
            with temp.open("w", encoding="utf8") as out:
                if resume and output.exists():
                    done = existing_ids(output)
                    with output.open(encoding="utf8") as previous:
                        shutil.copyfileobj(previous, out)
                    letters = (letter for letter in letters if letter.id not in done)
                records = iter_records(
                    nlp, letters, n_process=n_process, batch_size=batch_size, include_text=include_text, model=model
                )
                for record in records:
                    summary.add(record)
                    if on_record:
                        on_record(record)
                    out.write(srsly.json_dumps(record) + "\n")
        temp.replace(output)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(output, 0o666 & ~umask)  # mkstemp's 0600 is not what users expect of an output file
    finally:
        if temp.exists():
            temp.unlink()
    return summary


def parse_shard(value: str) -> Tuple[int, int]:
    """`"K/N"` -> (K, N), with 1 <= K <= N."""
    try:
        k, n = (int(part) for part in value.split("/"))
    except ValueError:
        raise ValueError(f"--shard expects K/N (e.g. 2/8), got {value!r}") from None
    if not 1 <= k <= n:
        raise ValueError(f"--shard K/N needs 1 <= K <= N, got {value!r}")
    return k, n


def in_shard(letter_id: str, k: int, n: int) -> bool:
    """Deterministic shard membership from the id alone (CRC-32), so machines need no coordination."""
    return zlib.crc32(letter_id.encode("utf8")) % n == k - 1
