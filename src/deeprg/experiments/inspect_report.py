"""``deeprg inspect``: what a dense model file holds, measured, drawn and reported.

:func:`inspect_model` reads a model file (``deeprg train`` or ``deeprg reproduce``) and
computes, per layer, the statistics of its weights and biases, the effective receptive
fields r^(l) = W^(1) ... W^(l) (:meth:`deeprg.rbm.DBN.receptive_fields`), their blob sizes and
locality where the visible units have a 2-D shape (:func:`deeprg.analysis.measure_blobs`
and :func:`deeprg.analysis.summarize_blobs`, as ``deeprg reproduce`` measures them), and
the per-epoch training history stored in the file. :func:`write_inspection` writes
``inspect.json``, the figures and a self-contained ``report.html``.

The fields are drawn as images only when a 2-D shape is known: given (``--shape HxW``) or
recorded in the file (:func:`recorded_shape`). A square number of visible units alone is
not taken as a shape. Without one, each field is a bar chart over the visible features.
"""

from __future__ import annotations

import html
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .. import __version__
from ..errors import InputError

__all__ = [
    "DEFAULT_BAR_UNITS",
    "DEFAULT_IMAGE_UNITS",
    "SPARSITY_THRESHOLD",
    "Inspection",
    "history_summary",
    "inspect_model",
    "layer_statistics",
    "parse_shape",
    "recorded_shape",
    "write_inspection",
]

#: Fields drawn per layer (the strongest by norm) as images, and as bar charts.
DEFAULT_IMAGE_UNITS = 36
DEFAULT_BAR_UNITS = 12
#: A weight with |w| below this counts as zero in the sparsity fraction.
SPARSITY_THRESHOLD = 1e-3
#: Seed of the shuffled locality control and of the block-side bootstrap.
MEASURE_SEED = 0
#: Root attributes that are not training settings (or are shown elsewhere).
_NOT_SETTINGS = ("format", "format_version", "preprocessing", "history", "n_layers")
_HISTORY_ORDER = (
    "epoch",
    "reconstruction_error",
    "pseudo_likelihood",
    "log_likelihood",
    "learning_rate",
    "momentum",
    "seconds",
)


@dataclass
class Inspection:
    """Everything ``deeprg inspect`` computed from one model file.

    Attributes
    ----------
    result : dict
        The contents of ``inspect.json`` (plain values; NaN where not measured).
    fields : list of numpy.ndarray
        Entry l - 1: the effective receptive fields of every layer-l unit, shape
        (n_hidden_l, H, W) with a 2-D shape, else (n_hidden_l, n_visible).
    drawn : list of numpy.ndarray of int
        Entry l - 1: the units drawn for layer l, strongest ‖r‖ first.
    histories : list of (dict or None)
        Per layer: metric name -> numpy.ndarray of shape (n_epochs,); None without history.
    block_sides : list of (numpy.ndarray or None)
        Per layer: each unit's blob block side (NaN for diffuse units), shape (n_hidden_l,);
        None without a 2-D shape.
    unit_classes : list of (numpy.ndarray or None)
        Per layer: ``"active"``, ``"weak"`` or ``"diffuse"`` per unit; None without a shape.
    """

    result: dict
    fields: list[np.ndarray]
    drawn: list[np.ndarray]
    histories: list[dict[str, np.ndarray] | None]
    block_sides: list[np.ndarray | None]
    unit_classes: list[np.ndarray | None]


# ----------------------------------------------------------------------------- shapes


def parse_shape(text: str) -> tuple[int, int]:
    """``"HxW"`` (also ``"H×W"``, ``"H,W"``) as ``(H, W)`` of positive integers.

    Raises
    ------
    InputError
        If ``text`` is not two positive integers separated by ``x``.
    """
    match = re.fullmatch(r"\s*(\d+)\s*[xX×,]\s*(\d+)\s*", str(text))
    if match is None or int(match.group(1)) < 1 or int(match.group(2)) < 1:
        raise InputError(
            f"--shape must be HEIGHTxWIDTH with positive integers, like 8x8 or 40x40, got {text!r}"
        )
    return int(match.group(1)), int(match.group(2))


