"""The `imr` command line: thin typer commands over the package's functions.

Exit codes: 0 success; 1 some letters could not be annotated (their error
records were written) or an evaluation fell under a threshold; 2 usage or
environment errors (no such input, bad option, unwritable or full disk,
missing model, output busy); 130 interrupted by Ctrl-C (143 by SIGTERM), with
what was finished kept for `--resume`.
"""
import errno
import functools
import os
import shlex
import sys
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional

import typer

from .about import __version__

app = typer.Typer(
    add_completion=False, no_args_is_help=True, rich_markup_mode=None, pretty_exceptions_enable=False,
    help="Annotate California IMR letters with spaCy.",
)

EXIT_OK, EXIT_INPUT_ERRORS, EXIT_USAGE = 0, 1, 2
STATE = {"debug": False}


class ModelError(Exception):
    """A pipeline that cannot be loaded."""


def echo_err(message: str) -> None:
    typer.echo(message, err=True)


def version_callback(value: bool) -> None:
    if value:
        typer.echo(f"imr-pipeline {__version__}")
        raise typer.Exit()


@app.callback()
def main_options(
    version: bool = typer.Option(False, "--version", callback=version_callback, is_eager=True, help="Print the version and exit."),
    debug: bool = typer.Option(False, "--debug", help="Show the traceback of an environment error."),
) -> None:
    """Annotate California IMR letters with spaCy."""
    STATE["debug"] = debug


def environment_errors(command: Callable[..., Any]) -> Callable[..., Any]:
    """Errors of the environment (disk, permissions, model, busy output): one line and exit 2
    (the traceback with `imr --debug ...`)."""

    @functools.wraps(command)
    def run(*args: Any, **kwargs: Any) -> Any:
        from .io.inputs import InputError
        from .io.output import OutputError

        try:
            return command(*args, **kwargs)
        except (InputError, OutputError, ModelError, OSError) as err:
            if STATE["debug"]:
                raise
            if isinstance(err, OSError) and err.errno in (errno.ENOSPC, errno.EDQUOT):
                echo_err(f"error: disk full: {err.filename or ''} {err.strerror or err}".replace("  ", " "))
            elif isinstance(err, OSError):
                echo_err(f"error: {err.strerror or err}" + (f": {err.filename}" if err.filename else ""))
            else:
                echo_err(f"error: {err}")
            raise typer.Exit(EXIT_USAGE)

    return run


def load_model(model: Optional[str]):
    """The bundled rule pipeline, or a pipeline by installed package name or folder."""
    from . import load

    try:
        return load(model)
    except OSError as err:
        raise ModelError(f"cannot load pipeline {model!r}: not an installed pipeline package or a pipeline folder ({str(err).split(']')[0].strip('[')})") from None


MODEL_OPTION = typer.Option(None, "--model", "-m", metavar="NAME|PATH", help="A pipeline: installed package name (en_imr_pipeline) or folder. Default: the bundled rules.")


