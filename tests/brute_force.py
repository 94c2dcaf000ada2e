"""Independent brute-force references for tests (deliberately not deeprg.exact)."""

import itertools

import numpy as np


def enumerate_square(size, coupling):
    """All 2^(L²) states of the periodic L x L lattice, their bond sums and probabilities.

    Returns
    -------
    states : array of shape (2**(L*L), L, L), int8 ±1
    bonds : array of shape (2**(L*L),), Σ_<ij> s_i s_j (2N bonds)
    probabilities : array of shape (2**(L*L),), Boltzmann weights exp(J·bonds) / Z
    """
    n = size * size
    codes = np.arange(2**n)
    states = (1 - 2 * ((codes[:, None] >> np.arange(n)) & 1)).reshape(-1, size, size)
    bonds = np.zeros(states.shape[0])
    for i, j in itertools.product(range(size), range(size)):
        s = states[:, i, j]
        bonds += s * states[:, (i + 1) % size, j] + s * states[:, i, (j + 1) % size]
    log_weight = coupling * bonds
    prob = np.exp(log_weight - log_weight.max())
    return states.astype(np.int8), bonds, prob / prob.sum()
