"""Crash-safe outputs of `imr annotate`: JSONL records and spaCy DocBins.

A run writes to a partial file next to its output (`OUT.jsonl.part`, visible,
readable while the run goes on), appending and flushing each finished batch,
and renames it to `OUT.jsonl` at the end. The partial is locked (`flock`), so a
second run writing the same output is refused instead of racing. A run that is
killed leaves the partial; `--resume` continues it (a torn last line is cut)
and no other partial file is ever created for that output.

DocBins: `OUT.spacy` is one DocBin file (built in memory: for small sets);
`OUT.spacy/` is a folder of DocBin shards of at most `shard_size` docs, each
written whole (temporary name, then rename) and listed in
`OUT.spacy/manifest.jsonl` with the ids it holds and the letters that failed,
so memory stays flat at any corpus size and `--resume` skips finished shards.
`spacy train` reads the folder as a corpus.
"""
import errno
import fcntl
import os
import re
import time
from pathlib import Path
from typing import Any, Dict, Iterable, List, Optional, Set

import srsly
from spacy.tokens import Doc, DocBin

PARTIAL_SUFFIX = ".part"
MANIFEST = "manifest.jsonl"
ID_AT_LINE_START_RE = re.compile(rb'^\{"schema":"[^"]*","id":("(?:[^"\\]|\\.)*")')
FSYNC_SECONDS = 10.0


class OutputError(Exception):
    """The output cannot be written as asked (busy, stale partial, bad path). Exit code 2."""


def partial_path(output: Path) -> Path:
    return output.with_name(output.name + PARTIAL_SUFFIX)


def is_docbin_folder(output: Path, shard_size: Optional[int] = None) -> bool:
    """`OUT.spacy/` (trailing slash, an existing folder, or a shard size given) is a folder of shards."""
    return output.suffix == ".spacy" and (str(output).endswith(os.sep) or output.is_dir() or shard_size is not None)


def open_locked(path: Path) -> int:
    """Open (creating) `path` for appending and lock it; OutputError when another run holds it."""
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_APPEND, 0o666)
    except OSError as err:
        raise OutputError(f"cannot write {path}: {err.strerror or err}") from None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        raise OutputError(f"another imr annotate is writing {path}: wait for it, or choose another output") from None
    return fd


def refuse_finished_output(output: Path, overwrite: bool, resumable: bool = True) -> None:
    """A finished output of an earlier run is replaced only when asked (`overwrite`): OutputError.

    With `overwrite`, the output is replaced when the new run finishes, so a run
    that is killed leaves the earlier output as it was.
    """
    if overwrite or not output.exists():
        return
    resume = "--resume to add the letters it lacks, " if resumable else ""
    raise OutputError(
        f"{output} exists (the output of an earlier run): add {resume}--overwrite to replace it, or choose another output"
    )


def write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


class RecordWriter:
    """Append `imr/1` records to `OUT.part`, then rename it to `OUT` (see module docstring).

    resume: continue an interrupted run (its partial, else a finished output);
    retry_errors: with resume, drop error records so their letters are read again;
    overwrite: replace a finished output when this run finishes (with resume, only
    the partial of an interrupted run is continued).
    """

    def __init__(self, output: Path, *, resume: bool = False, retry_errors: bool = False, overwrite: bool = False) -> None:
        self.output = Path(output)
        self.partial = partial_path(self.output)
        self.done: Set[str] = set()
        self.kept = 0
        self.written = 0
        self.last_sync = time.monotonic()
        if not resume:
            refuse_finished_output(self.output, overwrite)
        self.fd = open_locked(self.partial)
        try:
            self._prepare(resume, retry_errors, overwrite)
        except BaseException:
            os.close(self.fd)
            raise

    def _prepare(self, resume: bool, retry_errors: bool, overwrite: bool) -> None:
        size = os.fstat(self.fd).st_size
        if not resume:
            if size:
                raise OutputError(
                    f"{self.partial} holds the records of an interrupted run: add --resume to continue it, "
                    "or delete it to start over"
                )
            return
        if not size and self.output.exists() and not overwrite:  # a finished output: continue it in place of the partial
            os.replace(self.output, self.partial)
            os.close(self.fd)
            self.fd = open_locked(self.partial)
        self.done, self.kept = scan_records(self.fd, retry_errors)

    def write(self, records: Iterable[Dict[str, Any]]) -> None:
        data = b"".join(srsly.json_dumps(record).encode("utf8") + b"\n" for record in records)
        write_all(self.fd, data)
        self.written += data.count(b"\n")
        if time.monotonic() - self.last_sync > FSYNC_SECONDS:
            os.fsync(self.fd)
            self.last_sync = time.monotonic()

    def finish(self) -> None:
        """Make the output whole: sync, rename the partial to the output, release the lock."""
        os.fsync(self.fd)
        os.replace(self.partial, self.output)
        self.close()

    def close(self) -> None:
        """Stop writing, keeping the partial for `--resume` (an empty one is removed)."""
        if self.fd >= 0:
            if not os.fstat(self.fd).st_size:
                self.partial.unlink(missing_ok=True)
            os.close(self.fd)
            self.fd = -1


