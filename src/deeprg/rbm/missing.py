"""Missing values (NaN entries of X) of an RBM with ``missing="impute"``.

Training (stochastic EM): missing entries start at their column's observed mean
(:func:`fill_with_column_means`) and are redrawn after every epoch by one block-Gibbs sweep
with the observed units clamped (:func:`redraw_missing`). After training,
:meth:`RBM.impute <deeprg.rbm.RBM.impute>` fills them with the posterior mean of clamped
Gibbs sampling (:func:`clamped_gibbs_mean`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import torch

from ..errors import InputError
from . import functional as rbm_functional

if TYPE_CHECKING:
    from .training import Trainer

__all__ = ["clamped_gibbs_mean", "fill_with_column_means", "redraw_missing"]


def clamped_gibbs_mean(
    model: Any, v: torch.Tensor, missing: torch.Tensor, steps: int, generator: torch.Generator
) -> torch.Tensor:
    """E[v_missing | observed] by block-Gibbs sampling with the observed units clamped.

    The missing units start at the model's bias-only mean E[v | h = 0]; each sweep draws
    h ~ p(h | v), then redraws the missing units from p(v_missing | h). The estimate is the
    Rao-Blackwellised mean E[v | h] averaged over the second half of the sweeps.

    Parameters
    ----------
    model : RBMBase
        A fitted RBM (its ``_hidden_sample``, ``_visible_mean``, ``_scaled``, ``_unscaled``).
    v : torch.Tensor of shape (n, n_visible)
        Rows with their observed entries (the missing ones are ignored).
    missing : torch.Tensor of bool, shape (n, n_visible)
    steps : int
        Sweeps (>= 1).
    generator : torch.Generator

    Returns
    -------
    torch.Tensor of shape (n, n_visible)
        The estimate for every entry (only the missing ones are meant to be used).
    """
    n_hidden = model._layer_sizes()[1]
    prior = model._visible_mean(torch.zeros(1, n_hidden, dtype=v.dtype, device=v.device))
    v = torch.where(missing, prior.expand_as(v), v)
    visible_units = rbm_functional.layer_units(model.units)[0]
    total = torch.zeros_like(v)
    first_counted = steps // 2
    for step in range(steps):
        h = model._hidden_sample(model._scaled(v), generator)
        mean = model._visible_mean(h)
        if step >= first_counted:
            total += mean
        draw = rbm_functional.sample_from_mean(model._scaled(mean), visible_units, generator)
        v = torch.where(missing, model._unscaled(draw), v)
    return total / (steps - first_counted)


def fill_with_column_means(data: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
    """(data with NaN replaced by its column's observed mean, NaN mask or None if complete)."""
    missing = np.isnan(data)
    if not missing.any():
        return data, None
    observed = missing.all(axis=0)
    if observed.any():
        column = int(np.flatnonzero(observed)[0])
        raise InputError(
            f"column {column} of X has no observed value; drop it or supply some values"
        )
    means = np.nanmean(data, axis=0)
    return np.where(missing, means.astype(data.dtype), data), missing


def redraw_missing(trainer: Trainer, missing: torch.Tensor) -> None:
    """One block-Gibbs sweep on the rows with missing entries, observed units clamped.

    h ~ p(h | v), then v_missing ~ p(v_missing | h); written into ``trainer.data`` in place
    (the stochastic-EM step of ``missing="impute"``), drawn from the trainer's generator.
    """
    rows = missing.any(dim=1).nonzero().squeeze(1)
    data, generator = trainer.data, trainer.generator
    v = data.index_select(0, rows)
    x = v if trainer.log_std is None else v * torch.exp(-trainer.log_std)
    mean = rbm_functional.unit_mean(
        torch.addmm(trainer.hidden_bias, x, trainer.weights), trainer.hidden_units
    )
    h = rbm_functional.sample_from_mean(mean, trainer.hidden_units, generator)
    visible_input = torch.addmm(trainer.visible_bias, h, trainer.weights.T)
    draw = rbm_functional.sample_from_mean(
        rbm_functional.unit_mean(visible_input, trainer.visible_units),
        trainer.visible_units,
        generator,
    )
    if trainer.log_std is not None:
        draw = draw * torch.exp(trainer.log_std)
    data.index_copy_(0, rows, torch.where(missing.index_select(0, rows), draw, v))
