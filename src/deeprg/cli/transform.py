"""``deeprg transform`` and ``deeprg reconstruct``: features and reconstructions of your data.

Both read DATA with the readers of ``deeprg train`` (same --key, --dataset, --columns,
--missing), apply the preprocessing stored in the model file, and write one row per input
row, in input order, to --out (.csv, .npy or .h5/.hdf5; written atomically).
"""

from __future__ import annotations

from pathlib import Path

import click

from ._common import check_output_path, emit_summary, handle_errors
from ._options import apply_options, json_option

OUT_SUFFIXES = (".csv", ".npy", ".h5", ".hdf5")


def _data_options(func):
    """The DATA-reading options shared with ``deeprg train``."""
    options = [
        click.option(
            "--key", default=None, help="Array of a .npz DATA file (needed if it has several)."
        ),
        click.option(
            "--dataset", default="spins", show_default=True, help="Dataset of an HDF5 DATA file."
        ),
        click.option(
            "--columns",
            default=None,
            help="Table (CSV/TSV/Parquet) columns to use (default: the columns the model was "
            "trained on).",
        ),
        click.option(
            "--missing",
            type=click.Choice(["refuse", "drop", "impute"]),
            default=None,
            help="Rows with NaN/Inf: refuse the data, drop those rows (the output skips them), "
            "or impute NaN from the model (default: the policy the model was trained with).",
        ),
        click.option(
            "--depth",
            type=int,
            default=None,
            help="Layer whose hidden units are used, 1 = bottom (default: the top layer).",
        ),
        click.option(
            "--out", "-o", type=click.Path(dir_okay=False), required=True, help="Output file."
        ),
        click.option("--overwrite", is_flag=True, help="Replace an existing --out file."),
        json_option("Print the summary as JSON."),
    ]
    func = apply_options(func, options)
    # Applied innermost first, so MODEL (applied last) is the first argument.
    func = click.argument("data", type=click.Path())(func)
    return click.argument("model", type=click.Path(dir_okay=False))(func)


def _prepare(model: str, data: str, options: dict):
    """Checks everything before any work; returns (dbn, depth, preprocessing, rows, info, out)."""
    from ..errors import InputError
    from ..io import load_layers, load_model
    from ..preprocessing import Preprocessing, drop_missing
    from ..readers import TABLE_SUFFIXES, parse_columns, read_data

    out = check_output_path(options["out"], options["overwrite"])
    if out.suffix.lower() not in OUT_SUFFIXES:
        raise InputError(f"--out {out} has an unknown extension; use .csv, .npy, .h5 or .hdf5")
    layers, attrs = load_layers(model)
    prep = Preprocessing.from_attrs(attrs, layers)
    depth = options["depth"]
    n_layers = len(layers)
    if depth is None:
        depth = n_layers
    if not 1 <= depth <= n_layers:
        raise InputError(
            f"--depth must be between 1 and {n_layers} (the model's layers), got {depth}"
        )
    if not Path(data).exists():
        raise InputError(f"{data} does not exist; check the path")
    columns = parse_columns(options["columns"])
    is_table = Path(data).suffix.lower() in TABLE_SUFFIXES and not Path(data).is_dir()
    if columns is None and is_table:
        columns = prep.columns
    raw, info = read_data(data, key=options["key"], dataset=options["dataset"], columns=columns)
    missing = options["missing"] or prep.missing
    raw, kept = drop_missing(raw, missing, name=str(data))
    hint = (
        "the model was trained without --scale/--binarize on data in that range; retrain it "
        "with --scale minmax"
    )
    visible = prep.apply(raw, name=str(data), hint=hint)
    dbn = load_model(model)
    if missing == "impute":
        # Missing units are sampled by the bottom RBM, seeded by the model's training seed.
        dbn.rbms_[0].set_params(missing="impute", random_state=int(attrs.get("seed", 0)))
    return dbn, depth, prep, visible, info, kept, out


