"""The RBMs of ``deeprg reproduce iso-flow``: one per hidden size and seed, trained without labels.

Spin-unit RBMs (by default) for every hidden size (below, at and above N = L²) and several
independent seeds each, trained on the training set pooled over temperatures, each reused
from ``rbms/nh{N}-seed{i}.h5`` when its settings match.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np

from .._random import child_seeds
from ._stages import RBMStore, compute_or_load
from .iso_flow_settings import (
    RBM_SETTINGS,
    SEED_RBM,
    TRAINING_SETTINGS,
    IsoFlowSettings,
    stage_seeds,
)

__all__ = ["rbm_stage"]


def rbm_stage(
    settings: IsoFlowSettings, train: dict, out: Path, device: str, progress: bool, log: Callable
) -> dict[tuple[int, int], object]:
    """RBMs for every (hidden size, seed index), reused from ``rbms/nh{N}-seed{i}.h5``.

    Returns
    -------
    dict
        ``(n_hidden, seed index)`` -> fitted :class:`deeprg.RBM`.
    """
    from ..rbm import RBM, rbm_kwargs
    from ..rbm.units import convert_states

    folder = out / "rbms"
    folder.mkdir(exist_ok=True)
    spins = train["spins"]
    data = convert_states(
        spins.reshape(-1, spins.shape[-1] * spins.shape[-2]).astype(np.float32),
        "spin",
        settings.units,
    ).astype(np.float32)
    rbm_seed = int(stage_seeds(settings)[SEED_RBM])
    store = RBMStore(device)
    rbms = {}
    for n_hidden in settings.hidden_sizes:
        for index in range(settings.rbm_seeds):
            path = folder / f"nh{n_hidden}-seed{index}.h5"

            def fit(n_hidden=n_hidden, index=index):
                log(f"rbms: N_h = {n_hidden}, seed {index}, {settings.epochs} epochs")
                rbm = RBM(
                    n_hidden=int(n_hidden),
                    **rbm_kwargs(settings, RBM_SETTINGS),
                    # its own seed per (N_h, index): no shared streams between sizes
                    random_state=int(
                        child_seeds(np.random.default_rng([rbm_seed, int(n_hidden), index]), 1)[0]
                    ),
                    device=device,
                    verbose=progress,
                )
                return rbm.fit(data)

            key = settings.key(*TRAINING_SETTINGS, extra=f"{n_hidden}:{index}")
            rbms[(int(n_hidden), index)] = compute_or_load(
                store, path, key, fit, log=log, reused=f"rbms: reusing {path.name}"
            )
    return rbms
