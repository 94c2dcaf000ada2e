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
never leaves a truncated file that looks valid.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import os
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
    ``path`` is left untouched.

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
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=f".{final.name}.", suffix=".tmp", dir=directory)
    except OSError as exc:
        raise InputError(
            f"cannot write in {directory} ({exc.strerror}); choose another path"
        ) from exc
    os.close(fd)
    tmp = Path(tmp_name)
    umask = os.umask(0)
    os.umask(umask)
    tmp.chmod(0o666 & ~umask)  # mkstemp creates 0600; give the file the usual permissions
    try:
        yield tmp
        os.replace(tmp, final)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        raise


def _attr(value: Any) -> Any:
    """Convert a metadata value to something HDF5 can store as an attribute."""
    if value is None:
        return "None"
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, float, str, np.integer, np.floating)):
        return value
    return json.dumps(value, default=str)


def _open_checked(path: str | os.PathLike, expected_format: str) -> h5py.File:
    file = Path(path)
    if not file.is_file():
        raise InputError(f"{file} does not exist; check the path")
    try:
        handle = h5py.File(file, "r")
    except OSError as exc:
        raise InputError(
            f"{file} is not a readable HDF5 file ({exc}); was it written by deeprg?"
        ) from exc
    found = handle.attrs.get("format")
    if found != expected_format:
        handle.close()
        what = "deeprg sample" if expected_format == SAMPLES_FORMAT else "deeprg model"
        raise InputError(f"{file} is not a {what} file (format attribute {found!r})")
    return handle


