"""Your own data in: readers for common formats, one row per sample.

:func:`read_data` turns a file (or a folder of images) into a float64 array of shape
(n_rows, n_features), one row per sample; multi-dimensional rows are flattened and their
shape kept in the returned ``info``. Supported inputs:

* ``.npy``: one array; ``.npz``: one of its arrays (``key``, required when there are several);
* ``.csv`` / ``.tsv``: a header row is detected; non-numeric columns are refused by name unless
  left out with ``columns``; empty fields are missing values (NaN);
* ``.parquet`` / ``.pq`` (read with pyarrow): columns by name, the same way; nulls are missing
  values (NaN), booleans become 0/1;
* ``.h5`` / ``.hdf5`` / ``.hdf``: any dataset (``dataset``, default ``spins``); deeprg sample
  files are read (and validated) as their ±1 spins, flagged ``info["spins"]`` so that they are
  converted to the network's units exactly as ``deeprg train`` always did;
* a folder of ``.png`` / ``.jpg`` / ``.jpeg`` images, read as greyscale in [0, 1] in file-name
  order; all must have the same size.

What happens to the rows next (missing values, scaling to the units' range) is
:mod:`deeprg.preprocessing`; its names are importable from here too, as they always were.
"""

from __future__ import annotations

import csv
import os
import zipfile
import zlib
from pathlib import Path
from typing import Any

import numpy as np

from . import preprocessing as _preprocessing
from .atomic import os_error_reason
from .errors import InputError

__all__ = ["IMAGE_SUFFIXES", "TABLE_SUFFIXES", "parse_columns", "read_data"]

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg")
HDF5_SUFFIXES = (".h5", ".hdf5", ".hdf")
#: Tables read by column (``columns`` applies to them).
TABLE_SUFFIXES = (".csv", ".tsv", ".parquet", ".pq")
KNOWN = ".npy, .npz, .csv, .tsv, .parquet, .h5/.hdf5 or a folder of .png/.jpg images"


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
        A ``.npy``, ``.npz``, ``.csv``, ``.tsv``, ``.parquet`` or HDF5 file, or a folder of
        images.
    key : str, optional
        Array of a ``.npz`` file (required when it holds several).
    dataset : str, default "spins"
        Dataset of an HDF5 file (a deeprg sample file's ``spins`` by default).
    columns : str or list of str, optional
        Table (CSV/TSV/Parquet) columns to use, by header name (or 0-based number), e.g.
        ``"a,b,c"``.

    Returns
    -------
    X : numpy.ndarray of shape (n_rows, n_features), float64
        Rows flattened; missing values are NaN (see :func:`drop_missing`).
    info : dict
        ``format``, ``path``, ``shape`` (each row's shape before flattening), ``n_rows``,
        ``columns`` (chosen table column names or None), ``spins`` (True for deeprg sample
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
    if chosen is not None and (source.is_dir() or suffix not in TABLE_SUFFIXES):
        raise InputError(
            f"--columns applies to CSV/TSV/Parquet tables only, not to {source}; drop it"
        )
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
    elif suffix in (".parquet", ".pq"):
        array, names = _read_parquet(source, chosen)
        info.update(format="parquet", columns=names)
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
        raise _not_numeric_error(source, bad)
    return table, (None if names is None else [names[j] for j in picks])


def _not_numeric_error(source: Path, bad: list[tuple[str, object]]) -> InputError:
    """The one-line refusal of non-numeric table columns (CSV/TSV and Parquet alike)."""
    listed = ", ".join(name for name, _ in bad[:5]) + (", ..." if len(bad) > 5 else "")
    noun = "column" if len(bad) == 1 else "columns"
    return InputError(
        f"{source}: {noun} {listed} not numeric (e.g. {bad[0][1]!r}); leave "
        f"{'it' if len(bad) == 1 else 'them'} out with --columns a,b,c"
    )


def _read_parquet(source: Path, chosen: list[str] | None) -> tuple[np.ndarray, list[str]]:
    """A Parquet table's columns (all, or ``chosen`` by name or 0-based number) as floats."""
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError as exc:  # pragma: no cover - pyarrow is a dependency
        raise InputError(
            f"reading {source.name} needs pyarrow; pip install pyarrow, or save it as CSV"
        ) from exc
    try:
        names = [str(name) for name in pq.read_schema(source).names]
    except (OSError, pa.ArrowException) as exc:
        raise InputError(
            f"{source} is not a readable Parquet file ({' '.join(str(exc).split())[:200]}); "
            "check the file"
        ) from exc
    names = [n for n in names if not n.startswith("__index_level_")]  # pandas' stored index
    if not names:
        raise InputError(f"{source} has no columns; pass a table with one column per feature")
    if chosen is None:
        picks = list(names)
    else:
        picks = []
        for item in chosen:
            if item in names:
                picks.append(item)
            elif item.isdigit() and int(item) < len(names):
                picks.append(names[int(item)])
            else:
                raise InputError(
                    f"{source} has no column {item!r}; choose --columns from "
                    f"{', '.join(names[:20])}{', ...' if len(names) > 20 else ''}"
                )
    try:
        table = pq.read_table(source, columns=list(dict.fromkeys(picks)))
    except (OSError, pa.ArrowException) as exc:
        raise InputError(
            f"{source} is not a readable Parquet file ({' '.join(str(exc).split())[:200]}); "
            "check the file"
        ) from exc
    if table.num_rows == 0:
        raise InputError(f"{source} has no rows; pass at least one sample")
    out = np.empty((table.num_rows, len(picks)), dtype=np.float64)
    bad: list[tuple[str, object]] = []
    for j, name in enumerate(picks):
        column = table.column(name)
        kind = column.type
        if pa.types.is_boolean(kind):
            column = column.cast(pa.int8())
        elif not (pa.types.is_integer(kind) or pa.types.is_floating(kind)):
            if pa.types.is_decimal(kind):
                column = column.cast(pa.float64())
            else:
                example = next((v for v in column.to_pylist() if v is not None), None)
                bad.append((repr(name), example))
                continue
        out[:, j] = column.cast(pa.float64()).to_numpy(zero_copy_only=False)
    if bad:
        raise _not_numeric_error(source, bad)
    return out, picks


def _read_hdf5(source: Path, dataset: str) -> tuple[np.ndarray, dict | None]:
    import h5py

    from .sample_files import load_samples

    try:
        handle = h5py.File(source, "r")
    except OSError as exc:
        raise InputError(
            f"{source} is not a readable HDF5 file ({os_error_reason(exc)}); check the file"
        ) from exc
    try:
        with handle:
            found = _read_hdf5_node(handle, source, dataset)
    except InputError:
        raise
    except (OSError, KeyError, ValueError, TypeError, RuntimeError) as exc:
        reason = os_error_reason(exc) if isinstance(exc, OSError) else str(exc)
        raise InputError(
            f"{source}: dataset {dataset!r} cannot be read ({' '.join(reason.split())[:200]}); "
            "the file is damaged"
        ) from exc
    if found is not None:
        return found, None
    samples = load_samples(source)
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

    from .hdf5 import MODEL_FORMAT, SAMPLES_FORMAT

    found = handle.attrs.get("format")
    if found == MODEL_FORMAT:
        raise InputError(f"{source} is a deeprg model file, not data; pass a data file")
    if found == SAMPLES_FORMAT and dataset == "spins":
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


def __getattr__(name: str) -> Any:
    """The names of :mod:`deeprg.preprocessing`, importable from here as they always were."""
    if name in _preprocessing.__all__:
        return getattr(_preprocessing, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
