"""Your own data in: readers for common formats and the preprocessing stored with a model.

:func:`read_data` turns a file (or a folder of images) into a float64 array of shape
(n_rows, n_features), one row per sample; multi-dimensional rows are flattened and their
shape kept in the returned ``info``. Supported inputs:

* ``.npy``: one array; ``.npz``: one of its arrays (``key``, required when there are several);
* ``.csv`` / ``.tsv``: a header row is detected; non-numeric columns are refused by name unless
  left out with ``columns``; empty fields are missing values (NaN);
* ``.h5`` / ``.hdf5`` / ``.hdf``: any dataset (``dataset``, default ``spins``); deeprg sample
  files are read (and validated) as their ±1 spins, flagged ``info["spins"]`` so that they are
  converted to the network's units exactly as ``deeprg train`` always did;
* a folder of ``.png`` / ``.jpg`` / ``.jpeg`` images, read as greyscale in [0, 1] in file-name
  order; all must have the same size.

:class:`Preprocessing` maps the rows to the units' range (``scale="minmax"`` or ``binarize``),
or standardises them for Gaussian units (``scale="standard"``), and is stored, as JSON, in the model file (root attribute ``preprocessing``), so that
``deeprg transform`` and ``deeprg reconstruct`` apply exactly what training applied. Data
outside the units' range without one of those options are refused.
"""

from __future__ import annotations

import csv
import json
import math
import os
import zipfile
import zlib
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .errors import InputError

__all__ = [
    "IMAGE_SUFFIXES",
    "Preprocessing",
    "check_unit_range",
    "drop_missing",
    "parse_binarize",
    "parse_columns",
    "read_data",
]

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg")
HDF5_SUFFIXES = (".h5", ".hdf5", ".hdf")
KNOWN = ".npy, .npz, .csv, .tsv, .h5/.hdf5 or a folder of .png/.jpg images"

#: Range of each kind of unit.
UNIT_RANGE = {"binary": (0.0, 1.0), "spin": (-1.0, 1.0), "gaussian": (-np.inf, np.inf)}

#: What ``--missing`` may say: refuse rows with NaN/Inf, drop them, or let the model impute NaN.
MISSING_POLICIES = ("refuse", "drop", "impute")


# ---------------------------------------------------------------------------- reading


