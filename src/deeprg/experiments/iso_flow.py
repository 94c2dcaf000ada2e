"""``deeprg reproduce iso-flow``: RBM flows read by a thermometer, checked by exact physics.

Iso, Shiba & Yokoo, Phys. Rev. E 97, 053304 (2018) train an RBM without labels on Ising
configurations of many temperatures, iterate it, v → p(h|v) → v′ → …, and read the
temperature of the flowed configurations with a supervised neural-network thermometer: the
readings flow towards T_c. Veiga & Vicente (arXiv:2006.10176) found that the end point
depends on the number of hidden units. Stages (each reused on a rerun into the same folder
when its settings key matches; every file written atomically):

1. samples     — Wolff samples of the L×L torus at every grid temperature, a training and an
   independent test set (``samples_train.h5``, ``samples_test.h5``), each temperature's
   E/N and C/N checked against Kaufman's exact torus with z-scores from the measured τ;
2. thermometer — an MLP classifier (:mod:`deeprg.thermometer`) trained on the training set,
   scored on the test set beside the exact Bayes posterior (the accuracy ceiling) and a
   copy trained on shuffled labels (the chance control) (``thermometer*.pt``);
3. rbms        — spin-unit RBMs (by default) for every hidden size and seed, trained on the
   training set pooled over temperatures, without labels (``rbms/*.h5``);
4. flows       — from test configurations of every temperature, mean-field flows
   (v ← E[v | E[h | v]], the visible means fed to the thermometer as in Iso et al.) and
   sampled flows (one block-Gibbs sweep per step); at recorded steps the thermometer's
   distribution, and E/N, |m|, χ of the flowed spins beside their values at the
   thermometer's reading (``flows/*.npz``);
5. outputs     — figures, ``metrics.json`` (its ``flow`` object is read by tests outside the
   package) and a self-contained ``report.html``.

Conventions (docs/iso-flow.md): T = 1/J in units of J/k_B; energies per spin in units of
J, e = −⟨Σ_⟨ij⟩ s_i s_j⟩/N; C/N = Var(H)/N; χ = N(⟨m²⟩ − ⟨|m|⟩²) (deeprg's χ, β absorbed).
Exact finite-torus references exist for e and C (Kaufman); deeprg has no exact |m| or χ of
the 10×10 torus (enumeration stops at 20 spins), so those references are this run's Monte
Carlo values at the grid temperatures, and are labelled so.
"""

from __future__ import annotations

import contextlib
import json
import math
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np

from .. import __version__, exact, io
from .._json import jsonable
from .._random import child_seeds
from ..errors import InputError
from ..locking import output_lock
from .iso_flow_settings import (
    CHOICES,
    FLOW_SETTINGS,
    RBM_SETTINGS,
    SAMPLE_SETTINGS,
    T_CRITICAL,
    THERMOMETER_SETTINGS,
    TRAINING_SETTINGS,
    IsoFlowSettings,
)

__all__ = [
    "FLOW_QUANTITIES",
    "UPDATES",
    "data_checks",
    "energy_temperature",
    "exact_energy_curve",
    "fixed_points",
    "flow_states",
    "measure_flow",
    "record_steps",
    "run",
    "validate",
]

#: The two flow updates, in report order.
UPDATES = ("mean-field", "sampled")
# Child seeds of the master seed, one per stage (fixed order: never reorder).
_SEED_TRAIN, _SEED_TEST, _SEED_THERMO, _SEED_SHUFFLED, _SEED_RBM, _SEED_FLOW = range(6)
_SAMPLES_FORMAT = "deeprg-iso-flow-samples"
#: Steps after which the histograms of readings are shown.
HISTOGRAM_STEPS = (0, 1, 2, 10, 100)


def _stage_seeds(settings: IsoFlowSettings) -> np.ndarray:
    return child_seeds(settings.seed, 6)


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


def _progress_bar(progress: bool, **kwargs):
    if progress:
        from tqdm.auto import tqdm

        return tqdm(file=sys.stderr, dynamic_ncols=True, **kwargs)
    return _NoBar(**kwargs)


