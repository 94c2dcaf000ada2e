"""Monte Carlo sampling of the Ising chain and square lattice, with error analysis.

- :func:`sample` — equilibrium configurations by Wolff, Swendsen–Wang, checkerboard
  Metropolis or heat-bath (numba kernels on the CPU, a batched torch kernel for GPUs),
  burn-in and spacing chosen from measured autocorrelation times;
- :func:`integrated_autocorrelation_time`, :func:`mean_and_error` — Sokal's windowed τ_int
  and autocorrelation-corrected error bars, for one chain or several.

torch is imported only when the torch kernel is requested.
"""

from __future__ import annotations

from ..samples import SampleSet
from .autocorrelation import autocorrelation, integrated_autocorrelation_time, mean_and_error
from .sampler import ALGORITHMS, sample

__all__ = [
    "ALGORITHMS",
    "SampleSet",
    "autocorrelation",
    "integrated_autocorrelation_time",
    "mean_and_error",
    "sample",
]