def _decode(value: Any) -> Any:
    """A root attribute as a plain value (JSON strings decoded, ``"None"`` as None)."""
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, str):
        if value == "None":
            return None
        if value[:1] in "[{":
            try:
                return json.loads(value)
            except ValueError:
                return value
    return value


def recorded_shape(
    attrs: dict[str, Any], input_shape: list[int] | None, n_visible: int
) -> tuple[tuple[int, int] | None, str]:
    """The 2-D shape of the visible units recorded in a model file, if there is one.

    Looked for, in order: the row shape of the training data in the stored preprocessing
    (``deeprg train``: [L, L] for Ising samples, [H, W] for image folders and 2-D array
    rows); the root attribute ``lattice_shape``; ``data_model = "ising2d"`` with
    ``data_size``; the L×L lattice of a ``deeprg reproduce`` file (attributes ``size``
    and ``coupling`` with size² = n_visible). A square ``n_visible`` alone is not a shape.

    Parameters
    ----------
    attrs : dict
        Root attributes of the model file.
    input_shape : list of int or None
        Each training row's shape from the stored preprocessing (None if none is stored).
    n_visible : int
        Visible units of the bottom layer.

    Returns
    -------
    shape : tuple of (int, int) or None
    reason : str
        Where the shape comes from, or why there is none.
    """
    candidates: list[tuple[Any, str]] = []
    if input_shape is not None:
        candidates.append((input_shape, "the training data's row shape (stored preprocessing)"))
    lattice = _decode(attrs.get("lattice_shape"))
    if lattice is not None:
        candidates.append((lattice, "the model file's lattice_shape attribute"))
    if str(_decode(attrs.get("data_model"))) == "ising2d" and attrs.get("data_size") is not None:
        size = _decode(attrs["data_size"])
        candidates.append(([size, size], "the Ising sample file it was trained on (data_size)"))
    if "size" in attrs and "coupling" in attrs and "data_model" not in attrs:
        size = _decode(attrs["size"])
        candidates.append(([size, size], "the reproduction's L×L Ising lattice (size attribute)"))
    found_1d = None
    for value, source in candidates:
        try:
            shape = tuple(int(n) for n in value)
        except (TypeError, ValueError):
            continue
        if int(np.prod(shape)) != n_visible:
            continue
        if len(shape) == 2 and min(shape) >= 1:
            return (shape[0], shape[1]), source
        found_1d = found_1d or (shape, source)
    if found_1d is not None:
        shape, source = found_1d
        dims = "x".join(map(str, shape))
        return None, f"{source} is {dims}, not two-dimensional; pass --shape HxW to draw images"
    return None, (
        "no 2-D shape is recorded in the model file; pass --shape HxW (with H*W = "
        f"{n_visible}) to draw the fields as images"
    )


def _check_shape(shape: tuple[int, int], n_visible: int) -> None:
    if shape[0] * shape[1] != n_visible:
        raise InputError(
            f"--shape {shape[0]}x{shape[1]} has {shape[0] * shape[1]} sites but the model has "
            f"{n_visible} visible units; pass HxW with H*W = {n_visible}"
        )


# ----------------------------------------------------------------------------- numbers


def _stats(values: np.ndarray, prefix: str) -> dict[str, float]:
    return {
        f"{prefix}_mean": float(np.mean(values)),
        f"{prefix}_std": float(np.std(values)),
        f"{prefix}_min": float(np.min(values)),
        f"{prefix}_max": float(np.max(values)),
    }


