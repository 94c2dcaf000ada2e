"""Effective receptive fields of a deep network and how local they are.

Mehta & Schwab (arXiv:1410.3831, Fig. 3) show the *effective receptive field* of a hidden
unit in layer l of a deep belief network trained on 2D Ising configurations,

    r^(1) = W^(1),    r^(l) = r^(l-1) W^(l),

each column reshaped to the L x L lattice, and read block-spin RG into the pictures: local
blobs that grow with depth. This module turns the pictures into numbers:

- :func:`window_fraction` — the largest fraction of Σ r² inside any periodic
  ``window x window`` placement (1 for a field confined to such a window; window²/L² for a
  uniform field);
- :func:`radius_of_gyration` — the r²-weighted rms distance from the field's periodic
  centre (:func:`field_centers`);
- :func:`receptive_field_locality` — both, summarised per layer beside a control made of
  the same fields with their site values shuffled spatially (:func:`shuffle_sites`);
- :func:`receptive_field_growth` — typical size from layer to layer, against Kadanoff's b = 2.

Geometry is periodic throughout: a blob that wraps across the lattice boundary counts as
one blob. Distances are in units of the original lattice spacing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .._random import SeedLike, as_generator
from ..errors import InputError, check_int
from ._common import (
    KADANOFF_FACTOR,
    Spread,
    as_fields,
    as_real_array,
    as_window,
    periodic_box_sums,
    spread,
)

__all__ = [
    "GrowthResult",
    "LocalityResult",
    "WindowFit",
    "best_window",
    "effective_receptive_fields",
    "field_centers",
    "field_orientation",
    "layer_window",
    "radius_of_gyration",
    "receptive_field_growth",
    "receptive_field_locality",
    "shuffle_sites",
    "uniform_radius_of_gyration",
    "window_fraction",
    "window_side_for_fraction",
]


def layer_window(layer: int, block_factor: int = KADANOFF_FACTOR) -> int:
    """Window side 2 b^l used to judge the locality of layer ``layer`` (1-based).

    A block-spin step of factor b makes a layer-l coarse spin depend on a b^l x b^l block;
    the window is twice that side to leave room for a soft edge.
    """
    layer = check_int("layer", layer, minimum=1)
    block_factor = check_int("block_factor", block_factor, minimum=2)
    return 2 * block_factor**layer


def effective_receptive_fields(
    weights: Sequence[object], lattice_shape: tuple[int, int]
) -> list[np.ndarray]:
    """Effective receptive fields r^(l) = W^(1) W^(2) ... W^(l) of every layer.

    Parameters
    ----------
    weights : sequence of array_like
        Weight matrices of the stacked layers, W^(1) of shape (n_sites, n_1), W^(2) of
        shape (n_1, n_2), ... (deeprg's model-file layout ``layers/k/weights``).
    lattice_shape : tuple of int
        (L1, L2) with L1 * L2 = n_sites.

    Returns
    -------
    list of numpy.ndarray
        Entry l - 1 has shape (n_l, L1, L2): the field of each unit of layer l on the
        lattice (the paper's Fig. 3 images).
    """
    if len(weights) == 0:
        raise InputError("weights is empty; pass the list of weight matrices, first layer first")
    if len(lattice_shape) != 2:
        raise InputError(f"lattice_shape must be (L1, L2), got {lattice_shape!r}")
    rows = check_int("lattice_shape[0]", lattice_shape[0], minimum=1)
    cols = check_int("lattice_shape[1]", lattice_shape[1], minimum=1)
    fields = []
    product = None
    for index, matrix in enumerate(weights):
        w = as_real_array(f"weights[{index}]", matrix, 2, "(n_in, n_out)")
        if product is None:
            if w.shape[0] != rows * cols:
                raise InputError(
                    f"weights[0] has {w.shape[0]} rows but the lattice {rows}x{cols} has "
                    f"{rows * cols} sites; pass the matching lattice_shape"
                )
            product = w
        else:
            if w.shape[0] != product.shape[1]:
                raise InputError(
                    f"weights[{index}] has {w.shape[0]} rows, expected {product.shape[1]} "
                    "(the previous layer's hidden units)"
                )
            product = product @ w
        fields.append(np.ascontiguousarray(product.T).reshape(-1, rows, cols))
    return fields


@dataclass(frozen=True)
class WindowFit:
    """Best periodic window of each field.

    Attributes
    ----------
    fraction : numpy.ndarray of shape (n_fields,)
        Largest fraction of Σ r² inside a window (NaN for an all-zero field).
    corner : numpy.ndarray of shape (n_fields, 2), int
        (row, column) of the top-left site of that window; it covers rows
        corner[0] .. corner[0] + window - 1 modulo L1, and likewise for columns.
    window : int
        The window side used (clipped to the lattice size).
    """

    fraction: np.ndarray
    corner: np.ndarray
    window: int


def best_window(fields: object, window: int) -> WindowFit:
    """Find, for every field, the periodic window holding the largest share of Σ r².

    Parameters
    ----------
    fields : array_like of shape (n_fields, L1, L2)
        Receptive fields on a periodic lattice.
    window : int
        Window side (>= 1); sides beyond the lattice are clipped to min(L1, L2).

    Returns
    -------
    WindowFit
    """
    arr = as_fields(fields)
    n_fields, rows, cols = arr.shape
    side = as_window(window, min(rows, cols))
    weight = arr**2
    total = weight.sum(axis=(1, 2))
    box = periodic_box_sums(weight, side).reshape(n_fields, -1)
    flat_best = np.argmax(box, axis=1)
    best = box[np.arange(n_fields), flat_best]
    with np.errstate(invalid="ignore", divide="ignore"):
        fraction = np.where(total > 0, best / np.where(total > 0, total, 1.0), np.nan)
    fraction = np.minimum(fraction, 1.0)  # cumulative-sum rounding can exceed 1 by ~1e-16
    corner = np.stack(np.unravel_index(flat_best, (rows, cols)), axis=1)
    return WindowFit(fraction=fraction, corner=corner, window=side)


def window_fraction(fields: object, window: int) -> np.ndarray:
    """Largest fraction of Σ r² inside any periodic ``window x window`` placement.

    Parameters
    ----------
    fields : array_like of shape (n_fields, L1, L2)
    window : int
        Window side (>= 1), clipped to the lattice.

    Returns
    -------
    numpy.ndarray of shape (n_fields,)
        Values in [window²/(L1 L2), 1] (NaN for an all-zero field). A field confined to a
        window gives 1; a uniform field gives window²/(L1 L2).
    """
    return best_window(fields, window).fraction


def window_side_for_fraction(fields: object, fraction: float = 0.5) -> np.ndarray:
    """Smallest window side whose best periodic placement holds ``fraction`` of Σ r².

    A size measure of a receptive field in lattice spacings (for 0.5: the side of the
    square "half-mass" window).

    Parameters
    ----------
    fields : array_like of shape (n_fields, L1, L2)
    fraction : float, default 0.5
        Target share of Σ r², in (0, 1].

    Returns
    -------
    numpy.ndarray of shape (n_fields,), float64
        Window sides in 1 .. min(L1, L2) (NaN for an all-zero field).
    """
    arr = as_fields(fields)
    fraction = float(fraction)
    if not 0.0 < fraction <= 1.0:
        raise InputError(f"fraction must be in (0, 1], got {fraction}")
    n_fields, rows, cols = arr.shape
    sides = np.full(n_fields, np.nan)
    pending = np.ones(n_fields, dtype=bool)
    tolerance = 1e-12
    for side in range(1, min(rows, cols) + 1):
        found = window_fraction(arr[pending], side) >= fraction - tolerance
        index = np.flatnonzero(pending)[found]
        sides[index] = side
        pending[index] = False
        if not pending.any():
            break
    return sides


def _axis_moments(weight: np.ndarray, period: int) -> tuple[np.ndarray, np.ndarray]:
    """Exact periodic centre and second moment of 1D weights on a ring.

    Minimises f(c) = Σ_i w_i d(i, c)² over real c, with d the distance on the ring of
    ``period`` sites. The minimum image of site i relative to c changes only at
    c ≡ i + period/2, so f is a quadratic on each of ``period`` unit intervals between
    those points; its minimiser there is the weighted mean of the unwrapped positions,
    clipped to the interval. The best interval wins.

    Parameters
    ----------
    weight : numpy.ndarray of shape (n, period), non-negative
    period : int

    Returns
    -------
    centre : numpy.ndarray of shape (n,), in [0, period)
    moment : numpy.ndarray of shape (n,)
        min_c f(c) (not divided by the total weight).
    """
    sites = np.arange(period, dtype=np.float64)
    midpoints = np.arange(period) + (period / 2.0) % 1.0 + 0.5  # interval centres
    # unwrapped offsets of every site from every interval centre, never a tie at ±period/2
    offset = sites[None, :] - midpoints[:, None]
    offset -= period * np.round(offset / period)
    total = weight.sum(axis=1, keepdims=True)
    first = weight @ offset.T  # (n, period)
    second = weight @ (offset**2).T
    with np.errstate(invalid="ignore", divide="ignore"):
        shift = np.clip(first / total, -0.5, 0.5)
    moment = second - 2.0 * shift * first + shift**2 * total
    best = np.argmin(moment, axis=1)
    rows = np.arange(weight.shape[0])
    centre = np.mod(midpoints[best] + shift[rows, best], period)
    return centre, moment[rows, best]


def field_centers(fields: object) -> np.ndarray:
    """Periodic centre of each field, weighted by r².

    The centre is the point c of the torus that minimises the periodic second moment
    Σ_x r(x)² |x - c|², with |.| the minimum-image distance. Because the minimum-image
    distance on a torus separates into its two axes, the minimisation is exact and done
    per axis on the marginal weights (see ``_axis_moments``); unlike a circular mean it
    is the centre that :func:`radius_of_gyration` uses.

    Parameters
    ----------
    fields : array_like of shape (n_fields, L1, L2)

    Returns
    -------
    numpy.ndarray of shape (n_fields, 2)
        (row, column) coordinates in [0, L1) x [0, L2), in lattice spacings; NaN for an
        all-zero field.
    """
    return _centres_and_radii(as_fields(fields))[0]


def radius_of_gyration(fields: object) -> np.ndarray:
    """Periodic radius of gyration R_g = sqrt(min_c Σ r² |x - c|² / Σ r²).

    Parameters
    ----------
    fields : array_like of shape (n_fields, L1, L2)

    Returns
    -------
    numpy.ndarray of shape (n_fields,)
        In lattice spacings (NaN for an all-zero field). A single site gives 0, a uniform
        3x3 block sqrt(4/3), a uniform field :func:`uniform_radius_of_gyration`.
    """
    return _centres_and_radii(as_fields(fields))[1]


def _centres_and_radii(arr: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    weight = arr**2
    total = weight.sum(axis=(1, 2))
    centre_row, moment_row = _axis_moments(weight.sum(axis=2), arr.shape[1])
    centre_col, moment_col = _axis_moments(weight.sum(axis=1), arr.shape[2])
    empty = total <= 0
    with np.errstate(invalid="ignore", divide="ignore"):
        radius = np.sqrt(np.maximum(moment_row + moment_col, 0.0) / total)
    centres = np.stack([centre_row, centre_col], axis=1)
    centres[empty] = np.nan
    radius[empty] = np.nan
    return centres, radius


def uniform_radius_of_gyration(lattice_shape: tuple[int, int]) -> float:
    """R_g of a uniform field on a periodic L1 x L2 lattice (the non-local ceiling).

    Per axis of L sites the smallest mean squared minimum-image distance from a real
    centre is (L² - 1)/12 (for even L the best centre sits half-way between two sites,
    for odd L on a site), so R_g = sqrt((L1² - 1)/12 + (L2² - 1)/12), 16.32 for L = 40.
    """
    total = 0.0
    for size in lattice_shape:
        size = check_int("lattice size", size, minimum=1)
        total += (size**2 - 1) / 12.0
    return float(np.sqrt(total))


def field_orientation(fields: object, window: int) -> np.ndarray:
    """Sign (±1) of each field's sum over its best periodic window.

    A hidden unit's sign convention is arbitrary: one unit switches on for a + domain,
    another for a − domain. The sign of Σ r inside the unit's best window says which; it
    orients hidden-unit activations so that their correlations can be compared
    (:func:`deeprg.analysis.representation_correlation_length`). A zero sum gives +1.

    Parameters
    ----------
    fields : array_like of shape (n_fields, L1, L2)
    window : int
        Window side, e.g. :func:`layer_window`.

    Returns
    -------
    numpy.ndarray of shape (n_fields,), values ±1.0
    """
    arr = as_fields(fields)
    fit = best_window(arr, window)
    sums = periodic_box_sums(arr, fit.window)
    local = sums[np.arange(arr.shape[0]), fit.corner[:, 0], fit.corner[:, 1]]
    return np.where(local < 0, -1.0, 1.0)


def shuffle_sites(fields: object, seed: SeedLike = None) -> np.ndarray:
    """The fields with their site values permuted at random, independently per field.

    The control for locality: it keeps every field's values (so Σ r² and the value
    distribution) and destroys only their arrangement on the lattice.

    Parameters
    ----------
    fields : array_like of shape (n_fields, L1, L2)
    seed : int, numpy.random.Generator or None

    Returns
    -------
    numpy.ndarray of shape (n_fields, L1, L2)
    """
    arr = as_fields(fields)
    rng = as_generator(seed)
    return rng.permuted(arr.reshape(arr.shape[0], -1), axis=1).reshape(arr.shape)


@dataclass(frozen=True)
class LocalityResult:
    """Locality of one layer's receptive fields beside a spatially shuffled control.

    Attributes
    ----------
    window : int
        Window side used for the window fraction.
    window_fraction, window_fraction_control : Spread
        Per-field best-window share of Σ r², for the fields and for the shuffled fields.
    radius_of_gyration, radius_of_gyration_control : Spread
        Per-field periodic R_g (lattice spacings), fields and shuffled fields.
    uniform_window_fraction : float
        window² / (L1 L2), what a perfectly non-local (uniform) field gives. The shuffled
        control sits above it when the fields are sparse (a few large values, which some
        window still catches together): e.g. 0.29 for Gaussian blobs of width 1.5 on
        32 x 32 with window 8, against 0.06 uniform and 1.0 for the blobs themselves.
    uniform_radius_of_gyration : float
        R_g of a uniform field, the non-local ceiling.
    """

    window: int
    window_fraction: Spread
    window_fraction_control: Spread
    radius_of_gyration: Spread
    radius_of_gyration_control: Spread
    uniform_window_fraction: float
    uniform_radius_of_gyration: float

    def as_dict(self) -> dict:
        """Nested dict of plain floats (for ``metrics.json``)."""
        return {
            "window": self.window,
            "window_fraction": self.window_fraction.as_dict(),
            "window_fraction_control": self.window_fraction_control.as_dict(),
            "radius_of_gyration": self.radius_of_gyration.as_dict(),
            "radius_of_gyration_control": self.radius_of_gyration_control.as_dict(),
            "uniform_window_fraction": self.uniform_window_fraction,
            "uniform_radius_of_gyration": self.uniform_radius_of_gyration,
        }


def receptive_field_locality(fields: object, window: int, seed: SeedLike = None) -> LocalityResult:
    """Window fraction and radius of gyration of a layer's fields, with shuffled control.

    Parameters
    ----------
    fields : array_like of shape (n_fields, L1, L2)
        Effective receptive fields of one layer.
    window : int
        Window side; for layer l the analysis uses :func:`layer_window` (2 b^l, b = 2).
    seed : int, numpy.random.Generator or None
        Seeds the spatial shuffle of the control.

    Returns
    -------
    LocalityResult
    """
    arr = as_fields(fields)
    control = shuffle_sites(arr, seed)
    side = as_window(window, min(arr.shape[1:]))
    return LocalityResult(
        window=side,
        window_fraction=spread(window_fraction(arr, side)),
        window_fraction_control=spread(window_fraction(control, side)),
        radius_of_gyration=spread(radius_of_gyration(arr)),
        radius_of_gyration_control=spread(radius_of_gyration(control)),
        uniform_window_fraction=side**2 / float(arr.shape[1] * arr.shape[2]),
        uniform_radius_of_gyration=uniform_radius_of_gyration(arr.shape[1:]),
    )


@dataclass(frozen=True)
class GrowthResult:
    """Typical receptive-field size per layer and its growth from layer to layer.

    Attributes
    ----------
    radius_of_gyration : numpy.ndarray of shape (n_layers,)
        Median periodic R_g per layer (lattice spacings).
    half_window_side : numpy.ndarray of shape (n_layers,)
        Median side of the smallest window holding ``fraction`` of Σ r², per layer.
    radius_ratio, half_window_ratio : numpy.ndarray of shape (n_layers - 1,)
        Layer l+1 over layer l, to compare with Kadanoff's b.
    radius_ratio_mean, half_window_ratio_mean : float
        Geometric means of the ratios (NaN with fewer than two layers).
    block_factor : int
        Kadanoff's b the ratios should approach.
    saturation_radius : float
        R_g of a uniform field: sizes near it no longer measure growth.
    fraction : float
        The share of Σ r² defining ``half_window_side``.
    """

    radius_of_gyration: np.ndarray
    half_window_side: np.ndarray
    radius_ratio: np.ndarray
    half_window_ratio: np.ndarray
    radius_ratio_mean: float
    half_window_ratio_mean: float
    block_factor: int
    saturation_radius: float
    fraction: float

    def as_dict(self) -> dict:
        """Dict of plain floats and lists (for ``metrics.json``)."""
        return {
            "radius_of_gyration": self.radius_of_gyration.tolist(),
            "half_window_side": self.half_window_side.tolist(),
            "radius_ratio": self.radius_ratio.tolist(),
            "half_window_ratio": self.half_window_ratio.tolist(),
            "radius_ratio_mean": self.radius_ratio_mean,
            "half_window_ratio_mean": self.half_window_ratio_mean,
            "block_factor": self.block_factor,
            "saturation_radius": self.saturation_radius,
            "fraction": self.fraction,
        }


def _geometric_mean(ratios: np.ndarray) -> float:
    good = ratios[np.isfinite(ratios) & (ratios > 0)]
    return float(np.exp(np.mean(np.log(good)))) if good.size else float("nan")


def receptive_field_growth(
    fields_per_layer: Sequence[object],
    fraction: float = 0.5,
    block_factor: int = KADANOFF_FACTOR,
) -> GrowthResult:
    """Growth of the typical receptive-field size from layer to layer.

    Block-spin RG with factor b makes the region a coarse spin depends on grow by b per
    step; this measures the network's factor with two size measures (median R_g and the
    median half-mass window side). On a finite lattice sizes saturate near the uniform
    field's R_g (16.3 for L = 40), so late ratios fall below b even for a perfect RG.

    Parameters
    ----------
    fields_per_layer : sequence of array_like
        Entry l - 1 of shape (n_l, L1, L2), all on the same lattice.
    fraction : float, default 0.5
        Share of Σ r² for the window-side measure.
    block_factor : int, default 2
        Kadanoff's b (reported beside the ratios).

    Returns
    -------
    GrowthResult
    """
    if len(fields_per_layer) == 0:
        raise InputError("fields_per_layer is empty; pass one (n_l, L, L) array per layer")
    block_factor = check_int("block_factor", block_factor, minimum=2)
    layers = [as_fields(fields) for fields in fields_per_layer]
    if len({layer.shape[1:] for layer in layers}) != 1:
        raise InputError("all layers' fields must live on the same lattice (n_l, L, L)")
    radius = np.array([np.nanmedian(radius_of_gyration(layer)) for layer in layers])
    half = np.array([np.nanmedian(window_side_for_fraction(layer, fraction)) for layer in layers])
    radius_ratio = radius[1:] / radius[:-1]
    half_ratio = half[1:] / half[:-1]
    return GrowthResult(
        radius_of_gyration=radius,
        half_window_side=half,
        radius_ratio=radius_ratio,
        half_window_ratio=half_ratio,
        radius_ratio_mean=_geometric_mean(radius_ratio),
        half_window_ratio_mean=_geometric_mean(half_ratio),
        block_factor=block_factor,
        saturation_radius=uniform_radius_of_gyration(layers[0].shape[1:]),
        fraction=float(fraction),
    )
