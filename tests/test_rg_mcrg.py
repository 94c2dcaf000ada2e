"""Swendsen's MCRG: operator sums, the B⁻¹A orientation, exponents and negative controls.

Tolerances come from measured jackknife errors. On the CI setting below (L = 32, 20000 Wolff
configurations 10 clusters apart, majority rule b = 2, best = steps 2 and 3 with all
operators) the jackknife errors are ≈ 0.008 in y_T and ≈ 0.0005 in y_h. Over seeds 0..7 the
best y_T was 0.987 ± 0.007 (scatter; a finite-size bias of ≈ -0.013 at L = 32, -0.004 at
L = 64), worst |y_T - 1| = 0.022; y_h was 1.8748 ± 0.0005, worst |y_h - 1.875| = 0.0014.
TOL_T = 0.035 is ≈ 4 errors (bias included); TOL_H = 0.003 is ≈ 6 errors.
"""

import json
import math

import numpy as np
import pytest

from deeprg import InputError
from deeprg.constants import J_CRITICAL
from deeprg.rg import (
    MCRGResult,
    critical_samples,
    linearized_rg_matrix,
    majority_block_spins,
    mcrg_exponents,
    operator_sums,
)
from deeprg.rg import mcrg as mcrg_module

TOL_T = 0.035
TOL_H = 0.003
L_CI = 32
N_CI = 20_000


def passes(result: MCRGResult) -> tuple[bool, bool]:
    """The recovery check: (y_T within TOL_T of 1, y_h within TOL_H of 15/8)."""
    best = result.best
    return abs(best["y_T"] - 1.0) < TOL_T, abs(best["y_h"] - 1.875) < TOL_H


@pytest.fixture(scope="module")
def critical():
    return critical_samples(L_CI, n_samples=N_CI, seed=11).spins


# ----------------------------------------------------------------------------- operators


def brute_operators(config):
    """Every operator by explicit loops over sites (definitions of the module docstring)."""
    size = config.shape[0]

    def s(i, j):
        return int(config[i % size, j % size])

    even = np.zeros(6)
    odd = np.zeros(4)
    for i in range(size):
        for j in range(size):
            even[0] += s(i, j) * s(i + 1, j) + s(i, j) * s(i, j + 1)
            even[1] += s(i, j) * s(i + 1, j + 1) + s(i, j) * s(i + 1, j - 1)
            even[2] += s(i, j) * s(i + 2, j) + s(i, j) * s(i, j + 2)
            even[3] += s(i, j) * s(i + 1, j) * s(i, j + 1) * s(i + 1, j + 1)
            for di, dj in ((2, 1), (2, -1), (1, 2), (1, -2)):
                even[4] += s(i, j) * s(i + di, j + dj)
            even[5] += s(i, j) * s(i + 2, j + 2) + s(i, j) * s(i + 2, j - 2)
            odd[0] += s(i, j)
            corners = [s(i, j), s(i + 1, j), s(i, j + 1), s(i + 1, j + 1)]
            for skip in range(4):
                odd[1] += np.prod([c for k, c in enumerate(corners) if k != skip])
            odd[2] += s(i, j) * s(i + 1, j) * s(i + 2, j) + s(i, j) * s(i, j + 1) * s(i, j + 2)
            odd[3] += s(i, j) * s(i + 1, j + 1) * s(i + 2, j + 2)
            odd[3] += s(i, j) * s(i + 1, j - 1) * s(i + 2, j - 2)
    return even, odd


@pytest.mark.parametrize("size", [1, 2, 3, 4, 5, 6])
def test_operator_sums_match_brute_force_loops(size):
    rng = np.random.default_rng(size)
    spins = rng.choice(np.array([-1, 1], dtype=np.int8), size=(3, size, size))
    sums = operator_sums(spins)
    assert sums["even"].shape == (3, 6) and sums["odd"].shape == (3, 4)
    for k in range(3):
        even, odd = brute_operators(spins[k])
        np.testing.assert_array_equal(sums["even"][k], even)
        np.testing.assert_array_equal(sums["odd"][k], odd)


def test_operator_sums_of_the_ordered_state():
    sums = operator_sums(np.ones((1, 8, 8), dtype=np.int8))
    n = 64
    np.testing.assert_array_equal(sums["even"][0], [2 * n, 2 * n, 2 * n, n, 4 * n, 2 * n])
    np.testing.assert_array_equal(sums["odd"][0], [n, 4 * n, 2 * n, 2 * n])


