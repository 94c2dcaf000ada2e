"""``deeprg evaluate``: how few learned features keep a KPI (the compression curve of a table).

Thin: parses the options into :class:`deeprg.experiments.evaluate.EvaluateSettings`, runs
:func:`deeprg.experiments.evaluate.run` and prints its summary. Every check of the data
(target, classes, time column) happens before ``--out`` is created.
"""

from __future__ import annotations

from pathlib import Path

import click

from ._common import emit_json, handle_errors
from ._options import (
    int_list_callback,
    json_option,
    no_progress_option,
    out_dir_option,
)

#: The summary printed by ``--json`` (the rest is in DIR/evaluation.json).
SUMMARY_KEYS = ("task", "metric", "rows", "recommended")


def _name_list(option: str):
    """A click callback: ``"a,b"`` as a tuple of names (None stays None), else a usage error."""

    def callback(ctx: click.Context, param: click.Parameter, value: str | None):
        if value is None:
            return None
        items = tuple(item.strip() for item in value.split(","))
        if not items or any(not item for item in items):
            raise click.BadParameter(f"must be comma-separated names like a,b, got {value!r}")
        return items

    return callback


def _rate_list(ctx: click.Context, param: click.Parameter, value: str | None):
    """``--lr 0.003,0.1`` as a tuple of positive floats (one per layer, the last repeats)."""
    if value is None:
        return None
    try:
        rates = tuple(float(part) for part in value.split(","))
    except ValueError:
        rates = ()
    if not rates or any(not rate > 0 for rate in rates):
        raise click.BadParameter(
            f"must be positive numbers, one per layer, like 0.003,0.1, got {value!r}"
        )
    return rates


def _print_table(document: dict, out: Path) -> None:
    """The rows as a short table, the recommendation and the report's path."""
    metric = document["metric"]
    click.echo(
        f"{document['task']}, {metric} ({'lower' if metric == 'rmse' else 'higher'} is better)"
    )
    click.echo(f"  {'method':<18}{'depth':>6}{'features':>10}{metric:>12}{'± stderr':>12}")
    for row in document["rows"]:
        depth = "" if row["depth"] is None else str(row["depth"])
        score = "nan" if row["score"] is None else f"{row['score']:.4g}"
        stderr = "" if row["stderr"] is None else f"{row['stderr']:.2g}"
        click.echo(f"  {row['method']:<18}{depth:>6}{row['n_features']:>10}{score:>12}{stderr:>12}")
    chosen = document["recommended"]
    if chosen:
        click.echo(
            f"recommended: {chosen['method']} depth {chosen['depth']}, "
            f"{chosen['n_features']} features "
            f"({metric} {chosen['score']:.4g}; {chosen['rule']})"
        )
    click.echo(f"report: {out / 'report.html'}   table: {out / 'evaluation.csv'}")


