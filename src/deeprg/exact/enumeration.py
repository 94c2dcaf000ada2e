"""Brute-force enumeration of all configurations of small systems.

Enumeration is the most direct exact reference there is: every state, its energy and its
Boltzmann probability P(s) = e^{-H(s)}/Z (β = 1, docs/conventions.md). It is used to check the
transfer matrix, Kaufman's formula, Monte Carlo histograms and, in the RG work, the exact
variational-RG mapping of Mehta & Schwab (arXiv:1410.3831, Eqs. 7-13), which sums over
both visible and hidden units.

Ordering convention (shared with the RBM code): row k of :func:`enumerate_states` holds the
binary digits of k with unit 0 the most significant bit, so state 0 is all "down" and state
2**n - 1 all "up". Lattice states are the same rows reshaped in C order, site (i, j) of an
L x L lattice being unit i*L + j.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import InputError, check_int
from ..ising import IsingChain, IsingSquare

__all__ = [
    "MAX_ENUMERATED_SPINS",
    "MAX_ENUMERATED_UNITS",
    "EnumerationResult",
    "enumerate_ising",
    "enumerate_states",
]

#: Largest number of units :func:`enumerate_states` accepts (2**24 rows of float64 = 3.2 GB).
MAX_ENUMERATED_UNITS = 24
#: Largest number of spins :func:`enumerate_ising` accepts (2**20 states).
MAX_ENUMERATED_SPINS = 20

_CHUNK = 1 << 16  # states per chunk when evaluating energies (bounds temporary memory)


def _bits(n: int, dtype: type) -> np.ndarray:
    """Array of shape (2**n, n): row k holds the bits of k, unit 0 the most significant."""
    index = np.arange(1 << n, dtype=np.uint32)
    out = np.empty((1 << n, n), dtype=dtype)
    for unit in range(n):  # a loop over units, not over states
        out[:, unit] = (index >> np.uint32(n - 1 - unit)) & np.uint32(1)
    return out


def enumerate_states(n: int, units: str = "spin") -> np.ndarray:
    """All 2**n configurations of n two-state units.

    Parameters
    ----------
    n : int
        Number of units, 1 <= n <= 24.
    units : {"spin", "binary"}
        "spin" gives values ±1 (bit 1 -> +1, bit 0 -> -1); "binary" gives {0, 1}.

    Returns
    -------
    numpy.ndarray of shape (2**n, n), float64
        Row k holds the bits of k, unit 0 being the most significant bit.
    """
    n = check_int("n (number of units)", n, minimum=1)
    if n > MAX_ENUMERATED_UNITS:
        raise InputError(
            f"cannot enumerate 2**{n} states; n must be <= {MAX_ENUMERATED_UNITS} "
            "(use Monte Carlo or a transfer matrix for larger systems)"
        )
    if units not in ("spin", "binary"):
        raise InputError(f"units must be 'spin' or 'binary', got {units!r}")
    states = _bits(n, np.float64)
    if units == "spin":
        states *= 2.0
        states -= 1.0
    return states


@dataclass(frozen=True, eq=False)
class EnumerationResult:
    """Every state of a small Ising model with its energy and probability.

    Attributes
    ----------
    model : IsingChain or IsingSquare
        The enumerated model.
    states : numpy.ndarray of shape (2**N, *lattice_shape), int8
        All configurations, values ±1, in the order of :func:`enumerate_states`.
    energies : numpy.ndarray of shape (2**N,), float64
        H(s) of each state.
    magnetizations : numpy.ndarray of shape (2**N,), float64
        M(s) = Σ_i s_i of each state.
    log_partition : float
        ln Z.
    probabilities : numpy.ndarray of shape (2**N,), float64
        P(s) = e^{-H(s)} / Z.
    energy_per_spin, heat_capacity_per_spin : float
        <H>/N and Var(H)/N (β = 1, C = β² Var(H)).
    magnetization_per_spin, abs_magnetization_per_spin : float
        <M>/N and <|M|>/N.
    m2_per_spin2 : float
        <M²>/N².
    susceptibility_per_spin : float
        (<M²> - <M>²)/N.
    """

    model: IsingChain | IsingSquare
    states: np.ndarray
    energies: np.ndarray
    magnetizations: np.ndarray
    log_partition: float
    probabilities: np.ndarray
    energy_per_spin: float
    heat_capacity_per_spin: float
    magnetization_per_spin: float
    abs_magnetization_per_spin: float
    m2_per_spin2: float
    susceptibility_per_spin: float

    @property
    def n_spins(self) -> int:
        """Number of spins N."""
        return self.model.n_spins

    @property
    def log_partition_per_spin(self) -> float:
        """ln Z / N."""
        return self.log_partition / self.n_spins

    def expectation(self, values: np.ndarray) -> float | np.ndarray:
        """Exact average Σ_s P(s) f(s) of per-state values f, array of shape (2**N, ...)."""
        values = np.asarray(values, dtype=np.float64)
        if values.shape[:1] != self.energies.shape:
            raise InputError(
                f"values must have one entry per state, shape ({self.energies.size}, ...); "
                f"got {values.shape}"
            )
        return np.tensordot(self.probabilities, values, axes=1)

    def to_dict(self) -> dict:
        """The scalar results as plain floats (the per-state arrays are left out)."""
        return {
            "n_spins": self.n_spins,
            "coupling": float(self.model.coupling),
            "field": float(self.model.field),
            "log_partition": float(self.log_partition),
            "log_partition_per_spin": float(self.log_partition_per_spin),
            "energy_per_spin": float(self.energy_per_spin),
            "heat_capacity_per_spin": float(self.heat_capacity_per_spin),
            "magnetization_per_spin": float(self.magnetization_per_spin),
            "abs_magnetization_per_spin": float(self.abs_magnetization_per_spin),
            "m2_per_spin2": float(self.m2_per_spin2),
            "susceptibility_per_spin": float(self.susceptibility_per_spin),
        }


def enumerate_ising(model: IsingChain | IsingSquare) -> EnumerationResult:
    """Enumerate every state of an Ising chain or square lattice with at most 20 spins.

    Energies are the model's own :meth:`~deeprg.ising.IsingChain.energy` (so the
    periodic-boundary convention, e.g. the doubled bonds of N = 2 or L = 2, is the
    model's), evaluated in chunks; averages use the normalised probabilities and
    two-pass (centred) variances, accurate to a few ulp.

    Parameters
    ----------
    model : IsingChain or IsingSquare
        A model with N <= 20 spins.

    Returns
    -------
    EnumerationResult
    """
    if not isinstance(model, (IsingChain, IsingSquare)):
        raise InputError(f"model must be an IsingChain or IsingSquare, got {type(model).__name__}")
    n = model.n_spins
    if n > MAX_ENUMERATED_SPINS:
        raise InputError(
            f"{model!r} has {n} spins; enumeration is limited to {MAX_ENUMERATED_SPINS} spins "
            "(2**20 states): use deeprg.exact.chain or deeprg.exact.torus for larger systems"
        )
    flat = _bits(n, np.int8)
    flat *= 2
    flat -= 1
    states = flat.reshape((1 << n, *model.lattice_shape))
    energies = np.empty(1 << n, dtype=np.float64)
    for start in range(0, 1 << n, _CHUNK):
        energies[start : start + _CHUNK] = model.energy(states[start : start + _CHUNK])
    magnetizations = flat.sum(axis=1, dtype=np.int64).astype(np.float64)

    from scipy.special import logsumexp  # imported here: keeps CLI start-up fast

    log_partition = float(logsumexp(-energies))
    probabilities = np.exp(-energies - log_partition)
    probabilities /= probabilities.sum()  # remove the last ulp of normalisation error

    mean_energy = float(probabilities @ energies)
    var_energy = float(probabilities @ (energies - mean_energy) ** 2)
    mean_m = float(probabilities @ magnetizations)
    var_m = float(probabilities @ (magnetizations - mean_m) ** 2)
    mean_abs_m = float(probabilities @ np.abs(magnetizations))
    mean_m2 = float(probabilities @ magnetizations**2)
    return EnumerationResult(
        model=model,
        states=states,
        energies=energies,
        magnetizations=magnetizations,
        log_partition=log_partition,
        probabilities=probabilities,
        energy_per_spin=mean_energy / n,
        heat_capacity_per_spin=var_energy / n,
        magnetization_per_spin=mean_m / n,
        abs_magnetization_per_spin=mean_abs_m / n,
        m2_per_spin2=mean_m2 / n**2,
        susceptibility_per_spin=var_m / n,
    )
