"""Wolff single-cluster algorithm (U. Wolff, Phys. Rev. Lett. 62, 361 (1989)), numba kernel.

One update grows a cluster from a random seed site: a neighbour j of a cluster site i that
is not yet in the cluster joins with probability p = 1 - exp(-2|J|) when its bond is
satisfied (J s_i s_j > 0, spins before the flip); the cluster is then flipped. This is the
single-cluster version of the Fortuin–Kasteleyn / Swendsen–Wang bond construction for
general couplings, valid for either sign of J on any lattice, frustrated ones (odd periodic
antiferromagnets) included.

Membership is marked explicitly, in the spin array itself: a site that joins is set to
-2 s (its flipped spin, doubled), a value no non-member (±1) has, so ``spins[j] == target``
(target = ±1) can only hold for a non-member, and a member's spin before the flip is
``-(spins[i] >> 1)``. When the cluster is complete one pass over its members halves the
marks back to ±1. (The flipped spin alone cannot serve as the mark: on a frustrated lattice
a member can be the neighbour of another member through an unsatisfied bond, and after the
flip that bond looks satisfied.) The members are kept in a queue array (breadth first),
which also serves as the member list.

A field h is handled exactly by a Metropolis test on the grown cluster: the flip changes the
energy by ΔE = 2 h M_C (M_C = the cluster's magnetisation before the flip) and is accepted with
probability min(1, exp(-ΔE)); a rejected cluster is flipped back. (The bond construction is
reversible for the h = 0 part of H, so the composition satisfies detailed balance.)

The unit of "time" for Wolff is one cluster update.

Performance notes (40x40 torus at J = 0.408, mean cluster ~90 sites, ~0.55 µs per cluster
on one core against ~1.4 µs before): the growth loop is branch-free (every store is
unconditional arithmetic; a data-dependent branch there is mispredicted about half the time
and cost more than the rest of the work), random numbers are drawn in vectorised blocks
(:func:`deeprg.mc._rng.fill_u53`, the same stream as one-at-a-time draws), neighbours are
read as ``nbr[i, k]`` (a row view ``nbr[i]`` costs two reference-count calls per site), site
indices are unsigned, the magnetisation is updated from the cluster's M_C instead of
recounted, and the bond sum of the square lattice is a contiguous, vectorisable loop.
Chains run on Python threads (the kernel releases the GIL), which avoids the start-up and
the idle spinning of numba's OpenMP pool.
"""

from __future__ import annotations

import math
from concurrent.futures import ThreadPoolExecutor

import numpy as np
from numba import njit

from ._records import Records, bond_sum, magnetization, write_record
from ._rng import block_state, fill_u53

__all__ = ["wolff_chain", "wolff_run"]

_TWO_POW_53 = 9007199254740992.0
_BLOCK = 256  # random numbers drawn per block (a multiple of the SIMD width)


@njit(inline="always", cache=True)
def _try_join(spins, j, target, u, p_add_threshold, queue, tail):
    """Add non-member j to the cluster if spins[j] == target (±1) and u < threshold.

    Branch-free: j is written to the queue slot unconditionally (the tail advancing only
    when j joins) and spins[j] is multiplied by 1 (stays) or -2 (joins: flipped and marked
    as a member).
    """
    s_j = spins[j]
    join = (s_j == target) & (u < p_add_threshold)
    queue[tail] = j
    spins[j] = s_j * np.int8(1 - 3 * join)
    return tail + np.uint32(join)


@njit(inline="always", cache=True)
def _wolff_update(spins, nbr, p_add_threshold, sign, field, queue, buf, pos, base):
    """Grow and flip one cluster.

    Random numbers come from the block ``buf`` (see :func:`deeprg.mc._rng.fill_u53`), one
    for the seed site, one per neighbour examined and one for a field's Metropolis test,
    in the order of repeated :func:`~deeprg.mc._rng.next_u53` calls. ``spins`` holds ±1 on entry and on exit. Site
    indices are unsigned (``nbr`` and ``queue`` uint32), which spares numba's
    negative-index wrap-around test on every access.

    Returns
    -------
    pos, base
        The block position and base state after the update.
    size : int
        Cluster size.
    accepted : bool
        False when the field's Metropolis test rejected the flip (the spins are unchanged).
    cluster_m : int
        M_C, the cluster's magnetisation before the flip.
    """
    n, z = nbr.shape
    p = p_add_threshold
    block = buf.shape[0]
    # Refills are written out here rather than in a helper taking ``buf``: an inlined
    # helper with a branch keeps numba's reference counting of ``buf`` (two atomic calls)
    # inside the loop, which costs more than the rest of the work.
    if pos + 1 > block:
        base = block_state(base, pos)
        fill_u53(buf, base)
        pos = 0
    u = buf[pos]
    pos += 1
    seed_site = np.uint32(((u >> 21) * n) >> 32)  # uniform in [0, n) for n < 2**31
    spins[seed_site] = np.int8(-2 * spins[seed_site])
    queue[0] = seed_site
    head = np.uint32(0)
    tail = np.uint32(1)
    if p > 0:
        while head < tail:
            i = queue[head]
            head += np.uint32(1)
            # member i holds -2 s_i(old); its bond to a non-member j is satisfied iff
            # s_j == sign * s_i(old) == -sign * (spins[i] >> 1)
            target = np.int8(-sign * (spins[i] >> 1))
            if pos + z > block:
                base = block_state(base, pos)
                fill_u53(buf, base)
                pos = 0
            # nbr[i, k], not a row view nbr[i]: a view costs a reference-count round trip
            if z == 4:  # square lattice, unrolled
                tail = _try_join(spins, nbr[i, 0], target, buf[pos], p, queue, tail)
                tail = _try_join(spins, nbr[i, 1], target, buf[pos + 1], p, queue, tail)
                tail = _try_join(spins, nbr[i, 2], target, buf[pos + 2], p, queue, tail)
                tail = _try_join(spins, nbr[i, 3], target, buf[pos + 3], p, queue, tail)
            else:
                for k in range(z):
                    tail = _try_join(spins, nbr[i, k], target, buf[pos + k], p, queue, tail)
            pos += z
    # unmark (-2 s -> -s) and sum the members' spins before the flip
    cluster_m = 0
    for k in range(tail):
        q = queue[k]
        flipped = spins[q] >> 1
        spins[q] = flipped
        cluster_m -= flipped
    accepted = True
    if field != 0.0:
        delta_e = 2.0 * field * cluster_m
        if delta_e > 0.0:
            if pos + 1 > block:
                base = block_state(base, pos)
                fill_u53(buf, base)
                pos = 0
            accepted = buf[pos] < math.exp(-delta_e) * _TWO_POW_53
            pos += 1
            if not accepted:
                for k in range(tail):
                    q = queue[k]
                    spins[q] = -spins[q]
    return pos, base, np.int64(tail), accepted, cluster_m


