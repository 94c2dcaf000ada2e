"""Onsager/Yang infinite lattice against large-L Kaufman, series, known constants and a
brute-force row transfer matrix."""

import itertools
import math

import mpmath
import numpy as np
import pytest

from deeprg import J_CRITICAL, InputError
from deeprg.exact import onsager, torus


@pytest.mark.parametrize("coupling", [0.1, 0.3, 0.408, 0.43, 0.46, 0.5, 0.8, 2.0, -0.3, -0.6])
def test_large_torus_converges_to_onsager(coupling):
    # away from J_c the finite-size corrections of L = 512 are exponentially small; in the
    # ordered phase ln Z keeps ln 2 / N from its two ground states
    inf, fin = onsager(coupling), torus(512, coupling)
    ordered = abs(coupling) > J_CRITICAL
    offset = math.log(2) / 512**2 if ordered else 0.0
    assert fin.log_partition_per_spin == pytest.approx(
        inf.log_partition_per_spin + offset, abs=1e-13
    )
    assert fin.energy_per_spin == pytest.approx(inf.energy_per_spin, abs=1e-11)
    assert fin.heat_capacity_per_spin == pytest.approx(inf.heat_capacity_per_spin, abs=1e-8)
    assert fin.energy_per_spin_in_units_of_j == pytest.approx(
        inf.energy_per_spin_in_units_of_j, abs=1e-11
    )


def test_critical_point_constants():
    result = onsager(J_CRITICAL)
    # ln Z/N at J_c = ln(2)/2 + 2G/π (G: Catalan's constant); energy = -√2 J_c
    expected = math.log(2) / 2 + 2 * float(mpmath.catalan) / math.pi
    assert result.log_partition_per_spin == pytest.approx(expected, abs=1e-13)
    assert result.energy_per_spin == pytest.approx(-math.sqrt(2) * J_CRITICAL, abs=1e-13)
    assert result.heat_capacity_per_spin == math.inf
    assert result.correlation_length == math.inf
    assert result.spontaneous_magnetization == 0.0
    # heat capacity diverges like -(8 J_c²/π) ln|1 - J/J_c| on both sides
    for eps in (1e-4, 1e-6):
        for side in (-1, 1):
            c = onsager(J_CRITICAL * (1 + side * eps)).heat_capacity_per_spin
            c_10 = onsager(J_CRITICAL * (1 + side * eps / 10)).heat_capacity_per_spin
            assert c_10 - c == pytest.approx(8 * J_CRITICAL**2 / math.pi * math.log(10), rel=1e-3)


@pytest.mark.parametrize("coupling", [0.25, 0.6, 1.2])
def test_energy_and_heat_capacity_are_derivatives_of_free_energy(coupling):
    # the integral for ln Z, the elliptic-K energy and the heat capacity are independent
    # formulas: check E = -J d(lnZ/N)/dJ and C = -J² d(E/J)/dJ by finite differences
    step = 1e-3

    def log_z(j):
        return onsager(j).log_partition_per_spin

    def bonds(j):
        return -onsager(j).energy_per_spin / j

    stencil = -log_z(coupling + 2 * step) + 8 * log_z(coupling + step)
    stencil += -8 * log_z(coupling - step) + log_z(coupling - 2 * step)
    assert -coupling * stencil / (12 * step) == pytest.approx(
        onsager(coupling).energy_per_spin, abs=1e-9
    )
    slope = -bonds(coupling + 2 * step) + 8 * bonds(coupling + step)
    slope += -8 * bonds(coupling - step) + bonds(coupling - 2 * step)
    assert coupling**2 * slope / (12 * step) == pytest.approx(
        onsager(coupling).heat_capacity_per_spin, abs=1e-9
    )


def test_spontaneous_magnetization_low_temperature_series():
    # M = 1 - 2u² - 8u³ - 34u⁴ - 152u⁵ - 714u⁶ - 3472u⁷ - 17318u⁸ + O(u⁹), u = e^{-4J}
    # (low-temperature expansion: one flipped spin costs 8J, so 1 - M ~ 2 e^{-8J} to leading order)
    coefficients = [1, 0, -2, -8, -34, -152, -714, -3472, -17318]
    for coupling in (0.9, 1.2, 2.0):
        u = math.exp(-4 * coupling)
        series = sum(c * u**p for p, c in enumerate(coefficients))
        remainder = 2e5 * u**9 / (1 - 6 * u)  # coefficients grow ~ e^{4 J_c} = 5.8 per order
        assert onsager(coupling).spontaneous_magnetization == pytest.approx(
            series, abs=remainder + 1e-15
        )
    # negative control: the series at a slightly different coupling is far off
    u = math.exp(-4 * 0.91)
    wrong = sum(c * u**p for p, c in enumerate(coefficients))
    assert abs(onsager(0.9).spontaneous_magnetization - wrong) > 1e-5