@click.command(name="evaluate")
@click.argument("data", type=click.Path())
@click.option("--target", required=True, help="The KPI column to predict.")
@out_dir_option("Output folder: evaluation.json/.csv, report.html, models/.")
@click.option(
    "--test",
    "test",
    type=click.Path(),
    default=None,
    help="A held-out table with the same columns: score on it instead of cross-validation.",
)
@click.option(
    "--split",
    type=click.Choice(["kfold", "time"]),
    default=None,
    help="kfold: repeated (stratified) K-fold [default]; time: forward chaining on "
    "--time-column (never trains on the future).",
)
@click.option("--folds", type=int, default=None, help="Folds K (default 5).")
@click.option("--repeats", type=int, default=None, help="Repeats of K-fold (default 1).")
@click.option(
    "--time-column", default=None, help="Column that orders the rows (kept out of the features)."
)
@click.option(
    "--task",
    type=click.Choice(["auto", "regression", "classification"]),
    default=None,
    help="auto [default]: classes when the target is text or has at most 20 integer values.",
)
@click.option(
    "--layers",
    callback=int_list_callback("--layers", "32,8"),
    default=None,
    help="Hidden sizes of the stack, bottom first (default 8,6); every depth is scored.",
)
@click.option(
    "--widths",
    callback=int_list_callback("--widths", "2,4,8,16"),
    default=None,
    help="A ladder of top-layer widths, each on the lower layers of --layers, e.g. 2,4,8,16.",
)
@click.option(
    "--units",
    type=click.Choice(["gaussian", "binary"]),
    default=None,
    help="Visible units: gaussian (standard-scaled values) [default] or binary (min-max scaled).",
)
@click.option(
    "--hidden-units",
    callback=_name_list("--hidden-units"),
    default=None,
    help="Hidden units per layer, binary or gaussian (a linear code layer), the last repeats "
    "(default: gaussian,binary for --units gaussian, binary for --units binary).",
)
@click.option("--epochs", type=int, default=None, help="Epochs per layer (default 200).")
@click.option(
    "--lr",
    "learning_rate",
    callback=_rate_list,
    default=None,
    help="Learning rate per layer, the last repeats (default by each layer's units: 0.001 "
    "for a linear code layer, 0.003 for Gaussian data under binary units, 0.01 for binary "
    "units on a code layer, 0.1 for binary on binary).",
)
@click.option("--batch-size", type=int, default=None, help="Mini-batch size (default 10).")
@click.option("--l1", type=float, default=None, help="L1 weight penalty (default 0).")
@click.option(
    "--columns",
    callback=_name_list("--columns"),
    default=None,
    help="Feature columns, e.g. a,b,c (default: every numeric column but the target and time).",
)
@click.option(
    "--fine-tune",
    is_flag=True,
    default=None,
    help="Also score each depth fine-tuned: the stack unrolled and trained on the target.",
)
@click.option(
    "--fine-tune-epochs", type=int, default=None, help="Most fine-tuning epochs (default 3000)."
)
@click.option(
    "--tolerance",
    type=float,
    default=None,
    help="Recommend the smallest model within this fraction of the best score (default 0.05).",
)
@click.option("--seed", type=int, default=None, help="Random seed (default 0).")
@json_option("Print the summary (task, metric, rows, recommended) as JSON.")
@no_progress_option()
@handle_errors
def command(
    data: str, out_dir: str, test: str | None, as_json: bool, no_progress: bool, **options
) -> None:
    """How few learned features keep the KPI --target of the table DATA.

    DATA is a .csv, .tsv or .parquet table. For every depth of the stack (and every
    --widths top layer) deeprg's unsupervised network is trained on the feature columns of
    each split's training rows only, and a ridge (or logistic) model on its features is
    scored on the held-out rows; PCA, PLS, the raw columns and the training mean are scored
    beside it with the same number of features. Writes DIR/evaluation.json, evaluation.csv,
    compression_curve.png, report.html and models/ (read by 'deeprg transform --depth').

    \b
        deeprg evaluate line.csv --target yield --out eval/
        deeprg evaluate train.csv --target fat --test test.csv --fine-tune --out eval/
        deeprg evaluate log.parquet --target failed --split time --time-column ts --out eval/
    """
    from ..errors import InputError
    from ..experiments.evaluate import run, settings_from_options

    if test is not None:
        given = [
            name
            for name, key in (("--split", "split"), ("--folds", "folds"), ("--repeats", "repeats"))
            if options[key] is not None
        ]
        if given:
            raise InputError(f"--test scores on a given table; drop {', '.join(given)}")
        options["split"] = "test"
    if options["time_column"] is not None and options["split"] is None and test is None:
        options["split"] = "time"
    if options["split"] == "time" and options["repeats"] is not None:
        raise InputError("--repeats applies to --split kfold; drop it")
    for name in ("folds", "repeats", "epochs", "batch_size", "fine_tune_epochs"):
        value = options[name]
        if value is not None and value < 1:
            raise InputError(f"--{name.replace('_', '-')} must be at least 1, got {value}")
    if options["fine_tune_epochs"] is not None and not options["fine_tune"]:
        raise InputError("--fine-tune-epochs needs --fine-tune")
    settings = settings_from_options(**options)
    document = run(
        data,
        settings,
        out_dir,
        test=test,
        progress=not no_progress,
        log=(lambda message: None) if no_progress else None,
    )
    if as_json:
        emit_json({key: document[key] for key in SUMMARY_KEYS})
        return
    _print_table(document, Path(out_dir))
