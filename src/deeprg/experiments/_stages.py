"""The stage cache of the experiments: compute a stage, or load it when its settings match.

Every stage of a pipeline (samples, trained networks, a thermometer, flows) writes its
output to one file beside a *settings key*, a digest of every setting the output depends
on (:meth:`deeprg.experiments._settings.ExperimentSettings.key`). A rerun into the same
folder loads the file instead of computing it again when the key matches, so an
interrupted run resumes, and a run with other settings recomputes. Every file is written
atomically.

:func:`compute_or_load` owns that logic once; each kind of output supplies a *store* (the
:class:`Store` interface: ``load`` and ``save`` by path and key), in the manner of
emcee's backends:

- :class:`SampleSetStore`  — a :class:`deeprg.samples.SampleSet` in deeprg's sample file;
- :class:`RBMStore`        — one trained :class:`deeprg.RBM` in a one-layer model file;
- :class:`ThermometerStore` — a :class:`deeprg.thermometer.Thermometer` (torch file);
- :class:`NpzStore`        — a dict of arrays in a ``.npz`` file;
- :class:`ArraysH5Store`   — a dict of arrays in an HDF5 file of a named format.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol, TypeVar

import numpy as np

from .. import __version__, io
from ..errors import InputError

__all__ = [
    "ArraysH5Store",
    "NpzStore",
    "RBMStore",
    "SampleSetStore",
    "Store",
    "ThermometerStore",
    "compute_or_load",
]

T = TypeVar("T")


class Store(Protocol[T]):
    """Where a stage's output lives: loaded by settings key, saved with it."""

    def load(self, path: Path, key: str) -> T | None:
        """The output saved at ``path`` with settings key ``key``; None when the file is
        missing, unreadable, or made with other settings."""

    def save(self, value: T, path: Path, key: str) -> None:
        """Write ``value`` to ``path`` (atomically) with settings key ``key``."""


def compute_or_load(
    store: Store[T],
    path: str | Path,
    key: str,
    compute: Callable[[], T],
    log: Callable[[str], None] | None = None,
    reused: str | Callable[[T], str] | None = None,
    stale: str | None = None,
) -> T:
    """The stage's output from ``path`` when its settings key matches, else computed and saved.

    Parameters
    ----------
    store : Store
        How the output is loaded and saved.
    path : path-like
        The stage's file.
    key : str
        Digest of every setting the output depends on.
    compute : callable
        Computes the output (called only when nothing matching is saved).
    log : callable, optional
        Receives the messages below.
    reused : str or callable, optional
        Message when the saved output is reused (a callable gets the output).
    stale : str, optional
        Message when ``path`` exists but holds other settings (or cannot be read).
    """
    path = Path(path)
    cached = store.load(path, key)
    if cached is not None:
        if log is not None and reused is not None:
            log(reused(cached) if callable(reused) else reused)
        return cached
    if log is not None and stale is not None and path.exists():
        log(stale)
    value = compute()
    store.save(value, path, key)
    return value


class SampleSetStore:
    """A :class:`deeprg.samples.SampleSet` in deeprg's sample file (key in its ``extra``)."""

    def load(self, path: Path, key: str):
        if not path.exists():
            return None
        try:
            cached = io.load_samples(path)
        except InputError:
            return None
        return cached if cached.extra.get("settings_key") == key else None

    def save(self, value, path: Path, key: str) -> None:
        value.extra["settings_key"] = key
        io.save_samples(value, path, overwrite=True)


def _history_from_layer(layer: dict, attrs: dict) -> dict:
    """A layer's training history: its ``history`` datasets, in the order training wrote
    them (epochs as integers); files written before the datasets carried it alone keep it
    as a JSON attribute."""
    from ..rbm.rbm import HISTORY_KEYS

    datasets = layer.get("history") or {}
    if not datasets:
        return json.loads(attrs.get("history", "{}"))
    names = [k for k in HISTORY_KEYS if k in datasets] + sorted(set(datasets) - set(HISTORY_KEYS))
    return {
        name: ([int(v) for v in datasets[name]] if name == "epoch" else datasets[name].tolist())
        for name in names
    }


