"""Resampling and binning standard errors: the one home of deeprg's error bars.

Every estimator that reports a statistical error computes it here:

- :func:`mean_stderr`: mean and standard error of independent values (e.g. results over
  seeds), σ / √n with the unbiased σ;
- :func:`jackknife_stderr`: the jackknife error from leave-one-out (or leave-one-bin-out)
  estimates, sqrt((k − 1)/k Σ (θ_i − θ̄)²);
- :func:`block_jackknife`: the jackknife of a smooth function of sample means over
  contiguous blocks (bins) of a series, for ratios such as a correlation length built from
  two structure factors;
- :func:`bootstrap_stderr`: the bootstrap error of any statistic of n items (e.g. a
  weighted median over units), resampling with replacement;
- :func:`binning_stderr` and :func:`blocking_stderrs`: the error of the mean of a
  correlated series from the scatter of its bin means, and the Flyvbjerg–Petersen blocking
  curve (the error at each halving level), which plateaus once the bins are longer than
  the integrated autocorrelation time.

This module imports nothing from deeprg but the seed helper, so every layer can use it.

References
----------
- B. Efron, *The Jackknife, the Bootstrap and Other Resampling Plans* (SIAM, 1982).
- H. Flyvbjerg and H. G. Petersen, J. Chem. Phys. 91, 461 (1989): blocking.
- A. D. Sokal, *Monte Carlo Methods in Statistical Mechanics* (Cargèse lectures, 1996):
  the error of the mean of a correlated series is sqrt(2 τ_int σ² / n).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import numpy as np

from ._random import SeedLike, as_generator
from .errors import InputError

__all__ = [
    "binning_stderr",
    "block_jackknife",
    "blocking_stderrs",
    "bootstrap_stderr",
    "jackknife_stderr",
    "mean_stderr",
]


def mean_stderr(values: object) -> tuple[float, float]:
    """Mean and standard error of the mean of independent values, NaNs left out.

    Parameters
    ----------
    values : array_like of shape (n,)
        Independent estimates (e.g. one per seed); non-finite entries are ignored.

    Returns
    -------
    mean : float
        Mean of the finite values (NaN when there are none).
    stderr : float
        std(ddof=1) / √n of the finite values (NaN when fewer than 2).
    """
    array = np.asarray(values, dtype=np.float64)
    finite = array[np.isfinite(array)]
    if len(finite) == 0:
        return float("nan"), float("nan")
    if len(finite) < 2:
        return float(finite.mean()), float("nan")
    return float(finite.mean()), float(finite.std(ddof=1) / np.sqrt(len(finite)))


def jackknife_stderr(
    leave_one_out: object,
    nonfinite: str = "propagate",
    rounding: str = "variance",
    axis: int | None = None,
) -> float | np.ndarray:
    """Jackknife standard error from leave-one-out estimates.

    Parameters
    ----------
    leave_one_out : array_like of shape (k,), or (k, ...) with ``axis=0``
        θ_i, the estimate recomputed without item (or bin) i.
    nonfinite : {"propagate", "omit"}, default "propagate"
        "propagate": NaN when any θ_i is not finite (an estimate that fails on one
        subsample is not trusted); "omit": drop the non-finite θ_i and use the rest
        (only with ``axis=None``).
    rounding : {"variance", "sum"}, default "variance"
        The order of the floating-point operations: "variance" evaluates
        sqrt((k − 1) · var(θ)), "sum" evaluates sqrt((k − 1)/k · Σ (θ_i − θ̄)²). They are
        equal in exact arithmetic and differ in the last bit about once in six; MCRG's
        recorded errors use "sum".
    axis : {None, 0}, default None
        None: one error from all values (a float). 0: one error per column of a
        (k, ...) array (an array; non-finite values propagate).

    Returns
    -------
    float or numpy.ndarray
        sqrt((k − 1)/k Σ_i (θ_i − θ̄)²) over the k values used; NaN when k < 2.
    """
    if nonfinite not in ("propagate", "omit"):
        raise InputError(f"nonfinite must be 'propagate' or 'omit', got {nonfinite!r}")
    if rounding not in ("variance", "sum"):
        raise InputError(f"rounding must be 'variance' or 'sum', got {rounding!r}")
    values = np.asarray(leave_one_out, dtype=np.float64)
    if axis is not None:
        if axis != 0 or nonfinite != "propagate" or rounding != "variance":
            raise InputError("axis=0 supports nonfinite='propagate', rounding='variance' only")
        return np.sqrt((values.shape[0] - 1) * values.var(axis=0))
    values = values.ravel()
    if nonfinite == "omit":
        values = values[np.isfinite(values)]
    elif not np.all(np.isfinite(values)):
        return float("nan")
    k = values.size
    if k < 2:
        return float("nan")
    if rounding == "sum":
        return float(math.sqrt((k - 1) / k * np.sum((values - values.mean()) ** 2)))
    return float(np.sqrt((k - 1) * np.var(values)))


def block_jackknife(
    statistic: Callable[..., object], columns: Sequence[np.ndarray], n_blocks: int
) -> float:
    """Jackknife standard error of a function of sample means, over contiguous blocks.

    Parameters
    ----------
    statistic : callable
        ``statistic(*means) -> float`` (or an array of them), where ``means[c]`` is the
        mean of ``columns[c]`` over the samples kept.
    columns : sequence of numpy.ndarray, each of shape (n_samples, ...)
        Per-sample measurements, in sampling order (contiguous blocks are left out, so
        correlations shorter than a block do not bias the error).
    n_blocks : int
        Number of blocks (capped at n_samples); blocks are ``np.linspace`` cuts and their
        sizes differ by at most one.

    Returns
    -------
    float
        :func:`jackknife_stderr` (non-finite leave-one-out values omitted) of
        ``statistic`` with one block left out at a time; NaN with fewer than 2 blocks.

    Notes
    -----
    With one sample per block and ``statistic`` the identity, the result equals the
    standard error of the mean, std(ddof=1)/√n (up to rounding).
    """
    n_samples = columns[0].shape[0]
    n_blocks = min(n_blocks, n_samples)
    if n_blocks < 2:
        return float("nan")
    edges = np.linspace(0, n_samples, n_blocks + 1).astype(int)
    block_sums = [np.add.reduceat(col, edges[:-1], axis=0) for col in columns]
    counts = np.diff(edges)
    totals = [s.sum(axis=0) for s in block_sums]
    leave_out = []
    for b in range(n_blocks):  # a loop over blocks, not samples
        rest = n_samples - counts[b]
        leave_out.append(
            statistic(*[(t - s[b]) / rest for t, s in zip(totals, block_sums, strict=True)])
        )
    return jackknife_stderr(leave_out, nonfinite="omit")


def bootstrap_stderr(
    statistic: Callable[[np.ndarray], float],
    n_items: int,
    seed: SeedLike,
    n_resamples: int = 200,
) -> float:
    """Bootstrap standard error of a statistic of ``n_items`` items.

    Parameters
    ----------
    statistic : callable
        ``statistic(indices) -> float`` for an index array of shape (n_items,) drawn
        with replacement from 0 .. n_items − 1.
    n_items : int
        Number of items resampled.
    seed : int, numpy.random.Generator or None
        Source of the resamples: one ``rng.choice(n_items, (n_resamples, n_items))`` draw.
    n_resamples : int, default 200
        Bootstrap replicas.

    Returns
    -------
    float
        Standard deviation (ddof=1) of the replicas; NaN when n_items < 2.
    """
    if n_items < 2:
        return float("nan")
    rng = as_generator(seed)
    draws = rng.choice(n_items, size=(n_resamples, n_items), replace=True)
    return float(np.std([statistic(d) for d in draws], ddof=1))


def _as_series(x: object) -> np.ndarray:
    arr = np.asarray(x, dtype=np.float64)
    if arr.ndim != 1:
        raise InputError(f"the series must be one-dimensional, got shape {arr.shape}")
    return arr


def binning_stderr(x: object, n_bins: int) -> float:
    """Standard error of the mean of a correlated series from its bin means.

    Parameters
    ----------
    x : array_like of shape (n,)
        The series, in sampling order.
    n_bins : int
        Number of contiguous bins of equal length n // n_bins (the last n % n_bins
        values are dropped); the bins must be much longer than the integrated
        autocorrelation time for the bin means to be independent.

    Returns
    -------
    float
        std(bin means, ddof=1) / √n_bins; for bins ≫ τ_int this tends to
        sqrt(2 τ_int σ² / n) (Sokal). NaN when n_bins < 2 or n < n_bins.
    """
    arr = _as_series(x)
    if n_bins < 2 or arr.size < n_bins:
        return float("nan")
    length = arr.size // n_bins
    means = arr[: length * n_bins].reshape(n_bins, length).mean(axis=1)
    return float(np.std(means, ddof=1) / np.sqrt(n_bins))


def blocking_stderrs(x: object, min_blocks: int = 32) -> np.ndarray:
    """Flyvbjerg–Petersen blocking: the naive error of the mean at each halving level.

    Parameters
    ----------
    x : array_like of shape (n,)
        The series, in sampling order.
    min_blocks : int, default 32
        Stop halving when fewer blocks than this would remain.

    Returns
    -------
    numpy.ndarray of shape (n_levels,)
        Entry l: std(ddof=1)/√m of the m = n // 2^l block means of length 2^l (an odd
        last value is dropped at each halving). It rises with l and plateaus at the true
        error once 2^l ≫ τ_int; for independent data it is flat.
    """
    arr = _as_series(x)
    out = []
    while arr.size >= max(min_blocks, 2):
        out.append(np.std(arr, ddof=1) / np.sqrt(arr.size))
        half = arr.size // 2
        arr = 0.5 * (arr[0 : 2 * half : 2] + arr[1 : 2 * half : 2])
    return np.asarray(out, dtype=np.float64)
