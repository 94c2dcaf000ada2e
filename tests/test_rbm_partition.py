"""Partition functions: exact summation against brute force over both layers, AIS within its error bar."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import torch
from scipy.special import logsumexp

from deeprg.errors import InputError
from deeprg.rbm import RBM, ais_log_partition, exact_log_partition
from deeprg.rbm.functional import all_states

VALUES = {"binary": (0.0, 1.0), "spin": (-1.0, 1.0)}


pytestmark = pytest.mark.usefixtures("one_torch_thread")


def brute_force_log_z(w, a, b, units):
    """ln Σ_{v,h} exp(-E(v,h)) over every joint configuration (numpy, no torch)."""
    v = np.array(list(itertools.product(VALUES[units], repeat=len(a))))
    h = np.array(list(itertools.product(VALUES[units], repeat=len(b))))
    return logsumexp((v @ a)[:, None] + (h @ b)[None, :] + v @ w @ h.T)


def random_params(n_visible, n_hidden, scale, seed):
    rng = np.random.default_rng(seed)
    return (
        rng.normal(0, scale, (n_visible, n_hidden)),
        rng.normal(0, scale, n_visible),
        rng.normal(0, scale, n_hidden),
    )


@pytest.mark.parametrize("units", ["binary", "spin"])
@pytest.mark.parametrize(("n_visible", "n_hidden"), [(7, 4), (4, 7), (6, 6)])
def test_exact_log_partition_matches_brute_force(units, n_visible, n_hidden):
    w, a, b = random_params(n_visible, n_hidden, 1.5, seed=n_visible * 10 + n_hidden)
    expected = brute_force_log_z(w, a, b, units)
    value = exact_log_partition(torch.tensor(w), torch.tensor(a), torch.tensor(b), units)
    assert value == pytest.approx(expected, rel=1e-13, abs=1e-12)
    rbm = RBM.from_parameters(w, a, b, units=units)
    assert rbm.log_partition("exact") == pytest.approx(expected, rel=1e-13, abs=1e-12)
    # A wrong model fails the same comparison (negative control).
    assert brute_force_log_z(1.1 * w, a, b, units) != pytest.approx(expected, abs=1e-3)


def test_exact_log_partition_is_stable_for_huge_parameters():
    """Log-space summation: no overflow where exp(-E) does not fit in a float64."""
    w, a, b = random_params(5, 3, 400.0, seed=1)
    expected = brute_force_log_z(w, a, b, "binary")
    assert np.isfinite(expected)
    value = exact_log_partition(torch.tensor(w), torch.tensor(a), torch.tensor(b), "binary")
    assert value == pytest.approx(expected, rel=1e-13)


def test_all_states_counts_in_binary():
    states = all_states(3, "binary", 2, 6)
    np.testing.assert_array_equal(states.numpy(), [[0, 1, 0], [1, 1, 0], [0, 0, 1], [1, 0, 1]])
    np.testing.assert_array_equal(
        all_states(2, "spin").numpy(), [[-1, -1], [1, -1], [-1, 1], [1, 1]]
    )


def test_exact_refuses_two_large_layers():
    w = torch.zeros(26, 26)
    with pytest.raises(InputError, match="method='ais'"):
        exact_log_partition(w, torch.zeros(26), torch.zeros(26), "binary")


@pytest.mark.parametrize("units", ["binary", "spin"])
def test_ais_within_its_error_bar_on_a_20_hidden_model(units):
    """AIS on a 24x20 RBM (exact ln Z by summing the 2^20 hidden states).

    The estimator's standard error comes from the spread of the importance weights; with a
    fixed seed the AIS value must lie within 3 of them of the exact value, and the exact ln Z
    of a slightly different model (W scaled by 1.05) must not.
    """
    w, a, b = random_params(24, 20, 0.25, seed=7)
    tw, ta, tb = torch.tensor(w), torch.tensor(a), torch.tensor(b)
    exact = exact_log_partition(tw, ta, tb, units)
    result = ais_log_partition(tw, ta, tb, units, n_chains=200, n_betas=3000, seed=0)
    assert 0 < result.std_err < 0.05
    assert abs(result.log_z - exact) < 3 * result.std_err
    assert result.effective_sample_size > 50
    wrong = exact_log_partition(1.05 * tw, ta, tb, units)
    assert abs(result.log_z - wrong) > 3 * result.std_err


def test_log_partition_methods_and_errors():
    w, a, b = random_params(6, 5, 0.5, seed=2)
    rbm = RBM.from_parameters(w, a, b, random_state=0)
    exact = rbm.log_partition()
    value, std = rbm.log_partition("exact", return_std=True)
    assert (value, std) == (exact, 0.0)
    ais, ais_std = rbm.log_partition("ais", n_betas=1000, return_std=True)
    assert abs(ais - exact) < 3 * ais_std + 1e-3
    with pytest.raises(InputError, match="method"):
        rbm.log_partition("magic")
    with pytest.raises(InputError, match="base_visible_bias"):
        rbm.log_partition("ais", base_visible_bias=np.zeros(3))


def test_ais_is_reproducible_with_a_seed():
    w, a, b = (torch.tensor(x) for x in random_params(8, 30, 0.3, seed=4))
    first = ais_log_partition(w, a, b, "binary", n_chains=20, n_betas=200, seed=5)
    second = ais_log_partition(w, a, b, "binary", n_chains=20, n_betas=200, seed=5)
    assert first.log_z == second.log_z


def test_score_samples_uses_ais_beyond_25_units_and_caches_it():
    """Both layers > 25 units: score_samples estimates ln Z by AIS (estimator's seed), once."""
    w, a, b = random_params(26, 26, 0.05, seed=3)
    rbm = RBM.from_parameters(w, a, b, random_state=0)
    x = (np.random.default_rng(0).random((3, 26)) < 0.5).astype(float)
    scores = rbm.score_samples(x)
    log_z = rbm.log_partition("ais", seed=0)
    np.testing.assert_allclose(scores, -rbm.free_energy(x) - log_z, rtol=1e-12)
    assert rbm._log_z_cache[1] == log_z
    # Weak couplings: cumulant expansion of X = v·W·h about the weightless model,
    # ln Z = ln Z_0 + <X>_0 + Var_0(X)/2 + O(W³) (third order ~ 0.01 here).
    p, q = 1 / (1 + np.exp(-a)), 1 / (1 + np.exp(-b))
    second_v = np.outer(p, p) + np.diag(p - p**2)  # <v_i v_k>_0
    second_h = np.outer(q, q) + np.diag(q - q**2)
    mean = p @ w @ q
    variance = np.trace(w.T @ second_v @ w @ second_h) - mean**2
    log_z0 = np.sum(np.logaddexp(0, a)) + np.sum(np.logaddexp(0, b))
    assert log_z == pytest.approx(log_z0 + mean + variance / 2, abs=0.05)
    assert abs(log_z - (log_z0 + mean)) > 0.1  # the first order alone is not enough


def _unit_partition_reference(x: np.ndarray, units: str) -> np.ndarray:
    """ln Σ_u exp(x u) over u ∈ {0, 1} (binary) or {-1, +1} (spin), in numpy's long double."""
    x = x.astype(np.longdouble)
    return np.logaddexp(0.0, x) if units == "binary" else np.logaddexp(x, -x)


def _ulps_off(got: torch.Tensor, reference: np.ndarray) -> float:
    """Largest |got - reference| in units of the reference's last place in ``got``'s dtype."""
    info = torch.finfo(got.dtype)
    scale = np.maximum(np.abs(reference), info.tiny) * np.longdouble(info.eps)
    return float(np.max(np.abs(got.numpy().astype(np.longdouble) - reference) / scale))


#: Inputs from the largest finite float32 down to 0, through the region where e^-|x| still
#: matters (|x| < 50) at a fine step.
_EDGE_INPUTS = np.concatenate(
    [np.linspace(-60, 60, 24001), [0.0, 1e-30, -1e-30, 1e10, -1e10, 3e38, -3e38]]
)


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize("units", ["binary", "spin"])
def test_log_unit_partition_is_accurate_for_every_finite_input(units, dtype):
    """f(x) (every free energy, the AIS weights and the history's pseudo-likelihood rest on it)
    within 2 units in the last place of a long-double reference, from -3e38 to 3e38; the other
    unit type's f and the naive ln(1 + e^x) (which overflows) are far off the same yardstick."""
    from deeprg.rbm.functional import log_unit_partition

    x = torch.tensor(_EDGE_INPUTS, dtype=dtype)
    reference = _unit_partition_reference(_EDGE_INPUTS.astype(x.numpy().dtype), units)
    assert _ulps_off(log_unit_partition(x, units), reference) <= 2.0
    other = "spin" if units == "binary" else "binary"
    assert _ulps_off(log_unit_partition(x, other), reference) > 1e6
    if units == "binary":
        with np.errstate(over="ignore", invalid="ignore"):
            assert not _ulps_off(torch.log1p(torch.exp(x)), reference) <= 2.0


@pytest.mark.parametrize("units", ["binary", "spin", "gaussian"])
def test_log_unit_partition_takes_integer_inputs(units):
    """Integer hidden inputs (integer weights and states) give the float result of their values."""
    from deeprg.rbm.functional import log_unit_partition

    values = np.array([-3.0, 0.0, 2.0])
    got = log_unit_partition(torch.tensor([-3, 0, 2]), units)
    assert got.dtype == torch.get_default_dtype()
    if units == "gaussian":
        expected = 0.5 * values**2 + 0.5 * np.log(2 * np.pi)
    else:
        expected = _unit_partition_reference(values, units).astype(np.float64)
    np.testing.assert_allclose(got.numpy(), expected, rtol=1e-6)
