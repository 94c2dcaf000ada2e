"""What the Monte Carlo kernels record, and the lattice sums they record.

Every kernel (Wolff, Swendsen–Wang, Metropolis and heat-bath) advances independent chains
and, after every ``updates_per_record`` updates, writes the bond sum Σ_<ij> s_i s_j, the
magnetisation Σ_i s_i and, when asked, the configuration into one :class:`Records`. The
sums are numba kernels over a flat spin array and a neighbour table
(:func:`deeprg.mc._lattice.neighbour_table`).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numba import njit

__all__ = ["Records", "bond_sum", "empty_records", "magnetization", "write_record"]


class Records(NamedTuple):
    """Output arrays of one kernel run (numba accepts the tuple as one argument).

    Attributes
    ----------
    spins : numpy.ndarray of shape (n_chains, n_records, n_spins), int8
        Configurations; of shape (n_chains, 0, n_spins) when they are not stored.
    bond_sum : numpy.ndarray of shape (n_chains, n_records), int64
        Σ_<ij> s_i s_j at each record.
    magnetization : numpy.ndarray of shape (n_chains, n_records), int64
        Σ_i s_i at each record.

    For one chain (:meth:`chain`) the leading axis is dropped.
    """

    spins: np.ndarray
    bond_sum: np.ndarray
    magnetization: np.ndarray

    def chain(self, c: int) -> Records:
        """The records of chain ``c`` (views)."""
        return Records(self.spins[c], self.bond_sum[c], self.magnetization[c])


def empty_records(n_chains: int, n_records: int, n_spins: int, store: bool) -> Records:
    """Uninitialised :class:`Records` for ``n_records`` records of ``n_chains`` chains.

    Parameters
    ----------
    n_chains, n_records, n_spins : int
    store : bool
        Allocate room for the configurations (else ``spins`` has a zero-length axis 1,
        which tells the kernels not to copy them).
    """
    return Records(
        np.empty((n_chains, n_records if store else 0, n_spins), dtype=np.int8),
        np.empty((n_chains, n_records), dtype=np.int64),
        np.empty((n_chains, n_records), dtype=np.int64),
    )


@njit(cache=True, nogil=True)
def bond_sum(spins, nbr):
    """Σ_<ij> s_i s_j over the forward neighbours (the first z/2 columns of ``nbr``)."""
    half = nbr.shape[1] // 2
    total = 0
    for i in range(spins.shape[0]):
        s = spins[i]
        for k in range(half):
            total += s * spins[nbr[i, k]]
    return total


@njit(cache=True, nogil=True)
def magnetization(spins):
    """Σ_i s_i of a flat spin array."""
    total = 0
    for i in range(spins.shape[0]):
        total += spins[i]
    return total


@njit(inline="always", cache=True)
def write_record(out_spins, out_bond_sum, out_magnetization, r, spins, bonds, mag):
    """Write record ``r`` of one chain; the configuration only if ``out_spins`` has room."""
    out_bond_sum[r] = bonds
    out_magnetization[r] = mag
    if out_spins.shape[0] > 0:
        out_spins[r, :] = spins
