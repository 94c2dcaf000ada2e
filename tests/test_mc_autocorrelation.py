"""Sokal-windowed integrated autocorrelation times and error bars (deeprg.mc.autocorrelation).

Reference: the AR(1) process x_t = φ x_{t-1} + ε_t has ρ(t) = φ^t, hence
τ_int = 1/2 + Σ_{t≥1} φ^t = (1 + φ) / (2 (1 - φ)) exactly.
"""

from __future__ import annotations

import numpy as np
import pytest

from deeprg.errors import InputError
from deeprg.mc import autocorrelation, integrated_autocorrelation_time, mean_and_error


def ar1(phi: float, n: int, n_chains: int, seed: int) -> np.ndarray:
    """Stationary AR(1) chains, array of shape (n_chains, n), unit innovations."""
    rng = np.random.default_rng(seed)
    noise = rng.standard_normal((n_chains, n))
    x = np.empty((n_chains, n))
    x[:, 0] = noise[:, 0] / np.sqrt(1.0 - phi**2)  # start in the stationary distribution
    for t in range(1, n):
        x[:, t] = phi * x[:, t - 1] + noise[:, t]
    return x


def exact_tau(phi: float) -> float:
    return (1.0 + phi) / (2.0 * (1.0 - phi))


@pytest.mark.parametrize("phi", [0.0, 0.5, 0.9])
def test_tau_of_ar1_matches_exact(phi):
    x = ar1(phi, 100_000, 1, seed=1)[0]
    tau = integrated_autocorrelation_time(x)
    # Sokal: relative statistical error of τ ≈ sqrt(2 (2M + 1) / n), M ≈ 5 τ; allow 4 of those
    tolerance = 4 * np.sqrt(2 * (10 * exact_tau(phi) + 1) / x.size)
    assert tau == pytest.approx(exact_tau(phi), rel=tolerance)


def test_tau_pools_several_chains():
    phi = 0.8
    x = ar1(phi, 20_000, 8, seed=2)
    tolerance = 4 * np.sqrt(2 * (10 * exact_tau(phi) + 1) / x.size)
    assert integrated_autocorrelation_time(x) == pytest.approx(exact_tau(phi), rel=tolerance)


def test_autocorrelation_of_ar1_decays_as_phi_to_the_t():
    rho = autocorrelation(ar1(0.7, 200_000, 1, seed=3)[0])
    assert rho[0] == 1.0
    np.testing.assert_allclose(rho[1:6], 0.7 ** np.arange(1, 6), atol=0.01)


def test_mean_and_error_covers_truth_at_the_nominal_rate():
    """95% intervals from mean_and_error contain the true mean 0 about 95% of the time,
    while the naive error (τ = 1/2, the negative control) covers far less often."""
    phi = 0.9
    x = ar1(phi, 4_000, 400, seed=4)
    z_corrected, z_naive = [], []
    for series in x:
        mean, error = mean_and_error(series)
        z_corrected.append(mean / error)
        z_naive.append(mean / (series.std() / np.sqrt(series.size)))
    coverage = np.mean(np.abs(z_corrected) < 1.96)
    naive_coverage = np.mean(np.abs(z_naive) < 1.96)
    assert 0.90 <= coverage <= 0.99
    assert naive_coverage < 0.6


def test_error_matches_exact_variance_of_the_mean():
    phi = 0.8
    n = 50_000
    _, error = mean_and_error(ar1(phi, n, 1, seed=5)[0])
    variance = 1.0 / (1.0 - phi**2)
    exact_error = np.sqrt(2.0 * exact_tau(phi) * variance / n)  # large-n limit
    assert error == pytest.approx(exact_error, rel=0.1)


def test_several_chains_give_the_pooled_mean():
    x = ar1(0.5, 1_000, 4, seed=6) + 3.0
    mean, error = mean_and_error(x)
    assert mean == pytest.approx(x.mean())
    assert 0 < error < 0.2


def test_constant_series_has_tau_one_half_and_zero_error():
    assert integrated_autocorrelation_time(np.ones(100)) == 0.5
    assert mean_and_error(np.full(100, 2.0)) == (2.0, 0.0)


def test_chains_stuck_in_different_states_give_a_large_error():
    """Two chains that never mix (means ±1) must not report a small error bar."""
    rng = np.random.default_rng(7)
    x = np.stack([1.0 + 0.1 * rng.standard_normal(5000), -1.0 + 0.1 * rng.standard_normal(5000)])
    mean, error = mean_and_error(x)
    assert abs(mean) < 0.01
    assert error > 0.1


@pytest.mark.parametrize(
    "bad",
    [np.zeros((2, 2, 2)), np.zeros(1), np.array([1.0, np.nan, 2.0]), "abc"],
)
def test_bad_series_raise_input_error(bad):
    with pytest.raises(InputError):
        integrated_autocorrelation_time(bad)


@pytest.mark.parametrize("c", [0.0, -1.0, float("nan")])
def test_bad_window_constant_raises(c):
    with pytest.raises(InputError):
        integrated_autocorrelation_time(np.arange(10.0), c=c)
