"""Exact periodic Ising chain by the 2x2 transfer matrix, for any N, J and h.

H(s) = -J Σ_i s_i s_{i+1} - h Σ_i s_i on a ring of N spins (β = 1, docs/conventions.md), so
Z = Tr T^N with T = [[e^{J+h}, e^{-J}], [e^{-J}, e^{J-h}]] and

    Z = λ+^N + λ-^N = λ+^N (1 + r^N),   r = λ-/λ+ ∈ (-1, 1),
    λ± = e^J (c ± R),   c = cosh h,   s = sinh h,   q = e^{-4J},   R = sqrt(s² + q),
    r = (1 - q) / (c + R)².

Everything is evaluated in log space from these positive-term forms (no differences of
nearly equal numbers where they would matter), so results are accurate for any N >= 2,
either sign of J and any h, including |J|, |h| of several hundred and N in the millions.
The hardest case is the frustrated ring (J < 0, N odd) at low temperature, where
1 + r^N -> N(1 - |r|) is tiny: 1 - |r| is computed directly (2R/(c+R) for J >= 0,
2c/(c+R) for J < 0) and the derivatives of r from forms whose terms share a sign.

Derivatives are analytic: with lnZ = N ln λ+ + ln(1 + r^N), for a, b ∈ {J, h},

    ∂_a lnZ    = N ∂_a ln λ+ + P1 ∂_a r,
    ∂_a∂_b lnZ = N ∂_a∂_b ln λ+ + P1 ∂_a∂_b r + (P2 - P1²) ∂_a r ∂_b r,
    P1 = N r^{N-1} / (1 + r^N),   P2 = N (N-1) r^{N-2} / (1 + r^N).

The chain is also the RBM of the paper's 1D example (Mehta & Schwab, Fig. 2): decimating
every other spin maps J to J' with tanh J' = tanh² J, which these exact results verify.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np

from ..errors import InputError, check_finite, check_int

__all__ = ["ChainResult", "chain", "chain_correlation"]

_LN2 = math.log(2.0)
_NEG_INF = -math.inf


def _logaddexp(a: float, b: float) -> float:
    if a < b:
        a, b = b, a
    if b == _NEG_INF:
        return a
    return a + math.log1p(math.exp(b - a))


def _exp(x: float) -> float:
    return 0.0 if x == _NEG_INF else math.exp(x)


class _Spectrum:
    """ln λ+, r = λ-/λ+ and their first and second derivatives in J and h (scalars)."""

    def __init__(self, coupling: float, field: float) -> None:
        j, h = coupling, field
        a = abs(h)
        ln_c = a + math.log1p(math.exp(-2.0 * a)) - _LN2  # ln cosh h
        ln_s = a + math.log(-math.expm1(-2.0 * a)) - _LN2 if a > 0 else _NEG_INF  # ln|sinh h|
        sign_h = math.copysign(1.0, h) if h != 0 else 0.0
        ln_q = -4.0 * j
        ln_r2 = _logaddexp(2.0 * ln_s, ln_q)  # ln(s² + q) = 2 ln R
        ln_r = 0.5 * ln_r2
        ln_cr = _logaddexp(ln_c, ln_r)  # ln(c + R)

        self.log_lambda = j + ln_cr
        x = math.exp(ln_q - ln_r - ln_cr)  # X = q / (R (c + R))
        one_minus_x = math.exp(ln_c - ln_cr) + _exp(2.0 * ln_s - ln_r - ln_cr)  # (Rc+s²)/(R(c+R))
        mu = sign_h * _exp(ln_s - ln_r)  # magnetisation per spin of the infinite chain
        self.mu = mu
        self.one_minus_mu2 = math.exp(ln_q - ln_r2)  # q / (s² + q)
        self.mu2 = _exp(2.0 * ln_s - ln_r2)

        # derivatives of ln λ+
        self.f_j = one_minus_x - x
        self.f_h = mu
        self.f_jj = 4.0 * x * (_exp(2.0 * ln_s - ln_r2) + one_minus_x)
        self.f_hh = math.exp(ln_c + ln_q - 3.0 * ln_r)
        self.f_jh = 2.0 * sign_h * _exp(ln_s + ln_q - 3.0 * ln_r)

        # r = (1 - q)/(c + R)², its sign and an accurate ln|r| (also when |r| -> 1)
        if j > 0:
            ln_one_minus_q = math.log(-math.expm1(-4.0 * j))
            ln_one_minus_abs_r = _LN2 + ln_r - ln_cr  # 1 - r = 2R/(c+R)
        elif j < 0:
            ln_one_minus_q = -4.0 * j + math.log(-math.expm1(4.0 * j))
            ln_one_minus_abs_r = _LN2 + ln_c - ln_cr  # 1 + r = 2c/(c+R)
        else:
            ln_one_minus_q = _NEG_INF
            ln_one_minus_abs_r = 0.0
        self.sign_r = float(np.sign(j))
        if ln_one_minus_abs_r < -_LN2:
            self.ln_abs_r = math.log1p(-math.exp(ln_one_minus_abs_r))
        else:
            self.ln_abs_r = ln_one_minus_q - 2.0 * ln_cr
        r = self.sign_r * _exp(self.ln_abs_r)
        self.r = r

        # derivatives of r, each from terms of one sign where it matters
        abs_r = abs(r)
        self.r_j = 4.0 * math.exp(min(ln_q, 0.0) - 2.0 * ln_cr) + 4.0 * abs_r * (
            x if j >= 0 else one_minus_x
        )
        self.r_h = -2.0 * r * mu
        self.r_hh = r * (4.0 * mu * mu - 2.0 * self.f_hh)
        self.r_jh = -2.0 * mu * self.r_j - 2.0 * r * self.f_jh
        # ∂²r/∂J² = 16 A B - 2 r ∂²ln λ+/∂J² with A B = [X² - q (1-X)²]/(c+R)², where
        # A = (X - √q (1-X))/(c+R) = -√q s² [1 + (c²+q)/(Rc+√q)] / (R (c+R)²) <= 0 and
        # B = (X + √q (1-X))/(c+R) >= 0 are each sums of terms of one sign
        if ln_s == _NEG_INF:
            a_term = 0.0
        else:
            ratio = _logaddexp(2.0 * ln_c, ln_q) - _logaddexp(ln_r + ln_c, 0.5 * ln_q)
            a_term = -math.exp(
                0.5 * ln_q + 2.0 * ln_s + _logaddexp(0.0, ratio) - ln_r - 2.0 * ln_cr
            )
        b_term = math.exp(ln_q - ln_r - 2.0 * ln_cr) + math.exp(0.5 * ln_q - ln_cr) * one_minus_x
        self.r_jj = 16.0 * a_term * b_term - 2.0 * r * self.f_jj

    def r_power(self, k: int) -> float:
        """r**k without 0 * inf at r = 0."""
        if k == 0:
            return 1.0
        if self.sign_r == 0.0:
            return 0.0
        return (self.sign_r if k % 2 else 1.0) * math.exp(k * self.ln_abs_r)

    def log1m_r_power(self, k: int) -> float:
        """ln(1 - r**k) for k >= 1, accurate also when r**k -> 1."""
        if self.sign_r == 0.0:
            return 0.0
        log_abs = k * self.ln_abs_r
        if self.sign_r > 0 or k % 2 == 0:
            return math.log(-math.expm1(log_abs))
        return math.log1p(math.exp(log_abs))

    def log1p_r_power(self, k: int) -> float:
        """ln(1 + r**k) for k >= 1, accurate also when r**k -> -1."""
        if self.sign_r == 0.0:
            return 0.0
        log_abs = k * self.ln_abs_r
        if self.sign_r > 0 or k % 2 == 0:
            return math.log1p(math.exp(log_abs))
        return math.log(-math.expm1(log_abs))


@dataclass(frozen=True)
class ChainResult:
    """Exact thermodynamics of the periodic Ising chain (β = 1).

    Attributes
    ----------
    n_spins, coupling, field : int, float, float
        N, J and h.
    log_partition_per_spin : float
        ln Z / N.
    free_energy_per_spin : float
        -ln Z / N.
    energy_per_spin : float
        <H>/N.
    magnetization_per_spin : float
        <M>/N.
    heat_capacity_per_spin : float
        Var(H)/N, i.e. d²lnZ/dβ²/N with β scaling both J and h.
    susceptibility_per_spin : float
        Var(M)/N = ∂²lnZ/∂h²/N.
    m2_per_spin2 : float
        <M²>/N².
    nearest_neighbour_correlation : float
        <s_i s_{i+1}> (= <Σ_i s_i s_{i+1}>/N).
    correlation_length : float
        Of the infinite chain, ξ = -1/ln|λ-/λ+|: the connected correlation decays as
        (λ-/λ+)^r = ±e^{-r/ξ} (alternating in sign for J < 0).
    """

    n_spins: int
    coupling: float
    field: float
    log_partition_per_spin: float
    free_energy_per_spin: float
    energy_per_spin: float
    magnetization_per_spin: float
    heat_capacity_per_spin: float
    susceptibility_per_spin: float
    m2_per_spin2: float
    nearest_neighbour_correlation: float
    correlation_length: float

    def to_dict(self) -> dict:
        """All fields as plain Python numbers."""
        return {k: (int(v) if k == "n_spins" else float(v)) for k, v in asdict(self).items()}


def _check_chain(n_spins: object, coupling: object, field: object) -> tuple[int, float, float]:
    n = check_int("size (number of spins)", n_spins, minimum=2)
    return n, check_finite("coupling", coupling), check_finite("field", field)


def chain(n_spins: int, coupling: float, field: float = 0.0) -> ChainResult:
    """Exact thermodynamics of the periodic Ising chain H = -J Σ s_i s_{i+1} - h Σ s_i.

    Parameters
    ----------
    n_spins : int
        Number of spins N >= 2 (N = 2 has two bonds between its spins, as in
        :class:`deeprg.ising.IsingChain`).
    coupling : float
        J (β absorbed), either sign.
    field : float, default 0
        h.

    Returns
    -------
    ChainResult
    """
    n, j, h = _check_chain(n_spins, coupling, field)
    sp = _Spectrum(j, h)
    ln1p_rn = sp.log1p_r_power(n)
    inv = math.exp(-ln1p_rn)  # 1 / (1 + r^N)
    p1 = n * sp.r_power(n - 1) * inv
    p2 = n * (n - 1) * sp.r_power(n - 2) * inv

    # The h-derivatives are regrouped so that no term grows like the infinite chain's
    # susceptibility e^{2J} (J >> 1, h ~ 0) only to cancel against another.
    # Products are ordered so that no factor overflows when 1 + r^N is tiny (J << 0, N odd).
    tanh_n = math.exp(sp.log1m_r_power(n) - ln1p_rn)  # (1 - r^N) / (1 + r^N)
    a_mu = n * inv * sp.mu  # N μ / (1 + r^N)
    a_rj = n * inv * sp.r_j  # N ∂_J r / (1 + r^N)
    d_j = n * sp.f_j + p1 * sp.r_j  # <Σ s_i s_{i+1}>
    d_h = n * sp.mu * tanh_n  # <M>
    d_jj = n * sp.f_jj + p1 * sp.r_jj + (p2 * sp.r_j) * sp.r_j - (p1 * sp.r_j) ** 2
    d_hh = n * sp.f_hh * tanh_n + 4.0 * a_mu * a_mu * sp.r_power(n)
    d_jh = n * sp.f_jh * tanh_n - 2.0 * a_mu * a_rj * sp.r_power(n - 1)

    log_z_per_spin = sp.log_lambda + ln1p_rn / n
    var_h = max(j * j * d_jj + 2.0 * j * h * d_jh + h * h * d_hh, 0.0)  # clip rounding
    d_hh = max(d_hh, 0.0)
    xi = math.inf if sp.ln_abs_r == 0.0 else -1.0 / sp.ln_abs_r
    return ChainResult(
        n_spins=n,
        coupling=j,
        field=h,
        log_partition_per_spin=log_z_per_spin,
        free_energy_per_spin=-log_z_per_spin,
        energy_per_spin=-(j * d_j + h * d_h) / n,
        magnetization_per_spin=d_h / n,
        heat_capacity_per_spin=var_h / n,
        susceptibility_per_spin=d_hh / n,
        m2_per_spin2=(d_hh + d_h * d_h) / (n * n),
        nearest_neighbour_correlation=d_j / n,
        correlation_length=xi,
    )


def chain_correlation(
    n_spins: int, coupling: float, field: float = 0.0, distance: int | np.ndarray = 1
) -> float | np.ndarray:
    """Exact spin-spin correlation <s_0 s_r> of the periodic chain (not connected).

    <s_0 s_r> = μ² + (1 - μ²) (ρ^r + ρ^{N-r}) / (1 + ρ^N), with ρ = λ-/λ+ and
    μ = sinh h / sqrt(sinh² h + e^{-4J}) (the transfer matrix's eigenvectors); the
    connected part is <s_0 s_r> - <s_0>², <s_0> = ``chain(...).magnetization_per_spin``.

    Parameters
    ----------
    n_spins, coupling, field
        As for :func:`chain`.
    distance : int or array_like of int
        Separation(s) r; taken modulo N (the ring is periodic), negative allowed.

    Returns
    -------
    float, or numpy.ndarray of the shape of ``distance``
    """
    n, j, h = _check_chain(n_spins, coupling, field)
    dist = np.asarray(distance)
    if dist.dtype.kind not in "iu":
        raise InputError(f"distance must be an integer or an array of integers, got {distance!r}")
    sp = _Spectrum(j, h)
    d = np.mod(dist.astype(np.int64), n)
    near = np.minimum(d, n - d)  # r^d + r^(N-d) = r^near (1 + r^k), k = N - 2 near >= 0
    k = n - 2 * near
    ln1p_rn = sp.log1p_r_power(n)
    if sp.sign_r == 0.0:
        ratio = (near == 0).astype(np.float64)
    else:
        log_abs_rk = k * sp.ln_abs_r
        alternating = (sp.sign_r < 0) & (k % 2 == 1)
        with np.errstate(divide="ignore"):
            ln1p_rk = np.where(
                alternating, np.log(-np.expm1(log_abs_rk)), np.log1p(np.exp(log_abs_rk))
            )
        sign = np.where(near % 2 == 1, sp.sign_r, 1.0)
        ratio = sign * np.exp(near * sp.ln_abs_r + ln1p_rk - ln1p_rn)
    result = (sp.mu2 + sp.one_minus_mu2 * ratio).reshape(d.shape)
    return float(result) if result.ndim == 0 else result
