"""Benchmark `imr.io.export.export_records` (not a test): seconds and peak memory.

    .venv/bin/imr annotate corpus/seeds corpus/dev -o out/annotations.jsonl -q
    .venv/bin/python tests/bench_export.py out/annotations.jsonl --letters 1000 10000 30000

For each size it writes a synthetic JSONL of that many letters by repeating the
given records with new ids (`<id>~<n>`), then exports it to a DuckDB file and a
Parquet folder in a fresh process, whose time and peak RSS (VmHWM) are printed.
Peak memory that stays the same from 1,000 to 30,000 letters is the streaming.
"""
import argparse
import itertools
import json
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import List


def write_corpus(source: Path, target: Path, letters: int) -> None:
    """`letters` records: the records of `source`, repeated with new ids."""
    records = [json.loads(line) for line in source.open(encoding="utf8") if line.strip()]
    with target.open("w", encoding="utf8") as out:
        for number, record in zip(range(letters), itertools.cycle(records)):
            out.write(json.dumps(dict(record, id=f"{record['id']}~{number}")) + "\n")


def peak_rss_mb() -> float:
    status = Path("/proc/self/status").read_text()
    return int(re.search(r"VmHWM:\s+(\d+)", status).group(1)) / 1024


def child(jsonl: str, folder: str, batch_size: int) -> None:
    """Run one export in this process; print its seconds (export, and with imports), the
    process's CPU seconds, peak RSS (MB) and rows, as JSON."""
    started = time.perf_counter()
    from imr.io.export import export_records

    stats = export_records([jsonl], duckdb_path=Path(folder) / "imr.duckdb", parquet_dir=Path(folder) / "parquet",
                           batch_size=batch_size)
    total = time.perf_counter() - started
    print(json.dumps({"seconds": stats.seconds, "with_imports": total, "cpu": time.process_time(), "peak_mb": peak_rss_mb(), "rows": stats.rows}))


def main(argv: List[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("annotations", type=Path, help="imr/1 JSONL to repeat (e.g. out/annotations.jsonl)")
    parser.add_argument("--letters", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--batch-size", type=int, default=1000)
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child(*args.child, args.batch_size)
        return
    print(f"{'letters':>8} {'JSONL MB':>9} {'export s':>9} {'+imports s':>10} {'CPU s':>6} {'peak MB':>8}  rows")
    for letters in args.letters:
        with tempfile.TemporaryDirectory() as folder:
            jsonl = Path(folder) / "annotations.jsonl"
            write_corpus(args.annotations, jsonl, letters)
            result = subprocess.run(
                [sys.executable, __file__, str(args.annotations), "--batch-size", str(args.batch_size), "--child", str(jsonl), folder],
                check=True, capture_output=True, text=True,
            )
            run = json.loads(result.stdout.strip().splitlines()[-1])
            size = jsonl.stat().st_size / 2**20
            print(f"{letters:>8} {size:>9.1f} {run['seconds']:>9.2f} {run['with_imports']:>10.2f} {run['cpu']:>6.2f} {run['peak_mb']:>8.0f}  {run['rows']}")


if __name__ == "__main__":
    main(sys.argv[1:])
