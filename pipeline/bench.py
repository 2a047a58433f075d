"""Throughput benchmark: the IMR pipeline next to spaCy's bare tokenizer and medspaCy.

Each measurement runs in a fresh Python process so that its peak memory
(`ru_maxrss`) is its own. All systems are timed on the same texts in the same
run, and speed is reported in tokens per second, counting tokens with
`spacy.blank("en")`'s tokenizer for every system so the numbers compare.
"""
import json
import resource
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional, Tuple

SYSTEMS = ("tokenizer", "imr", "imr_pdf", "medspacy")


@dataclass
class Measurement:
    system: str
    n_process: int
    letters: int
    tokens: int
    seconds: float
    peak_mib: float
    criteria: int = 0
    criterion_key_seconds: float = 0.0
    cpu_seconds: float = 0.0  # CPU time of the timing process, all its threads (one process only)
    # imr_pdf only: the same letters from their text, timed in the same process in
    # passes alternating with the PDF passes (the PDF / text ratio's baseline)
    text_seconds: float = 0.0
    text_cpu_seconds: float = 0.0
    # imr with n_process=1 only: spaCy's bare tokenizer on the same texts, timed in the same
    # process in passes alternating with the IMR passes (the IMR / tokenizer ratio's baseline)
    tokenizer_seconds: float = 0.0

    @property
    def tokens_per_second(self) -> float:
        return self.tokens / self.seconds if self.seconds else 0.0


def read_letters(corpus: List[Path]) -> list:
    from .io.inputs import iter_letters

    return [letter for letter in iter_letters(corpus) if letter.text is not None]


def pdf_twins(corpus: List[Path], ids: List[str]) -> list:
    """Unread PDF letters (`CASE.pdf`) of the text letters with these ids, in the same order;
    letters without a PDF (the seeds) are left out."""
    from .io.inputs import iter_letters

    pdfs = {letter.id: letter for letter in iter_letters(corpus, prefer="pdf", defer_files=True) if letter.kind == "pdf"}
    return [pdfs[letter_id] for letter_id in ids if letter_id in pdfs]


def load_system(system: str, model: Optional[str]):
    if system == "tokenizer":
        import spacy

        return spacy.blank("en").tokenizer
    if system in ("imr", "imr_pdf"):
        from . import load

        return load(model)
    if system == "medspacy":
        from loguru import logger

        logger.remove()
        import medspacy

        return medspacy.load()
    raise ValueError(f"unknown system {system!r}")


