"""Restricted Boltzmann machines and deep belief networks (torch; CPU or CUDA).

- :class:`RBM`: binary or spin units, CD-k/PCD training, exact and AIS partition functions,
  exact unit conversion, scikit-learn estimator conventions.
- :class:`ConvRBM`: a periodic 2-D convolutional (weight-shared) RBM, exactly equivalent to
  the dense RBM of :meth:`ConvRBM.to_dense`, with conv-based conditionals and training.
- :class:`DBN`: a greedy layer-wise stack of RBMs with up/down passes and receptive fields.

Modules: :mod:`~deeprg.rbm._base` (what RBM and ConvRBM share: sampling, scoring, the epoch
loop), :mod:`~deeprg.rbm.hyperparameters` (the one declaration of the hyper-parameters and
:func:`rbm_kwargs`), :mod:`~deeprg.rbm.contrastive` (the one CD-k/PCD chain),
:mod:`~deeprg.rbm.training` (the dense update), :mod:`~deeprg.rbm.conv_geometry` and
:mod:`~deeprg.rbm.conv_training` (the convolutional geometry and update),
:mod:`~deeprg.rbm.functional` (energies, free energies, sampling on tensors),
:mod:`~deeprg.rbm.partition` (exact ln Z and AIS), :mod:`~deeprg.rbm.units` (binary <-> spin
conversion), :mod:`~deeprg.rbm.checkpoint` (resumable training state),
:mod:`~deeprg.rbm.history` (the per-epoch history), :mod:`~deeprg.rbm.missing` (missing
values), :mod:`~deeprg.rbm.dbn` and
:mod:`~deeprg.rbm.layer_cache` (where DBN.fit finds and keeps finished layers).

Energy convention (docs/conventions.md): E(v, h) = -a·v - b·h - v·W·h; the paper's (Mehta & Schwab)
parameters are the negatives of ours.
"""

from __future__ import annotations

import importlib

# Names are imported on first use, so that the torch-free modules of this package (such as
# the hyper-parameter declaration, which the experiment settings read) load without torch.
_LAZY = {
    "CheckpointMismatchError": "checkpoint",
    "ConvRBM": "conv",
    "DBN": "dbn",
    "rbm_kwargs": "hyperparameters",
    "CheckpointDirectory": "layer_cache",
    "KeyedLayerFiles": "layer_cache",
    "LayerCache": "layer_cache",
    "MAX_EXACT_UNITS": "partition",
    "AISResult": "partition",
    "ais_log_partition": "partition",
    "exact_log_partition": "partition",
    "RBM": "rbm",
    "TrainingDivergedError": "training",
    "binary_to_spin": "units",
    "convert_parameters": "units",
    "convert_states": "units",
    "spin_to_binary": "units",
}

__all__ = [
    "DBN",
    "MAX_EXACT_UNITS",
    "RBM",
    "AISResult",
    "CheckpointDirectory",
    "CheckpointMismatchError",
    "ConvRBM",
    "KeyedLayerFiles",
    "LayerCache",
    "TrainingDivergedError",
    "ais_log_partition",
    "binary_to_spin",
    "convert_parameters",
    "convert_states",
    "exact_log_partition",
    "rbm_kwargs",
    "spin_to_binary",
]


def __getattr__(name: str):
    if name in _LAZY:
        value = getattr(importlib.import_module(f"{__name__}.{_LAZY[name]}"), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
