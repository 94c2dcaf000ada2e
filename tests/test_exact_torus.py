"""Kaufman's finite torus against published values, enumeration and high-precision derivatives."""

import math

import mpmath
import pytest

from deeprg import J_CRITICAL, InputError, IsingSquare
from deeprg.exact import enumerate_ising, torus


def test_paper_lattice_reference_values():
    # issue 2: L = 40, J = 0.408 (the energy is quoted in units of J)
    result = torus(40, 0.408)
    assert result.energy_per_spin_in_units_of_j == pytest.approx(-1.151821150768, abs=1e-12)
    assert result.energy_per_spin == pytest.approx(0.408 * -1.151821150768, abs=1e-12)
    assert result.heat_capacity_per_spin == pytest.approx(0.99467047, abs=5e-9)
    # negative control: a slightly wrong coupling misses the published numbers
    wrong = torus(40, 0.409)
    assert abs(wrong.energy_per_spin_in_units_of_j + 1.151821150768) > 1e-3
    assert abs(wrong.heat_capacity_per_spin - 0.99467047) > 1e-3


@pytest.mark.parametrize(("size", "expected"), [(16, 1.49870), (32, 1.84677)])
def test_critical_heat_capacity(size, expected):
    # Ferdinand & Fisher, Phys. Rev. 185, 832 (1969): C/N at J_c on the L x L torus
    assert torus(size, J_CRITICAL).heat_capacity_per_spin == pytest.approx(expected, abs=5e-6)


def test_critical_heat_capacity_grows_logarithmically():
    # C/N ~ (8 J_c² / π) ln L + const (Ferdinand & Fisher): doubling L adds (8 J_c²/π) ln 2
    step = torus(512, J_CRITICAL).heat_capacity_per_spin
    step -= torus(256, J_CRITICAL).heat_capacity_per_spin
    assert step == pytest.approx(8 * J_CRITICAL**2 / math.pi * math.log(2), abs=1e-3)


ENUMERATION_CASES = [
    (size, coupling)
    for size in (2, 3, 4)
    for coupling in (0.05, 0.3, J_CRITICAL, 0.6, 1.5, -0.35, -1.0)
    if coupling > 0 or size % 2 == 0  # odd L with J < 0 is frustrated and refused
]


@pytest.mark.parametrize(("size", "coupling"), ENUMERATION_CASES)
def test_matches_enumeration(size, coupling):
    exact = torus(size, coupling)
    ref = enumerate_ising(IsingSquare(size, coupling))
    assert exact.log_partition_per_spin == pytest.approx(ref.log_partition_per_spin, abs=1e-12)
    assert exact.energy_per_spin == pytest.approx(ref.energy_per_spin, abs=1e-12)
    assert exact.heat_capacity_per_spin == pytest.approx(ref.heat_capacity_per_spin, abs=1e-12)
    bonds = -ref.energy_per_spin / coupling
    assert exact.energy_per_spin_in_units_of_j == pytest.approx(-bonds, abs=1e-12)


def mp_log_z(size, k):
    """Kaufman's formula term by term in mpmath (no logs, scalings or centring)."""
    n = size * size
    a = mpmath.cosh(2 * k) / mpmath.tanh(2 * k)
    gam = [2 * k + mpmath.log(mpmath.tanh(k))]
    gam += [mpmath.acosh(a - mpmath.cos(mpmath.pi * el / size)) for el in range(1, 2 * size)]
    odd, even = gam[1::2], gam[0::2]
    z = mpmath.fprod(2 * mpmath.cosh(size * g / 2) for g in odd)
    z += mpmath.fprod(2 * mpmath.sinh(size * g / 2) for g in odd)
    z += mpmath.fprod(2 * mpmath.cosh(size * g / 2) for g in even)
    z += mpmath.fprod(2 * mpmath.sinh(size * g / 2) for g in even)
    return mpmath.log(z / 2) + n * mpmath.log(2 * mpmath.sinh(2 * k)) / 2


@pytest.mark.parametrize("size", [5, 64])
@pytest.mark.parametrize("coupling", [0.05, 0.3, 0.408, J_CRITICAL, 0.45, 0.8, 3.0])
def test_derivatives_against_high_precision(size, coupling):
    # first and second derivatives vs mpmath's high-precision differentiation (40 digits)
    result = torus(size, coupling)
    n = size * size
    with mpmath.workdps(40):
        k = mpmath.mpf(coupling)
        ln_z = mp_log_z(size, k)
        d1 = mpmath.diff(lambda x: mp_log_z(size, x), k)
        d2 = mpmath.diff(lambda x: mp_log_z(size, x), k, 2)
    assert result.log_partition_per_spin == pytest.approx(float(ln_z / n), rel=1e-14)
    assert result.energy_per_spin == pytest.approx(float(-k * d1 / n), rel=1e-12, abs=1e-14)
    assert result.heat_capacity_per_spin == pytest.approx(
        float(k * k * d2 / n), rel=1e-11, abs=1e-13
    )


@pytest.mark.parametrize("coupling", [0.2, 0.43, J_CRITICAL, 0.46, 1.0, 50.0])
def test_large_lattices_are_finite_and_consistent(coupling):
    for size in (128, 512, 2048):
        result = torus(size, coupling)
        values = result.to_dict().values()
        assert all(math.isfinite(v) for v in values)
        assert 0 <= result.heat_capacity_per_spin < 5
        assert -2 * coupling - 1e-12 <= result.energy_per_spin <= 0


def test_negative_coupling_even_size_is_symmetric():
    pos, neg = torus(6, 0.37), torus(6, -0.37)
    assert neg.log_partition_per_spin == pos.log_partition_per_spin
    assert neg.energy_per_spin == pos.energy_per_spin
    assert neg.heat_capacity_per_spin == pos.heat_capacity_per_spin
    assert neg.energy_per_spin_in_units_of_j == -pos.energy_per_spin_in_units_of_j


def test_zero_coupling():
    result = torus(7, 0.0)
    assert result.log_partition_per_spin == pytest.approx(math.log(2))
    assert result.energy_per_spin == 0 and result.heat_capacity_per_spin == 0


@pytest.mark.parametrize(
    ("size", "coupling", "match"),
    [
        (1, 0.4, ">= 2"),
        (3, -0.4, "even L"),
        (4, math.nan, "finite"),
        (4, math.inf, "finite"),
        (4.0, 0.4, "integer"),
        (4, 400.0, "300"),
    ],
)
def test_bad_input(size, coupling, match):
    with pytest.raises(InputError, match=match):
        torus(size, coupling)
