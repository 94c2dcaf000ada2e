"""A small, fast random-number generator for the numba kernels.

The kernels need tens of millions of uniform numbers per second per core; calling
``np.random`` from numba costs a global-state round trip per number. Each Markov chain
instead carries its own 64-bit SplitMix64 state (Steele, Lea & Flood, OOPSLA 2014;
the seeding generator of the xoshiro family, which passes BigCrush), advanced inline.

Acceptance tests compare 53-bit integers, ``next_u53(...) < threshold``, with integer
thresholds ``round(p * 2**53)`` from :func:`probability_threshold`: p = 0 never accepts and
p = 1 always does, and no float conversion happens in the hot loop.

States come from :func:`deeprg._random.child_seeds`, so the same user seed gives the same
streams.

Kernels that need many numbers per step can draw them in blocks instead:
:func:`fill_u53` computes the next ``len(buf)`` outputs of a state at once (SplitMix64 is a
counter-based generator, output k depends only on state + k * golden, so the loop
vectorises); the consumer refills the block from :func:`block_state` when it runs short.
A block consumer draws exactly the stream of repeated :func:`next_u53` calls: after ``pos``
numbers of a block filled from ``base`` the state is ``base + pos * golden``.
"""

from __future__ import annotations

import numpy as np
from numba import njit

__all__ = [
    "TWO_POW_53",
    "block_state",
    "fill_u53",
    "next_u53",
    "probability_threshold",
    "seed_states",
]

TWO_POW_53 = 2**53

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_MIX1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX2 = np.uint64(0x94D049BB133111EB)
_S30 = np.uint64(30)
_S27 = np.uint64(27)
_S31 = np.uint64(31)
_S11 = np.uint64(11)


@njit(inline="always", cache=True)
def next_u53(state: np.uint64) -> tuple[np.uint64, np.int64]:
    """Advance a SplitMix64 state; return (new state, uniform integer in [0, 2**53))."""
    state = state + _GOLDEN
    z = state
    z = (z ^ (z >> _S30)) * _MIX1
    z = (z ^ (z >> _S27)) * _MIX2
    z = z ^ (z >> _S31)
    return state, np.int64(z >> _S11)


@njit(inline="always", cache=True)
def fill_u53(buf: np.ndarray, base: np.uint64) -> None:
    """Fill ``buf`` (int64) with the next len(buf) outputs of :func:`next_u53` from ``base``.

    The state itself is not advanced here; see :func:`block_state`.
    """
    for k in range(buf.shape[0]):
        z = base + np.uint64(k + 1) * _GOLDEN
        z = (z ^ (z >> _S30)) * _MIX1
        z = (z ^ (z >> _S27)) * _MIX2
        z = z ^ (z >> _S31)
        buf[k] = np.int64(z >> _S11)


@njit(inline="always", cache=True)
def block_state(base: np.uint64, pos: int) -> np.uint64:
    """The SplitMix64 state after ``pos`` numbers of a block filled from ``base``."""
    return base + np.uint64(pos) * _GOLDEN


def probability_threshold(p: np.ndarray | float) -> np.ndarray:
    """Integer thresholds t = round(p * 2**53) such that P(next_u53 < t) = t / 2**53.

    Parameters
    ----------
    p : float or array_like
        Probabilities in [0, 1].

    Returns
    -------
    numpy.ndarray of int64, same shape as ``p``
    """
    p = np.clip(np.asarray(p, dtype=np.float64), 0.0, 1.0)
    return np.rint(p * TWO_POW_53).astype(np.int64)


def seed_states(seeds: np.ndarray) -> np.ndarray:
    """Turn integer seeds (array of shape (n,), int64) into SplitMix64 states (uint64)."""
    return np.asarray(seeds, dtype=np.int64).astype(np.uint64)
