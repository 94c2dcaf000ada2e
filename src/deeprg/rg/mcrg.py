"""Swendsen's Monte Carlo renormalization group (MCRG) for the square-lattice Ising model.

R. H. Swendsen, Phys. Rev. Lett. 42, 859 (1979). Equilibrium configurations are blocked
repeatedly by a transform with scale factor b (majority rule, decimation, or any callable,
e.g. a learned network). At every level n (n = 0 is the input lattice) a set of local
operators S_a^(n), each summed over the lattice, is measured per configuration. The
linearised RG transformation of the couplings from level n to level n+1,
T_ab = ∂K_a^(n+1) / ∂K_b^(n), follows from two connected correlators by the chain rule

    A_ab = ⟨S_a^(n+1) S_b^(n)⟩ − ⟨S_a^(n+1)⟩⟨S_b^(n)⟩     (= ∂⟨S_a^(n+1)⟩ / ∂K_b^(n))
    B_ab = ⟨S_a^(n+1) S_b^(n+1)⟩ − ⟨S_a^(n+1)⟩⟨S_b^(n+1)⟩ (= ∂⟨S_a^(n+1)⟩ / ∂K_b^(n+1))
    T = B⁻¹ A,

with B taken at the *blocked* level n+1 (the other orientation, A⁻¹B, has the inverse
spectrum and gives wrong exponents). The leading eigenvalue λ of T in the even (spin-flip
symmetric) sector gives the thermal exponent y_T = ln λ / ln b, in the odd sector the
magnetic exponent y_h. Truncating to the first m operators of a sector uses the m×m upper
left blocks of A and B.

Operators: six even ones (``EVEN_OPERATORS``: nearest and next-nearest neighbours, distance
2, plaquette, distance √5 and 2√2) and four odd ones (``ODD_OPERATORS``: magnetisation and
three 3-spin products), defined in :mod:`.mcrg_operators`.

The operator sums are computed by a numba kernel in :mod:`.mcrg_operators` (one pass over each
configuration, configurations in parallel); the linearised matrix and its eigenvalue are in
:mod:`.mcrg_linear`; both are re-exported here.

Errors are jackknife errors over ``n_bins`` contiguous bins of configurations (in sampling
order; the bins must be much longer than the autocorrelation time, which holds for any
reasonable thinning since a bin holds n_samples / n_bins configurations).

Measurability. On a blocked lattice of 3×3 or smaller the distance-2 operators wrap around
and coincide with nearer ones (on 3×3, ``third`` equals ``nn``; on 2×2, ``third`` is the
constant 2N), so B is singular. A blocking step whose blocked lattice is smaller than
``MIN_BLOCKED_SIZE``×``MIN_BLOCKED_SIZE``, or whose (variance-normalised) B has a condition
number above ``MAX_CONDITION``, is reported as not measurable: NaN with a reason.

Best estimate (:data:`BEST_RULE`). The first blocking step is never used (the
nearest-neighbour Hamiltonian is far from the fixed point: y_T ≈ 0.97 for b = 2), nor a
single even operator (y_T ≈ 0.96). ``best`` is the mean of the estimates with *all*
requested operators of the sector (at least 2 even operators) at blocking steps 2 and 3,
those of them that are measurable; the jackknife error is that of this mean (the two steps
use the same configurations and are correlated). When neither step 2 nor 3 is measurable
(the input lattice is too small), ``best`` is NaN with a reason.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .._random import SeedLike, as_generator
from ..constants import EXACT_EXPONENTS_2D, J_CRITICAL
from ..errors import InputError, check_int
from ..stats import jackknife_stderr
from .block_spin import _majority, decimation_block_spins
from .mcrg_linear import _condition, _exponent, _Moments, linearized_rg_matrix
from .mcrg_operators import (
    EVEN_OPERATORS,
    ODD_OPERATORS,
    _check_pm1,
    _check_spins,
    _operator_sums,
    operator_sums,
)

__all__ = [
    "BEST_RULE",
    "DEFAULT_CLUSTERS_BETWEEN",
    "EVEN_OPERATORS",
    "EXACT_EXPONENTS",
    "MAX_CONDITION",
    "MIN_BLOCKED_SIZE",
    "ODD_OPERATORS",
    "TRANSFORMS",
    "MCRGResult",
    "critical_samples",
    "linearized_rg_matrix",
    "mcrg_exponents",
    "operator_sums",
]

#: Named transforms and their scale factor b.
TRANSFORMS = {"majority": 2, "majority3": 3, "decimation": 2}
#: Exact 2D Ising exponents y_T = 1/ν = 1, y_h = 15/8 (alias of
#: :data:`deeprg.constants.EXACT_EXPONENTS_2D`).
EXACT_EXPONENTS = EXACT_EXPONENTS_2D
#: Smallest blocked lattice (per side) on which a blocking step is measured.
MIN_BLOCKED_SIZE = 4
#: Largest condition number of the variance-normalised B (correlation matrix) accepted.
MAX_CONDITION = 1e8
#: Blocking steps (1-based) whose estimates are averaged into ``best``.
BEST_STEPS = (2, 3)
BEST_RULE = (
    "mean of the estimates with all requested operators of each sector (>= 2 even operators) "
    "at blocking steps 2 and 3 (those measurable); never step 1 or a single even operator"
)
#: Wolff cluster updates between saved configurations in :func:`critical_samples`.
DEFAULT_CLUSTERS_BETWEEN = 10
#: Configurations blocked and measured together (bounds the memory; fixed so that a seed
#: always gives the same tie-breaking coins).
CHUNK = 2048
MIN_SAMPLES = 100


# --------------------------------------------------------------------------------------
# input checks and transforms
# --------------------------------------------------------------------------------------


def _resolve_transform(
    transform: object,
) -> tuple[str, int | None, Callable[[np.ndarray, np.random.Generator], np.ndarray]]:
    """(name, b or None when inferred, function(spins, rng) -> coarse spins)."""
    if callable(transform):
        name = getattr(transform, "__name__", type(transform).__name__)
        return name, None, lambda spins, rng: transform(spins)
    if not isinstance(transform, str):
        raise InputError(
            f"transform must be one of {', '.join(TRANSFORMS)} or a callable, got {transform!r}"
        )
    key = transform.strip().lower().replace("_", "-")
    if key == "majority":
        return key, 2, lambda spins, rng: _majority(spins, 2, rng)
    if key == "majority3":
        return key, 3, lambda spins, rng: _majority(spins, 3, rng)
    if key == "decimation":
        return key, 2, lambda spins, rng: decimation_block_spins(spins, 2)
    raise InputError(
        f"unknown transform {transform!r}; use one of {', '.join(TRANSFORMS)} or a callable "
        "spins (n, L, L) -> coarse spins (n, L/b, L/b)"
    )


def _apply_callable(func, spins: np.ndarray, rng, expected_b: int | None) -> tuple[np.ndarray, int]:
    coarse = np.asarray(func(spins, rng))
    n, size, _ = spins.shape
    if coarse.ndim == 4 and coarse.shape[1] == 1:  # (n, 1, L', L') from a conv network
        coarse = coarse[:, 0]
    if coarse.ndim != 3 or coarse.shape[0] != n or coarse.shape[1] != coarse.shape[2]:
        raise InputError(
            f"the transform must return coarse spins of shape (n, L/b, L/b); for input shape "
            f"{spins.shape} it returned {coarse.shape}"
        )
    new = coarse.shape[1]
    if new < 1 or size % new or size // new < 2:
        raise InputError(
            f"the transform mapped a {size}x{size} lattice to {new}x{new}; it must shrink it by "
            "an integer factor b >= 2"
        )
    b = size // new
    if expected_b is not None and b != expected_b:
        raise InputError(
            f"the transform changed its scale factor from b = {expected_b} to b = {b} at a "
            "deeper level; it must block by the same b at every level"
        )
    if coarse.dtype != np.int8:
        coarse = np.rint(coarse)
        _check_pm1(coarse)
        coarse = coarse.astype(np.int8)
    else:
        _check_pm1(coarse)
    return np.ascontiguousarray(coarse), b


def _default_levels(size: int, b: int) -> int:
    """Deepest number of blocking steps whose blocked lattice is still >= MIN_BLOCKED_SIZE."""
    levels = 0
    current = size
    while current % b == 0 and current // b >= MIN_BLOCKED_SIZE:
        current //= b
        levels += 1
    return levels


def _check_levels(levels: int, size: int, b: int) -> None:
    if size % (b**levels):
        raise InputError(
            f"lattice size L = {size} is not divisible by b^levels = {b}^{levels} = "
            f"{b**levels}; use fewer levels or a size such as {b**levels * math.ceil(size / b**levels)}"
        )


# --------------------------------------------------------------------------------------
# the result
# --------------------------------------------------------------------------------------


@dataclass
class MCRGResult:
    """Exponents from Swendsen's MCRG, per blocking step and number of operators.

    Attributes
    ----------
    estimates : list of dict
        One dict per blocking step and operator count m = 1 .. max(n_even, n_odd):
        ``level`` (blocking step, 1-based: the transition from level-1 to level),
        ``from_size``, ``to_size`` (lattice sides before and after), ``n_operators`` (m),
        ``y_T``, ``y_T_err`` (first m even operators; NaN when m > n_even), ``y_h``,
        ``y_h_err`` (first m odd operators; NaN when m > n_odd), ``condition_even``,
        ``condition_odd`` (condition numbers of the normalised B), ``measurable`` (bool)
        and ``reason`` (None, or why the step is not measurable).
    best : dict
        ``y_T``, ``y_T_err``, ``y_h``, ``y_h_err`` from :data:`BEST_RULE`; ``levels`` (the
        blocking steps used), ``level`` (the deepest of them), ``n_operators`` (even operators
        used), ``n_operators_odd`` (odd operators used), ``rule`` and ``reason`` (None, or
        why it is NaN).
    exact : dict
        ``{"y_T": 1.0, "y_h": 1.875}``.
    transform : str
        Name of the blocking transform.
    b : int
        Scale factor of one blocking step.
    size : int
        Input lattice side L.
    levels : int
        Number of blocking steps.
    n_samples, n_bins : int
        Configurations used and jackknife bins.
    n_even, n_odd : int
        Operators used per sector.
    operators : dict
        ``{"even": [...], "odd": [...]}``: names of the operators used, in order.
    """

    estimates: list[dict]
    best: dict
    exact: dict
    transform: str
    b: int
    size: int
    levels: int
    n_samples: int
    n_bins: int
    n_even: int
    n_odd: int
    operators: dict = field(default_factory=dict)

    def estimate(self, level: int, n_operators: int) -> dict:
        """The entry for blocking step ``level`` with ``n_operators`` operators."""
        for entry in self.estimates:
            if entry["level"] == level and entry["n_operators"] == n_operators:
                return entry
        raise InputError(
            f"no estimate for level {level} with {n_operators} operators; levels run "
            f"1..{self.levels}, operators 1..{max(self.n_even, self.n_odd)}"
        )

    def as_dict(self) -> dict:
        """Plain-Python dict (JSON-ready; NaN stays float('nan'))."""
        return {
            "transform": self.transform,
            "b": self.b,
            "size": self.size,
            "levels": self.levels,
            "n_samples": self.n_samples,
            "n_bins": self.n_bins,
            "n_even": self.n_even,
            "n_odd": self.n_odd,
            "operators": {k: list(v) for k, v in self.operators.items()},
            "estimates": [dict(e) for e in self.estimates],
            "best": dict(self.best),
            "exact": dict(self.exact),
        }


# --------------------------------------------------------------------------------------
# the driver
# --------------------------------------------------------------------------------------


def _settle_levels(levels: int | None, size: int, b: int, inferred_b: bool) -> int:
    """The requested blocking steps, checked, or the default for b (raises if none fit)."""
    if levels is None:
        levels = _default_levels(size, b)
        if levels < 1 and inferred_b:
            raise InputError(
                f"the transform blocks by b = {b}, so a {size}x{size} lattice has no blocked "
                f"lattice of at least {MIN_BLOCKED_SIZE}x{MIN_BLOCKED_SIZE}; use a larger L"
            )
        if levels < 1:
            raise InputError(
                f"a {size}x{size} lattice cannot be blocked by b = {b} to at least "
                f"{MIN_BLOCKED_SIZE}x{MIN_BLOCKED_SIZE}; use L >= {b * MIN_BLOCKED_SIZE} "
                f"divisible by {b}"
            )
    _check_levels(levels, size, b)
    return levels


def _measure_levels(
    arr: np.ndarray, func, fixed_b: int | None, levels: int | None, rng
) -> tuple[list[np.ndarray], int, int]:
    """Operator sums at every level, chunk by chunk. Returns (sums per level, b, levels)."""
    n, size, _ = arr.shape
    b = fixed_b
    if fixed_b is not None:
        levels = _settle_levels(levels, size, b, inferred_b=False)
    per_level: list[list[np.ndarray]] = []
    for start in range(0, n, CHUNK):
        chunk = np.ascontiguousarray(arr[start : start + CHUNK])
        if arr.dtype == np.int8:  # other dtypes were checked by _check_spins
            _check_pm1(chunk)
        sums = [_operator_sums(chunk)]
        current = chunk
        step = 0
        while levels is None or step < levels:
            if fixed_b is None:
                coarse, found = _apply_callable(func, current, rng, b)
                if b is None:
                    b = found
                    levels = _settle_levels(levels, size, b, inferred_b=True)
            else:
                coarse = func(current, rng)
            current = coarse
            sums.append(_operator_sums(current))
            step += 1
        per_level.append(sums)
    assert b is not None and levels is not None
    stacked = [np.concatenate([chunk[k] for chunk in per_level]) for k in range(levels + 1)]
    return stacked, b, levels


def _sector_estimates(
    moments: _Moments, m_max: int, b: int, n_bins: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(y for m = 1..m_max from all data, leave-one-out y of shape (n_bins, m_max), cond)."""
    full = np.full(m_max, np.nan)
    jack = np.full((n_bins, m_max), np.nan)
    cond = np.full(m_max, np.nan)
    a, bm = moments.matrices(None)
    for m in range(1, m_max + 1):
        cond[m - 1] = _condition(bm[:m, :m])
        if cond[m - 1] > MAX_CONDITION:
            continue
        full[m - 1] = _exponent(np.linalg.solve(bm[:m, :m], a[:m, :m]), b)
    for k in range(n_bins):
        a, bm = moments.matrices(k)
        for m in range(1, m_max + 1):
            if cond[m - 1] > MAX_CONDITION:
                continue
            try:
                t = np.linalg.solve(bm[:m, :m], a[:m, :m])
            except np.linalg.LinAlgError:
                continue
            jack[k, m - 1] = _exponent(t, b)
    return full, jack, cond


