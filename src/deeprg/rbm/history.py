"""The per-epoch training history of an RBM-like estimator (``history_``) and its metrics.

:data:`HISTORY_KEYS` names its lists (one entry per epoch); the metrics are computed on
:func:`history_subset`, evenly spaced rows of the training data: the reconstruction error
and the stochastic pseudo-log-likelihood of a dense RBM (:func:`history_metrics`, one
shared matrix product for both), and the exact log-likelihood of small layers.
"""

from __future__ import annotations

import torch

from .functional import layer_units, log_unit_partition, unit_mean

__all__ = [
    "HISTORY_KEYS",
    "MAX_HISTORY_EXACT_UNITS",
    "empty_history",
    "history_metrics",
    "history_subset",
    "pseudo_log_likelihood",
    "reconstruction_error",
]

#: Keys of ``history_`` (each a list with one entry per epoch).
HISTORY_KEYS = (
    "epoch",
    "learning_rate",
    "momentum",
    "reconstruction_error",
    "pseudo_likelihood",
    "log_likelihood",
    "seconds",
)

#: The per-epoch history records the exact log-likelihood when a layer has at most this many units.
MAX_HISTORY_EXACT_UNITS = 20


def empty_history() -> dict[str, list]:
    """A history dict with every key of :data:`HISTORY_KEYS` and no epochs."""
    return {key: [] for key in HISTORY_KEYS}


def history_subset(data: torch.Tensor, n_rows: int) -> torch.Tensor | None:
    """Up to ``n_rows`` evenly spaced rows of ``data`` (n_samples, n_visible); None when 0."""
    if n_rows <= 0:
        return None
    step = max(1, data.shape[0] // n_rows)
    return data[::step][:n_rows].contiguous()


def reconstruction_error(
    data: torch.Tensor,
    weights: torch.Tensor,
    a: torch.Tensor,
    b: torch.Tensor,
    units: str,
    std: torch.Tensor | None = None,
    hidden_input: torch.Tensor | None = None,
    matmul_dtype: torch.dtype | None = None,
) -> float:
    """Mean squared error per visible unit of the mean-field reconstruction E[v | E[h | v]].

    ``std`` (shape (n_visible,)): learned standard deviations σ of Gaussian visible units;
    the model then acts on x = v / σ and the error is measured on v. ``hidden_input``
    (shape (n_samples, n_hidden)): b + x W when the caller has it already (see
    :func:`history_metrics`). ``matmul_dtype``: operand dtype of the products (default: the
    parameters' own).
    """
    visible_units, hidden_units = layer_units(units)
    if hidden_input is None:
        x = data if std is None else data / std
        hidden_input = _product_plus_bias(b, x, weights, matmul_dtype)
    hidden = unit_mean(hidden_input, hidden_units)
    visible = unit_mean(_product_plus_bias(a, hidden, weights.T, matmul_dtype), visible_units)
    if std is not None:
        visible = visible * std
    return float(torch.mean((data - visible) ** 2))


def pseudo_log_likelihood(
    data: torch.Tensor,
    weights: torch.Tensor,
    a: torch.Tensor,
    b: torch.Tensor,
    units: str,
    generator: torch.Generator,
    hidden_input: torch.Tensor | None = None,
) -> torch.Tensor:
    """Stochastic pseudo-log-likelihood n_visible · ln p(v_i | v_-i) per row, one random i each.

    ln p(v_i | v_-i) = ln sigmoid(F(ṽ) - F(v)) with ṽ equal to v except unit i flipped
    (1 - v_i for binary, -v_i for spin); its expectation over i times n_visible is the
    pseudo-log-likelihood Σ_i ln p(v_i | v_-i) (Besag 1975), the quantity scikit-learn's
    BernoulliRBM reports. Not defined for Gaussian visible units (no state to flip): NaN.

    Flipping unit i changes v by δ = ṽ_i - v_i in one place, so the hidden input of ṽ is
    that of v plus δ W[i, :], and F(ṽ) - F(v) = -a_i δ - Σ_j [f(x_j + δ W_ij) - f(x_j)] with
    x = b + v W: one matrix product for both free energies, which ``hidden_input`` (shape
    (n_samples, n_hidden)) supplies when the caller has it already.

    Returns
    -------
    torch.Tensor of shape (n_samples,)
    """
    n, n_visible = data.shape
    visible_units, hidden_units = layer_units(units)
    if visible_units == "gaussian":
        return torch.full((n,), float("nan"), dtype=data.dtype, device=data.device)
    columns = torch.randint(n_visible, (n,), generator=generator, device=data.device)
    rows = torch.arange(n, device=data.device)
    values = data[rows, columns]
    delta = 1.0 - 2.0 * values if visible_units == "binary" else -2.0 * values
    if hidden_input is None:
        hidden_input = torch.addmm(b, data, weights)
    flipped_input = torch.addcmul(hidden_input, delta[:, None], weights.index_select(0, columns))
    change = (
        log_unit_partition(flipped_input, hidden_units)
        - log_unit_partition(hidden_input, hidden_units)
    ).sum(-1)
    difference = -a.index_select(0, columns) * delta - change
    return n_visible * torch.nn.functional.logsigmoid(difference)


def history_metrics(
    data: torch.Tensor,
    weights: torch.Tensor,
    a: torch.Tensor,
    b: torch.Tensor,
    units: str,
    generator: torch.Generator,
    std: torch.Tensor | None = None,
    matmul_dtype: torch.dtype | None = None,
) -> tuple[float, float]:
    """(reconstruction error, mean pseudo-log-likelihood) of ``data`` from one shared product.

    The per-epoch history of :class:`deeprg.rbm.RBM`: both metrics need the hidden input
    b + x W, computed once; with ``matmul_dtype`` (bfloat16 in mixed-precision training) its
    products take that operand dtype, so that the history costs the same small fraction of an
    epoch in either precision. Same values (up to rounding) as :func:`reconstruction_error`
    and :func:`pseudo_log_likelihood` called one after the other with ``generator``.
    """
    x = data if std is None else data / std
    hidden_input = _product_plus_bias(b, x, weights, matmul_dtype)
    error = reconstruction_error(
        data, weights, a, b, units, std, hidden_input=hidden_input, matmul_dtype=matmul_dtype
    )
    if layer_units(units)[0] == "gaussian":
        return error, float("nan")
    pll = pseudo_log_likelihood(data, weights, a, b, units, generator, hidden_input=hidden_input)
    return error, float(pll.mean())


def _product_plus_bias(
    bias: torch.Tensor, x: torch.Tensor, weights: torch.Tensor, matmul_dtype: torch.dtype | None
) -> torch.Tensor:
    """bias + x W, with ``matmul_dtype`` operands when given (the result in ``x``'s dtype)."""
    if matmul_dtype is None or matmul_dtype == x.dtype:
        return torch.addmm(bias, x, weights)
    return torch.mm(x.to(matmul_dtype), weights.to(matmul_dtype)).to(x.dtype).add_(bias)
