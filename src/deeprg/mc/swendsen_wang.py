"""Swendsen–Wang cluster algorithm (Phys. Rev. Lett. 58, 86 (1987)), numba kernel.

One update (the unit of "time" for Swendsen–Wang) activates every satisfied bond
(J s_i s_j > 0) with probability p = 1 - exp(-2|J|), finds the connected clusters with a
union–find forest (path halving), and then gives every cluster a new orientation. With a
field h the orientation is drawn from its exact conditional distribution given the bonds:
a cluster whose current magnetisation is M_C is flipped with probability
1 / (1 + exp(2 h M_C)) (a heat-bath choice between the two orientations); for h = 0 this is
the usual fair coin.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from ._records import bond_sum, magnetization, write_record
from ._rng import next_u53

__all__ = ["swendsen_wang_run"]


@njit(inline="always", cache=True)
def _find(parent, i):
    while parent[i] != i:
        parent[i] = parent[parent[i]]
        i = parent[i]
    return i


@njit(inline="always", cache=True)
def _swendsen_wang_update(spins, nbr, p_add_threshold, sign, field, parent, cluster_m, flip, state):
    """One Swendsen–Wang update of ``spins`` in place; return the new RNG state."""
    n, z = nbr.shape
    half = z // 2
    for i in range(n):
        parent[i] = i
    if p_add_threshold > 0:
        for i in range(n):
            s = spins[i]
            for k in range(half):
                j = nbr[i, k]
                if s * spins[j] == sign:
                    state, u = next_u53(state)
                    if u < p_add_threshold:
                        a = _find(parent, i)
                        b = _find(parent, j)
                        if a != b:
                            if a < b:
                                parent[b] = a
                            else:
                                parent[a] = b
    if field != 0.0:
        for i in range(n):
            cluster_m[i] = 0
        for i in range(n):
            cluster_m[_find(parent, i)] += spins[i]
    for i in range(n):
        if parent[i] == i:
            state, u = next_u53(state)
            if field == 0.0:
                flip[i] = u < 4503599627370496  # 2**52: probability 1/2
            else:
                p_flip = 1.0 / (1.0 + np.exp(2.0 * field * cluster_m[i]))
                flip[i] = u < p_flip * 9007199254740992.0
    for i in range(n):
        if flip[_find(parent, i)]:
            spins[i] = -spins[i]
    return state


@njit(cache=True, nogil=True, parallel=True)
def swendsen_wang_run(spins, states, nbr, p_add_threshold, sign, field, updates_per_record, out):
    """Run independent Swendsen–Wang chains in parallel (one thread per chain).

    Parameters are those of :func:`deeprg.mc.wolff.wolff_run` (without ``out_flipped``);
    ``updates_per_record`` counts full-lattice Swendsen–Wang updates.
    """
    n_chains, n = spins.shape
    out_spins, out_bond_sum, out_magnetization = out  # numba writes lost via a tuple
    for c in prange(n_chains):
        chain = spins[c]
        parent = np.empty(n, dtype=np.uint32)
        cluster_m = np.empty(n, dtype=np.int64)
        flip = np.empty(n, dtype=np.bool_)
        state = states[c]
        for r in range(out_bond_sum.shape[1]):
            for _ in range(updates_per_record):
                state = _swendsen_wang_update(
                    chain, nbr, p_add_threshold, sign, field, parent, cluster_m, flip, state
                )
            bonds, mag = bond_sum(chain, nbr), magnetization(chain)
            write_record(out_spins[c], out_bond_sum[c], out_magnetization[c], r, chain, bonds, mag)
        states[c] = state
