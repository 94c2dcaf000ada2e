"""Former home of the Mehta–Schwab settings; use :mod:`deeprg.experiments.mehta_schwab_settings`."""

from __future__ import annotations

import warnings

from .mehta_schwab_settings import *  # noqa: F403
from .mehta_schwab_settings import __all__  # noqa: F401

warnings.warn(
    "deeprg.experiments.settings is deprecated and will be removed in the next release; use deeprg.experiments.mehta_schwab_settings",
    DeprecationWarning,
    stacklevel=2,
)
