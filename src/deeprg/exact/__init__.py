"""Exact references for the Ising models of :mod:`deeprg.ising` (the project's exact references).

- :func:`enumerate_states`, :func:`enumerate_ising`: every configuration of small systems
  (<= 20 spins) with energies and Boltzmann probabilities;
- :func:`chain`, :func:`chain_correlation`: the periodic chain by its 2x2 transfer matrix,
  any N, J, h;
- :func:`torus`: Kaufman's exact partition function of the periodic L x L lattice;
- :func:`onsager`: the infinite square lattice (Onsager, Yang, correlation length).

Conventions: spins ±1, β absorbed into the couplings, H = -J Σ s_i s_j - h Σ s_i, all
quantities per spin unless named otherwise. Every result is a frozen dataclass with
``to_dict()`` returning plain floats.
"""

from .chain import ChainResult, chain, chain_correlation
from .enumeration import (
    MAX_ENUMERATED_SPINS,
    MAX_ENUMERATED_UNITS,
    EnumerationResult,
    enumerate_ising,
    enumerate_states,
)
from .onsager import OnsagerResult, onsager
from .torus import TorusResult, torus

__all__ = [
    "MAX_ENUMERATED_SPINS",
    "MAX_ENUMERATED_UNITS",
    "ChainResult",
    "EnumerationResult",
    "OnsagerResult",
    "TorusResult",
    "chain",
    "chain_correlation",
    "enumerate_ising",
    "enumerate_states",
    "onsager",
    "torus",
]