def layer_statistics(layer: dict[str, Any]) -> dict[str, Any]:
    """Sizes and weight/bias statistics of one dense layer.

    Parameters
    ----------
    layer : dict
        ``weights`` of shape (n_visible, n_hidden), ``visible_bias`` of shape (n_visible,),
        ``hidden_bias`` of shape (n_hidden,) and ``units`` (one entry of
        :func:`deeprg.io.load_layers`).

    Returns
    -------
    dict
        ``n_visible``, ``n_hidden``, ``units``; ``weight_mean``, ``weight_std`` (population,
        ddof = 0), ``weight_min``, ``weight_max``, ``weight_max_abs``, ``weight_sparsity``
        (the fraction of |w| < :data:`SPARSITY_THRESHOLD`); ``hidden_bias_*`` and
        ``visible_bias_*`` (mean, std, min, max); for Gaussian layers with a ``visible_std``
        entry of shape (n_visible,), also ``visible_std_*``.
    """
    weights = np.asarray(layer["weights"], dtype=np.float64)
    n_visible, n_hidden = weights.shape
    out: dict[str, Any] = {
        "n_visible": int(n_visible),
        "n_hidden": int(n_hidden),
        "units": str(layer["units"]),
    }
    out.update(_stats(weights, "weight"))
    out["weight_max_abs"] = float(np.max(np.abs(weights)))
    out["weight_sparsity"] = float(np.mean(np.abs(weights) < SPARSITY_THRESHOLD))
    out.update(_stats(np.asarray(layer["hidden_bias"], dtype=np.float64), "hidden_bias"))
    out.update(_stats(np.asarray(layer["visible_bias"], dtype=np.float64), "visible_bias"))
    if layer.get("visible_std") is not None:
        out.update(_stats(np.asarray(layer["visible_std"], dtype=np.float64), "visible_std"))
    return out


def history_summary(history: dict[str, np.ndarray] | None) -> dict[str, Any] | None:
    """The per-epoch history of one layer, with its final values (None without history).

    Parameters
    ----------
    history : dict or None
        Metric name -> array of shape (n_epochs,) (``layers/<i>/history`` of the file).

    Returns
    -------
    dict or None
        ``n_epochs``; ``final_<metric>`` (the last epoch's value, NaN where not computed)
        for reconstruction_error, pseudo_likelihood, log_likelihood, learning_rate and
        momentum; ``seconds`` (sum over epochs); ``per_epoch`` (every metric, as lists).
    """
    if not history:
        return None
    lengths = {np.asarray(v).size for v in history.values()}
    n_epochs = max(lengths) if lengths else 0
    if n_epochs == 0:
        return None
    nan = float("nan")
    out: dict[str, Any] = {"n_epochs": int(n_epochs)}
    for key in ("reconstruction_error", "pseudo_likelihood", "log_likelihood"):
        values = np.asarray(history.get(key, []), dtype=np.float64)
        out[f"final_{key}"] = float(values[-1]) if values.size else nan
    for key in ("learning_rate", "momentum"):
        values = np.asarray(history.get(key, []), dtype=np.float64)
        out[f"final_{key}"] = float(values[-1]) if values.size else nan
    seconds = np.asarray(history.get("seconds", []), dtype=np.float64)
    out["seconds"] = float(np.sum(seconds)) if seconds.size else nan
    keys = [k for k in _HISTORY_ORDER if k in history] + sorted(set(history) - set(_HISTORY_ORDER))
    out["per_epoch"] = {k: np.asarray(history[k], dtype=np.float64).tolist() for k in keys}
    return out


def _layer_histories(
    layers: list[dict[str, Any]], attrs: dict[str, Any]
) -> list[dict[str, np.ndarray] | None]:
    """Each layer's stored history; a one-layer file of ``deeprg reproduce``'s ``layers/``
    folder keeps it as the JSON root attribute ``history`` instead."""
    histories: list[dict[str, np.ndarray] | None] = []
    for layer in layers:
        history = {k: np.asarray(v, dtype=np.float64) for k, v in layer["history"].items()}
        histories.append(history if any(v.size for v in history.values()) else None)
    if len(layers) == 1 and histories[0] is None and isinstance(attrs.get("history"), str):
        try:
            stored = json.loads(attrs["history"])
        except ValueError:
            stored = None
        if isinstance(stored, dict):
            history = {
                str(k): np.asarray(v, dtype=np.float64).ravel()
                for k, v in stored.items()
                if isinstance(v, list)
            }
            histories[0] = history if any(v.size for v in history.values()) else None
    return histories


