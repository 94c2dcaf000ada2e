"""Block-spin transforms on hand-made configurations, explicit loops and tie statistics."""

import numpy as np
import pytest

from deeprg import InputError
from deeprg.rg import decimation_block_spins, majority_block_spins
from deeprg.rg.block_spin import majority_sign


def loop_majority(config, b):
    size = config.shape[0] // b
    out = np.zeros((size, size), dtype=int)
    for i in range(size):
        for j in range(size):
            total = sum(config[b * i + x, b * j + y] for x in range(b) for y in range(b))
            out[i, j] = 1 if total > 0 else (-1 if total < 0 else 0)
    return out


def test_hand_made_majority_and_decimation():
    config = np.array(
        [
            [1, 1, -1, -1],
            [1, -1, -1, -1],
            [-1, -1, 1, -1],
            [1, -1, -1, 1],
        ]
    )
    majority = majority_block_spins(config[None], 2, seed=0)
    # block sums: (3 up -> +1), (-4 -> -1), (-2 -> -1), (tie 0 -> random)
    assert majority.dtype == np.int8 and majority.shape == (1, 2, 2)
    assert majority[0, 0, 0] == 1 and majority[0, 0, 1] == -1 and majority[0, 1, 0] == -1
    assert majority[0, 1, 1] in (-1, 1)
    np.testing.assert_array_equal(decimation_block_spins(config[None], 2)[0], [[1, -1], [-1, 1]])


@pytest.mark.parametrize("b", [1, 3])
def test_odd_blocks_match_loop_and_ignore_seed(b):
    rng = np.random.default_rng(5)
    spins = rng.choice(np.array([-1, 1], dtype=np.int8), size=(4, 6, 6))
    first = majority_block_spins(spins, b, seed=1)
    np.testing.assert_array_equal(first, majority_block_spins(spins, b, seed=2))
    for sample, coarse in zip(spins, first, strict=True):
        np.testing.assert_array_equal(coarse, loop_majority(sample, b))
        np.testing.assert_array_equal(decimation_block_spins(sample[None], b)[0], sample[::b, ::b])
    if b == 1:
        np.testing.assert_array_equal(first, spins)


def test_ties_are_fair_independent_and_seeded():
    block = np.array([[1, -1], [-1, 1]], dtype=np.int8)  # sums to 0
    spins = np.tile(block, (500, 8, 8))  # 500 samples of 16x16, all 64 blocks tied
    coarse = majority_block_spins(spins, 2, seed=123)
    n = coarse.size  # 32000 fair coins
    fraction = np.mean(coarse == 1)
    assert abs(fraction - 0.5) < 4 * 0.5 / np.sqrt(n)
    flat = coarse.reshape(500, -1).astype(float)
    neighbour = np.mean(flat[:, :-1] * flat[:, 1:])  # E[s s'] = 0 for independent coins
    assert abs(neighbour) < 4 / np.sqrt(flat[:, 1:].size)
    np.testing.assert_array_equal(coarse, majority_block_spins(spins, 2, seed=123))
    assert not np.array_equal(coarse, majority_block_spins(spins, 2, seed=124))
    generator = np.random.default_rng(7)
    assert set(np.unique(majority_block_spins(spins[:3], 2, seed=generator))) == {-1, 1}


def test_untied_blocks_never_change_with_seed():
    rng = np.random.default_rng(3)
    spins = rng.choice(np.array([-1, 1], dtype=np.int8), size=(50, 8, 8))
    a = majority_block_spins(spins, 2, seed=0)
    b = majority_block_spins(spins, 2, seed=99)
    sums = spins.reshape(50, 4, 2, 4, 2).sum(axis=(2, 4))
    untied = sums != 0
    assert untied.any() and (~untied).any()
    np.testing.assert_array_equal(a[untied], np.sign(sums[untied]))
    np.testing.assert_array_equal(a[untied], b[untied])


def test_errors():
    spins = np.ones((2, 6, 6), dtype=np.int8)
    with pytest.raises(InputError, match="divisible"):
        majority_block_spins(spins, 4)
    with pytest.raises(InputError, match="divisible"):
        decimation_block_spins(spins, 4)
    with pytest.raises(InputError, match="n_samples, L, L"):
        majority_block_spins(np.ones((6, 6)), 2)
    with pytest.raises(InputError, match="±1"):
        decimation_block_spins(np.zeros((1, 4, 4)), 2)
    with pytest.raises(InputError, match=">= 1"):
        majority_block_spins(spins, 0)
    with pytest.raises(InputError, match="seed"):
        majority_block_spins(np.tile(np.array([[1, -1], [-1, 1]]), (1, 1, 1)), 2, seed=-1)


def reference_majority(spins, b, seed):
    """The earlier int64 implementation: same coins from the same generator state."""
    n, rows, cols = spins.shape
    sums = spins.reshape(n, rows // b, b, cols // b, b).sum(axis=(2, 4), dtype=np.int64)
    coarse = np.sign(sums).astype(np.int8)
    if b % 2 == 0:
        coins = np.random.default_rng(seed).integers(0, 2, size=coarse.shape, dtype=np.int8)
        coarse[coarse == 0] = (coins * 2 - 1)[coarse == 0]
    return coarse


@pytest.mark.parametrize("b", [2, 3, 4, 12])
def test_fast_majority_matches_the_reference_bit_for_bit(b):
    rng = np.random.default_rng(b)
    spins = rng.choice(np.array([-1, 1], dtype=np.int8), size=(7, 2 * b, 3 * b))
    coarse = majority_block_spins(spins, b, seed=9)
    assert coarse.dtype == np.int8
    np.testing.assert_array_equal(coarse, reference_majority(spins, b, 9))
    # float input gives the same spins
    np.testing.assert_array_equal(majority_block_spins(spins.astype(float), b, seed=9), coarse)


def test_zero_ties_are_the_sign_of_the_block_sum():
    spins = np.random.default_rng(1).choice(np.array([-1, 1], dtype=np.int8), size=(5, 8, 8))
    sums = spins.reshape(5, 4, 2, 4, 2).sum(axis=(2, 4))
    np.testing.assert_array_equal(majority_block_spins(spins, 2, ties="zero"), np.sign(sums))
    with pytest.raises(InputError):
        majority_block_spins(spins, 2, ties="dice")


def test_coin_per_tie_draws_one_choice_per_tie_in_order():
    sums = np.array([[2.0, 0.0], [0.0, -4.0]])
    out = majority_sign(sums, "coin_per_tie", np.random.default_rng(3))
    coins = np.random.default_rng(3).choice([-1.0, 1.0], size=2)
    np.testing.assert_array_equal(out, [[1.0, coins[0]], [coins[1], -1.0]])
    # no tie: nothing drawn, the generator is untouched
    rng = np.random.default_rng(3)
    majority_sign(np.array([1.0, -2.0]), "coin_per_tie", rng)
    assert rng.integers(0, 10**9) == np.random.default_rng(3).integers(0, 10**9)
