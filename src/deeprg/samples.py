"""The :class:`SampleSet` container: Ising configurations with their provenance.

A SampleSet is what :func:`deeprg.sample` returns and what :mod:`deeprg.io` reads and
writes (the sample file of docs/file-formats.md). It holds no behaviour beyond light conveniences,
so every layer (Monte Carlo, files, analysis) can share it without importing each other.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .ising import IsingModel

__all__ = ["SampleSet"]


@dataclass
class SampleSet:
    """Equilibrium Ising configurations and how they were made.

    Attributes
    ----------
    model : IsingChain or IsingSquare
        The model sampled (size, coupling J, field h).
    spins : numpy.ndarray of shape (n_samples, *lattice_shape), int8
        Configurations, values ±1.
    energy : numpy.ndarray of shape (n_samples,), float64
        H(s) of each configuration (β = 1, docs/conventions.md).
    magnetization : numpy.ndarray of shape (n_samples,), float64
        Σ_i s_i of each configuration.
    algorithm : str
        Sampler name ("wolff", "swendsen-wang", "metropolis", "heat-bath").
    seed : int or None
        Seed the sampler was given (None when fresh entropy was used).
    tau_energy, tau_abs_magnetization : float
        Integrated autocorrelation times (Sokal window) of the saved series of H and |M|,
        in units of saved samples (0.5 means uncorrelated).
    burn_in, thin : int
        Sweeps (or cluster-sweeps) discarded before the first sample, and between samples.
    n_chains : int
        Independent Markov chains the samples were drawn from (concatenated in order).
    extra : dict
        Further metadata (device, wall time, ...), stored as file attributes.
    """

    model: IsingModel
    spins: np.ndarray
    energy: np.ndarray
    magnetization: np.ndarray
    algorithm: str
    seed: int | None = None
    tau_energy: float = float("nan")
    tau_abs_magnetization: float = float("nan")
    burn_in: int = 0
    thin: int = 1
    n_chains: int = 1
    extra: dict = field(default_factory=dict)

    @property
    def n_samples(self) -> int:
        """Number of configurations."""
        return int(self.spins.shape[0])

    def flat(self) -> np.ndarray:
        """Configurations flattened to shape (n_samples, n_spins), int8 ±1."""
        return self.spins.reshape(self.n_samples, -1)

    def summary(self) -> dict:
        """Plain-number summary (for ``--json`` and printing)."""
        n = self.model.n_spins
        return {
            "model": self.model.name,
            "size": self.model.size,
            "coupling": self.model.coupling,
            "field": self.model.field,
            "algorithm": self.algorithm,
            "seed": self.seed,
            "n_samples": self.n_samples,
            "n_chains": self.n_chains,
            "burn_in": self.burn_in,
            "thin": self.thin,
            "energy_per_spin": float(np.mean(self.energy) / n),
            "abs_magnetization_per_spin": float(np.mean(np.abs(self.magnetization)) / n),
            "tau_energy": float(self.tau_energy),
            "tau_abs_magnetization": float(self.tau_abs_magnetization),
            **{k: v for k, v in self.extra.items() if isinstance(v, (int, float, str))},
        }
