"""Deprecated alias of :mod:`deeprg.ising` (the Ising Hamiltonians), kept for one release.

"Model" means a trained network everywhere else in deeprg (``--model``, ``save_model``), so
the Hamiltonians moved to :mod:`deeprg.ising`. Every name of that module is still reachable
here; each use warns with a :class:`DeprecationWarning` naming the new import.
"""

from __future__ import annotations

import warnings
from typing import Any

from . import ising as _ising

__all__ = list(_ising.__all__)


def __getattr__(name: str) -> Any:
    if name.startswith("__"):
        raise AttributeError(name)
    value = getattr(_ising, name)  # AttributeError for names ising does not have either
    warnings.warn(
        f"deeprg.models is deprecated and will be removed in the next release; import {name} "
        "from deeprg.ising instead",
        DeprecationWarning,
        stacklevel=2,
    )
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