def _field_sizes(fields: np.ndarray, depth: int, seed: int) -> tuple[dict, Any]:
    """Blob measures of one layer's 2-D fields, as ``deeprg reproduce`` measures them."""
    from .. import analysis
    from .._random import as_generator

    rng = as_generator(seed)
    blobs = analysis.measure_blobs(fields)
    window = analysis.layer_window(depth)
    shuffled = analysis.shuffle_sites(fields, rng)
    summary = analysis.summarize_blobs(fields, window, blobs, shuffled, seed=rng)
    out = summary.as_dict()
    out["window"] = int(min(window, *fields.shape[1:]))
    out["block_side_kadanoff"] = float(analysis.KADANOFF_FACTOR**depth)
    if window >= min(fields.shape[1:]):
        # a window as large as the shape holds all the blob power of any field, shuffled or not
        out["locality"] = out["locality_control"] = float("nan")
        out["locality_not_measurable"] = (
            f"layer {depth}'s 2b^l window ({window}) covers the whole "
            f"{fields.shape[1]}x{fields.shape[2]} shape"
        )
    return out, blobs


def _settings(attrs: dict[str, Any]) -> dict[str, Any]:
    return {k: _decode(v) for k, v in attrs.items() if k not in _NOT_SETTINGS}


def inspect_model(
    path: str | os.PathLike,
    shape: tuple[int, int] | None = None,
    max_units: int | None = None,
    seed: int = MEASURE_SEED,
) -> Inspection:
    """Read a dense model file and compute everything ``deeprg inspect`` reports.

    Parameters
    ----------
    path : path-like
        A model file of ``deeprg train`` or ``deeprg reproduce`` (dense layers).
    shape : tuple of (int, int), optional
        (H, W) of the visible units, H * W = n_visible; default: the shape recorded in
        the file (:func:`recorded_shape`), else none (bar charts, no blob measures).
    max_units : int, optional
        Fields drawn per layer, the strongest ‖r‖ first; default
        :data:`DEFAULT_IMAGE_UNITS` as images, :data:`DEFAULT_BAR_UNITS` as bar charts.
    seed : int, default 0
        Seeds the shuffled locality control and the block-side bootstrap.

    Returns
    -------
    Inspection

    Raises
    ------
    InputError
        Missing or non-model file, convolutional layers, a shape with H * W != n_visible,
        ``max_units`` < 1.
    """
    from .. import io
    from ..readers import Preprocessing

    file = Path(path)
    if file.is_dir():
        raise InputError(f"{file} is a directory, not a model file; pass a deeprg model file")
    try:
        layers, attrs = io.load_layers(file)
    except KeyError as exc:
        raise InputError(f"{file} lacks {exc}; the model file is corrupt") from exc
    if not layers:
        raise InputError(f"{file} has no layers; the model file is incomplete")
    n_visible = int(layers[0]["weights"].shape[0])
    prep = Preprocessing.from_attrs(attrs, layers)
    stored_prep = "preprocessing" in attrs
    if shape is not None:
        shape = (int(shape[0]), int(shape[1]))
        _check_shape(shape, n_visible)
        found, _ = recorded_shape(attrs, prep.input_shape if stored_prep else None, n_visible)
        shape_source = "--shape"
        if found is not None and found != shape:
            shape_source += f" (the file records {found[0]}x{found[1]})"
    else:
        shape, shape_source = recorded_shape(
            attrs, prep.input_shape if stored_prep else None, n_visible
        )
    if max_units is not None and (isinstance(max_units, bool) or int(max_units) < 1):
        raise InputError(f"--max-units must be a positive integer, got {max_units!r}")
    limit = int(max_units) if max_units is not None else None
    if limit is None:
        limit = DEFAULT_IMAGE_UNITS if shape is not None else DEFAULT_BAR_UNITS
    columns = prep.columns if prep.columns and len(prep.columns) == n_visible else None

    dbn = io.load_model(file)
    histories = _layer_histories(layers, attrs)
    fields_per_layer: list[np.ndarray] = []
    drawn_per_layer: list[np.ndarray] = []
    block_sides: list[np.ndarray | None] = []
    unit_classes: list[np.ndarray | None] = []
    rows = []
    for depth, layer in enumerate(layers, start=1):
        fields = dbn.receptive_fields(depth=depth, lattice_shape=shape)
        flat = fields.reshape(fields.shape[0], -1)
        norms = np.sqrt(np.sum(flat**2, axis=1))
        drawn = np.argsort(-norms, kind="stable")[:limit]
        row: dict[str, Any] = {"layer": depth, **layer_statistics(layer)}
        row["field_norm_median"] = float(np.median(norms))
        row["field_norm_max"] = float(np.max(norms))
        row["n_drawn"] = int(drawn.size)
        row["drawn_units"] = drawn.tolist()
        row["drawn_field_norms"] = norms[drawn].tolist()
        sides = classes = None
        if shape is not None:
            try:
                sizes, blobs = _field_sizes(fields, depth, seed)
            except InputError as exc:
                row["field_sizes"] = None
                row["field_sizes_not_measurable"] = str(exc)
            else:
                row["field_sizes"] = sizes
                sides = np.asarray(blobs.block_side, dtype=np.float64)
                classes = np.where(blobs.active, "active", np.where(blobs.weak, "weak", "diffuse"))
                row["drawn_block_sides"] = sides[drawn].tolist()
                row["drawn_classes"] = classes[drawn].tolist()
        else:
            row["field_sizes"] = None
            row["field_sizes_not_measurable"] = "no 2-D shape of the visible units is known"
        row["history"] = history_summary(histories[depth - 1])
        rows.append(row)
        fields_per_layer.append(fields)
        drawn_per_layer.append(drawn)
        block_sides.append(sides)
        unit_classes.append(classes)

    architecture = [n_visible] + [int(layer["weights"].shape[1]) for layer in layers]
    result = {
        "model": str(file.resolve()),
        "model_deeprg_version": _decode(attrs.get("deeprg_version")),
        "deeprg_version": __version__,
        "n_layers": len(layers),
        "architecture": architecture,
        "units": str(layers[0]["units"]),
        "shape": list(shape) if shape is not None else None,
        "shape_source": shape_source,
        "drawn_as": "images" if shape is not None else "bar charts",
        "max_units_drawn": limit,
        "feature_names": columns,
        "preprocessing": {
            "stored": stored_prep,
            "kind": prep.kind,
            "input_shape": list(prep.input_shape),
            "spins": bool(prep.spins),
        },
        "sparsity_threshold": SPARSITY_THRESHOLD,
        "measure_seed": int(seed),
        "has_history": any(h is not None for h in histories),
        "layers": rows,
        "training_settings": _settings(attrs),
        "files": {},
    }
    return Inspection(
        result=result,
        fields=fields_per_layer,
        drawn=drawn_per_layer,
        histories=histories,
        block_sides=block_sides,
        unit_classes=unit_classes,
    )


