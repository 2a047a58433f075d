"""Benchmark (not a test): peak memory of `imr annotate -o OUT.spacy/` at growing corpus sizes.

    .venv/bin/python scripts/bench_docbin_memory.py --sizes 1000 10000 [--single-file-up-to 1000]

Builds a corpus of N letters (copies of the dev letters under new names) in a temporary folder and
runs `imr annotate DIR -o OUT.spacy/` (a folder of DocBin shards) in a fresh process for each size,
reading the process's peak RSS (`ru_maxrss`).
The one-file form (`-o OUT.spacy`, every doc held in memory) is timed up to `--single-file-up-to`.
"""
import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def make_corpus(folder: Path, size: int) -> None:
    sources = sorted((ROOT / "corpus" / "dev").glob("*.txt"))
    folder.mkdir(parents=True)
    for index in range(size):
        shutil.copyfile(sources[index % len(sources)], folder / f"{index:06d}.txt")



def measure(size: int, output: str, work: Path) -> tuple:
    corpus = work / f"letters-{size}"
    if not corpus.exists():
        make_corpus(corpus, size)
    target = str(work / output.format(size=size)) + ("/" if output.endswith("/") else "")  # a Path drops the slash
    code = (
        "import resource, sys; sys.argv = ['imr', 'annotate', sys.argv[1], '-o', sys.argv[2], '-q'];"
        "from imr.cli import main\ntry:\n    main()\nexcept SystemExit:\n    pass\n"
        "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, file=sys.stderr)"
    )
    started = time.perf_counter()
    result = subprocess.run([sys.executable, "-c", code, str(corpus), target], capture_output=True, text=True)
    seconds = time.perf_counter() - started
    peak = float(result.stderr.strip().splitlines()[-1])
    return seconds, peak


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--single-file-up-to", type=int, default=1000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="imr-docbin-") as temp:
        work = Path(temp)
        print(f"{'output':<26} {'letters':>8} {'seconds':>8} {'peak MiB':>9}")
        for size in args.sizes:
            seconds, peak = measure(size, "shards-{size}.spacy/", work)
            print(f"{'OUT.spacy/ (shards)':<26} {size:>8} {seconds:>8.1f} {peak:>9.0f}", flush=True)
            if size <= args.single_file_up_to:
                seconds, peak = measure(size, "single-{size}.spacy", work)
                print(f"{'OUT.spacy (one file)':<26} {size:>8} {seconds:>8.1f} {peak:>9.0f}", flush=True)


if __name__ == "__main__":
    main()
