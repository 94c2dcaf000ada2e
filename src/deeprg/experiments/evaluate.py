"""``deeprg evaluate``: the compression curve of a table against one KPI column.

Reads a table (CSV, TSV or Parquet), takes one column as the KPI and the other numeric
columns as features, and scores deeprg's features at every depth of a stack (and every top
width of an optional ladder), fine-tuned ones on request, PCA, PLS, the raw columns and the
training mean on the same splits (:mod:`deeprg.experiments.evaluate_curve`). Writes into
DIR:

- ``evaluation.json``: ``task``, ``metric``, ``rows`` (one per method and feature count:
  ``method``, ``depth``, ``n_features``, ``metric``, ``score``, ``stderr``, ...),
  ``recommended`` (the smallest deeprg model within the tolerance of the best), the
  settings and the data's description;
- ``evaluation.csv``: the rows as a table;
- ``models/``: every network trained on all training rows, readable by ``deeprg
  transform`` (``--depth`` picks a depth), fine-tuned ones beside them;
- ``compression_curve.png`` and a self-contained ``report.html``.
"""

from __future__ import annotations

import csv
import dataclasses
import html
import io as text_io
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from .. import __version__, io
from ..errors import InputError
from ._settings import ExperimentSettings
from .evaluate_curve import check_target, compression_curve, infer_task, splits
from .evaluate_features import MAX_EXACT_HIDDEN, NetworkCache, NetworkRecipe, network_makers
from .output import check_output_dir, locked_output_dir, stderr_log, write_json

__all__ = ["EvaluateSettings", "Table", "read_table", "run"]

#: Table formats ``deeprg evaluate`` reads.
TABLE_SUFFIXES = (".csv", ".tsv", ".parquet", ".pq")


@dataclass(frozen=True)
class EvaluateSettings(ExperimentSettings):
    """Every setting of an evaluation (defaults: an 8-6 stack on standardised columns, 5-fold CV).

    ``split`` is ``kfold`` (``folds`` × ``repeats``), ``time`` (forward chaining on
    ``time_column``) or ``test`` (a given test table). ``hidden_units`` and
    ``learning_rate`` have one value per layer (the last one repeats); empty means a linear
    (Gaussian) code layer at the bottom of a Gaussian stack with binary units above, at the
    learning rates of :meth:`NetworkRecipe.learning_rates`.
    """

    target: str = ""
    layers: tuple[int, ...] = (8, 6)
    widths: tuple[int, ...] = ()
    units: str = "gaussian"
    hidden_units: tuple[str, ...] = ()
    epochs: int = 200
    learning_rate: tuple[float, ...] = ()
    batch_size: int = 10
    l1: float = 0.0
    task: str = "auto"
    split: str = "kfold"
    folds: int = 5
    repeats: int = 1
    time_column: str | None = None
    columns: tuple[str, ...] = ()
    fine_tune: bool = False
    fine_tune_epochs: int = 3000
    tolerance: float = 0.05
    seed: int = 0

    _SEQUENCE_FIELDS: ClassVar[dict] = {
        "layers": int,
        "widths": int,
        "hidden_units": str,
        "learning_rate": float,
        "columns": str,
    }

    def recipes(self) -> list[NetworkRecipe]:
        """The stacks to train: ``layers``, or one per ladder width on top of its lower layers."""
        tops = self.widths or (self.layers[-1],)
        common = {
            "units": self.units,
            "hidden_units": tuple(self.hidden_units),
            "epochs": self.epochs,
            "batch_size": self.batch_size,
            "learning_rate": tuple(self.learning_rate),
            "l1": self.l1,
            "seed": self.seed,
            "fine_tune": {"max_epochs": self.fine_tune_epochs},
        }
        return [NetworkRecipe(layers=(*self.layers[:-1], top), **common) for top in tops]

    def check(self) -> None:
        """Refuse settings no evaluation can use (one line naming the fix)."""
        if not self.target:
            raise InputError("--target is required: the name of the KPI column")
        if not self.layers or any(n < 1 for n in (*self.layers, *self.widths)):
            raise InputError("--layers and --widths must be positive sizes, e.g. 32,8")
        if self.units not in ("gaussian", "binary"):
            raise InputError(f"--units must be gaussian or binary, got {self.units!r}")
        if self.split not in ("kfold", "time", "test"):
            raise InputError(f"--split must be kfold, time or test, got {self.split!r}")
        if self.split == "time" and not self.time_column:
            raise InputError("--split time needs --time-column C (the column to order rows by)")
        if self.epochs < 1 or self.batch_size < 1:
            raise InputError("--epochs and --batch-size must be at least 1")
        if not 0 <= self.tolerance < 1:
            raise InputError(f"--tolerance must be in [0, 1), got {self.tolerance}")