def mcrg_exponents(
    spins: Any,
    transform: str | Callable[[np.ndarray], np.ndarray] = "majority",
    levels: int | None = None,
    n_even: int | None = None,
    n_odd: int | None = None,
    n_bins: int = 20,
    seed: SeedLike = None,
) -> MCRGResult:
    """Critical exponents y_T and y_h by Swendsen's Monte Carlo renormalization group.

    Parameters
    ----------
    spins : array_like of shape (n_samples, L, L), or a SampleSet
        Equilibrium configurations at (or near) the critical point, values ±1, in sampling
        order (contiguous bins of them are the jackknife blocks).
    transform : {"majority", "majority3", "decimation"} or callable
        "majority": b = 2 majority rule, ties by fair coins drawn from ``seed``;
        "majority3": b = 3 majority rule (no ties); "decimation": b = 2, the top-left spin
        of each block. A callable maps spins (n, L, L) ±1 int8 to coarse spins
        (n, L/b, L/b) ±1 (or (n, 1, L/b, L/b)), with the same b >= 2 at every level (e.g.
        a trained network's sampled or sign-thresholded hidden layer).
    levels : int, optional
        Blocking steps; L must be divisible by b^levels. Default: as many as keep the
        blocked lattice at least ``MIN_BLOCKED_SIZE``×``MIN_BLOCKED_SIZE``. Deeper steps
        may be asked for; they are reported as not measurable.
    n_even, n_odd : int, optional
        Use the first n_even operators of :data:`EVEN_OPERATORS` (1..6, default all) and
        the first n_odd of :data:`ODD_OPERATORS` (1..4, default all).
    n_bins : int, default 20
        Jackknife bins (contiguous blocks of configurations), >= 2.
    seed : int, numpy.random.Generator or None
        Source of the majority rule's tie-breaking coins (unused by the other transforms).

    Returns
    -------
    MCRGResult
        Estimates per blocking step and operator count, the ``best`` estimate
        (:data:`BEST_RULE`) and the exact values.

    Raises
    ------
    InputError
        Bad shape or non-±1 spins, fewer than 100 configurations or fewer than 5 per bin,
        unknown transform, L not divisible by b^levels, operator counts out of range.
    """
    arr = _check_spins(spins)
    n, size, _ = arr.shape
    n_bins = check_int("n_bins", n_bins, minimum=2)
    if n < max(MIN_SAMPLES, 5 * n_bins):
        raise InputError(
            f"MCRG needs at least {max(MIN_SAMPLES, 5 * n_bins)} configurations for {n_bins} "
            f"jackknife bins, got {n}; draw more samples or use fewer bins"
        )
    n_even = len(EVEN_OPERATORS) if n_even is None else check_int("n_even", n_even, minimum=1)
    n_odd = len(ODD_OPERATORS) if n_odd is None else check_int("n_odd", n_odd, minimum=1)
    if n_even > len(EVEN_OPERATORS):
        raise InputError(f"n_even must be <= {len(EVEN_OPERATORS)}, got {n_even}")
    if n_odd > len(ODD_OPERATORS):
        raise InputError(f"n_odd must be <= {len(ODD_OPERATORS)}, got {n_odd}")
    if levels is not None:
        levels = check_int("levels", levels, minimum=1)
    name, fixed_b, func = _resolve_transform(transform)
    rng = as_generator(seed)

    sums, b, levels = _measure_levels(arr, func, fixed_b, levels, rng)
    n_all_even = len(EVEN_OPERATORS)
    bins = (np.arange(n) * n_bins) // n  # contiguous, sizes differ by at most 1
    m_max = max(n_even, n_odd)

    estimates: list[dict] = []
    jack_store: dict[int, tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = {}
    for step in range(1, levels + 1):
        fine, coarse = sums[step - 1], sums[step]
        from_size, to_size = size // b ** (step - 1), size // b**step
        odd_columns = slice(n_all_even, n_all_even + n_odd)
        even = _Moments(coarse[:, :n_even], fine[:, :n_even], bins, n_bins)
        odd = _Moments(coarse[:, odd_columns], fine[:, odd_columns], bins, n_bins)
        yt, yt_jack, cond_e = _sector_estimates(even, n_even, b, n_bins)
        yh, yh_jack, cond_o = _sector_estimates(odd, n_odd, b, n_bins)
        reason = None
        if to_size < MIN_BLOCKED_SIZE:
            reason = (
                f"blocked lattice {to_size}x{to_size} is smaller than {MIN_BLOCKED_SIZE}x"
                f"{MIN_BLOCKED_SIZE}: distance-2 operators wrap onto nearer ones, so B is "
                "singular or nearly so (largest condition number here "
                f"{_fmt_cond(np.nanmax(np.r_[cond_e, cond_o]))})"
            )
        elif np.nanmax(np.r_[cond_e, cond_o]) > MAX_CONDITION:
            reason = (
                f"B is ill-conditioned on the {to_size}x{to_size} blocked lattice (condition "
                f"number {_fmt_cond(np.nanmax(np.r_[cond_e, cond_o]))} > {MAX_CONDITION:.0e})"
            )
        if reason is not None:
            yt[:] = np.nan
            yh[:] = np.nan
            yt_jack[:] = np.nan
            yh_jack[:] = np.nan
        jack_store[step] = (yt, yt_jack, yh, yh_jack)
        for m in range(1, m_max + 1):
            has_e, has_o = m <= n_even, m <= n_odd
            estimates.append(
                {
                    "level": step,
                    "from_size": from_size,
                    "to_size": to_size,
                    "n_operators": m,
                    "y_T": float(yt[m - 1]) if has_e else float("nan"),
                    "y_T_err": _jackknife(yt_jack[:, m - 1]) if has_e else float("nan"),
                    "y_h": float(yh[m - 1]) if has_o else float("nan"),
                    "y_h_err": _jackknife(yh_jack[:, m - 1]) if has_o else float("nan"),
                    "condition_even": float(cond_e[m - 1]) if has_e else float("nan"),
                    "condition_odd": float(cond_o[m - 1]) if has_o else float("nan"),
                    "measurable": reason is None,
                    "reason": reason,
                }
            )

    best = _best(jack_store, levels, n_even, n_odd)
    return MCRGResult(
        estimates=estimates,
        best=best,
        exact=dict(EXACT_EXPONENTS),
        transform=name,
        b=int(b),
        size=int(size),
        levels=int(levels),
        n_samples=int(n),
        n_bins=int(n_bins),
        n_even=int(n_even),
        n_odd=int(n_odd),
        operators={"even": list(EVEN_OPERATORS[:n_even]), "odd": list(ODD_OPERATORS[:n_odd])},
    )


def _jackknife(leave_one_out: np.ndarray) -> float:
    """MCRG's jackknife error: NaN if any leave-one-bin-out estimate is NaN."""
    return jackknife_stderr(leave_one_out, nonfinite="propagate", rounding="sum")


def _fmt_cond(value: float) -> str:
    return "inf" if not math.isfinite(value) else f"{value:.1e}"


def _best(jack_store: dict, levels: int, n_even: int, n_odd: int) -> dict:
    """Apply BEST_RULE: mean over blocking steps 2 and 3 of the all-operator estimates."""
    nan = float("nan")
    result = {
        "y_T": nan,
        "y_T_err": nan,
        "y_h": nan,
        "y_h_err": nan,
        "levels": [],
        "level": None,
        "n_operators": n_even,
        "n_operators_odd": n_odd,
        "rule": BEST_RULE,
        "reason": None,
    }
    steps = [s for s in BEST_STEPS if s <= levels and np.isfinite(jack_store[s][0][n_even - 1])]
    if n_even < 2:
        result["reason"] = "the best estimate needs at least 2 even operators (n_even >= 2)"
        return result
    if not steps:
        result["reason"] = (
            "blocking steps 2 and 3 are not available or not measurable (step 1 alone is "
            f"biased); use a larger lattice, at least {MIN_BLOCKED_SIZE}·b² per side"
        )
        return result
    for key, idx, m in (("y_T", 0, n_even), ("y_h", 2, n_odd)):
        full = np.mean([jack_store[s][idx][m - 1] for s in steps])
        jack = np.mean([jack_store[s][idx + 1][:, m - 1] for s in steps], axis=0)
        result[key] = float(full)
        result[key + "_err"] = _jackknife(jack)
    result["levels"] = list(steps)
    result["level"] = max(steps)
    return result


# --------------------------------------------------------------------------------------
# samples
# --------------------------------------------------------------------------------------


def critical_samples(
    size: int,
    coupling: float = J_CRITICAL,
    n_samples: int = 50_000,
    seed: SeedLike = None,
    clusters_between: int = DEFAULT_CLUSTERS_BETWEEN,
    progress: bool = False,
):
    """Wolff configurations of the periodic L×L Ising model for MCRG.

    The configurations are saved every ``clusters_between`` Wolff cluster updates: a fixed
    spacing, never a state-dependent rule (``deeprg.sample(..., thin=clusters_between)``).
    Only the burn-in is chosen by deeprg's pilot run (at least 20 measured τ). At J_c a
    Wolff cluster covers ~40% of an L = 32..64 lattice, so the default 10 clusters are ~4
    lattice sweeps; residual correlations are harmless because MCRG's jackknife bins hold
    thousands of configurations.

    Parameters
    ----------
    size : int
        Lattice side L.
    coupling : float, default J_CRITICAL
        K (β absorbed).
    n_samples : int, default 50000
        Configurations returned.
    seed : int, numpy.random.Generator or None
        Sampler seed.
    clusters_between : int, default 10
        Wolff cluster updates between saved configurations.
    progress : bool, default False
        Show the sampler's progress bars.

    Returns
    -------
    SampleSet
        ``spins`` of shape (n_samples, L, L), int8 (``thin`` = ``clusters_between``).
    """
    from ..ising import IsingSquare
    from ..mc.sampler import sample

    size = check_int("size", size, minimum=2)
    clusters_between = check_int("clusters_between", clusters_between, minimum=1)
    return sample(
        IsingSquare(size, coupling=coupling),
        n_samples=n_samples,
        algorithm="wolff",
        seed=seed,
        thin=clusters_between,
        progress=progress,
    )
