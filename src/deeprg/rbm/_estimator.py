"""What the torch estimators :class:`~deeprg.rbm.RBM` and :class:`~deeprg.rbm.ConvRBM` share.

Both are scikit-learn transformers holding numpy parameters and computing in torch: this mixin
gives them the device, the numpy-or-tensor output convention, ``score`` and the
scikit-learn tags, and :func:`check_finite_rows` the one refusal of NaN or infinite data.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from ..errors import InputError
from ._validation import resolve_device

__all__ = ["TorchEstimatorMixin", "check_finite_rows"]


def check_finite_rows(array: np.ndarray, allow_nan: bool = False, hint: str = "") -> None:
    """Refuse data with NaN (unless ``allow_nan``) or inf, naming the first offending entry.

    ``hint`` is appended to the message (e.g. how to have the estimator impute NaN).
    """
    bad = np.isinf(array) if allow_nan else ~np.isfinite(array)
    if bad.any():
        row, col = np.argwhere(bad)[0]
        what = "inf" if allow_nan else "NaN or inf"
        raise InputError(
            f"X contains {what} (first at row {row}, column {col}); remove or impute "
            f"those samples{hint}"
        )


class TorchEstimatorMixin:
    """Device, output conversion, ``score`` and scikit-learn tags of an RBM-like estimator.

    The class using it needs ``device``, ``units`` and ``score_samples``; put it first in
    the bases so that ``__sklearn_tags__`` extends scikit-learn's.
    """

    def _device(self) -> torch.device:
        return resolve_device(self.device)

    @staticmethod
    def _output(result: torch.Tensor, is_tensor: bool, batch_shape: tuple[int, ...]) -> Any:
        """A tensor result as the caller passed it: a tensor, or a numpy array, reshaped."""
        result = result.reshape((*batch_shape, *result.shape[1:]))
        return result if is_tensor else result.detach().cpu().numpy()

    def score(self, X: Any, y: Any = None) -> float:
        """Mean log-likelihood of the rows of X (see ``score_samples``)."""
        return float(np.mean(self.score_samples(X)))

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        tags.input_tags.sparse = False
        tags.input_tags.positive_only = self.units == "binary"
        tags.input_tags.allow_nan = getattr(self, "missing", "refuse") == "impute"
        return tags
