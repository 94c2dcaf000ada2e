"""The :class:`ConvRBM` estimator: a periodic 2-D convolutional (weight-shared) RBM.

Geometry (:mod:`deeprg.rbm.conv_geometry`): an Ly × Lx periodic visible lattice, C channels of
(Ly/b) × (Lx/b) hidden units, one k × k kernel per channel shared by all its hidden units.

Energy (sign convention of docs/conventions.md, as :class:`~deeprg.rbm.RBM`):

    E(v, h) = -a Σ_r v_r - Σ_c b_c Σ_ij h_cij - Σ_cij h_cij Σ_pq K[c,p,q] v_(b·i+o+p, b·j+o+q),

with one visible bias a shared by every site (translation invariance: the model is
invariant under lattice translations by multiples of b, and the bias under all of them) and
one hidden bias b_c per channel. It is exactly the dense RBM returned by
:meth:`~ConvRBM.to_dense` (weights tied, biases repeated).

Units. Unlike the dense RBM, a ConvRBM has no exact binary <-> spin conversion: the map of
:mod:`~deeprg.rbm.units` turns the visible bias into a + (row sums of W)/2, and a site's row
sum depends on its place inside the block when k > b, so the converted model would need one
visible bias per block position. Use :meth:`~ConvRBM.to_dense` then ``to_units`` instead.

Sampling, scoring and the epoch loop are :class:`~deeprg.rbm._base.RBMBase`'s; training is
:class:`~deeprg.rbm.conv_training.ConvTrainer` (O(L² k² C) per sample, no dense matrix).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import torch
from sklearn.utils.validation import check_is_fitted, validate_data

from .._random import SeedLike
from ..errors import InputError
from . import functional as rbm_functional
from ._base import RBMBase, pseudo_log_likelihood_by_flips
from ._estimator import check_finite_rows
from ._validation import InputTypeError, check_unit_values, torch_generator, training_config
from .conv_geometry import (
    ConvGeometry,
    check_geometry,
    conv_exact_log_partition,
    conv_free_energy,
    conv_hidden_free_energy,
    conv_reconstruction_error,
)
from .conv_training import ConvTrainer
from .history import empty_history
from .hyperparameters import store_hyperparameters
from .partition import MAX_EXACT_UNITS
from .rbm import RBM
from .training import TrainingConfig

__all__ = ["ConvGeometry", "ConvRBM"]


class ConvRBM(RBMBase):
    """Periodic 2-D convolutional RBM: one shared k × k kernel per channel, stride b.

    The visible layer is an Ly × Lx periodic lattice (rows of ``X`` in row-major order), the
    hidden layer C channels of (Ly/b) × (Lx/b) units, flattened in the order
    (channel, block row, block column). Hidden unit (c, i, j) couples to the visible sites
    ((b·i + o + p) mod Ly, (b·j + o + q) mod Lx), p, q = 0..k-1, with weight
    ``weights_[c, p, q]``, where o = -((k - b) // 2) (the kernel is centred on its b × b
    block when k - b is even). The visible bias is ONE scalar shared by all sites
    (translation invariance); the hidden bias is one per channel. The model is exactly the
    dense :class:`~deeprg.rbm.RBM` returned by :meth:`to_dense`, and every conditional,
    energy, free energy and likelihood agrees with it; the conditionals are computed with
    circular ``conv2d`` / ``conv_transpose2d`` (O(L² k² C) per sample, CPU or CUDA).

    Parameters
    ----------
    n_channels : int, default 1
        Number of kernels (hidden channels) C.
    kernel_size : int, default 2
        Kernel side k, with stride <= k <= min(Ly, Lx).
    stride : int, default 2
        Block side b; it must divide Ly and Lx.
    lattice_shape : (int, int), int or None, default None
        (Ly, Lx) of the visible lattice (an int L means (L, L)); None infers a square
        lattice from the number of columns of X in :meth:`fit`.
    units : {"binary", "spin"}, default "binary"
        Unit states {0, 1} or {-1, +1}, on both layers.
    learning_rate : float, default 0.01
        Step size η. Each shared parameter's update is the sum over its positions of the
        dense RBM's update, so steps grow with the number of blocks (Ly/b)(Lx/b): use
        η of order 1/(number of blocks) or below for large lattices.
    batch_size, epochs, cd_k, persistent, reconstruction
        As in :class:`~deeprg.rbm.RBM` (CD-k or PCD).
    l1, l2 : float, default 0
        Penalties l1·Σ|W| + (l2/2)·ΣW² on the equivalent dense weights W, i.e.
        (Ly/b)(Lx/b) · (l1·Σ|K| + (l2/2)·ΣK²) on the kernels K.
    momentum, initial_momentum, momentum_switch_epoch
        As in :class:`~deeprg.rbm.RBM` (Hinton's momentum form and 0.5 → 0.9 switch).
    weight_init_std : float, default 0.01
        Standard deviation of the initial kernels (visible bias from the data mean over all
        sites, hidden biases zero).
    history_samples : int, default 1000
        Rows on which the per-epoch ``history_`` metrics are computed; 0 disables them.
    random_state : int, numpy Generator, numpy RandomState or None
        Seeds initialisation, shuffling and sampling (scikit-learn's name for the seed).
        Same value, same model.
    device : str, default "cpu"
        "cpu" or "cuda[:N]".
    dtype : {"float32", "float64"}, default "float32"
        Training precision (energies and likelihoods are always float64).
    verbose : bool, default False
        Progress bar during fit.

    Attributes
    ----------
    weights_ : numpy.ndarray of shape (n_channels, kernel_size, kernel_size)
        The kernels K (sign convention of docs/conventions.md: E contains -v·W·h).
    visible_bias_ : float
        The visible bias a, shared by all sites.
    hidden_bias_ : numpy.ndarray of shape (n_channels,)
    lattice_shape_ : tuple (Ly, Lx)
    hidden_shape_ : tuple (n_channels, Ly/b, Lx/b)
    n_features_in_ : int
        Ly·Lx.
    history_ : dict of lists
        The keys of :data:`deeprg.rbm.history.HISTORY_KEYS`, per epoch, as for RBM.
    """

    def __init__(
        self,
        n_channels: int = 1,
        *,
        kernel_size: int = 2,
        stride: int = 2,
        lattice_shape: tuple[int, int] | int | None = None,
        units: str = "binary",
        learning_rate: float = 0.01,
        batch_size: int = 100,
        epochs: int = 10,
        cd_k: int = 1,
        persistent: bool = False,
        reconstruction: str = "mean",
        l1: float = 0.0,
        l2: float = 0.0,
        momentum: float = 0.9,
        initial_momentum: float | None = 0.5,
        momentum_switch_epoch: int = 5,
        weight_init_std: float = 0.01,
        history_samples: int = 1000,
        random_state: SeedLike = None,
        device: str = "cpu",
        dtype: str = "float32",
        verbose: bool = False,
    ) -> None:
        store_hyperparameters(self, locals())

    # ------------------------------------------------------------------ validation

    def _geometry(self) -> ConvGeometry:
        """The fitted geometry (from the fitted attributes, not the hyper-parameters)."""
        check_is_fitted(self, "weights_")
        c, k, _ = self.weights_.shape
        _, my, _ = self.hidden_shape_
        return ConvGeometry(int(c), int(k), self.lattice_shape_[0] // my, self.lattice_shape_)

    def _validate_X(self, X: Any, reset: bool, allow_missing: bool = False) -> np.ndarray:
        """Validated float array of shape (n_samples, Ly·Lx) (float32 kept, else float64).

        Missing values are always refused (``allow_missing`` is accepted for the shared
        callers).
        """
        try:
            array = validate_data(
                self,
                X,
                reset=reset,
                dtype=[np.float64, np.float32],
                ensure_all_finite=False,
                ensure_min_samples=1,
            )
        except TypeError as exc:
            raise InputTypeError(str(exc).strip().splitlines()[0]) from exc
        except ValueError as exc:
            message = str(exc).strip().splitlines()[0]
            if "features" in message:
                message += " (rows are the lattice in row-major order)"
            raise InputError(message) from exc
        check_finite_rows(array)
        check_unit_values(array, rbm_functional.check_units(self.units))
        if not array.flags.writeable or any(stride < 0 for stride in array.strides):
            array = array.copy()  # torch shares neither read-only nor reversed memory
        return array

    def _check_params(self) -> TrainingConfig:
        """Validate the training hyper-parameters (shared with RBM) into a TrainingConfig."""
        rbm_functional.check_units(self.units)  # binary or spin: no Gaussian units here
        return training_config(self)

    # ------------------------------------------------------------------ geometry

    def _layer_sizes(self) -> tuple[int, int]:
        geometry = self._geometry()
        return geometry.n_visible, geometry.n_hidden

    def _hidden_input(self, x: torch.Tensor, params: tuple) -> torch.Tensor:
        kernels, _a, b = params
        return self._geometry().hidden_input(x, kernels, b).reshape(x.shape[0], -1)

    def _visible_input(self, h: torch.Tensor, params: tuple) -> torch.Tensor:
        kernels, a, _b = params
        return self._geometry().visible_input(h, kernels, a)

    def _energy_tensor(self, v: torch.Tensor, h: torch.Tensor, params: tuple) -> torch.Tensor:
        """-a Σv - Σ_c b_c Σ_ij h_cij - Σ_cij h_cij (K * v)_cij."""
        kernels, a, b = params
        geometry = self._geometry()
        coupling = geometry.hidden_input(v, kernels, None).reshape(h.shape)
        hb = b.repeat_interleave(geometry.n_positions)
        return -a * v.sum(dim=1) - h @ hb - (coupling * h).sum(dim=1)

    def _free_energy_tensor(self, v: torch.Tensor, params: tuple) -> torch.Tensor:
        """-a Σv - Σ_cij f(input_cij)."""
        return conv_free_energy(v, self._geometry(), params, self.units)

    def _hidden_free_energy_tensor(self, h: torch.Tensor, params: tuple) -> torch.Tensor:
        """-Σ b_c h_cij - Σ_r f(a + (W h)_r)."""
        return conv_hidden_free_energy(h, self._geometry(), params, self.units)

    def _pseudo_log_likelihood_tensor(
        self, v: torch.Tensor, params: tuple, generator: torch.Generator
    ) -> torch.Tensor:
        geometry = self._geometry()

        def free_energy(rows: torch.Tensor) -> torch.Tensor:
            return conv_free_energy(rows, geometry, params, self.units)

        return pseudo_log_likelihood_by_flips(v, free_energy, self.units, generator)

    def _log_partition_arrays(self) -> tuple[np.ndarray, ...]:
        return (
            np.asarray(self.weights_),
            np.asarray(self.visible_bias_, dtype=np.float64),
            np.asarray(self.hidden_bias_),
            np.asarray(self.lattice_shape_, dtype=np.int64),
        )

    # ------------------------------------------------------------------ construction

    @classmethod
    def from_parameters(
        cls,
        weights: Any,
        visible_bias: float,
        hidden_bias: Any,
        *,
        lattice_shape: tuple[int, int] | int,
        stride: int,
        units: str = "binary",
        **hyper: Any,
    ) -> ConvRBM:
        """A fitted ConvRBM with kernels ``weights`` (C, k, k), scalar visible bias and hidden bias (C,)."""
        kernels = np.array(weights.detach().cpu() if isinstance(weights, torch.Tensor) else weights)
        if kernels.dtype not in (np.float32, np.float64):
            kernels = kernels.astype(np.float64)
        if kernels.ndim != 3 or kernels.shape[1] != kernels.shape[2]:
            raise InputError(f"weights must have shape (n_channels, k, k), got {kernels.shape}")
        geometry = check_geometry(kernels.shape[0], kernels.shape[1], stride, lattice_shape, None)
        hidden = np.array(
            hidden_bias.detach().cpu() if isinstance(hidden_bias, torch.Tensor) else hidden_bias,
            dtype=kernels.dtype,
        )
        if hidden.shape != (geometry.n_channels,):
            raise InputError(
                f"hidden_bias must have shape ({geometry.n_channels},), got {hidden.shape}"
            )
        visible = float(np.asarray(visible_bias, dtype=np.float64).reshape(()))
        if not (
            np.isfinite(kernels).all() and np.isfinite(hidden).all() and math.isfinite(visible)
        ):
            raise InputError("parameters contain NaN or inf; pass finite parameters")
        model = cls(
            n_channels=geometry.n_channels,
            kernel_size=geometry.kernel_size,
            stride=geometry.stride,
            lattice_shape=geometry.lattice_shape,
            units=rbm_functional.check_units(units),
            **hyper,
        )
        model._set_fitted(geometry, kernels, visible, hidden)
        model.history_ = empty_history()
        return model

    def _set_fitted(
        self, geometry: ConvGeometry, kernels: np.ndarray, visible: float, hidden: np.ndarray
    ) -> None:
        self.weights_, self.visible_bias_, self.hidden_bias_ = kernels, float(visible), hidden
        self.lattice_shape_ = geometry.lattice_shape
        self.hidden_shape_ = geometry.hidden_shape
        self.n_features_in_ = geometry.n_visible

    def to_dense(self) -> RBM:
        """The equivalent dense :class:`~deeprg.rbm.RBM` (same units and hyper-parameters).

        ``weights_`` of shape (Ly·Lx, C·(Ly/b)·(Lx/b)) (rows: sites in row-major order;
        columns: (channel, block row, block column)), ``visible_bias_`` the scalar repeated,
        ``hidden_bias_`` each channel's bias repeated over its blocks.
        """
        geometry = self._geometry()
        dtype = self.weights_.dtype
        w = geometry.dense_weights(self.weights_)
        a = np.full(geometry.n_visible, self.visible_bias_, dtype=dtype)
        b = np.repeat(np.asarray(self.hidden_bias_, dtype=dtype), geometry.n_positions)
        hyper = {
            key: value
            for key, value in self.get_params().items()
            if key not in ("n_channels", "kernel_size", "stride", "lattice_shape", "units")
        }
        return RBM.from_parameters(w, a, b, units=self.units, **hyper)

    # ------------------------------------------------------------------ training

    def fit(self, X: Any, y: Any = None) -> ConvRBM:
        """Train on X (shape (n_samples, Ly·Lx), row-major) for ``epochs`` epochs; returns self."""
        config = self._check_params()
        check_geometry(self.n_channels, self.kernel_size, self.stride, self.lattice_shape, None)
        data_np = self._validate_X(X, reset=True)
        geometry = check_geometry(
            self.n_channels, self.kernel_size, self.stride, self.lattice_shape, data_np.shape[1]
        )
        data = torch.as_tensor(data_np, device=config.device).to(config.dtype).contiguous()
        generator = torch_generator(self.random_state, config.device)
        params = ConvTrainer.initial_parameters(config, geometry, data, generator)
        trainer = ConvTrainer(config, geometry, data, *params, generator=generator)
        self.history_ = empty_history()
        self._publish(trainer)
        self._train(trainer, self.epochs)
        return self

    def _publish(self, trainer: ConvTrainer) -> None:
        self._set_fitted(
            trainer.geometry,
            trainer.kernels.detach().cpu().numpy().copy(),
            float(trainer.visible_bias),
            trainer.hidden_bias.detach().cpu().numpy().copy(),
        )

    def _progress_description(self, trainer: ConvTrainer) -> str:
        geometry = trainer.geometry
        return f"ConvRBM {geometry.lattice_shape}→{geometry.hidden_shape}"

    def _work(self, trainer: ConvTrainer) -> int:
        geometry = trainer.geometry
        return trainer.batch_size * geometry.n_hidden * geometry.kernel_size**2

    def _trainer_parameters(self, trainer: ConvTrainer) -> tuple[torch.Tensor, ...]:
        return tuple(
            t.to(torch.float64)
            for t in (trainer.kernels, trainer.visible_bias, trainer.hidden_bias)
        )

    def _history_statistics(
        self, trainer: ConvTrainer, subset: torch.Tensor, generator: torch.Generator
    ) -> tuple[float, float]:
        geometry, params = trainer.geometry, self._trainer_parameters(trainer)
        v = subset.to(torch.float64)
        error = conv_reconstruction_error(v, geometry, params, self.units)

        def free_energy(rows: torch.Tensor) -> torch.Tensor:
            return conv_free_energy(rows, geometry, params, self.units)

        pll = pseudo_log_likelihood_by_flips(v, free_energy, self.units, generator)
        return error, float(pll.mean())

    def _history_exact_units(self, trainer: ConvTrainer) -> int:
        return min(trainer.geometry.n_visible, trainer.geometry.n_hidden)

    def _history_log_likelihood(self, trainer: ConvTrainer, subset: torch.Tensor) -> float:
        geometry, params = trainer.geometry, self._trainer_parameters(trainer)
        log_z = conv_exact_log_partition(geometry, params, self.units)
        free = conv_free_energy(subset.to(torch.float64), geometry, params, self.units)
        return float(-free.mean()) - log_z

    # ------------------------------------------------------------------ probabilities

    def log_partition(
        self,
        method: str = "auto",
        *,
        n_chains: int = 100,
        n_betas: int = 10000,
        seed: SeedLike = None,
        return_std: bool = False,
    ) -> float | tuple[float, float]:
        """ln Z: exact enumeration of the smaller layer (<= 25 units) with conv ops, else AIS.

        AIS runs on :meth:`to_dense` (see :meth:`deeprg.rbm.RBM.log_partition`).
        """
        check_is_fitted(self, "weights_")
        self._check_log_partition_method(method)
        geometry = self._geometry()
        smaller = min(geometry.n_visible, geometry.n_hidden)
        if method == "exact" or (method == "auto" and smaller <= MAX_EXACT_UNITS):
            if smaller > MAX_EXACT_UNITS:
                raise InputError(
                    f"exact ln Z needs a layer with <= {MAX_EXACT_UNITS} units, got "
                    f"{geometry.n_visible}x{geometry.n_hidden}; use method='ais'"
                )
            value = conv_exact_log_partition(geometry, self._parameters(), self.units)
            return (value, 0.0) if return_std else value
        return self.to_dense().log_partition(
            "ais",
            n_chains=n_chains,
            n_betas=n_betas,
            seed=self.random_state if seed is None else seed,
            return_std=return_std,
        )