# ----------------------------------------------------------------------------- report


def _num(value: Any, digits: int = 4) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, (float, np.floating)):
        value = float(value)
        return "—" if not np.isfinite(value) else f"{value:.{digits}g}"
    return html.escape(str(value))


def _transposed_table(rows: list[dict], items: list[tuple[str, str]]) -> str:
    """A table with one row per statistic and one column per layer."""
    head = "<tr><th>statistic</th>" + "".join(f"<th>layer {r['layer']}</th>" for r in rows)
    body = []
    for key, label in items:
        cells = "".join(f"<td class=num>{_num(r.get(key))}</td>" for r in rows)
        body.append(f"<tr><td>{html.escape(label)}</td>{cells}</tr>")
    return f"<table>{head}</tr>{''.join(body)}</table>"


_STAT_ROWS = [
    ("n_visible", "visible units"),
    ("n_hidden", "hidden units"),
    ("units", "unit type"),
    ("weight_mean", "weight mean"),
    ("weight_std", "weight std"),
    ("weight_min", "weight min"),
    ("weight_max", "weight max"),
    ("weight_max_abs", "max |w|"),
    ("weight_sparsity", f"sparsity: fraction of |w| < {SPARSITY_THRESHOLD:g}"),
    ("hidden_bias_mean", "hidden bias mean"),
    ("hidden_bias_std", "hidden bias std"),
    ("hidden_bias_min", "hidden bias min"),
    ("hidden_bias_max", "hidden bias max"),
    ("visible_bias_mean", "visible bias mean"),
    ("visible_bias_std", "visible bias std"),
    ("visible_bias_min", "visible bias min"),
    ("visible_bias_max", "visible bias max"),
    ("visible_std_mean", "visible std (Gaussian units) mean"),
    ("visible_std_min", "visible std min"),
    ("visible_std_max", "visible std max"),
    ("field_norm_median", "median ‖r‖ of the effective fields"),
    ("field_norm_max", "largest ‖r‖"),
]

