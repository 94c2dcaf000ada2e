"""Contrastive-divergence training of an RBM: CD-k, PCD, momentum, penalties, centring.

One mini-batch update with data rows v_d (m rows) and negative-phase rows v_n:

    ΔW_vel ← μ_t ΔW_vel + η [ (v_dᵀ h_d - v_nᵀ h_n) / m - l2 W - l1 sign(W) ]
    Δa_vel ← μ_t Δa_vel + η (Σ v_d - Σ v_n) / m
    Δb_vel ← μ_t Δb_vel + η (Σ h_d - Σ h_n) / m
    W += ΔW_vel,  a += Δa_vel,  b += Δb_vel

(Hinton's momentum form, η the learning rate, μ_t the momentum). h_d = E[h | v_d] and
h_n = E[h | v_n] are conditional means (Rao-Blackwellised statistics), ascending the
log-likelihood gradient ∂ ln p(v)/∂W = <v hᵀ>_data - <v hᵀ>_model (sign convention of docs/conventions.md).
The penalties are the gradients of (l2/2)·ΣW² and l1·Σ|W| (weights only, not biases).

Negative phase. CD-k starts k block-Gibbs sweeps from the data: h ~ p(h | v_d), then
v ~ p(v | h), h ~ p(h | v), ... For the final sweep ``reconstruction="mean"`` uses the visible
conditional means instead of a sample (as in Hinton's code that Mehta & Schwab used; less noise,
slightly biased) and ``"sample"`` uses a sample. PCD (Tieleman 2008) keeps ``batch_size``
persistent chains that continue from where the previous update left them, always sampled;
as in scikit-learn's BernoulliRBM, a chain's state is its hidden layer, drawn from
p(h | v_model) when the update's statistics are computed, so PCD-1 costs no more matrix
products than CD-1.

Centring (Montavon & Müller 2012; Melchior, Fischer & Wiskott 2016, Algorithm 1): the
gradient is taken for the centred energy -(v-μ)ᵀW(h-λ) - a_cᵀ(v-μ) - b_cᵀ(h-λ), with μ the
data mean and λ a running mean (rate 0.01) of E[h | data]; the parameters are stored in the
standard form, a = a_c - Wλ, b = b_c - Wᵀμ, so moving the offsets changes no probability.

Gaussian visible units (``units="gaussian"``, hidden units binary): the same updates with the
visible conditional p(v | h) = N(a + W h, 1) (its mean for a "mean" reconstruction, a sample
otherwise). With ``learn_variance`` the model is the unit-variance one on x = v / σ, so that
p(v) = p_x(v / σ) / Π σ with a partition function independent of σ; the log-likelihood
gradient with respect to ln σ_i is then a data term only,

    ∂ ln p(v) / ∂ ln σ_i = x_i (x_i - a_i - (W E[h | x])_i) - 1,

clipped to [-1, 1] (it grows as x²) and applied with the same learning rate and momentum as
the other parameters, σ kept within [1 %, 100×] of its starting value
(:data:`MIN_STD_FRACTION`); every other update is the unit-variance one on the scaled batch x.

Mixed precision (``matmul_dtype="bfloat16"``): the four large matrix products of an update
(the three layer passes and the fused statistics product) take bfloat16 operands, with a
bfloat16 copy of W taken at the start of every update; their results come back to the training
dtype at once, and the parameters, velocities, biases, sampling and every element-wise step
stay in float32 (bfloat16 keeps float32's exponent range, so nothing overflows; its 8-bit
mantissa rounds each product's inputs, a relative error of about 0.4 % per entry, far below
the sampling noise of a CD estimate). Evaluation (energies, likelihoods, partition
functions) is always in the parameters' own precision or float64; only the per-epoch history
(reconstruction error and pseudo-log-likelihood, :func:`~deeprg.rbm.history.history_metrics`)
takes the training's product operands, so that it stays a small fraction of the faster
epoch. ``"tfloat32"`` (CUDA) keeps float32 tensors and lets the epoch's products use TF32
tensor cores; ``"auto"`` is resolved before training (:mod:`deeprg.rbm.precision`).

The loop itself (epochs, the negative-phase Gibbs chain, the persistent chains, the
divergence check) is :class:`~deeprg.rbm.contrastive.ContrastiveDivergence`'s, shared with
the convolutional trainer; :class:`Trainer` supplies the dense moves and the update.

Speed: every buffer is preallocated; each update is five (CD-1 or PCD-1) matrix products
of the mini-batch with W (the two statistics products fused into one), element-wise work in
place, and no host-device synchronisation.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, replace

import torch

from .contrastive import DIVERGENCE_LIMIT, ContrastiveDivergence, Phases, TrainingDivergedError
from .functional import layer_units, unit_mean, unit_mean_
from .precision import MATMUL_DTYPES, resolve_matmul_dtype

__all__ = [
    "CENTERING_RATE",
    "DIVERGENCE_LIMIT",
    "Trainer",
    "TrainingConfig",
    "TrainingDivergedError",
    "initial_parameters",
]

#: Rate of the running average that updates the hidden offset λ when centring.
CENTERING_RATE = 0.01

#: Learned standard deviations of Gaussian units stay above this fraction of their start.
MIN_STD_FRACTION = 0.01


@dataclass(frozen=True)
class TrainingConfig:
    """Validated training settings (see :class:`deeprg.rbm.RBM` for their meaning)."""

    units: str
    learning_rate: float
    learning_rate_schedule: str | Callable[[int], float]
    learning_rate_decay: float
    batch_size: int
    cd_k: int
    persistent: bool
    reconstruction: str
    l1: float
    l2: float
    momentum: float
    initial_momentum: float | None
    momentum_switch_epoch: int
    centering: bool
    weight_init_std: float
    dtype: torch.dtype
    device: torch.device
    learn_variance: bool = False
    matmul_dtype: torch.dtype | None = None
    matmul_name: str = "float32"
    #: Why the products run in ``matmul_name`` (:func:`~deeprg.rbm.precision.resolve_matmul_dtype`).
    matmul_reason: str = "requested"

    def learning_rate_at(self, epoch: int) -> float:
        """Learning rate of 0-based ``epoch`` (never depends on the total number of epochs)."""
        schedule = self.learning_rate_schedule
        if callable(schedule):
            factor = float(schedule(epoch))
        elif schedule == "constant":
            factor = 1.0
        elif schedule == "exponential":
            factor = (1.0 - self.learning_rate_decay) ** epoch
        else:  # "inverse"
            factor = 1.0 / (1.0 + self.learning_rate_decay * epoch)
        if not (math.isfinite(factor) and factor >= 0):
            raise TrainingDivergedError(
                f"learning_rate_schedule returned {factor!r} at epoch {epoch}; "
                "it must return a finite factor >= 0"
            )
        return self.learning_rate * factor

    def momentum_at(self, epoch: int) -> float:
        """Momentum of 0-based ``epoch``: ``initial_momentum`` before the switch epoch."""
        if self.initial_momentum is not None and epoch < self.momentum_switch_epoch:
            return self.initial_momentum
        return self.momentum


def initial_visible_bias(data_mean: torch.Tensor, units: str) -> torch.Tensor:
    """Visible bias making the weightless model reproduce the data mean (Hinton's guide §8).

    Binary: ln(p / (1 - p)); spin: artanh(m); the mean is clipped 1e-3 away from the bounds.
    Gaussian: the mean itself.
    """
    if units == "gaussian":
        return data_mean.clone()
    if units == "binary":
        p = data_mean.clamp(1e-3, 1 - 1e-3)
        return torch.log(p) - torch.log1p(-p)
    return torch.atanh(data_mean.clamp(-1 + 2e-3, 1 - 2e-3))


def initial_parameters(
    config: TrainingConfig,
    weight_shape: tuple[int, ...],
    data_mean: torch.Tensor,
    n_hidden_biases: int,
    generator: torch.Generator,
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Weights ~ N(0, weight_init_std²) of ``weight_shape``, a from the data mean, b = 0.

    Parameters
    ----------
    config : TrainingConfig
    weight_shape : tuple of int
        (n_visible, n_hidden) for a dense RBM, (C, k, k) for a convolutional one.
    data_mean : torch.Tensor
        Mean of each visible unit, shape (n_visible,), or of all of them (a 0-d tensor).
    n_hidden_biases : int
    generator : torch.Generator
        The weights are its first draw.
    """
    kw = {"dtype": config.dtype, "device": config.device}
    weights = torch.randn(*weight_shape, generator=generator, **kw)
    weights.mul_(config.weight_init_std)
    visible_units, _ = layer_units(config.units)
    visible_bias = initial_visible_bias(data_mean, visible_units).to(**kw)
    return weights, visible_bias, torch.zeros(n_hidden_biases, **kw)


class Trainer(ContrastiveDivergence):
    """Mutable training state of one RBM and the mini-batch update loop.

    Parameters
    ----------
    config : TrainingConfig
    data : torch.Tensor of shape (n_samples, n_visible)
        Training data on ``config.device`` in ``config.dtype``.
    weights, visible_bias, hidden_bias : torch.Tensor
        Initial parameters (copied), shapes (n_visible, n_hidden), (n_visible,), (n_hidden,).
    generator : torch.Generator
        Drives shuffling and sampling; its state is part of :meth:`state_dict`.
    state : dict, optional
        Velocities, persistent chains, offsets and epoch count from :meth:`state_dict`; when
        absent they start at zero / from the data.
    """

    def __init__(
        self,
        config: TrainingConfig,
        data: torch.Tensor,
        weights: torch.Tensor,
        visible_bias: torch.Tensor,
        hidden_bias: torch.Tensor,
        generator: torch.Generator,
        state: dict | None = None,
        log_std: torch.Tensor | None = None,
    ) -> None:
        if config.matmul_name == "auto":
            name, why = resolve_matmul_dtype("auto", config.device, weights.numel(), config.dtype)
            config = replace(
                config, matmul_name=name, matmul_dtype=MATMUL_DTYPES[name], matmul_reason=why
            )
        self.config = config
        self.data = data
        self.visible_units, self.hidden_units = layer_units(config.units)
        kw = {"dtype": config.dtype, "device": config.device}
        self.weights = weights.to(**kw).clone().contiguous()
        self.visible_bias = visible_bias.to(**kw).clone()
        self.hidden_bias = hidden_bias.to(**kw).clone()
        # ln σ of Gaussian visible units when their variances are learned, else None.
        self.log_std = None
        if config.learn_variance:
            self.log_std = (
                torch.zeros(weights.shape[0], **kw) if log_std is None else log_std.to(**kw).clone()
            )
            self.velocity_log_std = torch.zeros_like(self.log_std)
            # σ may not fall below 1 % of its starting value: a hidden unit that explains a
            # (nearly constant) feature would otherwise drive σ to 0, the singularity of any
            # Gaussian mixture's likelihood.
            self.log_std_floor = self.log_std + math.log(MIN_STD_FRACTION)
            self.log_std_ceiling = self.log_std - math.log(MIN_STD_FRACTION)
        self.generator = generator
        n_visible, n_hidden = self.weights.shape
        batch = min(config.batch_size, data.shape[0])
        self.batch_size = batch

        self.velocity_weights = torch.zeros_like(self.weights)
        self.velocity_visible = torch.zeros_like(self.visible_bias)
        self.velocity_hidden = torch.zeros_like(self.hidden_bias)
        self.epochs_done = 0
        self.chains: torch.Tensor | None = None
        self.visible_offset: torch.Tensor | None = None
        self.hidden_offset: torch.Tensor | None = None
        if config.centering:
            self.visible_offset = data.mean(dim=0)
            self.hidden_offset = torch.full(
                (n_hidden,), 0.5 if self.hidden_units == "binary" else 0.0, **kw
            )
        if state is not None:
            self.load_state_dict(state)
        elif config.persistent:
            self.chains = self._initial_chains()

        # Preallocated buffers: rows [:m] hold the positive phase, rows [m:2m] the negative.
        self._visible = torch.empty(2 * batch, n_visible, **kw)
        self._hidden = torch.empty(2 * batch, n_hidden, **kw)
        self._hidden_sample = torch.empty(batch, n_hidden, **kw)
        self._visible_mean = torch.empty(batch, n_visible, **kw)
        self._grad_visible = torch.empty(n_visible, **kw)
        self._grad_hidden = torch.empty(n_hidden, **kw)
        self._hidden_sum = torch.empty(n_hidden, **kw)
        self._weights_scratch = torch.empty_like(self.weights) if config.l1 > 0 else None
        self._signs: dict[int, torch.Tensor] = {}
        self._ones = torch.ones(2 * batch, **kw)
        low = config.matmul_dtype
        self._low = low if low is not None and low != config.dtype else None
        if self._low is not None:
            lkw = {"dtype": self._low, "device": config.device}
            self._weights_low = self.weights.to(self._low)
            self._visible_low = torch.empty(2 * batch, n_visible, **lkw)
            self._hidden_low = torch.empty(2 * batch, n_hidden, **lkw)
            self._hidden_out_low = torch.empty(batch, n_hidden, **lkw)
            self._visible_out_low = torch.empty(batch, n_visible, **lkw)
            self._statistics_low = torch.empty(n_visible, n_hidden, **lkw)

    # ---------------------------------------------------------------- the large products

    def _hidden_input(self, v: torch.Tensor, out: torch.Tensor, phase: int = 0) -> torch.Tensor:
        """out = b + v W, shape (m, n_hidden) (bfloat16 operands in mixed precision).

        In mixed precision v's bfloat16 copy is kept in rows [phase·m, (phase + 1)·m) of the
        staging buffer (phase 0: data, 1: model), where the statistics product reuses it.
        """
        if self._low is None:
            return torch.addmm(self.hidden_bias, v, self.weights, out=out)
        m = v.shape[0]
        v_low = self._visible_low[phase * m : (phase + 1) * m].copy_(v)
        product = torch.mm(v_low, self._weights_low, out=self._hidden_out_low[:m])
        return torch.add(product, self.hidden_bias, out=out)  # cast and bias in one pass

    def _visible_input(self, h: torch.Tensor, out: torch.Tensor) -> torch.Tensor:
        """out = a + h Wᵀ, shape (m, n_visible) (bfloat16 operands in mixed precision)."""
        if self._low is None:
            return torch.addmm(self.visible_bias, h, self.weights.T, out=out)
        m = h.shape[0]
        h_low = self._hidden_low[:m].copy_(h)
        product = torch.mm(h_low, self._weights_low.T, out=self._visible_out_low[:m])
        return torch.add(product, self.visible_bias, out=out)

    def _accumulate_statistics(
        self, visible: torch.Tensor, hidden: torch.Tensor, momentum: float, alpha: float
    ) -> None:
        """velocity_W ← momentum · velocity_W + alpha · visibleᵀ hidden."""
        if self._low is None:
            self.velocity_weights.addmm_(visible.T, hidden, beta=momentum, alpha=alpha)
            return
        n = visible.shape[0]
        v_low = self._visible_low[:n]  # staged by _hidden_input: data rows, then model rows
        h_low = self._hidden_low[:n].copy_(hidden)
        product = torch.mm(v_low.T, h_low, out=self._statistics_low)
        self.velocity_weights.mul_(momentum).add_(product, alpha=alpha)

    @staticmethod
    def initial_parameters(
        config: TrainingConfig, data: torch.Tensor, n_hidden: int, generator: torch.Generator
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """W ~ N(0, weight_init_std²), a from the data mean, b = 0."""
        return initial_parameters(
            config, (data.shape[1], n_hidden), data.mean(dim=0), n_hidden, generator
        )

    def chain_start_mean(self, v: torch.Tensor) -> torch.Tensor:
        """E[h | x] of the rows that start the persistent chains (x = v / σ)."""
        if self.log_std is not None:
            v = v * torch.exp(-self.log_std)
        return unit_mean(torch.addmm(self.hidden_bias, v, self.weights), self.hidden_units)

    def _signs_for(self, m: int) -> torch.Tensor:
        """Vector (+1 × m, -1 × m): Σ_data v - Σ_model v as one matrix-vector product."""
        if m not in self._signs:
            signs = torch.ones(2 * m, dtype=self.config.dtype, device=self.config.device)
            signs[m:] = -1.0
            self._signs[m] = signs
        return self._signs[m]

    # ---------------------------------------------------------------- the moves

    def positive_phase(self, batch_index: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(x_data, E[h | x_data]) in rows [:m] of the preallocated phase buffers."""
        m = batch_index.shape[0]
        self._m = m
        v_data, h_data = self._visible[:m], self._hidden[:m]
        if self._low is not None:  # the bfloat16 copy of W, taken from the current W
            self._weights_low.copy_(self.weights)
        torch.index_select(self.data, 0, batch_index, out=v_data)
        if self.log_std is not None:
            v_data.mul_(torch.exp(-self.log_std))  # x = v / σ
        unit_mean_(self._hidden_input(v_data, h_data), self.hidden_units)
        return v_data, h_data

    def sample_out(self, layer: str, m: int) -> torch.Tensor:
        """Draws go to the negative-phase rows (visible) or the hidden sample buffer."""
        if layer == "visible":
            return self._visible[m : 2 * m]
        return self._hidden_sample[:m]

    def visible_mean(self, h: torch.Tensor, final: bool) -> torch.Tensor:
        m = self._m
        out = self._visible[m : 2 * m] if final else self._visible_mean[:m]
        return unit_mean_(self._visible_input(h, out), self.visible_units)

    def hidden_mean(self, v: torch.Tensor) -> torch.Tensor:
        m = self._m
        return unit_mean_(
            self._hidden_input(v, self._hidden[m : 2 * m], phase=1), self.hidden_units
        )

    def update(self, phases: Phases, learning_rate: float, momentum: float) -> None:
        """Momentum step of W, a, b (and ln σ), centred when ``centering``."""
        v_data, h_data, _v_model, h_model = phases
        cfg = self.config
        w, a, b = self.weights, self.visible_bias, self.hidden_bias
        m = self._m
        visible, hidden = self._visible[: 2 * m], self._hidden[: 2 * m]
        if self.log_std is not None:
            self._step_log_std(v_data, h_data, learning_rate, momentum)
        h_model.neg_()

        alpha = learning_rate / m
        vel_w, vel_a, vel_b = self.velocity_weights, self.velocity_visible, self.velocity_hidden
        self._accumulate_statistics(visible, hidden, momentum, alpha)
        if cfg.l2 > 0:
            vel_w.add_(w, alpha=-learning_rate * cfg.l2)
        if cfg.l1 > 0:
            vel_w.add_(torch.sign(w, out=self._weights_scratch), alpha=-learning_rate * cfg.l1)
        signs, ones = self._signs_for(m), self._ones[: 2 * m]
        if cfg.centering:
            mu, lam = self.visible_offset, self.hidden_offset
            grad_v = torch.mv(visible.T, signs, out=self._grad_visible)  # Σ_d v - Σ_m v
            grad_h = torch.mv(hidden.T, ones, out=self._grad_hidden)  # Σ_d h - Σ_m h
            vel_w.addr_(mu, grad_h, alpha=-alpha)
            vel_w.addr_(grad_v, lam, alpha=-alpha)
            vel_a.mul_(momentum).add_(grad_v, alpha=alpha)
            vel_b.mul_(momentum).add_(grad_h, alpha=alpha)
        else:
            vel_a.addmv_(visible.T, signs, beta=momentum, alpha=alpha)
            vel_b.addmv_(hidden.T, ones, beta=momentum, alpha=alpha)
        w.add_(vel_w)
        a.add_(vel_a)
        b.add_(vel_b)
        if cfg.centering:
            a.addmv_(vel_w, lam, alpha=-1.0)
            b.addmv_(vel_w.T, mu, alpha=-1.0)
            h_sum = torch.sum(h_data, dim=0, out=self._hidden_sum)
            lam.mul_(1.0 - CENTERING_RATE).add_(h_sum, alpha=CENTERING_RATE / m)

    def _step_log_std(
        self, x: torch.Tensor, h_data: torch.Tensor, learning_rate: float, momentum: float
    ) -> None:
        """Momentum step on ln σ along mean over the batch of x (x - a - W E[h | x]) - 1.

        The gradient is clipped to [-1, 1] per unit: it grows as x², so one outlier in a
        batch (a rare pixel of a standardised feature, say) would otherwise throw σ out by
        orders of magnitude. σ stays within [1 %, 100×] of its start.
        """
        residual = torch.addmm(self.visible_bias, h_data, self.weights.T).neg_().add_(x)
        gradient = (x * residual).mean(dim=0).sub_(1.0).clamp_(-1.0, 1.0)
        self.velocity_log_std.mul_(momentum).add_(gradient, alpha=learning_rate)
        self.log_std.add_(self.velocity_log_std)
        torch.maximum(self.log_std, self.log_std_floor, out=self.log_std)
        torch.minimum(self.log_std, self.log_std_ceiling, out=self.log_std)

    def parameter_tensors(self) -> tuple[torch.Tensor, ...]:
        """(W, a, b) and ln σ when learned: the tensors the divergence check watches."""
        if self.log_std is not None:
            return self.weights, self.visible_bias, self.hidden_bias, self.log_std
        return self.weights, self.visible_bias, self.hidden_bias

    def state_dict(self, copy: bool = True) -> dict:
        """Everything beyond the parameters that a resumed run needs, as CPU tensors.

        ``copy=False`` returns the trainer's own CPU tensors (no copies), for a caller that
        serialises them at once, as a checkpoint write does.
        """

        def cpu(t: torch.Tensor) -> torch.Tensor:
            t = t.cpu()
            return t.clone() if copy else t

        state = {
            "epochs_done": self.epochs_done,
            "velocity_weights": cpu(self.velocity_weights),
            "velocity_visible": cpu(self.velocity_visible),
            "velocity_hidden": cpu(self.velocity_hidden),
            "generator": self.generator.get_state().clone(),
        }
        if self.log_std is not None:
            state["velocity_log_std"] = cpu(self.velocity_log_std)
        if self.chains is not None:
            state["chains"] = cpu(self.chains)
        if self.visible_offset is not None:
            state["visible_offset"] = cpu(self.visible_offset)
            state["hidden_offset"] = cpu(self.hidden_offset)
        return state

    def load_state_dict(self, state: dict) -> None:
        """Restore what :meth:`state_dict` returned (the generator state included)."""
        kw = {"dtype": self.config.dtype, "device": self.config.device}
        self.epochs_done = int(state["epochs_done"])
        self.velocity_weights = state["velocity_weights"].to(**kw).clone()
        self.velocity_visible = state["velocity_visible"].to(**kw).clone()
        self.velocity_hidden = state["velocity_hidden"].to(**kw).clone()
        self.generator.set_state(state["generator"])
        if self.log_std is not None and "velocity_log_std" in state:
            self.velocity_log_std = state["velocity_log_std"].to(**kw).clone()
        if self.config.persistent:
            if "chains" in state and state["chains"].shape[0] >= self.batch_size:
                self.chains = state["chains"].to(**kw).clone()
            else:
                self.chains = self._initial_chains()
        if self.config.centering and "visible_offset" in state:
            self.visible_offset = state["visible_offset"].to(**kw).clone()
            self.hidden_offset = state["hidden_offset"].to(**kw).clone()
