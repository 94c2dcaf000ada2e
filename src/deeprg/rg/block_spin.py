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

__all__ = ["TIE_RULES", "decimation_block_spins", "majority_block_spins", "majority_sign"]


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


#: Tie rules of :func:`majority_sign`.
TIE_RULES = ("coin", "coin_per_tie", "zero")


def majority_sign(sums: np.ndarray, ties: str = "coin", seed: SeedLike = None) -> np.ndarray:
    """Majority rule applied to block sums: their sign, with a rule for a zero sum.

    Parameters
    ----------
    sums : numpy.ndarray of any shape, integer or float
        Σ_block s of each block (grid blocks, or blocks placed anywhere).
    ties : {"coin", "coin_per_tie", "zero"}, default "coin"
        "coin": one fair ±1 coin is drawn for *every* entry, as an int8 array of the
        shape of ``sums`` (``rng.integers(0, 2, dtype=int8) * 2 - 1``), and used where the
        sum is 0, so the draws do not depend on where the ties fall. "coin_per_tie": one
        ``rng.choice([-1.0, 1.0])`` per tie, in C order, drawn only if there is a tie
        (the result is float64). "zero": 0 at a tie, nothing drawn (the majority rule
        averaged over its coin).
    seed : int, numpy.random.Generator or None
        Source of the coins.

    Returns
    -------
    numpy.ndarray of the shape and dtype of ``np.sign(sums)``
    """
    if ties not in TIE_RULES:
        raise InputError(f"ties must be one of {', '.join(TIE_RULES)}, got {ties!r}")
    coarse = np.sign(sums)
    if ties == "coin":
        coins = as_generator(seed).integers(0, 2, size=coarse.shape, dtype=np.int8) * 2 - 1
        np.copyto(coarse, coins, where=coarse == 0, casting="unsafe")
    elif ties == "coin_per_tie":
        coarse = coarse.astype(np.float64, copy=False)
        tied = coarse == 0
        if tied.any():
            coarse[tied] = as_generator(seed).choice([-1.0, 1.0], size=int(tied.sum()))
    return coarse


def _block_sums(spins: np.ndarray, b: int) -> np.ndarray:
    """Σ over each b×b grid block of int8 ±1 spins (n, L1, L2) -> (n, L1/b, L2/b).

    b² strided-view additions (no loop over spins), accumulated in int8 when |sum| <= b²
    fits (b <= 11), else in int64.
    """
    dtype = np.int8 if b * b <= 127 else np.int64
    sums = np.zeros((spins.shape[0], spins.shape[1] // b, spins.shape[2] // b), dtype=dtype)
    for dx in range(b):
        for dy in range(b):
            sums += spins[:, dx::b, dy::b]
    return sums


def _majority(spins: np.ndarray, b: int, rng: SeedLike, ties: str = "coin") -> np.ndarray:
    """Majority block spins of int8 ±1 spins, unchecked (for callers that checked them).

    Coins are drawn only for even b (odd b has no ties), so a generator shared with other
    draws advances exactly as before.
    """
    coarse = majority_sign(_block_sums(spins, b), ties if b % 2 == 0 else "zero", rng)
    return coarse.astype(np.int8, copy=False) if ties != "coin_per_tie" else coarse


def majority_block_spins(
    spins: Any, block_size: int, seed: SeedLike = None, ties: str = "coin"
) -> np.ndarray:
    """Majority-rule block spins, ties broken at random.

    Parameters
    ----------
    spins : array_like of shape (n_samples, L, L)
        Configurations, values ±1 (rectangular L1×L2 lattices are accepted too).
    block_size : int
        b, dividing L.
    seed : int, numpy.random.Generator or None
        Source of the tie-breaking coin flips (only drawn from when b is even).
    ties : {"coin", "zero"}, default "coin"
        "coin": a fair coin per block (one int8 coin drawn for every block of every
        sample, used where the sum is 0); "zero": the block spin is 0 at a tie (the
        majority rule averaged over its coin). See :func:`majority_sign`.

    Returns
    -------
    numpy.ndarray of shape (n_samples, L/b, L/b), int8
        sign(Σ_block s), and at a zero sum ±1 with probability ½ each ("coin") or 0.
    """
    if ties not in ("coin", "zero"):
        raise InputError(f"ties must be 'coin' or 'zero', got {ties!r}")
    arr, b = _check_samples(spins, block_size)
    return _majority(arr.astype(np.int8, copy=False), b, seed, ties)


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
