"""CD-k / PCD-k training of a :class:`~deeprg.rbm.ConvRBM`: the dense update, tied.

Every update of a shared parameter is the sum, over the positions it occupies, of the update
the dense :class:`~deeprg.rbm.training.Trainer` would make (penalties included), so one step
starting from tied dense weights moves them to tied dense weights. The chain itself is the
shared :class:`~deeprg.rbm.contrastive.ContrastiveDivergence`, so the random numbers are
drawn in the same order and shapes as the dense Trainer's (centring is not supported).
"""

from __future__ import annotations

import torch

from .contrastive import ContrastiveDivergence, Phases
from .conv_geometry import ConvGeometry
from .functional import unit_mean_
from .training import TrainingConfig, initial_parameters

__all__ = ["ConvTrainer"]


class ConvTrainer(ContrastiveDivergence):
    """Mutable training state of one ConvRBM: kernels, biases, velocities and chains.

    Parameters
    ----------
    config : TrainingConfig
    geometry : ConvGeometry
    data : torch.Tensor of shape (n_samples, Ly·Lx)
        Training data on ``config.device`` in ``config.dtype``.
    kernels, visible_bias, hidden_bias : torch.Tensor
        Initial parameters (copied), shapes (C, k, k), () and (C,).
    generator : torch.Generator
        Drives shuffling and sampling.
    """

    def __init__(
        self,
        config: TrainingConfig,
        geometry: ConvGeometry,
        data: torch.Tensor,
        kernels: torch.Tensor,
        visible_bias: torch.Tensor,
        hidden_bias: torch.Tensor,
        generator: torch.Generator,
    ) -> None:
        self.config = config
        self.geometry = geometry
        self.data = data
        self.visible_units = self.hidden_units = config.units
        kw = {"dtype": config.dtype, "device": config.device}
        self.kernels = kernels.to(**kw).clone().contiguous()
        self.visible_bias = visible_bias.to(**kw).clone().reshape(())
        self.hidden_bias = hidden_bias.to(**kw).clone()
        self.generator = generator
        self.batch_size = min(config.batch_size, data.shape[0])
        self.velocity_kernels = torch.zeros_like(self.kernels)
        self.velocity_visible = torch.zeros_like(self.visible_bias)
        self.velocity_hidden = torch.zeros_like(self.hidden_bias)
        self.epochs_done = 0
        self.chains = self._initial_chains() if config.persistent else None

    @staticmethod
    def initial_parameters(
        config: TrainingConfig,
        geometry: ConvGeometry,
        data: torch.Tensor,
        generator: torch.Generator,
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """K ~ N(0, weight_init_std²), a from the mean over all sites and rows, b = 0."""
        k = geometry.kernel_size
        shape = (geometry.n_channels, k, k)
        return initial_parameters(config, shape, data.mean(), geometry.n_channels, generator)

    # ---------------------------------------------------------------- the moves

    def hidden_mean(self, v: torch.Tensor) -> torch.Tensor:
        """E[h | v] of shape (n, C, Ly/b, Lx/b)."""
        x = self.geometry.hidden_input(v, self.kernels, self.hidden_bias)
        return unit_mean_(x, self.config.units)

    chain_start_mean = hidden_mean

    def visible_mean(self, h: torch.Tensor, final: bool) -> torch.Tensor:
        """E[v | h] of shape (n, Ly·Lx)."""
        x = self.geometry.visible_input(h, self.kernels, self.visible_bias)
        return unit_mean_(x, self.config.units)

    def positive_phase(self, batch_index: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        v_data = self.data.index_select(0, batch_index)
        return v_data, self.hidden_mean(v_data)

    def update(self, phases: Phases, learning_rate: float, momentum: float) -> None:
        """The dense momentum step summed over the positions of every shared parameter."""
        v_data, h_data, v_model, h_model = phases
        cfg = self.config
        alpha = learning_rate / v_data.shape[0]
        visible = torch.cat([v_data, v_model])
        hidden = torch.cat([h_data, h_model.neg()])
        grad_k = self.geometry.weight_statistics(visible, hidden)
        kernels = self.kernels
        vel_k, vel_a, vel_b = self.velocity_kernels, self.velocity_visible, self.velocity_hidden
        vel_k.mul_(momentum).add_(grad_k, alpha=alpha)
        copies = self.geometry.n_positions
        if cfg.l2 > 0:
            vel_k.add_(kernels, alpha=-learning_rate * cfg.l2 * copies)
        if cfg.l1 > 0:
            vel_k.add_(torch.sign(kernels), alpha=-learning_rate * cfg.l1 * copies)
        vel_a.mul_(momentum).add_(v_data.sum() - v_model.sum(), alpha=alpha)
        vel_b.mul_(momentum).add_(hidden.sum(dim=(0, 2, 3)), alpha=alpha)
        kernels.add_(vel_k)
        self.visible_bias.add_(vel_a)
        self.hidden_bias.add_(vel_b)

    def parameter_tensors(self) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """(K, a, b), the tensors the divergence check watches."""
        return self.kernels, self.visible_bias, self.hidden_bias
