"""``deeprg train``: greedy layer-wise training of a deep belief network on your data.

DATA is a deeprg sample file or any data :func:`deeprg.readers.read_data` reads (.npy, .npz,
.csv/.tsv/.parquet tables, HDF5 datasets, a folder of images); the preprocessing (``--scale``,
``--binarize``) is stored in the model file for ``deeprg transform`` / ``reconstruct``.
"""

from __future__ import annotations

import time

import click

from ._common import check_output_path, emit_summary, handle_errors, precision_option
from ._options import choice_option, device_option, json_option, no_progress_option, parse_int_list


def _parse_hidden_units(text: str, n_layers: int) -> str | list[str]:
    """``--hidden-units``: one kind for every layer, or one per layer (bottom first)."""
    from ..errors import InputError

    kinds = [part.strip() for part in str(text).split(",")]
    bad = [kind for kind in kinds if kind not in ("binary", "gaussian")]
    if bad or len(kinds) not in (1, n_layers):
        raise InputError(
            f"--hidden-units must be binary or gaussian, one value or {n_layers} (one per "
            f"layer), got {text!r}"
        )
    return kinds[0] if len(kinds) == 1 else kinds


def _parse_learning_rate(text: str, n_layers: int) -> float | list[float]:
    from ..errors import InputError

    try:
        values = [float(part) for part in str(text).split(",")]
    except ValueError:
        values = []
    if len(values) not in (1, n_layers):
        raise InputError(
            f"--lr must be one number or {n_layers} comma-separated numbers (one per layer), "
            f"got {text!r}"
        )
    return values[0] if len(values) == 1 else values


def _check_standardised(visible, name: str) -> None:
    """Refuse data far from unit variance for fixed-variance Gaussian units (σ = 1)."""
    import numpy as np

    from ..errors import InputError

    std = np.nanstd(visible, axis=0)
    varying = std > 0
    if varying.any() and not np.all((std[varying] > 1 / 3) & (std[varying] < 3)):
        raise InputError(
            f"{name} has feature standard deviations in [{std[varying].min():.3g}, "
            f"{std[varying].max():.3g}], but Gaussian units have unit variance; pass --scale "
            "standard (or --learn-variance)"
        )


def _validation_summary(dbn, held_out, seed: int) -> dict[str, float]:
    """Held-out reconstruction errors, pseudo- and log-likelihood under the bottom RBM.

    Rows with missing values (``--missing impute``) are left out of every number, which is
    counted in ``validation_complete_rows``.
    """
    import numpy as np

    complete = held_out[~np.isnan(held_out).any(axis=1)]
    summary: dict[str, float] = {"validation_complete_rows": int(complete.shape[0])}
    if complete.shape[0] == 0:
        return summary
    bottom = dbn.rbms_[0]
    summary["validation_reconstruction_error"] = float(
        np.mean((complete - bottom.reconstruct(complete)) ** 2)
    )
    summary["validation_reconstruction_error_top"] = float(
        np.mean((complete - dbn.reconstruct(complete)) ** 2)
    )
    summary["validation_pseudo_likelihood"] = float(
        np.mean(bottom.pseudo_likelihood(complete, seed=seed))
    )
    # Exact ln Z up to 25 units in a layer, else AIS (seeded), with its standard error.
    log_z, log_z_error = bottom.log_partition(return_std=True, seed=seed)
    summary["validation_log_likelihood"] = float(np.mean(-bottom.free_energy(complete))) - log_z
    summary["validation_log_likelihood_error"] = float(log_z_error)
    return summary


