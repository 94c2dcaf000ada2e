"""Resampling and binning errors against exact results, with negative controls."""

import math

import numpy as np
import pytest

from deeprg import InputError
from deeprg.stats import (
    binning_stderr,
    block_jackknife,
    blocking_stderrs,
    bootstrap_stderr,
    jackknife_stderr,
    mean_stderr,
)


def ar1(n, phi, seed):
    """AR(1) series x_t = φ x_{t-1} + ε_t with unit stationary variance."""
    rng = np.random.default_rng(seed)
    noise = rng.standard_normal(n) * math.sqrt(1 - phi**2)
    x = np.empty(n)
    x[0] = rng.standard_normal()
    for t in range(1, n):
        x[t] = phi * x[t - 1] + noise[t]
    return x


def test_jackknife_of_the_mean_is_the_standard_error_of_the_mean():
    x = np.random.default_rng(0).standard_normal(257)
    sem = np.std(x, ddof=1) / np.sqrt(x.size)
    assert block_jackknife(lambda m: m, [x], x.size) == pytest.approx(sem, rel=1e-12)
    loo = (x.sum() - x) / (x.size - 1)
    assert jackknife_stderr(loo) == pytest.approx(sem, rel=1e-12)
    assert jackknife_stderr(loo, nonfinite="omit") == pytest.approx(sem, rel=1e-12)
    assert mean_stderr(x) == (pytest.approx(x.mean()), pytest.approx(sem, rel=1e-12))


def test_jackknife_nonfinite_policies():
    values = np.array([1.0, 2.0, np.nan, 4.0])
    assert math.isnan(jackknife_stderr(values))
    rest = values[np.isfinite(values)]
    expected = math.sqrt(2 / 3 * np.sum((rest - rest.mean()) ** 2))
    assert jackknife_stderr(values, nonfinite="omit") == pytest.approx(expected, rel=1e-14)
    assert math.isnan(jackknife_stderr([1.0]))
    with pytest.raises(InputError):
        jackknife_stderr(values, nonfinite="ignore")
    with pytest.raises(InputError):
        jackknife_stderr(values, rounding="float32")


def test_jackknife_roundings_agree_and_columns_match_the_scalar_form():
    rng = np.random.default_rng(7)
    table = 1.0 + 0.01 * rng.standard_normal((20, 3))
    for column in table.T:
        assert jackknife_stderr(column, rounding="sum") == pytest.approx(
            jackknife_stderr(column), rel=1e-14
        )
    per_column = jackknife_stderr(table, axis=0)
    assert per_column.shape == (3,)
    np.testing.assert_allclose(per_column, [jackknife_stderr(c) for c in table.T], rtol=1e-14)


def test_jackknife_of_a_nonlinear_statistic_matches_the_delta_method():
    rng = np.random.default_rng(1)
    x = 5.0 + rng.standard_normal(20_000)
    err = block_jackknife(lambda m: m**2, [x], 100)
    delta = 2 * x.mean() * np.std(x, ddof=1) / np.sqrt(x.size)
    assert err == pytest.approx(delta, rel=0.2)


def test_bootstrap_of_the_mean_matches_the_standard_error():
    x = np.random.default_rng(2).standard_normal(400)
    err = bootstrap_stderr(lambda idx: x[idx].mean(), x.size, seed=3, n_resamples=2000)
    assert err == pytest.approx(np.std(x, ddof=1) / np.sqrt(x.size), rel=0.1)
    assert bootstrap_stderr(lambda idx: x[idx].mean(), x.size, seed=3, n_resamples=50) == (
        bootstrap_stderr(lambda idx: x[idx].mean(), x.size, seed=3, n_resamples=50)
    )
    assert math.isnan(bootstrap_stderr(lambda idx: 0.0, 1, seed=0))


def test_binning_recovers_the_ar1_autocorrelation_time():
    phi, n = 0.8, 200_000
    x = ar1(n, phi, seed=4)
    # 2 τ_int = (1 + φ) / (1 − φ) = 9 for unit variance
    exact = math.sqrt((1 + phi) / (1 - phi) / n)
    assert binning_stderr(x, 100) == pytest.approx(exact, rel=0.2)
    curve = blocking_stderrs(x)
    assert curve[-3:] == pytest.approx(exact, rel=0.3)
    # negative control: the naive error misses the factor sqrt(2 τ_int) = 3
    naive = np.std(x, ddof=1) / np.sqrt(n)
    assert curve[0] == pytest.approx(naive)
    assert naive < exact / 2.5


def test_binning_of_independent_data_is_flat():
    x = np.random.default_rng(5).standard_normal(100_000)
    naive = np.std(x, ddof=1) / np.sqrt(x.size)
    assert binning_stderr(x, 100) == pytest.approx(naive, rel=0.2)
    assert blocking_stderrs(x)[:8] == pytest.approx(naive, rel=0.2)


def test_binning_input_checks():
    assert math.isnan(binning_stderr([1.0, 2.0], 1))
    assert math.isnan(binning_stderr([1.0], 2))
    with pytest.raises(InputError):
        binning_stderr(np.zeros((3, 3)), 2)
