"""Single-spin-flip Metropolis and heat-bath (Glauber) updates, numba kernel.

A sweep visits every site once in a fixed order: the checkerboard order (one sublattice,
then the other) when the lattice is bipartite (even sizes), the sequential order otherwise
(odd L, where the periodic lattice has no two-colouring). Each single-site step leaves the
Boltzmann distribution P(s) ∝ exp(-H(s)) invariant:

- Metropolis: flip s_i with probability min(1, exp(-ΔE)), ΔE = 2 s_i (J Σ_j s_j + h);
- heat-bath: set s_i = +1 with probability 1 / (1 + exp(-2 (J Σ_j s_j + h))), else -1.

The neighbour sum takes z + 1 values, so all probabilities are precomputed as integer
thresholds (:func:`deeprg.mc._rng.probability_threshold`). Σ s_i s_j and Σ s_i are updated
incrementally, so recording after every sweep costs O(1). The unit of "time" is one sweep.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from ._records import bond_sum, magnetization, write_record
from ._rng import next_u53, probability_threshold

__all__ = ["local_run", "local_thresholds"]


def local_thresholds(coupling: float, field: float, z: int, heat_bath: bool) -> np.ndarray:
    """Acceptance thresholds, array of shape (2, z + 1), int64.

    Row (s + 1) / 2, column (Σ_j s_j + z) / 2. For Metropolis the entry is the probability of
    flipping a spin s with that neighbour sum; for heat-bath both rows hold the probability of
    setting the spin to +1.
    """
    neighbour_sum = np.arange(-z, z + 1, 2, dtype=np.float64)
    local_field = coupling * neighbour_sum + field
    if heat_bath:
        p_up = 0.5 * (1.0 + np.tanh(local_field))  # = 1 / (1 + exp(-2 local_field)), stable
        return probability_threshold(np.stack([p_up, p_up]))
    spin = np.array([[-1.0], [1.0]])
    delta_e = 2.0 * spin * local_field[None, :]
    return probability_threshold(np.exp(-np.maximum(delta_e, 0.0)))


@njit(inline="always", cache=True)
def _neighbour_sum(chain, nbr, i, z):
    """Σ_j s_j over the z neighbours of site i (unrolled for the chain and square lattice)."""
    if z == 4:
        return np.int64(chain[nbr[i, 0]]) + chain[nbr[i, 1]] + chain[nbr[i, 2]] + chain[nbr[i, 3]]
    if z == 2:
        return np.int64(chain[nbr[i, 0]]) + chain[nbr[i, 1]]
    total = np.int64(0)
    for k in range(z):
        total += chain[nbr[i, k]]
    return total


@njit(cache=True, nogil=True, parallel=True)
def local_run(spins, states, nbr, order, heat_bath, thresholds, sweeps_per_record, out):
    """Run independent Metropolis or heat-bath chains in parallel (one thread per chain).

    Parameters
    ----------
    spins, states, nbr
        As for :func:`deeprg.mc.wolff.wolff_run` (chains (n_chains, n_spins) int8 and
        their SplitMix64 states, both updated in place; the uint32 neighbour table).
    order : array of shape (n_spins,), uint32
        Sites in the order a sweep visits them.
    heat_bath : bool
        Heat-bath instead of Metropolis.
    thresholds : array of shape (2, z + 1), int64
        From :func:`local_thresholds`.
    sweeps_per_record : int
        Record after every ``sweeps_per_record`` sweeps, as many times as ``out`` has
        records.
    out : Records
        Filled as by :func:`deeprg.mc.wolff.wolff_run`.
    """
    n_chains, n = spins.shape
    z = nbr.shape[1]
    out_spins, out_bond_sum, out_magnetization = out  # numba writes lost via a tuple
    for c in prange(n_chains):
        chain = spins[c]
        state = states[c]
        bonds = bond_sum(chain, nbr)
        mag = magnetization(chain)
        for r in range(out_bond_sum.shape[1]):
            for _ in range(sweeps_per_record):
                for idx in range(n):
                    i = order[idx]
                    neighbour_sum = _neighbour_sum(chain, nbr, i, z)
                    column = (neighbour_sum + z) >> 1
                    s = np.int64(chain[i])
                    state, u = next_u53(state)
                    if heat_bath:
                        new = 2 * np.int64(u < thresholds[0, column]) - 1
                    else:
                        new = -s if u < thresholds[(s + 1) >> 1, column] else s
                    chain[i] = new
                    change = new - s
                    bonds += change * neighbour_sum
                    mag += change
            write_record(out_spins[c], out_bond_sum[c], out_magnetization[c], r, chain, bonds, mag)
        states[c] = state