@njit(inline="always", cache=True)
def _square_bond_sum(spins, width):
    """Σ_<ij> s_i s_j of a periodic width x width lattice, row by row (vectorisable)."""
    total = 0
    for r in range(width):
        row = spins[r * width : (r + 1) * width]
        below = spins[((r + 1) % width) * width : ((r + 1) % width + 1) * width]
        acc = np.int32(0)
        for c in range(width - 1):
            acc += np.int32(row[c]) * np.int32(row[c + 1] + below[c])
        acc += np.int32(row[width - 1]) * np.int32(row[0] + below[width - 1])
        total += acc
    return total


@njit(cache=True, nogil=True)
def wolff_chain(spins, state, nbr, width, p_add_threshold, sign, field, updates_per_record, out):
    """Run one Wolff chain; return (new RNG state, spins flipped by accepted clusters).

    Parameters
    ----------
    spins : array of shape (n_spins,), int8
        Current configuration, updated in place.
    state : uint64
        SplitMix64 state.
    nbr, p_add_threshold, sign, field, updates_per_record
        As for :func:`wolff_run`.
    width : int
        L when ``nbr`` is the table of the L x L square lattice (its bond sum then runs
        row by row), 0 otherwise.
    out : Records
        This chain's records (:meth:`deeprg.mc._records.Records.chain`); one record per
        entry of ``out.bond_sum``.
    """
    n = spins.shape[0]
    queue = np.empty(n + nbr.shape[1], dtype=np.uint32)
    buf = np.empty(_BLOCK, dtype=np.int64)
    base = state
    fill_u53(buf, base)
    pos = 0
    mag = magnetization(spins)
    flipped = 0
    for r in range(out.bond_sum.shape[0]):
        for _ in range(updates_per_record):
            pos, base, size, accepted, cluster_m = _wolff_update(
                spins, nbr, p_add_threshold, sign, field, queue, buf, pos, base
            )
            if accepted:
                flipped += size
                mag -= 2 * cluster_m
        bonds = _square_bond_sum(spins, width) if width > 0 else bond_sum(spins, nbr)
        write_record(out.spins, out.bond_sum, out.magnetization, r, spins, bonds, mag)
    return block_state(base, pos), flipped


def _square_width(nbr: np.ndarray) -> int:
    """L when ``nbr`` is :func:`~deeprg.mc._lattice.neighbour_table`'s L x L layout, else 0."""
    n, z = nbr.shape
    width = math.isqrt(n)
    if z != 4 or width * width != n or width < 2:
        return 0
    first = [1 % width, width % n, width - 1, n - width]  # right, down, left, up of site 0
    return width if nbr[0].tolist() == first else 0


def wolff_run(
    spins: np.ndarray,
    states: np.ndarray,
    nbr: np.ndarray,
    p_add_threshold: int,
    sign: int,
    field: float,
    updates_per_record: int,
    out: Records,
    out_flipped: np.ndarray,
    n_threads: int | None = None,
) -> None:
    """Run independent Wolff chains, in parallel on threads (the kernel releases the GIL).

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
    updates_per_record : int
        Record the state after every ``updates_per_record`` cluster updates, as many times
        as ``out`` has records.
    out : Records
        Filled with Σ_<ij> s_i s_j, Σ_i s_i and (when ``out.spins`` has room) the
        configurations (:func:`deeprg.mc._records.empty_records`).
    out_flipped : array of shape (n_chains,), int64
        Incremented by the number of spins flipped (accepted cluster sizes).
    n_threads : int, optional
        Threads to use; default min(n_chains, NUMBA_NUM_THREADS). Each chain's result is
        the same for any thread count.
    """
    n_chains = spins.shape[0]
    width = _square_width(nbr)

    def one(c: int) -> None:
        args = (p_add_threshold, sign, field, updates_per_record, out.chain(c))
        states[c], flipped = wolff_chain(spins[c], states[c], nbr, width, *args)
        out_flipped[c] += flipped

    if n_threads is None:
        from numba import config

        n_threads = config.NUMBA_NUM_THREADS
    n_threads = max(1, min(int(n_threads), n_chains))
    if n_threads == 1:
        for c in range(n_chains):
            one(c)
        return
    with ThreadPoolExecutor(max_workers=n_threads) as pool:
        for future in [pool.submit(one, c) for c in range(n_chains)]:
            future.result()