class _NoBar:
    def __init__(self, iterable=None, **kwargs) -> None:
        self.iterable = iterable

    def __iter__(self):
        return iter(self.iterable)

    def __enter__(self) -> _NoBar:
        return self

    def __exit__(self, *exc) -> None:
        return None

    def update(self, n: int = 1) -> None:
        return None


# ----------------------------------------------------------------------------- validation


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
    from ..rbm import DBN

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
        **{name: getattr(settings, name) for name in RBM_SETTINGS},
        device=device,
    ).check_params()


# ----------------------------------------------------------------------------- stage 1


def _load_samples(path: Path, key: str) -> dict | None:
    import h5py

    if not path.exists():
        return None
    try:
        with h5py.File(path, "r") as f:
            if f.attrs.get("format") != _SAMPLES_FORMAT or f.attrs.get("settings_key") != key:
                return None
            return {name: f[name][()] for name in f}
    except (OSError, KeyError):
        return None


def sample_stage(
    settings: IsoFlowSettings, which: str, out: Path, progress: bool, log: Callable
) -> dict:
    """Wolff samples at every grid temperature, reused from ``samples_{which}.h5``.

    Returns
    -------
    dict
        ``temperatures`` (K,), ``spins`` (K, n, L, L) int8, ``tau_energy`` and
        ``tau_abs_magnetization`` (K,) in saved samples, ``burn_in`` and ``thin`` (K,).
    """
    import h5py

    from ..mc import sample
    from ..models import IsingSquare

    n = settings.n_train if which == "train" else settings.n_test
    key = settings.key(*SAMPLE_SETTINGS, extra=f"{which}:{n}")
    path = out / f"samples_{which}.h5"
    cached = _load_samples(path, key)
    if cached is not None:
        log(f"samples: reusing {path.name}")
        return cached
    grid = settings.grid()
    stage = _SEED_TRAIN if which == "train" else _SEED_TEST
    seeds = child_seeds(int(_stage_seeds(settings)[stage]), len(grid))
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
    bar = _progress_bar(progress, iterable=range(len(grid)), desc=f"samples {which}", unit=" T")
    for k in bar:
        result = sample(
            IsingSquare(size, 1.0 / grid[k]), n, algorithm=settings.algorithm, seed=int(seeds[k])
        )
        data["spins"][k] = result.spins
        data["tau_energy"][k] = result.tau_energy
        data["tau_abs_magnetization"][k] = result.tau_abs_magnetization
        data["burn_in"][k] = result.burn_in
        data["thin"][k] = result.thin
    with io.atomic_write(path, overwrite=True) as tmp, h5py.File(tmp, "w") as f:
        for name, value in data.items():
            f.create_dataset(name, data=value)
        f.attrs["format"] = _SAMPLES_FORMAT
        f.attrs["settings_key"] = key
        f.attrs["deeprg_version"] = __version__
    return data


def _finite_tau(tau: float) -> float:
    return float(tau) if np.isfinite(tau) and tau >= 0.5 else 0.5


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
        tau_e = _finite_tau(samples["tau_energy"][k])
        tau_m = _finite_tau(samples["tau_abs_magnetization"][k])
        tau = {
            "energy_per_spin": tau_e,
            "abs_magnetization": tau_m,
            "magnetization_squared": tau_m,
            "susceptibility": max(tau_e, tau_m),
            "heat_capacity": max(tau_e, tau_m),
        }
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


# ----------------------------------------------------------------------------- stage 2


def _labelled(samples: dict) -> tuple[np.ndarray, np.ndarray]:
    """Configurations (K·n, L, L) and their class labels (K·n,)."""
    spins = samples["spins"]
    k, n = spins.shape[:2]
    return spins.reshape(k * n, *spins.shape[2:]), np.repeat(np.arange(k), n)


