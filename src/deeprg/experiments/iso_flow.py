"""``deeprg reproduce iso-flow``: RBM flows read by a thermometer, checked by exact physics.

Iso, Shiba & Yokoo, Phys. Rev. E 97, 053304 (2018) train an RBM without labels on Ising
configurations of many temperatures, iterate it, v → p(h|v) → v′ → …, and read the
temperature of the flowed configurations with a supervised neural-network thermometer: the
readings flow towards T_c. Veiga & Vicente (arXiv:2006.10176) found that the end point
depends on the number of hidden units. Stages (each reused on a rerun into the same folder
when its settings key matches; every file written atomically), each in a module of its own:

1. samples     (:mod:`.iso_flow_samples`) — Wolff samples of the L×L torus at every grid temperature, a training and an
   independent test set (``samples_train.h5``, ``samples_test.h5``), each temperature's
   E/N and C/N checked against Kaufman's exact torus with z-scores from the measured τ;
2. thermometer (:mod:`.iso_flow_thermometer`) — an MLP classifier (:mod:`deeprg.thermometer`) trained on the training set,
   scored on the test set beside the exact Bayes posterior (the accuracy ceiling) and a
   copy trained on shuffled labels (the chance control) (``thermometer*.pt``);
3. rbms        (:mod:`.iso_flow_rbms`) — spin-unit RBMs (by default) for every hidden size and seed, trained on the
   training set pooled over temperatures, without labels (``rbms/*.h5``);
4. flows       (:mod:`.iso_flow_flows`, end points in :mod:`.iso_flow_end_points`) — from test configurations of every temperature, mean-field flows
   (v ← E[v | E[h | v]], the visible means fed to the thermometer as in Iso et al.) and
   sampled flows (one block-Gibbs sweep per step); at recorded steps the thermometer's
   distribution, and E/N, |m|, χ of the flowed spins beside their values at the
   thermometer's reading (``flows/*.npz``);
5. outputs     (verdicts in :mod:`.iso_flow_verdicts`) — figures, ``metrics.json`` (its ``flow`` object is read by tests outside the
   package) and a self-contained ``report.html``.

Conventions (docs/iso-flow.md): T = 1/J in units of J/k_B; energies per spin in units of
J, e = −⟨Σ_⟨ij⟩ s_i s_j⟩/N; C/N = Var(H)/N; χ = N(⟨m²⟩ − ⟨|m|⟩²) (deeprg's χ, β absorbed).
Exact finite-torus references exist for e and C (Kaufman); deeprg has no exact |m| or χ of
the 10×10 torus (enumeration stops at 20 spins), so those references are this run's Monte
Carlo values at the grid temperatures, and are labelled so.
"""

from __future__ import annotations

import contextlib
import math
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np

from .. import __version__, exact
from ..errors import InputError
from .iso_flow_end_points import (  # noqa: F401 (former names)
    _seed_end_point,
    curve_json,
    fixed_points,
    seed_curves,
)
from .iso_flow_flows import (
    FLOW_QUANTITIES,
    HISTOGRAM_STEPS,
    UPDATES,
    energy_temperature,
    exact_energy_curve,
    flow_references,
    flow_stage,
    flow_states,
    measure_flow,
    record_steps,
    tail_begin,
)
from .iso_flow_rbms import rbm_stage
from .iso_flow_samples import data_checks, sample_stage
from .iso_flow_settings import (
    CHOICES,
    RBM_SETTINGS,
    SEED_SHUFFLED,
    T_CRITICAL,
    IsoFlowSettings,
    stage_seeds,
)
from .iso_flow_thermometer import thermometer_scores, thermometer_stage
from .iso_flow_verdicts import verdicts
from .output import locked_output_dir, stderr_log, write_json

__all__ = [
    "FLOW_QUANTITIES",
    "HISTOGRAM_STEPS",
    "UPDATES",
    "data_checks",
    "energy_temperature",
    "exact_energy_curve",
    "figure_stage",
    "fixed_points",
    "flow_stage",
    "flow_states",
    "measure_flow",
    "rbm_stage",
    "record_steps",
    "run",
    "sample_stage",
    "tail_begin",
    "thermometer_scores",
    "thermometer_stage",
    "validate",
    "verdicts",
]