# ----------------------------------------------------------------------------- orientation


def test_rg_matrix_is_b_inverse_a_not_a_inverse_b(critical):
    """T = B⁻¹A with B at the blocked level; A⁻¹B (= T⁻¹) gives a wrong y_T ≈ 1.5-6."""
    spins = critical[:2000]  # one chunk: the driver draws its coins in the order used here
    rng = np.random.default_rng(5)
    levels = [spins]
    for _ in range(3):
        levels.append(majority_block_spins(levels[-1], 2, seed=rng))
    fine = operator_sums(levels[1])["even"]
    coarse = operator_sums(levels[2])["even"]
    a = np.cov(coarse.T, fine.T)[:6, 6:]  # ⟨S^(n+1) S^(n)⟩_c
    b = np.cov(coarse.T)  # ⟨S^(n+1) S^(n+1)⟩_c
    t = linearized_rg_matrix(coarse, fine)
    np.testing.assert_allclose(t, np.linalg.solve(b, a), rtol=1e-8, atol=1e-10)

    def y_of(matrix):
        return math.log(np.max(np.linalg.eigvals(matrix).real)) / math.log(2)

    assert abs(y_of(t) - 1.0) < 2 * TOL_T
    assert y_of(np.linalg.solve(a, b)) > 1.3  # the wrong orientation (measured 1.5 .. 6)
    # the driver computes exactly this matrix at blocking step 2
    result = mcrg_exponents(spins, seed=np.random.default_rng(5))
    assert result.estimate(2, 6)["y_T"] == pytest.approx(y_of(t), abs=1e-9)


# ----------------------------------------------------------------------------- exponents


def test_majority_rule_recovers_the_ising_exponents(critical):
    result = mcrg_exponents(critical, transform="majority", seed=0)
    best = result.best
    assert result.levels == 3 and best["levels"] == [2, 3] and best["level"] == 3
    assert best["n_operators"] == 6 and best["n_operators_odd"] == 4
    # the check has power: errors as measured, not inflated
    assert 0.003 < best["y_T_err"] < 0.015 and 0.0002 < best["y_h_err"] < 0.0015
    assert passes(result) == (True, True), best
    # the reasons behind the rule: step 1 and a single even operator are biased low
    assert result.estimate(1, 1)["y_T"] < 1 - 2 * TOL_T
    assert result.estimate(2, 1)["y_T"] < best["y_T"]
    assert result.exact == {"y_T": 1.0, "y_h": 1.875}
    json.dumps(result.as_dict())  # JSON-ready
    again = mcrg_exponents(critical, transform="majority", seed=0)
    assert again.best == best  # same seed, same coins, same numbers


def test_negative_control_nonlocal_blocks_fail_the_check(critical):
    """Blocks of randomly chosen, distant sites: a fixed permutation before blocking."""

    def nonlocal_majority(spins):
        n, size, _ = spins.shape
        perm = np.random.default_rng(size).permutation(size * size)  # fixed per size
        shuffled = spins.reshape(n, -1)[:, perm].reshape(n, size, size)
        return majority_block_spins(shuffled, 2, seed=1)

    result = mcrg_exponents(critical, transform=nonlocal_majority)
    assert result.b == 2 and result.levels == 3
    ok_t, ok_h = passes(result)
    assert not ok_t and not ok_h, result.best  # measured: y_T = 1.693(5), y_h = 1.767(4)


def test_negative_control_off_critical_data_fail_the_check():
    """Data at K = 0.9 K_c treated as critical: the flow leaves the fixed point."""
    spins = critical_samples(L_CI, coupling=0.9 * J_CRITICAL, n_samples=N_CI, seed=12).spins
    result = mcrg_exponents(spins, seed=0)
    ok_t, ok_h = passes(result)
    assert not ok_t and not ok_h, result.best  # measured: y_T = 0.49(2), y_h = 1.632(2)


