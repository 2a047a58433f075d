"""Measure PDF text extractors against the bundled `.txt` extractions.

For every CASE.pdf in a folder that has CASE.txt next to it (corpus/dev: 121
letters), extract the text with pypdf, pypdfium2 (PDFium, as `imr.io.pdf` does
it) and pdfminer.six, and report per extractor, from the same run:

- time per letter (median and mean ms; the extractors take turns letter by
  letter, after one warm-up letter each, so machine noise hits them alike),
- how many texts equal the `.txt` up to whitespace (every run of whitespace,
  line breaks included, read as one space),
- how many have the `.txt`'s paragraphs (blocks between blank lines, each equal
  up to whitespace): the layout the pipeline's section rules read,
- the mean and lowest word-sequence similarity to the `.txt`
  (difflib.SequenceMatcher ratio over the lists of words).

Every extractor's text is cleaned and its pages joined the same way
(`imr.io.pdf.clean_page` / `join_pages` for pypdf and pdfminer.six; PDFium's own
page builder for pypdfium2), so only the extraction differs.

pdfminer.six is not a dependency of the project: install it somewhere else and
point at it, e.g.

    python -m pip install --target /tmp/pdfminer pdfminer.six
    .venv/bin/python scripts/measure_pdf.py corpus/dev --pdfminer-path /tmp/pdfminer

Without it (or with --skip pdfminer.six) its row is left out. `--json FILE`
also writes the per-letter results.
"""
from __future__ import annotations

import argparse
import difflib
import io
import json
import logging
import platform
import re
import statistics
import sys
import time
from importlib import metadata
from pathlib import Path
from typing import Callable, Dict, List

from imr.io.pdf import PdfText, clean_page, extract_pdf, join_pages

WHITESPACE_RE = re.compile(r"\s+")
PARAGRAPH_RE = re.compile(r"\n[ \t\u00a0]*\n")


def pypdf_text(data: bytes) -> PdfText:
    """pypdf, as imr.io.pdf used it before PDFium: page.extract_text() per page."""
    import pypdf

    reader = pypdf.PdfReader(io.BytesIO(data), strict=False)
    if reader.is_encrypted:
        reader.decrypt("")
    return join_pages([clean_page(page.extract_text() or "") for page in reader.pages])


def pdfminer_text(data: bytes) -> PdfText:
    """pdfminer.six's extract_text (default layout analysis); pages end with a form feed."""
    from pdfminer.high_level import extract_text

    pages = extract_text(io.BytesIO(data)).split("\f")
    if pages and not pages[-1].strip():
        pages.pop()
    return join_pages([clean_page(page) for page in pages])


def collapse(text: str) -> str:
    return WHITESPACE_RE.sub(" ", text).strip()


def paragraphs(text: str) -> List[str]:
    return [collapse(p) for p in PARAGRAPH_RE.split(text) if p.strip()]


def similarity(text: str, reference: str) -> float:
    return difflib.SequenceMatcher(None, text.split(), reference.split(), autojunk=False).ratio()


def version(distribution: str) -> str:
    try:
        found = metadata.version(distribution)
    except metadata.PackageNotFoundError:  # pdfminer.six from --pdfminer-path
        module = {"pdfminer.six": "pdfminer"}.get(distribution, distribution)
        found = getattr(__import__(module), "__version__", "?")
    if distribution == "pypdfium2":
        import pypdfium2

        found += f" (PDFium {pypdfium2.PDFIUM_INFO.major}.{pypdfium2.PDFIUM_INFO.minor}.{pypdfium2.PDFIUM_INFO.build}.{pypdfium2.PDFIUM_INFO.patch})"
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", type=Path, nargs="?", default=Path("corpus/dev"))
    parser.add_argument("--pdfminer-path", help="a folder holding pdfminer.six (pip install --target ...)")
    parser.add_argument("--skip", action="append", default=[], help="an extractor to leave out (repeatable)")
    parser.add_argument("--json", type=Path, help="also write per-letter results here")
    args = parser.parse_args()
    logging.getLogger("pypdf").setLevel(logging.ERROR)
    logging.getLogger("pdfminer").setLevel(logging.ERROR)
    if args.pdfminer_path:
        sys.path.append(args.pdfminer_path)

    extractors: Dict[str, Callable[[bytes], PdfText]] = {
        "pypdf": pypdf_text,
        "pypdfium2": extract_pdf,
        "pdfminer.six": pdfminer_text,
    }
    for name in list(extractors):
        if name in args.skip:
            del extractors[name]
    try:
        import pdfminer  # noqa: F401
    except ImportError:
        if "pdfminer.six" in extractors:
            print("pdfminer.six is not importable (see --pdfminer-path); its row is left out", file=sys.stderr)
            del extractors["pdfminer.six"]

    letters = [(pdf, pdf.read_bytes(), pdf.with_suffix(".txt").read_text(encoding="utf8"))
               for pdf in sorted(args.folder.glob("*.pdf")) if pdf.with_suffix(".txt").exists()]
    if not letters:
        parser.error(f"no CASE.pdf with a CASE.txt in {args.folder}")
    for extract in extractors.values():  # warm-up: imports, font caches
        extract(letters[0][1])

    times: Dict[str, List[float]] = {name: [] for name in extractors}
    results: Dict[str, List[dict]] = {name: [] for name in extractors}
    for pdf, data, reference in letters:
        for name, extract in extractors.items():
            started = time.perf_counter()
            text = extract(data).text
            times[name].append((time.perf_counter() - started) * 1000)
            results[name].append({
                "letter": pdf.stem,
                "equal": collapse(text) == collapse(reference),
                "paragraphs": paragraphs(text) == paragraphs(reference),
                "similarity": similarity(text, reference),
                "ms": times[name][-1],
            })

    n = len(letters)
    print(f"{n} letters in {args.folder}; Python {platform.python_version()}, {platform.machine()}, one process\n")
    print("| library | median ms / letter | mean ms / letter | equal to the `.txt` up to whitespace "
          "| same paragraphs as the `.txt` | mean / lowest word-sequence similarity |")
    print("|---|---|---|---|---|---|")
    for name in extractors:
        rows = results[name]
        sims = [r["similarity"] for r in rows]
        print(f"| {name} {version(name)} | {statistics.median(times[name]):.1f} | {statistics.mean(times[name]):.1f} "
              f"| {sum(r['equal'] for r in rows)} / {n} | {sum(r['paragraphs'] for r in rows)} / {n} "
              f"| {statistics.mean(sims):.4f} / {min(sims):.3f} |")
    for name in extractors:
        unequal = [r["letter"] for r in results[name] if not r["equal"]]
        if unequal and len(unequal) <= 5:
            print(f"\n{name}: not equal up to whitespace: {', '.join(unequal)}")
    if args.json:
        args.json.write_text(json.dumps(results, indent=1) + "\n", encoding="utf8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
