"""Hidden-unit / block-spin agreement against hand-built blocks and random controls."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from deeprg.analysis import block_agreement, block_corners, block_values, coarse_block_agreement
from deeprg.errors import InputError


def random_spins(seed, n_samples, size):
    return np.random.default_rng(seed).choice(np.array([-1, 1], np.int8), (n_samples, size, size))


def brute_block_sum(spins, corner, side):
    """Σ of the periodic side x side block at ``corner``, per sample, by explicit loops."""
    size = spins.shape[1]
    total = np.zeros(spins.shape[0])
    for a, b in itertools.product(range(side), range(side)):
        total += spins[:, (corner[0] + a) % size, (corner[1] + b) % size]
    return total


def test_block_corners_centre_the_block_and_wrap():
    # a centre half-way between two block positions takes the larger one (12.5 -> 13)
    centres = np.array([[5.0, 5.0], [0.0, 0.0], [0.4, 39.6], [12.5, 7.5]])
    np.testing.assert_array_equal(
        block_corners(centres, 3, (40, 40)), [[4, 4], [39, 39], [39, 39], [12, 7]]
    )
    # an even block's centre lies between sites: (i + 0.5) is the centre of corner i
    np.testing.assert_array_equal(
        block_corners([[0.5, 0.5], [39.5, 10.5], [20.2, 20.8]], 2, (40, 40)),
        [[0, 0], [39, 10], [20, 20]],
    )


def test_block_values_match_brute_force_including_wrapped_blocks():
    spins = random_spins(0, 50, 10)
    corners = np.array([[0, 0], [9, 9], [8, 3], [4, 9]])
    for side in (1, 2, 3, 4):
        values = block_values(spins, corners, side)
        for k, corner in enumerate(corners):
            np.testing.assert_allclose(
                values[:, k], brute_block_sum(spins, corner, side) / side**2, rtol=1e-12
            )


def test_majority_rule_breaks_ties_with_the_seed():
    spins = random_spins(1, 400, 8)
    corners = np.array([[0, 0], [7, 7], [3, 5]])
    majority = block_values(spins, corners, 2, rule="majority", seed=5)
    sums = np.stack([brute_block_sum(spins, c, 2) for c in corners], axis=1)
    assert set(np.unique(majority)) == {-1.0, 1.0}
    decided = sums != 0
    np.testing.assert_array_equal(majority[decided], np.sign(sums[decided]))
    ties = ~decided
    assert ties.sum() > 50
    assert 0.35 < np.mean(majority[ties] == 1) < 0.65
    again = block_values(spins, corners, 2, rule="majority", seed=5)
    np.testing.assert_array_equal(majority, again)
    odd = block_values(spins, corners, 3, rule="majority")  # odd blocks never tie
    np.testing.assert_array_equal(
        odd, np.sign(np.stack([brute_block_sum(spins, c, 3) for c in corners], axis=1))
    )


@pytest.mark.parametrize("rule", ["magnetization", "majority"])
def test_unit_that_is_its_block_agrees_perfectly_and_control_is_near_zero(rule):
    size, side, n_samples = 16, 3, 2000
    spins = random_spins(2, n_samples, size)
    rng = np.random.default_rng(3)
    centres = rng.integers(0, size, (30, 2)).astype(float)  # block centred on a site
    brute = np.stack(
        [brute_block_sum(spins, (c - 1) % size, side) for c in centres.astype(int)], axis=1
    )
    activation = brute / side**2 if rule == "magnetization" else np.sign(brute)
    activation[:, ::2] *= -1  # sign conventions do not matter
    result = block_agreement(activation, centres, spins, side, rule=rule, seed=4)
    np.testing.assert_allclose(result.correlation, 1.0, atol=1e-12)
    assert result.summary.median == pytest.approx(1.0)
    # a randomly placed block shares no spins with the unit's block most of the time
    assert result.control_summary.median < 4 * result.null_level
    assert result.null_level == pytest.approx(np.sqrt(2 / (np.pi * n_samples)))


def test_random_activations_agree_at_chance_level():
    spins = random_spins(5, 3000, 12)
    rng = np.random.default_rng(6)
    activations = rng.random((3000, 40))
    centres = rng.random((40, 2)) * 12
    result = block_agreement(activations, centres, spins, 2, seed=7)
    assert 0.4 * result.null_level < result.summary.median < 2.0 * result.null_level
    assert 0.4 * result.null_level < result.control_summary.median < 2.0 * result.null_level


def test_agreement_with_a_noisy_unit_is_between_chance_and_one():
    spins = random_spins(8, 3000, 12)
    centres = np.array([[4.0, 4.0]])
    block = brute_block_sum(spins, (3, 3), 3)[:, None] / 9
    noisy = 1 / (1 + np.exp(-2 * block)) + 0.2 * np.random.default_rng(9).normal(size=block.shape)
    result = block_agreement(noisy, centres, spins, 3, seed=0)
    assert 0.3 < result.correlation[0] < 0.99


def test_coarse_block_agreement_with_precomputed_block_spins():
    size, side, n_samples = 16, 4, 1500
    spins = random_spins(10, n_samples, size)
    coarse = spins.reshape(n_samples, 4, side, 4, side).mean(axis=(2, 4))  # block magnetisation
    rng = np.random.default_rng(11)
    centres = rng.random((25, 2)) * size
    cells = np.floor(centres / side).astype(int)
    activation = coarse[:, cells[:, 0], cells[:, 1]] * 0.5 + 0.5
    result = coarse_block_agreement(activation, centres, coarse, (size, size), seed=12)
    np.testing.assert_allclose(result.correlation, 1.0, atol=1e-12)
    # 16 cells: a random cell is the unit's own 1 time in 16
    assert result.control_summary.median < 4 * result.null_level
    noise = coarse_block_agreement(rng.random((n_samples, 25)), centres, coarse, (16, 16), seed=1)
    assert noise.summary.median < 2.0 * noise.null_level


@pytest.mark.parametrize(
    "call",
    [
        lambda: block_agreement(np.ones((5, 2)), np.ones((2, 2)), random_spins(0, 6, 4), 2),
        lambda: block_agreement(np.ones((6, 2)), np.ones((3, 2)), random_spins(0, 6, 4), 2),
        lambda: block_agreement(np.ones((6, 2)), np.ones((2, 2)), np.zeros((6, 4, 4)), 2),
        lambda: block_agreement(np.ones((6, 2)), np.ones((2, 2)), random_spins(0, 6, 4), 0),
        lambda: block_values(random_spins(0, 6, 4), np.ones((2, 2)), 2, rule="mean"),
        lambda: block_values(random_spins(0, 6, 4), np.ones((2, 2)) * 0.5, 2),
        lambda: coarse_block_agreement(
            np.ones((6, 2)), np.ones((2, 2)), np.ones((6, 3, 3)), (8, 8)
        ),
    ],
)
def test_bad_input_raises_input_error(call):
    with pytest.raises(InputError):
        call()
