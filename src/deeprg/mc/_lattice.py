"""Neighbour tables and update orders shared by the Monte Carlo kernels.

Every kernel works on a flat spin array of shape (n_spins,) and a neighbour table of shape
(n_spins, z), int32, whose first z/2 columns are the "forward" neighbours (right, and down
on the square lattice) so that the bonds are exactly {(i, nbr[i, k]) : k < z/2}: N bonds for
the chain and 2N for the L×L torus, matching :mod:`deeprg.ising` (for L = 2 or N = 2 a pair
of sites is joined by two bonds, and the table lists the neighbour twice).
"""

from __future__ import annotations

import numpy as np

from ..ising import IsingChain, IsingModel

__all__ = ["checkerboard_order", "neighbour_table"]


def neighbour_table(model: IsingModel) -> np.ndarray:
    """Neighbour table of ``model``, array of shape (n_spins, z), int32.

    Columns are [right, left] for the chain (z = 2) and [right, down, left, up] for the
    square lattice (z = 4), with periodic wrap-around; site (r, c) has flat index r*L + c.
    """
    if isinstance(model, IsingChain):
        n = model.size
        i = np.arange(n)
        return np.stack([(i + 1) % n, (i - 1) % n], axis=1).astype(np.int32)
    size = model.size
    r, c = np.divmod(np.arange(size * size), size)
    right = r * size + (c + 1) % size
    down = ((r + 1) % size) * size + c
    left = r * size + (c - 1) % size
    up = ((r - 1) % size) * size + c
    return np.stack([right, down, left, up], axis=1).astype(np.int32)


def checkerboard_order(model: IsingModel) -> np.ndarray:
    """Site order for one local sweep, array of shape (n_spins,), int32.

    When every linear size is even the lattice is bipartite: the order visits all sites of
    one sublattice (even r + c) and then the other, so a sweep is a checkerboard update.
    For an odd size no such colouring exists on the torus, and the order is the plain
    sequential (typewriter) sweep; both are products of single-site updates that each leave
    the Boltzmann distribution invariant.
    """
    n = model.n_spins
    if model.size % 2:
        return np.arange(n, dtype=np.int32)
    coords = np.unravel_index(np.arange(n), model.lattice_shape)
    parity = np.sum(coords, axis=0) % 2
    return np.concatenate([np.flatnonzero(parity == 0), np.flatnonzero(parity == 1)]).astype(
        np.int32
    )
