"""Effective couplings of a Hamiltonian of ±1 spins, by the Walsh–Hadamard transform.

Any function of n spins σ_j = ±1 is a unique multilinear polynomial

    H(σ) = Σ_S K_S Π_{j ∈ S} σ_j,     K_S = 2^{-n} Σ_σ H(σ) Π_{j ∈ S} σ_j,

over all subsets S of units (the Fourier/Walsh expansion). For a hidden-layer Hamiltonian
H^RBM(h) this reads off all-order effective interactions exactly: fields -K_{j}, pair
couplings J_jk = -K_{jk} (so that H ⊃ -J_jk σ_j σ_k, the sign of :mod:`deeprg.ising`), and
the size of three- and more-spin terms. Binary hidden units {0, 1} are read as σ = 2h - 1
(the same state index), which is the same function expressed in spin variables.

Subsets are bit masks in the enumeration convention: unit j is bit n-1-j of the mask (unit 0
the most significant bit), exactly like state indices of :func:`deeprg.exact.enumerate_states`.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import InputError

__all__ = [
    "effective_couplings",
    "interaction_coefficients",
    "match_hidden_units",
    "ring_couplings",
]


def interaction_coefficients(hamiltonian: Any) -> np.ndarray:
    """All Walsh coefficients K_S of H(σ) over the 2**n spin states, O(n 2^n).

    Parameters
    ----------
    hamiltonian : array_like of shape (2**n,)
        H over :func:`deeprg.exact.enumerate_states` (n, "spin") (or the same index order in
        binary units).

    Returns
    -------
    numpy.ndarray of shape (2**n,), float64
        K[mask]: the coefficient of Π_{j in mask} σ_j; K[0] is the constant.
    """
    values = np.asarray(hamiltonian, dtype=np.float64)
    size = values.size
    if values.ndim != 1 or size < 2 or size & (size - 1):
        raise InputError(f"hamiltonian must have shape (2**n,), got {np.shape(hamiltonian)}")
    if not np.all(np.isfinite(values)):
        raise InputError("hamiltonian must be finite for every state")
    n = size.bit_length() - 1
    coeffs = values.reshape((2,) * n)  # axis j = unit j (C order: unit 0 most significant)
    for axis in range(n):
        down = np.take(coeffs, 0, axis=axis)  # σ_j = -1
        up = np.take(coeffs, 1, axis=axis)  # σ_j = +1
        coeffs = np.stack([up + down, up - down], axis=axis)  # j not in S / j in S
    return coeffs.reshape(size) / size


def _mask(n: int, units: tuple[int, ...]) -> int:
    return sum(1 << (n - 1 - j) for j in units)


def effective_couplings(hamiltonian: Any) -> dict:
    """Constant, fields, pair couplings and higher-order size of H(σ).

    Parameters
    ----------
    hamiltonian : array_like of shape (2**n,)

    Returns
    -------
    dict
        ``constant`` (K_∅), ``fields`` array (n,) with H ⊃ -h_j σ_j, ``pair_couplings``
        array (n, n), symmetric, zero diagonal, with H ⊃ -J_jk σ_j σ_k, ``higher_order_max``
        max |K_S| over |S| >= 3 (0 when n < 3), ``higher_order_norm`` (Σ_{|S|>=3} K_S²)^½,
        and ``coefficients`` (all K_S).
    """
    coeffs = interaction_coefficients(hamiltonian)
    n = coeffs.size.bit_length() - 1
    fields = np.array([-coeffs[_mask(n, (j,))] for j in range(n)])
    pairs = np.zeros((n, n))
    for j in range(n):
        for k in range(j + 1, n):
            pairs[j, k] = pairs[k, j] = -coeffs[_mask(n, (j, k))]
    order = np.array([bin(mask).count("1") for mask in range(coeffs.size)])
    high = coeffs[order >= 3]
    return {
        "constant": float(coeffs[0]),
        "fields": fields,
        "pair_couplings": pairs,
        "higher_order_max": float(np.max(np.abs(high))) if high.size else 0.0,
        "higher_order_norm": float(np.sqrt(np.sum(high**2))),
        "coefficients": coeffs,
    }


def ring_couplings(pair_couplings: Any, order: Any = None, signs: Any = None) -> dict:
    """Read a pair-coupling matrix as a ring: nearest- and next-nearest-neighbour couplings.

    Parameters
    ----------
    pair_couplings : array_like of shape (m, m)
        J_jk (e.g. ``effective_couplings(...)["pair_couplings"]``).
    order : array_like of shape (m,), optional
        Units in ring order (default 0..m-1).
    signs : array_like of shape (m,), optional
        ±1 gauge per unit: σ_j -> signs[j] σ_j flips J_jk by signs[j] signs[k].

    Returns
    -------
    dict
        ``nearest`` array (m,) of J between ring neighbours (order[k], order[k+1]);
        ``nearest_mean``; ``next_nearest_mean`` (NaN for m < 4); ``beyond_nearest_max``,
        the largest |J| between units that are not ring neighbours (0 for m <= 3).
        For m = 2 the two units are joined by two bonds (periodic convention), so the
        per-bond coupling is J_01 / 2; m = 1 has no coupling (NaN).
    """
    pairs = np.asarray(pair_couplings, dtype=np.float64)
    m = pairs.shape[0]
    if pairs.shape != (m, m):
        raise InputError(f"pair_couplings must be square, got {pairs.shape}")
    order = np.arange(m) if order is None else np.asarray(order, dtype=np.int64)
    signs = np.ones(m) if signs is None else np.asarray(signs, dtype=np.float64)
    if sorted(order.tolist()) != list(range(m)) or signs.shape != (m,):
        raise InputError("order must be a permutation of the units and signs one ±1 per unit")
    gauged = pairs * np.outer(signs, signs)
    ring = gauged[np.ix_(order, order)]
    if m == 1:
        return {
            "nearest": np.array([np.nan]),
            "nearest_mean": float("nan"),
            "next_nearest_mean": float("nan"),
            "beyond_nearest_max": 0.0,
        }
    if m == 2:
        nearest = np.array([ring[0, 1] / 2.0, ring[1, 0] / 2.0])
    else:
        nearest = np.array([ring[k, (k + 1) % m] for k in range(m)])
    next_nearest = (
        float(np.mean([ring[k, (k + 2) % m] for k in range(m)])) if m >= 4 else float("nan")
    )
    far = np.abs(ring.copy())
    np.fill_diagonal(far, 0.0)
    for k in range(m):
        far[k, (k + 1) % m] = far[(k + 1) % m, k] = 0.0
    return {
        "nearest": nearest,
        "nearest_mean": float(np.mean(nearest)),
        "next_nearest_mean": next_nearest,
        "beyond_nearest_max": float(np.max(far)),
    }


def match_hidden_units(weights: Any) -> dict:
    """Order and orient trained hidden units by their receptive fields on a ring.

    A trained RBM's hidden units are in arbitrary order and each may be sign-flipped
    relative to the spins it sees. Unit j's centre is the circular mean of the sites i
    weighted by W_ij² (sites on a ring of n_visible); its sign is that of its largest
    |W_ij|. Sorting by centre gives a ring order for :func:`ring_couplings`.

    Parameters
    ----------
    weights : array_like of shape (n_visible, n_hidden)

    Returns
    -------
    dict
        ``order`` array (n_hidden,), ``signs`` array (n_hidden,) of ±1, ``centres`` array
        (n_hidden,) in site units [0, n_visible), ``concentration`` array (n_hidden,) in [0,1]:
        the length of the mean resultant vector (1 = field on one site, 0 = spread evenly).
    """
    w = np.asarray(weights, dtype=np.float64)
    if w.ndim != 2:
        raise InputError(f"weights must have shape (n_visible, n_hidden), got {w.shape}")
    n_visible = w.shape[0]
    phase = np.exp(2j * np.pi * np.arange(n_visible) / n_visible)
    power = w**2
    total = power.sum(axis=0)
    resultant = (phase @ power) / np.where(total > 0, total, 1.0)
    centres = (np.angle(resultant) / (2 * np.pi) * n_visible) % n_visible
    peak = w[np.argmax(np.abs(w), axis=0), np.arange(w.shape[1])]
    signs = np.where(peak >= 0, 1.0, -1.0)
    return {
        "order": np.argsort(centres, kind="stable"),
        "signs": signs,
        "centres": centres,
        "concentration": np.abs(resultant),
    }
