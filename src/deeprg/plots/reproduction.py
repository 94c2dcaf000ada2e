"""Former home of the Mehta–Schwab figures; use :mod:`deeprg.plots.mehta_schwab`."""

from __future__ import annotations

import warnings

from .mehta_schwab import *  # noqa: F403
from .mehta_schwab import __all__, _grid  # noqa: F401

warnings.warn(
    "deeprg.plots.reproduction is deprecated and will be removed in the next release; use deeprg.plots.mehta_schwab",
    DeprecationWarning,
    stacklevel=2,
)