#: Former private names of functions now in the stage modules, kept importable from here.
_curves, _curve_json, _references = seed_curves, curve_json, flow_references


@contextlib.contextmanager
def _torch_threads(n_threads: int | None) -> Iterator[None]:
    """Run a block with ``n_threads`` torch threads (None: unchanged), then restore."""
    if n_threads is None:
        yield
        return
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(int(n_threads))
    try:
        yield
    finally:
        torch.set_num_threads(before)


def validate(settings: IsoFlowSettings, device: str = "cpu", threads: int | None = None) -> None:
    """Refuse bad settings before any work.

    Parameters
    ----------
    settings : IsoFlowSettings
    device : str
        "cpu" or "cuda[:N]".
    threads : int or None
        Torch threads (>= 1) or None.

    Raises
    ------
    InputError
        One line naming the bad setting and the fix.
    """
    from ..mc.sampler import ALGORITHMS
    from ..rbm import DBN, rbm_kwargs

    def positive_int(name: str, minimum: int = 1) -> None:
        value = getattr(settings, name)
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
            raise InputError(f"{name} must be an integer >= {minimum}, got {value!r}")

    def positive_float(name: str, allow_zero: bool = False) -> None:
        value = getattr(settings, name)
        ok = isinstance(value, (int, float)) and not isinstance(value, bool)
        ok = ok and math.isfinite(value) and (value >= 0 if allow_zero else value > 0)
        if not ok:
            bound = ">= 0" if allow_zero else "> 0"
            raise InputError(f"{name} must be a finite number {bound}, got {value!r}")

    positive_int("size", 2)
    temps = settings.temperatures
    if not temps or any(
        isinstance(t, bool) or not isinstance(t, (int, float)) or not math.isfinite(t) or t <= 0
        for t in temps
    ):
        raise InputError(f"temperatures must be finite numbers > 0, got {list(temps)}")
    grid = settings.grid()
    if len(grid) < 3 or len(set(np.round(grid, 12))) != len(grid):
        raise InputError(
            f"give at least 3 distinct temperatures (with T_c), got {[round(t, 6) for t in grid]}"
        )
    if grid.max() > 300.0 or 1.0 / grid.min() > 300.0:
        raise InputError("temperatures must lie in [1/300, 300] (the exact torus's range)")
    if settings.algorithm not in ALGORITHMS:
        raise InputError(f"unknown algorithm {settings.algorithm!r}; use one of {list(ALGORITHMS)}")
    for name in ("n_train", "n_test"):
        positive_int(name, 2)
    for name in ("thermometer_hidden", "thermometer_epochs", "thermometer_batch_size"):
        positive_int(name)
    positive_float("thermometer_lr")
    positive_float("thermometer_weight_decay", allow_zero=True)
    if not settings.hidden_sizes or any(
        isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1
        for n in settings.hidden_sizes
    ):
        raise InputError(
            f"hidden_sizes must be positive sizes like 16,100,400, got {list(settings.hidden_sizes)}"
        )
    if len(set(settings.hidden_sizes)) != len(settings.hidden_sizes):
        raise InputError(f"hidden_sizes must be distinct, got {list(settings.hidden_sizes)}")
    positive_int("rbm_seeds", 2)  # an error bar needs two seeds
    positive_int("flow_starts")
    if settings.flow_starts > settings.n_test:
        raise InputError(
            f"flow_starts ({settings.flow_starts}) must be at most n_test ({settings.n_test})"
        )
    positive_int("flow_steps")
    if not (0 < settings.tail_fraction <= 1):
        raise InputError(f"tail_fraction must lie in (0, 1], got {settings.tail_fraction}")
    positive_float("convergence_tolerance")
    if settings.units not in ("spin", "binary"):
        raise InputError(f"units must be 'spin' or 'binary', got {settings.units!r}")
    n_pooled = settings.n_train * len(grid)
    if settings.batch_size > n_pooled:
        raise InputError(
            f"batch_size ({settings.batch_size}) must be at most the pooled training set ({n_pooled})"
        )
    if threads is not None and (isinstance(threads, bool) or threads < 1):
        raise InputError(f"threads must be >= 1, got {threads}")
    if not isinstance(device, str) or not (device == "cpu" or device.startswith("cuda")):
        raise InputError(f"unknown device {device!r}; use cpu or cuda")
    DBN(
        layers=tuple(int(n) for n in settings.hidden_sizes),
        **rbm_kwargs(settings, RBM_SETTINGS),
        device=device,
    ).check_params()


