"""Annotate letters into `imr/1` JSONL records or spaCy DocBins, streaming and crash-safe.

Each batch of letters goes through `nlp.pipe`; when anything in a batch fails
(an exception in a component, a letter past its time limit), the batch is
annotated again letter by letter, so the failure becomes that one letter's
error record with a one-line reason and every other letter is annotated.
With `n_process > 1`, batches go to worker processes that load the pipeline
once and return finished records; a worker that dies (killed, out of memory)
is replaced and the letter that killed it gets an error record. In one
process, a spare core reads the next batch's PDFs meanwhile (`imr.io.read_ahead`).
Records are written in input order by the writers of `imr.io.output`.
"""
import os
import signal
import threading
import zlib
from collections import Counter, deque
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Deque, Dict, Iterable, Iterator, List, Optional, Tuple

from spacy.language import Language
from spacy.tokens import Doc, DocBin

from ..components import extensions  # noqa: F401  (registers the imr_* attributes)
from .inputs import Letter
from .processes import child_setup, process_context, stop_pool
from .read_ahead import read_ahead, read_batch
from .output import DOCBIN_SHARD_SIZE, DocBinShardWriter, DocBinWriter, OutputError, RecordWriter, is_disk_full, is_docbin_folder
from .record import PAGE_STARTS_KEY, doc_to_record, error_record

DEFAULT_TIMEOUT = 60.0
# Letters longer than this are refused (error record): an IMR letter is 3,000-60,000 characters;
# a Doc of 5 million characters takes about 1 GB while it is annotated.
DEFAULT_MAX_LENGTH = 5_000_000
Result = Tuple[Letter, Dict[str, Any], Optional[Doc]]


class LetterTimeout(Exception):
    """A letter ran past the time limit."""


class ComponentError(Exception):
    """A pipeline component failed on a letter; the message names it."""


class Interrupted(KeyboardInterrupt):
    """The run was stopped (Ctrl-C or SIGTERM); what was finished is kept."""

    def __init__(self, signal_number: int = signal.SIGINT) -> None:
        super().__init__()
        self.signal_number = signal_number
        self.kept = 0
        self.partial: Optional[Path] = None


# The signal of a stop request (Ctrl-C, SIGTERM) of the run in progress, or None.
requested_stop: Optional[int] = None


def request_stop(signum: int, frame: Any = None) -> None:
    """Signal handler: stop the run by raising `Interrupted`. The signal is also
    remembered, because Python drops an exception raised while it runs a finalizer
    (a weakref callback, a `__del__`); the run loops then stop at the next batch
    (`raise_if_stop_requested`), so a Ctrl-C is never lost.
    """
    global requested_stop
    requested_stop = signum
    raise Interrupted(signum)


def raise_if_stop_requested() -> None:
    """Raise `Interrupted` if a stop was requested and its exception was dropped."""
    if requested_stop is not None:
        raise Interrupted(requested_stop)


@contextmanager
def stop_on_signals(signals: Tuple[int, ...] = (signal.SIGINT, signal.SIGTERM)) -> Iterator[None]:
    """Within the block, `signals` stop the run (`request_stop`); handlers restored after."""
    global requested_stop
    requested_stop = None
    previous = {sig: signal.signal(sig, request_stop) for sig in signals}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        requested_stop = None


@dataclass
class Summary:
    """Counts of one annotation run."""

    letters: int = 0
    errors: int = 0
    warnings: int = 0
    resumed: int = 0
    decisions: int = 0
    outcomes: Counter = field(default_factory=Counter)
    entities: Counter = field(default_factory=Counter)
    failed: list = field(default_factory=list)

    def add(self, record: Dict[str, Any]) -> None:
        self.letters += 1
        self.warnings += bool(record.get("warnings"))
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
        if self.resumed:
            rows.insert(0, ("kept from before", self.resumed))
        if self.warnings:
            rows.insert(2, ("with warnings", self.warnings))
        rows += [(f"entities {label}", count) for label, count in sorted(self.entities.items())]
        width = max(len(name) for name, _ in rows)
        return "\n".join(f"{name:<{width}}  {count:>7}" for name, count in rows)


def output_path(output: Path) -> Path:
    """`OUT` -> `OUT.jsonl` unless it already ends in `.jsonl` or `.spacy`."""
    output = Path(output)
    if output.suffix in (".jsonl", ".spacy"):
        return output
    return output.with_name(output.name + ".jsonl")


# -- one letter, one batch ------------------------------------------------------


