"""The model file (docs/file-formats.md): trained RBM layers, dense or convolutional.

Groups ``layers/0``, ``layers/1``, … each with datasets ``weights`` (n_visible, n_hidden),
``visible_bias`` (n_visible,), ``hidden_bias`` (n_hidden,) in the sign convention
E(v, h) = -a·v - b·h - v·W·h, the attribute ``units`` and the layer's training ``history``;
root attributes hold the training settings, the seed and ``deeprg_version``. A stack of
ConvRBMs (a learned block-spin transform) is stored in the same layout with ``kind =
"conv"``. Written atomically and checksummed (:mod:`deeprg.hdf5`); every read is validated
and older files (without history, precision or preprocessing records) still load.
"""

from __future__ import annotations

import itertools
import json
import os
from pathlib import Path
from typing import Any

import h5py
import numpy as np

from . import __version__
from .atomic import atomic_write
from .errors import InputError
from .hdf5 import (
    FORMAT_VERSION,
    LIBVER,
    MODEL_FORMAT,
    attribute_value,
    create_dataset,
    number_attr,
    read_dataset,
    reading,
    real_array,
    text_attr,
)

__all__ = [
    "load_cached_rbm",
    "load_conv_layers",
    "load_layers",
    "load_model",
    "save_conv_layers",
    "save_model",
]


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
                f.attrs[key] = attribute_value(value)
        group = f.create_group("layers")
        for index, layer in enumerate(layers):
            g = group.create_group(str(index))
            for name in ("weights", "visible_bias", "hidden_bias", "visible_std"):
                if name in layer:
                    create_dataset(g, name, layer[name])
            g.attrs["units"] = layer["units"]
            history = g.create_group("history")
            for key, values in layer["history"].items():
                create_dataset(history, key, np.asarray(values, dtype=np.float64))
    return Path(path)


#: Units a dense layer may have: "<visible>-<hidden>", or one name for both ("gaussian": binary hidden).
_LAYER_UNITS = ("binary", "spin", "gaussian", "gaussian-gaussian", "binary-gaussian")


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
    if text_attr(g.attrs, "kind", path, default="dense") == "conv":
        raise InputError(
            f"{path} holds convolutional (ConvRBM) layers; load it with "
            "deeprg.io.load_conv_layers or deeprg rg exponents --model"
        )
    weights = real_array(read_dataset(g, "weights", path, where), path, f"{where}/weights", 2)
    visible = real_array(
        read_dataset(g, "visible_bias", path, where), path, f"{where}/visible_bias", 1
    )
    hidden = real_array(
        read_dataset(g, "hidden_bias", path, where), path, f"{where}/hidden_bias", 1
    )
    n_visible, n_hidden = weights.shape
    if n_visible == 0 or n_hidden == 0:
        raise InputError(
            f"{path}: {where} has weights of shape {weights.shape}; the file is corrupt"
        )
    if visible.shape != (n_visible,) or hidden.shape != (n_hidden,):
        raise InputError(f"{path}: {where} biases do not match its weights; file is corrupt")
    if "units" not in g.attrs:
        raise InputError(f"{path}: {where} has no 'units' attribute; the file is incomplete")
    units = text_attr(g.attrs, "units", path)
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
        history[key] = real_array(
            read_dataset(history_group, key, path, f"{where}/history"), path, label, 1, finite=False
        ).astype(np.float64, copy=False)
    layer = {
        "weights": weights.astype(np.float64, copy=False),
        "visible_bias": visible.astype(np.float64, copy=False),
        "hidden_bias": hidden.astype(np.float64, copy=False),
        "units": units,
        "history": history,
    }
    if "visible_std" in g:
        std = real_array(
            read_dataset(g, "visible_std", path, where), path, f"{where}/visible_std", 1
        )
        gaussian_visible = units.split("-")[0] == "gaussian"
        if not gaussian_visible or std.shape != (n_visible,) or not np.all(std > 0):
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
    with reading(path, MODEL_FORMAT) as f:
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
            f.attrs[key] = attribute_value(value)
        group = f.create_group("layers")
        for index, model in enumerate(models):
            g = group.create_group(str(index))
            g.attrs["kind"] = "conv"
            create_dataset(g, "weights", np.asarray(model.weights_, dtype=np.float64))
            create_dataset(g, "visible_bias", np.atleast_1d(float(model.visible_bias_)))
            create_dataset(g, "hidden_bias", np.asarray(model.hidden_bias_, dtype=np.float64))
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

    with reading(path, MODEL_FORMAT) as f:
        group = f.get("layers")
        if not isinstance(group, h5py.Group):
            raise InputError(f"{path} has no layers; the file is incomplete")
        models = []
        for key in _layer_keys(group, path):
            g = group[key]
            where = f"layers/{key}"
            if not isinstance(g, h5py.Group):
                raise InputError(f"{path}: {where} is not a group; the file is corrupt")
            if text_attr(g.attrs, "kind", path, default="dense") != "conv":
                raise InputError(
                    f"{path}: layer {key} is not a ConvRBM layer; load dense models with load_model"
                )
            kernels = real_array(
                read_dataset(g, "weights", path, where), path, f"{where}/weights", 3
            )
            visible = real_array(
                read_dataset(g, "visible_bias", path, where), path, f"{where}/visible_bias", 1
            )
            hidden = real_array(
                read_dataset(g, "hidden_bias", path, where), path, f"{where}/hidden_bias", 1
            )
            if visible.shape != (1,):
                raise InputError(f"{path}: {where}/visible_bias must hold one number")
            shape = real_array(
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
                    stride=number_attr(g.attrs, "stride", path, int),
                    units=text_attr(g.attrs, "units", path),
                )
            )
        attrs = dict(f.attrs)
    return models, attrs


def _rbm_from_layer(layer: dict[str, Any], **hyper: Any):
    """A fitted :class:`~deeprg.rbm.RBM` from one layer of :func:`load_layers`."""
    from .rbm import RBM

    return RBM.from_parameters(
        layer["weights"],
        layer["visible_bias"],
        layer["hidden_bias"],
        units=layer["units"],
        visible_std=layer.get("visible_std"),
        **hyper,
    )


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
    path = Path(path)
    if not path.exists():
        return None
    try:
        layers, attrs = load_layers(path)
    except InputError:
        return None
    if attrs.get("settings_key") != settings_key or len(layers) != 1:
        return None
    rbm = _rbm_from_layer(layers[0], device=device)
    rbm.history_ = json.loads(attrs.get("history", "{}"))
    if "matmul_dtype_used" in attrs:
        rbm.matmul_dtype_ = str(attrs["matmul_dtype_used"])
    if "matmul_reason" in attrs:
        rbm.matmul_reason_ = str(attrs["matmul_reason"])
    return rbm


def load_model(path: str | os.PathLike):
    """Load a model file as a :class:`deeprg.rbm.DBN` (a single layer loads as a 1-layer DBN)."""
    from .rbm import DBN

    layers, _ = load_layers(path)
    rbms = []
    for layer in layers:
        rbm = _rbm_from_layer(layer)
        if layer["history"]:
            rbm.history_ = {key: values.tolist() for key, values in layer["history"].items()}
        rbms.append(rbm)
    return DBN.from_rbms(rbms)
