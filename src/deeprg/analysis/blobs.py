"""Robust size and locality of receptive fields: measured on the blob, not the noise floor.

A trained layer's effective receptive field r (:func:`deeprg.analysis.effective_receptive_fields`)
is typically a sharp blob on a faint background of small weights spread over the whole
lattice. Whole-lattice moments such as the radius of gyration weight that background by
|x - c|², so on a 40 x 40 lattice a background holding a third of Σ r² makes a 2 x 2 blob
look 8 sites wide. This module measures the blob itself:

1. **Background.** Its level μ = median(r) and noise σ = 1.4826 · median|r - μ| (the
   median absolute deviation, which ignores a blob covering less than half the lattice).
2. **Blob power.** w(x) = (r(x) - μ)² - σ²: the background's expected contribution is
   subtracted site by site, so Σ w over a region estimates the blob's power in it without
   bias, whatever the region's size.
3. **Adaptive aperture.** Starting from the strongest 3 x 3 box, the centre c (the w⁺-weighted
   periodic mean) and the core radius R² = Σ w |x - c|² / Σ w are computed inside a square
   aperture of half-width a around c, and a is set to ⌈2.5 R⌉ + 1 until it stops changing
   (2.5 R holds all of a uniform block and 99 % of a Gaussian blob's R²).
4. **Equivalent block side** s = sqrt(6 R² + 1): the side of the uniform square block of
   sites with the same second moment (exactly b for a uniform b x b block, ≈ sqrt(6) σ for a
   Gaussian blob exp(-|x|²/2σ²)). This is what is compared with Kadanoff's b^l.

Units whose peak |r - μ| is below ``sqrt(2 ln N) + 2`` noise σ (N sites: the largest of N
Gaussian values is about sqrt(2 ln N)), whose blob holds less than ``min_blob_share`` of
the field's power, or whose aperture and block side reach half the lattice, are **diffuse**: they have no
blob to measure. Units whose blob power is below ``weak_fraction`` of the layer's strongest
are **weak**. Layer summaries (:func:`summarize_blobs`) use the remaining **active** units,
weighting each by its blob power, and report the diffuse and weak fractions.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._random import SeedLike
from ..errors import InputError, check_finite
from ..stats import bootstrap_stderr
from ._common import as_fields, as_window, periodic_box_sums

__all__ = [
    "BlobLayerSummary",
    "BlobMeasures",
    "blob_locality",
    "equivalent_block_side",
    "measure_blobs",
    "summarize_blobs",
    "weighted_median",
]

#: Median absolute deviation -> standard deviation of a Gaussian.
_MAD_TO_SIGMA = 1.4826
_MAX_ITERATIONS = 30
#: Aperture half-width in core radii (2.5 R holds a uniform block and 99 % of a Gaussian blob's R²).
_APERTURE_RADII = 2.5


def equivalent_block_side(radius: object) -> np.ndarray:
    """Side of the uniform square block of sites with core radius ``radius``.

    A uniform b x b block of sites has, per axis, the variance (b² - 1)/12 of b equally
    spaced points, so R² = (b² - 1)/6 and b = sqrt(6 R² + 1).

    Parameters
    ----------
    radius : array_like
        Core radii R (lattice spacings).

    Returns
    -------
    numpy.ndarray
        sqrt(6 R² + 1), same shape.
    """
    r = np.asarray(radius, dtype=np.float64)
    return np.sqrt(6.0 * r**2 + 1.0)


@dataclass(frozen=True)
class BlobMeasures:
    """Per-field measurements of the blob in each receptive field.

    Attributes
    ----------
    background_level, background_noise : numpy.ndarray of shape (n_fields,)
        μ = median(r) and σ = 1.4826 median|r - μ|.
    peak_snr : numpy.ndarray of shape (n_fields,)
        max|r - μ| / σ (inf for a noise-free field).
    center : numpy.ndarray of shape (n_fields, 2)
        Blob centre (row, column) in [0, L1) x [0, L2).
    radius : numpy.ndarray of shape (n_fields,)
        Core radius R = sqrt(Σ w |x - c|² / Σ w) inside the aperture (lattice spacings).
    block_side : numpy.ndarray of shape (n_fields,)
        Equivalent block side sqrt(6 R² + 1) (lattice spacings).
    aperture : numpy.ndarray of shape (n_fields,), int
        Half-width a of the final square aperture (it spans 2a + 1 sites per axis).
    strength : numpy.ndarray of shape (n_fields,)
        Blob power Σ_aperture w.
    blob_share : numpy.ndarray of shape (n_fields,)
        Blob power over the field's power about its background level, Σ w / Σ (r - μ)².
    background_share : numpy.ndarray of shape (n_fields,)
        Share of the field's power in the background, N σ² / Σ (r - μ)².
    sign : numpy.ndarray of shape (n_fields,)
        Sign (±1) of Σ (r - μ) over the aperture: whether the unit switches on for a + or
        a − domain (orients activations for correlations; +1 for a zero sum).
    saturated : numpy.ndarray of shape (n_fields,), bool
        The aperture reached the lattice and the block side half the lattice: the field
        is as large as the lattice allows.
    diffuse, weak, active : numpy.ndarray of shape (n_fields,), bool
        Classification (module docstring); ``active`` = not diffuse and not weak.
    snr_threshold : float
        The peak-SNR threshold used.
    """

    background_level: np.ndarray
    background_noise: np.ndarray
    peak_snr: np.ndarray
    center: np.ndarray
    radius: np.ndarray
    block_side: np.ndarray
    aperture: np.ndarray
    strength: np.ndarray
    blob_share: np.ndarray
    background_share: np.ndarray
    sign: np.ndarray
    saturated: np.ndarray
    diffuse: np.ndarray
    weak: np.ndarray
    active: np.ndarray
    snr_threshold: float


def _offsets(center: np.ndarray, period: int) -> np.ndarray:
    """Minimum-image offsets x - c of every site along one axis, shape (n, period)."""
    sites = np.arange(period, dtype=np.float64)
    delta = sites[None, :] - center[:, None]
    return delta - period * np.round(delta / period)


def _background(arr: np.ndarray, exclude: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Median level and MAD noise of each field over the sites not in ``exclude``.

    Falls back to all sites for a field with fewer than a quarter of its sites left.
    """
    n_fields = arr.shape[0]
    flat = arr.reshape(n_fields, -1)
    mask = exclude.reshape(n_fields, -1)
    too_few = (~mask).sum(axis=1) < flat.shape[1] // 4
    mask = mask & ~too_few[:, None]
    values = np.where(mask, np.nan, flat)
    level = np.nanmedian(values, axis=1)
    noise = _MAD_TO_SIGMA * np.nanmedian(np.abs(values - level[:, None]), axis=1)
    return level, noise