@app.command("annotate")
@environment_errors
def annotate_command(
    inputs: List[Path] = typer.Argument(
        ..., metavar="INPUT", help="Letters: .txt, .pdf, .jsonl ({\"id\", \"text\"} per line) files, folders of them (searched recursively), or - for stdin."
    ),
    output: str = typer.Option(..., "--output", "-o", metavar="OUT", help="OUT.jsonl (records), OUT.spacy (one DocBin, held in memory: small corpora) or OUT.spacy/ (a folder of DocBin shards, memory flat)."),
    model: Optional[str] = MODEL_OPTION,
    n_process: int = typer.Option(1, "--n-process", "-n", min=1, metavar="N", help="Worker processes."),
    batch_size: int = typer.Option(32, "--batch-size", "-b", min=1, metavar="B", help="Letters per batch."),
    include_text: Optional[bool] = typer.Option(
        None, "--include-text/--no-include-text", show_default=False,
        help="Copy each letter's text into its record. Default: only for PDF letters, whose extracted text you do not otherwise have.",
    ),
    prefer: str = typer.Option("txt", "--prefer", metavar="txt|pdf", help="When a folder holds CASE.txt and CASE.pdf, read this one: txt or pdf."),
    shard: Optional[str] = typer.Option(None, "--shard", metavar="K/N", help="K/N: annotate only the K-th of N deterministic shards (by id)."),
    resume: bool = typer.Option(False, "--resume", help="Continue an interrupted run (or add to a finished output): keep its records, skip their ids."),
    overwrite: bool = typer.Option(False, "--overwrite", help="Replace the output of an earlier run (when this run finishes; a killed run leaves it as it was). Without it, an existing output is refused."),
    retry_errors: bool = typer.Option(False, "--retry-errors", help="With --resume: annotate again the letters whose record is an error."),
    timeout: float = typer.Option(60.0, "--timeout", min=0, metavar="SECONDS", help="Seconds one letter may take before it becomes an error record (0: no limit)."),
    max_length: int = typer.Option(5_000_000, "--max-length", min=1, metavar="CHARS", help="Longest letter annotated, in characters (longer ones become error records)."),
    docbin_shard_size: Optional[int] = typer.Option(None, "--docbin-shard-size", min=1, metavar="N", help="Docs per DocBin shard of OUT.spacy/ (default 200; implies the folder form)."),
    dask: Optional[str] = typer.Option(None, "--dask", metavar="ADDRESS", help="Run on Dask: 'local' (a LocalCluster of --n-process workers) or a scheduler address tcp://HOST:8786. Letter files must be at the same path on every worker."),
    partition_size: int = typer.Option(64, "--partition-size", min=1, metavar="N", help="With --dask: letters per task."),
    progress_every: int = typer.Option(1000, "--progress-every", min=1, metavar="N", help="Without a terminal: a progress line every N letters (and every 30 s)."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress or summary (a line per failed letter still goes to stderr)."),
) -> None:
    """Annotate letters into imr/1 JSONL records or spaCy DocBins."""
    from .io.annotate import Interrupted, annotate, in_shard, output_path, parse_shard, stop_on_signals
    from .io.inputs import find_inputs, iter_letters
    from .io.output import DOCBIN_SHARD_SIZE, is_docbin_folder, partial_path
    from .io.progress import Progress

    if retry_errors and not resume:
        echo_err("error: --retry-errors goes with --resume")
        raise typer.Exit(EXIT_USAGE)
    try:
        shard_k, shard_n = parse_shard(shard) if shard else (1, 1)
    except ValueError as err:
        echo_err(f"error: {err}")
        raise typer.Exit(EXIT_USAGE)
    out = output_path(Path(output))
    if out.suffix == ".spacy" and output.endswith(("/", os.sep)) and docbin_shard_size is None:
        docbin_shard_size = DOCBIN_SHARD_SIZE  # OUT.spacy/: the folder form (a Path drops the slash)
    if dask and out.suffix != ".jsonl":
        echo_err("error: --dask writes JSONL records (OUT.jsonl); annotate a DocBin without --dask")
        raise typer.Exit(EXIT_USAGE)
    refuse_output_that_is_an_input(out, inputs)
    found = find_inputs(inputs, prefer=prefer, skip=[out, partial_path(out)])
    letters = iter_letters(found, prefer=prefer, defer_files=True)  # each file is read where it is annotated (this process, a worker process, a Dask worker)
    if shard:
        letters = (letter for letter in letters if in_shard(letter.id, shard_k, shard_n))
    # JSONL files and stdin hold any number of letters, and a shard an unknown share: no total then.
    countable = not shard and not any(f.suffix.lower() == ".jsonl" or str(f) == "-" for f in found.files)
    progress = Progress(len(found.files) + len(found.unreadable) if countable else None, quiet=quiet, every=progress_every)
    try:
        with stop_on_signals():
            if dask:
                from .io.distributed import annotate_with_dask

                if retry_errors:
                    echo_err("error: --retry-errors is not available with --dask")
                    raise typer.Exit(EXIT_USAGE)
                summary = annotate_with_dask(
                    letters, out, address=dask, n_process=n_process, partition_size=partition_size, include_text=include_text,
                    on_record=progress.update, resume=resume, overwrite=overwrite, model=model, timeout=timeout or None,
                    max_length=max_length,
                )
            else:
                nlp = load_model(model)
                summary = annotate(
                    nlp, letters, out, n_process=n_process, batch_size=batch_size, include_text=include_text,
                    on_record=progress.update, resume=resume, retry_errors=retry_errors, overwrite=overwrite, model=model,
                    timeout=timeout or None, max_length=max_length, shard_size=docbin_shard_size,
                )
    except Interrupted as stop:
        progress.close()
        kept = f"kept {stop.kept:,} records in {stop.partial}" if stop.partial and stop.kept else "nothing was finished"
        resume_command = " ".join(shlex.quote(a) for a in ["imr"] + sys.argv[1:] + ([] if "--resume" in sys.argv else ["--resume"]))
        echo_err(f"interrupted: {kept}; continue with: {resume_command}")
        raise typer.Exit(128 + int(stop.signal_number))
    progress.close()
    if not quiet:
        folder = is_docbin_folder(out, docbin_shard_size)
        echo_err(f"wrote {out}{'/ (DocBin shards + manifest.jsonl)' if folder else ''}")
        typer.echo(summary.table())
    if summary.errors:
        if not quiet:
            echo_err(f"{summary.errors} of {summary.letters} letters could not be annotated (their error records are in the output)")
        raise typer.Exit(EXIT_INPUT_ERRORS)


def refuse_output_that_is_an_input(output: Path, inputs: List[Path]) -> None:
    """An output that is also an input would overwrite the user's letters: refused before anything is read."""
    from .io.output import OutputError, partial_path

    targets = {output.resolve(), partial_path(output).resolve()}
    for path in inputs:
        if str(path) != "-" and Path(path).resolve() in targets:
            raise OutputError(f"the output {output} is also an input: choose another output file")


BOOTSTRAP_OPTION = typer.Option(
    0, "--bootstrap", min=0, help="Also print each F1 / accuracy's 95% interval from N resamples of the letters (e.g. 1000)."
)


def parse_minimums(minimum: List[str]) -> Dict[str, float]:
    minimums = {}
    for item in minimum:
        name, _, value = item.partition("=")
        try:
            minimums[name.strip()] = float(value)
        except ValueError:
            echo_err(f"error: --min expects METRIC=VALUE, got {item!r}")
            raise typer.Exit(EXIT_USAGE)
    return minimums


def refuse_reports_over_inputs(reports: List[Optional[Path]], inputs: List[Path]) -> None:
    """A report written over an input file, or into an input folder (a gold folder), would change
    what the user gave: refused before anything is read."""
    from .io.output import OutputError

    for report in filter(None, reports):
        target = report.resolve()
        for path in inputs:
            source = path.resolve()
            if target == source or source in target.parents:
                raise OutputError(f"{report} would be written over or into the input {path}: choose another path")


PER_LETTER_OPTION = typer.Option(None, "--per-letter", dir_okay=False, help="Also write each letter's metrics as JSONL here.")


def report_evaluation(
    letters: List[Any], minimums: Dict[str, float], bootstrap: int, output_json: Optional[Path], per_letter: Optional[Path] = None
) -> None:
    """Print (and write) the summed per-letter evaluations; exit non-zero below a minimum."""
    import srsly

    from .evaluation.evaluate import Evaluation, bootstrap_intervals, check_thresholds

    result = Evaluation().merge_all(letters)
    intervals = bootstrap_intervals(letters, samples=bootstrap) if bootstrap else None
    typer.echo(f"letters: {result.letters}")
    typer.echo(result.table(intervals))
    for letter_id in result.missing:
        echo_err(f"warning: no prediction for gold letter {letter_id}")
    for message in result.errors:
        echo_err(f"warning: prediction is an error record: {message}")
    metrics = result.metrics()
    if output_json:
        srsly.write_json(output_json, {**metrics, **({"intervals": intervals} if intervals else {})})
    if per_letter:
        srsly.write_jsonl(per_letter, ({"id": letter.ids[0], **letter.metrics()} for letter in letters))
    failures = check_thresholds(metrics, minimums)
    for failure in failures:
        echo_err(f"below threshold: {failure}")
    if failures:
        raise typer.Exit(EXIT_INPUT_ERRORS)


@app.command("evaluate")
@environment_errors
def evaluate_command(
    predictions: Path = typer.Argument(..., exists=True, dir_okay=False, help="imr/1 JSONL from `imr annotate`."),
    gold: Path = typer.Option(Path("corpus/gold"), "--gold", "-g", exists=True, file_okay=False, help="Folder of gold JSON files."),
    minimum: List[str] = typer.Option([], "--min", help="Fail unless METRIC >= VALUE, e.g. --min decisions_f=1.0 (repeatable)."),
    bootstrap: int = BOOTSTRAP_OPTION,
    output_json: Optional[Path] = typer.Option(None, "--json", help="Also write the metrics as JSON here."),
    per_letter: Optional[Path] = PER_LETTER_OPTION,
) -> None:
    """Print per-field P/R/F1 and accuracy against gold annotations."""
    from .evaluation.evaluate import evaluate_letters, load_gold, load_predictions

    minimums = parse_minimums(minimum)
    refuse_reports_over_inputs([output_json, per_letter], [predictions, gold])
    letters = evaluate_letters(load_gold(gold), load_predictions(predictions))
    report_evaluation(letters, minimums, bootstrap, output_json, per_letter)


@app.command("agreement")
@environment_errors
def agreement_command(
    reference: Path = typer.Argument(..., exists=True, file_okay=False, help="Folder of gold JSON files (the first annotation)."),
    other: Path = typer.Argument(..., exists=True, file_okay=False, help="Folder of a second annotation of some of the same letters."),
    minimum: List[str] = typer.Option([], "--min", help="Fail unless METRIC >= VALUE (repeatable)."),
    bootstrap: int = BOOTSTRAP_OPTION,
    output_json: Optional[Path] = typer.Option(None, "--json", help="Also write the metrics as JSON here."),
    disagreements_path: Optional[Path] = typer.Option(
        None, "--disagreements", dir_okay=False, help="Write each decision the annotations differ on as JSONL here (for adjudication)."
    ),
    per_letter: Optional[Path] = PER_LETTER_OPTION,
) -> None:
    """Score a second annotation against the first, with `imr evaluate`'s metrics, on the letters
    and fields both annotated: how far two careful readers agree."""
    import srsly

    from .evaluation.agreement import agreement, disagreements
    from .evaluation.evaluate import load_gold

    minimums = parse_minimums(minimum)
    refuse_reports_over_inputs([output_json, per_letter, disagreements_path], [reference, other])
    reference_gold, other_gold = load_gold(reference), load_gold(other)
    letters = agreement(reference_gold, other_gold)
    if not letters:
        echo_err(f"error: {other} annotates none of the letters in {reference}")
        raise typer.Exit(EXIT_USAGE)
    if disagreements_path is not None:
        entries = disagreements(reference_gold, other_gold)
        srsly.write_jsonl(disagreements_path, entries)
        echo_err(f"{len(entries)} decisions differ: {disagreements_path}")
    report_evaluation(letters, minimums, bootstrap, output_json, per_letter)


@app.command("bench")
@environment_errors
def bench_command(
    corpus: List[Path] = typer.Argument(..., exists=True, help="Letter files or folders to time."),
    repeat: int = typer.Option(3, "--repeat", "-r", min=1, help="Passes over the corpus per system."),
    model: Optional[str] = MODEL_OPTION,
    skip_medspacy: bool = typer.Option(False, "--skip-medspacy", help="Do not time medspaCy's default pipeline."),
    rounds: int = typer.Option(2, "--rounds", min=1, help="Alternating rounds of the tokenizer and IMR runs; each keeps its fastest."),
    pdf: bool = typer.Option(False, "--pdf", help="Also time PDF -> records end to end (CASE.pdf beside each CASE.txt)."),
) -> None:
    """Tokens/second and peak memory: bare tokenizer, IMR pipeline (1 and 2 processes), IMR from PDF, medspaCy."""
    from .bench import benchmark, format_report

    runs = benchmark(corpus, repeat=repeat, model=model, include_medspacy=not skip_medspacy, rounds=rounds, include_pdf=pdf)
    typer.echo(format_report(runs))


@app.command("make-corpus")
@environment_errors
def make_corpus_command(
    letters: List[Path] = typer.Argument(..., exists=True, help="Letter folders: every letter of the corpus (corpus/seeds corpus/dev corpus/synthetic)."),
    gold: Path = typer.Option(Path("corpus/gold"), "--gold", "-g", exists=True, file_okay=False, help="Gold JSON folder: the dev split is chosen from it."),
    test_gold: Path = typer.Option(Path("corpus/gold_heldout"), "--test-gold", exists=True, file_okay=False, help="Held-out gold JSON folder: the test split."),
    train: Path = typer.Option(Path("corpus/train.spacy"), "--train", help="Silver DocBin to write (train letters, in blocks)."),
    dev: Path = typer.Option(Path("corpus/dev.spacy"), "--dev", help="Gold DocBin to write (dev letters)."),
    test: Path = typer.Option(Path("corpus/test.spacy"), "--test", help="Gold DocBin to write (test letters)."),
    splits: Path = typer.Option(Path("corpus/splits.json"), "--splits", help="Manifest to write: which letter is in which split."),
    dev_size: int = typer.Option(30, "--dev-size", min=1, help="Letters of --gold in the dev split."),
    weight: List[str] = typer.Option([], "--weight", help="FOLDER=N: the train letters of this letter folder count N times (their blocks repeated), e.g. the real letters against written ones. Repeatable."),
    model: Optional[str] = MODEL_OPTION,
) -> None:
    """Leak-free training data for `spacy train`: splits by letter (test = --test-gold, dev = part
    of --gold, train = every other letter), silver train blocks, gold dev and test letters, and a
    manifest. Overlapping splits are refused. (`imr annotate -o X.spacy` is not a training split.)"""
    from .training.corpus import make_training_corpus, parse_weights
    from .training.splits import SplitError

    try:
        weights = parse_weights(weight)
        result = make_training_corpus(
            load_model(model), letters, gold, test_gold, train, dev, test, splits, dev_size=dev_size, weights=weights
        )
    except (SplitError, ValueError) as err:
        echo_err(f"error: {err}")
        raise typer.Exit(EXIT_USAGE)
    sizes, templates = result["splits"], result["templates"]

    def by_template(name: str) -> str:
        return ", ".join(f"{t} {n}" for t, n in sorted(templates[name].items()))

    blocks = result["train_blocks"]
    typer.echo(f"splits: {splits} (by letter, no overlap: the leak-free way to train and score)")
    typer.echo(
        f"train: {train} ({sizes['train']} letters, silver, {sum(blocks.values())} blocks: "
        + ", ".join(f"{n} {label}" for label, n in sorted(blocks.items()))
        + (f"; {result['train_examples']} examples with --weight" if weights else "")
        + f"; {result['train_drug_mentions']} DRUG mentions of {result['train_drug_names']} names; templates {by_template('train')})"
    )
    typer.echo(f"dev:   {dev} ({sizes['dev']} letters, gold; templates {by_template('dev')})")
    typer.echo(f"test:  {test} ({sizes['test']} letters, held-out gold; templates {by_template('test')})")
    for letter_id, values in result["gold_values_not_found"].items():
        echo_err(f"warning: {letter_id}: gold values not found in the text: {'; '.join(values)}")


@app.command("compare")
@environment_errors
def compare_command(
    gold: Optional[Path] = typer.Argument(None, exists=True, dir_okay=False, help="Gold DocBin from `imr make-corpus` (corpus/dev.spacy or corpus/test.spacy)."),
    models: Optional[List[Path]] = typer.Argument(None, exists=True, help="Pipelines to compare (rule pipeline, trained models, hybrid)."),
    train: Optional[Path] = typer.Option(None, "--train", exists=True, dir_okay=False, help="The training DocBin: adds recall on gold DRUG names absent from it."),
    split: Optional[str] = typer.Option(None, "--split", help="Store the scores under this key of --json (e.g. dev, test), keeping the other keys."),
    output_json: Optional[Path] = typer.Option(None, "--json", help="Also write the scores as JSON here."),
    table: Optional[Path] = typer.Option(None, "--table", exists=True, dir_okay=False, help="Print the summary table of a --json file written with --split (the README's) and exit."),
) -> None:
    """Per label and pipeline: exact P/R/F, overlap P/R/F, name-disjoint DRUG recall; `imr evaluate`'s
    metrics of the rule pipelines. Markdown tables on stdout."""
    import srsly

    from .evaluation.compare import compare, format_comparison, format_summary
    from .training.corpus import training_drug_names

    if table is not None:
        typer.echo(format_summary(srsly.read_json(table)))
        return
    if gold is None or not models:
        echo_err("error: give a gold DocBin and the pipelines to compare, or --table metrics/compare.json")
        raise typer.Exit(EXIT_USAGE)
    names = training_drug_names(train) if train is not None else None
    result = compare(gold, models, train_names=names)
    typer.echo(format_comparison(result, title=split))
    if output_json:
        output_json.parent.mkdir(parents=True, exist_ok=True)
        if split:
            stored = srsly.read_json(output_json) if output_json.exists() else {}
            stored[split] = result
            srsly.write_json(output_json, stored)
        else:
            srsly.write_json(output_json, result)


@app.command("render")
@environment_errors
def render_command(
    letter: Path = typer.Argument(..., exists=True, dir_okay=False, help="A letter .txt file."),
    output: Path = typer.Option(..., "--output", "-o", help="The HTML page to write."),
    model: Optional[str] = MODEL_OPTION,
    all_spans: bool = typer.Option(False, "--all-spans/--entities-only", help="Also show attribute spans (STRENGTH, PAGES...)."),
) -> None:
    """Show a letter with displaCy's span view and a table of its decisions."""
    from .display.render import LetterError, render_file

    try:
        record = render_file(letter, load_model(model), output, all_spans=all_spans)
    except LetterError as err:
        echo_err(f"error: {err}")
        raise typer.Exit(EXIT_INPUT_ERRORS)
    echo_err(f"wrote {output} ({len(record['decisions'])} decisions, {len(record['entities'])} entities)")


@app.command("report")
@environment_errors
def report_command(
    annotations: Path = typer.Argument(..., exists=True, dir_okay=False, help="imr/1 JSONL from `imr annotate`, or a DuckDB file from `imr export`."),
    output: Path = typer.Option(..., "--output", "-o", help="The HTML report to write."),
    csv_dir: Optional[Path] = typer.Option(None, "--csv", help="Also write every table as CSV into this folder."),
    top: int = typer.Option(20, "--top", min=1, help="Rows shown per ranked chart (CSV files have all rows)."),
    title: str = typer.Option("IMR corpus report", "--title", help="The report's title."),
) -> None:
    """Write a self-contained HTML report (inline CSS and SVG) of an annotated corpus."""
    from .display.report import build_report

    stats = build_report(annotations, output, csv_dir=csv_dir, top=top, title=title)
    if stats.bad_lines:
        echo_err(f"warning: {stats.bad_lines} lines of {annotations} are not JSON records and were skipped")
    echo_err(
        f"wrote {output} ({stats.letters} letters, {stats.outcomes.decisions} decisions"
        + (f"; CSV in {csv_dir}" if csv_dir else "")
        + ")"
    )


@app.command("export")
@environment_errors
def export_command(
    annotations: List[Path] = typer.Argument(..., exists=True, dir_okay=False, metavar="ANNOTATIONS", help="imr/1 JSONL files from `imr annotate`."),
    duckdb_path: Optional[Path] = typer.Option(None, "--duckdb", metavar="FILE", help="Write the tables into this DuckDB database (replacing the tables it wrote before)."),
    parquet_dir: Optional[Path] = typer.Option(None, "--parquet", metavar="DIR", help="Write one TABLE.parquet per table into this folder."),
) -> None:
    """Normalised tables (letters, decisions, drugs, citations, criteria, entities) for SQL, pandas and spreadsheets."""
    from .io.export import export_records

    if duckdb_path is None and parquet_dir is None:
        echo_err("error: give --duckdb FILE and/or --parquet DIR")
        raise typer.Exit(EXIT_USAGE)
    stats = export_records(annotations, duckdb_path=duckdb_path, parquet_dir=parquet_dir)
    rows = ", ".join(f"{table} {count:,}" for table, count in stats.rows.items())
    echo_err(f"exported {stats.letters:,} letters ({stats.error_letters:,} error records) in {stats.seconds:.1f} s: {rows}")
    for output in stats.outputs:
        echo_err(f"wrote {output}")
    if stats.bad_lines:
        echo_err(f"warning: {stats.bad_lines} lines were not JSON records and were skipped")


@app.command("config")
@environment_errors
def config_command(
    name: str = typer.Argument("imr.cfg", help="A bundled config: imr.cfg (the rule pipeline), ner.cfg, spancat.cfg."),
    output: Optional[Path] = typer.Option(None, "--output", "-o", help="Write it here (default: print it)."),
) -> None:
    """Print or save a config shipped with the package, e.g. for `spacy assemble` or `spacy train`."""
    from .resources import config_path

    source = config_path(name)
    if not source.is_file():
        echo_err(f"error: no bundled config {name!r}")
        raise typer.Exit(EXIT_USAGE)
    text = source.read_text(encoding="utf8")
    if output is None:
        typer.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf8")
        echo_err(f"wrote {output}")


def main() -> None:
    app()


if __name__ == "__main__":
    main()
