"""Transfer-matrix chain against enumeration, closed forms and high-precision arithmetic."""

import math

import mpmath
import numpy as np
import pytest

from deeprg import InputError, IsingChain
from deeprg.exact import chain, chain_correlation, enumerate_ising

FIELDS = [
    "log_partition_per_spin",
    "energy_per_spin",
    "magnetization_per_spin",
    "heat_capacity_per_spin",
    "susceptibility_per_spin",
    "m2_per_spin2",
]


def assert_matches_enumeration(n, j, h, tol=1e-12):
    exact = chain(n, j, h)
    ref = enumerate_ising(IsingChain(n, j, h))
    for name in FIELDS:
        expected = getattr(ref, name)
        assert getattr(exact, name) == pytest.approx(expected, rel=tol, abs=tol), name
    states = ref.states.astype(float)
    bond = ref.expectation(states[:, 0] * states[:, 1])
    assert exact.nearest_neighbour_correlation == pytest.approx(bond, abs=tol)
    distances = np.arange(-1, n + 2)
    expected = [ref.expectation(states[:, 0] * states[:, r % n]) for r in distances]
    np.testing.assert_allclose(chain_correlation(n, j, h, distances), expected, atol=tol)


@pytest.mark.parametrize("n", [2, 3, 4, 7, 12, 16])
@pytest.mark.parametrize("j", [-1.3, -0.4, 0.35, 1.1])
@pytest.mark.parametrize("h", [0.0, 0.3, -0.9])
def test_chain_matches_enumeration(n, j, h):
    assert_matches_enumeration(n, j, h)


def test_wrong_coupling_fails_the_same_check():
    with pytest.raises(AssertionError):
        exact = chain(12, 0.36, 0.3)
        ref = enumerate_ising(IsingChain(12, 0.35, 0.3))
        assert exact.energy_per_spin == pytest.approx(ref.energy_per_spin, rel=1e-12, abs=1e-12)


def test_long_chain_approaches_textbook_infinite_chain():
    j, h, n = 0.7, 0.15, 10**6
    result = chain(n, j, h)
    q = math.exp(-4 * j)
    lam = math.exp(j) * math.cosh(h) + math.sqrt(math.exp(2 * j) * math.sinh(h) ** 2 + q**0.5)
    m = math.sinh(h) / math.sqrt(math.sinh(h) ** 2 + q)
    chi = math.cosh(h) * q / (math.sinh(h) ** 2 + q) ** 1.5
    assert result.log_partition_per_spin == pytest.approx(math.log(lam), abs=1e-14)
    assert result.magnetization_per_spin == pytest.approx(m, abs=1e-14)
    assert result.susceptibility_per_spin == pytest.approx(chi, rel=1e-12)
    zero_field = chain(n, j)
    assert zero_field.energy_per_spin == pytest.approx(-j * math.tanh(j), abs=1e-14)
    assert zero_field.heat_capacity_per_spin == pytest.approx((j / math.cosh(j)) ** 2, rel=1e-12)
    assert zero_field.correlation_length == pytest.approx(-1 / math.log(math.tanh(j)), rel=1e-13)


def mp_reference(n, j, h):
    """Z = λ+^N + λ-^N in high precision (λ-^N cancels ~e^{-2|J|}), derivatives by mpmath.diff."""
    with mpmath.workdps(80 + int(1.2 * abs(j))):
        j, h = mpmath.mpf(j), mpmath.mpf(h)

        def log_z(a, b):
            d = mpmath.sqrt(mpmath.e ** (2 * a) * mpmath.sinh(b) ** 2 + mpmath.e ** (-2 * a))
            c = mpmath.e**a * mpmath.cosh(b)
            return mpmath.log((c + d) ** n + (c - d) ** n)

        d_j = mpmath.diff(lambda a: log_z(a, h), j)
        d_h = mpmath.diff(lambda b: log_z(j, b), h)
        d_jj = mpmath.diff(lambda a: log_z(a, h), j, 2)
        d_hh = mpmath.diff(lambda b: log_z(j, b), h, 2)
        d_jh = mpmath.diff(log_z, (j, h), (1, 1))
        return {
            "log_partition_per_spin": float(log_z(j, h) / n),
            "energy_per_spin": float(-(j * d_j + h * d_h) / n),
            "magnetization_per_spin": float(d_h / n),
            "heat_capacity_per_spin": float((j * j * d_jj + 2 * j * h * d_jh + h * h * d_hh) / n),
            "susceptibility_per_spin": float(d_hh / n),
            "m2_per_spin2": float((d_hh + d_h**2) / n**2),
        }


