"""HDF5 files for samples and models (docs/file-formats.md), written atomically and validated on read.

Sample file: dataset ``spins`` (int8, shape (n_samples, *lattice_shape), ±1), datasets
``energy`` and ``magnetization`` (float64, per sample), attributes ``model``, ``size``,
``coupling``, ``field``, ``algorithm``, ``seed``, ``deeprg_version`` and the sampler's
measured autocorrelation times ``tau_energy`` and ``tau_abs_magnetization``.

Model file: groups ``layers/0``, ``layers/1``, … each with datasets ``weights``
(n_visible, n_hidden), ``visible_bias`` (n_visible,), ``hidden_bias`` (n_hidden,) in the
sign convention E(v, h) = -a·v - b·h - v·W·h, and attribute ``units``; root attributes hold
the training settings, the seed and ``deeprg_version``.

Every writer goes through :func:`atomic_write`: the file is written under a temporary name
in the target directory and renamed into place only when complete, so an interrupted run
never leaves a truncated file that looks valid. Files are written in HDF5 1.10's format
(:data:`LIBVER`), whose metadata carries checksums, with a Fletcher-32 checksum on every
chunk of every non-empty dataset, so that a file damaged later (a flipped bit, a bad
copy) is refused with one line instead of being read wrongly, or crashing the HDF5
library. The readers validate everything they read and raise :class:`InputError`.
"""

from __future__ import annotations

import contextlib
import hashlib
import itertools
import json
import math
import os
import re
import socket
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import h5py
import numpy as np

from . import __version__
from .errors import InputError
from .models import make_model
from .samples import SampleSet

__all__ = [
    "atomic_write",
    "load_layers",
    "load_model",
    "load_samples",
    "save_model",
    "save_samples",
]

SAMPLES_FORMAT = "deeprg-samples"
MODEL_FORMAT = "deeprg-model"
FORMAT_VERSION = 1


@contextlib.contextmanager
def atomic_write(path: str | os.PathLike, overwrite: bool = False) -> Iterator[Path]:
    """Yield a temporary path next to ``path``; rename it to ``path`` on success.

    On any exception (KeyboardInterrupt included) the temporary file is removed and
    ``path`` is left untouched. A process killed outright (SIGKILL, a node lost) cannot
    remove its temporary file; its name records the writer's host and PID, and the next
    write of the same file on that host removes the ones whose writer is gone.

    Parameters
    ----------
    path : path-like
        Final file name.
    overwrite : bool, default False
        Replace an existing file. Without it an existing ``path`` is an error.
    """
    final = Path(path)
    if final.exists() and not overwrite:
        raise InputError(f"{final} already exists; pass overwrite=True (--overwrite) to replace it")
    directory = final.parent if str(final.parent) else Path(".")
    if not directory.is_dir():
        raise InputError(f"directory {directory} does not exist; create it first")
    _remove_stale_temporaries(directory, final.name)
    try:
        fd, tmp_name = tempfile.mkstemp(
            prefix=f".{final.name}.{os.getpid()}-{_HOST}.", suffix=".tmp", dir=directory
        )
    except OSError as exc:
        raise InputError(
            f"cannot write in {directory} ({exc.strerror}); choose another path"
        ) from exc
    tmp = Path(tmp_name)
    umask = os.umask(0)
    os.umask(umask)
    try:  # mkstemp creates 0600; give the file the usual permissions (through its descriptor)
        if hasattr(os, "fchmod"):
            os.fchmod(fd, 0o666 & ~umask)
        else:  # pragma: no cover - Windows
            tmp.chmod(0o666 & ~umask)
    finally:
        os.close(fd)
    try:
        yield tmp
        os.replace(tmp, final)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            tmp.unlink()
        if isinstance(exc, OSError):
            raise InputError(
                f"cannot write {final} ({os_error_reason(exc)}); nothing was written there; "
                "free some space or choose another path"
            ) from exc
        raise


#: This host, as 8 hex digits in temporary file names (a PID means nothing on another host).
_HOST = hashlib.sha256(socket.gethostname().encode()).hexdigest()[:8]


