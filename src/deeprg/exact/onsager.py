"""The infinite square-lattice Ising model at zero field: Onsager, Yang, correlation length.

With K = J (β absorbed), k = 2 sinh 2K / cosh² 2K and k' = |1 - sinh² 2K| / cosh² 2K
(so k² + k'² = 1, and k' = 0 at J_c = ½ ln(1 + √2)):

- free energy (L. Onsager, Phys. Rev. 65, 117 (1944)):
  ln Z / N = ln(2 cosh 2K) + (1/2π) ∫_0^π ln[(1 + sqrt(1 - k² sin² θ))/2] dθ;
- energy per spin: <H>/N = -K coth 2K [1 + (2/π)(2 tanh² 2K - 1) K(k)],
  where 2 tanh² 2K - 1 = sign(sinh 2K - 1) k' exactly;
- heat capacity per spin, C/N = K² d/dK[-<H>/(N K)], differentiated analytically with
  dk/dK = 4(1 - sinh² 2K)/cosh³ 2K and dK(k)/dk = E(k)/(k k'²) - K(k)/k:
  C/N = K² {-2 csch² 2K [1 + (2/π) κ K(k)] + (4/π)[4 sech² 2K K(k) - coth² 2K (E(k) - k'² K(k))]},
  κ = 2 tanh² 2K - 1; logarithmically infinite at J_c (K, E: complete elliptic integrals
  of modulus k; the energy as in K. Huang, Statistical Mechanics, 2nd ed., §15.4);
- spontaneous magnetisation (C. N. Yang, Phys. Rev. 85, 808 (1952)):
  M = (1 - sinh^{-4} 2K)^{1/8} for J > J_c, 0 otherwise;
- exponential correlation length along a lattice axis (the decay e^{-r/ξ} of the connected
  <s_0 s_r>): for J < J_c, 1/ξ = -ln tanh K - 2K = 2(K* - K) (K* the Kramers-Wannier dual,
  tanh K* = e^{-2K}), the gap of Kaufman's transfer matrix; for J > J_c the lowest
  excitations above the two ordered ground states are pairs of domain walls, so
  1/ξ = 2 (2K + ln tanh K) = 4 (K - K*): twice the gap γ_0 and ξ_+/ξ_- = 2 at equal
  |T - T_c| near J_c. See B. M. McCoy & T. T. Wu, The Two-Dimensional Ising Model
  (Harvard, 1973), ch. XI; T. T. Wu, B. M. McCoy, C. A. Tracy & E. Barouch, Phys. Rev. B
  13, 316 (1976); B. M. McCoy, Scholarpedia 5(7):10313 (2010), whose diagonal correlations
  decay as t^N below and t^{N/2} above T_c (the same factor of two). At J = 0.408
  (Mehta & Schwab's lattice) ξ = 7.467.

For J < 0 the (bipartite) infinite lattice maps onto J > 0 by flipping one sublattice:
ln Z, energy, heat capacity and ξ are even in J; the uniform spontaneous magnetisation is
0 (the staggered one equals Yang's M(|J|)).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

from ..constants import J_CRITICAL
from ..errors import check_finite

__all__ = ["OnsagerResult", "onsager"]


@dataclass(frozen=True)
class OnsagerResult:
    """Exact zero-field thermodynamics of the infinite square lattice (β = 1).

    Attributes
    ----------
    coupling : float
        J.
    log_partition_per_spin, free_energy_per_spin : float
        lim ln Z / N and its negative.
    energy_per_spin : float
        <H>/N = -J d(lnZ/N)/dJ.
    energy_per_spin_in_units_of_j : float
        -<Σ_<ij> s_i s_j>/N = <H>/(N J), the number quoted when J = 1 and T = 1/J.
    heat_capacity_per_spin : float
        C/N = J² d²(lnZ/N)/dJ² (inf at J_c).
    spontaneous_magnetization : float
        Yang's M for J > J_c, else 0.
    correlation_length : float
        Exponential correlation length along a lattice axis (inf at J_c).
    """

    coupling: float
    log_partition_per_spin: float
    free_energy_per_spin: float
    energy_per_spin: float
    energy_per_spin_in_units_of_j: float
    heat_capacity_per_spin: float
    spontaneous_magnetization: float
    correlation_length: float

    def to_dict(self) -> dict:
        """All fields as plain floats (inf where a quantity diverges)."""
        return {k: float(v) for k, v in asdict(self).items()}


def _moduli(k: float) -> tuple[float, float, float]:
    """(k², k'², sign(sinh 2K - 1)) without cancellation; k² + k'² = 1."""
    sh2 = math.sinh(2.0 * k)
    ch2_sq = math.cosh(2.0 * k) ** 2
    kp = abs((1.0 - sh2) * (1.0 + sh2)) / ch2_sq
    return (2.0 * sh2 / ch2_sq) ** 2, kp * kp, math.copysign(1.0, sh2 - 1.0)


def _log_partition_per_spin(k: float) -> float:
    m, _, _ = _moduli(k)

    def integrand(theta: float) -> float:
        m_sin2 = m * math.sin(theta) ** 2
        root = math.sqrt(1.0 - m_sin2)
        return math.log1p(-0.5 * m_sin2 / (1.0 + root))  # ln((1 + root)/2)

    from scipy import integrate  # imported here: scipy costs ~0.3 s at CLI start-up

    integral, _ = integrate.quad(
        integrand, 0.0, math.pi / 2.0, epsabs=1e-14, epsrel=1e-13, limit=200
    )
    ln_2cosh = 2.0 * k + math.log1p(math.exp(-4.0 * k))
    return ln_2cosh + integral / math.pi  # the integrand is symmetric about π/2


def onsager(coupling: float) -> OnsagerResult:
    """Exact thermodynamics of the infinite square-lattice Ising model at zero field.

    Parameters
    ----------
    coupling : float
        J (β absorbed), either sign; see the module docstring for J < 0.

    Returns
    -------
    OnsagerResult
    """
    j = check_finite("coupling", coupling)
    k = abs(j)
    if k == 0.0:
        return OnsagerResult(j, math.log(2.0), -math.log(2.0), 0.0, 0.0, 0.0, 0.0, 0.0)
    m, kp2, side = _moduli(k)
    kp = math.sqrt(kp2)
    from scipy import special

    ellip_k = float(special.ellipkm1(kp2))  # K(k) with parameter m = k², from 1 - m = k'²
    ellip_e = float(special.ellipe(m))
    coth2 = 1.0 / math.tanh(2.0 * k)
    sech2_sq = 1.0 / math.cosh(2.0 * k) ** 2  # 1 - tanh² 2K
    kp_k = side * kp * ellip_k if kp > 0 else 0.0  # (2 tanh² 2K - 1) K(k) -> 0 at J_c
    bond = coth2 * (1.0 + 2.0 / math.pi * kp_k)  # -<H>/(N K) = <Σ s_i s_j>/N
    if kp == 0.0:
        heat = math.inf
    else:  # C/N = K² d/dK [coth 2K (1 + (2/π) κ K(k))], κ = 2 tanh² 2K - 1, dK/dk analytic
        sh2 = math.sinh(2.0 * k)
        du_dk = -2.0 / sh2**2 * (1.0 + 2.0 / math.pi * kp_k) + 4.0 / math.pi * (
            4.0 * sech2_sq * ellip_k - coth2**2 * (ellip_e - kp2 * ellip_k)
        )
        heat = k * k * du_dk

    gamma0 = 2.0 * k + math.log(math.tanh(k))  # 0 at J_c, same sign as K - J_c
    if kp == 0.0:  # J_c to double precision
        xi = math.inf
    elif gamma0 < 0:
        xi = -1.0 / gamma0
    else:
        xi = 1.0 / (2.0 * gamma0)
    magnetization = 0.0
    if j > J_CRITICAL and gamma0 > 0:
        magnetization = (-math.expm1(-4.0 * math.log(math.sinh(2.0 * k)))) ** 0.125

    ln_z = _log_partition_per_spin(k)
    return OnsagerResult(
        coupling=j,
        log_partition_per_spin=ln_z,
        free_energy_per_spin=-ln_z,
        energy_per_spin=-k * bond,
        energy_per_spin_in_units_of_j=-math.copysign(bond, j),
        heat_capacity_per_spin=heat,
        spontaneous_magnetization=magnetization,
        correlation_length=xi,
    )