def test_spontaneous_magnetization_shape():
    assert onsager(0.4).spontaneous_magnetization == 0.0
    assert onsager(-1.0).spontaneous_magnetization == 0.0  # uniform M of the antiferromagnet
    # M ~ (8√2 (J - J_c))^{1/8} close above J_c (β = 1/8)
    dj = 1e-8
    m = onsager(J_CRITICAL + dj).spontaneous_magnetization
    assert m == pytest.approx((8 * math.sqrt(2) * dj) ** 0.125, rel=1e-6)
    values = [onsager(j).spontaneous_magnetization for j in np.linspace(0.45, 2.0, 30)]
    assert np.all(np.diff(values) > 0) and values[-1] < 1


def test_correlation_length_paper_value_and_duality():
    # Mehta & Schwab: ξ ≈ 7.47 at J = 0.408
    assert onsager(0.408).correlation_length == pytest.approx(7.4673, abs=1e-4)
    for coupling in (0.5, 0.7, 1.3):
        dual = -0.5 * math.log(math.tanh(coupling))  # Kramers-Wannier: tanh K* = e^{-2K}
        assert dual < J_CRITICAL
        assert onsager(coupling).correlation_length == pytest.approx(
            onsager(dual).correlation_length / 2, rel=1e-12
        )
    # universal amplitude ratio ξ(T > T_c) / ξ(T < T_c) -> 2 at equal |J - J_c|
    eps = 1e-7
    ratio = onsager(J_CRITICAL - eps).correlation_length
    ratio /= onsager(J_CRITICAL + eps).correlation_length
    assert ratio == pytest.approx(2.0, rel=1e-5)
    assert onsager(-0.408).correlation_length == onsager(0.408).correlation_length


def row_transfer_gaps(width, coupling):
    """ln(Λ0/Λk) of the symmetric row transfer matrix of a periodic strip, by brute force."""
    rows = np.array(list(itertools.product([-1, 1], repeat=width)), dtype=float)
    inside = np.sum(rows * np.roll(rows, -1, axis=1), axis=1)
    matrix = np.exp(coupling * (rows @ rows.T + 0.5 * (inside[:, None] + inside[None, :])))
    eigenvalues = np.sort(np.linalg.eigvalsh(matrix))[::-1]
    return np.log(eigenvalues[0] / eigenvalues[1:4])


def test_correlation_length_from_brute_force_transfer_matrix():
    width = 8
    # paramagnet: the gap ln(Λ0/Λ1) of a strip converges exponentially fast in its width to
    # 1/ξ (measured: 2.2e-5, 6.0e-6, 1.7e-6 at W = 8, 9, 10)
    inverse_xi = 1 / onsager(0.2).correlation_length
    assert row_transfer_gaps(width, 0.2)[0] == pytest.approx(inverse_xi, abs=3e-5)
    assert row_transfer_gaps(width + 1, 0.2)[0] == pytest.approx(inverse_xi, abs=8e-6)
    # ordered phase: Λ0, Λ1 are the two quasi-degenerate ground states and the next gap is
    # a pair of domain walls, 2 γ(π/W) with cosh γ(θ) = cosh 2K coth 2K - cos θ; as W -> ∞
    # it tends to 2 γ(0) = 2 (2K + ln tanh K) = 1/ξ: the factor 2 of the ordered phase
    for coupling in (0.6, 0.8):
        gaps = row_transfer_gaps(width, coupling)
        assert gaps[0] < 1e-2 < gaps[1]
        a = math.cosh(2 * coupling) / math.tanh(2 * coupling)
        assert gaps[1] == pytest.approx(2 * math.acosh(a - math.cos(math.pi / width)), rel=1e-9)
        limit = 2 * math.acosh(a - 1)
        assert limit == pytest.approx(1 / onsager(coupling).correlation_length, rel=1e-12)


def test_to_dict_and_bad_input():
    data = onsager(0.3).to_dict()
    assert all(type(v) is float for v in data.values())
    assert onsager(0.0).log_partition_per_spin == pytest.approx(math.log(2))
    for bad in (math.nan, math.inf, "0.3"):
        with pytest.raises(InputError):
            onsager(bad)
