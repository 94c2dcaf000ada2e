"""The Monte Carlo data of ``deeprg reproduce iso-flow``: samples at every grid temperature.

A training set and an independent test set (another seed), Wolff samples of the L×L torus
at every temperature of the grid (``samples_train.h5``, ``samples_test.h5``, reused when
their settings match), and each temperature's E/N and C/N checked against Kaufman's exact
torus with z-scores from the sampler's measured autocorrelation times.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np

from .. import exact
from .._random import child_seeds
from ._autocorrelation import observable_taus
from ._progress import progress_bar
from ._stages import ArraysH5Store, compute_or_load
from .iso_flow_settings import (
    SAMPLE_SETTINGS,
    SEED_TEST,
    SEED_TRAIN,
    IsoFlowSettings,
    stage_seeds,
)

__all__ = ["SAMPLES_FORMAT", "data_checks", "labelled", "sample_stage"]

#: ``format`` attribute of the sample files.
SAMPLES_FORMAT = "deeprg-iso-flow-samples"


def sample_stage(
    settings: IsoFlowSettings, which: str, out: Path, progress: bool, log: Callable
) -> dict:
    """Wolff samples at every grid temperature, reused from ``samples_{which}.h5``.

    Parameters
    ----------
    settings : IsoFlowSettings
    which : {"train", "test"}
    out : Path
        The run's folder.
    progress : bool
        Show a progress bar on stderr.
    log : callable
        Receives one-line stage messages.

    Returns
    -------
    dict
        ``temperatures`` (K,), ``spins`` (K, n, L, L) int8, ``tau_energy`` and
        ``tau_abs_magnetization`` (K,) in saved samples, ``burn_in`` and ``thin`` (K,).
    """
    n = settings.n_train if which == "train" else settings.n_test
    path = out / f"samples_{which}.h5"
    return compute_or_load(
        ArraysH5Store(SAMPLES_FORMAT),
        path,
        settings.key(*SAMPLE_SETTINGS, extra=f"{which}:{n}"),
        lambda: _sample(settings, which, n, progress, log),
        log=log,
        reused=f"samples: reusing {path.name}",
    )


def _sample(settings: IsoFlowSettings, which: str, n: int, progress: bool, log: Callable) -> dict:
    """:func:`sample_stage`'s samples, drawn now."""
    from ..ising import IsingSquare
    from ..mc import sample

    grid = settings.grid()
    stage = SEED_TRAIN if which == "train" else SEED_TEST
    seeds = child_seeds(int(stage_seeds(settings)[stage]), len(grid))
    log(
        f"samples ({which}): {n} × {settings.size}² at {len(grid)} temperatures ({settings.algorithm})"
    )
    size = settings.size
    data = {
        "temperatures": grid,
        "spins": np.empty((len(grid), n, size, size), dtype=np.int8),
        "tau_energy": np.empty(len(grid)),
        "tau_abs_magnetization": np.empty(len(grid)),
        "burn_in": np.empty(len(grid), dtype=np.int64),
        "thin": np.empty(len(grid), dtype=np.int64),
    }
    bar = progress_bar(progress, iterable=range(len(grid)), desc=f"samples {which}", unit=" T")
    for k in bar:
        result = sample(
            IsingSquare(size, 1.0 / grid[k]), n, algorithm=settings.algorithm, seed=int(seeds[k])
        )
        data["spins"][k] = result.spins
        data["tau_energy"][k] = result.tau_energy
        data["tau_abs_magnetization"][k] = result.tau_abs_magnetization
        data["burn_in"][k] = result.burn_in
        data["thin"][k] = result.thin
    return data


def data_checks(samples: dict, which: str) -> list[dict]:
    """E/N and C/N of every temperature against Kaufman's exact torus, and |m|, χ.

    Energies per spin are in units of J (e = −⟨Σ s_i s_j⟩/N); C/N = Var(H)/N. Errors use the
    sampler's measured τ (τ of |m| for the magnetisation moments). A temperature whose
    samples do not fluctuate (all ground states) has no error bar: its z is None and the
    difference to the exact value is reported instead.

    Returns
    -------
    list of dict, one per temperature
    """
    from .. import analysis

    rows = []
    for k, temperature in enumerate(samples["temperatures"]):
        coupling = 1.0 / float(temperature)
        spins = samples["spins"][k]
        tau = observable_taus(samples["tau_energy"][k], samples["tau_abs_magnetization"][k])
        est = analysis.observables(spins, coupling, tau=tau)
        torus = exact.torus(spins.shape[-1], coupling)
        energy = est["energy_per_spin"].value / coupling
        energy_err = est["energy_per_spin"].stderr / coupling
        heat = est["heat_capacity"].value
        heat_err = est["heat_capacity"].stderr
        row = {
            "set": which,
            "temperature": float(temperature),
            "n": len(spins),
            "tau_energy": float(samples["tau_energy"][k]),
            "energy_per_spin": energy,
            "energy_stderr": energy_err,
            "energy_exact": torus.energy_per_spin_in_units_of_j,
            "heat_capacity": heat,
            "heat_capacity_stderr": heat_err,
            "heat_capacity_exact": torus.heat_capacity_per_spin,
            "abs_magnetization": est["abs_magnetization"].value,
            "abs_magnetization_stderr": est["abs_magnetization"].stderr,
            "magnetization_squared": est["magnetization_squared"].value,
            "susceptibility": est["susceptibility"].value,
            "susceptibility_stderr": est["susceptibility"].stderr,
        }
        for name in ("energy", "heat_capacity"):
            value = row["energy_per_spin" if name == "energy" else name]
            error = row[f"{name}_stderr"]
            diff = value - row[f"{name}_exact"]
            row[f"{name}_z"] = float(diff / error) if error > 0 else None
            row[f"{name}_difference"] = float(diff)
        rows.append(row)
    return rows


def labelled(samples: dict) -> tuple[np.ndarray, np.ndarray]:
    """Configurations (K·n, L, L) and their class labels (K·n,)."""
    spins = samples["spins"]
    k, n = spins.shape[:2]
    return spins.reshape(k * n, *spins.shape[2:]), np.repeat(np.arange(k), n)