def read_data(
    path: str | os.PathLike,
    key: str | None = None,
    dataset: str = "spins",
    columns: str | list[str] | None = None,
) -> tuple[np.ndarray, dict[str, Any]]:
    """Read a data file (or a folder of images) as rows of features.

    Parameters
    ----------
    path : path-like
        A ``.npy``, ``.npz``, ``.csv``, ``.tsv`` or HDF5 file, or a folder of images.
    key : str, optional
        Array of a ``.npz`` file (required when it holds several).
    dataset : str, default "spins"
        Dataset of an HDF5 file (a deeprg sample file's ``spins`` by default).
    columns : str or list of str, optional
        CSV/TSV columns to use, by header name (or 0-based number), e.g. ``"a,b,c"``.

    Returns
    -------
    X : numpy.ndarray of shape (n_rows, n_features), float64
        Rows flattened; missing values are NaN (see :func:`drop_missing`).
    info : dict
        ``format``, ``path``, ``shape`` (each row's shape before flattening), ``n_rows``,
        ``columns`` (chosen CSV column names or None), ``spins`` (True for deeprg sample
        files), ``sample_model`` (their model settings) and ``files`` (image names).

    Raises
    ------
    InputError
        Missing path, unknown extension, unreadable or non-numeric content, several arrays
        without ``key``, images of different sizes, ... (one line naming the fix).
    """
    if not isinstance(path, (str, os.PathLike)):
        raise InputError(f"the data path must be a file or folder name, got {path!r}")
    if key is not None and not isinstance(key, str):
        raise InputError(f"--key must be the name of an array, got {key!r}")
    if not isinstance(dataset, str) or not dataset:
        raise InputError(f"--dataset must be the name of an HDF5 dataset, got {dataset!r}")
    source = Path(path)
    if not source.exists():
        raise InputError(f"{source} does not exist; check the path")
    chosen = parse_columns(columns)
    suffix = source.suffix.lower()
    kind = "images" if source.is_dir() else suffix.lstrip(".")
    if chosen is not None and kind not in ("csv", "tsv"):
        raise InputError(f"--columns applies to CSV/TSV files only, not to {source}; drop it")
    if key is not None and kind != "npz":
        raise InputError(f"--key applies to .npz files only, not to {source}; drop it")
    info: dict[str, Any] = {
        "path": str(source),
        "columns": None,
        "spins": False,
        "sample_model": None,
        "files": None,
    }
    if source.is_dir():
        array, files = _read_images(source)
        info.update(format="images", files=files)
    elif suffix == ".npy":
        array = _load_numpy(source)
        info["format"] = "npy"
    elif suffix == ".npz":
        array = _read_npz(source, key)
        info["format"] = "npz"
    elif suffix in (".csv", ".tsv"):
        array, names = _read_table(source, "\t" if suffix == ".tsv" else ",", chosen)
        info.update(format=suffix.lstrip("."), columns=names)
    elif suffix in HDF5_SUFFIXES:
        array, sample_model = _read_hdf5(source, dataset)
        info.update(format="hdf5", spins=sample_model is not None, sample_model=sample_model)
    else:
        raise InputError(
            f"cannot read {source}: unknown extension {suffix or '(none)'!r}; use {KNOWN}"
        )
    array = _as_float_rows(array, source)
    info["shape"] = list(array.shape[1:])
    info["n_rows"] = int(array.shape[0])
    rows = array.reshape(array.shape[0], -1)
    if rows.shape[1] == 0:
        raise InputError(f"{source} has rows with no features; pass data with at least one value")
    return rows, info


def _as_float_rows(array: np.ndarray, source: Path) -> np.ndarray:
    array = np.asarray(array)
    if array.dtype.kind == "b":
        array = array.astype(np.float64)
    if array.dtype.kind not in "iuf":
        raise InputError(
            f"{source} holds {array.dtype} values, not real numbers; pass numeric data"
        )
    if array.ndim == 0:
        raise InputError(f"{source} holds a single number; pass an array with one row per sample")
    if array.shape[0] == 0:
        raise InputError(f"{source} has no rows; pass at least one sample")
    if array.ndim == 1:
        array = array[:, None]  # one feature per row
    return array.astype(np.float64, copy=False)


def _load_numpy(source: Path) -> np.ndarray:
    try:
        return np.load(source, allow_pickle=False)
    except (ValueError, OSError, EOFError) as exc:
        raise InputError(
            f"{source} is not a readable numpy file ({str(exc).splitlines()[0]}); "
            "save it with numpy.save (no object arrays)"
        ) from exc


