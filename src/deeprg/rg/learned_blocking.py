"""A learned real-space RG transform that can be iterated: a greedy stack of ConvRBMs.

Level 0 -> 1 is a periodic weight-shared RBM (:class:`deeprg.ConvRBM`, one channel, stride
b, a k x k kernel) trained on the level-0 configurations; its coarse spins are drawn from
p(h | v) (``rule="sample"``, the RBM's own stochastic coarse-graining) or taken as the sign
of the hidden field (``rule="sign"``, ties by a fair coin). Level 1 -> 2 is a new ConvRBM
trained on level 1's coarse spins, and so on for as many levels as L allows. Majority rule
is the limit of a uniform b x b kernel with infinite gain.

A :class:`LearnedBlocking` is a callable spins (n, L, L) -> coarse spins (n, L/b, L/b) that
picks the level whose lattice matches its input, so it plugs into
:func:`deeprg.rg.mcrg_exponents` as a transform.

Every kernel is oriented so that its sum is positive: a hidden unit's sign is arbitrary, and
a coarse lattice flipped relative to its block would turn the odd-sector eigenvalues negative.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .._random import SeedLike, as_generator, child_seeds
from ..errors import InputError, check_int

__all__ = ["LearnedBlocking", "train_learned_blocking"]


@dataclass
class LearnedBlocking:
    """Stacked ConvRBM coarse-graining (see the module docstring).

    Attributes
    ----------
    models : list of deeprg.ConvRBM
        Level l maps an (L/b^l)² lattice to (L/b^(l+1))².
    rule : {"sample", "sign"}
    stride : int
        The block factor b.
    seed : int, Generator or None
        Source of the coarse-spin draws (advanced by every call).
    """

    models: list
    rule: str
    stride: int
    seed: SeedLike = None
    _rng: np.random.Generator = field(init=False, repr=False)

    def __post_init__(self) -> None:
        if self.rule not in ("sample", "sign"):
            raise InputError(f"rule must be 'sample' or 'sign', got {self.rule!r}")
        self._rng = as_generator(self.seed)

    def kernels(self) -> list[np.ndarray]:
        """The k x k kernel of every level (arrays of shape (k, k))."""
        return [np.asarray(model.weights_)[0] for model in self.models]

    def _model_for(self, size: int):
        for model in self.models:
            if tuple(model.lattice_shape_) == (size, size):
                return model
        known = [model.lattice_shape_[0] for model in self.models]
        raise InputError(
            f"no learned level takes an {size}×{size} lattice (levels take L = {known}); "
            "train with more levels or block the lattices the transform was trained on"
        )

    def __call__(self, spins: np.ndarray) -> np.ndarray:
        """Coarse spins of shape (n, L/b, L/b), int8 ±1, of configurations (n, L, L)."""
        arr = np.asarray(spins)
        if arr.ndim != 3 or arr.shape[1] != arr.shape[2]:
            raise InputError(f"spins must have shape (n, L, L), got {arr.shape}")
        model = self._model_for(arr.shape[1])
        mean = model.transform(arr.reshape(arr.shape[0], -1).astype(np.float32))  # tanh(field)
        coarse_shape = (arr.shape[0], *model.hidden_shape_[1:])
        if self.rule == "sample":
            up = self._rng.random(mean.shape) < (1.0 + mean) / 2.0
        else:
            ties = mean == 0
            up = (mean > 0) | (ties & (self._rng.random(mean.shape) < 0.5))
        return np.where(up, 1, -1).astype(np.int8).reshape(coarse_shape)


def train_learned_blocking(
    spins: np.ndarray,
    n_levels: int,
    kernel_size: int = 2,
    stride: int = 2,
    epochs: int = 5,
    n_train: int = 2000,
    learning_rate: float = 0.05,
    rule: str = "sample",
    seed: SeedLike = None,
) -> LearnedBlocking:
    """Train the stack greedily, each level on the coarse spins of the level below.

    Parameters
    ----------
    spins : array of shape (n_samples, L, L), ±1
        Level-0 configurations (e.g. Wolff samples at the coupling of interest).
    n_levels : int
        Number of blocking steps; L must be divisible by stride**n_levels.
    kernel_size, stride : int
        k >= b and b of every level's ConvRBM.
    epochs, n_train : int
        CD-1 epochs, and configurations used for training, per level.
    learning_rate : float
        Per-position step: the ConvRBM's learning rate is this divided by the number of
        blocks, because a shared kernel's gradient sums over all of them.
    rule : {"sample", "sign"}
        How coarse spins are made from p(h | v).
    seed : int, Generator or None

    Returns
    -------
    LearnedBlocking
    """
    from ..rbm import ConvRBM

    arr = np.asarray(spins)
    if arr.ndim != 3 or arr.shape[1] != arr.shape[2] or not np.all(np.abs(arr) == 1):
        raise InputError("spins must be ±1 configurations of shape (n, L, L)")
    n_levels = check_int("n_levels", n_levels, minimum=1)
    stride = check_int("stride", stride, minimum=2)
    kernel_size = check_int("kernel_size", kernel_size, minimum=1)
    if kernel_size < stride:
        raise InputError(f"kernel_size ({kernel_size}) must be at least the stride ({stride})")
    size = arr.shape[1]
    if size % stride**n_levels or size // stride**n_levels < 2:
        raise InputError(
            f"L = {size} must be divisible by stride**n_levels = {stride**n_levels} and leave "
            "at least a 2×2 lattice; use fewer levels"
        )
    seeds = [int(s) for s in child_seeds(seed, n_levels + 1)]
    models = []
    blocking = LearnedBlocking(models, rule, stride, seeds[-1])
    data = arr[: max(int(n_train), 2)]
    for level in range(n_levels):
        level_size = data.shape[1]
        if kernel_size > level_size:
            raise InputError(
                f"kernel_size {kernel_size} exceeds the level-{level} lattice ({level_size}); "
                "use a smaller kernel or fewer levels"
            )
        positions = (level_size // stride) ** 2
        model = ConvRBM(
            n_channels=1,
            kernel_size=kernel_size,
            stride=stride,
            lattice_shape=(level_size, level_size),
            units="spin",
            learning_rate=learning_rate / positions,
            epochs=int(epochs),
            batch_size=min(100, len(data)),
            weight_init_std=0.1,
            random_state=seeds[level],
        )
        model.fit(data.reshape(len(data), -1).astype(np.float32))
        if float(np.sum(model.weights_)) < 0:  # orient: coarse spin follows its block
            model = ConvRBM.from_parameters(
                -np.asarray(model.weights_),
                model.visible_bias_,
                -np.asarray(model.hidden_bias_),
                lattice_shape=(level_size, level_size),
                stride=stride,
                units="spin",
            )
        models.append(model)
        data = blocking(data)
    return blocking
