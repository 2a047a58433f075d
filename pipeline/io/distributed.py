"""Annotating on a Dask cluster: `imr annotate ... --dask local` or `--dask tcp://HOST:8786`.

The letters are cut into partitions (in input order, `partition_size` letters
each). Every worker loads the pipeline once (a `WorkerPlugin`), reads the
letter files of a partition itself (so the files must be at the same path on
every machine: shared storage) and returns the partition's records; JSONL and
stdin letters travel with their text. Each finished partition is written at
once (`PartitionedRecordWriter`): a killed run keeps every finished partition
and `--resume` never redoes one; at the end the records are merged into input
order, so the output is the same as a local run's. A partition whose worker
dies repeatedly (Dask's `KilledWorker`) is redone letter by letter, and the
letter that kills workers becomes an error record.
"""
import logging
from pathlib import Path
from typing import Any, Callable, Dict, Iterable, Iterator, List, Optional, Tuple

import dask
from distributed.diagnostics.plugin import WorkerPlugin
from spacy.language import Language

from .annotate import DEFAULT_MAX_LENGTH, DEFAULT_TIMEOUT, Interrupted, Summary, annotate_batch, failed_record, prepare, raise_if_stop_requested
from .inputs import Letter
from .output import PartitionedRecordWriter, encode_record

PLUGIN_NAME = "imr-pipeline"
DEFAULT_PARTITION_SIZE = 64
# The workers of `--dask local` run without Dask's statistical profiler, which samples the
# task's stack every 10 ms (its dashboard is off too: `dashboard_address=None`), and check
# that their event loop is responsive every second instead of every 20 ms: each wake-up takes
# the GIL from the pipeline. (6,000 letters: 160 -> 153 CPU seconds in one pair of runs.)
LOCAL_WORKER_CONFIG = {"distributed.worker.profile.enabled": False, "distributed.admin.tick.interval": "1s"}
WORKER_DIED = "worker process died while annotating this letter (killed by the system, or out of memory)"


class PipelinePlugin(WorkerPlugin):
    """A Dask worker plugin: the pipeline, loaded once per worker process."""

    name = PLUGIN_NAME

    def __init__(self, model: Optional[str], max_length: int) -> None:
        self.model = model
        self.max_length = max_length
        self.nlp: Optional[Language] = None

    def setup(self, worker: Any) -> None:
        from .. import load

        self.nlp = prepare(load(self.model), self.max_length)


def annotate_partition(letters: List[Letter], timeout: Optional[float], include_text: Optional[bool]) -> List[Tuple[bytes, Dict[str, Any]]]:
    """A Dask task: (JSON line, digest) of each record of one partition, read and annotated on
    the worker. The worker encodes the records, so the client only writes bytes."""
    from distributed import get_worker

    nlp = get_worker().plugins[PLUGIN_NAME].nlp
    results = annotate_batch(nlp, letters, timeout=timeout, include_text=include_text, max_length=nlp.max_length)
    return [encoded(record) for _, record, _ in results]


def encoded(record: Dict[str, Any]) -> Tuple[bytes, Dict[str, Any]]:
    """A record's JSON line and its digest: what the run summary and the progress line read."""
    digest = {key: record[key] for key in ("id", "source", "error", "warnings") if key in record}
    digest["decisions"] = [{"outcome": d.get("outcome")} for d in record.get("decisions", [])]
    digest["entities"] = [{"label": e["label"]} for e in record.get("entities", [])]
    return encode_record(record), digest


def connect(address: str, n_process: int) -> Tuple[Any, Any]:
    """(client, cluster): a LocalCluster of `n_process` single-threaded worker processes for
    "local", else a client of the running scheduler at `address` (cluster None)."""
    from distributed import Client, LocalCluster

    if address == "local":
        with dask.config.set(LOCAL_WORKER_CONFIG):
            cluster = LocalCluster(
                n_workers=n_process, threads_per_worker=1, processes=True, dashboard_address=None, silence_logs=logging.ERROR
            )
        return Client(cluster), cluster
    return Client(address), None