def _read_npz(source: Path, key: str | None) -> np.ndarray:
    try:
        archive = np.load(source, allow_pickle=False)
    except (ValueError, OSError, EOFError, zipfile.BadZipFile) as exc:
        raise InputError(
            f"{source} is not a readable .npz file ({str(exc).splitlines()[0]}); "
            "save it with numpy.savez"
        ) from exc
    with archive:
        names = list(archive.files)
        if not names:
            raise InputError(f"{source} holds no arrays; pass a file with data")
        if key is None:
            if len(names) > 1:
                raise InputError(
                    f"{source} holds several arrays ({', '.join(names)}); choose one with --key"
                )
            key = names[0]
        if key not in names:
            raise InputError(f"{source} has no array {key!r}; choose --key from {', '.join(names)}")
        try:
            return archive[key]
        except ValueError as exc:
            if "pickle" not in str(exc):
                raise InputError(
                    f"{source}: array {key!r} is damaged ({str(exc).splitlines()[0]}); "
                    "save it again with numpy.savez"
                ) from exc
            raise InputError(
                f"{source}: array {key!r} cannot be read without pickle; save numbers only"
            ) from exc
        except (OSError, EOFError, zipfile.BadZipFile, zlib.error) as exc:
            raise InputError(
                f"{source}: array {key!r} is damaged ({str(exc).splitlines()[0]}); "
                "save it again with numpy.savez"
            ) from exc


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _read_table(
    source: Path, delimiter: str, chosen: list[str] | None
) -> tuple[np.ndarray, list[str] | None]:
    try:
        with open(source, newline="", encoding="utf-8-sig") as handle:
            rows = [
                [field.strip() for field in row]
                for row in csv.reader(handle, delimiter=delimiter)
                if any(field.strip() for field in row)
            ]
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise InputError(f"{source} is not a readable text table ({exc}); check the file") from exc
    if not rows:
        raise InputError(f"{source} is empty; pass a table with one row per sample")
    first = rows[0]
    second = rows[1] if len(rows) > 1 else None
    # A header: the first row has a non-number where the second row has a number (or the
    # first row has no number at all).
    header = all(not _is_number(f) for f in first) or any(
        f and not _is_number(f) and second is not None and j < len(second) and _is_number(second[j])
        for j, f in enumerate(first)
    )
    names = first if header else None
    data = rows[1:] if header else rows
    if not data:
        raise InputError(f"{source} has a header but no data rows; pass at least one sample")
    width = len(first)
    for index, row in enumerate(data):
        if len(row) != width:
            line = index + (2 if header else 1)
            raise InputError(
                f"{source} line {line} has {len(row)} fields but the first row has {width}; "
                "every row needs the same number of columns"
            )
    if chosen is None:
        picks = list(range(width))
    else:
        picks = []
        for item in chosen:
            if names is not None and item in names:
                picks.append(names.index(item))
            elif item.isdigit() and int(item) < width:
                picks.append(int(item))
            elif names is None:
                raise InputError(
                    f"{source} has no header row; give --columns as 0-based column numbers "
                    f"below {width}, not {item!r}"
                )
            else:
                raise InputError(
                    f"{source} has no column {item!r}; choose --columns from "
                    f"{', '.join(names[:20])}{', ...' if len(names) > 20 else ''}"
                )

    def label(j: int) -> str:
        return repr(names[j]) if names is not None else f"{j} (counting from 0)"

    table = np.empty((len(data), len(picks)), dtype=np.float64)
    bad = []
    for out, j in enumerate(picks):
        values = [row[j] or "nan" for row in data]
        try:
            table[:, out] = np.asarray(values, dtype=np.float64)
        except ValueError:
            first_bad = next(v for v in values if not _is_number(v))
            bad.append((label(j), first_bad))
    if bad:
        listed = ", ".join(name for name, _ in bad[:5]) + (", ..." if len(bad) > 5 else "")
        noun = "column" if len(bad) == 1 else "columns"
        raise InputError(
            f"{source}: {noun} {listed} not numeric (e.g. {bad[0][1]!r}); leave "
            f"{'it' if len(bad) == 1 else 'them'} out with --columns a,b,c"
        )
    return table, (None if names is None else [names[j] for j in picks])


def _read_hdf5(source: Path, dataset: str) -> tuple[np.ndarray, dict | None]:
    import h5py

    from . import io

    try:
        handle = h5py.File(source, "r")
    except OSError as exc:
        raise InputError(
            f"{source} is not a readable HDF5 file ({io.os_error_reason(exc)}); check the file"
        ) from exc
    try:
        with handle:
            found = _read_hdf5_node(handle, source, dataset)
    except InputError:
        raise
    except (OSError, KeyError, ValueError, TypeError, RuntimeError) as exc:
        reason = io.os_error_reason(exc) if isinstance(exc, OSError) else str(exc)
        raise InputError(
            f"{source}: dataset {dataset!r} cannot be read ({' '.join(reason.split())[:200]}); "
            "the file is damaged"
        ) from exc
    if found is not None:
        return found, None
    samples = io.load_samples(source)
    model = samples.model
    sample_model = {
        "data_model": model.name,
        "data_size": model.size,
        "data_coupling": model.coupling,
        "data_field": model.field,
    }
    return samples.spins, sample_model


