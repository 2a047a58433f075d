"""`imr annotate --dask`: a real LocalCluster (worker processes), records identical to a local run,
and a killed distributed run that resumes without redoing a finished partition."""
import shutil
import signal
import subprocess
import sys
import time

import pytest
import srsly

from .conftest import CORPUS, letter_path

pytest.importorskip("distributed")
DEV = CORPUS / "dev"


def imr(*args):
    return [sys.executable, "-m", "imr", "annotate", *map(str, args)]


@pytest.fixture(scope="module")
def letters(tmp_path_factory):
    folder = tmp_path_factory.mktemp("dask-letters")
    for path in sorted(DEV.glob("*.txt"))[:14]:
        shutil.copy(path, folder)
    shutil.copy(DEV / "CM16-0219557.pdf", folder / "from-pdf.pdf")
    shutil.copy(letter_path("000_be903013f77bdc94"), folder / "seed.txt")
    (folder / "empty.txt").write_bytes(b"")
    line = srsly.json_dumps({"id": "db-1", "text": letter_path("003_3e488eb9c02fab83").read_text(encoding="utf8"), "claim": "X1"})
    (folder / "batch.jsonl").write_text(line + "\n{not json\n", encoding="utf8")
    return folder


@pytest.fixture(scope="module")
def reference(letters, tmp_path_factory):
    out = tmp_path_factory.mktemp("dask-reference") / "local.jsonl"
    assert subprocess.run(imr(letters, "-o", out, "-q")).returncode == 1  # the empty file and the bad JSONL line
    return out.read_bytes()


def test_dask_local_cluster_gives_the_local_records(letters, reference, tmp_path):
    out = tmp_path / "dask.jsonl"
    result = subprocess.run(imr(letters, "-o", out, "-q", "--dask", "local", "-n", "2", "--partition-size", "3"), capture_output=True, text=True)
    assert result.returncode == 1, result.stderr
    assert out.read_bytes() == reference
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dask.jsonl"]
    records = list(srsly.read_jsonl(out))
    assert len(records) == 19 and [r["id"] for r in records if r.get("error")] == ["batch:2", "empty"]


def test_killed_dask_run_resumes_without_redoing_partitions(letters, reference, tmp_path):
    out = tmp_path / "dask.jsonl"
    index = tmp_path / "dask.jsonl.part.index"
    run = subprocess.Popen(imr(letters, "-o", out, "-q", "--dask", "local", "-n", "2", "--partition-size", "2"), stderr=subprocess.PIPE)
    started = time.monotonic()
    while not (index.exists() and index.read_bytes().count(b"\n") >= 2):
        assert run.poll() is None and time.monotonic() - started < 120, "no partition finished"
        time.sleep(0.05)
    run.send_signal(signal.SIGKILL)
    run.wait(timeout=30)
    finished = [srsly.json_loads(line) for line in index.read_text(encoding="utf8").splitlines()]
    done_positions = {p for block in finished for p in block["positions"]}
    assert done_positions and not out.exists()
    resumed = subprocess.run(
        imr(letters, "-o", out, "--dask", "local", "-n", "2", "--partition-size", "2", "--resume"), capture_output=True, text=True
    )
    assert resumed.returncode == 1, resumed.stderr
    kept = resumed.stdout.splitlines()[0]
    assert kept.startswith("kept from before") and int(kept.split()[-1]) == len(done_positions)
    assert out.read_bytes() == reference
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dask.jsonl"]


def worker_settings():
    import dask

    return dask.config.get("distributed.worker.profile.enabled"), dask.config.get("distributed.admin.tick.interval")


def test_local_workers_run_without_the_profiler():
    from imr.io.distributed import connect

    client, cluster = connect("local", 1)
    try:
        assert list(client.run(worker_settings).values()) == [(False, "1s")]
    finally:
        client.close()
        cluster.close()
