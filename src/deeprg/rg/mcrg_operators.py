"""The local operators of Swendsen's MCRG, summed over the lattice, per configuration.

Operators (periodic L×L lattice, s(i, j) with i the row; every sum runs over all sites):

even sector (``EVEN_OPERATORS``, in this order)
    0 ``nn``          Σ s(i,j) [s(i+1,j) + s(i,j+1)]                       nearest neighbours
    1 ``nnn``         Σ s(i,j) [s(i+1,j+1) + s(i+1,j−1)]                   diagonal pairs
    2 ``third``       Σ s(i,j) [s(i+2,j) + s(i,j+2)]                       distance 2 on axes
    3 ``plaquette``   Σ s(i,j) s(i+1,j) s(i,j+1) s(i+1,j+1)               4-spin plaquette
    4 ``sqrt5``       Σ s(i,j) [s(i+2,j+1) + s(i+2,j−1) + s(i+1,j+2) + s(i+1,j−2)]  distance √5
    5 ``diag2``       Σ s(i,j) [s(i+2,j+2) + s(i+2,j−2)]                   distance 2√2
odd sector (``ODD_OPERATORS``)
    0 ``magnetization``  Σ s(i,j)
    1 ``three_L``        Σ over plaquettes of the four 3-spin products of its corners
    2 ``three_line``     Σ s(i,j) s(i+1,j) s(i+2,j) + s(i,j) s(i,j+1) s(i,j+2)
    3 ``three_diag``     Σ s(i,j) s(i+1,j+1) s(i+2,j+2) + s(i,j) s(i+1,j−1) s(i+2,j−2)

A numba kernel computes all ten sums in one pass over each configuration (configurations
in parallel); :func:`operator_sums` exposes them.

References
----------
R. H. Swendsen, Phys. Rev. Lett. 42, 859 (1979).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numba import njit, prange

from ..errors import InputError

__all__ = ["EVEN_OPERATORS", "ODD_OPERATORS", "operator_sums"]

EVEN_OPERATORS = ("nn", "nnn", "third", "plaquette", "sqrt5", "diag2")
ODD_OPERATORS = ("magnetization", "three_L", "three_line", "three_diag")


@njit(parallel=True, cache=True)
def _operator_sums_kernel(spins, out):  # pragma: no cover - compiled
    n, rows, cols = spins.shape
    for k in prange(n):
        nn = nnn = third = plaq = sq5 = d2 = np.int64(0)
        mag = tl = tline = tdiag = np.int64(0)
        for i in range(rows):
            i1 = (i + 1) % rows
            i2 = (i + 2) % rows
            for j in range(cols):
                j1 = (j + 1) % cols
                j2 = (j + 2) % cols
                jm1 = (j + cols - 1) % cols
                jm2 = (j + 2 * cols - 2) % cols
                s = np.int64(spins[k, i, j])
                a = np.int64(spins[k, i1, j])  # down
                c = np.int64(spins[k, i, j1])  # right
                d = np.int64(spins[k, i1, j1])  # down-right
                e = np.int64(spins[k, i1, jm1])  # down-left
                mag += s
                nn += s * (a + c)
                nnn += s * (d + e)
                third += s * (np.int64(spins[k, i2, j]) + np.int64(spins[k, i, j2]))
                plaq += s * a * c * d
                sq5 += s * (
                    np.int64(spins[k, i2, j1])
                    + np.int64(spins[k, i2, jm1])
                    + np.int64(spins[k, i1, j2])
                    + np.int64(spins[k, i1, jm2])
                )
                d2 += s * (np.int64(spins[k, i2, j2]) + np.int64(spins[k, i2, jm2]))
                tl += s * a * c + s * a * d + s * c * d + a * c * d
                tline += s * a * np.int64(spins[k, i2, j]) + s * c * np.int64(spins[k, i, j2])
                tdiag += s * d * np.int64(spins[k, i2, j2]) + s * e * np.int64(spins[k, i2, jm2])
        out[k, 0] = nn
        out[k, 1] = nnn
        out[k, 2] = third
        out[k, 3] = plaq
        out[k, 4] = sq5
        out[k, 5] = d2
        out[k, 6] = mag
        out[k, 7] = tl
        out[k, 8] = tline
        out[k, 9] = tdiag


def _operator_sums(spins: np.ndarray) -> np.ndarray:
    out = np.empty((spins.shape[0], len(EVEN_OPERATORS) + len(ODD_OPERATORS)), dtype=np.float64)
    if spins.shape[0]:
        _operator_sums_kernel(np.ascontiguousarray(spins, dtype=np.int8), out)
    return out


def operator_sums(spins: Any) -> dict[str, np.ndarray]:
    """Lattice sums of the MCRG operators, per configuration.

    Parameters
    ----------
    spins : array_like of shape (n_samples, L, L)
        Periodic configurations, values ±1.

    Returns
    -------
    dict
        ``"even"``: array (n_samples, len(EVEN_OPERATORS)); ``"odd"``: array
        (n_samples, len(ODD_OPERATORS)); float64 (exact integers). Column order and
        definitions as in the module docstring.
    """
    arr = _check_spins(spins)
    sums = _operator_sums(arr)
    n_even = len(EVEN_OPERATORS)
    return {"even": sums[:, :n_even], "odd": sums[:, n_even:]}


def _check_spins(spins: Any) -> np.ndarray:
    arr = getattr(spins, "spins", spins)  # a SampleSet is accepted as is
    arr = np.asarray(arr)
    if arr.ndim != 3 or arr.shape[1] != arr.shape[2]:
        raise InputError(
            f"spins must be an array of shape (n_samples, L, L) (square lattice), got shape "
            f"{arr.shape}; add a leading axis for a single configuration"
        )
    if arr.shape[1] < 1:
        raise InputError("spins must hold a lattice of at least 1x1 sites")
    if arr.dtype != np.int8:
        if not np.all(np.abs(arr) == 1):
            raise InputError("spins must be ±1; convert {0,1} units with s = 2*x - 1")
        arr = arr.astype(np.int8)
    return arr


def _check_pm1(arr: np.ndarray) -> None:
    if arr.size and not np.all(np.abs(arr) == 1):
        raise InputError("spins must be ±1; convert {0,1} units with s = 2*x - 1")
