"""deeprg: the variational renormalization group and deep learning, executable and measured.

Reproduces and checks P. Mehta & D. J. Schwab, "An exact mapping between the Variational
Renormalization Group and Deep Learning", arXiv:1410.3831 (2014).

Heavy submodules (torch-based ``RBM``/``DBN``, Monte Carlo kernels) are imported lazily, so
``import deeprg`` and the command line start quickly.
"""

from __future__ import annotations

import importlib

from .constants import J_CRITICAL
from .errors import InputError
from .ising import IsingChain, IsingSquare

# The single source of the version (pyproject.toml reads it from here); a literal, because
# importlib.metadata costs ~0.1 s at every command start.
__version__ = "0.1.0"

_LAZY = {
    "sample": ("deeprg.mc", "sample"),
    "SampleSet": ("deeprg.mc", "SampleSet"),
    "RBM": ("deeprg.rbm", "RBM"),
    "DBN": ("deeprg.rbm", "DBN"),
    "ConvRBM": ("deeprg.rbm", "ConvRBM"),
    "exact": ("deeprg.exact", None),
    "mc": ("deeprg.mc", None),
    "rbm": ("deeprg.rbm", None),
    "rg": ("deeprg.rg", None),
    "io": ("deeprg.io", None),
    "readers": ("deeprg.readers", None),
    "read_data": ("deeprg.readers", "read_data"),
    "analysis": ("deeprg.analysis", None),
}

__all__ = [
    "DBN",
    "J_CRITICAL",
    "RBM",
    "ConvRBM",
    "InputError",
    "IsingChain",
    "IsingSquare",
    "SampleSet",
    "__version__",
    "analysis",
    "exact",
    "io",
    "ising",
    "mc",
    "rbm",
    "read_data",
    "readers",
    "rg",
    "sample",
]


def __getattr__(name: str):
    if name in _LAZY:
        module_name, attr = _LAZY[name]
        module = importlib.import_module(module_name)
        value = module if attr is None else getattr(module, attr)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'deeprg' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
