"""Spin correlation functions C(r) along the lattice axes, and the ordered-phase alignment.

See :mod:`deeprg.analysis.correlations` for the conventions shared by every estimator.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._common import as_spin_batch

__all__ = ["CorrelationFunction", "alignment_signs", "correlation_function"]

_CHUNK = 2048  # samples per FFT batch, bounds memory for 40x40 lattices


@dataclass(frozen=True)
class CorrelationFunction:
    """C(r) along the lattice axes.

    Attributes
    ----------
    distance : numpy.ndarray of shape (n_r,)
        r = 0, 1, ..., floor(L/2) in lattice spacings (C(L - r) = C(r) on a ring).
    value : numpy.ndarray of shape (n_r,)
        Connected (or full) correlation at each distance.
    stderr : numpy.ndarray of shape (n_r,)
        Standard error from the spread over samples, treating samples as independent
        (multiply by sqrt(2 τ) for correlated Monte Carlo samples); for the connected
        correlation it includes the error of the subtracted mean (delta method).
    """

    distance: np.ndarray
    value: np.ndarray
    stderr: np.ndarray


def alignment_signs(spins: object) -> np.ndarray:
    """Sign of each configuration's total magnetisation, ties counted as +1.

    Parameters
    ----------
    spins : array_like of shape (n_samples, L, L) or (n_samples, N)
        ±1 configurations.

    Returns
    -------
    numpy.ndarray of shape (n_samples,), int8
        ±1; multiply configuration n by entry n to align it (``sample_signs`` of
        :func:`representation_correlation_length`).
    """
    arr = as_spin_batch(spins)
    total = arr.reshape(arr.shape[0], -1).sum(axis=1, dtype=np.int64)
    return np.where(total >= 0, 1, -1).astype(np.int8)


def _aligned(arr: np.ndarray, align: bool) -> np.ndarray:
    if not align:
        return arr
    signs = alignment_signs(arr)
    return arr * signs.reshape((-1,) + (1,) * (arr.ndim - 1))


def _per_sample_correlation(arr: np.ndarray, projected: bool) -> tuple[np.ndarray, float]:
    """Per-sample (full) correlation at r = 0..floor(L/2) and the transverse factor."""
    lattice = arr.shape[1:]
    n_sites = arr[0].size
    r_max = min(lattice) // 2
    per_sample = np.zeros((arr.shape[0], r_max + 1))
    for start in range(0, arr.shape[0], _CHUNK):
        chunk = arr[start : start + _CHUNK].astype(np.float64)
        rows = slice(start, start + chunk.shape[0])
        for axis, size in enumerate(lattice, start=1):
            other = tuple(a for a in range(1, chunk.ndim) if a != axis)
            if projected:  # autocorrelation of the line sums, per site
                lines = chunk.sum(axis=other) if other else chunk
                spectrum = np.fft.rfft(lines, axis=1)
                auto = np.fft.irfft(np.abs(spectrum) ** 2, n=size, axis=1) / n_sites
            else:  # autocorrelation along the axis, averaged over the transverse sites
                spectrum = np.fft.rfft(chunk, axis=axis)
                auto = np.fft.irfft(np.abs(spectrum) ** 2, n=size, axis=axis) / size
                auto = auto.mean(axis=other) if other else auto
            per_sample[rows] += auto[:, : r_max + 1] / len(lattice)
    transverse = float(np.mean([n_sites / size for size in lattice])) if projected else 1.0
    return per_sample, transverse


def correlation_function(
    spins: object, connected: bool = True, projected: bool = False, align: bool = False
) -> CorrelationFunction:
    """Spin-spin correlation along the lattice axes of periodic samples, by FFT.

    Plain: C(r) = (1/d) Σ_a <(1/N) Σ_x s_x s_{x + r e_a}> - μ², with μ the mean spin over
    all samples and sites when ``connected`` (else μ = 0), d the number of axes.

    Projected (zero transverse momentum): C_⊥(r) = Σ_y C(r e_a + y), the correlation summed
    over the sites y of the hyperplane at distance r, i.e. the correlation of whole rows
    (columns) of the lattice, scaled per site. For the square-lattice Ising model above
    T_c it decays as a pure exponential, A [e^{-r/ξ} + e^{-(L-r)/ξ}] with the true
    (exponential) ξ, while the plain C(r) carries an extra r^{-1/2} at large r; below T_c
    (aligned) it is a two-particle continuum (:func:`two_particle_decay`). Fit it with
    :func:`exponential_correlation_length`. For a chain both are the same.

    Parameters
    ----------
    spins : array_like of shape (n_samples, L, L) or (n_samples, N)
        Periodic configurations, values ±1.
    connected : bool, default True
        Subtract the disconnected part (μ², or L μ² when projected). Unaligned, μ is 0 by
        symmetry at h = 0 in finite volume, so this only removes a sampling fluctuation.
    projected : bool, default False
        Return C_⊥(r) instead of C(r).
    align : bool, default False
        Multiply each configuration by the sign of its magnetisation first (ties +1), so
        that μ ≈ <|m|> and the connected correlation is that of the broken-symmetry
        state. For the ordered phase only (see the module docstring).

    Returns
    -------
    CorrelationFunction
    """
    arr = _aligned(as_spin_batch(spins), align)
    per_sample, transverse = _per_sample_correlation(arr, projected)
    n_samples = arr.shape[0]
    if connected:
        sample_mean = arr.reshape(n_samples, -1).mean(axis=1, dtype=np.float64)
        mean_spin = float(sample_mean.mean())
        # delta method: the estimate's influence function includes -2 T μ m_n
        influence = per_sample - 2.0 * transverse * mean_spin * sample_mean[:, None]
    else:
        mean_spin, influence = 0.0, per_sample
    value = per_sample.mean(axis=0) - transverse * mean_spin**2
    stderr = influence.std(axis=0, ddof=1) / np.sqrt(n_samples)
    return CorrelationFunction(np.arange(per_sample.shape[1], dtype=np.float64), value, stderr)