@contextmanager
def deadline(seconds: Optional[float]) -> Iterator[None]:
    """Raise `LetterTimeout` in the block after `seconds`: by SIGALRM in a main thread
    (interrupts long regex matches too); in other threads (Dask workers) by an
    asynchronous exception, which Python raises at its next bytecode."""
    if not seconds:
        yield
        return
    if threading.current_thread() is not threading.main_thread():
        with thread_deadline(seconds):
            yield
        return

    def expired(signum: int, frame: Any) -> None:
        raise LetterTimeout()

    previous = signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


@contextmanager
def thread_deadline(seconds: float) -> Iterator[None]:
    import ctypes

    thread_id = ctypes.c_ulong(threading.get_ident())
    expired = threading.Event()
    lock = threading.Lock()
    active = True

    def expire() -> None:
        with lock:
            if active:
                expired.set()
                ctypes.pythonapi.PyThreadState_SetAsyncExc(thread_id, ctypes.py_object(LetterTimeout))

    timer = threading.Timer(seconds, expire)
    timer.daemon = True
    timer.start()
    try:
        yield
    finally:
        with lock:
            active = False
            timer.cancel()
            if expired.is_set():  # delivered, or about to be: clear a pending one
                ctypes.pythonapi.PyThreadState_SetAsyncExc(thread_id, None)


def one_line(err: BaseException) -> str:
    message = " ".join(str(err).split())
    message = f"{type(err).__name__}: {message}" if message else type(err).__name__
    return message if len(message) <= 300 else message[:297] + "..."


def run_pipeline(nlp: Language, text: str) -> Doc:
    """`nlp(text)`, naming the component in the error when one fails."""
    doc = nlp.make_doc(text)
    for name, proc in nlp.pipeline:
        try:
            doc = proc(doc)
        except LetterTimeout:
            raise
        except Exception as err:
            raise ComponentError(f"{name} failed: {one_line(err)}") from err
    return doc


def letter_record(letter: Letter, doc: Optional[Doc], include_text: Optional[bool] = False) -> Dict[str, Any]:
    """The JSON record of one letter (an error record when it could not be read).

    include_text: copy the letter's text into the record; None means "for PDFs
    only", whose text the user does not otherwise have.
    """
    extra: Dict[str, Any] = {"meta": letter.meta} if letter.meta else {}
    if letter.warnings:
        extra["warnings"] = list(letter.warnings)
    if doc is None:
        return error_record(letter.id, letter.source, letter.error or "unknown error", **extra)
    if letter.page_starts is not None:
        doc.user_data[PAGE_STARTS_KEY] = list(letter.page_starts)
    doc.user_data["imr_id"] = letter.id
    record = doc_to_record(doc, letter.id, letter.source, **extra)
    if include_text if include_text is not None else letter.kind == "pdf":
        record["text"] = letter.text
    return record


def failed_record(letter: Letter, reason: str) -> Dict[str, Any]:
    letter.error = reason
    return letter_record(letter, None)


def annotate_one(nlp: Language, letter: Letter, *, timeout: Optional[float], include_text: Optional[bool]) -> Result:
    """One letter through the pipeline; any failure is its error record."""
    if letter.error is not None:
        return letter, letter_record(letter, None), None
    try:
        with deadline(timeout):
            doc = run_pipeline(nlp, letter.text or "")
            record = letter_record(letter, doc, include_text)
    except LetterTimeout:
        return letter, failed_record(letter, f"timed out: annotating took longer than {timeout:g} s (--timeout)"), None
    except Exception as err:
        return letter, failed_record(letter, str(err) if isinstance(err, ComponentError) else f"annotation failed: {one_line(err)}"), None
    return letter, record, doc


def annotate_batch(
    nlp: Language,
    letters: List[Letter],
    *,
    timeout: Optional[float] = DEFAULT_TIMEOUT,
    include_text: Optional[bool] = False,
    max_length: int = DEFAULT_MAX_LENGTH,
) -> List[Result]:
    """(letter, record, doc or None) for each letter, in order: `nlp.pipe` over the
    batch, or letter by letter when anything in the batch fails. Letters longer
    than `max_length` characters become error records."""
    prepare(nlp, max_length)
    letters = read_batch(letters)  # files listed unread (and not read ahead) are read here, in the worker
    for letter in letters:
        if letter.error is None and letter.text is not None and len(letter.text) > nlp.max_length:
            letter.error = f"letter too long: {len(letter.text):,} characters (limit {nlp.max_length:,}, --max-length)"
            letter.text = None
    readable = [letter for letter in letters if letter.error is None]
    try:
        with deadline(timeout):  # the whole batch: a normal batch takes a fraction of a second
            docs = list(nlp.pipe([letter.text for letter in readable], batch_size=max(1, len(readable))))
            by_letter = {id(letter): (letter, letter_record(letter, doc, include_text), doc) for letter, doc in zip(readable, docs)}
    except (Exception, LetterTimeout):
        return [annotate_one(nlp, letter, timeout=timeout, include_text=include_text) for letter in letters]
    return [by_letter.get(id(letter)) or (letter, letter_record(letter, None), None) for letter in letters]