def _read_hdf5_node(handle: Any, source: Path, dataset: str) -> np.ndarray | None:
    """The dataset's values, or None for the spins of a deeprg sample file (read by io)."""
    import h5py

    from . import io

    found = handle.attrs.get("format")
    if found == io.MODEL_FORMAT:
        raise InputError(f"{source} is a deeprg model file, not data; pass a data file")
    if found == io.SAMPLES_FORMAT and dataset == "spins":
        return None
    node = handle.get(dataset)
    if not isinstance(node, h5py.Dataset):
        available = []
        handle.visititems(
            lambda name, obj: available.append(name) if isinstance(obj, h5py.Dataset) else None
        )
        listing = ", ".join(available[:20]) or "none"
        raise InputError(f"{source} has no dataset {dataset!r}; choose --dataset from {listing}")
    return node[()]


def _read_images(folder: Path) -> tuple[np.ndarray, list[str]]:
    files = sorted(
        p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES
    )
    if not files:
        raise InputError(f"{folder} holds no .png/.jpg/.jpeg images; pass a folder of images")
    images = []
    for file in files:
        image = _read_image(file)
        if images and image.shape != images[0].shape:
            size = "x".join(map(str, image.shape))
            expected = "x".join(map(str, images[0].shape))
            raise InputError(
                f"{file} is {size} pixels but {files[0].name} is {expected}; all images must "
                "have the same size (resize or remove it)"
            )
        images.append(image)
    return np.stack(images), [f.name for f in files]


def _read_image(file: Path) -> np.ndarray:
    """One image as greyscale in [0, 1], shape (height, width)."""
    if file.suffix.lower() == ".png":
        import matplotlib.image

        try:
            pixels = np.asarray(matplotlib.image.imread(file))
        except Exception as exc:  # any decoder failure is bad input
            raise InputError(f"{file} is not a readable PNG image ({exc}); check it") from exc
        if pixels.dtype.kind in "iu":
            pixels = pixels / np.iinfo(pixels.dtype).max
    else:
        try:
            from PIL import Image
        except ImportError as exc:
            raise InputError(
                f"reading JPEG images ({file.name}) needs Pillow; pip install pillow, or "
                "convert the images to PNG"
            ) from exc
        try:
            with Image.open(file) as image:
                pixels = np.asarray(image.convert("L"), dtype=np.float64) / 255.0
        except Exception as exc:
            raise InputError(f"{file} is not a readable JPEG image ({exc}); check it") from exc
    pixels = np.asarray(pixels, dtype=np.float64)
    if pixels.ndim == 3:
        if pixels.shape[2] >= 3:
            pixels = pixels[..., :3] @ np.array([0.299, 0.587, 0.114])
        else:  # grey + alpha
            pixels = pixels[..., 0]
    return pixels


def parse_columns(columns: str | list[str] | tuple[str, ...] | None) -> list[str] | None:
    """``"a,b,c"`` (or a list) as a list of column names; None for all columns."""
    if columns is None:
        return None
    items = columns.split(",") if isinstance(columns, str) else [str(c) for c in columns]
    items = [item.strip() for item in items]
    if not items or any(not item for item in items):
        raise InputError(f"--columns must be comma-separated names like a,b,c, got {columns!r}")
    return items


# ---------------------------------------------------------------------------- missing values


