"""Wolff single-cluster algorithm (U. Wolff, Phys. Rev. Lett. 62, 361 (1989)), numba kernel.

One update grows a cluster from a random seed site: a neighbour j of a cluster site i that
is not yet in the cluster joins with probability p = 1 - exp(-2|J|) when its bond is
satisfied (J s_i s_j > 0, spins before the flip); the cluster is then flipped. This is the
single-cluster version of the Fortuin–Kasteleyn / Swendsen–Wang bond construction for
general couplings, valid for either sign of J on any lattice, frustrated ones (odd periodic
antiferromagnets) included.

Membership is marked explicitly: ``mark[j] == generation`` means j is in the current
cluster, and the generation counter advances once per cluster, so the marks never need
clearing. (A site's spin cannot serve as the mark: on a frustrated lattice a member can be
the neighbour of another member through an unsatisfied bond, and after the flip that bond
looks satisfied.) Members are flipped as they join; a member i's spin before the flip is
therefore -spins[i]. The members are kept in a queue array (breadth first), which also
serves as the member list.

A field h is handled exactly by a Metropolis test on the grown cluster: the flip changes the
energy by ΔE = 2 h M_C (M_C = the cluster's magnetisation before the flip) and is accepted with
probability min(1, exp(-ΔE)); a rejected cluster is flipped back. (The bond construction is
reversible for the h = 0 part of H, so the composition satisfies detailed balance.)

The unit of "time" for Wolff is one cluster update.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from ._rng import next_u53

__all__ = ["wolff_run"]


@njit(inline="always", cache=True)
def _try_join(spins, mark, gen, j, target, p_add_threshold, queue, tail, cluster_m, state):
    """Add neighbour j with probability p if it is not a member and spins[j] == target.

    Branch-free (mispredicted branches cost more than the work): a random number is drawn
    for every neighbour and j is written to the queue slot unconditionally, the tail
    advancing only when j joins.
    """
    state, u = next_u53(state)
    join = (mark[j] != gen) & (spins[j] == target) & (u < p_add_threshold)
    queue[tail] = j
    spins[j] = -target if join else spins[j]
    mark[j] = gen if join else mark[j]
    return state, tail + np.uint32(join), cluster_m + target * join


@njit(inline="always", cache=True)
def _wolff_update(spins, nbr, p_add_threshold, sign, field, queue, mark, gen, state):
    """Grow and flip one cluster; return (new RNG state, cluster size, accepted flag).

    Members are the sites with ``mark == gen`` (``gen`` is new for every cluster). Site
    indices are unsigned (``nbr`` and ``queue`` uint32), which spares numba's
    negative-index wrap-around test on every access (about 15% of the time).
    """
    n, z = nbr.shape
    state, u = next_u53(state)
    seed_site = np.uint32(((u >> 21) * n) >> 32)  # uniform in [0, n) for n < 2**31
    s_seed = spins[seed_site]
    cluster_m = np.int64(s_seed)
    spins[seed_site] = -s_seed
    mark[seed_site] = gen
    queue[0] = seed_site
    head = np.uint32(0)
    tail = np.uint32(1)
    if p_add_threshold > 0:
        while head < tail:
            i = queue[head]
            head += np.uint32(1)
            # spins[i] is already flipped; its bond to a non-member j (spin not flipped) was
            # satisfied iff s_j == sign * s_i(old) == -sign * spins[i] now.
            target = -sign * spins[i]
            row = nbr[i]
            if z == 4:  # square lattice, unrolled
                state, tail, cluster_m = _try_join(
                    spins, mark, gen, row[0], target, p_add_threshold, queue, tail, cluster_m, state
                )
                state, tail, cluster_m = _try_join(
                    spins, mark, gen, row[1], target, p_add_threshold, queue, tail, cluster_m, state
                )
                state, tail, cluster_m = _try_join(
                    spins, mark, gen, row[2], target, p_add_threshold, queue, tail, cluster_m, state
                )
                state, tail, cluster_m = _try_join(
                    spins, mark, gen, row[3], target, p_add_threshold, queue, tail, cluster_m, state
                )
            else:
                for k in range(z):
                    state, tail, cluster_m = _try_join(
                        spins,
                        mark,
                        gen,
                        row[k],
                        target,
                        p_add_threshold,
                        queue,
                        tail,
                        cluster_m,
                        state,
                    )
    accepted = True
    if field != 0.0:
        delta_e = 2.0 * field * cluster_m
        if delta_e > 0.0:
            state, u = next_u53(state)
            if u >= np.exp(-delta_e) * 9007199254740992.0:
                accepted = False
                for k in range(tail):
                    spins[queue[k]] = -spins[queue[k]]
    return state, np.int64(tail), accepted


@njit(cache=True, nogil=True)
def _bond_sum(spins, nbr):
    half = nbr.shape[1] // 2
    total = 0
    for i in range(spins.shape[0]):
        s = spins[i]
        for k in range(half):
            total += s * spins[nbr[i, k]]
    return total


@njit(cache=True, nogil=True)
def _magnetization(spins):
    total = 0
    for i in range(spins.shape[0]):
        total += spins[i]
    return total


@njit(cache=True, nogil=True, parallel=True)
def wolff_run(
    spins,
    states,
    nbr,
    p_add_threshold,
    sign,
    field,
    n_records,
    updates_per_record,
    store,
    out_spins,
    out_bond_sum,
    out_magnetization,
    out_flipped,
):
    """Run independent Wolff chains in parallel (one thread per chain).

    Parameters
    ----------
    spins : array of shape (n_chains, n_spins), int8
        Current configurations, updated in place.
    states : array of shape (n_chains,), uint64
        SplitMix64 states, updated in place.
    nbr : array of shape (n_spins, z), uint32
        Neighbour table (see :func:`deeprg.mc._lattice.neighbour_table`), unsigned.
    p_add_threshold : int
        round((1 - exp(-2|J|)) * 2**53).
    sign : int
        +1 for J >= 0 (ferromagnetic bonds), -1 for J < 0.
    field : float
        Field h.
    n_records, updates_per_record : int
        Record the state after every ``updates_per_record`` cluster updates, ``n_records`` times.
    store : bool
        Copy configurations into ``out_spins`` (else only observables are recorded).
    out_spins : array of shape (n_chains, n_records, n_spins), int8
        Filled when ``store``; may have n_records = 0 otherwise.
    out_bond_sum, out_magnetization : arrays of shape (n_chains, n_records), int64
        Σ_<ij> s_i s_j and Σ_i s_i at each record.
    out_flipped : array of shape (n_chains,), int64
        Incremented by the number of spins flipped (accepted cluster sizes).
    """
    n_chains, n = spins.shape
    for c in prange(n_chains):
        chain = spins[c]
        queue = np.empty(n + nbr.shape[1], dtype=np.uint32)
        mark = np.zeros(n, dtype=np.int32)
        gen = 0
        state = states[c]
        flipped = 0
        for r in range(n_records):
            for _ in range(updates_per_record):
                gen += 1
                if gen > 2147483647:  # int32 marks exhausted: clear them once
                    mark[:] = 0
                    gen = 1
                state, size, accepted = _wolff_update(
                    chain, nbr, p_add_threshold, sign, field, queue, mark, gen, state
                )
                if accepted:
                    flipped += size
            out_bond_sum[c, r] = _bond_sum(chain, nbr)
            out_magnetization[c, r] = _magnetization(chain)
            if store:
                out_spins[c, r, :] = chain
        states[c] = state
        out_flipped[c] += flipped