@dataclass
class Table:
    """A table read for an evaluation: features, target and (optionally) time."""

    X: np.ndarray
    y: np.ndarray
    time: np.ndarray | None
    columns: list[str]
    ignored: list[str]
    path: str


def read_table(
    path: str | Path, target: str, time_column: str | None = None, columns: tuple = ()
) -> Table:
    """Read a CSV/TSV/Parquet table and split it into features, target and time.

    Features are ``columns`` when given, else every numeric column other than the target
    and the time column (non-numeric ones are listed in ``Table.ignored``).
    """
    import pandas as pd

    source = Path(path)
    if not source.is_file():
        raise InputError(f"{source} does not exist or is not a file; check the path")
    suffix = source.suffix.lower()
    try:
        if suffix in (".parquet", ".pq"):
            frame = pd.read_parquet(source)
        elif suffix in (".csv", ".tsv"):
            frame = pd.read_csv(source, sep="\t" if suffix == ".tsv" else ",")
        else:
            raise InputError(
                f"cannot read {source}: deeprg evaluate reads {', '.join(TABLE_SUFFIXES)} tables"
            )
    except (OSError, ValueError, ImportError) as exc:
        raise InputError(f"{source} is not a readable table ({exc}); check the file") from exc
    names = [str(c) for c in frame.columns]
    frame.columns = names
    for name, what in ((target, "--target"), (time_column, "--time-column")):
        if name is not None and name not in names:
            listed = ", ".join(names[:12]) + (", ..." if len(names) > 12 else "")
            raise InputError(f"{source} has no column {name!r} for {what}; choose from {listed}")
    labels = frame[target]
    if labels.isna().any():
        rows = np.flatnonzero(labels.isna().to_numpy())
        raise InputError(
            f"{source}: the target {target!r} is missing (NaN) in {rows.size} rows (first: "
            f"data row {rows[0]}); drop those rows or fill them"
        )
    y = labels.to_numpy()
    time = None if time_column is None else _time_keys(frame[time_column], source)
    others = [c for c in names if c not in (target, time_column)]
    if columns:
        missing = [c for c in columns if c not in names]
        if missing:
            raise InputError(f"{source} has no column(s) {missing}; check --columns")
        taken = [c for c in columns if c in (target, time_column)]
        if taken:
            raise InputError(
                f"--columns names {taken[0]!r}, the target or time column; leave it out of "
                "--columns"
            )
        chosen, ignored = list(columns), []
    else:
        numeric = [c for c in others if pd.api.types.is_numeric_dtype(frame[c])]
        chosen, ignored = numeric, [c for c in others if c not in numeric]
    if not chosen:
        raise InputError(f"{source} has no numeric feature columns besides the target")
    text = [c for c in chosen if not pd.api.types.is_numeric_dtype(frame[c])]
    if text:
        raise InputError(
            f"{source}: column {text[0]!r} is not numeric (e.g. {frame[text[0]].iloc[0]!r}); "
            "leave it out of --columns"
        )
    X = frame[chosen].to_numpy(dtype=np.float64)
    if not np.all(np.isfinite(X)):
        rows = np.flatnonzero(~np.all(np.isfinite(X), axis=1))
        raise InputError(
            f"{source} has {rows.size} rows with missing or infinite features (first: data "
            f"row {rows[0]}); drop or fill them before evaluating"
        )
    return Table(X, y, time, chosen, ignored, str(source))


