"""Tensor-level RBM mathematics shared by the estimator, the trainer and the partition functions.

Sign convention (docs/conventions.md): the energy of a visible configuration v (n_visible units) and a
hidden configuration h (n_hidden units) is

    E(v, h) = -a·v - b·h - v·W·h,      p(v, h) = exp(-E(v, h)) / Z,

with weights W of shape (n_visible, n_hidden), visible bias a and hidden bias b. Mehta & Schwab
write E with plus signs (E = Σ b_j h_j + Σ v_i w_ij h_j + Σ c_i v_i): their
parameters are the negatives of ours.

Units are ``"binary"`` (each unit in {0, 1}) or ``"spin"`` (each unit in {-1, +1}), the same
on both layers, or ``"gaussian"``: real-valued visible units with binary hidden units (the
Gaussian-Bernoulli RBM, Hinton's practical guide §13.2; Cho, Ilin & Raiko 2011). A Gaussian
unit carries the base term u²/2 in the energy,

    E(v, h) = ½|v|² - a·v - b·h - v·W·h = ½|v - a|² - b·h - v·W·h - ½|a|²,

the standard unit-variance Gaussian-Bernoulli energy up to the constant ½|a|² (which moves
ln Z, no probability): p(v | h) = N(a + W h, 1). Summing (or integrating) one unit u with
input x gives the unit's log partition function

    f(x) = ln Σ_u exp(x u) = softplus(x) = ln(1 + e^x)     (binary)
                           = ln(2 cosh x)                   (spin)
    f(x) = ln ∫ exp(x u - u²/2) du = x²/2 + ½ ln 2π          (Gaussian)

so the free energies (marginals up to ln Z) are

    F(v) = [½|v|²] - a·v - Σ_j f(b_j + (v W)_j),     p(v) = exp(-F(v)) / Z,
    G(h) = -b·h - Σ_i f(a_i + (W h)_i),              p(h) = exp(-G(h)) / Z,

with the bracket only for Gaussian visible units and each f that of its layer's units.

F(v) is the paper's H^RBM_λ(v) and G(h) its H^RBM_λ(h) (Eqs. 11-12 of Mehta & Schwab,
docs/conventions.md), both defined up to the same ln Z.
The conditional mean of a unit with input x is f'(x): sigmoid(x) (binary), tanh(x) (spin) or
x (Gaussian, unit variance).
All functions here take and return torch tensors and never touch global random state.
"""

from __future__ import annotations

import math

import torch

from ..errors import InputError

__all__ = [
    "RBM_UNITS",
    "UNITS",
    "all_states",
    "check_rbm_units",
    "check_units",
    "energy",
    "free_energy",
    "gaussian_visible",
    "hidden_free_energy",
    "layer_units",
    "log_unit_partition",
    "rbm_units",
    "sample_from_mean",
    "unit_mean",
    "unit_mean_",
]

#: Units shared by both layers (every model in deeprg supports these).
UNITS = ("binary", "spin")

#: Units of a dense RBM: also "gaussian" (Gaussian visible, binary hidden units), and the
#: linear code layers "gaussian-gaussian" (Gaussian visible and hidden units) and
#: "binary-gaussian" (binary visible, Gaussian hidden units).
RBM_UNITS = ("binary", "spin", "gaussian", "gaussian-gaussian", "binary-gaussian")


def check_units(units: object) -> str:
    """Return ``units`` if it is ``"binary"`` or ``"spin"``, else raise :class:`InputError`."""
    if units not in UNITS:
        raise InputError(f"units must be 'binary' or 'spin', got {units!r}")
    return str(units)


def check_rbm_units(units: object) -> str:
    """Return ``units`` if it is one of :data:`RBM_UNITS`, else raise :class:`InputError`."""
    if units not in RBM_UNITS:
        listed = ", ".join(repr(u) for u in RBM_UNITS)
        raise InputError(f"units must be one of {listed}, got {units!r}")
    return str(units)


def layer_units(units: str) -> tuple[str, str]:
    """(visible units, hidden units) of an RBM.

    ``"gaussian"`` is ("gaussian", "binary"); ``"<visible>-<hidden>"`` names both layers
    (``"gaussian-gaussian"``, ``"binary-gaussian"``); ``"binary"`` and ``"spin"`` are the
    same on both layers.
    """
    if units == "gaussian":
        return ("gaussian", "binary")
    if "-" in units:
        visible, hidden = units.split("-", 1)
        return (visible, hidden)
    return (units, units)


def gaussian_visible(units: str) -> bool:
    """Whether an RBM of these ``units`` has real-valued (Gaussian) visible units."""
    return layer_units(units)[0] == "gaussian"


def rbm_units(visible: str, hidden: str) -> str:
    """The ``units`` name of an RBM with these visible and hidden units (inverse of :func:`layer_units`)."""
    for units in RBM_UNITS:
        if layer_units(units) == (visible, hidden):
            return units
    raise InputError(
        f"no RBM has {visible} visible and {hidden} hidden units; Gaussian hidden units go "
        "with Gaussian or binary visible units"
    )


#: softplus(x) returns x itself above this (ln(1 + e^-40) = 4e-18 is below float64's rounding of 40).
_SOFTPLUS_THRESHOLD = 40.0


