"""The flows of ``deeprg reproduce iso-flow``: an RBM iterated from data, measured at every step.

From test configurations of every temperature, mean-field flows (v ← E[v | E[h | v]], the
visible means fed to the thermometer as in Iso et al.) and sampled flows (one block-Gibbs
sweep per step); at recorded steps the thermometer's distribution, and E/N, |m|, χ of the
flowed spins beside their values at the thermometer's reading (``flows/*.npz``, reused
when their settings match).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np

from .. import exact
from .._random import child_seeds
from ..errors import InputError
from ._progress import progress_bar
from ._stages import NpzStore, compute_or_load
from .iso_flow_settings import FLOW_SETTINGS, SEED_FLOW, IsoFlowSettings, stage_seeds

__all__ = [
    "FLOW_QUANTITIES",
    "HISTOGRAM_STEPS",
    "UPDATES",
    "energy_temperature",
    "exact_energy_curve",
    "flow_references",
    "flow_stage",
    "flow_states",
    "measure_flow",
    "record_steps",
    "tail_begin",
]

#: The two flow updates, in report order.
UPDATES = ("mean-field", "sampled")
#: Steps after which the histograms of readings are shown.
HISTOGRAM_STEPS = (0, 1, 2, 10, 100)


def record_steps(n_steps: int, tail_fraction: float) -> np.ndarray:
    """Flow steps at which states are measured: 0–10, log-spaced after, 8 in the tail.

    Returns
    -------
    numpy.ndarray of shape (n_record,), int, increasing, from 0 to ``n_steps``
    """
    steps = set(range(0, min(10, n_steps) + 1))
    if n_steps > 10:
        steps |= {int(s) for s in np.round(np.geomspace(10, n_steps, 25))}
    tail_start = tail_begin(n_steps, tail_fraction)
    steps |= {int(s) for s in np.round(np.linspace(tail_start, n_steps, 8))}
    steps |= {int(s) for s in HISTOGRAM_STEPS if s <= n_steps}
    return np.array(sorted(steps), dtype=np.int64)


def tail_begin(n_steps: int, tail_fraction: float) -> int:
    """First step of the tail over which T* is averaged."""
    return math.ceil((1.0 - tail_fraction) * n_steps - 1e-9)


def flow_states(
    rbm, spins: np.ndarray, steps: np.ndarray, update: str, seed: int
) -> Iterator[tuple[int, np.ndarray, np.ndarray]]:
    """Iterate an RBM from ±1 configurations and yield the states at the recorded steps.

    Parameters
    ----------
    rbm : deeprg.RBM
        Spin or binary units (the flow runs in the RBM's units).
    spins : array of shape (n, N), ±1
        Starting configurations (step 0).
    steps : array of int
        Steps to yield, increasing (0 yields the start).
    update : {"mean-field", "sampled"}
        Mean-field: v ← E[v | h = E[h | v]] (deterministic, continuous means).
        Sampled: h ~ p(h | v), v ~ p(v | h) (one block-Gibbs sweep).
    seed : int
        Seeds the sampled updates and the spins drawn from mean-field means.

    Yields
    ------
    step : int
    inputs : numpy.ndarray of shape (n, N), float32
        What the thermometer reads, as spin values: the visible means (mean-field, in
        [−1, 1]) or the sampled spins.
    spins : numpy.ndarray of shape (n, N), float32
        ±1 spins for the observables: the sampled states, or for mean-field flows one draw
        s_i = ±1 with P(+1) = (1 + μ_i)/2 (not fed back into the flow).
    """
    import torch

    from ..rbm import functional as F

    if update not in UPDATES:
        raise InputError(f"update must be one of {UPDATES}, got {update!r}")
    units = rbm.units
    device = torch.device(rbm.device if hasattr(rbm, "device") else "cpu")
    w = torch.as_tensor(np.asarray(rbm.weights_, dtype=np.float32), device=device)
    a = torch.as_tensor(np.asarray(rbm.visible_bias_, dtype=np.float32), device=device)
    b = torch.as_tensor(np.asarray(rbm.hidden_bias_, dtype=np.float32), device=device)
    gen = torch.Generator(device=device)
    gen.manual_seed(int(seed))
    s0 = torch.as_tensor(np.asarray(spins, dtype=np.float32), device=device)
    v = s0 if units == "spin" else (s0 + 1.0) / 2.0

    def as_spin(x: torch.Tensor) -> torch.Tensor:
        return x if units == "spin" else 2.0 * x - 1.0

    wanted = [int(s) for s in steps]
    last = max(wanted) if wanted else 0
    for step in range(last + 1):
        if step > 0:
            if update == "mean-field":
                h = F.unit_mean(torch.addmm(b, v, w), units)
                v = F.unit_mean(torch.addmm(a, h, w.T), units)
            else:
                h = F.sample_from_mean(F.unit_mean(torch.addmm(b, v, w), units), units, gen)
                v = F.sample_from_mean(F.unit_mean(torch.addmm(a, h, w.T), units), units, gen)
        if step in wanted:
            inputs = as_spin(v)
            if update == "mean-field":
                mean = inputs.clamp(-1.0, 1.0)
                draw = F.sample_from_mean(mean, "spin", gen)
            else:
                draw = inputs
            yield step, inputs.clamp(-1.0, 1.0).cpu().numpy(), draw.cpu().numpy()


def exact_energy_curve(size: int) -> tuple[np.ndarray, np.ndarray]:
    """Kaufman's e(T) of the L×L torus on a fine grid, for inverting energies to T.

    Returns
    -------
    temperatures, energies : arrays of shape (n,)
        T from 0.05 to 1000 and e(T) in units of J (increasing in T).
    """
    temps = np.geomspace(0.05, 1000.0, 600)
    energies = np.array([exact.torus(size, 1.0 / t).energy_per_spin_in_units_of_j for t in temps])
    return temps, np.maximum.accumulate(energies)


def energy_temperature(energy: np.ndarray, curve: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
    """T_E: the temperature whose exact energy per spin is ``energy``.

    Parameters
    ----------
    energy : array_like, any shape
        Energies per spin in units of J.
    curve : tuple of arrays
        :func:`exact_energy_curve` of the lattice.

    Returns
    -------
    numpy.ndarray of ``energy``'s shape
        T_E, clipped to 0.05 below the curve and ``inf`` above e(T = 1000).
    """
    temps, energies = curve
    e = np.asarray(energy, dtype=np.float64)
    out = np.interp(e, energies, temps)
    return np.where(e > energies[-1], np.inf, out)


#: Quantities :func:`measure_flow` returns per recorded step and group.
FLOW_QUANTITIES = (
    "reading",
    "reading_spins",
    "energy",
    "energy_stderr",
    "abs_magnetization",
    "magnetization_squared",
    "susceptibility",
    "energy_ref",
    "abs_magnetization_ref",
    "magnetization_squared_ref",
    "susceptibility_ref",
    "energy_temperature",
)


def measure_flow(
    rbm,
    thermometer,
    start_spins: np.ndarray,
    steps: np.ndarray,
    update: str,
    seed: int,
    references: dict,
    curve: tuple[np.ndarray, np.ndarray],
) -> dict:
    """Run one flow and measure it at every recorded step.

    Parameters
    ----------
    rbm : deeprg.RBM
    thermometer : deeprg.thermometer.Thermometer
    start_spins : array of shape (K_start, S, L, L), ±1
        S starting configurations for each of the K_start starting temperatures.
    steps : array of int
        Recorded steps.
    update : {"mean-field", "sampled"}
    seed : int
    references : dict
        Per grid class k (arrays of shape (K,)): ``energy`` (exact, units of J),
        ``abs_magnetization`` and ``magnetization_squared`` (Monte Carlo).
    curve : tuple
        :func:`exact_energy_curve` of this lattice.

    Returns
    -------
    dict of arrays
        ``steps`` (R,); every name of :data:`FLOW_QUANTITIES` with shape (R, K_start + 1),
        the last column pooled over all starts; ``histogram`` (R, K): the thermometer's
        class probabilities summed over all flowed configurations (normalised).
        References are at the thermometer's reading: each configuration's class
        probabilities mix the per-class values (χ_ref from the mixed moments).
    """
    k_start, n_start = start_spins.shape[:2]
    size = start_spins.shape[-1]
    n_sites = size * size
    flat = start_spins.reshape(k_start * n_start, n_sites)
    temps = thermometer.temperatures
    out = {name: np.empty((len(steps), k_start + 1)) for name in FLOW_QUANTITIES}
    out["histogram"] = np.empty((len(steps), len(temps)))
    from ..thermometer import bond_sums

    for row, (_step, inputs, spins) in enumerate(flow_states(rbm, flat, steps, update, seed)):
        p = thermometer.predict_proba(inputs)
        p_spins = thermometer.predict_proba(spins) if update == "mean-field" else p
        energy = -bond_sums(spins, size) / n_sites
        m = spins.mean(axis=1, dtype=np.float64)
        per = {
            "reading": p @ temps,
            "reading_spins": p_spins @ temps,
            "energy": energy,
            "abs_magnetization": np.abs(m),
            "magnetization_squared": m * m,
            "energy_ref": p @ references["energy"],
            "abs_magnetization_ref": p @ references["abs_magnetization"],
            "magnetization_squared_ref": p @ references["magnetization_squared"],
        }
        grouped = {
            name: np.concatenate([values.reshape(k_start, n_start).mean(axis=1), [values.mean()]])
            for name, values in per.items()
        }
        for name, values in grouped.items():
            out[name][row] = values
        energy_std = (
            np.concatenate(
                [
                    energy.reshape(k_start, n_start).std(axis=1, ddof=1) / np.sqrt(n_start),
                    [energy.std(ddof=1) / np.sqrt(len(energy))],
                ]
            )
            if n_start > 1
            else np.full(k_start + 1, np.nan)
        )
        out["energy_stderr"][row] = energy_std
        out["susceptibility"][row] = n_sites * (
            grouped["magnetization_squared"] - grouped["abs_magnetization"] ** 2
        )
        out["susceptibility_ref"][row] = n_sites * (
            grouped["magnetization_squared_ref"] - grouped["abs_magnetization_ref"] ** 2
        )
        out["energy_temperature"][row] = energy_temperature(grouped["energy"], curve)
        out["histogram"][row] = p.mean(axis=0)
    out["steps"] = np.asarray(steps)
    return out


def flow_stage(
    settings: IsoFlowSettings,
    rbms: dict,
    thermometer,
    test: dict,
    references: dict,
    out: Path,
    progress: bool,
    log: Callable,
) -> dict[tuple[int, int, str], dict]:
    """Both flows of every RBM, reused from ``flows/nh{N}-seed{i}-{update}.npz``."""
    folder = out / "flows"
    folder.mkdir(exist_ok=True)
    steps = record_steps(settings.flow_steps, settings.tail_fraction)
    starts = test["spins"][:, : settings.flow_starts]
    curve = exact_energy_curve(settings.size)
    flow_seed = int(stage_seeds(settings)[SEED_FLOW])
    store = NpzStore()
    results = {}
    jobs = [(nh, i, update) for (nh, i) in rbms for update in UPDATES]
    log(
        f"flows: {len(jobs)} flows × {starts.shape[0] * starts.shape[1]} chains × {settings.flow_steps} steps"
    )
    with progress_bar(progress, total=len(jobs), desc="flows", unit=" flows") as bar:
        for nh, i, update in jobs:
            key = settings.key(*FLOW_SETTINGS, extra=f"{nh}:{i}:{update}")
            path = folder / f"nh{nh}-seed{i}-{update}.npz"

            def measure(nh=nh, i=i, update=update):
                # a seed of its own per (N_h, RBM seed, update): independent of the other
                # flows run, so a cached flow equals a fresh one
                seed = int(
                    child_seeds(
                        np.random.default_rng([flow_seed, nh, i, UPDATES.index(update)]), 1
                    )[0]
                )
                return measure_flow(
                    rbms[(nh, i)], thermometer, starts, steps, update, seed, references, curve
                )

            record = compute_or_load(store, path, key, measure)
            results[(nh, i, update)] = record
            bar.update(1)
    return results


def flow_references(train: dict) -> dict:
    """Per-class reference values at the grid temperatures (arrays of shape (K,))."""
    temps = train["temperatures"]
    size = train["spins"].shape[-1]
    spins = train["spins"].reshape(len(temps), train["spins"].shape[1], -1).astype(np.float64)
    m = spins.mean(axis=2)
    return {
        "energy": np.array(
            [exact.torus(size, 1.0 / t).energy_per_spin_in_units_of_j for t in temps]
        ),
        "abs_magnetization": np.abs(m).mean(axis=1),
        "magnetization_squared": (m * m).mean(axis=1),
    }
