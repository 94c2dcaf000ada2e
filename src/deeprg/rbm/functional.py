"""Tensor-level RBM mathematics shared by the estimator, the trainer and the partition functions.

Sign convention (docs/conventions.md): the energy of a visible configuration v (n_visible units) and a
hidden configuration h (n_hidden units) is

    E(v, h) = -a·v - b·h - v·W·h,      p(v, h) = exp(-E(v, h)) / Z,

with weights W of shape (n_visible, n_hidden), visible bias a and hidden bias b. Mehta & Schwab
write E with plus signs (E = Σ b_j h_j + Σ v_i w_ij h_j + Σ c_i v_i): their
parameters are the negatives of ours.

Units are ``"binary"`` (each unit in {0, 1}) or ``"spin"`` (each unit in {-1, +1}); both layers
use the same units. Summing one unit u with input x gives the unit's log partition function

    f(x) = ln Σ_u exp(x u) = softplus(x) = ln(1 + e^x)     (binary)
                           = ln(2 cosh x)                   (spin)

so the free energies (marginals up to ln Z) are

    F(v) = -a·v - Σ_j f(b_j + (v W)_j),     p(v) = exp(-F(v)) / Z,
    G(h) = -b·h - Σ_i f(a_i + (W h)_i),     p(h) = exp(-G(h)) / Z.

F(v) is the paper's H^RBM_λ(v) and G(h) its H^RBM_λ(h) (Eqs. 11-12 of Mehta & Schwab,
docs/conventions.md), both defined up to the same ln Z.
The conditional mean of a unit with input x is f'(x): sigmoid(x) (binary) or tanh(x) (spin).
All functions here take and return torch tensors and never touch global random state.
"""

from __future__ import annotations

import math

import torch

from ..errors import InputError

__all__ = [
    "UNITS",
    "all_states",
    "check_units",
    "energy",
    "free_energy",
    "hidden_free_energy",
    "log_unit_partition",
    "sample_from_mean",
    "unit_mean",
    "unit_mean_",
]

UNITS = ("binary", "spin")


def check_units(units: object) -> str:
    """Return ``units`` if it is ``"binary"`` or ``"spin"``, else raise :class:`InputError`."""
    if units not in UNITS:
        raise InputError(f"units must be 'binary' or 'spin', got {units!r}")
    return str(units)


def log_unit_partition(x: torch.Tensor, units: str) -> torch.Tensor:
    """Element-wise f(x) = ln Σ_u exp(x u) over one unit's two states, numerically stable.

    Binary: softplus(x) = max(x, 0) + log1p(exp(-|x|)). Spin: ln(2 cosh x) = |x| +
    log1p(exp(-2|x|)). Both are exact in floating point for any finite x (no threshold).
    """
    magnitude = x.abs()
    if units == "binary":
        return torch.clamp(x, min=0) + torch.log1p(torch.exp(-magnitude))
    return magnitude + torch.log1p(torch.exp(-2.0 * magnitude))


def _sigmoid_limit(dtype: torch.dtype) -> float:
    """|x| at which sigmoid(x) is clamped: the output never drops below sqrt(tiny) of ``dtype``.

    Subnormal numbers make matrix products 5-20x slower on x86 (measured: a 1600x400 epoch
    went from ~2 s to ~22 s once L1-trained units saturated, the probabilities times the
    weights underflowing inside the products), and ``torch.set_flush_denormal`` reaches only
    the calling thread, not torch's workers. With probabilities >= sqrt(tiny), their product
    with any weight >= sqrt(tiny) stays normal. The clamp moves a probability by at most
    sqrt(tiny): 1.1e-19 in float32, 1.5e-154 in float64.
    """
    return -0.5 * math.log(torch.finfo(dtype).tiny)


def unit_mean(x: torch.Tensor, units: str) -> torch.Tensor:
    """Conditional mean f'(x) of a unit with input x: sigmoid(x) (binary) or tanh(x) (spin)."""
    if units == "binary":
        limit = _sigmoid_limit(x.dtype)
        return torch.sigmoid(x.clamp(-limit, limit))
    return torch.tanh(x)