def log_unit_partition(x: torch.Tensor, units: str) -> torch.Tensor:
    """Element-wise f(x) = ln Σ_u exp(x u) over one unit's two states, numerically stable.

    Binary: softplus(x) = ln(1 + e^x), torch's fused softplus with threshold 40 (beyond it
    the result is x, exact to rounding in float32 and float64 alike: ln(1 + e^-40) = 4e-18).
    Spin: ln(2 cosh x) = logaddexp(x, -x). Both lie within 2 units in the last place of a
    long-double reference for every finite x (tests/test_rbm_partition.py) and cost one or
    two fused passes over x, about 0.7× the time of the max + log1p(exp(-|x|)) form (the
    history's pseudo-likelihood calls this every epoch on a (1000, n_hidden) input).

    Gaussian (unit variance, base measure e^{-u²/2}): x²/2 + ½ ln 2π.
    """
    if not x.is_floating_point():  # integer inputs: results in torch's default float dtype
        x = x.to(torch.get_default_dtype())
    if units == "gaussian":
        return 0.5 * x * x + _HALF_LOG_TWO_PI
    if units == "binary":
        return torch.nn.functional.softplus(x, threshold=_SOFTPLUS_THRESHOLD)
    return torch.logaddexp(x, -x)


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


_HALF_LOG_TWO_PI = 0.5 * math.log(2.0 * math.pi)


def unit_mean(x: torch.Tensor, units: str) -> torch.Tensor:
    """Conditional mean f'(x) of a unit with input x: sigmoid(x), tanh(x) or x (Gaussian)."""
    if units == "gaussian":
        return x
    if units == "binary":
        limit = _sigmoid_limit(x.dtype)
        return torch.sigmoid(x.clamp(-limit, limit))
    return torch.tanh(x)


def unit_mean_(x: torch.Tensor, units: str) -> torch.Tensor:
    """In-place :func:`unit_mean` (overwrites and returns ``x``)."""
    if units == "gaussian":
        return x
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
    upper state and a mean of exactly 1 always does. Gaussian: mean + N(0, 1) noise.

    Parameters
    ----------
    mean : torch.Tensor of any shape
        Conditional means, in [0, 1] (binary), [-1, 1] (spin) or real (Gaussian).
    units : {"binary", "spin", "gaussian"}
    generator : torch.Generator
        Source of randomness (on ``mean``'s device).
    out : torch.Tensor, optional
        Preallocated output of ``mean``'s shape and dtype, not aliasing ``mean``; it first
        receives the uniform numbers, then (in place) the states.

    Returns
    -------
    torch.Tensor of ``mean``'s shape and dtype
        States in {0, 1} or {-1, +1} (reals for Gaussian units).
    """
    if out is None:
        out = torch.empty_like(mean)
    if units == "gaussian":
        torch.randn(out.shape, generator=generator, out=out)
        return out.add_(mean)
    torch.rand(out.shape, generator=generator, out=out)
    if units == "binary":
        return out.lt_(mean)
    # r < (1 + m) / 2  <=>  2r - 1 < m
    out.mul_(2.0).sub_(1.0).lt_(mean)
    return out.mul_(2.0).sub_(1.0)


def _base_energy(v: torch.Tensor, units: str) -> torch.Tensor | float:
    """½|u|² per row for a layer of Gaussian units, else 0."""
    return 0.5 * (v * v).sum(dim=-1) if units == "gaussian" else 0.0


def energy(
    v: torch.Tensor,
    h: torch.Tensor,
    weights: torch.Tensor,
    a: torch.Tensor,
    b: torch.Tensor,
    units: str = "binary",
) -> torch.Tensor:
    """E(v, h) = [½|v|²] [+ ½|h|²] - a·v - b·h - v·W·h for a batch, shape (n_samples,).

    The bracketed base terms belong to Gaussian visible and Gaussian hidden units.
    """
    visible, hidden = layer_units(units)
    base = _base_energy(v, visible) + _base_energy(h, hidden)
    return base - (v @ a) - (h @ b) - ((v @ weights) * h).sum(dim=-1)


def free_energy(
    v: torch.Tensor, weights: torch.Tensor, a: torch.Tensor, b: torch.Tensor, units: str
) -> torch.Tensor:
    """F(v) = [½|v|²] - a·v - Σ_j f(b_j + (vW)_j), shape (n_samples,); p(v) = e^{-F(v)}/Z."""
    visible, hidden = layer_units(units)
    hidden_term = log_unit_partition(torch.addmm(b, v, weights), hidden).sum(dim=-1)
    return _base_energy(v, visible) - (v @ a) - hidden_term


def hidden_free_energy(
    h: torch.Tensor, weights: torch.Tensor, a: torch.Tensor, b: torch.Tensor, units: str
) -> torch.Tensor:
    """G(h) = -b·h - Σ_i f(a_i + (W h)_i), tensor of shape (n_samples,); p(h) = e^{-G(h)}/Z."""
    visible, _ = layer_units(units)
    return -(h @ b) - log_unit_partition(torch.addmm(a, h, weights.T), visible).sum(dim=-1)


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