def thermometer_stage(
    settings: IsoFlowSettings,
    train: dict,
    out: Path,
    device: str,
    progress: bool,
    log: Callable,
) -> tuple:
    """The thermometer and its shuffled-label control, reused from ``thermometer*.pt``."""
    from ..thermometer import load_thermometer, train_thermometer

    seeds = _stage_seeds(settings)
    spins, labels = _labelled(train)
    shuffled = np.random.default_rng(int(seeds[_SEED_SHUFFLED])).permutation(labels)
    models = []
    for name, y, seed in (
        ("thermometer", labels, seeds[_SEED_THERMO]),
        ("thermometer_shuffled", shuffled, seeds[_SEED_SHUFFLED]),
    ):
        key = settings.key(*THERMOMETER_SETTINGS, extra=name)
        path = out / f"{name}.pt"
        model = None
        if path.exists():
            try:
                candidate, meta = load_thermometer(path, device=device)
                if meta.get("settings_key") == key:
                    model = candidate
                    log(f"thermometer: reusing {path.name}")
            except InputError:
                model = None
        if model is None:
            log(f"thermometer: training {'the shuffled-label control' if y is shuffled else name}")
            model = train_thermometer(
                spins,
                y,
                train["temperatures"],
                hidden=settings.thermometer_hidden,
                epochs=settings.thermometer_epochs,
                learning_rate=settings.thermometer_lr,
                batch_size=settings.thermometer_batch_size,
                weight_decay=settings.thermometer_weight_decay,
                augment=settings.thermometer_augment,
                seed=int(seed),
                device=device,
                progress=progress,
                description=name.replace("_", " "),
            )
            model.save(path, metadata={"settings_key": key})
        models.append(model)
    return models[0], models[1]


def thermometer_scores(thermometer, shuffled, test: dict, seed: int) -> dict:
    """Test-set scores of the thermometer, the exact Bayes posterior and the shuffled control."""
    from ..thermometer import chance_spread, exact_posterior, score

    spins, labels = _labelled(test)
    temps = test["temperatures"]
    size = spins.shape[-1]
    nn = score(thermometer.predict_proba(spins), labels, temps)
    bayes = score(exact_posterior(spins, temps, size), labels, temps)
    control = score(shuffled.predict_proba(spins), labels, temps)
    spread = chance_spread(control.confusion, seed=seed)
    k_c = int(np.argmin(np.abs(temps - T_CRITICAL)))
    lo, hi = max(k_c - 2, 0), min(k_c + 3, len(temps))
    block = nn.confusion[lo:hi, lo:hi]
    row_c = nn.confusion[k_c]
    near = {
        "classes": [float(t) for t in temps[lo:hi]],
        "confusion": block.tolist(),
        "critical_class_accuracy": float(row_c[k_c] / max(row_c.sum(), 1)),
        "critical_class_within_one": float(
            row_c[max(k_c - 1, 0) : k_c + 2].sum() / max(row_c.sum(), 1)
        ),
        "critical_class_mean_reading": float(nn.mean_reading[k_c]),
        "bayes_critical_class_accuracy": float(
            bayes.confusion[k_c, k_c] / max(bayes.confusion[k_c].sum(), 1)
        ),
    }
    return {
        "architecture": f"MLP {size * size} → {thermometer.hidden} ReLU → {len(temps)}, "
        "spin-flip symmetrised logits, trained with random torus translations",
        "test_accuracy": nn.accuracy,
        "chance_accuracy": nn.chance,
        "shuffled_label_accuracy": control.accuracy,
        "shuffled_label_binomial_stderr": control.binomial_stderr,
        "shuffled_label_permutation_stderr": spread,
        "bayes_accuracy": bayes.accuracy,
        "within_one_class": nn.within_one,
        "bayes_within_one_class": bayes.within_one,
        "mean_absolute_error": nn.mean_absolute_error,
        "bayes_mean_absolute_error": bayes.mean_absolute_error,
        "shuffled_label_mean_absolute_error": control.mean_absolute_error,
        "mean_absolute_error_argmax": nn.mean_absolute_error_argmax,
        "n_test": nn.n,
        "near_critical": near,
        "classifier": nn.as_dict(),
        "bayes": bayes.as_dict(),
        "shuffled": control.as_dict(),
        "training_loss": list(thermometer.history.get("loss", [])),
        "shuffled_training_loss": list(shuffled.history.get("loss", [])),
    }


