"""Partition functions of RBMs: exact summation and annealed importance sampling (AIS).

Exact: ln Z = ln Σ_h exp(-G(h)) summed over every state of the hidden layer, or
ln Σ_v exp(-F(v)) over the visible layer, whichever is smaller (the other layer is summed
analytically inside the free energy, see :mod:`deeprg.rbm.functional`). The sum runs in
chunks with a log-sum-exp in float64, so it is exact to rounding for up to
:data:`MAX_EXACT_UNITS` = 25 units in the smaller layer (2^25 ≈ 3.4e7 states).

AIS (Neal 2001; Salakhutdinov & Murray 2008, "On the quantitative analysis of deep belief
networks"): anneal from a base RBM A with no weights (visible bias a_A, partition function
known in closed form) to the target B through the intermediate unnormalised marginals

    ln p*_β(v) = ((1 - β) a_A + β a)·v + Σ_j f(β (b_j + (vW)_j)),     0 = β_0 < … < β_K = 1,

(which at β = 0 is the base model times the constant 2^n_hidden of its free hidden units),
moving each chain with one block-Gibbs sweep that leaves p_β invariant. The importance weights
w = Π_k p*_{β_k}(v_{k-1}) / p*_{β_{k-1}}(v_{k-1}) give the unbiased estimate
Z_B ≈ Z_A · mean(w); the reported ln Z is therefore a stochastic lower bound in expectation
(Jensen), with standard error std(w) / (mean(w) √M) for M chains (delta method).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch

from .._random import SeedLike, child_seeds
from ..errors import InputError, check_int
from ._validation import single_thread_if_small
from .functional import all_states, layer_units, log_unit_partition, sample_from_mean, unit_mean

__all__ = [
    "MAX_EXACT_UNITS",
    "AISResult",
    "ais_log_partition",
    "enumerated_units",
    "exact_log_partition",
]

#: Largest smaller-layer size for which the exact partition function is computed.
MAX_EXACT_UNITS = 25

#: Elements (states x units of the other layer) processed per chunk of the exact sum.
_CHUNK_ELEMENTS = 2**22


def enumerated_units(shape: tuple[int, int], units: str) -> int:
    """How many units the exact ln Z of an RBM of this shape and these units enumerates.

    A Gaussian layer is integrated analytically, so the other layer is enumerated; with both
    layers Gaussian nothing is (the Gaussian integral has a closed form); otherwise the
    smaller layer.
    """
    n_visible, n_hidden = shape
    visible_units, hidden_units = layer_units(units)
    if visible_units == "gaussian" and hidden_units == "gaussian":
        return 0
    if visible_units == "gaussian":
        return n_hidden
    if hidden_units == "gaussian":
        return n_visible
    return min(n_visible, n_hidden)


def _gaussian_log_partition(w: torch.Tensor, a: torch.Tensor, b: torch.Tensor) -> float:
    """ln Z of a Gaussian–Gaussian RBM, E = ½|v|² + ½|h|² - a·v - b·h - v·W·h, in closed form.

    With u = (v, h) and M = [[I, -W], [-Wᵀ, I]], E = ½ uᵀ M u - μ·u with μ = (a, b), so
    Z = (2π)^{n/2} det(M)^{-1/2} exp(½ μᵀ M⁻¹ μ) when M is positive definite (every singular
    value of W below 1); otherwise the model is not normalisable and ln Z = +inf.
    """
    n_visible, n_hidden = w.shape
    eye_v = torch.eye(n_visible, dtype=w.dtype, device=w.device)
    eye_h = torch.eye(n_hidden, dtype=w.dtype, device=w.device)
    matrix = torch.cat([torch.cat([eye_v, -w], 1), torch.cat([-w.T, eye_h], 1)], 0)
    factor, info = torch.linalg.cholesky_ex(matrix)
    if int(info) != 0:
        return math.inf
    mean = torch.cat([a, b])
    solved = torch.cholesky_solve(mean[:, None], factor)[:, 0]
    log_det = 2.0 * torch.log(torch.diagonal(factor)).sum()
    n = n_visible + n_hidden
    return float(0.5 * n * math.log(2 * math.pi) - 0.5 * log_det + 0.5 * (mean @ solved))


def exact_log_partition(
    weights: torch.Tensor,
    visible_bias: torch.Tensor,
    hidden_bias: torch.Tensor,
    units: str,
    max_units: int = MAX_EXACT_UNITS,
) -> float:
    """Exact ln Z of an RBM by summing over every state of its smaller layer.

    Parameters
    ----------
    weights : torch.Tensor of shape (n_visible, n_hidden)
    visible_bias : torch.Tensor of shape (n_visible,)
    hidden_bias : torch.Tensor of shape (n_hidden,)
        Parameters in the sign convention of docs/conventions.md (computed in float64).
    units : {"binary", "spin", "gaussian"}
        For Gaussian visible units the hidden layer is always the one enumerated (the
        Gaussian integral over v is done analytically, see :mod:`deeprg.rbm.functional`).
    max_units : int, default 25
        Refuse (InputError) when the smaller layer (the hidden layer for Gaussian units) has
        more units than this.

    Returns
    -------
    float
        ln Z = ln Σ_{v,h} exp(-E(v, h)).
    """
    w = weights.to(torch.float64)
    a = visible_bias.to(torch.float64)
    b = hidden_bias.to(torch.float64)
    n_visible, n_hidden = w.shape
    visible_units, hidden_units = layer_units(units)
    if visible_units == "gaussian" and hidden_units == "gaussian":
        return _gaussian_log_partition(w, a, b)
    if visible_units == "gaussian" and n_hidden > max_units:
        raise InputError(
            f"exact ln Z of a Gaussian RBM sums over its {n_hidden} hidden units, more than "
            f"{max_units}; use method='ais'"
        )
    if hidden_units == "gaussian" and n_visible > max_units:
        raise InputError(
            f"exact ln Z of an RBM with Gaussian hidden units sums over its {n_visible} "
            f"visible units, more than {max_units}; it has no AIS estimate in deeprg"
        )
    if min(n_visible, n_hidden) > max_units:
        raise InputError(
            f"exact ln Z needs a layer with <= {max_units} units, got {n_visible}x{n_hidden}; "
            "use method='ais'"
        )
    if hidden_units != "gaussian" and (n_hidden <= n_visible or visible_units == "gaussian"):
        # Enumerate h: -G(h) = b·h + Σ_i f(a_i + (W h)_i).
        n_enum, other_bias, enum_bias, matrix = n_hidden, a, b, w.T
        enum_units, other_units = hidden_units, visible_units
    else:
        # Enumerate v: -F(v) = a·v + Σ_j f(b_j + (v W)_j).
        n_enum, other_bias, enum_bias, matrix = n_visible, b, a, w
        enum_units, other_units = visible_units, hidden_units
    n_states = 2**n_enum
    chunk = max(1, min(n_states, _CHUNK_ELEMENTS // max(1, matrix.shape[1])))
    partial = []
    for start in range(0, n_states, chunk):
        stop = min(n_states, start + chunk)
        states = all_states(n_enum, enum_units, start, stop, dtype=torch.float64, device=w.device)
        log_weight = states @ enum_bias + log_unit_partition(
            torch.addmm(other_bias, states, matrix), other_units
        ).sum(dim=1)
        partial.append(torch.logsumexp(log_weight, dim=0))
    return float(torch.logsumexp(torch.stack(partial), dim=0))


@dataclass(frozen=True)
class AISResult:
    """Outcome of :func:`ais_log_partition`.

    Attributes
    ----------
    log_z : float
        AIS estimate of ln Z (a stochastic lower bound in expectation).
    std_err : float
        Standard error of ``log_z`` from the spread of the importance weights (delta method).
    log_z_base : float
        Exact ln Z of the base model the annealing started from.
    log_weights : numpy.ndarray of shape (n_chains,)
        ln w of each chain; ``log_z = log_z_base + logmeanexp(log_weights)``.
    n_betas : int
        Number of intermediate distributions.
    """

    log_z: float
    std_err: float
    log_z_base: float
    log_weights: np.ndarray
    n_betas: int

    @property
    def effective_sample_size(self) -> float:
        """(Σw)² / Σw², in chains; close to n_chains when the annealing is reliable."""
        lw = self.log_weights - self.log_weights.max()
        w = np.exp(lw)
        return float(w.sum() ** 2 / np.sum(w**2))


def _beta_schedule(n_betas: int) -> list[float]:
    """Salakhutdinov & Murray's spacing: 500 : 4000 : 10000 points on [0, .5], [.5, .9], [.9, 1]."""
    n1 = max(1, round(n_betas * 500 / 14500))
    n2 = max(1, round(n_betas * 4000 / 14500))
    n3 = max(1, n_betas - n1 - n2)
    parts = [
        np.linspace(0.0, 0.5, n1, endpoint=False),
        np.linspace(0.5, 0.9, n2, endpoint=False),
        np.linspace(0.9, 1.0, n3 + 1),
    ]
    return np.concatenate(parts).tolist()