def partitions(letters: Iterable[Letter], size: int, done_positions: set, done_ids: set) -> Iterator[Tuple[List[int], List[Letter]]]:
    """(positions, letters) of consecutive letters not done yet, `size` at a time."""
    positions: List[int] = []
    batch: List[Letter] = []
    for position, letter in enumerate(letters):
        if position in done_positions or letter.id in done_ids:
            continue
        positions.append(position)
        batch.append(letter)
        if len(batch) == size:
            yield positions, batch
            positions, batch = [], []
    if batch:
        yield positions, batch


def annotate_with_dask(
    letters: Iterable[Letter],
    output: Path,
    *,
    address: str = "local",
    n_process: int = 1,
    partition_size: int = DEFAULT_PARTITION_SIZE,
    include_text: Optional[bool] = False,
    on_record: Optional[Callable[[Dict[str, Any]], None]] = None,
    resume: bool = False,
    overwrite: bool = False,
    model: Optional[str] = None,
    timeout: Optional[float] = DEFAULT_TIMEOUT,
    max_length: int = DEFAULT_MAX_LENGTH,
) -> Summary:
    """Annotate `letters` into the JSONL `output` on a Dask cluster (see module docstring).

    Letters should come from `iter_letters(..., defer_files=True)`, so that workers
    read the files. Raises `Interrupted` on Ctrl-C / SIGTERM (finished partitions kept).
    """
    from distributed import as_completed
    from distributed.client import FutureCancelledError
    from distributed.scheduler import KilledWorker

    writer = PartitionedRecordWriter(output, resume=resume, overwrite=overwrite)
    summary = Summary(resumed=writer.kept)
    client = cluster = None
    try:
        client, cluster = connect(address, n_process)
        client.register_plugin(PipelinePlugin(model, max_length), name=PLUGIN_NAME)
        window = 2 * max(1, len(client.scheduler_info().get("workers", {})) or n_process)
        todo = partitions(letters, partition_size, writer.done_positions, writer.done)
        running = as_completed()
        pending: Dict[Any, Tuple[List[int], List[Letter]]] = {}

        def submit(positions: List[int], batch: List[Letter]) -> None:
            future = client.submit(annotate_partition, batch, timeout, include_text, pure=False)
            pending[future] = (positions, batch)
            running.add(future)

        def finished(positions: List[int], results: List[Tuple[bytes, Dict[str, Any]]]) -> None:
            writer.write_partition(positions, [line for line, _ in results])
            for _, digest in results:
                summary.add(digest)
                if on_record:
                    on_record(digest)

        for positions, batch in todo:
            submit(positions, batch)
            if len(pending) >= window:
                break
        for future in running:
            positions, batch = pending.pop(future)
            try:
                records = future.result()
            except (KilledWorker, FutureCancelledError):
                records = redo_letter_by_letter(client, batch, timeout, include_text)
            finished(positions, records)
            raise_if_stop_requested()
            refill = next(todo, None)
            if refill is not None:
                submit(*refill)
        raise_if_stop_requested()
        writer.finish()
    except KeyboardInterrupt as interrupt:
        stop = interrupt if isinstance(interrupt, Interrupted) else Interrupted()
        stop.kept = writer.kept + writer.written
        stop.partial = writer.partial
        writer.close()
        raise stop from None
    except BaseException:
        writer.close()
        raise
    finally:
        for resource in (client, cluster):
            if resource is not None:
                resource.close()
    return summary


def redo_letter_by_letter(client: Any, batch: List[Letter], timeout: Optional[float], include_text: Optional[bool]) -> List[Tuple[bytes, Dict[str, Any]]]:
    """After workers died on a partition: each letter as its own task; the one that kills them is an error record."""
    from distributed.scheduler import KilledWorker

    records = []
    for letter in batch:
        try:
            records.extend(client.submit(annotate_partition, [letter], timeout, include_text, pure=False).result())
        except KilledWorker:
            records.append(encoded(failed_record(letter, WORKER_DIED)))
    return records


__all__ = ["annotate_with_dask", "PipelinePlugin", "annotate_partition", "DEFAULT_PARTITION_SIZE"]
