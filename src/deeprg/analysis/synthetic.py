"""Synthetic deep networks whose block-spin answers are known: ground truth for the measures.

Every block-spin measure of :mod:`deeprg.experiments.measurements` must return the known
value on these networks before it is trusted on a trained one:

- :func:`block_network` — an exact majority-rule-like DBN: real weight matrices W^(l) (0/1
  block-aggregation matrices) whose products r^(l) = W^(1)...W^(l) are uniform 2^l x 2^l
  blocks tiling the lattice. Known: block side 2^l, growth exactly 2 per layer, locality 1,
  and units (a steep sigmoid of their input, :meth:`SyntheticNetwork.activations`) that are
  the majority-rule block spin (ties: ½, the mean over the tie-breaking coin);
- :func:`with_background` — the same fields plus an i.i.d. Gaussian background of a given
  amplitude relative to the blob's peak (the noise floor of trained fields);
- :func:`with_diffuse_units` — a fraction of the units replaced by weak diffuse fields
  (i.i.d. Gaussian values everywhere, no blob);
- :func:`gaussian_network` — Gaussian blobs exp(-|x - c|²/2σ_l²) on the same tiling grid
  with σ_l = σ_1 g^(l-1): known growth g per layer and block side sqrt(6) σ_l (for the r²
  weight of a Gaussian, R = σ, so the equivalent block side sqrt(6 R² + 1) of
  :mod:`.blobs` is sqrt(6 σ² + 1)).

Each network carries its fields per layer, which units are designed blobs, and the known
answers. Pure numpy; nothing is trained.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace

import numpy as np
from scipy import special

from .._random import SeedLike, as_generator
from ..errors import InputError, check_finite, check_int
from ._common import as_spin_batch
from .blobs import equivalent_block_side
from .receptive_fields import effective_receptive_fields

__all__ = [
    "SyntheticNetwork",
    "block_network",
    "block_weights",
    "gaussian_network",
    "with_background",
    "with_diffuse_units",
]


@dataclass(frozen=True)
class SyntheticNetwork:
    """A synthetic deep network given by its effective receptive fields.

    Attributes
    ----------
    name : str
        What it is (for test ids and tables).
    fields : list of numpy.ndarray
        Entry l - 1 of shape (n_l, L, L): the effective receptive fields r^(l).
    designed : list of numpy.ndarray
        Entry l - 1 of shape (n_l,), bool: the unit is a designed blob (not a diffuse one).
    block_side : list of float
        Known equivalent block side of the designed blobs per layer (lattice spacings).
    growth : float
        Known growth factor of the block side per layer.
    gain : float
        Steepness of the units' sigmoid, per unit of input / blob peak.
    """

    name: str
    fields: list[np.ndarray]
    designed: list[np.ndarray]
    block_side: list[float]
    growth: float
    gain: float = 10.0
    notes: dict = field(default_factory=dict)

    @property
    def lattice_size(self) -> int:
        """L of the L x L lattice."""
        return int(self.fields[0].shape[-1])

    def activations(self, spins: object) -> list[np.ndarray]:
        """Unit means of every layer on ``spins``: a steep sigmoid of the field's input.

        Unit i of layer l outputs σ(gain · (r_i · s) / peak_i), with peak_i the largest |r_i|
        of its designed blob (1 for uniform blocks), like a binary RBM unit with zero bias.
        For a uniform block, r_i · s is the block sum (even integers), so with gain 10 the
        unit is the majority-rule block spin mapped to {0, 1} to within 2·10⁻⁹, and ½ at a tie.

        Parameters
        ----------
        spins : array_like of shape (n_samples, L, L), ±1

        Returns
        -------
        list of numpy.ndarray
            Entry l - 1 of shape (n_samples, n_l), values in (0, 1).
        """
        arr = as_spin_batch(spins, min_ndim=3, max_ndim=3)
        if arr.shape[1:] != self.fields[0].shape[1:]:
            raise InputError(
                f"spins have lattice {arr.shape[1:]} but the network's fields are "
                f"{self.fields[0].shape[1:]}; pass configurations of the same size"
            )
        flat = arr.reshape(arr.shape[0], -1).astype(np.float64)
        out = []
        for layer_fields, peak in zip(self.fields, self.notes["peaks"], strict=True):
            drive = flat @ layer_fields.reshape(layer_fields.shape[0], -1).T
            out.append(special.expit(self.gain * drive / peak))
        return out


def block_weights(size: int, n_layers: int, block_factor: int = 2) -> list[np.ndarray]:
    """Weight matrices of the exact majority-rule-like DBN.

    W^(1) of shape (L², (L/b)²) has W[x, j] = 1 when site x lies in the b x b block j;
    W^(l) of shape ((L/b^(l-1))², (L/b^l)²) joins b x b blocks of layer l - 1 units. Units
    are numbered row-major on their block grid.

    Parameters
    ----------
    size : int
        L, divisible by block_factor**n_layers.
    n_layers : int
    block_factor : int, default 2

    Returns
    -------
    list of numpy.ndarray
        The n_layers weight matrices (model-file layout, first layer first).
    """
    size = check_int("size", size, minimum=2)
    n_layers = check_int("n_layers", n_layers, minimum=1)
    b = check_int("block_factor", block_factor, minimum=2)
    if size % b**n_layers:
        raise InputError(
            f"size {size} must be divisible by block_factor**n_layers = {b**n_layers}; "
            "choose fewer layers or another size"
        )
    weights = []
    fine = size
    for _ in range(n_layers):
        coarse = fine // b
        rows, cols = np.divmod(np.arange(fine * fine), fine)
        parent = (rows // b) * coarse + cols // b
        matrix = np.zeros((fine * fine, coarse * coarse))
        matrix[np.arange(fine * fine), parent] = 1.0
        weights.append(matrix)
        fine = coarse
    return weights


def block_network(size: int = 40, n_layers: int = 3, block_factor: int = 2) -> SyntheticNetwork:
    """The exact majority-rule-like DBN (uniform b^l x b^l blocks tiling the lattice).

    Returns
    -------
    SyntheticNetwork
        Known: block side b^l, growth b, locality 1, majority agreement 1.
    """
    weights = block_weights(size, n_layers, block_factor)
    fields = effective_receptive_fields(weights, (size, size))
    return SyntheticNetwork(
        name="exact blocks",
        fields=fields,
        designed=[np.ones(f.shape[0], dtype=bool) for f in fields],
        block_side=[float(block_factor**layer) for layer in range(1, n_layers + 1)],
        growth=float(block_factor),
        notes={"weights": weights, "peaks": [1.0] * n_layers},
    )


def _ratios(ratio: float | Sequence[float], n_layers: int) -> list[float]:
    values = [ratio] * n_layers if np.isscalar(ratio) else list(ratio)
    if len(values) != n_layers:
        raise InputError(f"give one background ratio or one per layer ({n_layers}), got {ratio}")
    out = [check_finite("background ratio", v) for v in values]
    if any(v < 0 for v in out):
        raise InputError("background ratios must be >= 0")
    return out


def with_background(
    network: SyntheticNetwork, ratio: float | Sequence[float], seed: SeedLike = None
) -> SyntheticNetwork:
    """The network's fields plus i.i.d. Gaussian noise of std ``ratio`` x the blob's peak.

    Parameters
    ----------
    network : SyntheticNetwork
    ratio : float or sequence of float
        Background standard deviation relative to each layer's blob peak (one value, or one
        per layer). :func:`deeprg.analysis.blobs.summarize_blobs` measures it on a trained
        network as ``background_to_peak``.
    seed : int, numpy.random.Generator or None

    Returns
    -------
    SyntheticNetwork
        Same known answers: the background carries no block structure.
    """
    rng = as_generator(seed)
    ratios = _ratios(ratio, len(network.fields))
    fields = [
        f + rng.normal(scale=r * peak, size=f.shape)
        for f, r, peak in zip(network.fields, ratios, network.notes["peaks"], strict=True)
    ]
    label = ", ".join(f"{r:.3g}" for r in ratios)
    return replace(
        network,
        name=f"{network.name} + background ({label} of peak)",
        fields=fields,
        notes={**network.notes, "background_ratio": ratios},
    )


def with_diffuse_units(
    network: SyntheticNetwork,
    fraction: float = 0.5,
    amplitude: float = 0.05,
    seed: SeedLike = None,
) -> SyntheticNetwork:
    """Replace a ``fraction`` of each layer's units by weak diffuse fields.

    A diffuse field has i.i.d. Gaussian values of std ``amplitude`` x the layer's blob peak
    on every site: no blob, yet on a 40 x 40 lattice with amplitude 0.05 its Σ r² (4.0)
    equals a 2 x 2 block's, so it weighs as much as a real unit in any unweighted summary.

    Parameters
    ----------
    network : SyntheticNetwork
    fraction : float, default 0.5
        Share of units replaced (rounded down, at least one unit stays designed).
    amplitude : float, default 0.05
    seed : int, numpy.random.Generator or None

    Returns
    -------
    SyntheticNetwork
    """
    rng = as_generator(seed)
    fraction = check_finite("fraction", fraction)
    amplitude = check_finite("amplitude", amplitude)
    if not 0.0 <= fraction < 1.0 or amplitude <= 0:
        raise InputError("fraction must be in [0, 1) and amplitude positive")
    fields, designed = [], []
    for layer_fields, peak in zip(network.fields, network.notes["peaks"], strict=True):
        n_units = layer_fields.shape[0]
        replaced = rng.permutation(n_units)[: min(int(fraction * n_units), n_units - 1)]
        new = layer_fields.copy()
        new[replaced] = rng.normal(scale=amplitude * peak, size=(replaced.size, *new.shape[1:]))
        mask = np.ones(n_units, dtype=bool)
        mask[replaced] = False
        fields.append(new)
        designed.append(mask)
    return replace(
        network,
        name=f"{network.name} + {fraction:.0%} weak diffuse units",
        fields=fields,
        designed=designed,
    )


def gaussian_network(
    size: int = 40,
    n_layers: int = 3,
    sigma_1: float = 1.5,
    growth: float = 2.0,
    block_factor: int = 2,
) -> SyntheticNetwork:
    """Gaussian blobs of width σ_l = σ_1 growth^(l-1), centred on the b^l tiling grid.

    Unit j of layer l has r(x) = exp(-|x - c_j|² / (2 σ_l²)) (periodic minimum-image
    distance), with c_j the centre of the j-th b^l x b^l block. Known block side
    sqrt(6 σ_l² + 1) (the equivalent-block-side of R = σ_l), growth → ``growth``.

    Returns
    -------
    SyntheticNetwork
    """
    size = check_int("size", size, minimum=2)
    n_layers = check_int("n_layers", n_layers, minimum=1)
    b = check_int("block_factor", block_factor, minimum=2)
    sigma_1 = check_finite("sigma_1", sigma_1)
    growth = check_finite("growth", growth)
    if size % b**n_layers or sigma_1 <= 0 or growth <= 0:
        raise InputError("size must divide by block_factor**n_layers; sigma_1, growth > 0")
    sites = np.arange(size, dtype=np.float64)
    fields, sides = [], []
    for layer in range(1, n_layers + 1):
        block = b**layer
        sigma = sigma_1 * growth ** (layer - 1)
        centres = np.arange(size // block) * block + (block - 1) / 2.0
        delta = sites[None, :] - centres[:, None]
        delta -= size * np.round(delta / size)
        profile = np.exp(-(delta**2) / (2 * sigma**2))  # (n_grid, L), separable
        layer_fields = np.einsum("ai,bj->abij", profile, profile).reshape(-1, size, size)
        fields.append(layer_fields)
        sides.append(float(equivalent_block_side(sigma)))
    return SyntheticNetwork(
        name=f"Gaussian blobs σ_1 = {sigma_1:g}, growth {growth:g}",
        fields=fields,
        designed=[np.ones(f.shape[0], dtype=bool) for f in fields],
        block_side=sides,
        growth=float(growth),
        notes={"peaks": [1.0] * n_layers},
    )
