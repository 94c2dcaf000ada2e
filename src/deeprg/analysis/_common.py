"""Shared helpers of :mod:`deeprg.analysis`: input checks, periodic geometry, summaries.

Everything here is private to the analysis package; the public functions live in the
sibling modules and are re-exported by :mod:`deeprg.analysis`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import InputError, check_int

#: Kadanoff's block factor used throughout the analysis (linear size of a block-spin step).
KADANOFF_FACTOR = 2


@dataclass(frozen=True)
class Spread:
    """Median and interquartile range of a set of per-unit values (NaNs ignored).

    Attributes
    ----------
    median, lower_quartile, upper_quartile : float
        The 50 %, 25 % and 75 % quantiles (NaN when no value is finite).
    count : int
        Number of finite values summarised.
    """

    median: float
    lower_quartile: float
    upper_quartile: float
    count: int

    def as_dict(self) -> dict[str, float]:
        """Plain floats, keys ``median``, ``q25``, ``q75``, ``count``."""
        return {
            "median": self.median,
            "q25": self.lower_quartile,
            "q75": self.upper_quartile,
            "count": self.count,
        }


def spread(values: np.ndarray) -> Spread:
    """Summarise ``values`` (any shape) by median and quartiles, ignoring NaNs."""
    finite = np.asarray(values, dtype=np.float64).ravel()
    finite = finite[np.isfinite(finite)]
    if finite.size == 0:
        nan = float("nan")
        return Spread(nan, nan, nan, 0)
    q25, q50, q75 = np.quantile(finite, [0.25, 0.5, 0.75])
    return Spread(float(q50), float(q25), float(q75), int(finite.size))


def as_real_array(name: str, values: object, ndim: int, shape_doc: str) -> np.ndarray:
    """Return ``values`` as a finite float64 array with ``ndim`` dimensions, or raise."""
    try:
        arr = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise InputError(f"{name} must be a numeric array of shape {shape_doc}") from exc
    if arr.ndim != ndim:
        raise InputError(f"{name} must have shape {shape_doc}, got shape {arr.shape}")
    if arr.size == 0:
        raise InputError(f"{name} is empty; pass an array of shape {shape_doc}")
    if not np.all(np.isfinite(arr)):
        raise InputError(f"{name} contains NaN or infinite values; pass finite numbers")
    return arr


def as_fields(fields: object) -> np.ndarray:
    """Validate receptive fields: float64 array of shape (n_fields, L1, L2)."""
    return as_real_array("fields", fields, 3, "(n_fields, L, L)")


def as_spin_batch(spins: object, min_ndim: int = 2, max_ndim: int = 3) -> np.ndarray:
    """Validate a batch of ±1 configurations of shape (n_samples, *lattice_shape)."""
    arr = np.asarray(spins)
    if not (min_ndim <= arr.ndim <= max_ndim):
        raise InputError(
            "spins must have shape (n_samples, L, L) (or (n_samples, N) for a chain), "
            f"got shape {arr.shape}"
        )
    if arr.shape[0] < 2 or arr[0].size == 0:
        raise InputError(f"spins needs at least 2 samples of at least 1 site, got {arr.shape}")
    if not np.all(np.abs(arr) == 1):
        raise InputError("spins must be ±1; convert {0,1} units with s = 2*v - 1")
    return arr


def as_window(window: object, size: int) -> int:
    """Validate a window side (>= 1) and clip it to the lattice size."""
    return min(check_int("window", window, minimum=1), size)


def periodic_box_sums(values: np.ndarray, window: int) -> np.ndarray:
    """Sums of ``values`` over every periodic ``window`` x ``window`` box.

    Parameters
    ----------
    values : numpy.ndarray of shape (..., L1, L2)
        Values on a periodic lattice.
    window : int
        Box side, 1 <= window <= min(L1, L2).

    Returns
    -------
    numpy.ndarray of shape (..., L1, L2)
        Entry ``[..., i, j]`` is the sum over rows i..i+window-1 and columns
        j..j+window-1, indices taken modulo the lattice size (the box whose top-left
        corner is (i, j), wrapping across the boundary). Computed with cumulative sums.
    """
    w = int(window)
    wrapped = np.concatenate([values, values[..., : w - 1, :]], axis=-2)
    wrapped = np.concatenate([wrapped, wrapped[..., :, : w - 1]], axis=-1)
    pad = [(0, 0)] * (wrapped.ndim - 2) + [(1, 0), (1, 0)]
    cumulative = np.pad(wrapped.cumsum(axis=-2).cumsum(axis=-1), pad)
    return (
        cumulative[..., w:, w:]
        - cumulative[..., :-w, w:]
        - cumulative[..., w:, :-w]
        + cumulative[..., :-w, :-w]
    )


def minimum_image(displacement: np.ndarray, period: float) -> np.ndarray:
    """Map displacements on a ring of length ``period`` into [-period/2, period/2]."""
    return displacement - period * np.round(displacement / period)


def standardize_columns(values: np.ndarray) -> np.ndarray:
    """Columns shifted to mean 0 and scaled to unit (population) variance.

    Columns with zero variance become NaN, so every correlation involving them is NaN.

    Parameters
    ----------
    values : numpy.ndarray of shape (n_samples, n_columns)

    Returns
    -------
    numpy.ndarray of shape (n_samples, n_columns), float64
    """
    centred = values - values.mean(axis=0)
    scale = np.sqrt(np.mean(centred**2, axis=0))
    tiny = np.finfo(np.float64).eps * np.maximum(np.abs(values).max(axis=0), 1.0) * 8
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(scale > tiny, centred / np.where(scale > tiny, scale, 1.0), np.nan)