def _remove_stale_temporaries(directory: Path, name: str) -> None:
    """Remove the temporary files of earlier writes of ``name`` whose writer has died.

    Only files written on this host, by a process that no longer exists, are removed; a
    write in progress elsewhere (or by a live process here) is never touched.
    """
    pattern = re.compile(rf"\.{re.escape(name)}\.(\d+)-{_HOST}\.[^/]*\.tmp")
    try:
        candidates = list(directory.iterdir())
    except OSError:
        return
    for path in candidates:
        found = pattern.fullmatch(path.name)
        if found is None or int(found.group(1)) == os.getpid():
            continue
        try:
            os.kill(int(found.group(1)), 0)
        except ProcessLookupError:  # the writer is gone: its file can never be completed
            with contextlib.suppress(OSError):
                path.unlink()
        except (PermissionError, OverflowError):  # alive (another user's), or no PID at all
            continue


def os_error_reason(exc: BaseException) -> str:
    """A short, one-line reason for an :class:`OSError` (h5py's long messages included).

    h5py reports a failed write as ``OSError`` whose text carries the system's reason
    (``error message = 'No space left on device'``) among file offsets and descriptors;
    that reason is returned, as is ``strerror`` for an ordinary ``OSError``.
    """
    strerror = getattr(exc, "strerror", None)
    if strerror:
        return str(strerror)
    text = str(exc)
    found = re.search(r"error message = '([^']*)'", text)
    if found:
        return found.group(1)
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    reason = lines[0] if lines else type(exc).__name__
    return reason if len(reason) <= 200 else reason[:197] + "..."


#: File format versions of every file deeprg writes: at least HDF5 1.10's, whose metadata
#: (superblock, object headers, chunk indexes, heaps) carries checksums. A damaged file is
#: then refused with a checksum error; in the oldest format some damage crashes or hangs the
#: HDF5 library itself, and 1.8's unchecked chunk index can lose a chunk silently (it then
#: reads as zeros). Readable by any HDF5 from 1.10 (2016) on.
LIBVER = ("v110", "latest")
#: Bytes per chunk of the checksummed datasets (whole rows along the first axis).
_CHUNK_BYTES = 1 << 20