def unit_mean_(x: torch.Tensor, units: str) -> torch.Tensor:
    """In-place :func:`unit_mean` (overwrites and returns ``x``)."""
    if units == "binary":
        limit = _sigmoid_limit(x.dtype)
        return x.clamp_(-limit, limit).sigmoid_()
    return x.tanh_()


def sample_from_mean(
    mean: torch.Tensor,
    units: str,
    generator: torch.Generator,
    out: torch.Tensor | None = None,
) -> torch.Tensor:
    """Draw unit states with the given conditional means.

    Binary: P(u = 1) = mean. Spin: P(u = +1) = (1 + mean) / 2. One uniform number r per unit,
    compared strictly (r < p), so a mean of exactly 0 (binary) or -1 (spin) never gives the
    upper state and a mean of exactly 1 always does.

    Parameters
    ----------
    mean : torch.Tensor of any shape
        Conditional means, in [0, 1] (binary) or [-1, 1] (spin).
    units : {"binary", "spin"}
    generator : torch.Generator
        Source of randomness (on ``mean``'s device).
    out : torch.Tensor, optional
        Preallocated output of ``mean``'s shape and dtype, not aliasing ``mean``; it first
        receives the uniform numbers, then (in place) the states.

    Returns
    -------
    torch.Tensor of ``mean``'s shape and dtype
        States in {0, 1} or {-1, +1}.
    """
    if out is None:
        out = torch.empty_like(mean)
    torch.rand(out.shape, generator=generator, out=out)
    if units == "binary":
        return out.lt_(mean)
    # r < (1 + m) / 2  <=>  2r - 1 < m
    out.mul_(2.0).sub_(1.0).lt_(mean)
    return out.mul_(2.0).sub_(1.0)


def energy(
    v: torch.Tensor, h: torch.Tensor, weights: torch.Tensor, a: torch.Tensor, b: torch.Tensor
) -> torch.Tensor:
    """E(v, h) = -a·v - b·h - v·W·h for a batch, tensor of shape (n_samples,)."""
    return -(v @ a) - (h @ b) - ((v @ weights) * h).sum(dim=-1)


def free_energy(
    v: torch.Tensor, weights: torch.Tensor, a: torch.Tensor, b: torch.Tensor, units: str
) -> torch.Tensor:
    """F(v) = -a·v - Σ_j f(b_j + (vW)_j), tensor of shape (n_samples,); p(v) = e^{-F(v)}/Z."""
    return -(v @ a) - log_unit_partition(torch.addmm(b, v, weights), units).sum(dim=-1)


def hidden_free_energy(
    h: torch.Tensor, weights: torch.Tensor, a: torch.Tensor, b: torch.Tensor, units: str
) -> torch.Tensor:
    """G(h) = -b·h - Σ_i f(a_i + (W h)_i), tensor of shape (n_samples,); p(h) = e^{-G(h)}/Z."""
    return -(h @ b) - log_unit_partition(torch.addmm(a, h, weights.T), units).sum(dim=-1)


def all_states(
    n_units: int,
    units: str,
    start: int = 0,
    stop: int | None = None,
    dtype: torch.dtype = torch.float64,
    device: torch.device | str = "cpu",
) -> torch.Tensor:
    """States number ``start`` to ``stop - 1`` of ``n_units`` units, in binary counting order.

    State number k has unit i equal to bit i of k (unit 0 is the least significant bit),
    mapped to {0, 1} or {-1, +1}.

    Returns
    -------
    torch.Tensor of shape (stop - start, n_units)
    """
    if stop is None:
        stop = 2**n_units
    index = torch.arange(start, stop, dtype=torch.int64, device=device)
    shifts = torch.arange(n_units, dtype=torch.int64, device=device)
    bits = ((index[:, None] >> shifts) & 1).to(dtype)
    return bits if units == "binary" else 2.0 * bits - 1.0
