"""The per-epoch training history of an RBM-like estimator (``history_``).

:data:`HISTORY_KEYS` names its lists (one entry per epoch); the metrics are computed on
:func:`history_subset`, evenly spaced rows of the training data.
"""

from __future__ import annotations

import torch

__all__ = ["HISTORY_KEYS", "MAX_HISTORY_EXACT_UNITS", "empty_history", "history_subset"]

#: Keys of ``history_`` (each a list with one entry per epoch).
HISTORY_KEYS = (
    "epoch",
    "learning_rate",
    "momentum",
    "reconstruction_error",
    "pseudo_likelihood",
    "log_likelihood",
    "seconds",
)

#: The per-epoch history records the exact log-likelihood when a layer has at most this many units.
MAX_HISTORY_EXACT_UNITS = 20


def empty_history() -> dict[str, list]:
    """A history dict with every key of :data:`HISTORY_KEYS` and no epochs."""
    return {key: [] for key in HISTORY_KEYS}


def history_subset(data: torch.Tensor, n_rows: int) -> torch.Tensor | None:
    """Up to ``n_rows`` evenly spaced rows of ``data`` (n_samples, n_visible); None when 0."""
    if n_rows <= 0:
        return None
    step = max(1, data.shape[0] // n_rows)
    return data[::step][:n_rows].contiguous()
