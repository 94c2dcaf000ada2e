"""Settings of ``deeprg rg exponents``: the lattice, the transform, the samples, the training."""

from __future__ import annotations

from dataclasses import dataclass

from ..constants import J_CRITICAL
from ._settings import ExperimentSettings

__all__ = ["TRANSFORM_CHOICES", "ExponentsSettings"]

#: Block-spin transforms the exponents can be measured with.
TRANSFORM_CHOICES = ("majority", "majority3", "decimation", "learned")


@dataclass(frozen=True)
class ExponentsSettings(ExperimentSettings):
    """Every setting of one Monte Carlo RG measurement of y_T and y_h.

    Attributes
    ----------
    size : int
        L of the periodic L×L lattice.
    coupling : float
        K of the samples (default: the exact critical coupling J_c).
    transform : {"majority", "majority3", "decimation", "learned"}
        The blocking; "learned" trains (or loads) a stack of ConvRBMs and measures majority
        rule on the same samples beside it.
    n_samples : int
        Wolff configurations.
    seed : int
        Master seed (samples, MCRG and training draw child seeds from it).
    kernel_size, epochs, n_train : int
        The learned transform's ConvRBM kernel, training epochs and training rows.
    model : str, optional
        A saved learned transform (model file) to use instead of training one.
    """

    size: int = 32
    coupling: float = float(J_CRITICAL)
    transform: str = "majority"
    n_samples: int = 50_000
    seed: int = 0
    kernel_size: int = 2
    epochs: int = 5
    n_train: int = 2000
    model: str | None = None
