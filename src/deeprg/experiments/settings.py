"""Former home of the Mehta–Schwab settings; use :mod:`deeprg.experiments.mehta_schwab_settings`."""

from __future__ import annotations

from .mehta_schwab_settings import (  # noqa: F401
    CHOICES,
    INCONSISTENCIES,
    PRESETS,
    RBM_SETTINGS,
    SAMPLE_SETTINGS,
    TRAINING_SETTINGS,
    MehtaSchwabSettings,
    ReproductionSettings,
)

__all__ = ["CHOICES", "INCONSISTENCIES", "PRESETS", "ReproductionSettings"]
