"""Swendsen's linearised RG matrix T = B⁻¹ A and its leading eigenvalue.

From the operator sums of one blocking step (level n → n+1), the connected correlators

    A_ab = ⟨S_a^(n+1) S_b^(n)⟩ − ⟨S_a^(n+1)⟩⟨S_b^(n)⟩,
    B_ab = ⟨S_a^(n+1) S_b^(n+1)⟩ − ⟨S_a^(n+1)⟩⟨S_b^(n+1)⟩,

give T = B⁻¹ A (B at the blocked level), and the exponent y = ln λ_max / ln b. The per-bin
sums of :class:`_Moments` give A and B with one jackknife bin left out without another pass
over the data.

References
----------
R. H. Swendsen, Phys. Rev. Lett. 42, 859 (1979).
"""

from __future__ import annotations

import math

import numpy as np

from ..errors import InputError

__all__ = ["linearized_rg_matrix"]


def linearized_rg_matrix(coarse: np.ndarray, fine: np.ndarray) -> np.ndarray:
    """Swendsen's linearised RG matrix T = B⁻¹ A from operator sums.

    Parameters
    ----------
    coarse : array of shape (n_samples, m)
        S_a^(n+1), the operators measured on the blocked configurations.
    fine : array of shape (n_samples, m)
        S_b^(n), the same operators measured on the configurations before blocking.

    Returns
    -------
    numpy.ndarray of shape (m, m)
        T_ab = ∂K_a^(n+1)/∂K_b^(n) = Σ_c (B⁻¹)_ac A_cb with the connected correlators
        A = ⟨S^(n+1) S^(n)⟩_c and B = ⟨S^(n+1) S^(n+1)⟩_c (B at the blocked level).
    """
    coarse = np.asarray(coarse, dtype=np.float64)
    fine = np.asarray(fine, dtype=np.float64)
    if coarse.ndim != 2 or coarse.shape != fine.shape:
        raise InputError(
            f"coarse and fine operator sums must be arrays of the same shape (n, m), got "
            f"{coarse.shape} and {fine.shape}"
        )
    x = coarse - coarse.mean(axis=0)
    y = fine - fine.mean(axis=0)
    return np.linalg.solve(x.T @ x, x.T @ y)


def _leading_eigenvalue(t: np.ndarray) -> float:
    if not np.all(np.isfinite(t)):
        return float("nan")
    values = np.linalg.eigvals(t)
    lam = values[np.argmax(values.real)]
    return float(lam.real)


def _exponent(t: np.ndarray, b: int) -> float:
    lam = _leading_eigenvalue(t)
    return math.log(lam) / math.log(b) if lam > 0 else float("nan")


def _condition(b_matrix: np.ndarray) -> float:
    diag = np.diag(b_matrix)
    if np.any(diag <= 1e-12 * max(float(np.max(np.abs(diag))), 1e-300)):
        return float("inf")
    scale = 1.0 / np.sqrt(diag)
    return float(np.linalg.cond(b_matrix * scale[:, None] * scale[None, :]))


class _Moments:
    """Per-bin sums for the connected correlators of one blocking step and one sector."""

    def __init__(self, coarse: np.ndarray, fine: np.ndarray, bins: np.ndarray, n_bins: int):
        # centre by the global means first: the correlators are invariant and the sums
        # then carry no large cancelling terms
        x = coarse - coarse.mean(axis=0)
        y = fine - fine.mean(axis=0)
        m = x.shape[1]
        self.count = np.bincount(bins, minlength=n_bins).astype(np.float64)
        self.sx = np.zeros((n_bins, m))
        self.sxy = np.zeros((n_bins, m, m))
        self.sxx = np.zeros((n_bins, m, m))
        self.sy = np.zeros((n_bins, m))
        for k in range(n_bins):  # loop over bins only
            sel = bins == k
            xk, yk = x[sel], y[sel]
            self.sx[k] = xk.sum(axis=0)
            self.sy[k] = yk.sum(axis=0)
            self.sxy[k] = xk.T @ yk
            self.sxx[k] = xk.T @ xk

    def matrices(self, drop: int | None) -> tuple[np.ndarray, np.ndarray]:
        """(A, B) from all bins, or all but bin ``drop``."""
        c, sx, sy, sxy, sxx = (
            self.count.sum(),
            self.sx.sum(axis=0),
            self.sy.sum(axis=0),
            self.sxy.sum(axis=0),
            self.sxx.sum(axis=0),
        )
        if drop is not None:
            c -= self.count[drop]
            sx = sx - self.sx[drop]
            sy = sy - self.sy[drop]
            sxy = sxy - self.sxy[drop]
            sxx = sxx - self.sxx[drop]
        mx, my = sx / c, sy / c
        a = sxy / c - np.outer(mx, my)
        b = sxx / c - np.outer(mx, mx)
        return a, b
