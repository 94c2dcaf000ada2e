"""Measure whether a trained network performs block-spin RG.

Pure numpy/scipy on plain arrays, so it works on any network's weights and activations:

- :mod:`.blobs` — the same fields measured on their blob above the noise floor: a
  background-subtracted core size (equivalent block side), locality of the blob power, and
  which units are active, weak or diffuse (robust to the faint background of trained fields);
- :mod:`.synthetic` — synthetic networks with known block-spin answers (ground truth);
- :mod:`.receptive_fields` — effective receptive fields r^(l) = W^(1)...W^(l) (the paper's
  Fig. 3), their locality (best periodic window fraction of Σ r², radius of gyration) beside
  a spatially shuffled control, and their growth per layer against Kadanoff's b = 2;
- :mod:`.correlations` — spin correlation functions C(r), second-moment and exponential
  correlation lengths valid in every phase (``align`` for the ordered phase); the
  correlation length of a layer's representation with units placed at their
  receptive-field centres;
- :mod:`.phases` — whether a sample is disordered, critical (finite-size) or ordered, and
  what its ξ reference is (Onsager's ξ_∞ or the data's own finite-size ξ);
- :mod:`.block_agreement` — correlation of each hidden unit with the block spin of its own
  region, beside randomly placed blocks;
- :mod:`.observables` — energy, |m|, <m²>, susceptibility and heat capacity of samples with
  standard errors.

Lengths are in original lattice spacings unless a name says ``coarse``.
"""

from __future__ import annotations

from . import synthetic
from ._common import KADANOFF_FACTOR, Spread, spread
from .blobs import (
    BlobLayerSummary,
    BlobMeasures,
    blob_locality,
    equivalent_block_side,
    measure_blobs,
    summarize_blobs,
    weighted_median,
)
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
    ExponentialLength,
    RepresentationCorrelation,
    alignment_signs,
    correlation_function,
    correlation_length,
    exponential_correlation_length,
    fit_exponential_length,
    lattice_two_particle_decay,
    representation_correlation_length,
    second_moment_length,
    two_particle_decay,
)
from .observables import OBSERVABLE_NAMES, Estimate, observables
from .phases import (
    FINITE_SIZE_FRACTION,
    PHASES,
    TORUS_CRITICAL_XI_OVER_L,
    CorrelationReference,
    PhaseInfo,
    classify_phase,
    reference_correlation_length,
    stagger,
)
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
    "FINITE_SIZE_FRACTION",
    "KADANOFF_FACTOR",
    "OBSERVABLE_NAMES",
    "PHASES",
    "TORUS_CRITICAL_XI_OVER_L",
    "BlobLayerSummary",
    "BlobMeasures",
    "BlockAgreement",
    "CorrelationFunction",
    "CorrelationLength",
    "CorrelationReference",
    "Estimate",
    "ExponentialFit",
    "ExponentialLength",
    "GrowthResult",
    "LocalityResult",
    "PhaseInfo",
    "RepresentationCorrelation",
    "Spread",
    "WindowFit",
    "alignment_signs",
    "best_window",
    "blob_locality",
    "block_agreement",
    "block_corners",
    "block_values",
    "classify_phase",
    "coarse_block_agreement",
    "correlation_function",
    "correlation_length",
    "effective_receptive_fields",
    "equivalent_block_side",
    "exponential_correlation_length",
    "field_centers",
    "field_orientation",
    "fit_exponential_length",
    "lattice_two_particle_decay",
    "layer_window",
    "measure_blobs",
    "observables",
    "radius_of_gyration",
    "receptive_field_growth",
    "receptive_field_locality",
    "reference_correlation_length",
    "representation_correlation_length",
    "second_moment_length",
    "shuffle_sites",
    "spread",
    "stagger",
    "summarize_blobs",
    "synthetic",
    "two_particle_decay",
    "uniform_radius_of_gyration",
    "weighted_median",
    "window_fraction",
    "window_side_for_fraction",
]