def scan_records(fd: int, drop_errors: bool = False) -> "tuple[Set[str], int]":
    """Ids of the complete records of a partial file; cuts a torn last line.

    Only the id at the head of each line is read (records are written with
    "schema" then "id" first), so resuming a run of a million letters is a
    sequential read. With `drop_errors`, error records are removed (rewritten).
    """
    done: Set[str] = set()
    good_end = 0
    kept: List[bytes] = []
    offset = 0
    with os.fdopen(os.dup(fd), "rb") as handle:
        handle.seek(0)
        for line in handle:
            if not line.endswith(b"\n"):
                break
            letter_id = record_id(line)
            if letter_id is None:
                break
            if drop_errors:
                if b'"error":' in line and "error" in srsly.json_loads(line):
                    offset += len(line)
                    continue
                kept.append(line)
            done.add(letter_id)
            offset += len(line)
            good_end = offset
    if drop_errors:
        os.ftruncate(fd, 0)
        write_all(fd, b"".join(kept))
    elif good_end < os.fstat(fd).st_size:
        os.ftruncate(fd, good_end)
    return done, len(done)


def record_id(line: bytes) -> Optional[str]:
    """The id of one JSONL record line, or None when the line is not a whole record."""
    head = ID_AT_LINE_START_RE.match(line)
    if head is not None:
        return srsly.json_loads(head.group(1))
    try:
        record = srsly.json_loads(line)
    except ValueError:
        return None
    return str(record["id"]) if isinstance(record, dict) and "id" in record else None


class DocBinWriter:
    """One DocBin file (`OUT.spacy`), built in memory and written at the end; ids in a manifest beside it.

    overwrite: replace a finished `OUT.spacy` (when this run finishes).
    """

    def __init__(self, output: Path, *, overwrite: bool = False) -> None:
        self.output = Path(output)
        self.partial = partial_path(self.output)
        refuse_finished_output(self.output, overwrite, resumable=False)
        self.fd = open_locked(self.partial)
        self.docbin = DocBin(store_user_data=True)
        self.entries: List[Dict[str, Any]] = []
        self.done: Set[str] = set()
        self.kept = 0
        self.written = 0

    def add(self, record: Dict[str, Any], doc: Optional[Doc]) -> None:
        self.written += 1
        if doc is not None:
            self.docbin.add(doc)
            self.entries.append({"id": record["id"], "source": record.get("source")})
        else:
            self.entries.append({"id": record["id"], "source": record.get("source"), "error": record.get("error")})

    def finish(self) -> None:
        data = self.docbin.to_bytes()
        os.ftruncate(self.fd, 0)
        write_all(self.fd, data)
        os.fsync(self.fd)
        srsly.write_jsonl(manifest_path(self.output), self.entries)
        os.replace(self.partial, self.output)
        self.close()

    def close(self) -> None:
        if self.fd >= 0:
            self.partial.unlink(missing_ok=True)  # only whole DocBins are kept
            os.close(self.fd)
            self.fd = -1


def manifest_path(output: Path) -> Path:
    """The list of letters in a DocBin: `OUT.spacy/manifest.jsonl` or `OUT.manifest.jsonl`."""
    return output / MANIFEST if output.is_dir() else output.with_suffix(".manifest.jsonl")