# ----------------------------------------------------------------------------- stage 3


def rbm_stage(
    settings: IsoFlowSettings, train: dict, out: Path, device: str, progress: bool, log: Callable
) -> dict[tuple[int, int], object]:
    """RBMs for every (hidden size, seed index), reused from ``rbms/nh{N}-seed{i}.h5``."""
    from ..rbm import RBM
    from ..rbm.units import convert_states

    folder = out / "rbms"
    folder.mkdir(exist_ok=True)
    spins = train["spins"]
    data = convert_states(
        spins.reshape(-1, spins.shape[-1] * spins.shape[-2]).astype(np.float32),
        "spin",
        settings.units,
    ).astype(np.float32)
    rbm_seed = int(_stage_seeds(settings)[_SEED_RBM])
    rbms = {}
    for n_hidden in settings.hidden_sizes:
        for index in range(settings.rbm_seeds):
            key = settings.key(*TRAINING_SETTINGS, extra=f"{n_hidden}:{index}")
            path = folder / f"nh{n_hidden}-seed{index}.h5"
            rbm = io.load_cached_rbm(path, key, device)
            if rbm is not None:
                log(f"rbms: reusing {path.name}")
            if rbm is None:
                log(f"rbms: N_h = {n_hidden}, seed {index}, {settings.epochs} epochs")
                rbm = RBM(
                    n_hidden=int(n_hidden),
                    **{name: getattr(settings, name) for name in RBM_SETTINGS},
                    # its own seed per (N_h, index): no shared streams between sizes
                    random_state=int(
                        child_seeds(np.random.default_rng([rbm_seed, int(n_hidden), index]), 1)[0]
                    ),
                    device=device,
                    verbose=progress,
                )
                rbm.fit(data)
                io.save_model(
                    rbm,
                    path,
                    overwrite=True,
                    metadata={
                        "settings_key": key,
                        "history": json.dumps(rbm.history_, default=float),
                    },
                )
            rbms[(int(n_hidden), index)] = rbm
    return rbms


# ----------------------------------------------------------------------------- stage 4


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
    flow_seed = int(_stage_seeds(settings)[_SEED_FLOW])
    results = {}
    jobs = [(nh, i, update) for (nh, i) in rbms for update in UPDATES]
    log(
        f"flows: {len(jobs)} flows × {starts.shape[0] * starts.shape[1]} chains × {settings.flow_steps} steps"
    )
    with _progress_bar(progress, total=len(jobs), desc="flows", unit=" flows") as bar:
        for nh, i, update in jobs:
            key = settings.key(*FLOW_SETTINGS, extra=f"{nh}:{i}:{update}")
            path = folder / f"nh{nh}-seed{i}-{update}.npz"
            record = None
            if path.exists():
                try:
                    with np.load(path) as f:
                        if str(f["settings_key"]) == key:
                            record = {name: f[name] for name in f.files if name != "settings_key"}
                except (OSError, KeyError, ValueError):
                    record = None
            if record is None:
                # a seed of its own per (N_h, RBM seed, update): independent of the other
                # flows run, so a cached flow equals a fresh one
                seed = int(
                    child_seeds(
                        np.random.default_rng([flow_seed, nh, i, UPDATES.index(update)]), 1
                    )[0]
                )
                record = measure_flow(
                    rbms[(nh, i)], thermometer, starts, steps, update, seed, references, curve
                )
                with io.atomic_write(path, overwrite=True) as tmp:
                    with open(tmp, "wb") as handle:
                        np.savez(handle, settings_key=np.array(key), **record)
            results[(nh, i, update)] = record
            bar.update(1)
    return results


# ----------------------------------------------------------------------------- summaries