def _fit_apertures(
    arr: np.ndarray, level: np.ndarray, noise: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Adaptive square apertures (module docstring, step 3) of every field.

    Returns
    -------
    center : (n, 2); aperture : (n,) int half-widths; radius : (n,) core radii;
    strength : (n,) blob power Σ_aperture w; inside : (n, L1, L2) bool aperture masks.
    """
    n_fields, rows, cols = arr.shape
    weight = (arr - level[:, None, None]) ** 2 - (noise**2)[:, None, None]
    positive = np.maximum(weight, 0.0)
    # start: centre of the strongest 3 x 3 box of positive blob power
    start = as_window(3, min(rows, cols))
    box = periodic_box_sums(positive, start).reshape(n_fields, -1)
    corner = np.stack(np.unravel_index(np.argmax(box, axis=1), (rows, cols)), axis=1)
    center = np.mod(corner + (start - 1) / 2.0, (rows, cols)).astype(np.float64)
    max_half = (min(rows, cols) - 1) // 2
    aperture = np.full(n_fields, min(2, max_half), dtype=np.int64)
    for _ in range(_MAX_ITERATIONS):
        dy, dx = _offsets(center[:, 0], rows), _offsets(center[:, 1], cols)
        inside = (np.abs(dy)[:, :, None] <= aperture[:, None, None]) & (
            np.abs(dx)[:, None, :] <= aperture[:, None, None]
        )
        # recentre on the positive blob power inside the aperture
        p_in = np.where(inside, positive, 0.0)
        p_total = p_in.sum(axis=(1, 2))
        safe = np.where(p_total > 0, p_total, 1.0)
        shift = np.stack(
            [
                (p_in.sum(axis=2) * dy).sum(axis=1) / safe,
                (p_in.sum(axis=1) * dx).sum(axis=1) / safe,
            ],
            axis=1,
        )
        center = np.mod(center + shift, (rows, cols))
        dy, dx = _offsets(center[:, 0], rows), _offsets(center[:, 1], cols)
        w_in = np.where(inside, weight, 0.0)
        strength = w_in.sum(axis=(1, 2))
        distance_sq = dy[:, :, None] ** 2 + dx[:, None, :] ** 2
        with np.errstate(divide="ignore", invalid="ignore"):
            radius_sq = (w_in * distance_sq).sum(axis=(1, 2)) / strength
        radius = np.sqrt(np.clip(np.nan_to_num(radius_sq, nan=0.0), 0.0, None))
        new_aperture = np.minimum(np.ceil(_APERTURE_RADII * radius).astype(np.int64) + 1, max_half)
        new_aperture = np.maximum(new_aperture, min(2, max_half))
        if np.array_equal(new_aperture, aperture):
            break
        aperture = np.maximum(aperture, new_aperture)  # grow only: guarantees termination
    return center, aperture, radius, strength, inside


def measure_blobs(
    fields: object,
    snr_threshold: float | None = None,
    min_blob_share: float = 0.25,
    weak_fraction: float = 0.1,
) -> BlobMeasures:
    """Background, centre, size and strength of the blob in every receptive field.

    Parameters
    ----------
    fields : array_like of shape (n_fields, L1, L2)
        Receptive fields on a periodic lattice (one layer's r^(l)).
    snr_threshold : float, optional
        Peak |r - μ| / σ below which a field is diffuse; default sqrt(2 ln N) + 2 with
        N = L1 L2 (5.8 for 40 x 40).
    min_blob_share : float, default 0.25
        A field whose blob holds less than this share of its power is diffuse.
    weak_fraction : float, default 0.1
        A non-diffuse field whose blob power is below this fraction of the strongest one
        in ``fields`` is weak.

    Returns
    -------
    BlobMeasures
    """
    arr = as_fields(fields)
    n_fields, rows, cols = arr.shape
    n_sites = rows * cols
    if snr_threshold is None:
        snr_threshold = float(np.sqrt(2.0 * np.log(n_sites)) + 2.0)
    snr_threshold = check_finite("snr_threshold", snr_threshold)
    min_blob_share = check_finite("min_blob_share", min_blob_share)
    weak_fraction = check_finite("weak_fraction", weak_fraction)

    # pass 1: background from every site; pass 2: from the sites outside pass 1's aperture
    # (a blob larger than a few per cent of the lattice would otherwise raise the median)
    level, noise = _background(arr, np.zeros(arr.shape, dtype=bool))
    center, aperture, radius, strength, inside = _fit_apertures(arr, level, noise)
    level, noise = _background(arr, inside)
    center, aperture, radius, strength, inside = _fit_apertures(arr, level, noise)
    deviation = arr - level[:, None, None]
    total_power = (deviation**2).sum(axis=(1, 2))
    with np.errstate(divide="ignore", invalid="ignore"):
        peak_snr = np.abs(deviation).reshape(n_fields, -1).max(axis=1) / noise
    max_half = (min(rows, cols) - 1) // 2
    sign = np.where(np.where(inside, deviation, 0.0).sum(axis=(1, 2)) < 0, -1.0, 1.0)

    with np.errstate(divide="ignore", invalid="ignore"):
        blob_share = np.where(total_power > 0, strength / total_power, np.nan)
        background_share = np.where(total_power > 0, n_sites * noise**2 / total_power, np.nan)
    # a blob whose equivalent side reaches half the lattice is as large as the lattice
    # allows: its size no longer measures growth (its aperture is capped at L/2 as well)
    saturated = (equivalent_block_side(radius) >= min(rows, cols) / 2.0) & (aperture >= max_half)
    diffuse = (
        ~(peak_snr >= snr_threshold) | ~(blob_share >= min_blob_share) | saturated | ~(strength > 0)
    )
    strongest = strength[~diffuse].max() if (~diffuse).any() else 0.0
    weak = ~diffuse & (strength < weak_fraction * strongest)
    radius = np.where(strength > 0, radius, np.nan)
    return BlobMeasures(
        background_level=level,
        background_noise=noise,
        peak_snr=peak_snr,
        center=center,
        radius=radius,
        block_side=equivalent_block_side(radius),
        aperture=aperture,
        strength=strength,
        blob_share=blob_share,
        background_share=background_share,
        sign=sign,
        saturated=saturated,
        diffuse=diffuse,
        weak=weak,
        active=~diffuse & ~weak,
        snr_threshold=float(snr_threshold),
    )


def blob_locality(fields: object, window: int, blobs: BlobMeasures | None = None) -> np.ndarray:
    """Share of each field's blob power inside its best periodic ``window x window`` box.

    The noise-floor-free counterpart of :func:`deeprg.analysis.window_fraction`: the
    background's expected power σ² per site is subtracted before summing, so a local blob
    on an i.i.d. background scores about 1 however large the lattice, and the same values
    shuffled over the lattice score about window²/N.

    Parameters
    ----------
    fields : array_like of shape (n_fields, L1, L2)
    window : int
        Box side (clipped to the lattice).
    blobs : BlobMeasures, optional
        :func:`measure_blobs` of the same fields (recomputed if None).

    Returns
    -------
    numpy.ndarray of shape (n_fields,)
        Values clipped to [0, 1]; NaN where the field has no positive blob power.
    """
    arr = as_fields(fields)
    blobs = measure_blobs(arr) if blobs is None else blobs
    if blobs.center.shape[0] != arr.shape[0]:
        raise InputError("blobs must come from measure_blobs of the same fields")
    side = as_window(window, min(arr.shape[1:]))
    deviation = arr - blobs.background_level[:, None, None]
    weight = deviation**2 - (blobs.background_noise**2)[:, None, None]
    total = weight.sum(axis=(1, 2))
    best = periodic_box_sums(weight, side).reshape(arr.shape[0], -1).max(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(total > 0, best / total, np.nan)
    return np.clip(share, 0.0, 1.0)


def weighted_median(values: object, weights: object) -> float:
    """Median of ``values`` with non-negative ``weights`` (NaN if no positive weight).

    The smallest value at which the cumulative weight reaches half the total; with equal
    weights and an even count, the mean of the two middle values.
    """
    v = np.asarray(values, dtype=np.float64).ravel()
    w = np.asarray(weights, dtype=np.float64).ravel()
    if v.shape != w.shape:
        raise InputError(f"values and weights must have the same shape, got {v.shape}, {w.shape}")
    keep = np.isfinite(v) & np.isfinite(w) & (w > 0)
    if not keep.any():
        return float("nan")
    v, w = v[keep], w[keep]
    order = np.argsort(v, kind="stable")
    v, w = v[order], w[order]
    cumulative = np.cumsum(w)
    half = 0.5 * cumulative[-1]
    index = int(np.searchsorted(cumulative, half - 1e-12 * cumulative[-1]))
    if np.isclose(cumulative[index], half, rtol=1e-12) and index + 1 < v.size:
        return float(0.5 * (v[index] + v[index + 1]))
    return float(v[index])


@dataclass(frozen=True)
class BlobLayerSummary:
    """One layer's blob measurements, summarised over its active units.

    Attributes
    ----------
    block_side : float
        Blob-power-weighted median equivalent block side of the active units (NaN if none).
    block_side_q25, block_side_q75 : float
        Weighted quartiles of the same.
    block_side_stderr : float
        Bootstrap standard error of ``block_side`` (active units resampled with
        replacement, 200 times; NaN with fewer than 2 active units).
    locality : float
        Blob-power-weighted median :func:`blob_locality` of the active units.
    locality_control : float
        The same for the fields with their sites shuffled (no locality left).
    background_share : float
        Median share of the active fields' power in the background.
    background_to_peak : float
        Median σ / max|r - μ| of the active fields (the background amplitude relative to
        the blob's peak, used to build realistic synthetic networks).
    n_units, n_active : int
    active_fraction, diffuse_fraction, weak_fraction : float
    saturated_fraction : float
        Share of units whose field is as large as the lattice.
    """

    block_side: float
    block_side_q25: float
    block_side_q75: float
    block_side_stderr: float
    locality: float
    locality_control: float
    background_share: float
    background_to_peak: float
    n_units: int
    n_active: int
    active_fraction: float
    diffuse_fraction: float
    weak_fraction: float
    saturated_fraction: float

    def as_dict(self) -> dict:
        """Plain floats (for ``metrics.json``)."""
        return dict(self.__dict__)


def _weighted_quantile(values: np.ndarray, weights: np.ndarray, q: float) -> float:
    keep = np.isfinite(values) & (weights > 0)
    if not keep.any():
        return float("nan")
    v, w = values[keep], weights[keep]
    order = np.argsort(v, kind="stable")
    cumulative = np.cumsum(w[order])
    return float(v[order][int(np.searchsorted(cumulative, q * cumulative[-1]))])


def _bootstrap_stderr(
    values: np.ndarray, weights: np.ndarray, seed: SeedLike, n_resamples: int = 200
) -> float:
    """Bootstrap standard error of the weighted median over the units with weight > 0."""
    keep = np.flatnonzero(np.isfinite(values) & (weights > 0))

    def median_of(draw: np.ndarray) -> float:
        return weighted_median(values[keep[draw]], weights[keep[draw]])

    return bootstrap_stderr(median_of, keep.size, seed, n_resamples)


def summarize_blobs(
    fields: object,
    window: int,
    blobs: BlobMeasures,
    control_fields: object,
    seed: SeedLike = 0,
) -> BlobLayerSummary:
    """Summarise one layer: weighted block side and locality of its active units.

    Parameters
    ----------
    fields : array_like of shape (n_fields, L1, L2)
    window : int
        Locality window side (2 b^l for layer l).
    blobs : BlobMeasures
        :func:`measure_blobs` of ``fields``.
    control_fields : array_like of shape (n_fields, L1, L2)
        The same fields with their sites shuffled (:func:`deeprg.analysis.shuffle_sites`).
    seed : int, numpy.random.Generator or None, default 0
        Seeds the bootstrap of ``block_side_stderr``.

    Returns
    -------
    BlobLayerSummary
    """
    arr = as_fields(fields)
    active = blobs.active
    weights = np.where(active, blobs.strength, 0.0)
    locality = blob_locality(arr, window, blobs)
    # shuffling keeps each field's values, so its background level and noise are the same
    control = blob_locality(control_fields, window, blobs)
    n_units = arr.shape[0]
    to_peak = np.where(blobs.background_noise > 0, 1.0 / blobs.peak_snr, 0.0)
    nan = float("nan")
    return BlobLayerSummary(
        block_side=weighted_median(blobs.block_side, weights),
        block_side_q25=_weighted_quantile(blobs.block_side, weights, 0.25),
        block_side_q75=_weighted_quantile(blobs.block_side, weights, 0.75),
        block_side_stderr=_bootstrap_stderr(blobs.block_side, weights, seed),
        locality=weighted_median(locality, weights),
        locality_control=float(np.nanmedian(control)) if np.isfinite(control).any() else nan,
        background_share=float(np.median(blobs.background_share[active])) if active.any() else nan,
        background_to_peak=float(np.median(to_peak[active])) if active.any() else nan,
        n_units=int(n_units),
        n_active=int(active.sum()),
        active_fraction=float(active.mean()),
        diffuse_fraction=float(blobs.diffuse.mean()),
        weak_fraction=float(blobs.weak.mean()),
        saturated_fraction=float(blobs.saturated.mean()),
    )
