"""Correlation functions and correlation lengths of spins and of hidden representations.

Spins (periodic samples of shape (n_samples, L, L), or (n_samples, N) for a chain):

- :func:`correlation_function` — connected C(r) = <s_x s_{x+r e_a}> - <s>² along the lattice
  axes, averaged over sites and axes, by FFT; or its projection on zero transverse
  momentum (row-row correlation), which decays as a pure exponential in ξ;
- :func:`correlation_length` — the second-moment correlation length
  ξ_2nd = sqrt(χ/F - 1) / (2 sin(π/L)), with χ = G(0) and F = G(k_min) the structure
  factor at zero and at the smallest non-zero wave vector k_min = 2π/L along an axis
  (average over axes), and a jackknife error; :func:`second_moment_length` does the same
  from an exact correlation function.

Hidden representations (activations of shape (n_samples, n_units), unit i placed at its
receptive field's periodic centre x_i):

- :func:`representation_correlation_length` — the same second-moment estimator with the
  structure factor of units at continuous positions, G(k) = (1/n) Σ_ij c_ij cos(k·(x_i - x_j)),
  c_ij the (oriented) Pearson correlation of units i and j; plus the correlation binned by
  the periodic distance between centres and an exponential fit of it.

Lengths are in units of the ORIGINAL lattice spacing unless a name says ``coarse``: block-
spin RG keeps the physical correlation length, ξ_l ≈ ξ_0 lattice spacings, which is
ξ_0 / b^l in units of the layer-l block spacing. For the 2D Ising model in the
paramagnetic phase ξ_2nd is close to the exponential (true) correlation length ξ
(7.467 at J = 0.408, L → ∞): 4,000 Wolff samples of L = 40 at J = 0.408 give
ξ_2nd = 7.60 ± 0.18, and a cosh fit to the projected C_⊥(r) for r >= 2 gives 7.61.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise

import numpy as np
from scipy.optimize import curve_fit

from ..errors import InputError, check_finite, check_int
from ._common import as_real_array, as_spin_batch, minimum_image, standardize_columns

__all__ = [
    "CorrelationFunction",
    "CorrelationLength",
    "ExponentialFit",
    "RepresentationCorrelation",
    "correlation_function",
    "correlation_length",
    "fit_exponential_length",
    "representation_correlation_length",
    "second_moment_length",
]

_CHUNK = 2048  # samples per FFT batch, bounds memory for 40x40 lattices


@dataclass(frozen=True)
class CorrelationFunction:
    """C(r) along the lattice axes.

    Attributes
    ----------
    distance : numpy.ndarray of shape (n_r,)
        r = 0, 1, ..., floor(L/2) in lattice spacings (C(L - r) = C(r) on a ring).
    value : numpy.ndarray of shape (n_r,)
        Connected (or full) correlation at each distance.
    stderr : numpy.ndarray of shape (n_r,)
        Standard error from the spread over samples, treating samples as independent
        (multiply by sqrt(2 τ) for correlated Monte Carlo samples).
    """

    distance: np.ndarray
    value: np.ndarray
    stderr: np.ndarray


def correlation_function(
    spins: object, connected: bool = True, projected: bool = False
) -> CorrelationFunction:
    """Spin-spin correlation along the lattice axes of periodic samples, by FFT.

    Plain: C(r) = (1/d) Σ_a <(1/N) Σ_x s_x s_{x + r e_a}> - μ², with μ the mean spin over
    all samples and sites when ``connected`` (else μ = 0), d the number of axes.

    Projected (zero transverse momentum): C_⊥(r) = Σ_y C(r e_a + y), the correlation summed
    over the sites y of the hyperplane at distance r, i.e. the correlation of whole rows
    (columns) of the lattice, scaled per site. For the square-lattice Ising model it decays
    as a pure exponential, A [e^{-r/ξ} + e^{-(L-r)/ξ}] with the true (exponential) ξ, while
    the plain C(r) carries an extra r^{-1/2} at large r and is steeper at short r; fit the
    projected one (:func:`fit_exponential_length` with ``period=L``) to measure ξ. For a
    chain both are the same.

    Parameters
    ----------
    spins : array_like of shape (n_samples, L, L) or (n_samples, N)
        Periodic configurations, values ±1.
    connected : bool, default True
        Subtract the disconnected part (μ², or L μ² when projected). μ is 0 by symmetry at
        h = 0 in finite volume, so this only removes a sampling fluctuation there.
    projected : bool, default False
        Return C_⊥(r) instead of C(r).

    Returns
    -------
    CorrelationFunction
    """
    arr = as_spin_batch(spins)
    lattice = arr.shape[1:]
    n_sites = arr[0].size
    r_max = min(lattice) // 2
    per_sample = np.zeros((arr.shape[0], r_max + 1))
    for start in range(0, arr.shape[0], _CHUNK):
        chunk = arr[start : start + _CHUNK].astype(np.float64)
        rows = slice(start, start + chunk.shape[0])
        for axis, size in enumerate(lattice, start=1):
            other = tuple(a for a in range(1, chunk.ndim) if a != axis)
            if projected:  # autocorrelation of the line sums, per site
                lines = chunk.sum(axis=other) if other else chunk
                spectrum = np.fft.rfft(lines, axis=1)
                auto = np.fft.irfft(np.abs(spectrum) ** 2, n=size, axis=1) / n_sites
            else:  # autocorrelation along the axis, averaged over the transverse sites
                spectrum = np.fft.rfft(chunk, axis=axis)
                auto = np.fft.irfft(np.abs(spectrum) ** 2, n=size, axis=axis) / size
                auto = auto.mean(axis=other) if other else auto
            per_sample[rows] += auto[:, : r_max + 1] / len(lattice)
    mean_spin = float(arr.mean(dtype=np.float64)) if connected else 0.0
    transverse = np.mean([n_sites / size for size in lattice]) if projected else 1.0
    value = per_sample.mean(axis=0) - transverse * mean_spin**2
    stderr = per_sample.std(axis=0, ddof=1) / np.sqrt(arr.shape[0])
    return CorrelationFunction(np.arange(r_max + 1, dtype=np.float64), value, stderr)


@dataclass(frozen=True)
class CorrelationLength:
    """Second-moment correlation length and the structure factors it comes from.

    Attributes
    ----------
    xi : float
        ξ_2nd = sqrt(χ/F - 1) / (2 sin(π/L)) in lattice spacings; 0 when χ/F <= 1 (no
        measurable correlation).
    stderr : float
        Jackknife standard error over contiguous blocks of samples (NaN when exact).
    susceptibility : float
        χ = G(0) = (1/N) <|Σ_x (s_x - μ)|²> (per site, including the site itself).
    structure_factor_min : float
        F = G(k_min), averaged over the lattice axes.
    """

    xi: float
    stderr: float
    susceptibility: float
    structure_factor_min: float

    def as_dict(self) -> dict[str, float]:
        """Plain floats (for ``metrics.json``)."""
        return {
            "xi": self.xi,
            "stderr": self.stderr,
            "susceptibility": self.susceptibility,
            "structure_factor_min": self.structure_factor_min,
        }


def _xi_from_structure_factors(g_zero: np.ndarray, g_min: np.ndarray, size: float) -> np.ndarray:
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = g_zero / g_min - 1.0
    return np.sqrt(np.clip(ratio, 0.0, None)) / (2.0 * np.sin(np.pi / size))


def _jackknife(statistic, columns: list[np.ndarray], n_blocks: int) -> float:
    """Jackknife standard error of ``statistic(*block_means)`` over contiguous blocks."""
    n_samples = columns[0].shape[0]
    n_blocks = min(n_blocks, n_samples)
    if n_blocks < 2:
        return float("nan")
    edges = np.linspace(0, n_samples, n_blocks + 1).astype(int)
    block_sums = [np.add.reduceat(col, edges[:-1], axis=0) for col in columns]
    counts = np.diff(edges)
    totals = [s.sum(axis=0) for s in block_sums]
    leave_out = []
    for b in range(n_blocks):
        rest = n_samples - counts[b]
        leave_out.append(
            statistic(*[(t - s[b]) / rest for t, s in zip(totals, block_sums, strict=True)])
        )
    leave_out = np.asarray(leave_out, dtype=np.float64)
    leave_out = leave_out[np.isfinite(leave_out)]
    if leave_out.size < 2:
        return float("nan")
    return float(np.sqrt((leave_out.size - 1) * np.var(leave_out)))


def _square_size(lattice: tuple[int, ...]) -> int:
    if len(set(lattice)) != 1:
        raise InputError(f"the second-moment length needs a square lattice, got shape {lattice}")
    if lattice[0] < 3:
        raise InputError(f"the second-moment length needs L >= 3, got L = {lattice[0]}")
    return lattice[0]


def correlation_length(
    spins: object, connected: bool = True, n_blocks: int = 20
) -> CorrelationLength:
    """Second-moment correlation length of periodic spin samples.

    ξ_2nd = sqrt(χ/F - 1) / (2 sin(π/L)) with G(k) = (1/N) <|Σ_x (s_x - μ) e^{-ik·x}|²>,
    χ = G(0), F = G(2π/L e_a) averaged over the axes a (Cooper, Freedman & Preston 1982;
    Caracciolo et al. 1993). For the 1D chain and the Gaussian lattice model it equals the
    exact ξ of an exponential decay; for 2D Ising near ξ_exp.

    Parameters
    ----------
    spins : array_like of shape (n_samples, L, L) or (n_samples, N)
        Periodic configurations, values ±1, in sampling order (the jackknife blocks are
        contiguous, so they also absorb autocorrelation shorter than a block).
    connected : bool, default True
        Subtract the mean spin μ (over all samples and sites) before G(0).
    n_blocks : int, default 20
        Jackknife blocks for the standard error.

    Returns
    -------
    CorrelationLength
    """
    arr = as_spin_batch(spins)
    n_blocks = check_int("n_blocks", n_blocks, minimum=2)
    size = _square_size(arr.shape[1:])
    n_sites = arr[0].size
    axes = tuple(range(1, arr.ndim))
    total = arr.sum(axis=axes, dtype=np.float64)
    phase = np.exp(-2j * np.pi * np.arange(size) / size)
    mode_power = np.zeros(arr.shape[0])
    for axis in axes:
        line_sums = arr.sum(axis=tuple(a for a in axes if a != axis), dtype=np.float64)
        mode_power += np.abs(line_sums @ phase) ** 2
    mode_power /= len(axes)

    def statistic(mean_total, mean_total_sq, mean_mode_power):
        mu = mean_total / n_sites if connected else 0.0
        g_zero = (mean_total_sq - 2 * mu * n_sites * mean_total + (mu * n_sites) ** 2) / n_sites
        return _xi_from_structure_factors(g_zero, mean_mode_power / n_sites, size)

    columns = [total, total**2, mode_power]
    means = [c.mean() for c in columns]
    xi = float(statistic(*means))
    mu = means[0] / n_sites if connected else 0.0
    g_zero = (means[1] - (mu * n_sites) ** 2) / n_sites
    return CorrelationLength(
        xi=xi,
        stderr=_jackknife(statistic, columns, n_blocks),
        susceptibility=float(g_zero),
        structure_factor_min=float(means[2] / n_sites),
    )


def second_moment_length(correlation: object) -> CorrelationLength:
    """Second-moment length of an exact translation-invariant correlation function.

    Parameters
    ----------
    correlation : array_like of shape (L, L) or (N,)
        G(x) = <s_0 s_x> - <s>² for every displacement x on the periodic lattice (index
        0 is x = 0).

    Returns
    -------
    CorrelationLength
        With χ = Σ_x G(x), F = Σ_x G(x) cos(2π x_a / L) averaged over axes, stderr NaN.
    """
    arr = np.asarray(correlation, dtype=np.float64)
    if arr.ndim not in (1, 2) or arr.size == 0 or not np.all(np.isfinite(arr)):
        raise InputError("correlation must be a finite array of shape (L, L) or (N,)")
    size = _square_size(arr.shape)
    cosine = np.cos(2 * np.pi * np.arange(size) / size)
    chi = float(arr.sum())
    f_min = 0.0
    for axis in range(arr.ndim):
        line = arr.sum(axis=tuple(a for a in range(arr.ndim) if a != axis))
        f_min += float(line @ cosine) / arr.ndim
    xi = float(_xi_from_structure_factors(np.float64(chi), np.float64(f_min), size))
    return CorrelationLength(xi, float("nan"), chi, f_min)


@dataclass(frozen=True)
class ExponentialFit:
    """Fit of C(r) ≈ A e^{-r/ξ} (optionally + A e^{-(period - r)/ξ}).

    Attributes
    ----------
    xi, xi_stderr : float
        Fitted length (distance units of the input) and its error (NaN if no fit).
    amplitude : float
        A.
    n_points : int
        Points used (inside the range, with positive values).
    """

    xi: float
    xi_stderr: float
    amplitude: float
    n_points: int

    def as_dict(self) -> dict[str, float]:
        """Plain floats (for ``metrics.json``)."""
        return {
            "xi": self.xi,
            "xi_stderr": self.xi_stderr,
            "amplitude": self.amplitude,
            "n_points": self.n_points,
        }


def fit_exponential_length(
    distance: object,
    value: object,
    stderr: object | None = None,
    r_min: float = 0.0,
    r_max: float = float("inf"),
    period: float | None = None,
    min_significance: float = 2.0,
) -> ExponentialFit:
    """Fit an exponential decay to a correlation curve.

    Uses the points with r_min <= r <= r_max, in order of distance, up to the first one
    that is not positive (with ``stderr``: not above ``min_significance`` standard errors),
    where the decay has sunk into noise. Fits a weighted straight line to ln C against r, then (with ``period``) a non-linear fit of
    C = A [e^{-r/ξ} + e^{-(period - r)/ξ}], the periodic-image (cosh) form along an axis.

    Parameters
    ----------
    distance, value : array_like of shape (n_r,)
    stderr : array_like of shape (n_r,), optional
        Errors of ``value`` (weights); equal weights in ln C if None.
    r_min, r_max : float
        Fit range.
    period : float, optional
        Lattice size L for the cosh form.
    min_significance : float, default 2
        With ``stderr``: a point ends the fit unless value > min_significance * stderr.
        Points with stderr <= 0 are skipped.

    Returns
    -------
    ExponentialFit
        NaN length when fewer than 2 points qualify or the curve does not decay.
    """
    r = as_real_array("distance", distance, 1, "(n_r,)")
    c = as_real_array("value", value, 1, "(n_r,)")
    if c.shape != r.shape:
        raise InputError(f"distance and value must have equal length, got {r.size} and {c.size}")
    sigma = None if stderr is None else as_real_array("stderr", stderr, 1, "(n_r,)")
    if sigma is not None and sigma.shape != r.shape:
        raise InputError("stderr must have the same length as distance")
    r_min = check_finite("r_min", r_min)
    significance = check_finite("min_significance", min_significance)
    order = np.argsort(r, kind="stable")
    keep = order[(r[order] >= r_min) & (r[order] <= float(r_max))]
    if sigma is not None:
        keep = keep[sigma[keep] > 0]
        good = c[keep] > significance * sigma[keep]
    else:
        good = c[keep] > 0
    # the decay ends where the curve sinks into noise (or below zero): stop there
    keep = keep[: int(np.argmin(good)) if not good.all() else good.size]
    nan = float("nan")
    if keep.size < 2:
        return ExponentialFit(nan, nan, nan, int(keep.size))
    r, c = r[keep], c[keep]
    # weighted least squares of ln C = ln A - r/ξ, weights 1/σ(ln C) = C/σ(C)
    weights = np.ones_like(c) if sigma is None else c / sigma[keep]
    design = np.stack([r, np.ones_like(r)], axis=1) * weights[:, None]
    target = np.log(c) * weights
    (slope, intercept), *_ = np.linalg.lstsq(design, target, rcond=None)
    if slope >= 0:
        return ExponentialFit(nan, nan, nan, int(r.size))
    cov = np.linalg.pinv(design.T @ design)
    if sigma is None:  # scale by the residual variance
        residual = target - design @ np.array([slope, intercept])
        cov = cov * (residual @ residual / (r.size - 2)) if r.size > 2 else cov * nan
    xi = -1.0 / slope
    xi_err = float(np.sqrt(cov[0, 0]) / slope**2)
    amplitude = float(np.exp(intercept))
    if period is not None:
        period = check_finite("period", period)

        def model(x, amp, length):
            return amp * (np.exp(-x / length) + np.exp(-(period - x) / length))

        try:
            popt, pcov = curve_fit(
                model,
                r,
                c,
                p0=(amplitude, xi),
                sigma=None if sigma is None else sigma[keep],
                absolute_sigma=sigma is not None,
                bounds=([0.0, 1e-6], [np.inf, np.inf]),
            )
        except (RuntimeError, ValueError):
            return ExponentialFit(nan, nan, nan, int(r.size))
        amplitude, xi = float(popt[0]), float(popt[1])
        xi_err = float(np.sqrt(pcov[1, 1])) if np.all(np.isfinite(pcov)) else nan
    return ExponentialFit(float(xi), xi_err, amplitude, int(r.size))


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

    columns = [total**2, mode_power]
    xi_2nd = float(statistic(*[c.mean() for c in columns]))
    xi_2nd_err = _jackknife(statistic, columns, n_blocks)

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
    n_jack = leave_out.shape[0]
    err = np.sqrt((n_jack - 1) * leave_out.var(axis=0))
    r_min, r_max = (spacing, size / 3.0) if fit_range is None else fit_range

    def fit_length(curve):
        return fit_exponential_length(mean_dist, curve, err, r_min=r_min, r_max=r_max).xi

    xi_exp = fit_length(mean_corr)
    refits = np.array([fit_length(curve) for curve in leave_out])
    xi_exp_err = (
        float(np.sqrt((n_jack - 1) * refits.var()))
        if np.isfinite(xi_exp) and np.all(np.isfinite(refits))
        else nan
    )
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
    )