def _seed_end_point(record: dict, settings: IsoFlowSettings) -> dict:
    """T*, convergence step and spread of one flow (one RBM seed)."""
    steps = record["steps"]
    reading = record["reading"]  # (R, K_start + 1)
    tail = steps >= tail_begin(settings.flow_steps, settings.tail_fraction)
    t_star = float(reading[tail, -1].mean())
    starts = reading[:, :-1]
    deviation = np.abs(starts - t_star).max(axis=1)  # worst starting temperature per step
    within = deviation <= settings.convergence_tolerance
    converged_step = None
    if within[-1]:
        bad = np.nonzero(~within)[0]
        converged_step = int(steps[bad[-1] + 1]) if len(bad) else int(steps[0])
        if converged_step > steps[tail][0]:  # not settled over the window T* averages
            converged_step = None
    return {
        "temperature": t_star,
        "steps": converged_step,
        "spread": float((starts[tail].max(axis=1) - starts[tail].min(axis=1)).mean()),
        "tail": {
            name: float(np.mean(record[name][tail, -1]))
            for name in FLOW_QUANTITIES
            if name != "energy_stderr"
        },
    }


def _mean_stderr(values: list[float]) -> tuple[float, float]:
    array = np.asarray(values, dtype=np.float64)
    finite = array[np.isfinite(array)]
    if len(finite) == 0:
        return float("nan"), float("nan")
    if len(finite) < 2:
        return float(finite.mean()), float("nan")
    return float(finite.mean()), float(finite.std(ddof=1) / np.sqrt(len(finite)))


def fixed_points(settings: IsoFlowSettings, flows: dict, update: str) -> list[dict]:
    """One end point per hidden size: T* ± standard error over RBM seeds, steps, physics.

    Parameters
    ----------
    settings : IsoFlowSettings
    flows : dict
        ``(n_hidden, seed index, update)`` -> :func:`measure_flow` record.
    update : {"mean-field", "sampled"}

    Returns
    -------
    list of dict, one per hidden size
        ``n_hidden``, ``temperature`` (T*), ``stderr``, ``steps`` (mean over converged
        seeds, None if none), per-seed values, the spread between starting temperatures and
        ``end_observables`` (tail averages of every :data:`FLOW_QUANTITIES`, pooled).
    """
    rows = []
    for n_hidden in settings.hidden_sizes:
        per_seed = [
            _seed_end_point(flows[(int(n_hidden), i, update)], settings)
            for i in range(settings.rbm_seeds)
        ]
        t_star, stderr = _mean_stderr([p["temperature"] for p in per_seed])
        converged = [p["steps"] for p in per_seed if p["steps"] is not None]
        steps_mean, steps_err = _mean_stderr(converged) if converged else (None, None)
        row = {
            "n_hidden": int(n_hidden),
            "update": update,
            "temperature": t_star,
            "stderr": stderr,
            "steps": steps_mean,
            "steps_stderr": steps_err,
            "converged_seeds": len(converged),
            "n_seeds": len(per_seed),
            "temperature_per_seed": [p["temperature"] for p in per_seed],
            "steps_per_seed": [p["steps"] for p in per_seed],
            "spread_between_starts": float(np.mean([p["spread"] for p in per_seed])),
            "deviation_from_tc": t_star - T_CRITICAL,
            "deviation_sigma": abs(t_star - T_CRITICAL) / stderr if stderr > 0 else None,
        }
        physics = {}
        for name in per_seed[0]["tail"]:
            physics[name], physics[f"{name}_stderr"] = _mean_stderr(
                [p["tail"][name] for p in per_seed]
            )
        row["end_observables"] = physics
        rows.append(row)
    return rows


def _curves(settings: IsoFlowSettings, flows: dict, update: str, n_hidden: int) -> dict:
    """Seed-averaged per-step curves of one hidden size (for figures and metrics.json)."""
    records = [flows[(n_hidden, i, update)] for i in range(settings.rbm_seeds)]
    out = {"steps": records[0]["steps"].tolist()}
    for name in (*FLOW_QUANTITIES, "histogram"):
        stack = np.stack([r[name] for r in records])
        out[name] = stack.mean(axis=0)
    return out


