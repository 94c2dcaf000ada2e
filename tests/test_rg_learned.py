"""The learned counterpart of decimation: exact samples, hidden-layer couplings, training."""

import math

import numpy as np
import pytest

from deeprg import InputError
from deeprg.rg import (
    RBMParameters,
    chain_rbm,
    decimation_coupling,
    exact_chain_samples,
    hidden_layer_couplings,
    learned_decimation,
)


def periodic_nn_correlation(n, coupling):
    """<s_i s_{i+1}> of the periodic chain from the transfer-matrix eigenvalues."""
    t = math.tanh(coupling)
    return (t + t ** (n - 1)) / (1 + t**n)


def test_exact_samples_have_the_exact_correlation():
    n, coupling, m = 8, 0.7, 20000
    spins = exact_chain_samples(n, coupling, m, seed=5)
    assert spins.shape == (m, n) and spins.dtype == np.int8
    assert set(np.unique(spins)) == {-1, 1}
    per_sample = np.mean(spins * np.roll(spins, -1, axis=1), axis=1)  # independent rows
    mean, err = per_sample.mean(), per_sample.std(ddof=1) / np.sqrt(m)
    assert abs(mean - periodic_nn_correlation(n, coupling)) < 4 * err
    assert abs(mean - periodic_nn_correlation(n, coupling + 0.1)) > 4 * err  # negative control
    np.testing.assert_array_equal(spins, exact_chain_samples(n, coupling, m, seed=5))
    with pytest.raises(InputError):
        exact_chain_samples(8, 0.7, 0)


def test_hidden_couplings_survive_permutation_and_sign_flips():
    exact = chain_rbm(8, 0.9)  # 4 odd (visible) and 4 even (hidden) sites
    perm = np.array([2, 0, 3, 1])
    flips = np.array([1.0, -1.0, -1.0, 1.0])
    scrambled = RBMParameters(
        exact.weights_[:, perm] * flips,
        exact.visible_bias_,
        exact.hidden_bias_[perm] * flips,
        "spin",
        exact.energy_offset_,
    )
    found = hidden_layer_couplings(scrambled)
    np.testing.assert_allclose(found["nearest"], decimation_coupling(0.9), atol=1e-12)
    assert found["beyond_nearest_max"] < 1e-12 and found["higher_order_max"] < 1e-12
    np.testing.assert_allclose(found["centre_spacing"], 1.0, atol=1e-12)
    np.testing.assert_array_equal(found["signs"], flips)


def test_learned_decimation_smoke():
    result = learned_decimation(6, 0.8, n_samples=400, seed=1, epochs=2)
    assert result["n_spins"] == 6 and len(result["nearest"]) == 3
    assert 0 < result["kl"] < 10 and math.isfinite(result["nearest_mean"])
    assert result["decimation_coupling"] == pytest.approx(decimation_coupling(0.8))
    with pytest.raises(InputError, match="even"):
        learned_decimation(7, 0.8)


@pytest.mark.slow
def test_trained_spin_rbm_learns_a_decimation_like_hidden_layer():
    """Measured (seeded) behaviour: a well-fitted RBM puts its hidden units on one
    sublattice and their nearest-neighbour coupling is close to J' = ½ ln cosh 2J."""
    result = learned_decimation(8, 1.0, seed=0)
    assert result["kl"] < 0.05
    np.testing.assert_allclose(result["centre_spacing"], 2.0, atol=0.25)
    assert np.all(result["concentration"] > 0.8)
    assert abs(result["nearest_mean"] - result["decimation_coupling"]) < 0.25 * 0.6625
    assert result["beyond_nearest_max"] < 0.2 and result["higher_order_max"] < 0.05