def _anneal(
    w: torch.Tensor,
    a: torch.Tensor,
    b: torch.Tensor,
    base: torch.Tensor,
    units: str,
    betas: list[float],
    n_chains: int,
    generator: torch.Generator,
) -> torch.Tensor:
    """Run the AIS chains through ``betas``; returns ln w of each chain, shape (n_chains,).

    For Gaussian visible units ln p*_β(v) also holds -½|v|², the same at every β, so it
    cancels from the weights and only the Gibbs sweep sees it.
    """
    visible_units, hidden_units = layer_units(units)
    v = sample_from_mean(
        unit_mean(base.expand(n_chains, w.shape[0]), visible_units), visible_units, generator
    )
    log_w = torch.zeros(n_chains, dtype=w.dtype, device=w.device)
    delta_bias = a - base
    previous = betas[0]
    for beta in betas[1:]:
        hidden_input = torch.addmm(b, v, w)
        # ln p*_β(v) - ln p*_β'(v) at the current state.
        log_w += (beta - previous) * (v @ delta_bias)
        log_w += (
            log_unit_partition(beta * hidden_input, hidden_units)
            - log_unit_partition(previous * hidden_input, hidden_units)
        ).sum(dim=1)
        # One Gibbs sweep leaving p_β invariant.
        h = sample_from_mean(unit_mean(beta * hidden_input, hidden_units), hidden_units, generator)
        visible_input = torch.addmm(base + beta * delta_bias, h, w.T, alpha=beta)
        v = sample_from_mean(unit_mean(visible_input, visible_units), visible_units, generator)
        previous = beta
    return log_w