_SIZE_ROWS = [
    ("active_fraction", "active units (a blob above the noise floor)"),
    ("weak_fraction", "weak units"),
    ("diffuse_fraction", "diffuse units (no blob)"),
    ("block_side", "blob block side, weighted median (sites)"),
    ("block_side_stderr", "± bootstrap error"),
    ("block_side_q25", "block side, lower quartile"),
    ("block_side_q75", "block side, upper quartile"),
    ("block_side_kadanoff", "Kadanoff bˡ (b = 2)"),
    ("window", "locality window side (2bˡ, clipped to the shape)"),
    ("locality", "blob power inside the best window"),
    ("locality_control", "the same, sites shuffled (control)"),
]

_HISTORY_ROWS = [
    ("n_epochs", "epochs"),
    ("final_reconstruction_error", "final reconstruction error"),
    ("final_pseudo_likelihood", "final pseudo-log-likelihood"),
    ("final_log_likelihood", "final exact log-likelihood"),
    ("final_learning_rate", "final learning rate"),
    ("final_momentum", "final momentum"),
    ("seconds", "training seconds (sum over epochs)"),
]


def _image_tag(path: Path) -> str:
    from .html import image as _image

    return _image(path)


def _draw(inspection: Inspection, out: Path) -> dict[str, str]:
    """Write every figure into ``out``; returns figure name -> file name."""
    from ..plots.inspect import plot_field_bars, plot_field_images, plot_history

    result = inspection.result
    names: dict[str, str] = {}
    for depth, (fields, drawn) in enumerate(
        zip(inspection.fields, inspection.drawn, strict=True), start=1
    ):
        row = result["layers"][depth - 1]
        n_units = fields.shape[0]
        chosen = fields[drawn]
        product = {1: "W1", 2: "W1 W2"}.get(depth, f"W1 W2 … W{depth}")
        title = (
            f"Layer {depth}: effective receptive fields r^({depth}) = {product}, "
            f"{drawn.size} of {n_units} units (largest ‖r‖ first)"
        )
        name = f"fields_layer{depth}.png"
        if result["shape"] is not None:
            labels = None
            sides = inspection.block_sides[depth - 1]
            classes = inspection.unit_classes[depth - 1]
            if sides is not None and classes is not None:
                labels = [
                    f"side {sides[j]:.1f}" if classes[j] == "active" else str(classes[j])
                    for j in drawn
                ]
            plot_field_images(chosen, drawn.tolist(), out / name, title, labels=labels)
        else:
            plot_field_bars(
                chosen, drawn.tolist(), out / name, title, feature_names=result["feature_names"]
            )
        names[f"fields_layer{depth}"] = name
        row["figure"] = name
    if result["has_history"]:
        plot_history(inspection.histories, out / "training.png")
        names["training"] = "training.png"
    return names