def test_callable_transform_matches_named_one(critical):
    spins = critical[:1000]
    named = mcrg_exponents(spins, transform="decimation", levels=2, n_bins=10)
    conv_like = mcrg_exponents(
        spins, transform=lambda s: s[:, None, ::2, ::2].astype(np.float32), levels=2, n_bins=10
    )
    assert conv_like.b == 2
    for x, y in zip(named.estimates, conv_like.estimates, strict=True):
        assert x["y_T"] == pytest.approx(y["y_T"], nan_ok=True)
        assert x["y_h_err"] == pytest.approx(y["y_h_err"], nan_ok=True)


def test_majority3_runs_with_b_3():
    spins = critical_samples(36, n_samples=400, seed=3).spins
    result = mcrg_exponents(spins, transform="majority3", n_bins=10)
    assert result.b == 3 and result.levels == 2  # 36 -> 12 -> 4
    assert result.best["levels"] == [2]
    assert abs(result.best["y_h"] - 1.875) < 0.05  # loose: 400 configurations


# ----------------------------------------------------------------------------- guards


def test_three_by_three_blocked_lattice_is_not_measurable():
    spins = critical_samples(24, n_samples=400, seed=4).spins
    result = mcrg_exponents(spins, levels=3, n_bins=10, seed=0)  # 24 -> 12 -> 6 -> 3
    for entry in result.estimates:
        if entry["level"] == 3:
            assert not entry["measurable"] and "3x3" in entry["reason"]
            assert math.isnan(entry["y_T"]) and math.isnan(entry["y_h"])
            assert math.isnan(entry["y_T_err"]) and math.isnan(entry["y_h_err"])
        else:
            assert entry["measurable"] and entry["reason"] is None
            assert np.isfinite(entry["y_T"])
            assert np.isfinite(entry["y_h"]) == (entry["n_operators"] <= 4)  # 4 odd operators
    # on 3x3 the third-neighbour operator equals the nearest-neighbour one: B is singular
    assert result.estimate(3, 6)["condition_even"] > mcrg_module.MAX_CONDITION
    assert result.best["levels"] == [2]
    # default levels stop at the last >= 4x4 lattice
    assert mcrg_exponents(spins, n_bins=10, seed=0).levels == 2


def test_best_is_nan_with_a_reason_without_step_2_or_3():
    rng = np.random.default_rng(0)
    spins = rng.choice(np.array([-1, 1], dtype=np.int8), size=(200, 12, 12))
    result = mcrg_exponents(spins, levels=2, n_bins=10, seed=0)  # 12 -> 6 -> 3
    assert math.isnan(result.best["y_T"]) and "step" in result.best["reason"]
    single = mcrg_exponents(spins, levels=1, n_even=1, n_bins=10, seed=0)
    assert "2 even operators" in single.best["reason"]


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"levels": 3}, "not divisible by b\\^levels"),  # 20 is not divisible by 8
        ({"transform": "blah"}, "unknown transform"),
        ({"transform": 3}, "transform must be"),
        ({"n_bins": 1}, "n_bins"),
        ({"n_even": 7}, "n_even"),
        ({"n_odd": 0}, "n_odd"),
        ({"levels": 0}, "levels"),
        ({"transform": lambda s: s}, "shrink"),
        ({"transform": lambda s: s[:, ::2, :]}, "shape"),
        ({"transform": lambda s: 0 * s[:, ::2, ::2]}, "±1"),
    ],
)
def test_bad_inputs_raise_one_line_input_errors(kwargs, match):
    spins = np.ones((200, 20, 20), dtype=np.int8)
    with pytest.raises(InputError, match=match) as info:
        mcrg_exponents(spins, **kwargs)
    assert "\n" not in str(info.value)


@pytest.mark.parametrize(
    ("spins", "match"),
    [
        (np.ones((50, 16, 16), dtype=np.int8), "at least 100 configurations"),
        (np.ones((200, 16, 8), dtype=np.int8), "shape"),
        (np.zeros((200, 16, 16)), "±1"),
        (np.ones((200, 3, 3), dtype=np.int8), "at least 4x4"),
    ],
)
def test_bad_samples_raise_one_line_input_errors(spins, match):
    with pytest.raises(InputError, match=match) as info:
        mcrg_exponents(spins)
    assert "\n" not in str(info.value)


def test_critical_samples_use_a_fixed_cluster_spacing():
    samples = critical_samples(8, n_samples=20, seed=1, clusters_between=7)
    assert samples.thin == 7 and samples.algorithm == "wolff"
    assert samples.spins.shape == (20, 8, 8) and samples.model.coupling == J_CRITICAL
