"""Fault injection with real processes: kills at random points, --resume, concurrent writers, a full disk.

A run over a few hundred letters is killed (SIGKILL, SIGINT, SIGTERM) at a
random moment after it has written its first records, then resumed; the
result must be exactly what an uninterrupted run writes.
"""
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import srsly

from .conftest import CORPUS

LETTERS = 160
RANDOM = random.Random(20261201)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    folder = tmp_path_factory.mktemp("letters")
    sources = sorted((CORPUS / "dev").glob("*.txt"))
    for index in range(LETTERS):
        source = sources[index % len(sources)]
        (folder / f"{index:04d}-{source.stem}.txt").write_bytes(source.read_bytes())
    return folder


def imr(*args, **kwargs):
    return [sys.executable, "-m", "imr", "annotate", *map(str, args)]


@pytest.fixture(scope="module")
def reference(corpus, tmp_path_factory):
    out = tmp_path_factory.mktemp("reference") / "out.jsonl"
    subprocess.run(imr(corpus, "-o", out, "-q", "-b", "8"), check=True)
    return out.read_bytes()


def wait_for_records(partial: Path, process: subprocess.Popen, seconds: float = 60) -> None:
    started = time.monotonic()
    while time.monotonic() - started < seconds:
        if partial.exists() and partial.stat().st_size > 0:
            return
        assert process.poll() is None, "the run ended before it could be interrupted"
        time.sleep(0.05)
    raise AssertionError("no records written")


@pytest.mark.parametrize(
    "sig,n_process,code",
    [(signal.SIGKILL, 1, -9), (signal.SIGINT, 1, 130), (signal.SIGTERM, 2, 143), (signal.SIGKILL, 2, -9)],
)
def test_killed_run_resumes_to_the_uninterrupted_result(corpus, reference, tmp_path, sig, n_process, code):
    out = tmp_path / "out.jsonl"
    partial = tmp_path / "out.jsonl.part"
    run = subprocess.Popen(imr(corpus, "-o", out, "-q", "-b", "8", "-n", n_process), stderr=subprocess.PIPE, text=True)
    wait_for_records(partial, run)
    time.sleep(RANDOM.uniform(0.0, 1.5))
    run.send_signal(sig)
    _, stderr = run.communicate(timeout=60)
    assert run.returncode == code, stderr
    assert "Traceback" not in stderr
    assert not out.exists() and partial.exists()
    kept = partial.read_bytes().count(b"\n")
    assert 0 < kept < LETTERS
    if sig != signal.SIGKILL:
        (line,) = stderr.strip().splitlines()
        assert line.startswith(f"interrupted: kept {kept:,} records in {partial}; continue with: imr annotate ")
        assert line.endswith("--resume")
    resumed = subprocess.run(imr(corpus, "-o", out, "-q", "-b", "8", "--resume"), capture_output=True, text=True)
    assert resumed.returncode == 0, resumed.stderr
    assert out.read_bytes() == reference
    ids = [r["id"] for r in srsly.read_jsonl(out)]
    assert len(ids) == len(set(ids)) == LETTERS
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.jsonl"]


def test_a_second_run_on_the_same_output_is_refused(corpus, reference, tmp_path):
    out = tmp_path / "out.jsonl"
    first = subprocess.Popen(imr(corpus, "-o", out, "-q", "-b", "4"), stderr=subprocess.PIPE, text=True)
    wait_for_records(tmp_path / "out.jsonl.part", first)
    first.send_signal(signal.SIGSTOP)  # still writing when the second starts, however fast the pipeline is
    try:
        second = subprocess.run(imr(corpus, "-o", out, "-q"), capture_output=True, text=True)
    finally:
        first.send_signal(signal.SIGCONT)
    assert second.returncode == 2
    assert second.stderr == f"error: another imr annotate is writing {out}.part: wait for it, or choose another output\n"
    assert first.wait(timeout=120) == 0
    assert out.read_bytes() == reference


def test_a_full_disk_keeps_what_was_written(corpus, reference, tmp_path):
    mount = tmp_path / "small"
    mount.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(mount)], capture_output=True).returncode != 0:
        pytest.skip("mounting a small tmpfs is not allowed here (the /dev/full case in test_robustness still runs)")
    try:
        result = subprocess.run(imr(corpus, "-o", mount / "out.jsonl", "-b", "4", "-q"), capture_output=True, text=True)
        assert result.returncode == 2
        assert result.stderr.startswith(f"error: disk full writing {mount}/out.jsonl.part: ")
        assert result.stderr.endswith("records kept; free space, then continue with --resume\n")
        shutil.copy(mount / "out.jsonl.part", tmp_path / "out.jsonl.part")
    finally:
        subprocess.run(["umount", str(mount)], check=True)
    resumed = subprocess.run(imr(corpus, "-o", tmp_path / "out.jsonl", "-q", "--resume"), capture_output=True, text=True)
    assert resumed.returncode == 0, resumed.stderr
    assert (tmp_path / "out.jsonl").read_bytes() == reference
