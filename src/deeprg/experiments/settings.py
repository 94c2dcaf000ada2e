"""Former home of the Mehta–Schwab settings; use :mod:`deeprg.experiments.mehta_schwab_settings`."""

from __future__ import annotations

from .mehta_schwab_settings import *  # noqa: F403
from .mehta_schwab_settings import __all__  # noqa: F401