def _time_keys(column: Any, source: Path) -> np.ndarray:
    """A time column as sortable keys: numbers, datetimes, or ISO 8601 text; else InputError."""
    import pandas as pd

    name = column.name
    if column.isna().any():
        first = int(np.flatnonzero(column.isna().to_numpy())[0])
        raise InputError(
            f"{source}: the time column {name!r} is missing in some rows (first: data row "
            f"{first}); fill or drop them"
        )
    if pd.api.types.is_bool_dtype(column):
        raise InputError(
            f"{source}: the time column {name!r} holds booleans, which cannot order rows; "
            "pass numbers or ISO 8601 dates"
        )
    if pd.api.types.is_numeric_dtype(column):
        return column.to_numpy(dtype=np.float64)
    try:
        if pd.api.types.is_datetime64_any_dtype(column):
            parsed = pd.to_datetime(column, utc=True)
        else:
            parsed = pd.to_datetime(column.astype(str), format="ISO8601", utc=True)
    except (TypeError, ValueError) as exc:
        raise InputError(
            f"{source}: the time column {name!r} cannot be sorted (e.g. "
            f"{column.iloc[0]!r}); pass numbers or ISO 8601 dates like 2024-03-01T12:00"
        ) from exc
    return (parsed - pd.Timestamp(0, tz="UTC")).dt.total_seconds().to_numpy(np.float64)


def _check_class_folds(y: np.ndarray, folds: list[tuple[np.ndarray, np.ndarray]]) -> None:
    """Every outer training part needs 3 rows of two classes (for the inner 3-fold search);
    a forward-chaining fold may have fewer."""
    for index, (train, _) in enumerate(folds):
        counts = np.unique(y[train], return_counts=True)[1]
        if np.sum(counts >= 3) < 2:
            raise InputError(
                f"the training rows of split {index + 1} hold fewer than 3 rows of two "
                "classes; use fewer --folds or more rows"
            )


def _target_array(y: np.ndarray, task: str) -> np.ndarray:
    if task == "regression":
        try:
            return np.asarray(y, dtype=np.float64)
        except (TypeError, ValueError) as exc:
            raise InputError(
                "the target is not numeric; pass --task classification or another column"
            ) from exc
    return np.asarray(y).astype(str) if np.asarray(y).dtype == object else np.asarray(y)


def run(
    data: str | Path,
    settings: EvaluateSettings,
    out_dir: str | Path,
    test: str | Path | None = None,
    progress: bool = True,
    log: Callable[[str], None] | None = None,
) -> dict:
    """Evaluate ``data`` (and ``test``) into ``out_dir``; return ``evaluation.json``'s contents."""
    log = log or stderr_log
    settings.check()
    if test is not None:
        settings = settings.replace(split="test")
    elif settings.split == "test":
        raise InputError("--split test needs --test FILE (the held-out table)")
    _check_networks(settings)
    train = read_table(data, settings.target, settings.time_column, settings.columns)
    tables = [train]
    if test is not None:
        tables.append(read_table(test, settings.target, settings.time_column, train.columns))
    X = np.vstack([t.X for t in tables])
    raw_y = np.concatenate([t.y for t in tables])
    task = infer_task(raw_y, settings.task)
    y = _target_array(raw_y, task)
    n_train = train.X.shape[0]
    if settings.split == "test":
        folds = [(np.arange(n_train), np.arange(n_train, X.shape[0]))]
        check_target(y[:n_train], task, None)
    else:
        check_target(y, task, settings.folds if settings.split == "kfold" else None)
        folds = splits(
            n_train, y, task, settings.split, settings.folds, settings.repeats,
            train.time, settings.seed,
        )  # fmt: skip
    if task == "classification":
        _check_class_folds(y, folds)
    check_output_dir(out_dir)
    recipes = settings.recipes()
    cache = NetworkCache(train.columns)
    makers = network_makers(recipes, task, fine_tune=settings.fine_tune, cache=cache)
    created = not Path(out_dir).exists()
    try:
        with locked_output_dir(out_dir, "evaluate") as out:
            document = _evaluate_into(
                out,
                settings,
                train,
                test,
                X,
                y,
                folds,
                makers,
                cache,
                recipes,
                task,
                progress,
                log,
            )
    except BaseException:
        if created:  # a failed run leaves no folder of its own behind
            shutil.rmtree(out_dir, ignore_errors=True)
        raise
    return document


