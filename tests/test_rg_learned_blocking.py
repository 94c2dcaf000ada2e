"""The learned, iterable block-spin transform: a greedy stack of ConvRBMs."""

from __future__ import annotations

import numpy as np
import pytest

from deeprg.constants import J_CRITICAL
from deeprg.errors import InputError
from deeprg.rg.learned_blocking import train_learned_blocking


@pytest.fixture(scope="module")
def critical(ising):
    return ising(16, J_CRITICAL, 1500, 3)


@pytest.fixture(scope="module")
def blocking(critical):
    return train_learned_blocking(critical, 2, kernel_size=2, epochs=4, seed=0)


def test_levels_map_each_lattice_to_the_next(blocking, critical):
    coarse = blocking(critical[:7])
    assert coarse.shape == (7, 8, 8) and coarse.dtype == np.int8
    assert set(np.unique(coarse)) <= {-1, 1}
    assert blocking(coarse).shape == (7, 4, 4)
    with pytest.raises(InputError, match="no learned level"):
        blocking(blocking(coarse))


def test_learned_block_kernel_is_a_soft_majority_rule(blocking):
    """On symmetric critical data the 2x2 kernel is uniform and positive (oriented)."""
    for kernel in blocking.kernels():
        assert kernel.shape == (2, 2)
        assert np.all(kernel > 0)
        assert kernel.max() / kernel.min() < 1.25


def test_coarse_spins_follow_their_block(blocking, critical):
    """The coarse spin agrees with the block's majority far above chance (0.5)."""
    coarse = blocking(critical).astype(float)
    block = critical.reshape(len(critical), 8, 2, 8, 2).sum(axis=(2, 4))
    decided = block != 0
    agreement = np.mean(np.sign(block[decided]) == coarse[decided])
    assert agreement > 0.8
    # negative control: against a shifted (wrong) block the agreement is much lower
    shifted = np.roll(block, 3, axis=1)
    wrong = np.mean(np.sign(shifted[decided]) == coarse[decided])
    assert wrong < agreement - 0.15


def test_sign_rule_is_deterministic_off_ties(critical):
    a = train_learned_blocking(critical, 1, epochs=2, rule="sign", seed=4)
    b = train_learned_blocking(critical, 1, epochs=2, rule="sign", seed=4)
    np.testing.assert_array_equal(a(critical[:50]), b(critical[:50]))


@pytest.mark.parametrize(
    "kwargs, word",
    [
        ({"n_levels": 5}, "divisible"),
        ({"n_levels": 1, "kernel_size": 1}, "kernel_size"),
        ({"n_levels": 1, "rule": "vote"}, "rule"),
    ],
)
def test_bad_settings_are_refused(critical, kwargs, word):
    with pytest.raises(InputError, match=word):
        train_learned_blocking(critical, **kwargs)
