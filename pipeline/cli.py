"""The `imr` command line: thin typer commands over the package's functions.

Exit codes: 0 success; 1 some inputs could not be annotated (error records
were written) or an evaluation fell under a threshold; 2 usage errors (no
such input, bad option).
"""
from __future__ import annotations

import sys
from pathlib import Path
from typing import List, Optional

import typer

app = typer.Typer(add_completion=False, no_args_is_help=True, help="Annotate California IMR letters with spaCy.")

EXIT_OK, EXIT_INPUT_ERRORS, EXIT_USAGE = 0, 1, 2


def echo_err(message: str) -> None:
    typer.echo(message, err=True)


@app.command("annotate")
def annotate_command(
    inputs: List[Path] = typer.Argument(
        ..., help="Letters: .txt, .pdf, .jsonl ({\"id\", \"text\"} per line) files, folders of them (searched recursively), or - for stdin."
    ),
    output: Path = typer.Option(..., "--output", "-o", help="OUT.jsonl (records) or OUT.spacy (DocBin)."),
    model: Optional[Path] = typer.Option(None, "--model", "-m", help="A saved pipeline (default: the bundled rules)."),
    n_process: int = typer.Option(1, "--n-process", "-n", min=1, help="Worker processes."),
    batch_size: int = typer.Option(32, "--batch-size", "-b", min=1, help="Letters per batch."),
    include_text: Optional[bool] = typer.Option(
        None, "--include-text/--no-include-text", help="Copy each letter's text into its record [default: for PDFs only]."
    ),
    prefer: str = typer.Option("txt", "--prefer", help="When a folder holds CASE.txt and CASE.pdf, read this one: txt or pdf."),
    shard: Optional[str] = typer.Option(None, "--shard", help="K/N: annotate only the K-th of N deterministic shards (by id)."),
    resume: bool = typer.Option(False, "--resume", help="Keep the records already in OUT.jsonl and skip their ids."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar or summary."),
) -> None:
    """Annotate letters into imr/1 JSONL records or a spaCy DocBin."""
    from tqdm import tqdm

    from . import load
    from .io.annotate import annotate, in_shard, output_path, parse_shard
    from .io.inputs import InputError, expand_paths, iter_letters

    try:
        files = expand_paths(inputs, prefer=prefer)
        shard_k, shard_n = parse_shard(shard) if shard else (1, 1)
    except (InputError, ValueError) as err:
        echo_err(f"error: {err}")
        raise typer.Exit(EXIT_USAGE)
    if resume and output.suffix == ".spacy":
        echo_err("error: --resume works with JSONL output only")
        raise typer.Exit(EXIT_USAGE)
    letters = iter_letters(files, prefer=prefer)
    # JSONL files and stdin hold any number of letters, and a shard an unknown share: no total then.
    total = None if shard or any(f.suffix.lower() == ".jsonl" or str(f) == "-" for f in files) else len(files)
    if shard:
        letters = (letter for letter in letters if in_shard(letter.id, shard_k, shard_n))
    nlp = load(model)
    progress = tqdm(total=total, unit="letter", file=sys.stderr, disable=quiet or None)

    def on_record(record: dict) -> None:
        progress.update(1)
        if record.get("error"):
            progress.write(f"error: {record.get('source') or record['id']}: {record['error']}", file=sys.stderr)

    summary = annotate(
        nlp,
        letters,
        output,
        n_process=n_process,
        batch_size=batch_size,
        include_text=include_text,
        on_record=on_record,
        resume=resume,
        model=str(model) if model else None,
    )
    progress.close()
    if not quiet:
        echo_err(f"wrote {output_path(output)}")
        typer.echo(summary.table())
    if summary.errors:
        echo_err(f"{summary.errors} of {summary.letters} inputs could not be annotated")
        raise typer.Exit(EXIT_INPUT_ERRORS)


@app.command("evaluate")
def evaluate_command(
    predictions: Path = typer.Argument(..., exists=True, dir_okay=False, help="imr/1 JSONL from `imr annotate`."),
    gold: Path = typer.Option(Path("corpus/gold"), "--gold", "-g", exists=True, file_okay=False, help="Folder of gold JSON files."),
    minimum: List[str] = typer.Option([], "--min", help="Fail unless METRIC >= VALUE, e.g. --min decisions_f=1.0 (repeatable)."),
    output_json: Optional[Path] = typer.Option(None, "--json", help="Also write the metrics as JSON here."),
) -> None:
    """Print per-field P/R/F1 and accuracy against gold annotations."""
    import srsly

    from .evaluation.evaluate import check_thresholds, evaluate, load_gold, load_predictions

    minimums = {}
    for item in minimum:
        name, _, value = item.partition("=")
        try:
            minimums[name.strip()] = float(value)
        except ValueError:
            echo_err(f"error: --min expects METRIC=VALUE, got {item!r}")
            raise typer.Exit(EXIT_USAGE)
    result = evaluate(load_gold(gold), load_predictions(predictions))
    typer.echo(f"letters: {result.letters}")
    typer.echo(result.table())
    for letter_id in result.missing:
        echo_err(f"warning: no prediction for gold letter {letter_id}")
    for message in result.errors:
        echo_err(f"warning: prediction is an error record: {message}")
    metrics = result.metrics()
    if output_json:
        srsly.write_json(output_json, metrics)
    failures = check_thresholds(metrics, minimums)
    for failure in failures:
        echo_err(f"below threshold: {failure}")
    if failures:
        raise typer.Exit(EXIT_INPUT_ERRORS)


@app.command("bench")
def bench_command(
    corpus: List[Path] = typer.Argument(..., exists=True, help="Letter files or folders to time."),
    repeat: int = typer.Option(3, "--repeat", "-r", min=1, help="Passes over the corpus per system."),
    model: Optional[Path] = typer.Option(None, "--model", "-m", help="A saved pipeline (default: the bundled rules)."),
    skip_medspacy: bool = typer.Option(False, "--skip-medspacy", help="Do not time medspaCy's default pipeline."),
    rounds: int = typer.Option(2, "--rounds", min=1, help="Alternating rounds of the tokenizer and IMR runs; each keeps its fastest."),
) -> None:
    """Tokens/second and peak memory: bare tokenizer, IMR pipeline (1 and 2 processes), medspaCy."""
    from .bench import benchmark, format_report

    runs = benchmark(
        corpus, repeat=repeat, model=str(model) if model else None, include_medspacy=not skip_medspacy, rounds=rounds
    )
    typer.echo(format_report(runs))


@app.command("make-corpus")
def make_corpus_command(
    letters: List[Path] = typer.Argument(..., exists=True, help="Letter folders (silver training data)."),
    gold: Path = typer.Option(Path("corpus/gold"), "--gold", "-g", exists=True, file_okay=False, help="Gold JSON folder."),
    train: Path = typer.Option(Path("corpus/train.spacy"), "--train", help="Silver DocBin to write (letters without gold)."),
    dev: Path = typer.Option(Path("corpus/dev.spacy"), "--dev", help="Gold DocBin to write."),
    model: Optional[Path] = typer.Option(None, "--model", "-m", help="A saved pipeline (default: the bundled rules)."),
) -> None:
    """Write DocBins for `spacy train`: rule-pipeline silver for training, gold for evaluation."""
    from . import load
    from .training.corpus import make_training_corpus

    result = make_training_corpus(load(model), letters, gold, train, dev)
    typer.echo(f"train: {train} ({result['train_docs']} silver docs)")
    typer.echo(f"dev:   {dev} ({result['dev_docs']} gold docs)")
    for letter_id, values in result["gold_values_not_found"].items():
        echo_err(f"warning: {letter_id}: gold values not found in the text: {'; '.join(values)}")


@app.command("compare")
def compare_command(
    gold: Path = typer.Argument(..., exists=True, dir_okay=False, help="Gold DocBin from `imr make-corpus`."),
    models: List[Path] = typer.Argument(..., exists=True, help="Pipelines to compare (rule pipeline, trained models)."),
    output_json: Optional[Path] = typer.Option(None, "--json", help="Also write the scores as JSON here."),
) -> None:
    """Per-label P/R/F1 of several pipelines on the gold letters, side by side."""
    import srsly

    from .evaluation.compare import compare, format_comparison

    results = compare(gold, models)
    typer.echo(format_comparison(results))
    if output_json:
        output_json.parent.mkdir(parents=True, exist_ok=True)
        srsly.write_json(output_json, results)


@app.command("render")
def render_command(
    letter: Path = typer.Argument(..., exists=True, dir_okay=False, help="A letter .txt file."),
    output: Path = typer.Option(..., "--output", "-o", help="The HTML page to write."),
    model: Optional[Path] = typer.Option(None, "--model", "-m", help="A saved pipeline (default: the bundled rules)."),
    all_spans: bool = typer.Option(False, "--all-spans/--entities-only", help="Also show attribute spans (STRENGTH, PAGES...)."),
) -> None:
    """Show a letter with displaCy's span view and a table of its decisions."""
    from . import load
    from .display.render import LetterError, render_file

    try:
        record = render_file(letter, load(model), output, all_spans=all_spans)
    except LetterError as err:
        echo_err(f"error: {err}")
        raise typer.Exit(EXIT_INPUT_ERRORS)
    echo_err(f"wrote {output} ({len(record['decisions'])} decisions, {len(record['entities'])} entities)")


@app.command("report")
def report_command(
    annotations: Path = typer.Argument(..., exists=True, dir_okay=False, help="imr/1 JSONL from `imr annotate`."),
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


def main() -> None:
    app()


if __name__ == "__main__":
    main()