def _evaluate_into(
    out: Path,
    settings: EvaluateSettings,
    train: Table,
    test: str | Path | None,
    X: np.ndarray,
    y: np.ndarray,
    folds: list,
    makers: dict,
    cache: NetworkCache,
    recipes: list[NetworkRecipe],
    task: str,
    progress: bool,
    log: Callable[[str], None],
) -> dict:
    """Score every method, train the final models and write every file into ``out``."""
    n_train = train.X.shape[0]
    bar = _progress_bar(_progress_steps(makers, X.shape[1], folds, task), progress)
    try:
        result = compression_curve(
            X, y, folds, makers, task=task, seed=settings.seed, tolerance=settings.tolerance,
            progress=lambda message: bar(message),
        )  # fmt: skip
    finally:
        bar(None)
    log("training the final models on all training rows")
    model_files = _save_models(out, recipes, settings, train, y[:n_train], task, cache)
    for row in result.rows:
        row["model"] = model_files.get((row["method"], row["depth"], row["n_features"]))
    document = {
        "deeprg_version": __version__,
        **result.as_dict(),
        "settings": settings.as_dict(),
        "data": {
            "train": train.path,
            "test": None if test is None else str(test),
            "n_train": n_train,
            "n_test": X.shape[0] - n_train if test is not None else None,
            "n_features": X.shape[1],
            "feature_columns": train.columns,
            "ignored_columns": train.ignored,
            "n_splits": len(folds),
        },
    }
    write_json(document, out / "evaluation.json")
    _write_csv(result.rows, out / "evaluation.csv")
    _write_report(document, out)
    return document


def _check_networks(settings: EvaluateSettings) -> None:
    """Refuse hyper-parameters the networks cannot take, before any output is written."""
    from ..rbm import DBN

    if settings.fine_tune_epochs < 1:
        raise InputError(f"--fine-tune-epochs must be at least 1, got {settings.fine_tune_epochs}")
    if any(not rate > 0 for rate in settings.learning_rate):
        raise InputError(f"--lr must be positive numbers, got {list(settings.learning_rate)}")
    for recipe in settings.recipes():
        try:
            DBN(**recipe.dbn_kwargs()).check_params()
        except TypeError as exc:  # a setting this DBN does not take
            raise InputError(
                f"the networks cannot take these settings ({exc}); drop --hidden-units"
            ) from exc


def _progress_steps(makers: dict, n_columns: int, folds: list, task: str) -> int:
    """How many feature sets :func:`compression_curve` announces (its progress messages)."""
    counts = {n for _, _, n in makers}
    largest = min(n_columns, min(len(train) for train, _ in folds) - 1)
    linear = 2 if task == "regression" else 1
    return len(makers) + linear * sum(n <= largest for n in counts) + 1


def _progress_bar(total: int, enabled: bool) -> Callable[[str | None], None]:
    """A tqdm bar advanced once per method/feature set (``None`` closes it)."""
    if not enabled:
        return lambda message: None
    import sys

    from tqdm.auto import tqdm

    bar = tqdm(total=total, desc="evaluate", unit=" sets", file=sys.stderr)

    started = []

    def step(message: str | None) -> None:
        if started:  # the set announced before this one is done
            bar.update(1)
        if message is None:
            bar.close()
            return
        started.append(message)
        bar.set_postfix_str(message)

    return step


def _save_models(
    out: Path,
    recipes: list[NetworkRecipe],
    settings: EvaluateSettings,
    train: Any,
    y_train: np.ndarray,
    task: str,
    cache: NetworkCache,
) -> dict[tuple, str]:
    """Every recipe on all training rows into models/ (readable by deeprg transform).

    Networks the splits already trained on exactly these rows (a given test set) come from
    ``cache`` instead of being trained again.
    """
    models = out / "models"
    models.mkdir(exist_ok=True)
    files: dict[tuple, str] = {}
    for recipe in recipes:
        network = cache.network(recipe, train.X)
        name = "stack_" + "-".join(map(str, recipe.layers))
        metadata = {
            "data_file": str(Path(train.path).resolve()),
            "data_format": Path(train.path).suffix.lstrip(".").lower(),
            "n_samples": int(train.X.shape[0]),
            "n_train": int(train.X.shape[0]),
            "preprocessing": network.preprocessing.to_json(),
            "seed": settings.seed,
            "evaluate_target": settings.target,
        }
        path = models / f"{name}.h5"
        io.save_model(network.dbn, path, overwrite=True, metadata=metadata)
        for depth, width in enumerate(recipe.layers, start=1):
            files.setdefault(("deeprg", depth, width), f"models/{path.name}")
        if not settings.fine_tune:
            continue
        for depth, width in enumerate(recipe.layers, start=1):
            if ("deeprg-fine-tuned", depth, width) in files:
                continue
            stack, tuned = cache.fine_tuned(recipe, depth, train.X, y_train, task)
            tuned_path = models / f"{name}_depth{depth}_fine_tuned.h5"
            head = {
                "head_weights": tuned.head_weights.tolist(),
                "head_bias": tuned.head_bias.tolist(),
                "task": task,
                "target_mean": tuned.target_mean,
                "target_scale": tuned.target_scale,
                "classes": None if tuned.classes is None else [str(c) for c in tuned.classes],
            }
            io.save_model(
                tuned.to_dbn(stack), tuned_path, overwrite=True,
                metadata={**metadata, "fine_tuned_head": head},
            )  # fmt: skip
            files[("deeprg-fine-tuned", depth, width)] = f"models/{tuned_path.name}"
    return files


