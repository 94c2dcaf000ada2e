"""Ising Hamiltonians in deeprg's conventions (docs/conventions.md).

Spins are s = ±1 and the temperature is absorbed into the couplings (β = 1):

- chain (periodic, N spins):      H(s) = -J Σ_i s_i s_{i+1} - h Σ_i s_i
- square lattice (periodic L×L):  H(s) = -J Σ_<ij> s_i s_j - h Σ_i s_i

A periodic system always has N bonds per spin-dimension (the chain N bonds, the torus
2N), also for the smallest sizes (N = 2, L = 2) where a pair of sites is joined by two
bonds. The exact references in :mod:`deeprg.exact` use the same convention.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .constants import J_CRITICAL
from .errors import InputError, check_finite, check_int

__all__ = [
    "J_CRITICAL",
    "IsingChain",
    "IsingModel",
    "IsingSquare",
    "make_model",
    "periodic_bond_sum",
]


def _as_spins(spins: object, lattice_shape: tuple[int, ...]) -> np.ndarray:
    """Validate a batch of ±1 configurations of the given lattice shape."""
    arr = np.asarray(spins)
    ndim = len(lattice_shape)
    if arr.ndim < ndim or arr.shape[arr.ndim - ndim :] != lattice_shape:
        raise InputError(
            f"spins must have shape (..., {', '.join(map(str, lattice_shape))}), got {arr.shape}"
        )
    if arr.size and not np.all(np.abs(arr) == 1):
        raise InputError("spins must be ±1; convert {0,1} units with s = 2*v - 1")
    return arr


def periodic_bond_sum(spins: np.ndarray, n_axes: int) -> np.ndarray:
    """Σ s_i s_j over the nearest-neighbour bonds of the last ``n_axes`` (periodic) axes.

    ``spins`` is multiplied in its own dtype, so an int8 batch of 20,000 40×40 configurations
    needs 32 MB temporaries instead of the 256 MB float64 copies a ``np.roll`` formulation
    makes. For ±1 spins each product is ±1 and the sums (int64 for integer input, float64
    otherwise) are exact; real values (means) should come in float64. No validation: the
    models' ``bond_sum`` checks its spins first.

    Returns
    -------
    numpy.ndarray of shape ``spins.shape[:-n_axes]``, float64
    """
    batch_shape = spins.shape[: spins.ndim - n_axes]
    accumulate = np.int64 if np.issubdtype(spins.dtype, np.integer) else np.float64
    total = np.zeros(batch_shape, dtype=accumulate)
    lattice_axes = tuple(range(len(batch_shape), spins.ndim - 1))
    for axis in range(len(batch_shape), spins.ndim):
        along = np.moveaxis(spins, axis, -1)  # a view: the bonds along ``axis`` are on its last
        inner = along[..., :-1] * along[..., 1:]
        wrap = along[..., -1] * along[..., 0]  # the periodic bond closing each line
        total += inner.sum(axis=(*lattice_axes, -1), dtype=accumulate)
        total += wrap.sum(axis=lattice_axes, dtype=accumulate)
    return total.astype(np.float64)[()]  # a numpy scalar for a single configuration


@dataclass(frozen=True)
class _IsingBase:
    coupling: float
    field: float

    name = ""
    lattice_shape: tuple[int, ...] = ()

    def _set_up(self, size_name: str, size: int, n_dims: int, coupling: float, field: float):
        """Validate and set the fields of a frozen model: L >= 2 along ``n_dims`` axes."""
        n = check_int(size_name, size, minimum=2)
        object.__setattr__(self, "coupling", check_finite("coupling", coupling))
        object.__setattr__(self, "field", check_finite("field", field))
        object.__setattr__(self, "lattice_shape", (n,) * n_dims)

    @property
    def size(self) -> int:
        """Linear size: the number of spins N of a chain, L of an L×L lattice."""
        return self.lattice_shape[0]

    @property
    def n_spins(self) -> int:
        """Number of spins N."""
        return math.prod(int(n) for n in self.lattice_shape)  # exact: no int64 overflow

    def magnetization(self, spins: object) -> np.ndarray:
        """Total magnetisation M = Σ_i s_i.

        Parameters
        ----------
        spins : array_like of shape (..., *lattice_shape)
            One configuration or a batch of configurations, values ±1.

        Returns
        -------
        numpy.ndarray of shape (...,), float64
        """
        arr = _as_spins(spins, self.lattice_shape)
        axes = tuple(range(arr.ndim - len(self.lattice_shape), arr.ndim))
        return arr.sum(axis=axes, dtype=np.float64)

    def bond_sum(self, spins: object) -> np.ndarray:
        """Σ over nearest-neighbour bonds of s_i s_j, array of shape (...,), float64."""
        arr = _as_spins(spins, self.lattice_shape)
        return periodic_bond_sum(arr, n_axes=len(self.lattice_shape))

    def energy(self, spins: object) -> np.ndarray:
        """Energy H(s) = -J Σ_<ij> s_i s_j - h Σ_i s_i (β = 1).

        Parameters
        ----------
        spins : array_like of shape (..., *lattice_shape)
            One configuration or a batch, values ±1.

        Returns
        -------
        numpy.ndarray of shape (...,), float64
        """
        arr = _as_spins(spins, self.lattice_shape)
        energy = -self.coupling * self.bond_sum(arr)
        if self.field != 0.0:
            energy = energy - self.field * self.magnetization(arr)
        return energy


@dataclass(frozen=True)
class IsingChain(_IsingBase):
    """Periodic Ising chain of ``n_spins`` spins, H = -J Σ s_i s_{i+1} - h Σ s_i.

    Parameters
    ----------
    n_spins : int
        Number of spins N >= 2.
    coupling : float
        Nearest-neighbour coupling J (β absorbed; either sign).
    field : float, default 0
        Uniform field h.
    """

    name = "ising1d"

    def __init__(self, n_spins: int, coupling: float, field: float = 0.0) -> None:
        self._set_up("size (number of spins)", n_spins, 1, coupling, field)

    def __repr__(self) -> str:
        return f"IsingChain(n_spins={self.size}, coupling={self.coupling!r}, field={self.field!r})"


@dataclass(frozen=True)
class IsingSquare(_IsingBase):
    """Periodic L×L square-lattice Ising model, H = -J Σ_<ij> s_i s_j - h Σ s_i.

    Parameters
    ----------
    size : int
        Linear size L >= 2.
    coupling : float
        Nearest-neighbour coupling J (β absorbed; either sign). Critical at
        :data:`J_CRITICAL` = ½ ln(1 + √2).
    field : float, default 0
        Uniform field h.
    """

    name = "ising2d"

    def __init__(self, size: int, coupling: float, field: float = 0.0) -> None:
        self._set_up("size (linear lattice size L)", size, 2, coupling, field)

    def __repr__(self) -> str:
        return f"IsingSquare(size={self.size}, coupling={self.coupling!r}, field={self.field!r})"


IsingModel = IsingChain | IsingSquare


def make_model(model: str, size: int, coupling: float, field: float = 0.0) -> IsingModel:
    """Build a model from its file/CLI name ``"ising1d"`` or ``"ising2d"``."""
    if model == "ising1d":
        return IsingChain(size, coupling, field)
    if model == "ising2d":
        return IsingSquare(size, coupling, field)
    raise InputError(f"unknown model {model!r}; use 'ising1d' or 'ising2d'")
