"""Geometry of the periodic 2-D convolutional RBM and its conv-based tensor functions.

The visible layer is an Ly × Lx periodic lattice (a row of ``X`` is the lattice in
row-major order, site (r, s) at column r·Lx + s). With stride b (Ly and Lx multiples of b)
the lattice splits into (Ly/b) × (Lx/b) blocks; every channel c = 0..C-1 has one hidden unit
per block, so there are C·(Ly/b)·(Lx/b) hidden units, flattened in the order
(channel, block row, block column). Each channel has one k × k kernel K_c (k ≥ b), shared by
all its hidden units: hidden unit (c, i, j) couples to the visible sites

    ((b·i + o + p) mod Ly,  (b·j + o + q) mod Lx)   with weight K[c, p, q],  p, q = 0..k-1,

where the offset is o = -((k - b) // 2): the kernel covers its own b × b block plus
(k - b)//2 sites before it and the rest after it, so it is centred on the block when k - b
is even (k = b: exactly the block).

The hidden inputs are a strided ``conv2d`` of the circularly padded lattice, the visible
inputs a ``conv_transpose2d`` folded back onto the torus, and the gradient of a shared
kernel (the sum over positions of the dense gradient) is the weight gradient of that
convolution: O(L² k² C) per sample, no dense matrix, on CPU or CUDA.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from numbers import Integral
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from ..errors import InputError
from . import functional as rbm_functional
from .hyperparameters import check_hyperparameter

__all__ = [
    "ConvGeometry",
    "KernelParameters",
    "check_geometry",
    "conv_exact_log_partition",
    "conv_free_energy",
    "conv_hidden_free_energy",
    "conv_reconstruction_error",
]

#: States per chunk of the exact enumeration of ln Z.
_CHUNK_STATES = 2**14


#: (kernels (C, k, k), visible bias (), hidden bias (C,)) of a convolutional RBM.
KernelParameters = tuple[torch.Tensor, torch.Tensor, torch.Tensor]


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
        return F.pad(x, (left, right, left, right), mode="circular")

    def hidden_input(
        self, v: torch.Tensor, kernels: torch.Tensor, hidden_bias: torch.Tensor | None
    ) -> torch.Tensor:
        """Inputs b_c + Σ_pq K[c,p,q] v_(b·i+o+p, b·j+o+q) of every hidden unit, (n, C, My, Mx)."""
        return F.conv2d(self._pad(v), kernels.unsqueeze(1), hidden_bias, stride=self.stride)

    def visible_input(
        self, h: torch.Tensor, kernels: torch.Tensor, visible_bias: torch.Tensor | None
    ) -> torch.Tensor:
        """Inputs a + Σ_{c,i,j,p,q → r} K[c,p,q] h_cij of every visible site, (n, n_visible)."""
        ly, lx = self.lattice_shape
        h4 = h.reshape(-1, *self.hidden_shape)
        out = F.conv_transpose2d(h4, kernels.unsqueeze(1), stride=self.stride)[:, 0]
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


def check_geometry(
    n_channels: Any, kernel_size: Any, stride: Any, lattice_shape: Any, n_features: int | None
) -> ConvGeometry | None:
    """Validate the shape hyper-parameters (and the data width) into a :class:`ConvGeometry`.

    With ``lattice_shape`` and ``n_features`` both None only the channel, kernel and stride
    are checked (None is returned).
    """

    channels = check_hyperparameter("n_channels", n_channels)
    k = check_hyperparameter("kernel_size", kernel_size)
    b = check_hyperparameter("stride", stride)
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
        for side in sides:
            if isinstance(side, bool) or not isinstance(side, Integral) or side < 1:
                raise InputError(f"lattice_shape entries must be an integer >= 1, got {side!r}")
        shape = tuple(int(side) for side in sides)
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


def conv_free_energy(
    v: torch.Tensor,
    geometry: ConvGeometry,
    params: KernelParameters,
    units: str,
) -> torch.Tensor:
    """F(v) = -a Σ_r v_r - Σ_cij f(b_c + (K * v)_cij), shape (n,)."""
    kernels, a, b = params
    x = geometry.hidden_input(v, kernels, b)
    return -a * v.sum(dim=1) - rbm_functional.log_unit_partition(x, units).sum(dim=(1, 2, 3))


def conv_hidden_free_energy(
    h: torch.Tensor,
    geometry: ConvGeometry,
    params: KernelParameters,
    units: str,
) -> torch.Tensor:
    """G(h) = -Σ_cij b_c h_cij - Σ_r f(a + (Kᵀ * h)_r), shape (n,)."""
    kernels, a, b = params
    h4 = h.reshape(-1, *geometry.hidden_shape)
    x = geometry.visible_input(h4, kernels, a)
    return -(h4.sum(dim=(2, 3)) @ b) - rbm_functional.log_unit_partition(x, units).sum(dim=1)


def conv_exact_log_partition(
    geometry: ConvGeometry,
    params: KernelParameters,
    units: str,
    layer: str | None = None,
) -> float:
    """Exact ln Z, enumerating ``layer`` ("visible", "hidden"; default the smaller one)."""
    kernels, a, b = (t.to(torch.float64) for t in params)
    if layer is None:
        layer = "hidden" if geometry.n_hidden <= geometry.n_visible else "visible"
    n_units = geometry.n_hidden if layer == "hidden" else geometry.n_visible
    free = conv_hidden_free_energy if layer == "hidden" else conv_free_energy
    n_states = 2**n_units
    partial = []
    for start in range(0, n_states, _CHUNK_STATES):
        stop = min(n_states, start + _CHUNK_STATES)
        states = rbm_functional.all_states(n_units, units, start, stop, device=kernels.device)
        partial.append(torch.logsumexp(-free(states, geometry, (kernels, a, b), units), dim=0))
    return float(torch.logsumexp(torch.stack(partial), dim=0))


def conv_reconstruction_error(
    v: torch.Tensor,
    geometry: ConvGeometry,
    params: KernelParameters,
    units: str,
) -> float:
    """Mean squared error per visible unit of E[v | E[h | v]]."""
    kernels, a, b = params
    hidden = rbm_functional.unit_mean(geometry.hidden_input(v, kernels, b), units)
    visible = rbm_functional.unit_mean(geometry.visible_input(hidden, kernels, a), units)
    return float(torch.mean((v - visible) ** 2))