def figure_stage(
    settings: IsoFlowSettings,
    out: Path,
    checks: list[dict],
    thermo: dict,
    points: dict[str, list[dict]],
    curves: dict,
    singular: dict,
) -> dict[str, Path]:
    """Write every PNG figure; returns name -> path."""
    from ..plots import iso_flow as figs

    grid = settings.grid()
    curve_t = np.geomspace(grid.min() * 0.8, grid.max() * 1.1, 200)
    exact_rows = [exact.torus(settings.size, 1.0 / t) for t in curve_t]
    exact_curves = {
        "temperature": curve_t,
        "energy": np.array([r.energy_per_spin_in_units_of_j for r in exact_rows]),
        "heat_capacity": np.array([r.heat_capacity_per_spin for r in exact_rows]),
    }
    shown = [s for s in HISTOGRAM_STEPS if s <= settings.flow_steps]
    if settings.flow_steps not in shown:
        shown.append(settings.flow_steps)
    return {
        "flow_temperature": figs.plot_flow_temperatures(
            curves, grid, T_CRITICAL, out / "flow_temperature.png"
        ),
        "flow_histograms": figs.plot_flow_histograms(
            curves, grid, shown, T_CRITICAL, out / "flow_histograms.png"
        ),
        "fixed_points": figs.plot_fixed_points(
            points, T_CRITICAL, settings.size**2, out / "fixed_points.png"
        ),
        "flow_observables": figs.plot_flow_observables(curves, out / "flow_observables.png"),
        "singular_values": figs.plot_singular_values(
            singular, settings.size**2, out / "singular_values.png"
        ),
        "thermometer": figs.plot_thermometer(thermo, grid, T_CRITICAL, out / "thermometer.png"),
        "data_checks": figs.plot_data_checks(
            checks, exact_curves, T_CRITICAL, out / "data_checks.png"
        ),
    }


def run(
    settings: IsoFlowSettings,
    out_dir: str | Path,
    preset: str = "custom",
    device: str = "cpu",
    progress: bool = True,
    threads: int | None = 1,
    log: Callable[[str], None] | None = None,
) -> dict:
    """Run the iso-flow reproduction into ``out_dir`` and return ``metrics.json``'s contents.

    Parameters
    ----------
    settings : IsoFlowSettings
        All settings (see :data:`deeprg.experiments.iso_flow_settings.PRESETS`).
    out_dir : path-like
        Output directory (created if missing; finished stages in it are reused).
    preset : str
        Name recorded in the outputs.
    device : str
        "cpu" or "cuda" for the thermometer, the RBMs and the flows.
    progress : bool
        Show progress bars on stderr.
    threads : int or None, default 1
        Torch threads while this runs (restored after; None leaves torch's setting). One
        thread is the robust choice on shared machines, where more can be many times
        slower; the Monte Carlo kernels use their own threads.
    log : callable, optional
        Receives one-line stage messages (default: print to stderr).
    """
    log = log or stderr_log
    validate(settings, device, threads)
    with locked_output_dir(out_dir, "reproduce iso-flow") as out, _torch_threads(threads):
        return _run_locked(settings, out, preset, device, progress, log)