def _report_html(inspection: Inspection, out: Path) -> str:
    result = inspection.result
    rows = result["layers"]
    files = result["files"]
    arch = "-".join(map(str, result["architecture"]))
    model_name = Path(result["model"]).name
    if result["shape"] is not None:
        shape_text = (
            f"drawn as {result['shape'][0]}×{result['shape'][1]} images; shape from "
            f"{html.escape(result['shape_source'])}"
        )
    else:
        shape_text = (
            f"drawn as bar charts over the visible features: {html.escape(result['shape_source'])}"
        )
    prep = result["preprocessing"]
    kind = {
        "none": "none (data used as read)",
        "minmax": "minmax scaling",
        "standard": "standardised features",
    }.get(prep["kind"], prep["kind"])
    prep_text = (
        f"stored preprocessing: <b>{html.escape(kind)}</b>"
        if prep["stored"]
        else "no preprocessing stored"
    )
    if prep["spins"]:
        prep_text += f", trained on ±1 spins mapped to {html.escape(result['units'])} units"
    settings = result["training_settings"]
    data_file = settings.get("data_file")
    parts = [
        "<!DOCTYPE html><html><head><meta charset='utf-8'>",
        f"<title>deeprg inspect: {html.escape(model_name)}</title>",
        f"<style>{_style()}</style></head><body>",
        f"<h1>Model {html.escape(model_name)}</h1>",
        f"<p>Network <b>{arch}</b> ({html.escape(result['units'])} units, "
        f"{result['n_layers']} layer{'s' if result['n_layers'] != 1 else ''}); "
        f"{prep_text}; written by deeprg {_num(result['model_deeprg_version'])}, inspected "
        f"with {html.escape(result['deeprg_version'])}.</p>",
        f"<p class=note>File: <code>{html.escape(result['model'])}</code>"
        + (f"<br>Trained on: <code>{html.escape(str(data_file))}</code>" if data_file else "")
        + "<br>Every number below is also in <code>inspect.json</code>.</p>",
        "<h2>Per-layer statistics</h2>",
        "<p class=note>Layer l's weights W<sup>(l)</sup> have shape (n_visible, n_hidden); "
        "std is the population standard deviation; r<sup>(l)</sup> = "
        "W<sup>(1)</sup>…W<sup>(l)</sup> is the effective receptive field of a layer-l unit "
        "on the visible units.</p>",
        _transposed_table(rows, [item for item in _STAT_ROWS if any(item[0] in r for r in rows)]),
        "<h2>Receptive-field sizes</h2>",
    ]
    if result["shape"] is not None and any(r.get("field_sizes") for r in rows):
        size_rows = [{"layer": r["layer"], **(r.get("field_sizes") or {})} for r in rows]
        parts += [
            "<p class=note>Each field's blob is measured above its noise floor "
            "(<code>deeprg.analysis.measure_blobs</code>, as <code>deeprg reproduce</code> "
            "does; docs/measures.md): block side sqrt(6R²+1) of the background-subtracted "
            "core, weighted by blob power over the active units; locality is the share of "
            "blob power in the best 2bˡ×2bˡ window, beside the same fields with their sites "
            "shuffled. The measures treat the shape as a periodic lattice (for images, the "
            f"edges wrap). Shuffles and bootstrap use seed {result['measure_seed']}.</p>",
            _transposed_table(size_rows, _SIZE_ROWS),
        ]
        for r in rows:
            reason = r.get("field_sizes_not_measurable") or (r.get("field_sizes") or {}).get(
                "locality_not_measurable"
            )
            if reason:
                what = "sizes" if r.get("field_sizes_not_measurable") else "locality"
                parts.append(
                    f"<p class=na>layer {r['layer']}: {what} not measurable: "
                    f"{html.escape(reason)}</p>"
                )
    else:
        parts.append(
            "<p class=na>Not measured: blob sizes and locality need a 2-D shape of the "
            "visible units (" + html.escape(result["shape_source"]) + ").</p>"
        )
    parts.append("<h2>Receptive fields</h2>")
    parts.append(f"<p>Fields {shape_text}.</p>")
    if result["shape"] is not None:
        parts.append(
            "<p class=note>Red is positive, blue negative, on one symmetric colour scale per "
            "layer. Under each field: its blob block side in sites if it is active, else "
            "whether it is weak or diffuse.</p>"
        )
    else:
        parts.append(
            "<p class=note>One bar per visible feature (red positive, blue negative), on one "
            "y range per layer."
            + (" Feature names are the training data's columns." if result["feature_names"] else "")
            + "</p>"
        )
    for r in rows:
        n_units = r["n_hidden"]
        shown = (
            f"all {n_units} units"
            if r["n_drawn"] == n_units
            else f"the {r['n_drawn']} strongest of {n_units} units by ‖r‖ "
            f"(at most {result['max_units_drawn']} per layer, --max-units)"
        )
        parts.append(f"<h3>Layer {r['layer']}: {shown}</h3>")
        if r.get("figure") and r["figure"] in files.values():
            parts.append(_image_tag(out / r["figure"]))
    parts.append("<h2>Training history</h2>")
    if result["has_history"]:
        history_rows = [{"layer": r["layer"], **(r["history"] or {})} for r in rows]
        missing = [str(r["layer"]) for r in rows if r["history"] is None]
        parts.append(_transposed_table(history_rows, _HISTORY_ROWS))
        if missing:
            parts.append(
                f"<p class=na>no training history stored for layer(s) {', '.join(missing)}</p>"
            )
        if "training" in files:
            parts.append(_image_tag(out / files["training"]))
        parts.append(
            "<p class=note>The exact log-likelihood is computed during training only for "
            "layers with at most 20 visible or hidden units (— where not computed). Every epoch's values are in "
            "<code>inspect.json</code> (<code>layers[i].history.per_epoch</code>).</p>"
        )
    else:
        parts.append(
            "<p class=na>no training history stored in this model file (files written "
            "before deeprg stored it have none).</p>"
        )
    setting_rows = "".join(
        f"<tr><td>{html.escape(str(k))}</td><td>{_num(v)}</td></tr>"
        for k, v in settings.items()
        if not isinstance(v, (list, dict)) or len(json.dumps(v)) < 200
    )
    parts += [
        "<h2>Training settings (root attributes)</h2>",
        f"<table><tr><th>setting</th><th>value</th></tr>{setting_rows}</table>",
        "<p class=note>Generated by <code>deeprg inspect</code>.</p></body></html>",
    ]
    return "".join(parts)


def _style() -> str:
    from .html import STYLE as _STYLE

    return _STYLE + "h3 { font-size: 1.0em; margin-top: 1.2em; }\n"


def write_inspection(inspection: Inspection, out_dir: str | os.PathLike) -> dict[str, Path]:
    """Write the figures, ``inspect.json`` and ``report.html`` into ``out_dir``.

    The directory is created if needed; inspect's files in it are replaced. Each file is
    written atomically (temporary name, then rename).

    Parameters
    ----------
    inspection : Inspection
        From :func:`inspect_model`; its ``result["files"]`` is filled in.
    out_dir : path-like
        Output directory (must not be an existing file).

    Returns
    -------
    dict
        File name -> path of every file written.
    """
    from .html import write_html
    from .output import make_output_dir, write_json

    out = make_output_dir(out_dir)
    result = inspection.result
    figures = _draw(inspection, out)
    result["files"] = {**figures, "json": "inspect.json", "report": "report.html"}
    write_json(result, out / "inspect.json")
    write_html([_report_html(inspection, out)], out / "report.html")
    return {name: out / name for name in result["files"].values()}
