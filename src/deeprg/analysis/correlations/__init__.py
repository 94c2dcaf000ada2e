"""Correlation functions and correlation lengths of spins and of hidden representations.

Spins (periodic samples of shape (n_samples, L, L), or (n_samples, N) for a chain):

- :func:`correlation_function` — connected C(r) = <s_x s_{x+r e_a}> - <s>² along the lattice
  axes, averaged over sites and axes, by FFT; or its projection on zero transverse
  momentum C_⊥(r) (row-row correlation);
- :func:`correlation_length` — the second-moment correlation length
  ξ_2nd = sqrt(χ/F - 1) / (2 sin(π/L)), with χ = G(0) and F = G(k_min) the structure
  factor at zero and at the smallest non-zero wave vector k_min = 2π/L along an axis
  (average over axes), and a jackknife error; :func:`second_moment_length` does the same
  from an exact correlation function;
- :func:`exponential_correlation_length` — the exponential (true) ξ, the decay length of
  the connected correlation that Onsager's ξ describes, from a fit to C_⊥(r) with the
  form of the phase: one particle above T_c, the two-particle cut below.

Phases (see :mod:`.phases` for the classification). Every estimator takes ``align``: each
configuration is multiplied by the sign of its total magnetisation (a tie counts as +1)
before the connected correlation is formed, so in the ordered phase the connected
correlation of the broken-symmetry state is measured (the aligned mean ≈ <|m|> is
subtracted) instead of the spontaneous magnetisation counting as correlation (unaligned,
the mean over both signs is ≈ 0 and 24x24 samples at J = 0.5 give ξ_2nd ≈ 101 against
Onsager's 2.19). Aligning is for the ordered phase only: in the disordered phase it
folds the k = 0 fluctuation, the aligned χ is χ (1 - 2/π) for Gaussian m, and biases ξ_2nd
low.

Which ξ is which. Onsager's ξ (``deeprg.exact.onsager(J).correlation_length``) is the
exponential decay length along an axis: 1/ξ = 2 (K* - K) for J < J_c (one-particle
pole), 1/ξ = 4 (K - K*) for J > J_c (the lightest state the spin reaches from the ordered
vacuum is a pair of particles: a two-particle threshold at twice the gap). The second-
moment ξ_2nd measures the width of G(k) instead:

- disordered: ξ_2nd ≈ ξ up to lattice corrections — Wolff samples give ξ_2nd/ξ =
  0.984 ± 0.006 at J = 0.30 (L = 16, 2·10^5 samples; a lattice Gaussian with the same ξ
  gives 0.985) and 0.998 ± 0.006 at J = 0.408 (L = 40, 6·10^4 samples);
- ordered (aligned): ξ_2nd ≈ 0.63 ξ — the two-particle form factor of the scaling
  limit gives ξ_2nd/ξ = sqrt(2/5) = 0.632 (the universal ratio 2/3.162 of
  f_2nd^+/f_2nd^- = 3.162 and ξ_+/ξ_- = 2); Wolff samples at J = 0.5 give 0.652 ± 0.009
  (L = 16, 2·10^5 samples), 0.639 ± 0.016 (L = 24, 10^5) and 0.649 ± 0.020 (L = 32,
  12 x 2·10^4), at J = 0.6 0.629 ± 0.026 (L = 16, 6 x 5·10^4);
- critical (ξ_∞ > L/4): only the finite-size ξ exists; at J_c, ξ_2nd/L → 0.9050
  (Salas & Sokal 2000); samples at J = 0.4407 give 0.906 ± 0.004 at L = 24.

Hidden representations (activations of shape (n_samples, n_units), unit i placed at its
receptive field's periodic centre x_i):

- :func:`representation_correlation_length` — the same second-moment estimator with the
  structure factor of units at continuous positions, G(k) = (1/n) Σ_ij c_ij cos(k·(x_i - x_j)),
  c_ij the (oriented) Pearson correlation of units i and j; plus the correlation binned by
  the periodic distance between centres and an exponential fit of it.

Lengths are in units of the ORIGINAL lattice spacing unless a name says ``coarse``: block-
spin RG keeps the physical correlation length, ξ_l ≈ ξ_0 lattice spacings, which is
ξ_0 / b^l in units of the layer-l block spacing. A length that cannot be measured (χ/F - 1
not significantly above 0, a reference ξ below the unit spacing, a failed fit) is NaN
with ``measurable`` False and a one-line ``reason``, never 0.

Modules, one estimator each: :mod:`.function` (C(r) and the alignment), :mod:`.second_moment`
(ξ_2nd), :mod:`.decay` (decay forms and the exponential fit), :mod:`.exponential` (the
exponential ξ), :mod:`.representation` (ξ of a hidden representation). Every public name is
importable from here.
"""

from __future__ import annotations

from .decay import (
    ExponentialFit,
    fit_exponential_length,
    lattice_two_particle_decay,
    two_particle_decay,
)
from .exponential import ExponentialLength, exponential_correlation_length
from .function import CorrelationFunction, alignment_signs, correlation_function
from .representation import RepresentationCorrelation, representation_correlation_length
from .second_moment import CorrelationLength, correlation_length, second_moment_length

__all__ = [
    "CorrelationFunction",
    "CorrelationLength",
    "ExponentialFit",
    "ExponentialLength",
    "RepresentationCorrelation",
    "alignment_signs",
    "correlation_function",
    "correlation_length",
    "exponential_correlation_length",
    "fit_exponential_length",
    "lattice_two_particle_decay",
    "representation_correlation_length",
    "second_moment_length",
    "two_particle_decay",
]