def save_samples(samples: SampleSet, path: str | os.PathLike, overwrite: bool = False) -> Path:
    """Write a :class:`~deeprg.samples.SampleSet` to the HDF5 sample file of docs/file-formats.md.

    Returns
    -------
    pathlib.Path
        The path written.
    """
    model = samples.model
    with atomic_write(path, overwrite=overwrite) as tmp, h5py.File(tmp, "w") as f:
        # Uncompressed: gzip costs ~0.6 s on the paper's 32 MB of spins, more than sampling them.
        f.create_dataset("spins", data=np.asarray(samples.spins, dtype=np.int8))
        f.create_dataset("energy", data=np.asarray(samples.energy, dtype=np.float64))
        f.create_dataset("magnetization", data=np.asarray(samples.magnetization, dtype=np.float64))
        attrs = {
            "format": SAMPLES_FORMAT,
            "format_version": FORMAT_VERSION,
            "model": model.name,
            "size": model.size,
            "coupling": model.coupling,
            "field": model.field,
            "algorithm": samples.algorithm,
            "seed": -1 if samples.seed is None else int(samples.seed),
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
        If the file is missing, not a deeprg sample file, or its contents are inconsistent
        (shape does not match ``size``, values other than ±1).
    """
    with _open_checked(path, SAMPLES_FORMAT) as f:
        try:
            model = make_model(
                str(f.attrs["model"]),
                int(f.attrs["size"]),
                float(f.attrs["coupling"]),
                float(f.attrs["field"]),
            )
            spins = f["spins"][...]
            energy = f["energy"][...]
            magnetization = f["magnetization"][...]
        except KeyError as exc:
            raise InputError(
                f"{path} is missing {exc}; the file is incomplete, sample it again"
            ) from exc
        attrs = dict(f.attrs)
    if spins.ndim != 1 + len(model.lattice_shape) or spins.shape[1:] != model.lattice_shape:
        raise InputError(
            f"{path}: spins have shape {spins.shape}, expected (n, {model.lattice_shape})"
        )
    if not np.all(np.abs(spins) == 1):
        raise InputError(f"{path}: spins must be ±1; the file is corrupt")
    if energy.shape != (spins.shape[0],) or magnetization.shape != (spins.shape[0],):
        raise InputError(f"{path}: energy/magnetization do not have one value per sample")
    seed = int(attrs.get("seed", -1))
    extra = {k[len("extra_") :]: v for k, v in attrs.items() if k.startswith("extra_")}
    return SampleSet(
        model=model,
        spins=spins,
        energy=energy,
        magnetization=magnetization,
        algorithm=str(attrs.get("algorithm", "unknown")),
        seed=None if seed < 0 else seed,
        tau_energy=float(attrs.get("tau_energy", np.nan)),
        tau_abs_magnetization=float(attrs.get("tau_abs_magnetization", np.nan)),
        burn_in=int(attrs.get("burn_in", 0)),
        thin=int(attrs.get("thin", 1)),
        n_chains=int(attrs.get("n_chains", 1)),
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
    with atomic_write(path, overwrite=overwrite) as tmp, h5py.File(tmp, "w") as f:
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
                    g.create_dataset(name, data=layer[name])
            g.attrs["units"] = layer["units"]
            history = g.create_group("history")
            for key, values in layer["history"].items():
                history.create_dataset(key, data=np.asarray(values, dtype=np.float64))
    return Path(path)


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
    """
    with _open_checked(path, MODEL_FORMAT) as f:
        if "layers" not in f:
            raise InputError(f"{path} has no 'layers' group; the file is incomplete")
        keys = sorted(f["layers"].keys(), key=int)
        layers = []
        for key in keys:
            g = f["layers"][key]
            if str(g.attrs.get("kind", "dense")) == "conv":
                raise InputError(
                    f"{path} holds convolutional (ConvRBM) layers; load it with "
                    "deeprg.io.load_conv_layers or deeprg rg exponents --model"
                )
            layers.append(
                {
                    "weights": g["weights"][...],
                    "visible_bias": g["visible_bias"][...],
                    "hidden_bias": g["hidden_bias"][...],
                    "units": str(g.attrs["units"]),
                    "history": {k: v[...] for k, v in g.get("history", {}).items()},
                }
            )
            if "visible_std" in g:
                layers[-1]["visible_std"] = g["visible_std"][...]
        attrs = dict(f.attrs)
    for index, layer in enumerate(layers):
        n_visible, n_hidden = layer["weights"].shape
        if layer["visible_bias"].shape != (n_visible,) or layer["hidden_bias"].shape != (n_hidden,):
            raise InputError(
                f"{path}: layer {index} biases do not match its weights; file is corrupt"
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
    with atomic_write(path, overwrite=overwrite) as tmp, h5py.File(tmp, "w") as f:
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
            g.create_dataset("weights", data=np.asarray(model.weights_, dtype=np.float64))
            g.create_dataset("visible_bias", data=np.atleast_1d(float(model.visible_bias_)))
            g.create_dataset("hidden_bias", data=np.asarray(model.hidden_bias_, dtype=np.float64))
            g.attrs["units"] = model.units
            g.attrs["stride"] = int(model.stride)
            g.attrs["lattice_shape"] = np.asarray(model.lattice_shape_, dtype=np.int64)
    return Path(path)


def load_conv_layers(path: str | os.PathLike) -> tuple[list, dict[str, Any]]:
    """Read a file of :func:`save_conv_layers` back as fitted ConvRBMs (and root attributes)."""
    from .rbm import ConvRBM

    with _open_checked(path, MODEL_FORMAT) as f:
        if "layers" not in f or not len(f["layers"]):
            raise InputError(f"{path} has no layers; the file is incomplete")
        models = []
        for key in sorted(f["layers"].keys(), key=int):
            g = f["layers"][key]
            if str(g.attrs.get("kind", "dense")) != "conv":
                raise InputError(
                    f"{path}: layer {key} is not a ConvRBM layer; load dense models with load_model"
                )
            try:
                models.append(
                    ConvRBM.from_parameters(
                        g["weights"][...],
                        float(g["visible_bias"][0]),
                        g["hidden_bias"][...],
                        lattice_shape=tuple(int(v) for v in g.attrs["lattice_shape"]),
                        stride=int(g.attrs["stride"]),
                        units=str(g.attrs["units"]),
                    )
                )
            except KeyError as exc:
                raise InputError(f"{path}: layer {key} lacks {exc}; the file is corrupt") from exc
        attrs = dict(f.attrs)
    return models, attrs


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