def _write(out: Path, array, names: list[str], what: str, overwrite: bool, attrs: dict) -> None:
    """Write ``array`` to ``out`` as .csv (with ``names``), .npy or checksummed HDF5."""
    import numpy as np

    from .. import io

    suffix = out.suffix.lower()
    if suffix in (".h5", ".hdf5"):
        rows = np.asarray(attrs.pop("rows"), dtype=np.int64)
        io.save_arrays(out, {what: array, "rows": rows}, attrs, overwrite=overwrite)
        return
    with io.atomic_write(out, overwrite=overwrite) as tmp:
        if suffix == ".csv":
            flat = array.reshape(array.shape[0], -1)
            with open(tmp, "w", newline="") as handle:
                np.savetxt(
                    handle, flat, delimiter=",", header=",".join(names), comments="", fmt="%.9g"
                )
        else:
            with open(tmp, "wb") as handle:
                np.save(handle, array)


def _run(kind: str, model: str, data: str, options: dict) -> None:
    import numpy as np

    dbn, depth, prep, visible, info, kept, out = _prepare(model, data, options)
    if kind == "transform":
        result = np.asarray(dbn.transform(visible.astype(np.float32), depth=depth), np.float64)
        names = [f"h{j}" for j in range(result.shape[1])]
        what = "features"
    else:
        visible = dbn.transform(visible, depth=0)  # NaN imputed (--missing impute)
        means = dbn.reconstruct(visible.astype(np.float32), depth=depth)
        result = prep.inverse(np.asarray(means, dtype=np.float64))
        names = info["columns"] or [f"x{j}" for j in range(result.shape[1])]
        what = "reconstruction"
        if out.suffix.lower() != ".csv":
            result = result.reshape(result.shape[0], *prep.input_shape)
    dropped = info["n_rows"] - kept.size
    attrs = {
        "model": str(Path(model).resolve()),
        "data": str(Path(data).resolve()),
        "depth": depth,
        "preprocessing": prep.kind,
        "rows": kept,
    }
    _write(out, result, names, what, options["overwrite"], attrs)
    summary = {
        "out": str(out),
        "n_rows": int(result.shape[0]),
        "n_columns": int(np.prod(result.shape[1:])),
        "depth": depth,
        "preprocessing": prep.kind,
        "dropped_rows": int(dropped),
    }
    if kind == "reconstruct":
        summary["reconstruction_error"] = float(
            np.mean((visible - np.asarray(means, dtype=np.float64)) ** 2)
        )
    title = f"{what} of {info['n_rows'] - dropped} rows"
    emit_summary(summary, options["as_json"], title, dropped_rows=dropped)


@click.command(name="transform")
@_data_options
@handle_errors
def command(model: str, data: str, **options) -> None:
    """Hidden-unit means of MODEL's layer --depth for each row of DATA (features out).

    DATA is read like 'deeprg train' reads it and gets the preprocessing stored in MODEL
    (e.g. --scale minmax with the training min/max; new values outside the training range
    are clipped). One output row per input row, in order; .csv has columns h0, h1, ...;
    .h5 has datasets 'features' and 'rows' (the input row of each output row).

    \b
        deeprg transform m.h5 digits.csv --out features.csv
    """
    _run("transform", model, data, options)


@click.command(name="reconstruct")
@_data_options
@handle_errors
def reconstruct_command(model: str, data: str, **options) -> None:
    """Reconstructions of DATA through MODEL: up to layer --depth with means and back down.

    Values are in DATA's own scale where the model was trained with --scale minmax (the
    mapping is inverted) and spins for deeprg sample files; with --binarize they stay
    in the units' range. .npy/.h5 outputs keep each row's shape (e.g. images); .csv is flat,
    with the training column names. The summary's reconstruction_error is the mean squared
    error per unit in the units' range.

    \b
        deeprg reconstruct m.h5 digits.csv --depth 1 --out recon.npy
    """
    _run("reconstruct", model, data, options)


#: Both commands of this module, registered by :func:`deeprg.cli._register`.
commands = (command, reconstruct_command)
