"""One place that turns a user's ``seed`` into a random generator.

deeprg never touches global random state. Every stochastic function takes
``seed: int | numpy.random.Generator | None`` and passes it through :func:`as_generator`.
The same integer seed always gives the same result.
"""

from __future__ import annotations

from numbers import Integral

import numpy as np

from .errors import InputError

__all__ = ["SeedLike", "as_generator", "child_seeds"]

SeedLike = int | np.random.Generator | np.random.RandomState | None


def as_generator(seed: SeedLike) -> np.random.Generator:
    """Return a numpy Generator for ``seed``.

    Parameters
    ----------
    seed : int, numpy.random.Generator or None
        An int (>= 0) seeds a fresh PCG64 generator; a Generator is returned as is (and
        advanced by the caller); a legacy RandomState (scikit-learn's ``random_state``)
        seeds a fresh generator from one draw of it; None draws fresh entropy from the
        operating system.
    """
    if isinstance(seed, np.random.Generator):
        return seed
    if isinstance(seed, np.random.RandomState):  # scikit-learn's legacy random state
        return np.random.default_rng(int(seed.randint(0, 2**31 - 1)))
    if seed is None:
        return np.random.default_rng()
    if isinstance(seed, bool) or not isinstance(seed, Integral) or seed < 0:
        raise InputError(
            f"seed must be a non-negative integer, a numpy Generator or None, got {seed!r}"
        )
    return np.random.default_rng(int(seed))


def child_seeds(seed: SeedLike, n: int) -> np.ndarray:
    """Draw ``n`` independent 63-bit integer seeds from ``seed``.

    Used to seed compiled kernels (numba) and torch generators, which take integers.

    Returns
    -------
    numpy.ndarray
        Array of shape (n,), dtype int64, non-negative.
    """
    rng = as_generator(seed)
    return rng.integers(0, 2**63 - 1, size=n, dtype=np.int64)