# -- worker processes -------------------------------------------------------------

_WORKER_NLP: Optional[Language] = None


def prepare(nlp: Language, max_length: int = DEFAULT_MAX_LENGTH) -> Language:
    """Allow letters up to `max_length` characters (spaCy's default is 1,000,000)."""
    nlp.max_length = max_length
    return nlp


def _init_worker(model: Optional[str], max_length: int, parent: int) -> None:
    """Worker set-up (`child_setup`); the pipeline is loaded once."""
    global _WORKER_NLP
    child_setup(parent)
    if _WORKER_NLP is None:  # spawned (not forked) workers load their own pipeline
        from .. import load

        _WORKER_NLP = load(model)
    prepare(_WORKER_NLP, max_length)


def _worker_batch(letters: List[Letter], timeout: Optional[float], include_text: Optional[bool], with_docs: bool) -> Tuple[List[Dict[str, Any]], Optional[bytes]]:
    assert _WORKER_NLP is not None
    results = annotate_batch(_WORKER_NLP, letters, timeout=timeout, include_text=include_text, max_length=_WORKER_NLP.max_length)
    docs = DocBin(docs=[doc for _, _, doc in results if doc is not None], store_user_data=True).to_bytes() if with_docs else None
    return [record for _, record, _ in results], docs


class WorkerPool:
    """Worker processes that annotate batches; replaced when one dies."""

    def __init__(self, nlp: Language, n_process: int, model: Optional[str], max_length: int) -> None:
        global _WORKER_NLP
        _WORKER_NLP = nlp  # inherited by forked workers
        self.n_process = n_process
        self.args = (model, max_length, os.getpid())
        self.context = process_context()
        self.executor = self._start()

    def _start(self) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(self.n_process, mp_context=self.context, initializer=_init_worker, initargs=self.args)

    def submit(self, *args: Any) -> "Future[Any]":
        return self.executor.submit(_worker_batch, *args)

    def restart(self) -> None:
        self.stop()
        self.executor = self._start()

    def stop(self) -> None:
        """Stop at once: pending batches are dropped and the workers killed."""
        stop_pool(self.executor)


def batched(items: Iterable[Letter], size: int) -> Iterator[List[Letter]]:
    batch: List[Letter] = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def iter_batches(
    nlp: Language,
    letters: Iterable[Letter],
    *,
    n_process: int = 1,
    batch_size: int = 32,
    include_text: Optional[bool] = False,
    timeout: Optional[float] = DEFAULT_TIMEOUT,
    model: Optional[str] = None,
    max_length: int = DEFAULT_MAX_LENGTH,
    with_docs: bool = False,
) -> Iterator[List[Result]]:
    """Finished batches of (letter, record, doc) in input order.

    With `n_process > 1` at most `2 * n_process` batches are in flight, so memory
    stays flat; docs cross from the workers only when `with_docs` (DocBin output).
    """
    prepare(nlp, max_length)
    if n_process <= 1:
        for batch in read_ahead(batched(letters, batch_size)):
            yield annotate_batch(nlp, batch, timeout=timeout, include_text=include_text, max_length=max_length)
        return
    pool = WorkerPool(nlp, n_process, model, max_length)
    in_flight: Deque[Tuple[List[Letter], "Future[Any]"]] = deque()
    try:
        for batch in batched(letters, batch_size):
            in_flight.append((batch, pool.submit(batch, timeout, include_text, with_docs)))
            if len(in_flight) >= 2 * n_process:
                yield collect(pool, nlp, *in_flight.popleft(), timeout, include_text, with_docs)
        while in_flight:
            yield collect(pool, nlp, *in_flight.popleft(), timeout, include_text, with_docs)
    finally:
        pool.stop()


