"""Measure whether a trained network performs block-spin RG (issue 5, item 3).

Pure numpy/scipy on plain arrays, so it works on any network's weights and activations:

- :mod:`.receptive_fields` — effective receptive fields r^(l) = W^(1)...W^(l) (the paper's
  Fig. 3), their locality (best periodic window fraction of Σ r², radius of gyration) beside
  a spatially shuffled control, and their growth per layer against Kadanoff's b = 2;
- :mod:`.correlations` — spin correlation functions C(r) and second-moment correlation
  lengths; the correlation length of a layer's representation with units placed at their
  receptive-field centres;
- :mod:`.block_agreement` — correlation of each hidden unit with the block spin of its own
  region, beside randomly placed blocks;
- :mod:`.observables` — energy, |m|, <m²>, susceptibility and heat capacity of samples with
  standard errors.

Lengths are in original lattice spacings unless a name says ``coarse``.
"""

from __future__ import annotations

from ._common import KADANOFF_FACTOR, Spread, spread
from .block_agreement import (
    BlockAgreement,
    block_agreement,
    block_corners,
    block_values,
    coarse_block_agreement,
)
from .correlations import (
    CorrelationFunction,
    CorrelationLength,
    ExponentialFit,
    RepresentationCorrelation,
    correlation_function,
    correlation_length,
    fit_exponential_length,
    representation_correlation_length,
    second_moment_length,
)
from .observables import OBSERVABLE_NAMES, Estimate, observables
from .receptive_fields import (
    GrowthResult,
    LocalityResult,
    WindowFit,
    best_window,
    effective_receptive_fields,
    field_centers,
    field_orientation,
    layer_window,
    radius_of_gyration,
    receptive_field_growth,
    receptive_field_locality,
    shuffle_sites,
    uniform_radius_of_gyration,
    window_fraction,
    window_side_for_fraction,
)

__all__ = [
    "KADANOFF_FACTOR",
    "OBSERVABLE_NAMES",
    "BlockAgreement",
    "CorrelationFunction",
    "CorrelationLength",
    "Estimate",
    "ExponentialFit",
    "GrowthResult",
    "LocalityResult",
    "RepresentationCorrelation",
    "Spread",
    "WindowFit",
    "best_window",
    "block_agreement",
    "block_corners",
    "block_values",
    "coarse_block_agreement",
    "correlation_function",
    "correlation_length",
    "effective_receptive_fields",
    "field_centers",
    "field_orientation",
    "fit_exponential_length",
    "layer_window",
    "observables",
    "radius_of_gyration",
    "receptive_field_growth",
    "receptive_field_locality",
    "representation_correlation_length",
    "second_moment_length",
    "shuffle_sites",
    "spread",
    "uniform_radius_of_gyration",
    "window_fraction",
    "window_side_for_fraction",
]
