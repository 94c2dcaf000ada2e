"""Enumeration of small systems against explicit site-by-site loops and hand results."""

import itertools
import math

import numpy as np
import pytest

from deeprg import InputError, IsingChain, IsingSquare
from deeprg.exact import enumerate_ising, enumerate_states


def test_enumerate_states_order_and_units():
    spins = enumerate_states(3)
    expected_bits = np.array(list(itertools.product([0, 1], repeat=3)), dtype=float)
    assert spins.shape == (8, 3) and spins.dtype == np.float64
    np.testing.assert_array_equal(enumerate_states(3, units="binary"), expected_bits)
    np.testing.assert_array_equal(spins, 2 * expected_bits - 1)
    # row k = bits of k, unit 0 the most significant
    assert enumerate_states(4, units="binary")[0b1011].tolist() == [1, 0, 1, 1]
    assert enumerate_states(1).tolist() == [[-1.0], [1.0]]


@pytest.mark.parametrize(
    "kwargs", [{"n": 0}, {"n": 25}, {"n": 2.0}, {"n": 3, "units": "ising"}, {"n": True}]
)
def test_enumerate_states_refuses_bad_input(kwargs):
    with pytest.raises(InputError):
        enumerate_states(**kwargs)


def loop_energy(model, spins):
    """H(s) by an explicit loop over sites (independent of the model's np.roll code)."""
    j, h = model.coupling, model.field
    if isinstance(model, IsingChain):
        n = len(spins)
        return -sum(j * spins[i] * spins[(i + 1) % n] + h * spins[i] for i in range(n))
    size = spins.shape[0]
    total = 0.0
    for a, b in itertools.product(range(size), repeat=2):
        s = spins[a, b]
        total -= j * s * (spins[(a + 1) % size, b] + spins[a, (b + 1) % size]) + h * s
    return total


@pytest.mark.parametrize(
    "model", [IsingChain(5, -0.7, 0.3), IsingSquare(3, 0.4, -0.2), IsingSquare(2, 0.9, 0.1)]
)
def test_enumeration_matches_explicit_sums(model):
    result = enumerate_ising(model)
    n = model.n_spins
    assert result.states.shape == (2**n, *model.lattice_shape)
    assert result.states.dtype == np.int8
    # every configuration exactly once, in the order of enumerate_states
    flat = result.states.reshape(2**n, n)
    np.testing.assert_array_equal(flat, enumerate_states(n))
    energies = [loop_energy(model, s) for s in result.states]
    np.testing.assert_allclose(result.energies, energies, rtol=0, atol=1e-12)
    weights = [math.exp(-e) for e in energies]
    z = math.fsum(weights)
    probs = np.array(weights) / z
    mags = flat.sum(axis=1)
    assert result.log_partition == pytest.approx(math.log(z), abs=1e-12)
    np.testing.assert_allclose(result.probabilities, probs, rtol=1e-12, atol=0)
    mean_e = math.fsum(p * e for p, e in zip(probs, energies, strict=True))
    var_e = math.fsum(p * (e - mean_e) ** 2 for p, e in zip(probs, energies, strict=True))
    mean_m = math.fsum(probs * mags)
    m2 = math.fsum(probs * mags**2)
    assert result.energy_per_spin == pytest.approx(mean_e / n, abs=1e-13)
    assert result.heat_capacity_per_spin == pytest.approx(var_e / n, abs=1e-13)
    assert result.magnetization_per_spin == pytest.approx(mean_m / n, abs=1e-13)
    assert result.abs_magnetization_per_spin == pytest.approx(
        math.fsum(probs * np.abs(mags)) / n, abs=1e-13
    )
    assert result.m2_per_spin2 == pytest.approx(m2 / n**2, abs=1e-13)
    assert result.susceptibility_per_spin == pytest.approx((m2 - mean_m**2) / n, abs=1e-12)
    assert result.expectation(mags) == pytest.approx(mean_m, abs=1e-12)
    assert all(isinstance(v, (int, float)) for v in result.to_dict().values())


def test_two_spin_chain_by_hand():
    # N = 2 has two bonds between its spins (periodic convention): H = -2J s0 s1 - h (s0 + s1)
    j, h = 0.37, -0.21
    z = math.exp(2 * j + 2 * h) + math.exp(2 * j - 2 * h) + 2 * math.exp(-2 * j)
    result = enumerate_ising(IsingChain(2, j, h))
    assert result.log_partition == pytest.approx(math.log(z), abs=1e-14)
    # negative control: the same sum at a wrong coupling is far off
    wrong = enumerate_ising(IsingChain(2, j + 0.01, h))
    assert abs(wrong.log_partition - math.log(z)) > 1e-3


def test_zero_coupling_is_independent_spins():
    h = 0.6
    result = enumerate_ising(IsingSquare(3, 0.0, h))
    assert result.log_partition_per_spin == pytest.approx(math.log(2 * math.cosh(h)), abs=1e-14)
    assert result.magnetization_per_spin == pytest.approx(math.tanh(h), abs=1e-14)
    assert result.susceptibility_per_spin == pytest.approx(1 / math.cosh(h) ** 2, abs=1e-13)


def test_size_limits():
    result = enumerate_ising(IsingChain(20, 0.3))  # the largest allowed: 2**20 states
    assert result.probabilities.shape == (2**20,)
    assert result.probabilities.sum() == pytest.approx(1.0, abs=1e-12)
    with pytest.raises(InputError, match="20 spins"):
        enumerate_ising(IsingChain(21, 0.3))
    with pytest.raises(InputError, match="enumeration is limited"):
        enumerate_ising(IsingSquare(5, 0.3))
    with pytest.raises(InputError):
        enumerate_ising("ising2d")
