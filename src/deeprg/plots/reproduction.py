"""Former home of the Mehta–Schwab figures; use :mod:`deeprg.plots.mehta_schwab`."""

from __future__ import annotations

from .mehta_schwab import *  # noqa: F403
from .mehta_schwab import __all__, _grid  # noqa: F401