def _curve_json(curve: dict) -> dict:
    """A seed-averaged curve for metrics.json: readings per starting temperature (last
    column pooled), the pooled histogram, and every other quantity pooled only."""
    out = {
        "steps": list(curve["steps"]),
        "reading": np.asarray(curve["reading"]).tolist(),
        "histogram": np.asarray(curve["histogram"]).tolist(),
    }
    for name in FLOW_QUANTITIES:
        if name != "reading":
            out[f"{name}_pooled"] = np.asarray(curve[name])[:, -1].tolist()
    return out


def _energy_check(point: dict, tol: float) -> tuple[bool, str]:
    te = point["end_observables"]["energy_temperature"]
    t = point["temperature"]
    return bool(np.isfinite(te) and abs(te - t) <= tol), f"T_E = {te:.3f}, T* = {t:.3f}"


def _magnetisation_check(point: dict, tol: float) -> tuple[bool, str]:
    obs = point["end_observables"]
    value, ref = obs["abs_magnetization"], obs["abs_magnetization_ref"]
    return bool(abs(value - ref) <= 0.1 * ref), f"|m| = {value:.3f} vs {ref:.3f}"


def _susceptibility_check(point: dict, tol: float) -> tuple[bool, str]:
    obs = point["end_observables"]
    value, ref = obs["susceptibility"], obs["susceptibility_ref"]
    return bool(abs(value - ref) <= 0.25 * ref), f"χ = {value:.2f} vs {ref:.2f}"


#: Physics checks of the end points: (claim, test(point, tolerance) -> (holds, evidence)).
_PHYSICS_CHECKS = (
    (
        "the end point's exact-energy temperature T_E is within the convergence tolerance of T*",
        _energy_check,
    ),
    (
        "the end point's |m| is within 10 % of its equilibrium value at the reading",
        _magnetisation_check,
    ),
    (
        "the end point's χ is within 25 % of its equilibrium value at the reading",
        _susceptibility_check,
    ),
)


def _verdict(claim: str, holds: bool | None, evidence: str) -> dict:
    return {"claim": claim, "holds": holds, "evidence": evidence}