def run_worker(system: str, corpus: List[Path], repeat: int, n_process: int, model: Optional[str]) -> Dict[str, float]:
    """Time one system in this process over `repeat` passes of the corpus, fed
    as one stream (one worker pool for n_process > 1, as in a real run), and
    report `repeat` times the median pass, so one busy moment of the machine
    does not decide the figure.

    The IMR pipeline is timed the way `imr annotate` runs it: letters in,
    finished `imr/1` records out (`annotate.iter_batches`), so the n_process
    figures include the records' transfer between processes (the workers'
    start-up falls in the first pass). IMR in one process and IMR from PDF are
    timed in passes alternating with their baseline in this process
    (`paired_with_tokenizer`, `paired_passes`).
    """
    import spacy

    from .io.annotate import iter_batches

    letters = read_letters(corpus)
    texts = [letter.text for letter in letters]
    text_letters = letters
    if system == "imr_pdf":  # the same letters from their PDFs, read and extracted inside the timed loop
        letters = pdf_twins(corpus, [letter.id for letter in letters])
        pdf_ids = {twin.id for twin in letters}
        text_letters = [letter for letter in text_letters if letter.id in pdf_ids]
        texts = [letter.text for letter in text_letters]
    counter = spacy.blank("en").tokenizer
    tokens = sum(len(doc) for doc in counter.pipe(texts)) * repeat
    nlp = load_system(system, model)
    for _ in nlp.pipe(texts[:2]):  # warm up caches and lazy loading
        pass
    if system == "imr_pdf":
        return paired_passes(nlp, text_letters, letters, repeat, tokens, model)
    if system == "imr" and n_process == 1:
        return paired_with_tokenizer(nlp, counter, letters, repeat, tokens, model)
    stream = (item for _ in range(repeat) for item in (letters if system != "tokenizer" and system != "medspacy" else texts))
    if system == "imr":
        batches = iter_batches(nlp, stream, n_process=n_process, batch_size=16, model=model)
        outputs = (record for batch in batches for _, record, _ in batch)
    else:
        outputs = nlp.pipe(stream)
    ends, cpu_ends, start, cpu_start = [], [], time.perf_counter(), time.process_time()
    for index, _ in enumerate(outputs, start=1):
        if index % len(texts) == 0:
            ends.append(time.perf_counter())
            cpu_ends.append(time.process_time())
    passes = [end - begin for begin, end in zip([start] + ends[:-1], ends)]
    cpu_passes = [end - begin for begin, end in zip([cpu_start] + cpu_ends[:-1], cpu_ends)]
    cpu_seconds = median_of(cpu_passes, repeat) if n_process <= 1 else 0.0
    peak = max(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
    return {
        "system": system, "n_process": n_process, "letters": len(texts) * repeat, "tokens": tokens,
        "seconds": median_of(passes, repeat), "peak_mib": peak / 1024, "cpu_seconds": cpu_seconds,
    }


def criterion_key_time(criteria: List[str], repeat: int) -> Dict[str, float]:
    """The lemma keys' time over `repeat` passes: every criterion's key computed afresh (no cache)."""
    if not criteria:
        return {}
    from .components.lemmas import CriterionKeys, load_criterion_keys

    loaded = load_criterion_keys()
    fresh = CriterionKeys(loaded.lemmas, loaded.stop_words)
    started = time.perf_counter()
    for text in criteria:
        fresh._key(text)
    return {"criteria": len(criteria), "criterion_key_seconds": (time.perf_counter() - started) * repeat}


def timed_pass(nlp, letters: list, model: Optional[str], criteria: Optional[List[str]] = None) -> Tuple[float, float]:
    """Wall and CPU seconds of one pass of `imr annotate`'s loop (letters in, records out) in
    this process; the records' criteria are collected into `criteria` when it is given. The
    CPU time includes the PDF reader process's (`imr.io.read_ahead`), stopped at the pass's end."""
    from .io.annotate import iter_batches

    start, cpu_start = time.perf_counter(), cpu_time()
    for batch in iter_batches(nlp, iter(letters), n_process=1, batch_size=16, model=model):
        if criteria is not None:
            criteria.extend(c["text"] for _, record, _ in batch for d in record.get("decisions", []) for c in d["criteria"])
    return time.perf_counter() - start, cpu_time() - cpu_start


def cpu_time() -> float:
    """CPU seconds of this process (all its threads) and of its finished child processes."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


def median_of(passes: List[float], repeat: int) -> float:
    """`repeat` times the median pass: one busy moment of the machine does not decide the figure."""
    return statistics.median(passes) * repeat


def paired_with_tokenizer(nlp, tokenizer, letters: list, repeat: int, tokens: int, model: Optional[str]) -> Dict[str, float]:
    """Time the IMR pipeline (letters in, records out) and spaCy's bare tokenizer on the
    same texts in one process, passes alternating (tokenizer, IMR, tokenizer, IMR, ...),
    so their ratio compares both in the same state of the machine."""
    tokenizer_passes: List[float] = []
    imr_passes: List[Tuple[float, float]] = []
    criteria: List[str] = []
    for index in range(repeat):
        start = time.perf_counter()
        for letter in letters:
            tokenizer(letter.text)
        tokenizer_passes.append(time.perf_counter() - start)
        imr_passes.append(timed_pass(nlp, letters, model, criteria if index == 0 else None))
    result = {
        "system": "imr", "n_process": 1, "letters": len(letters) * repeat, "tokens": tokens,
        "seconds": median_of([p[0] for p in imr_passes], repeat), "cpu_seconds": median_of([p[1] for p in imr_passes], repeat),
        "peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "tokenizer_seconds": median_of(tokenizer_passes, repeat),
    }
    result.update(criterion_key_time(criteria, repeat))
    return result


def paired_passes(nlp, text_letters: list, pdf_letters: list, repeat: int, tokens: int, model: Optional[str]) -> Dict[str, float]:
    """Time the same letters from their PDFs and from their text in one process,
    passes alternating (text, PDF, text, PDF, ...), so both see the same state of
    the machine. The PDFs are read and extracted where `imr annotate` reads them: with
    a spare core in its reader process, one batch ahead (started afresh each pass, as in
    a run), else inside the annotation of each batch."""
    timed_pass(nlp, pdf_letters[:2], model)  # a first read of the files (the system's file cache)
    text_passes, pdf_passes = [], []
    for _ in range(repeat):
        text_passes.append(timed_pass(nlp, text_letters, model))
        pdf_passes.append(timed_pass(nlp, pdf_letters, model))
    return {
        "system": "imr_pdf", "n_process": 1, "letters": len(pdf_letters) * repeat, "tokens": tokens,
        "seconds": median_of([p[0] for p in pdf_passes], repeat), "cpu_seconds": median_of([p[1] for p in pdf_passes], repeat),
        "peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "text_seconds": median_of([p[0] for p in text_passes], repeat), "text_cpu_seconds": median_of([p[1] for p in text_passes], repeat),
    }


def measure(system: str, corpus: List[Path], repeat: int, n_process: int = 1, model: Optional[str] = None) -> Measurement:
    """Run `run_worker` in a fresh process and parse its result."""
    command = [sys.executable, "-m", "imr.bench", system, str(repeat), str(n_process), model or ""] + [str(p) for p in corpus]
    result = subprocess.run(command, check=True, capture_output=True, text=True)
    return Measurement(**json.loads(result.stdout.strip().splitlines()[-1]))


def benchmark(
    corpus: List[Path], repeat: int = 3, model: Optional[str] = None, include_medspacy: bool = True, rounds: int = 2,
    include_pdf: bool = False,
) -> List[Measurement]:
    """All measurements: tokenizer, IMR (1 and 2 processes), IMR from the PDFs (end to end), medspaCy.

    The tokenizer and IMR runs alternate for `rounds` rounds and each keeps its
    fastest round, so a slow moment of a shared machine does not skew a ratio;
    medspaCy, about 20x slower, runs once.
    """
    plans = [("tokenizer", 1), ("imr", 1), ("imr", 2)] + ([("imr_pdf", 1)] if include_pdf else [])
    best: Dict[Tuple[str, int], Measurement] = {}
    for _ in range(rounds):
        for system, n_process in plans:
            run = measure(system, corpus, repeat, n_process, model)
            key = (system, n_process)
            if key not in best or run.tokens_per_second > best[key].tokens_per_second:
                best[key] = run
    runs = [best[key] for key in plans]
    if include_medspacy:
        runs.append(measure("medspacy", corpus, repeat))
    return runs


def format_report(runs: List[Measurement]) -> str:
    lines = [f"{'system':<28} {'letters':>8} {'tokens':>10} {'seconds':>8} {'tokens/s':>10} {'peak MiB':>9}"]
    for run in runs:
        name = f"{run.system} (n_process={run.n_process})" if run.system == "imr" else "imr from PDF" if run.system == "imr_pdf" else run.system
        lines.append(f"{name:<28} {run.letters:>8} {run.tokens:>10} {run.seconds:>8.2f} {run.tokens_per_second:>10.0f} {run.peak_mib:>9.0f}")
    by_key = {(r.system, r.n_process): r.tokens_per_second for r in runs}
    tokenizer, imr1, imr2 = by_key.get(("tokenizer", 1)), by_key.get(("imr", 1)), by_key.get(("imr", 2))
    medspacy = by_key.get(("medspacy", 1))
    if tokenizer and imr1:
        lines.append(f"imr / tokenizer (b/a): {imr1 / tokenizer:.2f}   (target >= 0.45; each in its own process)")
    imr1_run = next((r for r in runs if r.system == "imr" and r.n_process == 1), None)
    if imr1_run and imr1_run.tokenizer_seconds:
        lines.append(
            f"  the same, paired:     {imr1_run.tokenizer_seconds / imr1_run.seconds:.2f}   (tokenizer and IMR passes "
            "alternating in one process: the tokenizer runs with the caches the pipeline left)"
        )
    if medspacy and imr1:
        lines.append(f"imr / medspacy  (b/c): {imr1 / medspacy:.1f}   (target >= 10)")
    if imr1 and imr2:
        lines.append(f"imr n_process 2 / 1:   {imr2 / imr1:.2f}   (target >= 1.7)")
    keyed = next((r for r in runs if r.system == "imr" and r.n_process == 1 and r.criteria), None)
    if keyed:
        lines.append(
            f"criterion keys (lemmas): {keyed.criterion_key_seconds / keyed.seconds:.1%} of the pipeline's time "
            f"({keyed.criteria} criteria per pass, uncached)"
        )
    pdf_run = next((r for r in runs if r.system == "imr_pdf"), None)
    if pdf_run and pdf_run.text_seconds:
        lines.append(
            f"PDF / text time:       {pdf_run.seconds / pdf_run.text_seconds:.2f}   (target <= 1.35; the same "
            "letters, PDF and text passes alternating in one process; PDFs read ahead in a reader process "
            "when a core is spare)"
        )
        if pdf_run.cpu_seconds and pdf_run.text_cpu_seconds:
            lines.append(f"PDF / text CPU time:   {pdf_run.cpu_seconds / pdf_run.text_cpu_seconds:.2f}   (the cost per core, the reader's CPU included)")
        per_core = pdf_run.letters / (pdf_run.cpu_seconds or pdf_run.seconds) * 3600
        lines.append(f"letters/hour/core from PDF: {per_core:,.0f}   (letters per CPU-hour, end to end)")
    return "\n".join(lines)


if __name__ == "__main__":
    system, repeat, n_process, model, *paths = sys.argv[1:]
    print(json.dumps(run_worker(system, [Path(p) for p in paths], int(repeat), int(n_process), model or None)))
