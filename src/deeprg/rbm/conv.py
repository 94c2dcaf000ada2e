"""The :class:`ConvRBM` estimator: a periodic 2-D convolutional (weight-shared) RBM.

Geometry. The visible layer is an Ly × Lx periodic lattice (a row of ``X`` is the lattice in
row-major order, site (r, s) at column r·Lx + s). With stride b (Ly and Lx multiples of b)
the lattice splits into (Ly/b) × (Lx/b) blocks; every channel c = 0..C-1 has one hidden unit
per block, so there are C·(Ly/b)·(Lx/b) hidden units, flattened in the order
(channel, block row, block column). Each channel has one k × k kernel K_c (k ≥ b), shared by
all its hidden units: hidden unit (c, i, j) couples to the visible sites

    ((b·i + o + p) mod Ly,  (b·j + o + q) mod Lx)   with weight K[c, p, q],  p, q = 0..k-1,

where the offset is o = -((k - b) // 2): the kernel covers its own b × b block plus
(k - b)//2 sites before it and the rest after it, so it is centred on the block when k - b
is even (k = b: exactly the block). :meth:`ConvRBM.to_dense` uses the same convention.

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

Computation. The hidden inputs are a strided ``conv2d`` of the circularly padded lattice, the
visible inputs a ``conv_transpose2d`` folded back onto the torus, and the gradient of a
shared kernel (the sum over positions of the dense gradient) is the weight gradient of that
convolution: O(L² k² C) per sample, no dense matrix in the hot path, on CPU or CUDA.
"""

from __future__ import annotations

import math
import sys
import time
import types
from dataclasses import dataclass
from numbers import Integral
from typing import Any

import numpy as np
import torch
import torch.nn.functional as nnf
from sklearn.base import BaseEstimator, ClassNamePrefixFeaturesOutMixin, TransformerMixin
from sklearn.utils.validation import check_is_fitted, validate_data

from .._random import SeedLike
from ..errors import InputError
from . import functional as F
from ._estimator import TorchEstimatorMixin, check_finite_rows
from ._validation import (
    InputTypeError,
    check_unit_values,
    resolve_dtype,
    single_thread_if_small,
    torch_generator,
    training_config,
)
from .partition import MAX_EXACT_UNITS
from .rbm import MAX_HISTORY_EXACT_UNITS, RBM, empty_history
from .training import EpochLoop, TrainingConfig, initial_visible_bias

__all__ = ["ConvGeometry", "ConvRBM"]

#: States per chunk of the exact enumeration of ln Z.
_CHUNK_STATES = 2**14


# ---------------------------------------------------------------------- geometry