def verdicts(
    settings: IsoFlowSettings, checks: list[dict], thermo: dict, points: dict[str, list[dict]]
) -> list[dict]:
    """Plain-language statements, each true/false/None with its numbers.

    Returns
    -------
    list of dict
        ``claim``, ``holds`` (True, False or None) and ``evidence`` (the numbers).
    """
    out = []
    z = [abs(r["energy_z"]) for r in checks if r["energy_z"] is not None]
    frozen = [r for r in checks if r["energy_z"] is None]
    worst_frozen = max((abs(r["energy_difference"]) for r in frozen), default=0.0)
    holds = bool(z) and max(z) < 4.0 and worst_frozen < 1e-6
    out.append(
        _verdict(
            "The Monte Carlo data agree with Kaufman's exact E/N at every temperature (|z| < 4)",
            holds,
            f"max |z| = {max(z, default=float('nan')):.2f} over {len(z)} temperature×set checks"
            + (
                f"; {len(frozen)} without fluctuations (all ground states), |Δe| ≤ {worst_frozen:.1e}"
                if frozen
                else ""
            ),
        )
    )
    acc, chance = thermo["test_accuracy"], thermo["chance_accuracy"]
    binom = thermo["shuffled_label_binomial_stderr"]
    out.append(
        _verdict(
            "The thermometer reads temperature far above chance on independent test data",
            acc > chance + 5 * binom,
            f"accuracy {acc:.3f} (exact Bayes ceiling {thermo['bayes_accuracy']:.3f}) against "
            f"chance {chance:.3f}; within one class {thermo['within_one_class']:.3f}; "
            f"mean |ΔT| {thermo['mean_absolute_error']:.3f} (Bayes {thermo['bayes_mean_absolute_error']:.3f})",
        )
    )
    shuf = thermo["shuffled_label_accuracy"]
    perm = thermo["shuffled_label_permutation_stderr"]
    out.append(
        _verdict(
            "The shuffled-label control is at chance (within 3σ of relabelled predictions)",
            abs(shuf - chance) <= 3 * max(perm, binom),
            f"shuffled-label accuracy {shuf:.3f} against chance {chance:.3f}: "
            f"{abs(shuf - chance) / max(perm, binom):.1f}σ (σ = {perm:.4f} by relabelling, which "
            f"counts identical ground states once; binomial σ = {binom:.4f})",
        )
    )
    tol = settings.convergence_tolerance
    for update in UPDATES:
        for p in points[update]:
            t, s = p["temperature"], p["stderr"]
            label = f"{update} flows, N_h = {p['n_hidden']}"
            merged = p["converged_seeds"] == p["n_seeds"]
            sigma = p["deviation_sigma"]
            within = merged and sigma is not None and sigma <= 2.0
            out.append(
                _verdict(
                    f"{label}: flows from every temperature converge to T_c within 2σ",
                    within,
                    f"T* = {t:.3f} ± {s:.3f} against T_c = {T_CRITICAL:.4f} "
                    f"({'' if sigma is None else f'{sigma:.1f}σ, '}|ΔT| = {abs(t - T_CRITICAL):.3f}); "
                    f"{p['converged_seeds']}/{p['n_seeds']} seeds converged (all starts within "
                    f"{tol} of T*), spread between starts at the end {p['spread_between_starts']:.3f}",
                )
            )
    for update in UPDATES:
        pts = points[update]
        pairs = [
            (abs(a["temperature"] - b["temperature"]), math.hypot(a["stderr"], b["stderr"]), a, b)
            for i, a in enumerate(pts)
            for b in pts[i + 1 :]
        ]
        if not pairs:
            continue
        gap, err, a, b = max(pairs, key=lambda q: q[0] / q[1] if q[1] > 0 else 0)
        out.append(
            _verdict(
                f"{update} flows: the end point depends on N_h (Veiga & Vicente)",
                bool(err > 0 and gap > 2 * err),
                f"largest difference: N_h = {a['n_hidden']} gives {a['temperature']:.3f}, "
                f"N_h = {b['n_hidden']} gives {b['temperature']:.3f} ({gap / err:.1f}σ)"
                if err > 0
                else "no error bar",
            )
        )
    for update in UPDATES:
        for claim, test in _PHYSICS_CHECKS:
            marks = []
            for p in points[update]:
                holds, text = test(p, tol)
                marks.append((holds, f"N_h = {p['n_hidden']}: {text} {'✓' if holds else '✗'}"))
            out.append(
                _verdict(
                    f"{update} flows: {claim}",
                    all(h for h, _ in marks),
                    "; ".join(t for _, t in marks),
                )
            )
    return out


# ----------------------------------------------------------------------------- stage 5


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


# ----------------------------------------------------------------------------- run


def _references(train: dict) -> dict:
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
    log = log or (lambda message: print(message, file=sys.stderr, flush=True))
    validate(settings, device, threads)
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise InputError(f"{out} exists and is not a directory; choose another --out")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"cannot create {out} ({exc.strerror}); choose another --out") from exc
    with output_lock(out, "reproduce iso-flow"), _torch_threads(threads):
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
        thermometer, shuffled, test, int(_stage_seeds(settings)[_SEED_SHUFFLED])
    )
    timings["thermometer_s"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    rbms = rbm_stage(settings, train, out, device, progress, log)
    timings["rbms_s"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    references = _references(train)
    flows = flow_stage(settings, rbms, thermometer, test, references, out, progress, log)
    points = {update: fixed_points(settings, flows, update) for update in UPDATES}
    curves = {
        update: {int(nh): _curves(settings, flows, update, int(nh)) for nh in settings.hidden_sizes}
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
            update: {str(nh): _curve_json(c) for nh, c in per.items()}
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
    with io.atomic_write(out / "metrics.json", overwrite=True) as tmp:
        tmp.write_text(json.dumps(jsonable(result), indent=1, allow_nan=False))
    write_report(result, figures, out / "report.html")
    log(f"done in {timings['total_s']:.1f} s: {out / 'report.html'}")
    return result
