"""The contrastive-divergence chain shared by every RBM trainer: epochs, CD-k/PCD-k, chains.

:class:`ContrastiveDivergence` owns the loop (shuffled mini-batches, the divergence check,
the negative-phase Gibbs chain and the persistent chains) while a trainer supplies the moves
of its geometry: the hidden and visible conditional means, where states are drawn to, and
the parameter update. The dense :class:`~deeprg.rbm.training.Trainer` and the convolutional
:class:`~deeprg.rbm.conv_training.ConvTrainer` thus draw their random numbers in one order:

1. persistent chains (PCD only): a permutation of the data rows, then h ~ p(h | v) of the
   first ``batch_size`` rows;
2. every epoch: a permutation of the data rows, then per mini-batch
   h ~ p(h | v_data) (CD only), k times [v ~ p(v | h) (unless the final sweep of a CD
   "mean" reconstruction), h ~ p(h | v) (except after the final sweep)], and the new
   chain states h ~ p(h | v_model) (PCD only).
"""

from __future__ import annotations

from typing import NamedTuple

import torch

from .functional import sample_from_mean
from .precision import tf32_products

__all__ = ["DIVERGENCE_LIMIT", "ContrastiveDivergence", "Phases", "TrainingDivergedError"]

#: Training stops (TrainingDivergedError) when a parameter's magnitude exceeds this or is NaN:
#: sigmoid and tanh saturate beyond |x| ~ 40, so such values only mean a runaway update.
DIVERGENCE_LIMIT = 1e6


class TrainingDivergedError(RuntimeError):
    """Training produced NaN or runaway parameters (learning rate or momentum too large)."""


class Phases(NamedTuple):
    """The states of one update: the data (positive) and the model (negative) phase.

    ``v_data`` and ``v_model`` are visible rows, ``h_data`` and ``h_model`` the hidden
    conditional means given them (in the trainer's layout).
    """

    v_data: torch.Tensor
    h_data: torch.Tensor
    v_model: torch.Tensor
    h_model: torch.Tensor


class ContrastiveDivergence:
    """Epochs of CD-k / PCD-k updates; a subclass supplies its geometry's moves.

    The subclass sets ``config`` (a :class:`~deeprg.rbm.training.TrainingConfig`),
    ``data`` (n_samples, n_visible), ``generator``, ``batch_size``, ``epochs_done``,
    ``chains`` (None or persistent hidden states), ``visible_units`` and ``hidden_units``,
    and implements the methods below that raise NotImplementedError.
    """

    # ---------------------------------------------------------------- the moves

    def positive_phase(self, batch_index: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(v_data, E[h | v_data]) of the data rows ``batch_index``."""
        raise NotImplementedError

    def visible_mean(self, h: torch.Tensor, final: bool) -> torch.Tensor:
        """E[v | h] of the negative phase (``final``: it is the negative phase's v itself)."""
        raise NotImplementedError

    def hidden_mean(self, v: torch.Tensor) -> torch.Tensor:
        """E[h | v] of the negative phase's visible states."""
        raise NotImplementedError

    def chain_start_mean(self, v: torch.Tensor) -> torch.Tensor:
        """E[h | v] of the data rows that start the persistent chains."""
        raise NotImplementedError

    def update(self, phases: Phases, learning_rate: float, momentum: float) -> None:
        """Move the parameters along the CD estimate of the gradient (momentum form)."""
        raise NotImplementedError

    def parameter_tensors(self) -> tuple[torch.Tensor, ...]:
        """The tensors the divergence check watches."""
        raise NotImplementedError

    def sample_out(self, layer: str, m: int) -> torch.Tensor | None:
        """Preallocated output of a ``layer`` ("visible"/"hidden") draw of m rows, or None."""
        return None

    # ---------------------------------------------------------------- the loop

    def _initial_chains(self) -> torch.Tensor:
        """Persistent chains (hidden states) started at h ~ p(h | v) of random data rows."""
        n = self.data.shape[0]
        rows = torch.randperm(n, generator=self.generator, device=self.data.device)
        start = self.data.index_select(0, rows[: self.batch_size])
        mean = self.chain_start_mean(start)
        return sample_from_mean(mean, self.hidden_units, self.generator)

    def _draw(self, mean: torch.Tensor, layer: str) -> torch.Tensor:
        units = self.visible_units if layer == "visible" else self.hidden_units
        out = self.sample_out(layer, mean.shape[0])
        return sample_from_mean(mean, units, self.generator, out=out)

    def step(self, batch_index: torch.Tensor, learning_rate: float, momentum: float) -> None:
        """One CD-k / PCD-k update on the data rows ``batch_index``."""
        cfg = self.config
        m = batch_index.shape[0]
        v_data, h_data = self.positive_phase(batch_index)
        h_source = self.chains[:m] if cfg.persistent else self._draw(h_data, "hidden")
        mean_last = not cfg.persistent and cfg.reconstruction == "mean"
        for sweep in range(cfg.cd_k):
            last = sweep == cfg.cd_k - 1
            if last and mean_last:
                v_model = self.visible_mean(h_source, final=True)
            else:
                v_model = self._draw(self.visible_mean(h_source, final=False), "visible")
            h_model = self.hidden_mean(v_model)
            if not last:
                h_source = self._draw(h_model, "hidden")
        if cfg.persistent:
            # The chains' state is the hidden layer: h ~ p(h | v_model), ready for the next update.
            sample_from_mean(h_model, self.hidden_units, self.generator, out=self.chains[:m])
        self.update(Phases(v_data, h_data, v_model, h_model), learning_rate, momentum)

    def run_epoch(self) -> tuple[float, float]:
        """One pass over the shuffled data; returns (learning_rate, momentum) used."""
        epoch = self.epochs_done
        learning_rate = self.config.learning_rate_at(epoch)
        momentum = self.config.momentum_at(epoch)
        n = self.data.shape[0]
        order = torch.randperm(n, generator=self.generator, device=self.data.device)
        with tf32_products(self.config.matmul_name == "tfloat32"):
            for start in range(0, n, self.batch_size):
                self.step(order[start : start + self.batch_size], learning_rate, momentum)
        self.epochs_done += 1
        largest = float(torch.stack([t.abs().max() for t in self.parameter_tensors()]).max())
        if not largest <= DIVERGENCE_LIMIT:  # also catches NaN
            raise TrainingDivergedError(
                f"training diverged in epoch {epoch + 1}: parameters reached {largest:g} (limit "
                f"{DIVERGENCE_LIMIT:g}); lower learning_rate (now {learning_rate:g}) or "
                f"momentum (now {momentum:g})"
            )
        return learning_rate, momentum