@dataclass(frozen=True)
class ConvGeometry:
    """Shape of a periodic convolutional RBM and its conv-based linear maps.

    Attributes
    ----------
    n_channels : int
    kernel_size : int
        k (≥ stride, ≤ both lattice sides).
    stride : int
        b (divides both lattice sides).
    lattice_shape : tuple of int
        (Ly, Lx).
    """

    n_channels: int
    kernel_size: int
    stride: int
    lattice_shape: tuple[int, int]

    @property
    def offset(self) -> int:
        """o = -((k - b) // 2): hidden unit (c, i, j) sees rows b·i + o .. b·i + o + k - 1."""
        return -((self.kernel_size - self.stride) // 2)

    @property
    def hidden_shape(self) -> tuple[int, int, int]:
        """(C, Ly/b, Lx/b)."""
        ly, lx = self.lattice_shape
        return (self.n_channels, ly // self.stride, lx // self.stride)

    @property
    def n_visible(self) -> int:
        return self.lattice_shape[0] * self.lattice_shape[1]

    @property
    def n_positions(self) -> int:
        """Blocks per channel, (Ly/b)(Lx/b): the number of copies of each kernel weight."""
        _, my, mx = self.hidden_shape
        return my * mx

    @property
    def n_hidden(self) -> int:
        return self.n_channels * self.n_positions

    def _pad(self, v: torch.Tensor) -> torch.Tensor:
        """(n, n_visible) → circularly padded (n, 1, Ly + k - b, Lx + k - b).

        Padded index t holds lattice site (t + o) mod L, so hidden unit (i, j) reads padded
        rows b·i .. b·i + k - 1.
        """
        ly, lx = self.lattice_shape
        x = v.reshape(-1, 1, ly, lx)
        extra = self.kernel_size - self.stride
        if extra == 0:
            return x
        left = -self.offset
        right = extra - left
        return nnf.pad(x, (left, right, left, right), mode="circular")

    def hidden_input(
        self, v: torch.Tensor, kernels: torch.Tensor, hidden_bias: torch.Tensor | None
    ) -> torch.Tensor:
        """Inputs b_c + Σ_pq K[c,p,q] v_(b·i+o+p, b·j+o+q) of every hidden unit, (n, C, My, Mx)."""
        return nnf.conv2d(self._pad(v), kernels.unsqueeze(1), hidden_bias, stride=self.stride)

    def visible_input(
        self, h: torch.Tensor, kernels: torch.Tensor, visible_bias: torch.Tensor | None
    ) -> torch.Tensor:
        """Inputs a + Σ_{c,i,j,p,q → r} K[c,p,q] h_cij of every visible site, (n, n_visible)."""
        ly, lx = self.lattice_shape
        h4 = h.reshape(-1, *self.hidden_shape)
        out = nnf.conv_transpose2d(h4, kernels.unsqueeze(1), stride=self.stride)[:, 0]
        extra = self.kernel_size - self.stride
        if extra:
            # Fold the (L + k - b)-long output back onto the torus, then undo the offset.
            rows = out[:, :ly, :]
            rows[:, :extra, :] += out[:, ly:, :]
            folded = rows[:, :, :lx]
            folded[:, :, :extra] += rows[:, :, lx:]
            out = torch.roll(folded, shifts=(self.offset, self.offset), dims=(1, 2))
        out = out.reshape(out.shape[0], -1)
        return out if visible_bias is None else out + visible_bias

    def weight_statistics(self, v: torch.Tensor, h: torch.Tensor) -> torch.Tensor:
        """Σ_n Σ_ij h[n,c,i,j] v_n(b·i+o+p, b·j+o+q): the dense vᵀh summed over positions, (C, k, k)."""
        k = self.kernel_size
        h4 = h.reshape(-1, *self.hidden_shape)
        grad = torch.nn.grad.conv2d_weight(
            self._pad(v), (self.n_channels, 1, k, k), h4, stride=self.stride
        )
        return grad[:, 0]

    def dense_index(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(rows, columns, kernel index) of every nonzero of the dense weight matrix.

        Arrays of shape (C, My, Mx, k, k): dense W[rows, columns] = K.ravel()[kernel index].
        """
        c_, my, mx = self.hidden_shape
        k, b, o = self.kernel_size, self.stride, self.offset
        ly, lx = self.lattice_shape
        c, i, j, p, q = np.meshgrid(
            np.arange(c_), np.arange(my), np.arange(mx), np.arange(k), np.arange(k), indexing="ij"
        )
        rows = ((b * i + o + p) % ly) * lx + (b * j + o + q) % lx
        cols = (c * my + i) * mx + j
        return rows, cols, (c * k + p) * k + q

    def dense_weights(self, kernels: np.ndarray) -> np.ndarray:
        """The (n_visible, n_hidden) weight matrix of the equivalent dense RBM."""
        kernels = np.asarray(kernels)
        rows, cols, index = self.dense_index()
        w = np.zeros((self.n_visible, self.n_hidden), dtype=kernels.dtype)
        np.add.at(w, (rows.ravel(), cols.ravel()), kernels.ravel()[index.ravel()])
        return w

    def tie(self, dense: np.ndarray) -> np.ndarray:
        """Sum a dense (n_visible, n_hidden) array over the positions of each kernel weight."""
        rows, cols, index = self.dense_index()
        k = self.kernel_size
        out = np.zeros(self.n_channels * k * k, dtype=np.asarray(dense).dtype)
        np.add.at(out, index.ravel(), np.asarray(dense)[rows.ravel(), cols.ravel()])
        return out.reshape(self.n_channels, k, k)


def _check_geometry(
    n_channels: Any, kernel_size: Any, stride: Any, lattice_shape: Any, n_features: int | None
) -> ConvGeometry | None:
    """Validate the shape hyper-parameters (and the data width) into a :class:`ConvGeometry`.

    With ``lattice_shape`` and ``n_features`` both None only the channel, kernel and stride
    are checked (None is returned).
    """

    def integer(name: str, value: Any, low: int) -> int:
        if isinstance(value, bool) or not isinstance(value, Integral) or value < low:
            raise InputError(f"{name} must be an integer >= {low}, got {value!r}")
        return int(value)

    channels = integer("n_channels", n_channels, 1)
    k = integer("kernel_size", kernel_size, 1)
    b = integer("stride", stride, 1)
    if k < b:
        raise InputError(
            f"kernel_size ({k}) must be >= stride ({b}) so every visible site is coupled; "
            "raise kernel_size or lower stride"
        )
    if lattice_shape is None:
        if n_features is None:
            return None
        side = math.isqrt(n_features)
        if side * side != n_features:
            raise InputError(
                f"X has {n_features} columns, not a square number; pass lattice_shape=(Ly, Lx)"
            )
        shape = (side, side)
    else:
        if isinstance(lattice_shape, Integral) and not isinstance(lattice_shape, bool):
            lattice_shape = (lattice_shape, lattice_shape)
        try:
            sides = tuple(lattice_shape)
        except TypeError:
            sides = ()
        if len(sides) != 2:
            raise InputError(f"lattice_shape must be (Ly, Lx) or an int L, got {lattice_shape!r}")
        shape = tuple(integer("lattice_shape entries", s, 1) for s in sides)
    ly, lx = shape
    if ly % b or lx % b:
        raise InputError(
            f"lattice_shape {shape} is not divisible by stride {b}; choose a stride that "
            "divides both sides"
        )
    if k > min(ly, lx):
        raise InputError(
            f"kernel_size ({k}) must be <= the lattice sides {shape} so that no site is "
            "coupled twice; lower kernel_size"
        )
    if n_features is not None and n_features != ly * lx:
        raise InputError(
            f"X has {n_features} columns but lattice_shape {shape} needs {ly * lx} "
            "(the lattice in row-major order); reshape X or set lattice_shape"
        )
    return ConvGeometry(channels, k, b, (ly, lx))


# ---------------------------------------------------------------------- training


class _ConvTrainer(EpochLoop):
    """CD-k / PCD-k on a ConvRBM, the dense :class:`~deeprg.rbm.training.Trainer` tied.

    Every update of a shared parameter is the sum, over the positions it occupies, of the
    update the dense Trainer would make (penalties included), so one step starting from
    tied dense weights moves them to tied dense weights; the random numbers are drawn in the
    same order and shapes as the dense Trainer's (centring is not supported).
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
        kw = {"dtype": config.dtype, "device": config.device}
        k = geometry.kernel_size
        kernels = torch.randn(geometry.n_channels, k, k, generator=generator, **kw)
        kernels.mul_(config.weight_init_std)
        visible_bias = initial_visible_bias(data.mean(), config.units).to(**kw)
        return kernels, visible_bias, torch.zeros(geometry.n_channels, **kw)

    def _hidden_mean(self, v: torch.Tensor) -> torch.Tensor:
        x = self.geometry.hidden_input(v, self.kernels, self.hidden_bias)
        return F.unit_mean_(x, self.config.units)

    def _visible_mean(self, h: torch.Tensor) -> torch.Tensor:
        x = self.geometry.visible_input(h, self.kernels, self.visible_bias)
        return F.unit_mean_(x, self.config.units)

    def _initial_chains(self) -> torch.Tensor:
        n = self.data.shape[0]
        rows = torch.randperm(n, generator=self.generator, device=self.data.device)
        start = self.data.index_select(0, rows[: self.batch_size])
        return F.sample_from_mean(self._hidden_mean(start), self.config.units, self.generator)

    def step(self, batch_index: torch.Tensor, learning_rate: float, momentum: float) -> None:
        """One CD-k / PCD-k update on the data rows ``batch_index``."""
        cfg = self.config
        units, generator = cfg.units, self.generator
        m = batch_index.shape[0]
        v_data = self.data.index_select(0, batch_index)
        h_data = self._hidden_mean(v_data)
        if cfg.persistent:
            h_source = self.chains[:m]
        else:
            h_source = F.sample_from_mean(h_data, units, generator)
        mean_last = not cfg.persistent and cfg.reconstruction == "mean"
        for sweep in range(cfg.cd_k):
            last = sweep == cfg.cd_k - 1
            v_model = self._visible_mean(h_source)
            if not (last and mean_last):
                v_model = F.sample_from_mean(v_model, units, generator)
            h_model = self._hidden_mean(v_model)
            if not last:
                h_source = F.sample_from_mean(h_model, units, generator)
        if cfg.persistent:
            self.chains[:m] = F.sample_from_mean(h_model, units, generator)

        alpha = learning_rate / m
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


# ---------------------------------------------------------------------- estimator


class ConvRBM(
    TorchEstimatorMixin, ClassNamePrefixFeaturesOutMixin, TransformerMixin, BaseEstimator
):
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
        The keys of :data:`deeprg.rbm.rbm.HISTORY_KEYS`, per epoch, as for RBM.
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
        self.n_channels = n_channels
        self.kernel_size = kernel_size
        self.stride = stride
        self.lattice_shape = lattice_shape
        self.units = units
        self.learning_rate = learning_rate
        self.batch_size = batch_size
        self.epochs = epochs
        self.cd_k = cd_k
        self.persistent = persistent
        self.reconstruction = reconstruction
        self.l1 = l1
        self.l2 = l2
        self.momentum = momentum
        self.initial_momentum = initial_momentum
        self.momentum_switch_epoch = momentum_switch_epoch
        self.weight_init_std = weight_init_std
        self.history_samples = history_samples
        self.random_state = random_state
        self.device = device
        self.dtype = dtype
        self.verbose = verbose

    # ------------------------------------------------------------------ validation

    def _check_params(self) -> TrainingConfig:
        """Validate the training hyper-parameters (shared with RBM) into a TrainingConfig."""
        F.check_units(self.units)  # binary or spin: no Gaussian units here
        view = types.SimpleNamespace(
            **self.get_params(),
            n_hidden=1,
            learning_rate_schedule="constant",
            learning_rate_decay=0.0,
            centering=False,
        )
        return training_config(view)

    def _geometry(self) -> ConvGeometry:
        """The fitted geometry (from the fitted attributes, not the hyper-parameters)."""
        check_is_fitted(self, "weights_")
        c, k, _ = self.weights_.shape
        _, my, _ = self.hidden_shape_
        return ConvGeometry(int(c), int(k), self.lattice_shape_[0] // my, self.lattice_shape_)

    def _validate_X(self, X: Any, reset: bool) -> np.ndarray:
        """Validated float array of shape (n_samples, Ly·Lx) (float32 kept, else float64)."""
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
        check_unit_values(array, F.check_units(self.units))
        return array

    # ------------------------------------------------------------------ tensors in/out

    def _parameters(
        self, dtype: torch.dtype = torch.float64
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """(K, a, b) as tensors on the model's device (a is 0-dimensional)."""
        check_is_fitted(self, "weights_")
        device = self._device()
        return tuple(
            torch.as_tensor(np.asarray(p), device=device).to(dtype)
            for p in (self.weights_, self.visible_bias_, self.hidden_bias_)
        )

    def _input(
        self, x: Any, n_units: int, dtype: torch.dtype, name: str
    ) -> tuple[torch.Tensor, bool, tuple[int, ...]]:
        """Configurations as a 2-D tensor; also whether x was a tensor and its batch shape."""
        is_tensor = isinstance(x, torch.Tensor)
        tensor = x if is_tensor else torch.as_tensor(np.asarray(x, dtype=np.float64))
        if tensor.ndim == 0 or tensor.shape[-1] != n_units:
            raise InputError(f"{name} must have shape (..., {n_units}), got {tuple(tensor.shape)}")
        if tensor.is_complex():
            raise InputError(f"{name} must be a real array, got dtype {tensor.dtype}")
        tensor = tensor.to(device=self._device(), dtype=dtype)
        if not torch.isfinite(tensor).all():
            raise InputError(f"{name} contains NaN or inf; pass finite unit states")
        check_unit_values(tensor, self.units, name)
        batch_shape = tuple(tensor.shape[:-1])
        return tensor.reshape(-1, n_units), is_tensor, batch_shape

    def _visible(self, v: Any, dtype: torch.dtype = torch.float64, name: str = "v"):
        return self._input(v, self._geometry().n_visible, dtype, name)

    def _hidden(self, h: Any, dtype: torch.dtype = torch.float64, name: str = "h"):
        return self._input(h, self._geometry().n_hidden, dtype, name)

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
        geometry = _check_geometry(kernels.shape[0], kernels.shape[1], stride, lattice_shape, None)
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
            units=F.check_units(units),
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
        _check_geometry(self.n_channels, self.kernel_size, self.stride, self.lattice_shape, None)
        data_np = self._validate_X(X, reset=True)
        geometry = _check_geometry(
            self.n_channels, self.kernel_size, self.stride, self.lattice_shape, data_np.shape[1]
        )
        data = torch.as_tensor(data_np, device=config.device).to(config.dtype).contiguous()
        generator = torch_generator(self.random_state, config.device)
        params = _ConvTrainer.initial_parameters(config, geometry, data, generator)
        trainer = _ConvTrainer(config, geometry, data, *params, generator=generator)
        self.history_ = empty_history()
        self._publish(trainer)
        subset = _history_subset(data, int(self.history_samples))
        from tqdm.auto import tqdm

        work = trainer.batch_size * geometry.n_hidden * geometry.kernel_size**2
        with (
            single_thread_if_small(work, config.device),
            tqdm(
                total=self.epochs,
                desc=f"ConvRBM {geometry.lattice_shape}→{geometry.hidden_shape}",
                unit="epoch",
                file=sys.stderr,
                disable=not self.verbose,
                leave=False,
            ) as bar,
        ):
            while trainer.epochs_done < self.epochs:
                start = time.perf_counter()
                learning_rate, momentum = trainer.run_epoch()
                self._publish(trainer)
                metrics = self._epoch_metrics(trainer, subset)
                history = self.history_
                history["epoch"].append(trainer.epochs_done)
                history["learning_rate"].append(learning_rate)
                history["momentum"].append(momentum)
                for key, value in metrics.items():
                    history[key].append(value)
                history["seconds"].append(time.perf_counter() - start)
                bar.update(1)
        return self

    def _publish(self, trainer: _ConvTrainer) -> None:
        self._set_fitted(
            trainer.geometry,
            trainer.kernels.detach().cpu().numpy().copy(),
            float(trainer.visible_bias),
            trainer.hidden_bias.detach().cpu().numpy().copy(),
        )

    def _epoch_metrics(self, trainer: _ConvTrainer, subset: torch.Tensor | None) -> dict:
        nan = float("nan")
        if subset is None:
            return {"reconstruction_error": nan, "pseudo_likelihood": nan, "log_likelihood": nan}
        geometry = trainer.geometry
        params = tuple(
            t.to(torch.float64)
            for t in (trainer.kernels, trainer.visible_bias, trainer.hidden_bias)
        )
        v = subset.to(torch.float64)
        flip_generator = torch.Generator(device=subset.device)
        flip_generator.manual_seed(trainer.epochs_done)
        metrics = {
            "reconstruction_error": _reconstruction_error(v, geometry, *params, self.units),
            "pseudo_likelihood": float(
                _pseudo_log_likelihood(v, geometry, *params, self.units, flip_generator).mean()
            ),
            "log_likelihood": nan,
        }
        if min(geometry.n_visible, geometry.n_hidden) <= MAX_HISTORY_EXACT_UNITS:
            log_z = _exact_log_partition(geometry, *params, self.units)
            metrics["log_likelihood"] = (
                float(-_free_energy(v, geometry, *params, self.units).mean()) - log_z
            )
        return metrics

    # ------------------------------------------------------------------ representations

    def transform(self, X: Any) -> np.ndarray:
        """Hidden conditional means E[h | v], shape (n_samples, C·(Ly/b)·(Lx/b)).

        Columns in the order (channel, block row, block column); float32 for float32 input.
        """
        check_is_fitted(self, "weights_")
        data = self._validate_X(X, reset=False)
        dtype = torch.float32 if data.dtype == np.float32 else torch.float64
        k, _a, b = self._parameters(dtype)
        v = torch.as_tensor(data, device=k.device)
        x = self._geometry().hidden_input(v, k, b)
        return F.unit_mean(x, self.units).reshape(v.shape[0], -1).cpu().numpy()

    def inverse_transform(self, H: Any) -> Any:
        """Visible conditional means E[v | h] for hidden states or means H, shape (n, Ly·Lx)."""
        h, is_tensor, shape = self._hidden(H, name="H")
        k, a, _ = self._parameters()
        x = self._geometry().visible_input(h, k, a)
        return self._output(F.unit_mean(x, self.units), is_tensor, shape)

    def reconstruct(self, X: Any) -> np.ndarray:
        """Mean-field reconstruction E[v | E[h | v]], array of shape (n_samples, Ly·Lx)."""
        return self.inverse_transform(self.transform(X))

    # ------------------------------------------------------------------ probabilities

    def energy(self, v: Any, h: Any) -> Any:
        """E(v, h) (float64), shape (...,) for v (..., Ly·Lx) and h (..., n_hidden)."""
        vt, is_tensor, shape = self._visible(v)
        ht, _, hshape = self._hidden(h)
        if hshape != shape:
            raise InputError(f"v and h must have the same batch shape, got {shape} and {hshape}")
        k, a, b = self._parameters()
        geometry = self._geometry()
        coupling = geometry.hidden_input(vt, k, None).reshape(ht.shape)
        hb = b.repeat_interleave(geometry.n_positions)
        result = -a * vt.sum(dim=1) - ht @ hb - (coupling * ht).sum(dim=1)
        return self._output(result, is_tensor, shape)

    def free_energy(self, v: Any) -> Any:
        """F(v) = -a Σv - Σ_cij f(input_cij), p(v) = exp(-F(v))/Z (float64), shape (...,)."""
        vt, is_tensor, shape = self._visible(v)
        result = _free_energy(vt, self._geometry(), *self._parameters(), self.units)
        return self._output(result, is_tensor, shape)

    def hidden_free_energy(self, h: Any) -> Any:
        """G(h) = -Σ b_c h_cij - Σ_r f(a + (W h)_r), p(h) = exp(-G(h))/Z (float64), shape (...,)."""
        ht, is_tensor, shape = self._hidden(h)
        result = _hidden_free_energy(ht, self._geometry(), *self._parameters(), self.units)
        return self._output(result, is_tensor, shape)

    def hidden_conditional(self, v: Any) -> Any:
        """P(h = 1 | v) (binary) or P(h = +1 | v) (spin), shape (..., n_hidden), float64."""
        vt, is_tensor, shape = self._visible(v)
        k, _, b = self._parameters()
        scale = 1.0 if self.units == "binary" else 2.0
        x = self._geometry().hidden_input(vt, k, b).reshape(vt.shape[0], -1)
        return self._output(torch.sigmoid(scale * x), is_tensor, shape)

    def visible_conditional(self, h: Any) -> Any:
        """P(v = 1 | h) (binary) or P(v = +1 | h) (spin), shape (..., Ly·Lx), float64."""
        ht, is_tensor, shape = self._hidden(h)
        k, a, _ = self._parameters()
        scale = 1.0 if self.units == "binary" else 2.0
        x = self._geometry().visible_input(ht, k, a)
        return self._output(torch.sigmoid(scale * x), is_tensor, shape)

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
        if method not in ("auto", "exact", "ais"):
            raise InputError(f"method must be 'auto', 'exact' or 'ais', got {method!r}")
        geometry = self._geometry()
        smaller = min(geometry.n_visible, geometry.n_hidden)
        if method == "exact" or (method == "auto" and smaller <= MAX_EXACT_UNITS):
            if smaller > MAX_EXACT_UNITS:
                raise InputError(
                    f"exact ln Z needs a layer with <= {MAX_EXACT_UNITS} units, got "
                    f"{geometry.n_visible}x{geometry.n_hidden}; use method='ais'"
                )
            value = _exact_log_partition(geometry, *self._parameters(), self.units)
            return (value, 0.0) if return_std else value
        return self.to_dense().log_partition(
            "ais",
            n_chains=n_chains,
            n_betas=n_betas,
            seed=self.random_state if seed is None else seed,
            return_std=return_std,
        )

    def _cached_log_partition(self) -> float:
        key = (
            self.weights_.tobytes(),
            float(self.visible_bias_),
            np.asarray(self.hidden_bias_).tobytes(),
            self.units,
            self.lattice_shape_,
        )
        cached = getattr(self, "_log_z_cache", None)
        if cached is None or cached[0] != key:
            self._log_z_cache = (key, self.log_partition("auto"))
        return self._log_z_cache[1]

    def score_samples(self, X: Any) -> np.ndarray:
        """ln p(x) = -F(x) - ln Z of each row (float64); ln Z exact when a layer has <= 25 units."""
        check_is_fitted(self, "weights_")
        data = self._validate_X(X, reset=False)
        params = self._parameters()
        v = torch.as_tensor(data, device=params[0].device).to(torch.float64)
        free = _free_energy(v, self._geometry(), *params, self.units)
        return (-free - self._cached_log_partition()).cpu().numpy()

    def pseudo_likelihood(self, X: Any, seed: SeedLike = None) -> np.ndarray:
        """Stochastic pseudo-log-likelihood n_visible · ln p(v_i | v_-i), one random i per row.

        Draws the same sites as :meth:`deeprg.rbm.RBM.pseudo_likelihood` for the same seed.
        """
        check_is_fitted(self, "weights_")
        data = self._validate_X(X, reset=False)
        params = self._parameters()
        v = torch.as_tensor(data, device=params[0].device).to(torch.float64)
        generator = torch_generator(seed, v.device)
        return (
            _pseudo_log_likelihood(v, self._geometry(), *params, self.units, generator)
            .cpu()
            .numpy()
        )

    # ------------------------------------------------------------------ sampling

    def sample_hidden(self, v: Any, generator: torch.Generator | SeedLike = None) -> Any:
        """Hidden states h ~ p(h | v), shape (..., n_hidden), in the model's units and dtype."""
        dtype = resolve_dtype(self.dtype)
        vt, is_tensor, shape = self._visible(v, dtype)
        k, _, b = self._parameters(dtype)
        gen = torch_generator(generator, k.device)
        mean = F.unit_mean(self._geometry().hidden_input(vt, k, b), self.units)
        h = F.sample_from_mean(mean, self.units, gen).reshape(vt.shape[0], -1)
        return self._output(h, is_tensor, shape)

    def sample_visible(self, h: Any, generator: torch.Generator | SeedLike = None) -> Any:
        """Visible states v ~ p(v | h), shape (..., Ly·Lx), in the model's units and dtype."""
        dtype = resolve_dtype(self.dtype)
        ht, is_tensor, shape = self._hidden(h, dtype)
        k, a, _ = self._parameters(dtype)
        gen = torch_generator(generator, k.device)
        mean = F.unit_mean(self._geometry().visible_input(ht, k, a), self.units)
        return self._output(F.sample_from_mean(mean, self.units, gen), is_tensor, shape)

    def gibbs(
        self,
        v: Any,
        n_steps: int = 1,
        generator: torch.Generator | SeedLike = None,
        return_hidden: bool = False,
    ) -> Any:
        """``n_steps`` block-Gibbs sweeps v → h → v from states v (see :meth:`RBM.gibbs`)."""
        if isinstance(n_steps, bool) or not isinstance(n_steps, Integral) or n_steps < 0:
            raise InputError(f"n_steps must be an integer >= 0, got {n_steps!r}")
        dtype = resolve_dtype(self.dtype)
        vt, is_tensor, shape = self._visible(v, dtype)
        k, a, b = self._parameters(dtype)
        geometry = self._geometry()
        gen = torch_generator(generator, k.device)

        def hidden(visible: torch.Tensor) -> torch.Tensor:
            mean = F.unit_mean(geometry.hidden_input(visible, k, b), self.units)
            return F.sample_from_mean(mean, self.units, gen).reshape(visible.shape[0], -1)

        h = None
        for _ in range(int(n_steps)):
            h = hidden(vt)
            mean = F.unit_mean(geometry.visible_input(h, k, a), self.units)
            vt = F.sample_from_mean(mean, self.units, gen)
        v_out = self._output(vt, is_tensor, shape)
        if not return_hidden:
            return v_out
        if h is None:
            h = hidden(vt)
        return v_out, self._output(h, is_tensor, shape)

    # ------------------------------------------------------------------ sklearn plumbing

    @property
    def _n_features_out(self) -> int:
        return int(np.prod(self.hidden_shape_))


# ---------------------------------------------------------------------- tensor functions


def _free_energy(
    v: torch.Tensor,
    geometry: ConvGeometry,
    kernels: torch.Tensor,
    a: torch.Tensor,
    b: torch.Tensor,
    units: str,
) -> torch.Tensor:
    """F(v) = -a Σ_r v_r - Σ_cij f(b_c + (K * v)_cij), shape (n,)."""
    x = geometry.hidden_input(v, kernels, b)
    return -a * v.sum(dim=1) - F.log_unit_partition(x, units).sum(dim=(1, 2, 3))


def _hidden_free_energy(
    h: torch.Tensor,
    geometry: ConvGeometry,
    kernels: torch.Tensor,
    a: torch.Tensor,
    b: torch.Tensor,
    units: str,
) -> torch.Tensor:
    """G(h) = -Σ_cij b_c h_cij - Σ_r f(a + (Kᵀ * h)_r), shape (n,)."""
    h4 = h.reshape(-1, *geometry.hidden_shape)
    x = geometry.visible_input(h4, kernels, a)
    return -(h4.sum(dim=(2, 3)) @ b) - F.log_unit_partition(x, units).sum(dim=1)


def _exact_log_partition(
    geometry: ConvGeometry,
    kernels: torch.Tensor,
    a: torch.Tensor,
    b: torch.Tensor,
    units: str,
    layer: str | None = None,
) -> float:
    """Exact ln Z, enumerating ``layer`` ("visible", "hidden"; default the smaller one)."""
    kernels, a, b = (t.to(torch.float64) for t in (kernels, a, b))
    if layer is None:
        layer = "hidden" if geometry.n_hidden <= geometry.n_visible else "visible"
    n_units = geometry.n_hidden if layer == "hidden" else geometry.n_visible
    free = _hidden_free_energy if layer == "hidden" else _free_energy
    n_states = 2**n_units
    partial = []
    for start in range(0, n_states, _CHUNK_STATES):
        stop = min(n_states, start + _CHUNK_STATES)
        states = F.all_states(n_units, units, start, stop, device=kernels.device)
        partial.append(torch.logsumexp(-free(states, geometry, kernels, a, b, units), dim=0))
    return float(torch.logsumexp(torch.stack(partial), dim=0))


def _reconstruction_error(
    v: torch.Tensor,
    geometry: ConvGeometry,
    kernels: torch.Tensor,
    a: torch.Tensor,
    b: torch.Tensor,
    units: str,
) -> float:
    """Mean squared error per visible unit of E[v | E[h | v]]."""
    hidden = F.unit_mean(geometry.hidden_input(v, kernels, b), units)
    visible = F.unit_mean(geometry.visible_input(hidden, kernels, a), units)
    return float(torch.mean((v - visible) ** 2))


def _pseudo_log_likelihood(
    v: torch.Tensor,
    geometry: ConvGeometry,
    kernels: torch.Tensor,
    a: torch.Tensor,
    b: torch.Tensor,
    units: str,
    generator: torch.Generator,
) -> torch.Tensor:
    """n_visible · ln sigmoid(F(ṽ) - F(v)), ṽ = v with one random site flipped, shape (n,).

    The same draws as :func:`deeprg.rbm.training.pseudo_log_likelihood`.
    """
    n, n_visible = v.shape
    columns = torch.randint(n_visible, (n,), generator=generator, device=v.device)
    rows = torch.arange(n, device=v.device)
    flipped = v.clone()
    values = flipped[rows, columns]
    flipped[rows, columns] = 1.0 - values if units == "binary" else -values
    difference = _free_energy(flipped, geometry, kernels, a, b, units) - _free_energy(
        v, geometry, kernels, a, b, units
    )
    return n_visible * torch.nn.functional.logsigmoid(difference)


def _history_subset(data: torch.Tensor, n_rows: int) -> torch.Tensor | None:
    """Up to ``n_rows`` evenly spaced rows of the data (None when n_rows is 0)."""
    if n_rows <= 0:
        return None
    step = max(1, data.shape[0] // n_rows)
    return data[::step][:n_rows].contiguous()