def drop_missing(
    X: np.ndarray, missing: str = "refuse", name: str = "the data"
) -> tuple[np.ndarray, np.ndarray]:
    """Refuse (default) or drop rows with NaN or ±inf, or keep NaN for the model to impute.

    With ``missing="impute"`` rows with NaN are kept (the model fills them) and only rows
    with ±inf are refused.

    Returns
    -------
    X : numpy.ndarray
        The rows kept.
    kept : numpy.ndarray of int
        Their indices in the input (row order kept).
    """
    if missing not in MISSING_POLICIES:
        raise InputError(f"--missing must be 'refuse', 'drop' or 'impute', got {missing!r}")
    if missing == "impute":
        infinite = np.isinf(X).any(axis=1)
        if infinite.any():
            raise InputError(
                f"{name} has {int(infinite.sum())} rows with Inf (first: row "
                f"{int(np.flatnonzero(infinite)[0])}); only NaN can be imputed, fix or drop them"
            )
        if np.isnan(X).all(axis=0).any():
            column = int(np.flatnonzero(np.isnan(X).all(axis=0))[0])
            raise InputError(f"column {column} of {name} has no value at all; drop it")
        return X, np.arange(X.shape[0])
    bad = ~np.isfinite(X).all(axis=1)
    n_bad = int(bad.sum())
    if n_bad and missing == "refuse":
        first = int(np.flatnonzero(bad)[0])
        raise InputError(
            f"{name} has {n_bad} row{'s' if n_bad > 1 else ''} with NaN or Inf (first: row "
            f"{first}, counting data rows from 0); pass --missing drop to drop them, or "
            "--missing impute to have the model fill NaN"
        )
    kept = np.flatnonzero(~bad)
    if kept.size == 0:
        raise InputError(f"every row of {name} has NaN or Inf; nothing is left to use")
    return (X[kept] if n_bad else X), kept


# ---------------------------------------------------------------------------- preprocessing


def parse_binarize(value: str | float | None) -> str | float | None:
    """``--binarize`` as ``"median"``, a finite float threshold, or None."""
    if value is None:
        return None
    if isinstance(value, str) and value.strip().lower() == "median":
        return "median"
    try:
        threshold = float(value)
    except (TypeError, ValueError):
        threshold = float("nan")
    if not np.isfinite(threshold):
        raise InputError(f"--binarize must be a number or 'median', got {value!r}")
    return threshold


def check_unit_range(X: np.ndarray, units: str, name: str, hint: str) -> None:
    """Refuse values outside the units' range (and {0, 1} data for spin units) with ``hint``."""
    X = X[~np.isnan(X)]  # missing values are checked elsewhere
    if X.size == 0:
        return
    low, high = UNIT_RANGE[units]
    found_low, found_high = float(X.min()), float(X.max())
    if found_low < low or found_high > high:
        raise InputError(
            f"{name} has values in [{found_low:g}, {found_high:g}] outside [{low:g}, {high:g}] "
            f"({units} units); {hint}"
        )
    if units == "spin" and found_low == 0 and bool(((X == 0) | (X == 1)).all()):
        raise InputError(
            f"{name} holds {{0, 1}} values but spin units expect ±1; {hint} (or use binary units)"
        )


TRAIN_HINT = "pass --scale minmax (or --binarize THRESHOLD|median) to map it"


