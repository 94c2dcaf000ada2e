"""``deeprg rg exponents``: critical exponents by Monte Carlo RG, for fixed and learned transforms.

Wolff samples of the L×L torus at coupling K (default J_c) are blocked repeatedly by the
chosen transform, and :func:`deeprg.rg.mcrg_exponents` reads y_T and y_h off the linearised
RG matrix at every blocking step. With ``transform="learned"`` a stack of ConvRBMs
(:func:`deeprg.rg.learned_blocking.train_learned_blocking`) is trained on the same samples
first, and majority rule is measured on the same samples beside it, so the verdict
compares like with like: does the learned coarse-graining reproduce the exact exponents as
well as Kadanoff's?
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from .. import io
from .._random import child_seeds
from ..constants import EXACT_EXPONENTS_2D, J_CRITICAL
from ..errors import InputError, check_int
from .exponents_settings import TRANSFORM_CHOICES, ExponentsSettings
from .output import check_output_dir, locked_output_dir, write_json
from .verdict import Verdict

__all__ = [
    "FIRST_STEP_KEY",
    "TRANSFORM_CHOICES",
    "ExponentsSettings",
    "run",
    "run_exponents",
    "validate",
    "verdict",
]


def _fmt(value: float | None) -> str:
    return "—" if value is None or not np.isfinite(value) else f"{value:.4f}"


def _deviation(best: dict, name: str, exact: float) -> float:
    value = best.get(name)
    return float("nan") if value is None else abs(float(value) - exact)


#: Exact exponents of the 2D Ising model, and how close an estimate must come to count.
_EXACT = dict(EXACT_EXPONENTS_2D)
_TOLERANCE = {"y_T": 0.02, "y_h": 0.003}
#: How close the learned first blocking step's y_T must come to 1 to count.
FIRST_STEP_TOLERANCE = 0.03
#: metrics key: is the learned first step's y_T within :data:`FIRST_STEP_TOLERANCE` of 1?
FIRST_STEP_KEY = "learned_first_step_within_0.03"


def verdict(learned: dict, majority: dict) -> dict:
    """Does the learned transform reproduce the exponents as well as majority rule?

    Each transform "reproduces" an exponent when its best estimate lies within
    max(3 standard errors, tolerance) of the exact value (tolerances 0.02 for y_T, 0.003
    for y_h). "As well as majority rule" means it reproduces every exponent that majority
    rule reproduces. The first blocking step is reported too: whether the learned step-1
    |y_T - 1| < 0.03, where majority rule's first step is biased.

    Returns
    -------
    dict
        ``exponents`` (per exponent and transform: value, stderr, deviation, reproduces),
        ``as_well_as_majority``, ``first_step_y_T``, :data:`FIRST_STEP_KEY` and
        ``statement`` (the verdict as one sentence with its numbers).
    """
    out: dict = {"exponents": {}}
    for name in ("y_T", "y_h"):
        row = {}
        for label, result in (("learned", learned), ("majority", majority)):
            best = result["best"]
            deviation = _deviation(best, name, _EXACT[name])
            error = best.get(f"{name}_err") or 0.0
            row[label] = {
                "value": best.get(name),
                "stderr": best.get(f"{name}_err"),
                "deviation": deviation,
                "reproduces": bool(
                    np.isfinite(deviation) and deviation <= max(3 * error, _TOLERANCE[name])
                ),
            }
        out["exponents"][name] = row
    first = {}
    for label, result in (("learned", learned), ("majority", majority)):
        step = [e for e in result["estimates"] if e["level"] == 1 and e.get("measurable", True)]
        step = max(step, key=lambda e: e["n_operators"]) if step else {}
        first[label] = step.get("y_T")
    first_within = (
        first["learned"] is not None and abs(first["learned"] - 1.0) < FIRST_STEP_TOLERANCE
    )
    judged = _as_well_as_majority(out["exponents"], first, first_within)
    out.update(
        {
            "as_well_as_majority": judged.holds,
            "first_step_y_T": first,
            FIRST_STEP_KEY: bool(first_within),
            "statement": (
                judged.statement
                if judged.holds
                else "The learned transform does not reproduce the exponents as well as "
                "majority rule"
            )
            + ": "
            + judged.evidence,
        }
    )
    return out


def _as_well_as_majority(exponents: dict, first: dict, first_within: bool) -> Verdict:
    """The verdict of :func:`verdict`, with the numbers it was judged on."""
    as_well = all(
        row["learned"]["reproduces"] or not row["majority"]["reproduces"]
        for row in exponents.values()
    )
    parts = [
        f"{name}: learned {row['learned']['value']:.4f} ± {row['learned']['stderr'] or 0:.4f}, "
        f"majority {row['majority']['value']:.4f} ± {row['majority']['stderr'] or 0:.4f} "
        f"(exact {_EXACT[name]:g})"
        for name, row in exponents.items()
    ]
    evidence = (
        "; ".join(parts)
        + ". First blocking step y_T: learned "
        + _fmt(first["learned"])
        + ", majority "
        + _fmt(first["majority"])
        + (
            " (the learned step-1 estimate is within 0.03 of 1)"
            if first_within
            else " (the learned step-1 estimate is not within 0.03 of 1)"
        )
        + "."
    )
    return Verdict(
        "The learned transform reproduces the exponents as well as majority rule",
        as_well,
        evidence,
    )


def run(
    settings: ExponentsSettings,
    out_dir: str | Path | None = None,
    progress: bool = False,
    log: Callable[[str], None] | None = None,
) -> dict:
    """Sample, (train,) block and measure; optionally write ``report.html`` into ``out_dir``.

    Parameters
    ----------
    settings : ExponentsSettings
        Every setting of the measurement.
    out_dir : path-like, optional
        Where ``exponents.json``, ``report.html`` (and a trained ``model.h5``) go.
    progress : bool
        Show the sampler's progress on stderr.
    log : callable, optional
        Receives one-line stage messages.

    Returns
    -------
    dict
        ``transform``, ``size``, ``coupling``, ``estimates``, ``best``, ``exact`` (the
        :class:`deeprg.rg.MCRGResult` fields), and for ``learned`` also ``majority`` (the
        same on the same samples), ``kernels`` and ``verdict``.

    Raises
    ------
    InputError
        Bad settings (before any sampling), or ``out_dir`` in use by another deeprg run:
        like ``reproduce`` and ``sweep``, a run holds the folder's lock
        (:func:`deeprg.locking.output_lock`) from start to end, so a second run into the
        same folder refuses with the holder's PID, and the lock of a killed run is taken over.
    """
    log = log or (lambda message: None)
    out = check_output_dir(out_dir) if out_dir is not None else None
    levels = validate(settings)
    work = functools.partial(_measure, settings, levels, progress=progress, log=log)
    if out is None:
        return work(None)
    # One run per output folder (as for reproduce and sweep): a second run into the same
    # --out refuses with the holder's PID; the lock of a killed run is taken over.
    with locked_output_dir(out, "rg exponents") as locked:
        return work(locked)


def validate(settings: ExponentsSettings) -> int:
    """Refuse bad settings before any sampling; return the number of blocking levels.

    Raises
    ------
    InputError
        One line naming the bad setting and the fix.
    """
    from ..ising import IsingSquare
    from ..mc.sampler import DEFAULT_CPU_CHAINS, MAX_STRENGTH, _check_memory
    from ..rg.mcrg import MIN_BLOCKED_SIZE, MIN_SAMPLES, TRANSFORMS

    size, transform, seed = settings.size, settings.transform, settings.seed
    kernel_size = settings.kernel_size
    if transform not in TRANSFORM_CHOICES:
        raise InputError(f"unknown transform {transform!r}; use one of {TRANSFORM_CHOICES}")
    b = TRANSFORMS.get(transform, 2)
    if size % b or size // b < MIN_BLOCKED_SIZE:
        raise InputError(
            f"L = {size} must be divisible by b = {b} and leave at least a "
            f"{MIN_BLOCKED_SIZE}×{MIN_BLOCKED_SIZE} blocked lattice; choose another --size"
        )
    if settings.n_samples < MIN_SAMPLES:
        raise InputError(
            f"--samples must be at least {MIN_SAMPLES} configurations, got {settings.n_samples}"
        )
    if settings.model is not None and transform != "learned":
        raise InputError("--model is a learned transform; use it with --transform learned")
    if transform == "learned" and kernel_size < 2:
        raise InputError(f"kernel_size must be at least the stride 2, got {kernel_size}")
    # the sampler's own checks, made here so that a refusal comes before any output
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise InputError(f"seed must be a non-negative integer, got {seed!r}")
    lattice = IsingSquare(size, settings.coupling)
    if abs(lattice.coupling) > MAX_STRENGTH:
        raise InputError(
            f"|coupling| must be <= {MAX_STRENGTH:g} for sampling, got {lattice.coupling:g}"
        )
    _check_memory(settings.n_samples + DEFAULT_CPU_CHAINS, size * size)  # Python ints
    levels = 0
    while size % 2 ** (levels + 1) == 0 and size // 2 ** (levels + 1) >= MIN_BLOCKED_SIZE:
        levels += 1
    if transform == "learned" and settings.model is None:
        check_int("epochs", settings.epochs, minimum=1)
        smallest = size // 2 ** max(levels - 1, 0)
        if kernel_size > smallest:
            raise InputError(
                f"kernel_size {kernel_size} exceeds the smallest lattice it is trained on "
                f"({smallest}×{smallest} at level {max(levels - 1, 0)}); use a smaller kernel"
            )
    return levels


def run_exponents(
    size: int,
    coupling: float = J_CRITICAL,
    transform: str = "majority",
    n_samples: int = 50_000,
    seed: int = 0,
    kernel_size: int = 2,
    epochs: int = 5,
    n_train: int = 2000,
    out_dir: str | Path | None = None,
    model: str | Path | None = None,
    progress: bool = False,
    log: Callable[[str], None] | None = None,
) -> dict:
    """:func:`run` with the settings given one by one (see :class:`ExponentsSettings`)."""
    settings = ExponentsSettings(
        size=size,
        coupling=coupling,
        transform=transform,
        n_samples=n_samples,
        seed=seed,
        kernel_size=kernel_size,
        epochs=epochs,
        n_train=n_train,
        model=None if model is None else str(model),
    )
    return run(settings, out_dir, progress=progress, log=log)


def _measure(
    settings: ExponentsSettings,
    levels: int,
    out: Path | None,
    progress: bool,
    log: Callable[[str], None],
) -> dict:
    """:func:`run`'s work, once its settings are checked (and ``out`` is locked)."""
    from ..rg import critical_samples, mcrg_exponents

    size, coupling, transform, seed = (
        settings.size, settings.coupling, settings.transform, settings.seed
    )  # fmt: skip
    n_samples, kernel_size, epochs, n_train = (
        settings.n_samples, settings.kernel_size, settings.epochs, settings.n_train
    )  # fmt: skip
    model = settings.model
    sample_seed, mcrg_seed, train_seed = (int(s) for s in child_seeds(seed, 3))
    started = time.perf_counter()
    log(f"exponents: {n_samples} Wolff samples of {size}×{size} at K = {coupling:.6g}")
    samples = critical_samples(
        size, coupling=coupling, n_samples=n_samples, seed=sample_seed, progress=progress
    )
    spins = samples.spins
    timings = {"sampling_s": time.perf_counter() - started}
    result: dict
    if transform == "learned":
        from ..rg.learned_blocking import train_learned_blocking

        if levels < 1:
            raise InputError(f"L = {size} is too small to block; use L >= 8 divisible by 2")
        t0 = time.perf_counter()
        if model is not None:
            from ..rg.learned_blocking import LearnedBlocking

            models, _ = io.load_conv_layers(model)
            if tuple(models[0].lattice_shape_) != (size, size) or len(models) < levels:
                raise InputError(
                    f"{model} blocks {models[0].lattice_shape_[0]}² lattices over {len(models)} "
                    f"levels; this run needs L = {size} and {levels} levels"
                )
            blocking = LearnedBlocking(models[:levels], "sample", 2, train_seed)
            log(f"exponents: loaded {len(models)} ConvRBM levels from {model}")
        else:
            log(f"exponents: training {levels} ConvRBM levels (k = {kernel_size}, b = 2)")
            blocking = train_learned_blocking(
                spins,
                levels,
                kernel_size=kernel_size,
                epochs=epochs,
                n_train=n_train,
                seed=train_seed,
            )
        timings["training_s"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        result = mcrg_exponents(spins, blocking, levels=levels, seed=mcrg_seed).as_dict()
        result["transform"] = "learned"
        majority = mcrg_exponents(spins, "majority", levels=levels, seed=mcrg_seed).as_dict()
        timings["mcrg_s"] = time.perf_counter() - t0
        result["majority"] = majority
        result["kernels"] = [k.tolist() for k in blocking.kernels()]
        learned_models = blocking.models
        result["verdict"] = verdict(result, majority)
    else:
        t0 = time.perf_counter()
        result = mcrg_exponents(spins, transform, seed=mcrg_seed).as_dict()
        timings["mcrg_s"] = time.perf_counter() - t0
    result.update({"coupling": float(coupling), "seed": int(seed), "run_time": timings})
    if out is not None:
        from .exponents_report import write_report

        if transform == "learned" and model is None:
            io.save_conv_layers(
                learned_models,
                out / "model.h5",
                overwrite=True,
                metadata={"kind": "learned block-spin transform", "coupling": float(coupling)},
            )
        write_json(result, out / "exponents.json")
        write_report(result, out)
    return result
