"""Decay forms of the connected correlation and the exponential fit of a decay curve.

One particle (disordered phase): C(r) ∝ e^{−r/ξ}; two-particle cut (ordered phase): the
scaling-limit form factor integrated over the relative momentum. See
:mod:`deeprg.analysis.correlations`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import curve_fit

from ...errors import InputError, check_finite
from .._common import as_real_array

__all__ = [
    "ExponentialFit",
    "fit_exponential_length",
    "lattice_two_particle_decay",
    "two_particle_decay",
]


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


_QUAD_NODES, _QUAD_WEIGHTS = np.polynomial.legendre.leggauss(160)
_QUAD_PHI = (_QUAD_NODES + 1.0) * (np.pi / 4.0)  # Gauss-Legendre on (0, π/2)
_QUAD_W = _QUAD_WEIGHTS * (np.pi / 4.0) * np.sin(_QUAD_PHI) ** 2
_QUAD_EXCESS = 1.0 / np.cos(_QUAD_PHI) - 1.0


def two_particle_decay(x: object) -> np.ndarray:
    """Projected two-particle correlation of the ordered phase, in units of ξ.

    f(x) = ∫_0^∞ dt t² / (1 + t²)² e^{-x sqrt(1 + t²)} = ∫_0^{π/2} dφ sin²φ e^{-x / cos φ}

    is the zero-transverse-momentum projection of the two-particle term of the connected
    spin correlation below T_c in the scaling limit, at distance r = x ξ along an axis,
    ξ the exponential length (1/ξ = 2m, twice the one-particle gap m). It follows from
    the two-particle form factor F_2(θ_1, θ_2) ∝ <σ> tanh((θ_1 - θ_2)/2) of the Ising
    field theory (Berg, Karowski & Weisz 1979; Yurov & Zamolodchikov 1991): zero total
    momentum sets θ_2 = -θ_1 = -θ, t = sinh θ, energy 2m cosh θ, and |F_2|² ∝ tanh²θ.
    Limits: f(0) = π/4; f(x) → sqrt(π/2) x^{-3/2} e^{-x} for x → ∞ (the threshold
    behaviour of the pair, from F_2 vanishing at zero relative momentum; the full
    C(r) along an axis goes as r^{-2} e^{-r/ξ}, Wu, McCoy, Tracy & Barouch 1976, the
    projection integrates out one power r^{-1/2}). Its second moment gives
    ξ_2nd / ξ = sqrt(∫x² f / (2 ∫ f)) = sqrt(2/5) = 0.632.

    Parameters
    ----------
    x : array_like
        r / ξ >= 0, any shape.

    Returns
    -------
    numpy.ndarray of the shape of ``x``
    """
    arr = np.asarray(x, dtype=np.float64)
    # e^{-x} times a smooth factor, so the quadrature stays accurate at large x
    inner = np.exp(-arr[..., None] * _QUAD_EXCESS) @ _QUAD_W
    return np.exp(-arr) * inner


def lattice_two_particle_decay(distance: object, xi: float) -> np.ndarray:
    """Projected two-particle correlation of the ordered phase with the lattice dispersion.

    g(r) = γ_0 ∫_0^π dq [sin²q / sinh⁴γ(q)] e^{-2 r γ(q)},  cosh γ(q) = cosh γ_0 + 1 - cos q,

    with γ_0 = 1/(2ξ) the one-particle gap, ξ the exponential length along an axis. The
    dispersion is the exact one of the isotropic square lattice (Onsager's
    cosh γ(q) = cosh 2K cosh 2K* - sinh 2K sinh 2K* cos q with sinh 2K sinh 2K* = 1, so γ_0
    alone fixes it); a pair (q, -q) has zero total momentum and energy 2γ(q). The weight
    is the lattice transcription of the scaling-limit one of :func:`two_particle_decay`,
    (q/E)² dq/E² → (sin q / sinh γ)² dq / sinh²γ (relative velocity dγ/dq and invariant
    measure dq/sinh γ): an ansatz, not a derived lattice form factor, which reduces to
    ``two_particle_decay(r/ξ)`` as ξ → ∞ and has the same r^{-3/2} e^{-r/ξ} threshold.
    Checked on aligned Wolff samples, fits from r = 1 on, mean over independent runs
    against Onsager: J = 0.6, ξ = 0.86 (L = 16, 6 x 10^5): +0.2 ± 1.3 %; J = 0.5,
    ξ = 2.19 (L = 32, 16 x 2·10^4): -0.1 ± 0.7 %; J = 0.47, ξ = 4.35 (L = 48,
    10 x 3·10^4): -0.1 ± 0.8 %; the scaling form alone is 8 %, 4 % and 2 % high there.

    Parameters
    ----------
    distance : array_like
        r >= 0 in lattice spacings, any shape.
    xi : float
        ξ > 0.

    Returns
    -------
    numpy.ndarray of the shape of ``distance``
    """
    r = np.asarray(distance, dtype=np.float64)
    gap = 0.5 / float(xi)
    half = np.sinh(0.5 * gap)
    # q = 2 atan(sinh(γ_0/2) tan φ): q ≈ γ_0 tan φ near 0, so the nodes follow the pair
    # threshold at any ξ; sinh(γ/2)² = sinh(γ_0/2)² + sin(q/2)²
    tan_phi = np.tan(_QUAD_PHI)
    q = 2.0 * np.arctan(half * tan_phi)
    dq = 2.0 * half / np.cos(_QUAD_PHI) ** 2 / (1.0 + (half * tan_phi) ** 2)
    sinh_half = np.sqrt(half**2 + np.sin(0.5 * q) ** 2)
    gamma = 2.0 * np.arcsinh(sinh_half)
    sinh_gamma = 2.0 * sinh_half * np.sqrt(1.0 + sinh_half**2)
    weight = _QUAD_WEIGHTS * (np.pi / 4.0) * dq * gap * np.sin(q) ** 2 / sinh_gamma**4
    with np.errstate(under="ignore"):
        inner = np.exp(-2.0 * r[..., None] * (gamma - gap)) @ weight
        return np.exp(-2.0 * gap * r) * inner


def _decay_model(form: str, period: float):
    """C(r) = A [g(r) + g(period - r)] for ``form`` 'one-particle' or 'two-particle'."""

    def model(r, amplitude, length):
        if form == "one-particle":
            return amplitude * (np.exp(-r / length) + np.exp(-(period - r) / length))
        both = lattice_two_particle_decay(np.concatenate([r, period - r]), length)
        return amplitude * (both[: r.size] + both[r.size :])

    return model
