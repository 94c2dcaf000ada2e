"""Checksummed HDF5: how every deeprg file is written, and how it is validated on read.

Files are written in HDF5 1.10's format (:data:`LIBVER`), whose metadata carries checksums,
with a Fletcher-32 checksum on every chunk of every non-empty dataset
(:func:`create_dataset`), always through :func:`deeprg.atomic.atomic_write`. A file damaged
later (a flipped bit, a bad copy) is then refused with one line instead of being read
wrongly, or crashing the HDF5 library. :func:`save_arrays` writes any set of named arrays
this way; the sample and model files (:mod:`deeprg.sample_files`, :mod:`deeprg.model_files`)
are built from the same pieces, and read back through :func:`reading` and the validating
accessors below, which raise :class:`~deeprg.errors.InputError` naming the file.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import h5py
import numpy as np

from .atomic import atomic_write, os_error_reason
from .errors import InputError

__all__ = [
    "FORMAT_VERSION",
    "LIBVER",
    "MODEL_FORMAT",
    "SAMPLES_FORMAT",
    "attribute_value",
    "create_dataset",
    "number_attr",
    "open_checked",
    "read_dataset",
    "reading",
    "real_array",
    "save_arrays",
    "seed_attr",
    "text_attr",
]

#: ``format`` attribute of a sample file.
SAMPLES_FORMAT = "deeprg-samples"
#: ``format`` attribute of a model file.
MODEL_FORMAT = "deeprg-model"
#: ``format_version`` attribute of the sample and model files.
FORMAT_VERSION = 1

#: File format versions of every file deeprg writes: at least HDF5 1.10's, whose metadata
#: (superblock, object headers, chunk indexes, heaps) carries checksums. A damaged file is
#: then refused with a checksum error; in the oldest format some damage crashes or hangs the
#: HDF5 library itself, and 1.8's unchecked chunk index can lose a chunk silently (it then
#: reads as zeros). Readable by any HDF5 from 1.10 (2016) on.
LIBVER = ("v110", "latest")
#: Bytes per chunk of the checksummed datasets (whole rows along the first axis).
_CHUNK_BYTES = 1 << 20


def create_dataset(group: h5py.Group, name: str, data: Any) -> h5py.Dataset:
    """Write ``data`` with a Fletcher-32 checksum per chunk of rows (damage is detected).

    Empty and scalar datasets cannot be chunked and are written plainly.
    """
    data = np.asarray(data)
    if data.ndim == 0 or data.size == 0:
        return group.create_dataset(name, data=data)
    row_bytes = max(1, data.nbytes // data.shape[0])
    rows = max(1, min(data.shape[0], _CHUNK_BYTES // row_bytes))
    return group.create_dataset(name, data=data, chunks=(rows, *data.shape[1:]), fletcher32=True)


def attribute_value(value: Any) -> Any:
    """Convert a metadata value to something HDF5 can store as an attribute."""
    if value is None:
        return "None"
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)) and not -(2**63) <= int(value) < 2**63:
        return str(int(value))  # beyond int64 (a huge seed): stored as its decimal text
    if isinstance(value, (int, float, str, np.integer, np.floating)):
        return value
    return json.dumps(value, default=str)


def open_checked(path: str | os.PathLike, expected_format: str) -> h5py.File:
    """Open a deeprg file for reading after checking its ``format`` attribute (InputError)."""
    if not isinstance(path, (str, os.PathLike)):
        raise InputError(f"a file path is needed, got {type(path).__name__} {path!r}")
    file = Path(path)
    if not file.is_file():
        raise InputError(f"{file} does not exist; check the path")
    try:
        handle = h5py.File(file, "r")
    except OSError as exc:
        raise InputError(
            f"{file} is not a readable HDF5 file ({os_error_reason(exc)}); was it written by "
            "deeprg?"
        ) from exc
    try:
        found = handle.attrs.get("format")
    except (OSError, KeyError, TypeError, ValueError, RuntimeError) as exc:
        handle.close()
        raise InputError(
            f"{file}: the format attribute cannot be read; the file is corrupt"
        ) from exc
    if isinstance(found, bytes):
        found = found.decode("utf-8", "replace")
    if found != expected_format:
        handle.close()
        what = "deeprg sample" if expected_format == SAMPLES_FORMAT else "deeprg model"
        raise InputError(f"{file} is not a {what} file (format attribute {found!r})")
    return handle


@contextlib.contextmanager
def reading(path: str | os.PathLike, expected_format: str) -> Iterator[h5py.File]:
    """Open a deeprg file; any low-level failure while reading it becomes an InputError.

    A truncated or damaged file can open and then fail on a later read (h5py raises
    ``OSError``, ``KeyError`` or ``ValueError`` then); every such failure is reported as
    one line naming the file.
    """
    with open_checked(path, expected_format) as handle:
        try:
            yield handle
        except InputError:
            raise
        except (
            OSError,
            KeyError,
            ValueError,
            TypeError,
            AttributeError,
            IndexError,
            RuntimeError,
        ) as exc:
            reason = os_error_reason(exc) if isinstance(exc, OSError) else str(exc)
            reason = " ".join(reason.split())[:200] or type(exc).__name__
            raise InputError(
                f"{path} cannot be read ({reason}); the file is damaged or was not written by "
                "deeprg"
            ) from exc


def read_dataset(group: h5py.Group, name: str, path: Any, where: str = "") -> np.ndarray:
    """The contents of dataset ``name`` of ``group``, or an InputError naming what is missing."""
    node = group.get(name)
    label = f"{where}/{name}" if where else name
    if not isinstance(node, h5py.Dataset):
        raise InputError(
            f"{path} has no dataset {label!r}; the file is incomplete or not written by deeprg"
        )
    return node[()]


def real_array(
    array: Any, path: Any, label: str, ndim: int | None = None, finite: bool = True
) -> np.ndarray:
    """``array`` as real numbers of ``ndim`` dimensions (finite unless told), else InputError."""
    array = np.asarray(array)
    if array.dtype.kind not in "iuf":
        raise InputError(
            f"{path}: {label} holds {array.dtype} values, not real numbers; the file is corrupt"
        )
    if ndim is not None and array.ndim != ndim:
        raise InputError(
            f"{path}: {label} has shape {array.shape}, expected {ndim} dimension"
            f"{'s' if ndim != 1 else ''}; the file is corrupt"
        )
    if finite and not np.all(np.isfinite(array)):
        raise InputError(f"{path}: {label} contains NaN or inf; the file is corrupt")
    return array


def raw_attr(attrs: Any, name: str, path: Any, default: Any) -> Any:
    """A root attribute as stored (bytes decoded), ``default`` when absent, else InputError."""
    if name not in attrs:
        if default is not None:
            return default
        raise InputError(
            f"{path} is missing the attribute {name!r}; the file is incomplete or not written by "
            "deeprg"
        )
    value = attrs[name]
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else value


def text_attr(attrs: Any, name: str, path: Any, default: str | None = None) -> str:
    """A text root attribute (``default`` when absent); InputError when missing or not text."""
    value = raw_attr(attrs, name, path, default)
    if not isinstance(value, str):
        raise InputError(f"{path}: attribute {name!r} is {value!r}, not text; the file is corrupt")
    return value


def number_attr(
    attrs: Any, name: str, path: Any, kind: type, default: Any = None, finite: bool = True
) -> Any:
    """A numeric root attribute as ``kind`` (int or float); InputError when absent or not a number."""
    if name not in attrs and default is not None:
        return default
    value = raw_attr(attrs, name, path, default)
    try:
        if isinstance(value, (bool, np.bool_)) or np.ndim(value) != 0:
            raise TypeError(value)
        if kind is int:
            if isinstance(value, (str, int, np.integer)):
                number = int(value)
            elif float(value).is_integer():
                number = int(value)
            else:
                raise ValueError(value)
        else:
            number = float(value)
    except (TypeError, ValueError, OverflowError) as exc:
        raise InputError(
            f"{path}: attribute {name!r} is {value!r}, not a{'n integer' if kind is int else ' number'}"
            "; the file is corrupt"
        ) from exc
    if finite and kind is float and not math.isfinite(number):
        raise InputError(f"{path}: attribute {name!r} is {number}, not finite; the file is corrupt")
    return number


def seed_attr(seed: Any) -> int | str:
    """The seed as an attribute: -1 for None, an int64, or (beyond int64) its decimal text."""
    if seed is None:
        return -1
    seed = int(seed)
    return seed if -(2**63) <= seed < 2**63 else str(seed)


def save_arrays(
    path: str | os.PathLike,
    arrays: Mapping[str, Any],
    attrs: Mapping[str, Any] | None = None,
    overwrite: bool = False,
) -> Path:
    """Write named arrays and root attributes as one checksummed HDF5 file, atomically.

    Parameters
    ----------
    path : path-like
        Output file (written under a temporary name and renamed when complete).
    arrays : mapping of str to array_like
        Dataset name (``"a/b"`` creates the group ``a``) to its values, written in order,
        each with a Fletcher-32 checksum per chunk (:func:`create_dataset`).
    attrs : mapping of str to object, optional
        Root attributes; numbers and text are stored as they are, None as ``"None"``,
        anything else as JSON text (:func:`attribute_value`).
    overwrite : bool, default False
        Replace an existing file.

    Returns
    -------
    pathlib.Path
        The path written.

    Raises
    ------
    InputError
        ``path`` exists without ``overwrite``, its folder is missing, or the write fails.
    """
    with atomic_write(path, overwrite=overwrite) as tmp, h5py.File(tmp, "w", libver=LIBVER) as f:
        for name, values in arrays.items():
            create_dataset(f, name, values)
        for key, value in (attrs or {}).items():
            f.attrs[key] = attribute_value(value)
    return Path(path)