class RBMStore:
    """One trained :class:`deeprg.RBM` in a one-layer model file (:func:`deeprg.io.save_model`).

    The training history is stored once, as the layer's ``history`` datasets; files of
    earlier versions that also (or only) hold it as a JSON attribute still load.

    Parameters
    ----------
    device : str
        Where loaded RBMs live.
    metadata : callable, optional
        Extra root attributes of a saved RBM (e.g. the precision its products ran in).
    """

    def __init__(self, device: str = "cpu", metadata: Callable[[Any], dict] | None = None):
        self.device = device
        self.metadata = metadata

    def load(self, path: Path, key: str):
        from ..rbm import RBM

        if not path.exists():
            return None
        try:
            layers, attrs = io.load_layers(path)
        except InputError:
            return None
        if attrs.get("settings_key") != key or len(layers) != 1:
            return None
        layer = layers[0]
        rbm = RBM.from_parameters(
            layer["weights"],
            layer["visible_bias"],
            layer["hidden_bias"],
            units=layer["units"],
            visible_std=layer.get("visible_std"),
            device=self.device,
        )
        rbm.history_ = _history_from_layer(layer, attrs)
        if "matmul_dtype_used" in attrs:
            rbm.matmul_dtype_ = str(attrs["matmul_dtype_used"])
        if "matmul_reason" in attrs:
            rbm.matmul_reason_ = str(attrs["matmul_reason"])
        return rbm

    def save(self, value, path: Path, key: str) -> None:
        extra = self.metadata(value) if self.metadata is not None else {}
        io.save_model(value, path, overwrite=True, metadata={"settings_key": key, **extra})


class ThermometerStore:
    """A :class:`deeprg.thermometer.Thermometer` in its torch file (key in its metadata)."""

    def __init__(self, device: str = "cpu"):
        self.device = device

    def load(self, path: Path, key: str):
        from ..thermometer import load_thermometer

        if not path.exists():
            return None
        try:
            model, meta = load_thermometer(path, device=self.device)
        except InputError:
            return None
        return model if meta.get("settings_key") == key else None

    def save(self, value, path: Path, key: str) -> None:
        value.save(path, metadata={"settings_key": key})


class NpzStore:
    """A dict of arrays in a ``.npz`` file, beside a ``settings_key`` entry."""

    def load(self, path: Path, key: str) -> dict | None:
        if not path.exists():
            return None
        try:
            with np.load(path) as f:
                if str(f["settings_key"]) != key:
                    return None
                return {name: f[name] for name in f.files if name != "settings_key"}
        except (OSError, KeyError, ValueError):
            return None

    def save(self, value: dict, path: Path, key: str) -> None:
        with io.atomic_write(path, overwrite=True) as tmp, open(tmp, "wb") as handle:
            np.savez(handle, settings_key=np.array(key), **value)


class ArraysH5Store:
    """A dict of arrays in an HDF5 file whose ``format`` attribute is ``file_format``.

    Root attributes: ``format``, ``settings_key`` and ``deeprg_version``; one checksummed
    dataset per array (:func:`deeprg.io.save_arrays`).
    """

    def __init__(self, file_format: str):
        self.file_format = file_format

    def load(self, path: Path, key: str) -> dict | None:
        import h5py

        if not path.exists():
            return None
        try:
            with h5py.File(path, "r") as f:
                if f.attrs.get("format") != self.file_format or f.attrs.get("settings_key") != key:
                    return None
                return {name: f[name][()] for name in f}
        except (OSError, KeyError):
            return None

    def save(self, value: dict, path: Path, key: str) -> None:
        attrs = {"format": self.file_format, "settings_key": key, "deeprg_version": __version__}
        io.save_arrays(path, value, attrs, overwrite=True)