_CSV_COLUMNS = ("method", "depth", "n_features", "metric", "score", "stderr", "n_splits")


def _write_csv(rows: list[dict], path: Path) -> None:
    extra = sorted({k for r in rows for k in r} - set(_CSV_COLUMNS))
    buffer = text_io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=[*_CSV_COLUMNS, *extra], lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: ("" if row.get(k) is None else row.get(k)) for k in writer.fieldnames})
    with io.atomic_write(path, overwrite=True) as tmp:
        tmp.write_text(buffer.getvalue())


def _write_report(document: dict, out: Path) -> None:
    from ..plots.evaluate import plot_compression_curve
    from .html import STYLE, dict_table, image, write_html

    metric = document["metric"]
    data = document["data"]
    figure = plot_compression_curve(
        document["rows"], metric, out / "compression_curve.png",
        title=f"{document['settings']['target']}: {metric} against the number of features",
    )  # fmt: skip
    chosen = document["recommended"]
    advice = (
        f"<p><b>Recommended:</b> {chosen['method']} depth {chosen['depth']} with "
        f"{chosen['n_features']} features ({metric} {chosen['score']:.4g}; best deeprg "
        f"{chosen['best_score']:.4g}; "
        f"rule: {html.escape(chosen['rule'])}).</p>"
        if chosen
        else "<p>No deeprg feature set could be scored.</p>"
    )
    split = document["settings"]["split"]
    described = {
        "test": f"the given test table ({data['n_test']} rows; error bars: bootstrap over them)",
        "kfold": f"{data['n_splits']} folds (error bars: standard error over folds)",
        "time": f"{data['n_splits']} forward-chaining folds on the time column",
    }[split]
    columns = ["method", "depth", "n_features", "score", "stderr", "reconstruction_error",
               "layer_log_likelihood", "model"]  # fmt: skip
    parts = [
        "<!doctype html><html><head><meta charset='utf-8'><title>deeprg evaluate</title>",
        f"<style>{STYLE}</style></head><body>",
        f"<h1>Compression curve: {html.escape(document['settings']['target'])}</h1>",
        f"<p>{html.escape(document['task'])} on {data['n_train']} training rows × "
        f"{data['n_features']} feature columns; scored on {described}. Every method sees "
        "the same rows; deeprg's networks are trained on each split's training rows only.</p>",
        advice,
        image(figure),
        "<h2>Every feature set</h2>",
        dict_table(document["rows"], columns),
        "<p class=note>deeprg: the stack's hidden means at that depth, then a ridge "
        "(logistic) model with its penalty chosen by inner cross-validation; fine-tuned: the "
        "stack up to that depth trained by backpropagation on the target with early "
        "stopping; PCA/PLS: the same downstream model on that many components; raw: all "
        "columns; mean: the training mean (majority class). layer_log_likelihood: mean "
        "held-out ln p of that depth's RBM on its own inputs, exact where it can be "
        f"enumerated (at most {MAX_EXACT_HIDDEN} hidden units), else not computed.</p>",
        "<h2>Settings</h2>",
        dict_table(
            [{"setting": k, "value": v} for k, v in document["settings"].items()],
            ["setting", "value"],
        ),
        "</body></html>",
    ]
    write_html(parts, out / "report.html")


def settings_from_options(**options: Any) -> EvaluateSettings:
    """EvaluateSettings from command-line values (None means the default)."""
    fields = {f.name for f in dataclasses.fields(EvaluateSettings)}
    given = {k: v for k, v in options.items() if k in fields and v is not None}
    return EvaluateSettings().replace(**given)