@dataclass
class Preprocessing:
    """How rows were mapped to the units' range before training (stored in the model file).

    Attributes
    ----------
    units : {"binary", "spin", "gaussian"}
    kind : {"none", "minmax", "binarize", "standard"}
        ``minmax``: feature j maps linearly from [low_j, high_j] (its training min and max)
        onto the units' range; constant features map to the midpoint; values outside the
        training range (new data) are clipped to the units' range. ``binarize``: values above
        the threshold become the upper unit value, the others the lower one. ``standard``
        (Gaussian units): (x - mean_j) / std_j with the training mean and standard deviation;
        constant features map to 0. Missing values (NaN) stay missing under every kind.
    low, high : list of float or None
        Per-feature training minimum and maximum (``minmax``).
    mean, std : list of float or None
        Per-feature training mean and standard deviation (``standard``).
    threshold : list of float or None
        Per-feature thresholds (``binarize``; the training median with ``"median"``).
    binarize : str, float or None
        The ``--binarize`` setting as given (``"median"`` or the number).
    columns : list of str or None
        CSV columns used, in order.
    input_shape : list of int
        Each row's shape before flattening (e.g. [8, 8] for images).
    n_features : int
    spins : bool
        The training data were a deeprg sample file (±1 spins, converted to the units).
    missing : {"refuse", "drop", "impute"}
        The ``--missing`` policy of training; later commands use it unless told otherwise.
    """

    units: str
    kind: str = "none"
    low: list[float] | None = None
    high: list[float] | None = None
    threshold: list[float] | None = None
    binarize: str | float | None = None
    columns: list[str] | None = None
    input_shape: list[int] = field(default_factory=list)
    n_features: int = 0
    spins: bool = False
    mean: list[float] | None = None
    std: list[float] | None = None
    missing: str = "refuse"

    @classmethod
    def fit(
        cls,
        X: np.ndarray,
        info: dict[str, Any],
        units: str,
        scale: str | None = None,
        binarize: str | float | None = None,
        missing: str = "refuse",
    ) -> Preprocessing:
        """Learn the mapping from training rows ``X`` (as read, before any conversion).

        NaN entries (``missing="impute"``) are ignored by the statistics.
        """
        if scale not in (None, "none", "minmax", "standard"):
            raise InputError(f"--scale must be 'none', 'minmax' or 'standard', got {scale!r}")
        scale = None if scale == "none" else scale
        binarize = parse_binarize(binarize)
        if scale is not None and binarize is not None:
            raise InputError("--scale and --binarize cannot be combined; choose one")
        if units == "gaussian" and binarize is not None:
            raise InputError("--binarize makes binary data; use --units binary with it")
        if scale == "minmax" and units == "gaussian":
            raise InputError("Gaussian units have no range to map onto; use --scale standard")
        if scale == "standard" and units != "gaussian":
            raise InputError(
                "--scale standard is for --units gaussian; binary and spin units need "
                "--scale minmax"
            )
        prep = cls(
            units=units,
            columns=info.get("columns"),
            input_shape=[int(n) for n in info.get("shape", [X.shape[1]])],
            n_features=int(X.shape[1]),
            spins=bool(info.get("spins", False)),
            missing=missing,
        )
        base = prep._base(X)
        if scale == "minmax":
            prep.kind = "minmax"
            prep.low = np.nanmin(base, axis=0).tolist()
            prep.high = np.nanmax(base, axis=0).tolist()
        elif scale == "standard":
            prep.kind = "standard"
            prep.mean = np.nanmean(base, axis=0).tolist()
            prep.std = np.nanstd(base, axis=0).tolist()
        elif binarize is not None:
            prep.kind = "binarize"
            prep.binarize = binarize
            if binarize == "median":
                prep.threshold = np.nanmedian(base, axis=0).tolist()
            else:
                prep.threshold = [float(binarize)] * X.shape[1]
        return prep

    def _base(self, X: np.ndarray) -> np.ndarray:
        """Spins of sample files converted to the units (as ``deeprg train`` always did)."""
        if self.spins and self.units == "binary":
            return (X + 1) / 2
        return X

    def apply(self, X: np.ndarray, name: str = "the data", hint: str = TRAIN_HINT) -> np.ndarray:
        """Map rows (as read) to the units' range; refuse them if they fall outside it."""
        if X.shape[1] != self.n_features:
            shape = "x".join(map(str, self.input_shape)) or "1"
            raise InputError(
                f"{name} has {X.shape[1]} features per row but the model was trained on "
                f"{self.n_features} (rows of shape {shape}); pass data like the training data"
            )
        low, high = UNIT_RANGE[self.units]
        Y = self._base(np.asarray(X, dtype=np.float64))
        if self.kind == "minmax":
            lo, hi = np.asarray(self.low), np.asarray(self.high)
            span = hi - lo
            constant = span == 0
            fraction = (Y - lo) / np.where(constant, 1.0, span)
            fraction = np.where(constant, 0.5, fraction)
            Y = np.clip(low + fraction * (high - low), low, high)
        elif self.kind == "standard":
            mean, std = np.asarray(self.mean), np.asarray(self.std)
            Y = np.where(std > 0, (Y - mean) / np.where(std > 0, std, 1.0), 0.0)
        elif self.kind == "binarize":
            Y = np.where(Y > np.asarray(self.threshold), high, low)
        if self.kind != "none":
            Y = np.where(np.isnan(X), np.nan, Y)  # missing values stay missing
        check_unit_range(Y, self.units, name, hint)
        return Y

    def inverse(self, Y: np.ndarray) -> np.ndarray:
        """Map unit-range values (reconstructions) back to the data's own scale.

        ``minmax`` is inverted exactly (constant features get their constant); sample files'
        binary means go back to spin means 2v - 1; ``binarize`` cannot be inverted (the
        output stays in the units' range).
        """
        low, high = UNIT_RANGE[self.units]
        Y = np.asarray(Y, dtype=np.float64)
        if self.kind == "minmax":
            lo, hi = np.asarray(self.low), np.asarray(self.high)
            return lo + (Y - low) / (high - low) * (hi - lo)
        if self.kind == "standard":
            return np.asarray(self.mean) + Y * np.asarray(self.std)
        if self.spins and self.units == "binary":
            return 2 * Y - 1
        return Y

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_attrs(cls, attrs: dict[str, Any], layers: list[dict[str, Any]]) -> Preprocessing:
        """The preprocessing stored in a model file's root attributes.

        Files written before preprocessing was stored (sample-file training only) get the
        conversion ``deeprg train`` applied then: spins to the model's units.
        """
        units = str(layers[0]["units"])
        n_features = int(layers[0]["weights"].shape[0])
        stored = attrs.get("preprocessing")
        if stored is None:
            shape = attrs.get("lattice_shape")
            try:
                shape = json.loads(shape) if isinstance(shape, str) else None
            except ValueError:
                shape = None
            return cls(
                units=units,
                input_shape=list(shape) if shape else [n_features],
                n_features=n_features,
                spins="data_model" in attrs,
            )
        try:
            values = json.loads(stored)
            prep = cls(**values)
        except (TypeError, ValueError) as exc:
            raise InputError(
                f"the model's stored preprocessing is unreadable ({exc}); retrain the model"
            ) from exc
        if prep.n_features != n_features or prep.units != units:
            raise InputError(
                "the model's stored preprocessing does not match its layers; retrain the model"
            )
        problem = prep._problem()
        if problem:
            raise InputError(
                f"the model's stored preprocessing is corrupt ({problem}); retrain the model"
            )
        return prep

    def _problem(self) -> str | None:
        """What is inconsistent in a stored preprocessing (None when it can be applied)."""
        if self.kind not in ("none", "minmax", "binarize", "standard"):
            return f"unknown kind {self.kind!r}"
        if self.missing not in MISSING_POLICIES:
            return f"unknown missing-value policy {self.missing!r}"
        if isinstance(self.n_features, bool) or not isinstance(self.n_features, int):
            return f"n_features is {self.n_features!r}"
        shape = self.input_shape
        if (
            not isinstance(shape, list)
            or not all(isinstance(n, int) and not isinstance(n, bool) and n > 0 for n in shape)
            or math.prod(shape) != self.n_features
        ):
            return f"input_shape {shape!r} does not hold {self.n_features} features"
        needed = {
            "minmax": ("low", "high"),
            "standard": ("mean", "std"),
            "binarize": ("threshold",),
            "none": (),
        }[self.kind]
        for name in needed:
            values = getattr(self, name)
            if (
                not isinstance(values, list)
                or len(values) != self.n_features
                or not all(
                    isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)
                    for v in values
                )
            ):
                return f"{name} is not {self.n_features} finite numbers"
        if self.kind == "standard" and any(v < 0 for v in self.std):
            return "std has negative values"
        if self.columns is not None and (
            not isinstance(self.columns, list) or not all(isinstance(c, str) for c in self.columns)
        ):
            return f"columns is {self.columns!r}"
        return None