@click.command(name="train")
@click.argument("data", type=click.Path())
@click.option(
    "--layers", default="400,100,25", show_default=True, help="Hidden sizes, bottom first."
)
@click.option("--epochs", type=int, default=10, show_default=True, help="Epochs per layer.")
@click.option(
    "--lr",
    "learning_rate",
    default="0.1",
    show_default=True,
    help="Learning rate: one value, or one per layer bottom first (e.g. 0.003,0.1 for a "
    "Gaussian bottom layer under binary ones).",
)
@click.option("--batch-size", type=int, default=100, show_default=True, help="Mini-batch size.")
@click.option("--cd-k", type=int, default=1, show_default=True, help="Gibbs sweeps per update.")
@click.option("--persistent", is_flag=True, help="Persistent CD (PCD) instead of CD-k.")
@click.option("--l1", type=float, default=0.0, show_default=True, help="L1 weight penalty.")
@click.option("--l2", type=float, default=0.0, show_default=True, help="L2 weight penalty.")
@click.option(
    "--momentum", type=float, default=0.9, show_default=True, help="Momentum after the switch."
)
@click.option(
    "--initial-momentum",
    type=float,
    default=0.5,
    show_default=True,
    help="Momentum of the first 5 epochs (Hinton's 0.5 -> 0.9); set equal to --momentum for none.",
)
@click.option("--centering", is_flag=True, help="Centred gradients (Melchior et al. 2016).")
@precision_option(default="auto")
@choice_option(
    "--units",
    ("binary", "spin", "gaussian"),
    "binary",
    "gaussian: real-valued visible units (standardise with --scale standard), binary hidden units.",
)
@click.option(
    "--learn-variance",
    is_flag=True,
    help="Gaussian units: learn each visible unit's standard deviation (default: 1).",
)
@click.option(
    "--hidden-units",
    default="binary",
    show_default=True,
    help="Hidden units of each layer, one value or one per layer bottom first: binary, or "
    "gaussian (a linear code layer whose features are b + xW, e.g. gaussian,binary).",
)
@choice_option(
    "--propagate",
    ("mean", "sample"),
    "mean",
    "Train each layer on the hidden means or samples of the one below.",
)
@click.option("--key", default=None, help="Array of a .npz DATA file (needed if it has several).")
@click.option("--dataset", default="spins", show_default=True, help="Dataset of an HDF5 DATA file.")
@click.option(
    "--columns",
    default=None,
    help="Table (CSV/TSV/Parquet) columns to use, e.g. a,b,c (default: all).",
)
@choice_option(
    "--scale",
    ("none", "minmax", "standard"),
    "none",
    "minmax: map each feature's training [min, max] onto the units' range; standard "
    "(Gaussian units): subtract each feature's mean and divide by its standard deviation.",
)
@click.option(
    "--binarize",
    default=None,
    metavar="THRESHOLD|median",
    help="Values above THRESHOLD (or each feature's median) become 1, the others 0 (-1 for spin).",
)
@choice_option(
    "--missing",
    ("refuse", "drop", "impute"),
    "refuse",
    "Rows with NaN/Inf: refuse the data, drop those rows, or let the model impute NaN "
    "(clamped Gibbs sampling; also in transform and reconstruct).",
)
@click.option(
    "--validation-fraction",
    type=float,
    default=0.0,
    show_default=True,
    help="Hold out this fraction of rows (seeded) and report their reconstruction error, "
    "pseudo-likelihood and log-likelihood (exact or AIS) under the bottom RBM.",
)
@click.option("--seed", type=int, default=None, help="Random seed (default: drawn and stored).")
@device_option()
@click.option(
    "--checkpoint-dir",
    type=click.Path(file_okay=False),
    default=None,
    help="Keep per-layer checkpoints here; a rerun resumes from them.",
)
@click.option(
    "--out", "-o", type=click.Path(dir_okay=False), required=True, help="Output model file."
)
@click.option("--overwrite", is_flag=True, help="Replace an existing --out file.")
@json_option("Print the summary as JSON.")
@no_progress_option()
@handle_errors
def command(data: str, out: str, **options) -> None:
    """Train a deep belief network (stacked RBMs) on the rows of DATA.

    DATA is a deeprg sample file (its spins are used), a .npy/.npz array, a .csv/.tsv or
    .parquet table, an HDF5 dataset (--dataset) or a folder of same-size PNG/JPEG images;
    rows of more than one dimension are flattened. Values must lie in the units' range ([0, 1] binary,
    [-1, 1] spin) unless --scale minmax or --binarize maps them there; that mapping is stored
    in the model and reapplied by 'deeprg transform' and 'deeprg reconstruct'.

    Each layer is an RBM trained by contrastive divergence on the hidden means of the layer
    below; the model file (docs/file-formats.md) is written atomically to --out. The paper's network
    on 40x40 samples, and a table of your own:

    \b
        deeprg train samples.h5 --layers 400,100,25 --l1 2e-4 --epochs 200 --out model.h5
        deeprg train digits.csv --layers 32,16 --scale minmax --out m.h5
    """
    import secrets
    from pathlib import Path

    from ..errors import InputError
    from ..preprocessing import Preprocessing, drop_missing, parse_binarize
    from ..readers import parse_columns, read_data

    out_path = check_output_path(out, options["overwrite"])
    if not Path(data).exists():
        raise InputError(
            f"{data} does not exist; pass a data file (.npy, .npz, .csv, .tsv, .parquet, .h5) or an "
            "image folder"
        )
    if options["checkpoint_dir"] is not None and not Path(options["checkpoint_dir"]).is_dir():
        raise InputError(
            f"--checkpoint-dir {options['checkpoint_dir']} does not exist; create it first"
        )
    layers = parse_int_list("--layers", options["layers"])
    fraction = options["validation_fraction"]
    if not 0 <= fraction < 1:
        raise InputError(f"--validation-fraction must be in [0, 1), got {fraction}")
    scale = None if options["scale"] == "none" else options["scale"]
    binarize = parse_binarize(options["binarize"])
    if scale is not None and binarize is not None:
        raise InputError("--scale and --binarize cannot be combined; choose one")
    columns = parse_columns(options["columns"])
    seed = options["seed"] if options["seed"] is not None else secrets.randbelow(2**63)

    from ..rbm import DBN

    if options["learn_variance"] and options["units"] != "gaussian":
        raise InputError("--learn-variance needs --units gaussian")
    if options["missing"] == "impute" and options["checkpoint_dir"] is not None:
        raise InputError(
            "--checkpoint-dir cannot resume the imputation of missing values; drop one of "
            "--checkpoint-dir and --missing impute"
        )
    dbn = DBN(
        layers,
        units=options["units"],
        hidden_units=_parse_hidden_units(options["hidden_units"], len(layers)),
        learn_variance=options["learn_variance"],
        matmul_dtype=options["matmul_dtype"],
        missing="impute" if options["missing"] == "impute" else "refuse",
        learning_rate=_parse_learning_rate(options["learning_rate"], len(layers)),
        batch_size=options["batch_size"],
        epochs=options["epochs"],
        cd_k=options["cd_k"],
        persistent=options["persistent"],
        l1=options["l1"],
        l2=options["l2"],
        momentum=options["momentum"],
        initial_momentum=options["initial_momentum"],
        centering=options["centering"],
        propagate=options["propagate"],
        random_state=seed,
        device=options["device"],
        verbose=not options["no_progress"],
    )
    dbn.check_params()

    import numpy as np

    from .. import io

    raw, info = read_data(data, key=options["key"], dataset=options["dataset"], columns=columns)
    raw, kept = drop_missing(raw, options["missing"], name=str(data))
    dropped = info["n_rows"] - kept.size

    n_rows = raw.shape[0]
    n_validation = round(fraction * n_rows)
    if fraction > 0 and not 1 <= n_validation < n_rows:
        raise InputError(
            f"--validation-fraction {fraction} of {n_rows} rows leaves no training or no "
            "validation row; choose another fraction"
        )
    if n_validation:
        order = np.random.default_rng(seed).permutation(n_rows)
        train_rows, validation_rows = np.sort(order[n_validation:]), np.sort(order[:n_validation])
    else:
        train_rows, validation_rows = np.arange(n_rows), np.arange(0)

    prep = Preprocessing.fit(
        raw[train_rows], info, options["units"], scale, binarize, options["missing"]
    )
    visible = prep.apply(raw, name=str(data)).astype(np.float32)
    if options["units"] == "gaussian" and not options["learn_variance"]:
        _check_standardised(visible[train_rows], str(data))

    start = time.perf_counter()
    dbn.fit(visible[train_rows], checkpoint_dir=options["checkpoint_dir"])
    wall = time.perf_counter() - start

    metadata = {
        "data_file": str(Path(data).resolve()),
        **(info["sample_model"] or {}),
        "data_format": info["format"],
        "n_samples": n_rows,
        "n_train": int(train_rows.size),
        "n_validation": int(n_validation),
        "lattice_shape": info["shape"],
        "preprocessing": prep.to_json(),
        "seed": seed,
        "training_seconds": wall,
        "matmul_dtype_used": [rbm.matmul_dtype_ for rbm in dbn.rbms_],
        "matmul_reason": [rbm.matmul_reason_ for rbm in dbn.rbms_],
    }
    if options["key"] is not None:
        metadata["data_key"] = options["key"]
    if info["format"] == "hdf5":
        metadata["data_dataset"] = options["dataset"]
    io.save_model(dbn, out_path, overwrite=options["overwrite"], metadata=metadata)

    summary = {
        "out": str(out_path),
        "layers": [visible.shape[1], *layers],
        "units": options["units"],
        "epochs": options["epochs"],
        "seed": seed,
        "data_format": info["format"],
        "preprocessing": prep.kind,
        "n_samples": n_rows,
        "dropped_rows": int(dropped),
        "missing_values": int(np.isnan(visible).sum()),
        "n_train": int(train_rows.size),
        "n_validation": int(n_validation),
        "training_seconds": wall,
        "precision": ",".join(rbm.matmul_dtype_ for rbm in dbn.rbms_),
        "precision_why": [rbm.matmul_reason_ for rbm in dbn.rbms_],
    }
    for index, rbm in enumerate(dbn.rbms_):
        history = rbm.history_
        if history["reconstruction_error"]:
            summary[f"layer{index + 1}_reconstruction_error"] = history["reconstruction_error"][-1]
            summary[f"layer{index + 1}_pseudo_likelihood"] = history["pseudo_likelihood"][-1]
    if n_validation:
        summary.update(_validation_summary(dbn, visible[validation_rows], seed))
    title = f"trained {'-'.join(map(str, summary['layers']))} network"
    emit_summary(summary, options["as_json"], title, dropped_rows=dropped)
