"""Walsh–Hadamard effective couplings against direct sums and planted Hamiltonians."""

import itertools

import numpy as np
import pytest

from deeprg import InputError
from deeprg.rg import (
    chain_rbm,
    effective_couplings,
    hidden_hamiltonian,
    interaction_coefficients,
    match_hidden_units,
    ring_couplings,
)


def spin_states(n):
    return np.array(list(itertools.product((-1, 1), repeat=n)), dtype=float)


def test_coefficients_match_direct_sum_and_reconstruct():
    n = 5
    rng = np.random.default_rng(0)
    values = rng.normal(size=2**n)
    coeffs = interaction_coefficients(values)
    sigma = spin_states(n)
    reconstructed = np.zeros(2**n)
    for mask in range(2**n):
        units = [j for j in range(n) if mask >> (n - 1 - j) & 1]
        chi = np.prod(sigma[:, units], axis=1) if units else np.ones(2**n)
        assert coeffs[mask] == pytest.approx(np.mean(values * chi), abs=1e-14)
        reconstructed += coeffs[mask] * chi
    np.testing.assert_allclose(reconstructed, values, atol=1e-13)


def test_planted_couplings_are_recovered():
    n = 4
    sigma = spin_states(n)
    pairs = {(0, 1): 0.7, (1, 2): -0.3, (0, 3): 0.2}
    fields = np.array([0.1, 0.0, -0.4, 0.25])
    energy = 1.5 - sigma @ fields - 0.05 * sigma[:, 0] * sigma[:, 2] * sigma[:, 3]
    for (j, k), value in pairs.items():
        energy -= value * sigma[:, j] * sigma[:, k]
    found = effective_couplings(energy)
    assert found["constant"] == pytest.approx(1.5)
    np.testing.assert_allclose(found["fields"], fields, atol=1e-14)
    expected = np.zeros((n, n))
    for (j, k), value in pairs.items():
        expected[j, k] = expected[k, j] = value
    np.testing.assert_allclose(found["pair_couplings"], expected, atol=1e-14)
    assert found["higher_order_max"] == pytest.approx(0.05)
    assert found["higher_order_norm"] == pytest.approx(0.05)


def test_exact_chain_rbm_hidden_layer_is_a_nearest_neighbour_chain():
    rbm = chain_rbm(12, 0.9)
    found = effective_couplings(hidden_hamiltonian(rbm))
    ring = ring_couplings(found["pair_couplings"])
    j_prime = 0.5 * np.log(np.cosh(1.8))
    np.testing.assert_allclose(ring["nearest"], j_prime, atol=1e-13)
    assert ring["beyond_nearest_max"] < 1e-13 and found["higher_order_max"] < 1e-13
    assert np.max(np.abs(found["fields"])) < 1e-13


def test_ring_couplings_undo_permutation_and_sign_flips():
    m = 6
    ring = np.zeros((m, m))
    for k in range(m):
        ring[k, (k + 1) % m] = ring[(k + 1) % m, k] = 0.5 + 0.1 * k
    ring[0, 2] = ring[2, 0] = 0.05
    perm = np.array([3, 0, 5, 1, 4, 2])  # unit perm[k] sits at ring position k
    flips = np.array([1, -1, -1, 1, 1, -1.0])
    scrambled = np.zeros_like(ring)
    scrambled[np.ix_(perm, perm)] = ring
    scrambled *= np.outer(flips, flips)
    got = ring_couplings(scrambled, order=perm, signs=flips)
    np.testing.assert_allclose(got["nearest"], 0.5 + 0.1 * np.arange(m))
    assert got["next_nearest_mean"] == pytest.approx(0.05 / m)
    assert got["beyond_nearest_max"] == pytest.approx(0.05)
    wrong = ring_couplings(scrambled)  # without undoing the scramble: not the ring
    assert not np.allclose(wrong["nearest"], 0.5 + 0.1 * np.arange(m))
    assert ring_couplings([[0.0, 1.0], [1.0, 0.0]])["nearest_mean"] == pytest.approx(0.5)
    with pytest.raises(InputError):
        ring_couplings(np.zeros((3, 3)), order=[0, 0, 1])


def test_match_hidden_units_finds_centres_and_signs():
    n_visible = 12
    true_centres = np.array([7.0, 1.0, 4.0, 10.0])
    true_signs = np.array([1.0, -1.0, 1.0, -1.0])
    sites = np.arange(n_visible)
    distance = np.abs((sites[:, None] - true_centres[None, :] + 6) % 12 - 6)
    weights = true_signs * np.exp(-(distance**2))
    found = match_hidden_units(weights)
    np.testing.assert_allclose(found["centres"], true_centres, atol=1e-9)
    np.testing.assert_array_equal(found["signs"], true_signs)
    np.testing.assert_array_equal(found["order"], [1, 2, 0, 3])
    assert np.all(found["concentration"] > 0.5)


def test_errors():
    with pytest.raises(InputError, match="2\\*\\*n"):
        interaction_coefficients(np.zeros(6))
    with pytest.raises(InputError, match="finite"):
        interaction_coefficients([0.0, np.nan])
    with pytest.raises(InputError):
        match_hidden_units(np.zeros(4))
