"""Correlation length of a hidden representation, units placed at their receptive-field centres.

See :mod:`deeprg.analysis.correlations`.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise

import numpy as np

from ...errors import InputError, check_finite, check_int
from ...stats import block_jackknife, jackknife_stderr
from .._common import as_real_array, minimum_image, standardize_columns
from .decay import fit_exponential_length
from .second_moment import (
    _check_significance,
    _significance_verdict,
    _xi_from_structure_factors,
)

__all__ = ["RepresentationCorrelation", "representation_correlation_length"]


@dataclass(frozen=True)
class RepresentationCorrelation:
    """Correlation length of a layer's hidden representation.

    Attributes
    ----------
    xi_second_moment, xi_second_moment_stderr : float
        Second-moment length, original lattice spacings, with jackknife error.
    xi_exponential, xi_exponential_stderr : float
        Exponential fit to the binned correlation (:func:`fit_exponential_length`),
        original lattice spacings, with jackknife error (NaN when no decay was fitted).
        A rough, range-dependent measure: 2D correlations at distance d carry an extra
        d^{-1/2}, so at d ~ ξ the fit comes out short (ideal block-spin units, a sigmoid
        of the block magnetisation of 40x40 Ising samples at J = 0.408, give 4.6, 5.3, 6.2
        for b^l = 2, 4, 8 where ``xi_second_moment`` gives 7.6, 7.7, 8.0). Compare it with the same fit on block spins,
        not with ξ_0; ``xi_second_moment`` is the estimate to compare with ξ_0.
    spacing : float
        Spacing of the layer's units in lattice spacings (default L / sqrt(n_units), which
        is b^l for the 1600-400-100-25 network).
    xi_second_moment_coarse, xi_exponential_coarse : float
        The same lengths in units of ``spacing`` (RG expectation ξ_0 / b^l).
    distance, correlation, correlation_stderr, pair_count : numpy.ndarray of shape (n_bins,)
        Per distance bin (non-empty bins only): mean periodic distance between the unit
        centres of the pairs in it, their mean oriented Pearson correlation, its jackknife
        error, and the number of pairs.
    n_units : int
        Units used (those with non-zero variance).
    measurable : bool
        False when the second-moment length is not measurable — the reference ξ is below
        the unit spacing (then the exponential fit is skipped too), or χ/F - 1 is not
        significantly positive — and then it is NaN (the binned correlation is still
        returned; the exponential fit is NaN on its own when there is no decay).
    reason : str
        Why not measurable (one line); "" otherwise.
    aligned : bool
        Whether ``sample_signs`` aligned the activations (ordered phase).
    """

    xi_second_moment: float
    xi_second_moment_stderr: float
    xi_exponential: float
    xi_exponential_stderr: float
    spacing: float
    xi_second_moment_coarse: float
    xi_exponential_coarse: float
    distance: np.ndarray
    correlation: np.ndarray
    correlation_stderr: np.ndarray
    pair_count: np.ndarray
    n_units: int
    measurable: bool = True
    reason: str = ""
    aligned: bool = False

    def as_dict(self) -> dict:
        """Plain floats and lists (for ``metrics.json``)."""
        return {
            "xi_second_moment": self.xi_second_moment,
            "xi_second_moment_stderr": self.xi_second_moment_stderr,
            "xi_exponential": self.xi_exponential,
            "xi_exponential_stderr": self.xi_exponential_stderr,
            "spacing": self.spacing,
            "xi_second_moment_coarse": self.xi_second_moment_coarse,
            "xi_exponential_coarse": self.xi_exponential_coarse,
            "distance": self.distance.tolist(),
            "correlation": self.correlation.tolist(),
            "correlation_stderr": self.correlation_stderr.tolist(),
            "pair_count": self.pair_count.tolist(),
            "n_units": self.n_units,
            "measurable": self.measurable,
            "reason": self.reason,
            "aligned": self.aligned,
        }


def representation_correlation_length(
    activations: object,
    centers: object,
    lattice_size: int,
    orientation: object | None = None,
    spacing: float | None = None,
    fit_range: tuple[float, float] | None = None,
    bin_width: float = 1.0,
    n_blocks: int = 20,
    sample_signs: object | None = None,
    reference_xi: float | None = None,
    min_significance: float = 2.0,
) -> RepresentationCorrelation:
    """Correlation length of hidden-unit activations, units placed at their centres.

    Parameters
    ----------
    activations : array_like of shape (n_samples, n_units)
        Hidden means per sample ([0, 1] binary or [-1, 1] spin units), in sample order.
    centers : array_like of shape (n_units, 2)
        Unit positions on the periodic L x L lattice (e.g. :func:`field_centers`).
    lattice_size : int
        L, the period of both axes.
    orientation : array_like of shape (n_units,), optional
        ±1 per unit, multiplied into the activations so that all units share a sign
        convention (e.g. :func:`field_orientation`). None uses the activations as given —
        wrong for trained networks whose units switch on for either sign of domain.
    spacing : float, optional
        Unit spacing for the coarse-unit lengths; default L / sqrt(n_units).
    fit_range : (float, float), optional
        Distance range of the exponential fit; default (spacing, L / 3) (one block away,
        before the periodic images matter).
    bin_width : float, default 1
        Width of the distance bins in lattice spacings.
    n_blocks : int, default 20
        Contiguous sample blocks of the jackknife errors.
    sample_signs : array_like of shape (n_samples,), optional
        ±1 per sample, the sign of each data configuration's magnetisation
        (:func:`alignment_signs` of the spins the activations were computed from), for the
        ordered phase: the activations are aligned like the spins. A unit's activation a
        is flipped about its flip-symmetric midpoint c_i, a → c_i + s_n (a - c_i), with
        c_i = ½ (<a_i>_{s=+1} + <a_i>_{s=-1}) the average of its mean activation over the
        samples of either sign (the column mean when only one sign occurs). For a unit
        whose response is c_i plus a part odd under the global spin flip this is exactly
        the response to the aligned configuration, whatever c_i is; the range midpoint
        (2a - 1 for [0, 1] units) is right only when c_i = ½, and with c_i ≠ ½ it would
        add s_n (c_i - ½), a fluctuation shared by all units that inflates χ and ξ.
        Aligning is for the ordered phase only (as for spins, it folds the k = 0
        fluctuation in the disordered phase).
    reference_xi : float, optional
        The reference ξ of the data (lattice spacings). If it is below the unit
        ``spacing``, the units cannot resolve it: the result is not measurable (NaN) and
        says so.
    min_significance : float, default 2
        The second-moment length is not measurable (NaN) unless χ/F - 1 exceeds
        min_significance x its jackknife error.

    Returns
    -------
    RepresentationCorrelation
    """
    values = as_real_array("activations", activations, 2, "(n_samples, n_units)")
    n_samples, n_units = values.shape
    if n_samples < 3:
        raise InputError(f"activations needs at least 3 samples, got {n_samples}")
    pos = as_real_array("centers", centers, 2, "(n_units, 2)")
    if pos.shape != (n_units, 2):
        raise InputError(f"centers must have shape ({n_units}, 2), got {pos.shape}")
    size = check_int("lattice_size", lattice_size, minimum=3)
    bin_width = check_finite("bin_width", bin_width)
    if bin_width <= 0:
        raise InputError(f"bin_width must be positive, got {bin_width}")
    n_blocks = check_int("n_blocks", n_blocks, minimum=2)
    if orientation is not None:
        signs = as_real_array("orientation", orientation, 1, "(n_units,)")
        if signs.shape != (n_units,) or not np.all(np.abs(signs) == 1):
            raise InputError(f"orientation must be ±1 with shape ({n_units},)")
        values = values * signs
    aligned = sample_signs is not None
    if aligned:
        flips = as_real_array("sample_signs", sample_signs, 1, "(n_samples,)")
        if flips.shape != (n_samples,) or not np.all(np.abs(flips) == 1):
            raise InputError(
                f"sample_signs must be ±1 with shape ({n_samples},); "
                "pass alignment_signs(spins) of the data configurations"
            )
        plus, minus = flips > 0, flips < 0
        if plus.any() and minus.any():
            centre = 0.5 * (values[plus].mean(axis=0) + values[minus].mean(axis=0))
        else:
            centre = values.mean(axis=0)
        values = (values - centre) * flips[:, None]
    min_significance = _check_significance(min_significance)
    if reference_xi is not None:
        reference_xi = check_finite("reference_xi", reference_xi)
    spacing = size / np.sqrt(n_units) if spacing is None else check_finite("spacing", spacing)
    if spacing <= 0:
        raise InputError(f"spacing must be positive, got {spacing}")

    standardized = standardize_columns(values)
    usable = np.all(np.isfinite(standardized), axis=0)
    z = standardized[:, usable]
    pos = pos[usable]
    n_used = int(usable.sum())
    nan = float("nan")
    if n_used < 2:
        raise InputError("fewer than 2 hidden units vary across samples; nothing to correlate")

    # second-moment length from G(k) = (1/n) <|Σ_i z_i e^{ik·x_i}|²>
    total = z.sum(axis=1)
    phases = np.exp(2j * np.pi * pos / size)  # (n_units, 2)
    mode_power = (np.abs(z @ phases) ** 2).mean(axis=1)

    def statistic(mean_total_sq, mean_mode_power):
        return _xi_from_structure_factors(mean_total_sq, mean_mode_power, size)

    def excess(mean_total_sq, mean_mode_power):
        with np.errstate(invalid="ignore", divide="ignore"):
            return mean_total_sq / mean_mode_power - 1.0

    columns = [total**2, mode_power]
    xi_2nd = float(statistic(*[c.mean() for c in columns]))
    xi_2nd_err = block_jackknife(statistic, columns, n_blocks)
    measurable, reason = _significance_verdict(
        float(excess(*[c.mean() for c in columns])),
        block_jackknife(excess, columns, n_blocks),
        min_significance,
    )
    unresolvable = reference_xi is not None and reference_xi < spacing
    if unresolvable:
        measurable = False
        reason = (
            f"not measurable: reference ξ = {reference_xi:.3g} lattice spacings is below the "
            f"unit spacing {spacing:.3g}; the layer's units cannot resolve it"
        )

    # correlation against periodic distance between centres, with jackknife errors
    upper = np.triu_indices(n_used, k=1)
    delta = minimum_image(pos[:, None, :] - pos[None, :, :], size)
    dist = np.sqrt((delta**2).sum(axis=-1))[upper]
    bins = np.floor(dist / bin_width).astype(int)
    count = np.bincount(bins)
    filled = count > 0
    edges = np.linspace(0, n_samples, min(n_blocks, n_samples) + 1).astype(int)
    # Σ over the samples of each block of z_i z_j, summed over the pairs of each bin
    block_bin_sums = np.stack(
        [np.bincount(bins, weights=(z[a:b].T @ z[a:b])[upper]) for a, b in pairwise(edges)]
    )[:, filled]
    count = count[filled]
    mean_dist = np.bincount(bins, weights=dist)[filled] / count
    mean_corr = block_bin_sums.sum(axis=0) / (n_samples * count)
    leave_out = (block_bin_sums.sum(axis=0) - block_bin_sums) / (
        (n_samples - np.diff(edges))[:, None] * count
    )
    err = jackknife_stderr(leave_out, axis=0)
    r_min, r_max = (spacing, size / 3.0) if fit_range is None else fit_range

    def fit_length(curve):
        return fit_exponential_length(mean_dist, curve, err, r_min=r_min, r_max=r_max).xi

    xi_exp = nan if unresolvable else fit_length(mean_corr)
    refits = np.array([fit_length(curve) for curve in leave_out]) if np.isfinite(xi_exp) else None
    xi_exp_err = nan if refits is None else jackknife_stderr(refits)
    if not measurable:
        xi_2nd = xi_2nd_err = nan
    return RepresentationCorrelation(
        xi_second_moment=xi_2nd,
        xi_second_moment_stderr=xi_2nd_err,
        xi_exponential=xi_exp,
        xi_exponential_stderr=xi_exp_err,
        spacing=float(spacing),
        xi_second_moment_coarse=xi_2nd / spacing,
        xi_exponential_coarse=xi_exp / spacing,
        distance=mean_dist,
        correlation=mean_corr,
        correlation_stderr=err,
        pair_count=count,
        n_units=n_used,
        measurable=measurable,
        reason=reason,
        aligned=aligned,
    )