@pytest.mark.parametrize(
    ("n", "j", "h"),
    [
        (3, -20.0, 0.0),  # frustrated ring: 1 + r^N ~ N e^{-40}
        (5, -20.0, 2.0),
        (7, -200.0, 1e-12),
        (1001, -3.0, 0.5),
        (1000, 20.0, 0.0),  # ordered finite ring: Var(M) ~ N², infinite-chain χ ~ e^{40}
        (6, 20.0, 1e-9),
        (999_999, 0.3, -300.0),
        (2, 1e-300, 0.0),
        (4, 45.0, 7.0),
    ],
)
def test_extreme_parameters_against_high_precision(n, j, h):
    result = chain(n, j, h)
    expected = mp_reference(n, j, h)
    for name, value in expected.items():
        # heat capacity is a variance of energies of size ~N(|J| + |h|): absolute accuracy
        scale = 1 + j * j + h * h if name == "heat_capacity_per_spin" else 1.0
        assert getattr(result, name) == pytest.approx(value, rel=1e-12, abs=1e-12 * scale), name


@pytest.mark.parametrize(("n", "j", "h"), [(9, -0.8, 0.4), (40, 0.6, 0.0), (25, 1.5, -0.05)])
def test_correlations_sum_to_susceptibility(n, j, h):
    # Var(M)/N = Σ_r <s_0 s_r> - N <s>²: correlation formula vs second derivative of ln Z
    result = chain(n, j, h)
    total = chain_correlation(n, j, h, np.arange(n)).sum()
    chi = total - n * result.magnetization_per_spin**2
    assert chi == pytest.approx(result.susceptibility_per_spin, rel=1e-11)


@pytest.mark.parametrize("j", [0.2, 0.9, -1.4])
def test_decimation_recursion(j):
    # summing out every other spin of a 2n-ring gives an n-ring at tanh J' = tanh² J
    # (Mehta & Schwab, Fig. 2), so <s_0 s_2> there equals <s_0 s_1> here
    j_prime = math.atanh(math.tanh(j) ** 2)
    for n in (3, 8):
        fine = chain_correlation(2 * n, j, 0.0, 2)
        coarse = chain_correlation(n, j_prime, 0.0, 1)
        assert fine == pytest.approx(coarse, rel=1e-13)


def test_array_and_scalar_distance():
    values = chain_correlation(10, 0.5, 0.1, np.array([[0, 1], [10, 11]]))
    assert values.shape == (2, 2)
    assert values[0, 0] == pytest.approx(1.0) and values[1, 0] == pytest.approx(1.0)
    assert values[0, 1] == pytest.approx(values[1, 1])
    assert isinstance(chain_correlation(10, 0.5, 0.1, 3), float)


def test_to_dict_is_plain_numbers():
    data = chain(8, 0.4, 0.2).to_dict()
    assert set(FIELDS) <= set(data)
    assert all(type(v) in (int, float) for v in data.values())


@pytest.mark.parametrize(
    ("args", "kwargs"),
    [
        ((1, 0.5), {}),
        ((2.5, 0.5), {}),
        ((4, math.nan), {}),
        ((4, 0.5, math.inf), {}),
        ((4, "0.5"), {}),
    ],
)
def test_bad_input(args, kwargs):
    with pytest.raises(InputError):
        chain(*args, **kwargs)


def test_bad_distance():
    with pytest.raises(InputError, match="integer"):
        chain_correlation(4, 0.5, 0.0, 1.5)
