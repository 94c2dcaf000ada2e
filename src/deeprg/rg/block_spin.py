"""Kadanoff block-spin transformations of square-lattice samples.

A lattice of L×L spins is cut into (L/b)×(L/b) blocks of b×b spins; each block becomes one
coarse spin. Two rules:

- majority rule: the sign of the block's total spin; a tie (possible only for even b) is
  broken by a fair coin from the seeded generator, independently per block and sample;
- decimation: the block's top-left spin s[b·I, b·J] (every b-th spin is kept).

These are the reference coarse-grainings that the trained networks are compared with.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .._random import SeedLike, as_generator
from ..errors import InputError, check_int

__all__ = ["decimation_block_spins", "majority_block_spins"]


def _check_samples(spins: Any, block_size: int) -> tuple[np.ndarray, int]:
    arr = np.asarray(spins)
    b = check_int("block size b", block_size, minimum=1)
    if arr.ndim != 3:
        raise InputError(
            f"spins must be an array of shape (n_samples, L, L), got shape {arr.shape}; "
            "add a leading axis for a single configuration"
        )
    _, rows, cols = arr.shape
    if rows % b or cols % b:
        raise InputError(
            f"lattice {rows}x{cols} is not divisible by block size b = {b}; choose b dividing L"
        )
    if arr.size and not np.all(np.abs(arr) == 1):
        raise InputError("spins must be ±1; convert {0,1} units with s = 2*x - 1")
    return arr, b


def majority_block_spins(spins: Any, block_size: int, seed: SeedLike = None) -> np.ndarray:
    """Majority-rule block spins, ties broken at random.

    Parameters
    ----------
    spins : array_like of shape (n_samples, L, L)
        Configurations, values ±1 (rectangular L1×L2 lattices are accepted too).
    block_size : int
        b, dividing L.
    seed : int, numpy.random.Generator or None
        Source of the tie-breaking coin flips (only drawn from when b is even).

    Returns
    -------
    numpy.ndarray of shape (n_samples, L/b, L/b), int8
        sign(Σ_block s), or ±1 with probability ½ each where the sum is 0.
    """
    arr, b = _check_samples(spins, block_size)
    n, rows, cols = arr.shape
    blocks = arr.reshape(n, rows // b, b, cols // b, b)
    sums = blocks.sum(axis=(2, 4), dtype=np.int64)
    coarse = np.sign(sums).astype(np.int8)
    if b % 2 == 0:
        ties = coarse == 0
        rng = as_generator(seed)
        coins = rng.integers(0, 2, size=coarse.shape, dtype=np.int8) * 2 - 1
        coarse[ties] = coins[ties]
    return coarse


def decimation_block_spins(spins: Any, block_size: int) -> np.ndarray:
    """Decimation block spins: keep the top-left spin of every b×b block.

    Parameters
    ----------
    spins : array_like of shape (n_samples, L, L)
        Configurations, values ±1.
    block_size : int
        b, dividing L.

    Returns
    -------
    numpy.ndarray of shape (n_samples, L/b, L/b), int8
        s[:, b·I, b·J].
    """
    arr, b = _check_samples(spins, block_size)
    return np.ascontiguousarray(arr[:, ::b, ::b]).astype(np.int8)