def collect(
    pool: WorkerPool, nlp: Language, batch: List[Letter], future: "Future[Any]", timeout: Optional[float], include_text: Optional[bool], with_docs: bool
) -> List[Result]:
    """The results of one submitted batch; a dead worker's batch is redone letter by letter."""
    try:
        records, docs = future.result()
    except BrokenProcessPool:
        return redo_letter_by_letter(pool, nlp, batch, timeout, include_text, with_docs)
    return pair_results(nlp, batch, records, docs)


def pair_results(nlp: Language, batch: List[Letter], records: List[Dict[str, Any]], docs: Optional[bytes]) -> List[Result]:
    doc_list = iter(DocBin().from_bytes(docs).get_docs(nlp.vocab)) if docs is not None else None
    results = []
    for letter, record in zip(batch, records):
        doc = next(doc_list) if doc_list is not None and not record.get("error") else None
        results.append((letter, record, doc))
    return results


def redo_letter_by_letter(
    pool: WorkerPool, nlp: Language, batch: List[Letter], timeout: Optional[float], include_text: Optional[bool], with_docs: bool
) -> List[Result]:
    """After a worker died: each letter alone in a fresh pool, so the one that kills it is found."""
    pool.restart()
    results: List[Result] = []
    for letter in batch:
        try:
            records, docs = pool.submit([letter], timeout, include_text, with_docs).result()
            results.extend(pair_results(nlp, [letter], records, docs))
        except BrokenProcessPool:
            pool.restart()
            reason = "worker process died while annotating this letter (killed by the system, or out of memory)"
            results.append((letter, failed_record(letter, reason), None))
    return results


# -- the run -------------------------------------------------------------------


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
    retry_errors: bool = False,
    overwrite: bool = False,
    model: Optional[str] = None,
    timeout: Optional[float] = DEFAULT_TIMEOUT,
    max_length: int = DEFAULT_MAX_LENGTH,
    shard_size: Optional[int] = None,
) -> Summary:
    """Annotate `letters` into `output`: `OUT.jsonl` records, an `OUT.spacy` DocBin,
    or an `OUT.spacy/` folder of DocBin shards (see `imr.io.output`).

    resume: keep what an interrupted (or finished) run wrote and skip those ids;
    retry_errors: with resume, annotate again the letters whose record is an error;
    overwrite: replace the output of an earlier run (refused otherwise).
    Raises `Interrupted` on Ctrl-C / SIGTERM (records of finished batches kept),
    `OutputError` when the output cannot be written as asked.
    """
    output = output_path(Path(output))
    if output.suffix == ".spacy" and not is_docbin_folder(output, shard_size) and resume:
        raise OutputError("--resume needs JSONL output or a DocBin folder (OUT.spacy/)")
    try:
        output.parent.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise OutputError(f"cannot create {output.parent}: {err.strerror or err}") from None
    if output.suffix == ".jsonl":
        writer: Any = RecordWriter(output, resume=resume, retry_errors=retry_errors, overwrite=overwrite)
    elif is_docbin_folder(output, shard_size):
        writer = DocBinShardWriter(output, shard_size=shard_size or DOCBIN_SHARD_SIZE, resume=resume, overwrite=overwrite)
    else:
        writer = DocBinWriter(output, overwrite=overwrite)
    summary = Summary(resumed=writer.kept)
    done = writer.done
    todo = (letter for letter in letters if letter.id not in done) if done else letters
    with_docs = output.suffix == ".spacy"
    try:
        for results in iter_batches(
            nlp, todo, n_process=n_process, batch_size=batch_size, include_text=include_text,
            timeout=timeout, model=model, max_length=max_length, with_docs=with_docs,
        ):
            if with_docs:
                for _, record, doc in results:
                    writer.add(record, doc)
            else:
                writer.write(record for _, record, _ in results)
            for _, record, _ in results:
                summary.add(record)
                if on_record:
                    on_record(record)
            raise_if_stop_requested()
        raise_if_stop_requested()
        writer.finish()
    except KeyboardInterrupt as interrupt:
        stop = interrupt if isinstance(interrupt, Interrupted) else Interrupted()
        stop.kept = writer.kept + writer.written
        stop.partial = getattr(writer, "partial", None)
        writer.close()
        raise stop from None
    except OSError as err:
        kept = writer.kept + writer.written
        writer.close()
        if is_disk_full(err):
            where = getattr(writer, "partial", output)
            raise OutputError(f"disk full writing {where}: {kept:,} records kept; free space, then continue with --resume") from err
        raise
    except BaseException:
        writer.close()
        raise
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


__all__ = ["annotate", "annotate_batch", "iter_batches", "Summary", "Interrupted", "OutputError", "output_path", "stop_on_signals"]