def _run_locked(
    settings: IsoFlowSettings,
    out: Path,
    preset: str,
    device: str,
    progress: bool,
    log: Callable[[str], None],
) -> dict:
    from .iso_flow_report import write_report

    started = time.perf_counter()
    timings = {}
    t0 = time.perf_counter()
    train = sample_stage(settings, "train", out, progress, log)
    test = sample_stage(settings, "test", out, progress, log)
    checks = data_checks(train, "train") + data_checks(test, "test")
    timings["samples_s"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    thermometer, shuffled = thermometer_stage(settings, train, out, device, progress, log)
    thermo = thermometer_scores(
        thermometer, shuffled, test, int(stage_seeds(settings)[SEED_SHUFFLED])
    )
    timings["thermometer_s"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    rbms = rbm_stage(settings, train, out, device, progress, log)
    timings["rbms_s"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    references = flow_references(train)
    flows = flow_stage(settings, rbms, thermometer, test, references, out, progress, log)
    points = {update: fixed_points(settings, flows, update) for update in UPDATES}
    curves = {
        update: {
            int(nh): seed_curves(settings, flows, update, int(nh)) for nh in settings.hidden_sizes
        }
        for update in UPDATES
    }
    timings["flows_s"] = time.perf_counter() - t0

    singular = {
        int(nh): [
            np.linalg.svd(
                np.asarray(rbms[(int(nh), i)].weights_, dtype=np.float64), compute_uv=False
            )
            for i in range(settings.rbm_seeds)
        ]
        for nh in settings.hidden_sizes
    }
    histories = {f"{nh}:{i}": getattr(rbm, "history_", {}) for (nh, i), rbm in rbms.items()}

    t0 = time.perf_counter()
    figures = figure_stage(settings, out, checks, thermo, points, curves, singular)
    timings["figures_s"] = time.perf_counter() - t0
    timings["total_s"] = time.perf_counter() - started

    grid = settings.grid()
    flow = {
        "critical_temperature": T_CRITICAL,
        "update": "mean-field",
        "fixed_points": points["mean-field"],
        "fixed_points_sampled": points["sampled"],
        "definition": (
            f"T* = the thermometer's mean reading Σ_k p_k T_k over all flowed configurations "
            f"(pooled over starting temperatures), averaged over the recorded steps "
            f"n ≥ {tail_begin(settings.flow_steps, settings.tail_fraction)} (the last "
            f"{settings.tail_fraction:.0%} of {settings.flow_steps}); stderr = standard error "
            f"over {settings.rbm_seeds} RBM seeds; steps = first recorded step from which "
            f"every starting temperature's mean reading stays within "
            f"{settings.convergence_tolerance} of T*, counted only when that holds over the "
            f"whole averaging window (mean over converged seeds; null if none)"
        ),
        "thermometer": {
            key: thermo[key]
            for key in (
                "architecture",
                "test_accuracy",
                "chance_accuracy",
                "shuffled_label_accuracy",
                "shuffled_label_binomial_stderr",
                "shuffled_label_permutation_stderr",
                "bayes_accuracy",
                "within_one_class",
                "mean_absolute_error",
                "bayes_mean_absolute_error",
                "n_test",
                "near_critical",
            )
        },
        "temperatures": grid.tolist(),
        "curves": {
            update: {str(nh): curve_json(c) for nh, c in per.items()}
            for update, per in curves.items()
        },
        "singular_values": {
            str(nh): [values.tolist() for values in per] for nh, per in singular.items()
        },
        "references": {name: values.tolist() for name, values in references.items()},
        "reference_sources": {
            "energy": f"exact, Kaufman {settings.size}×{settings.size} torus",
            "abs_magnetization": "Monte Carlo (this run's training set; no exact finite-L |m|)",
            "magnetization_squared": "Monte Carlo (this run's training set)",
            "susceptibility": "from the Monte Carlo moments mixed by the thermometer's probabilities",
        },
    }
    result = {
        "deeprg_version": __version__,
        "experiment": "iso-flow",
        "paper": "S. Iso, S. Shiba & S. Yokoo, Phys. Rev. E 97, 053304 (2018); "
        "G. Veiga & R. Vicente, arXiv:2006.10176",
        "preset": preset,
        "device": device,
        "settings": settings.as_dict(),
        "choices": CHOICES,
        "run_time": timings,
        "data_checks": checks,
        "samples": {
            which: {
                "tau_energy": data["tau_energy"].tolist(),
                "tau_abs_magnetization": data["tau_abs_magnetization"].tolist(),
                "burn_in": data["burn_in"].tolist(),
                "thin": data["thin"].tolist(),
            }
            for which, data in (("train", train), ("test", test))
        },
        "thermometer": thermo,
        "flow": flow,
        "rbm_histories": histories,
        "verdicts": verdicts(settings, checks, thermo, points),
        "figures": {name: path.name for name, path in figures.items()},
    }
    write_json(result, out / "metrics.json", indent=1)
    write_report(result, figures, out / "report.html")
    log(f"done in {timings['total_s']:.1f} s: {out / 'report.html'}")
    return result