# Docs per DocBin shard: a DocBin holds each doc's token attributes uncompressed until it is
# written (about 0.6 MB for a letter), so a shard of 200 letters keeps a run near 300 MB.
DOCBIN_SHARD_SIZE = 200


class DocBinShardWriter:
    """A folder of DocBin shards (`OUT.spacy/000001.spacy`, ...) with a manifest (see module docstring).

    resume: keep the shards listed in the manifest and skip their ids;
    overwrite: without resume, delete them first (a folder is not replaced whole).
    """

    def __init__(
        self, output: Path, *, shard_size: int = DOCBIN_SHARD_SIZE, resume: bool = False, overwrite: bool = False
    ) -> None:
        self.output = Path(output)
        self.shard_size = shard_size
        try:
            self.output.mkdir(parents=True, exist_ok=True)
        except OSError as err:
            raise OutputError(f"cannot create {self.output}: {err.strerror or err}") from None
        self.manifest = self.output / MANIFEST
        self.fd = open_locked(self.manifest)
        self.done: Set[str] = set()
        self.shards = 0
        self.kept = 0
        self.written = 0
        listed = []
        for line in os.fdopen(os.dup(self.fd), "rb"):
            if line.endswith(b"\n"):
                listed.append(srsly.json_loads(line))
        if listed and not resume:
            if not overwrite:
                os.close(self.fd)
                raise OutputError(
                    f"{self.output} already holds {len(listed)} shard(s): add --resume to continue, "
                    "--overwrite to replace them, or choose another output"
                )
            os.ftruncate(self.fd, 0)
            listed = []  # the shards are deleted below, as a killed run's unlisted ones are
        for entry in listed:
            self.done.update(entry["ids"])
            self.done.update(e["id"] for e in entry.get("errors", []))
        self.kept = len(self.done)
        self.shards = len(listed)
        for orphan in self.output.glob("*.spacy*"):  # written after the last manifest line: redone
            if orphan.name not in {entry["shard"] for entry in listed}:
                orphan.unlink()
        self.pending = DocBin(store_user_data=True)
        self.pending_ids: List[str] = []
        self.pending_errors: List[Dict[str, Any]] = []

    def add(self, record: Dict[str, Any], doc: Optional[Doc]) -> None:
        self.written += 1
        if doc is None:
            self.pending_errors.append({"id": record["id"], "source": record.get("source"), "error": record.get("error")})
        else:
            self.pending.add(doc)
            self.pending_ids.append(record["id"])
        if len(self.pending_ids) + len(self.pending_errors) >= self.shard_size:
            self.flush()

    def flush(self) -> None:
        if not self.pending_ids and not self.pending_errors:
            return
        self.shards += 1
        name = f"{self.shards:06d}.spacy"
        temp = self.output / (name + PARTIAL_SUFFIX)
        self.pending.to_disk(temp)
        os.replace(temp, self.output / name)
        entry = {"shard": name, "ids": self.pending_ids, "errors": self.pending_errors}
        write_all(self.fd, srsly.json_dumps(entry).encode("utf8") + b"\n")
        os.fsync(self.fd)
        self.pending = DocBin(store_user_data=True)
        self.pending_ids, self.pending_errors = [], []

    def finish(self) -> None:
        self.flush()
        self.close()

    def close(self) -> None:
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1


def is_disk_full(err: OSError) -> bool:
    return err.errno in (errno.ENOSPC, errno.EDQUOT)


def encode_record(record: Dict[str, Any]) -> bytes:
    """One record as a JSON line (UTF-8, newline-terminated)."""
    return srsly.json_dumps(record).encode("utf8") + b"\n"