def ais_log_partition(
    weights: torch.Tensor,
    visible_bias: torch.Tensor,
    hidden_bias: torch.Tensor,
    units: str,
    n_chains: int = 100,
    n_betas: int = 10000,
    base_visible_bias: torch.Tensor | None = None,
    seed: SeedLike = None,
    dtype: torch.dtype = torch.float64,
) -> AISResult:
    """Estimate ln Z of an RBM by annealed importance sampling.

    Parameters
    ----------
    weights, visible_bias, hidden_bias : torch.Tensor
        Parameters, shapes (n_visible, n_hidden), (n_visible,), (n_hidden,); the chains run on
        their device.
    units : {"binary", "spin", "gaussian"}
    n_chains : int, default 100
        Independent annealing runs M.
    n_betas : int, default 10000
        Number of intermediate inverse temperatures K (Salakhutdinov & Murray's spacing).
    base_visible_bias : torch.Tensor of shape (n_visible,), optional
        Visible bias a_A of the weightless base model; zeros by default. The data's log-odds
        (binary) or artanh of the mean (spin) make a better base and smaller errors.
    seed : int, numpy Generator or None
    dtype : torch.dtype, default float64

    Returns
    -------
    AISResult
    """
    n_chains = check_int("n_chains", n_chains, minimum=2)
    n_betas = check_int("n_betas", n_betas, minimum=2)
    device = weights.device
    w = weights.to(dtype)
    a = visible_bias.to(dtype)
    b = hidden_bias.to(dtype)
    n_visible, n_hidden = w.shape
    base = (
        torch.zeros(n_visible, dtype=dtype, device=device)
        if base_visible_bias is None
        else base_visible_bias.to(device=device, dtype=dtype)
    )
    generator = torch.Generator(device=device)
    generator.manual_seed(int(child_seeds(seed, 1)[0]))
    betas = _beta_schedule(n_betas)

    with single_thread_if_small(n_chains * n_visible * n_hidden, w.device):
        log_w = _anneal(w, a, b, base, units, betas, n_chains, generator)
    visible_units, _ = layer_units(units)
    log_z_base = float(log_unit_partition(base, visible_units).sum()) + n_hidden * math.log(2.0)
    log_w_np = log_w.cpu().numpy().astype(np.float64)
    shift = log_w_np.max()
    rel = np.exp(log_w_np - shift)
    log_z = log_z_base + shift + math.log(rel.mean())
    std_err = float(rel.std(ddof=1) / (rel.mean() * math.sqrt(n_chains)))
    return AISResult(
        log_z=float(log_z),
        std_err=std_err,
        log_z_base=log_z_base,
        log_weights=log_w_np,
        n_betas=n_betas,
    )
