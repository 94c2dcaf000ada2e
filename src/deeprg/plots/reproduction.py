"""Former home of the Mehta–Schwab figures; use :mod:`deeprg.plots.mehta_schwab`."""

from __future__ import annotations

from .mehta_schwab import (  # noqa: F401
    _grid,
    plot_block_spin_measures,
    plot_receptive_fields,
    plot_reconstructions,
    plot_samples,
    plot_size_distributions,
    plot_training_curves,
)

__all__ = [
    "plot_block_spin_measures",
    "plot_receptive_fields",
    "plot_reconstructions",
    "plot_samples",
    "plot_size_distributions",
    "plot_training_curves",
]