class PartitionedRecordWriter:
    """Records of partitions that finish in any order (a distributed run), merged into
    input order when the run is complete.

    Each finished partition is appended to `OUT.part` as one block and listed in
    `OUT.part.index` (the input positions of its records, their offsets and
    lengths), both synced before the next, so a killed run keeps every finished
    partition and `--resume` never redoes one. A partial without an index (left by
    a local run) or a finished output given to `--resume` counts as a prefix of
    the input, and its ids are skipped. `finish` writes the records in input order
    to `OUT` and removes the partial and its index.
    """

    def __init__(self, output: Path, *, resume: bool = False, overwrite: bool = False) -> None:
        self.output = Path(output)
        self.partial = partial_path(self.output)
        self.index_path = self.partial.with_name(self.partial.name + ".index")
        if not resume:
            refuse_finished_output(self.output, overwrite)
        self.fd = open_locked(self.partial)
        self.entries: List[tuple] = []  # (position, offset, length); position -1 for a prefix without positions
        self.done: Set[str] = set()
        self.done_positions: Set[int] = set()
        self.kept = 0
        self.written = 0
        try:
            self._prepare(resume, overwrite)
        except BaseException:
            os.close(self.fd)
            raise
        self.index = open(self.index_path, "a", encoding="utf8")

    def _prepare(self, resume: bool, overwrite: bool) -> None:
        size = os.fstat(self.fd).st_size
        indexed = self.index_path.exists() and self.index_path.stat().st_size > 0
        if not resume:
            if size or indexed:
                raise OutputError(
                    f"{self.partial} holds the records of an interrupted run: add --resume to continue it, "
                    "or delete it (and its .index) to start over"
                )
            return
        if not size and self.output.exists() and not overwrite:  # (with overwrite, it is what the run replaces)
            os.replace(self.output, self.partial)
            os.close(self.fd)
            self.fd = open_locked(self.partial)
            size = os.fstat(self.fd).st_size
        if not indexed:  # a prefix of the input written in order: skipped by id
            self.done, self.kept = scan_records(self.fd)
            offset = 0
            with os.fdopen(os.dup(self.fd), "rb") as handle:
                handle.seek(0)
                for line in handle:
                    self.entries.append((-1, offset, len(line)))
                    offset += len(line)
            return
        valid_end = 0
        good_lines = []
        with self.index_path.open("rb") as index:
            for line in index:
                if not line.endswith(b"\n"):
                    break
                block = srsly.json_loads(line)
                end = block["offset"] + sum(block["lengths"])
                if end > size:
                    break
                good_lines.append(line)
                offset = block["offset"]
                for position, length in zip(block["positions"], block["lengths"]):
                    self.entries.append((position, offset, length))
                    self.done_positions.add(position)
                    offset += length
                valid_end = max(valid_end, end)
        os.ftruncate(self.fd, valid_end)  # a block written after the last index line is redone
        self.index_path.write_bytes(b"".join(good_lines))
        self.kept = len(self.entries)

    def write_partition(self, positions: List[int], lines: List[bytes]) -> None:
        """Append one partition's records, JSON lines as `encode_record` writes them."""
        offset = os.fstat(self.fd).st_size
        write_all(self.fd, b"".join(lines))
        os.fsync(self.fd)
        lengths = [len(line) for line in lines]
        self.index.write(srsly.json_dumps({"positions": positions, "offset": offset, "lengths": lengths}) + "\n")
        self.index.flush()
        os.fsync(self.index.fileno())
        self.entries.extend((position, start, length) for position, start, length in zip(positions, accumulate(offset, lengths), lengths))
        self.written += len(lines)

    def finish(self) -> None:
        """Write the records in input order to the output; remove the partial and its index."""
        merged = self.output.with_name(self.output.name + ".merge" + PARTIAL_SUFFIX)
        order = sorted(range(len(self.entries)), key=lambda i: (self.entries[i][0], i))
        with os.fdopen(os.dup(self.fd), "rb") as source, merged.open("wb") as target:
            for i in order:
                _, offset, length = self.entries[i]
                source.seek(offset)
                target.write(source.read(length))
            target.flush()
            os.fsync(target.fileno())
        os.replace(merged, self.output)
        self.index.close()
        self.index_path.unlink(missing_ok=True)
        self.partial.unlink(missing_ok=True)
        self.close()

    def close(self) -> None:
        """Stop writing, keeping the partial and its index for `--resume` (empty ones are removed)."""
        if not self.index.closed:
            self.index.close()
        if self.fd >= 0:
            if not os.fstat(self.fd).st_size:
                self.partial.unlink(missing_ok=True)
                self.index_path.unlink(missing_ok=True)
            os.close(self.fd)
            self.fd = -1


def accumulate(start: int, lengths: List[int]) -> List[int]:
    """The offsets of consecutive records of `lengths` bytes starting at `start`."""
    offsets = []
    for length in lengths:
        offsets.append(start)
        start += length
    return offsets