def _create_dataset(group: h5py.Group, name: str, data: Any) -> h5py.Dataset:
    """Write ``data`` with a Fletcher-32 checksum per chunk of rows (damage is detected).

    Empty and scalar datasets cannot be chunked and are written plainly.
    """
    data = np.asarray(data)
    if data.ndim == 0 or data.size == 0:
        return group.create_dataset(name, data=data)
    row_bytes = max(1, data.nbytes // data.shape[0])
    rows = max(1, min(data.shape[0], _CHUNK_BYTES // row_bytes))
    return group.create_dataset(name, data=data, chunks=(rows, *data.shape[1:]), fletcher32=True)


def _attr(value: Any) -> Any:
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


def _open_checked(path: str | os.PathLike, expected_format: str) -> h5py.File:
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
def _reading(path: str | os.PathLike, expected_format: str) -> Iterator[h5py.File]:
    """Open a deeprg file; any low-level failure while reading it becomes an InputError.

    A truncated or damaged file can open and then fail on a later read (h5py raises
    ``OSError``, ``KeyError`` or ``ValueError`` then); every such failure is reported as
    one line naming the file.
    """
    with _open_checked(path, expected_format) as handle:
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


def _dataset(group: h5py.Group, name: str, path: Any, where: str = "") -> np.ndarray:
    """The contents of dataset ``name`` of ``group``, or an InputError naming what is missing."""
    node = group.get(name)
    label = f"{where}/{name}" if where else name
    if not isinstance(node, h5py.Dataset):
        raise InputError(
            f"{path} has no dataset {label!r}; the file is incomplete or not written by deeprg"
        )
    return node[()]


def _real_array(
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


def _raw_attr(attrs: Any, name: str, path: Any, default: Any) -> Any:
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


def _text_attr(attrs: Any, name: str, path: Any, default: str | None = None) -> str:
    value = _raw_attr(attrs, name, path, default)
    if not isinstance(value, str):
        raise InputError(f"{path}: attribute {name!r} is {value!r}, not text; the file is corrupt")
    return value


def _number_attr(
    attrs: Any, name: str, path: Any, kind: type, default: Any = None, finite: bool = True
) -> Any:
    """A numeric root attribute as ``kind`` (int or float); InputError when absent or not a number."""
    if name not in attrs and default is not None:
        return default
    value = _raw_attr(attrs, name, path, default)
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


def _seed_attr(seed: Any) -> int | str:
    """The seed as an attribute: -1 for None, an int64, or (beyond int64) its decimal text."""
    if seed is None:
        return -1
    seed = int(seed)
    return seed if -(2**63) <= seed < 2**63 else str(seed)


def save_samples(samples: SampleSet, path: str | os.PathLike, overwrite: bool = False) -> Path:
    """Write a :class:`~deeprg.samples.SampleSet` to the HDF5 sample file of docs/file-formats.md.

    Returns
    -------
    pathlib.Path
        The path written.
    """
    model = samples.model
    with atomic_write(path, overwrite=overwrite) as tmp, h5py.File(tmp, "w", libver=LIBVER) as f:
        # Uncompressed: gzip costs ~0.6 s on the paper's 32 MB of spins, more than sampling them.
        _create_dataset(f, "spins", np.asarray(samples.spins, dtype=np.int8))
        _create_dataset(f, "energy", np.asarray(samples.energy, dtype=np.float64))
        _create_dataset(f, "magnetization", np.asarray(samples.magnetization, dtype=np.float64))
        attrs = {
            "format": SAMPLES_FORMAT,
            "format_version": FORMAT_VERSION,
            "model": model.name,
            "size": model.size,
            "coupling": model.coupling,
            "field": model.field,
            "algorithm": samples.algorithm,
            "seed": _seed_attr(samples.seed),
            "deeprg_version": __version__,
            "tau_energy": float(samples.tau_energy),
            "tau_abs_magnetization": float(samples.tau_abs_magnetization),
            "burn_in": int(samples.burn_in),
            "thin": int(samples.thin),
            "n_chains": int(samples.n_chains),
        }
        for key, value in samples.extra.items():
            attrs.setdefault(f"extra_{key}", value)
        for key, value in attrs.items():
            f.attrs[key] = _attr(value)
    return Path(path)


def load_samples(path: str | os.PathLike) -> SampleSet:
    """Read and validate a sample file written by :func:`save_samples` (or ``deeprg sample``).

    Raises
    ------
    InputError
        If the file is missing, not a deeprg sample file, truncated or damaged, or its
        contents are inconsistent: an attribute missing or not a number, spins that are
        not ±1 integers of shape (n, *lattice_shape) with n >= 1, energies or
        magnetisations that are not one finite number per sample or do not match the spins.
    """
    with _reading(path, SAMPLES_FORMAT) as f:
        attrs = dict(f.attrs)
        model = make_model(
            _text_attr(attrs, "model", path),
            _number_attr(attrs, "size", path, int),
            _number_attr(attrs, "coupling", path, float),
            _number_attr(attrs, "field", path, float),
        )
        spins = _dataset(f, "spins", path)
        energy = _real_array(_dataset(f, "energy", path), path, "energy", ndim=1)
        magnetization = _real_array(
            _dataset(f, "magnetization", path), path, "magnetization", ndim=1
        )
        seed = _number_attr(attrs, "seed", path, int, default=-1)
        tau_energy = _number_attr(attrs, "tau_energy", path, float, np.nan, finite=False)
        tau_abs_m = _number_attr(attrs, "tau_abs_magnetization", path, float, np.nan, finite=False)
        burn_in = _number_attr(attrs, "burn_in", path, int, default=0)
        thin = _number_attr(attrs, "thin", path, int, default=1)
        n_chains = _number_attr(attrs, "n_chains", path, int, default=1)
        algorithm = _text_attr(attrs, "algorithm", path, default="unknown")
        extra = {k[len("extra_") :]: v for k, v in attrs.items() if k.startswith("extra_")}
    spins = np.asarray(spins)
    if spins.ndim != 1 + len(model.lattice_shape) or spins.shape[1:] != model.lattice_shape:
        raise InputError(
            f"{path}: spins have shape {spins.shape}, expected (n, {model.lattice_shape})"
        )
    if spins.dtype.kind != "i":
        raise InputError(
            f"{path}: spins are stored as {spins.dtype}, not as signed integers (int8); "
            "the file was not written by deeprg"
        )
    if spins.shape[0] == 0:
        raise InputError(f"{path} holds no samples; sample it again")
    if not np.all(np.abs(spins) == 1):
        raise InputError(f"{path}: spins must be ±1; the file is corrupt")
    spins = spins.astype(np.int8, copy=False)
    if energy.shape != (spins.shape[0],) or magnetization.shape != (spins.shape[0],):
        raise InputError(f"{path}: energy/magnetization do not have one value per sample")
    scale = (2.0 * abs(model.coupling) + abs(model.field)) * model.n_spins
    if not np.allclose(energy, model.energy(spins), rtol=0.0, atol=1e-9 * scale + 1e-12):
        raise InputError(f"{path}: the stored energies do not match the spins; the file is corrupt")
    if not np.allclose(magnetization, model.magnetization(spins), rtol=0.0, atol=1e-6):
        raise InputError(
            f"{path}: the stored magnetisations do not match the spins; the file is corrupt"
        )
    return SampleSet(
        model=model,
        spins=spins,
        energy=energy.astype(np.float64, copy=False),
        magnetization=magnetization.astype(np.float64, copy=False),
        algorithm=algorithm,
        seed=None if seed < 0 else seed,
        tau_energy=tau_energy,
        tau_abs_magnetization=tau_abs_m,
        burn_in=burn_in,
        thin=thin,
        n_chains=n_chains,
        extra=extra,
    )


def _layer_arrays(model: Any) -> list[dict[str, Any]]:
    """Extract per-layer parameter arrays from an RBM, a DBN or a list of RBMs."""
    rbms = getattr(model, "rbms_", None)
    if rbms is None:
        rbms = list(model) if isinstance(model, (list, tuple)) else [model]
    layers = []
    for rbm in rbms:
        try:
            layers.append(
                {
                    "weights": np.asarray(rbm.weights_, dtype=np.float64),
                    "visible_bias": np.asarray(rbm.visible_bias_, dtype=np.float64),
                    "hidden_bias": np.asarray(rbm.hidden_bias_, dtype=np.float64),
                    "units": str(rbm.units),
                    "history": getattr(rbm, "history_", None) or {},
                }
            )
            if getattr(rbm, "visible_std_", None) is not None:
                layers[-1]["visible_std"] = np.asarray(rbm.visible_std_, dtype=np.float64)
        except AttributeError as exc:
            raise InputError(
                "the model is not fitted (no weights_); call fit() before saving"
            ) from exc
    return layers


def save_model(
    model: Any, path: str | os.PathLike, overwrite: bool = False, metadata: dict | None = None
) -> Path:
    """Write a fitted RBM or DBN to the HDF5 model file of docs/file-formats.md.

    Parameters
    ----------
    model : RBM, DBN or list of RBM
        Fitted model(s); each layer needs ``weights_``, ``visible_bias_``, ``hidden_bias_``
        and ``units``.
    path : path-like
        Output file (written atomically).
    overwrite : bool, default False
        Replace an existing file.
    metadata : dict, optional
        Extra root attributes (training settings, data file, ...). The estimator's
        ``get_params()`` are recorded automatically.
    """
    layers = _layer_arrays(model)
    for below, above in itertools.pairwise(layers):
        if below["weights"].shape[1] != above["weights"].shape[0]:
            raise InputError(
                "layer sizes do not chain: a layer's n_hidden must equal the next n_visible"
            )
    settings: dict[str, Any] = {}
    if hasattr(model, "get_params"):
        settings.update({k: v for k, v in model.get_params(deep=False).items()})
    settings.update(metadata or {})
    with atomic_write(path, overwrite=overwrite) as tmp, h5py.File(tmp, "w", libver=LIBVER) as f:
        f.attrs["format"] = MODEL_FORMAT
        f.attrs["format_version"] = FORMAT_VERSION
        f.attrs["deeprg_version"] = __version__
        f.attrs["n_layers"] = len(layers)
        for key, value in settings.items():
            if key not in f.attrs:
                f.attrs[key] = _attr(value)
        group = f.create_group("layers")
        for index, layer in enumerate(layers):
            g = group.create_group(str(index))
            for name in ("weights", "visible_bias", "hidden_bias", "visible_std"):
                if name in layer:
                    _create_dataset(g, name, layer[name])
            g.attrs["units"] = layer["units"]
            history = g.create_group("history")
            for key, values in layer["history"].items():
                _create_dataset(history, key, np.asarray(values, dtype=np.float64))
    return Path(path)


#: Units a dense layer's visible units may have (hidden units are binary or spin).
_LAYER_UNITS = ("binary", "spin", "gaussian")


def _layer_keys(group: Any, path: Any) -> list[str]:
    """The layer group names "0", "1", ... in order; InputError unless they are exactly that."""
    keys = list(group.keys())
    if not keys:
        raise InputError(f"{path} has no layers; the file is incomplete")
    if not all(key.isascii() and key.isdigit() for key in keys):
        odd = next(key for key in keys if not (key.isascii() and key.isdigit()))
        raise InputError(f"{path}: 'layers/{odd}' is not a layer number; the file is corrupt")
    keys = sorted(keys, key=int)
    if [int(key) for key in keys] != list(range(len(keys))):
        raise InputError(
            f"{path}: layers {', '.join(keys)} are not numbered 0, 1, ...; the file is corrupt"
        )
    return keys


def _read_dense_layer(g: Any, path: Any, where: str) -> dict[str, Any]:
    """One dense layer group, validated (shapes, finite numbers, units, history)."""
    if not isinstance(g, h5py.Group):
        raise InputError(f"{path}: {where} is not a group; the file is corrupt")
    if _text_attr(g.attrs, "kind", path, default="dense") == "conv":
        raise InputError(
            f"{path} holds convolutional (ConvRBM) layers; load it with "
            "deeprg.io.load_conv_layers or deeprg rg exponents --model"
        )
    weights = _real_array(_dataset(g, "weights", path, where), path, f"{where}/weights", 2)
    visible = _real_array(
        _dataset(g, "visible_bias", path, where), path, f"{where}/visible_bias", 1
    )
    hidden = _real_array(_dataset(g, "hidden_bias", path, where), path, f"{where}/hidden_bias", 1)
    n_visible, n_hidden = weights.shape
    if n_visible == 0 or n_hidden == 0:
        raise InputError(
            f"{path}: {where} has weights of shape {weights.shape}; the file is corrupt"
        )
    if visible.shape != (n_visible,) or hidden.shape != (n_hidden,):
        raise InputError(f"{path}: {where} biases do not match its weights; file is corrupt")
    if "units" not in g.attrs:
        raise InputError(f"{path}: {where} has no 'units' attribute; the file is incomplete")
    units = _text_attr(g.attrs, "units", path)
    if units not in _LAYER_UNITS:
        raise InputError(
            f"{path}: {where} has units {units!r}, not one of {', '.join(_LAYER_UNITS)}; "
            "the file is corrupt"
        )
    history_group = g.get("history", {})
    if not isinstance(history_group, (h5py.Group, dict)):
        raise InputError(f"{path}: {where}/history is not a group; the file is corrupt")
    history = {}
    for key in history_group:
        label = f"{where}/history/{key}"
        history[key] = _real_array(
            _dataset(history_group, key, path, f"{where}/history"), path, label, 1, finite=False
        ).astype(np.float64, copy=False)
    layer = {
        "weights": weights.astype(np.float64, copy=False),
        "visible_bias": visible.astype(np.float64, copy=False),
        "hidden_bias": hidden.astype(np.float64, copy=False),
        "units": units,
        "history": history,
    }
    if "visible_std" in g:
        std = _real_array(_dataset(g, "visible_std", path, where), path, f"{where}/visible_std", 1)
        if units != "gaussian" or std.shape != (n_visible,) or not np.all(std > 0):
            raise InputError(
                f"{path}: {where}/visible_std must hold one positive number per visible unit "
                "of a Gaussian layer; the file is corrupt"
            )
        layer["visible_std"] = std.astype(np.float64, copy=False)
    return layer


def load_layers(path: str | os.PathLike) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Read a model file's layers as numpy arrays, without torch.

    Returns
    -------
    layers : list of dict
        Per layer: ``weights`` (n_visible, n_hidden), ``visible_bias``, ``hidden_bias``,
        ``units`` and ``history`` (the per-epoch training history, a dict of arrays of
        shape (n_epochs,); empty for files written before it was stored); Gaussian layers
        also ``visible_std`` (n_visible,).
    attrs : dict
        Root attributes (settings, seed, version).

    Raises
    ------
    InputError
        The file is missing, not a deeprg model file, truncated or damaged, has no layers
        or layers not numbered 0, 1, ..., or a layer whose arrays are missing, not real,
        not finite (NaN or inf weights), of inconsistent shapes, or that does not chain
        with the next one (a layer's n_hidden must be the next layer's n_visible).
    """
    with _reading(path, MODEL_FORMAT) as f:
        group = f.get("layers")
        if not isinstance(group, h5py.Group):
            raise InputError(f"{path} has no 'layers' group; the file is incomplete")
        layers = [
            _read_dense_layer(group[key], path, f"layers/{key}") for key in _layer_keys(group, path)
        ]
        attrs = dict(f.attrs)
    for index in range(len(layers) - 1):
        n_hidden = layers[index]["weights"].shape[1]
        n_next = layers[index + 1]["weights"].shape[0]
        if n_hidden != n_next:
            raise InputError(
                f"{path}: layer {index} has {n_hidden} hidden units but layer {index + 1} has "
                f"{n_next} visible units; the file is corrupt"
            )
    return layers, attrs


def save_conv_layers(
    models: list, path: str | os.PathLike, overwrite: bool = False, metadata: dict | None = None
) -> Path:
    """Write a stack of fitted ConvRBMs (a learned block-spin transform) as a model file.

    Each ``layers/<l>`` group has ``kind = "conv"``, the datasets ``weights`` (the kernels,
    shape (C, k, k)), ``visible_bias`` (shape (1,), shared by every site) and
    ``hidden_bias`` (shape (C,)), and the attributes ``units``, ``stride`` and
    ``lattice_shape``, in the sign convention of the dense layers.
    """
    with atomic_write(path, overwrite=overwrite) as tmp, h5py.File(tmp, "w", libver=LIBVER) as f:
        f.attrs["format"] = MODEL_FORMAT
        f.attrs["format_version"] = FORMAT_VERSION
        f.attrs["deeprg_version"] = __version__
        f.attrs["n_layers"] = len(models)
        for key, value in (metadata or {}).items():
            f.attrs[key] = _attr(value)
        group = f.create_group("layers")
        for index, model in enumerate(models):
            g = group.create_group(str(index))
            g.attrs["kind"] = "conv"
            _create_dataset(g, "weights", np.asarray(model.weights_, dtype=np.float64))
            _create_dataset(g, "visible_bias", np.atleast_1d(float(model.visible_bias_)))
            _create_dataset(g, "hidden_bias", np.asarray(model.hidden_bias_, dtype=np.float64))
            g.attrs["units"] = model.units
            g.attrs["stride"] = int(model.stride)
            g.attrs["lattice_shape"] = np.asarray(model.lattice_shape_, dtype=np.int64)
    return Path(path)


def load_conv_layers(path: str | os.PathLike) -> tuple[list, dict[str, Any]]:
    """Read a file of :func:`save_conv_layers` back as fitted ConvRBMs (and root attributes).

    Raises
    ------
    InputError
        The file is missing, damaged, not a model file, holds dense layers, or a layer's
        kernels, biases or attributes are missing, not finite or inconsistent.
    """
    from .rbm import ConvRBM

    with _reading(path, MODEL_FORMAT) as f:
        group = f.get("layers")
        if not isinstance(group, h5py.Group):
            raise InputError(f"{path} has no layers; the file is incomplete")
        models = []
        for key in _layer_keys(group, path):
            g = group[key]
            where = f"layers/{key}"
            if not isinstance(g, h5py.Group):
                raise InputError(f"{path}: {where} is not a group; the file is corrupt")
            if _text_attr(g.attrs, "kind", path, default="dense") != "conv":
                raise InputError(
                    f"{path}: layer {key} is not a ConvRBM layer; load dense models with load_model"
                )
            kernels = _real_array(_dataset(g, "weights", path, where), path, f"{where}/weights", 3)
            visible = _real_array(
                _dataset(g, "visible_bias", path, where), path, f"{where}/visible_bias", 1
            )
            hidden = _real_array(
                _dataset(g, "hidden_bias", path, where), path, f"{where}/hidden_bias", 1
            )
            if visible.shape != (1,):
                raise InputError(f"{path}: {where}/visible_bias must hold one number")
            shape = _real_array(
                g.attrs.get("lattice_shape", np.zeros(0)), path, f"{where} lattice_shape", 1
            )
            if shape.dtype.kind not in "iu" or shape.shape != (2,) or np.any(shape < 1):
                raise InputError(f"{path}: {where} has no valid lattice_shape; the file is corrupt")
            models.append(
                ConvRBM.from_parameters(
                    kernels,
                    float(visible[0]),
                    hidden,
                    lattice_shape=tuple(int(v) for v in shape),
                    stride=_number_attr(g.attrs, "stride", path, int),
                    units=_text_attr(g.attrs, "units", path),
                )
            )
        attrs = dict(f.attrs)
    return models, attrs


def load_cached_rbm(path: str | os.PathLike, settings_key: str, device: str = "cpu"):
    """A one-layer model file saved by an earlier run with the same settings, or None.

    Stages of ``deeprg reproduce`` save each trained RBM with a ``settings_key`` attribute
    (a digest of every setting it depends on) and its history as JSON; a rerun reuses the
    file only when the key matches. A missing, unreadable or other-settings file gives None.

    Returns
    -------
    RBM or None
        The fitted RBM on ``device``, with its ``history_`` (and ``matmul_dtype_`` and
        ``matmul_reason_`` when the file records them).
    """
    from .rbm import RBM

    path = Path(path)
    if not path.exists():
        return None
    try:
        layers, attrs = load_layers(path)
    except InputError:
        return None
    if attrs.get("settings_key") != settings_key or len(layers) != 1:
        return None
    layer = layers[0]
    rbm = RBM.from_parameters(
        layer["weights"],
        layer["visible_bias"],
        layer["hidden_bias"],
        units=layer["units"],
        visible_std=layer.get("visible_std"),
        device=device,
    )
    rbm.history_ = json.loads(attrs.get("history", "{}"))
    if "matmul_dtype_used" in attrs:
        rbm.matmul_dtype_ = str(attrs["matmul_dtype_used"])
    if "matmul_reason" in attrs:
        rbm.matmul_reason_ = str(attrs["matmul_reason"])
    return rbm


def load_model(path: str | os.PathLike):
    """Load a model file as a :class:`deeprg.rbm.DBN` (a single layer loads as a 1-layer DBN)."""
    from .rbm import DBN, RBM

    layers, _ = load_layers(path)
    rbms = []
    for layer in layers:
        rbm = RBM.from_parameters(
            layer["weights"],
            layer["visible_bias"],
            layer["hidden_bias"],
            units=layer["units"],
            visible_std=layer.get("visible_std"),
        )
        if layer["history"]:
            rbm.history_ = {key: values.tolist() for key, values in layer["history"].items()}
        rbms.append(rbm)
    return DBN.from_rbms(rbms)
