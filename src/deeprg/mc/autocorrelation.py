"""Integrated autocorrelation times and error bars of Markov-chain averages.

For a stationary series x_t with normalised autocorrelation ρ(t) the integrated
autocorrelation time is

    τ_int = 1/2 + Σ_{t≥1} ρ(t),

so uncorrelated data have τ_int = 1/2 and the variance of the mean of n samples is
Var(x̄) = 2 τ_int Var(x) / n. The sum is cut at the smallest window M with M ≥ c τ_int(M)
(A. D. Sokal, "Monte Carlo methods in statistical mechanics: foundations and new
algorithms", Cargèse lectures 1996, §3), which balances the bias of truncation against the
noise of the tail; c ≈ 5 suits nearly exponential decay. ρ(t) is computed with the FFT.

Several independent chains, an array of shape (n_chains, n), are pooled: the autocovariance
is averaged over chains about the common mean, so chains stuck in different states show up
as a large τ (and a large error) instead of being averaged away.
"""

from __future__ import annotations

import numpy as np

from ..errors import InputError, check_finite

__all__ = ["autocorrelation", "integrated_autocorrelation_time", "mean_and_error"]


def _as_chains(x: object) -> np.ndarray:
    """Validate ``x`` and return it as a float64 array of shape (n_chains, n)."""
    try:
        arr = np.asarray(x, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise InputError(f"x must be an array of numbers, got {type(x).__name__}") from exc
    if arr.ndim == 1:
        arr = arr[None, :]
    if arr.ndim != 2:
        raise InputError(
            f"x must have shape (n,) or (n_chains, n), got {arr.shape}; pass one series per row"
        )
    if arr.shape[1] < 2:
        raise InputError(f"x needs at least 2 samples per chain, got shape {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise InputError("x contains NaN or infinite values; remove them first")
    return arr


def autocorrelation(x: object) -> np.ndarray:
    """Normalised autocorrelation function ρ(t), t = 0 … n-1.

    Parameters
    ----------
    x : array_like of shape (n,) or (n_chains, n)
        One series, or several chains of equal length (pooled about their common mean).

    Returns
    -------
    numpy.ndarray of shape (n,)
        ρ(0) = 1. The estimator is the standard biased one (lag-t sums divided by n), which
        has lower variance than dividing by n - t. A constant series gives ρ = [1, 0, 0, …].
    """
    arr = _as_chains(x)
    n = arr.shape[1]
    centred = arr - arr.mean()
    size = 1 << int(2 * n - 1).bit_length()  # zero padding: no circular wrap-around
    spectrum = np.fft.rfft(centred, n=size, axis=1)
    acov = np.fft.irfft(spectrum * np.conj(spectrum), n=size, axis=1)[:, :n].mean(axis=0)
    if acov[0] <= 0.0:
        rho = np.zeros(n)
        rho[0] = 1.0
        return rho
    return acov / acov[0]


def integrated_autocorrelation_time(x: object, c: float = 5.0) -> float:
    """Integrated autocorrelation time τ_int with Sokal's automatic window.

    Parameters
    ----------
    x : array_like of shape (n,) or (n_chains, n)
        A time series, or several independent chains of equal length.
    c : float, default 5.0
        Window constant: the sum over ρ(t) stops at the smallest M with M ≥ c τ_int(M).

    Returns
    -------
    float
        τ_int in units of the series' spacing, >= 0.5 only up to noise (white noise gives
        ≈ 0.5; a constant series gives exactly 0.5). If no window satisfies the criterion
        (series shorter than about c τ), the full-length sum is returned; trust the value
        only when n is at least ~50 τ.
    """
    c = check_finite("c", c)
    if c <= 0:
        raise InputError(f"c must be positive, got {c}; Sokal recommends c between 4 and 10")
    rho = autocorrelation(x)
    taus = 0.5 + np.cumsum(rho[1:])  # taus[M - 1] = τ_int with window M
    windows = np.arange(1, rho.size)
    ok = windows >= c * taus
    index = int(np.argmax(ok)) if np.any(ok) else rho.size - 2
    return float(taus[index]) if taus.size else 0.5


def mean_and_error(x: object, c: float = 5.0) -> tuple[float, float]:
    """Mean of a Markov-chain series and its standard error, corrected for autocorrelation.

    Parameters
    ----------
    x : array_like of shape (n,) or (n_chains, n)
        Measurements along one chain, or several independent chains of equal length.
    c : float, default 5.0
        Sokal window constant (see :func:`integrated_autocorrelation_time`).

    Returns
    -------
    mean : float
        Average over all samples.
    error : float
        sqrt(2 τ_int Var(x) / n_total), with Var the variance about the common mean; τ_int
        is floored at 1/2 (conservative for anticorrelated series).
    """
    arr = _as_chains(x)
    tau = max(integrated_autocorrelation_time(arr, c), 0.5)
    variance = float(np.var(arr))
    return float(arr.mean()), float(np.sqrt(2.0 * tau * variance / arr.size))
