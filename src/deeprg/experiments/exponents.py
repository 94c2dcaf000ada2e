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
import json
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from .. import io
from .._json import jsonable
from .._random import child_seeds
from ..errors import InputError, check_int
from ..locking import output_lock
from ..models import J_CRITICAL

__all__ = ["TRANSFORM_CHOICES", "run_exponents", "verdict"]

TRANSFORM_CHOICES = ("majority", "majority3", "decimation", "learned")


def _fmt(value: float | None) -> str:
    return "—" if value is None or not np.isfinite(value) else f"{value:.4f}"


def _deviation(best: dict, name: str, exact: float) -> float:
    value = best.get(name)
    return float("nan") if value is None else abs(float(value) - exact)


def verdict(learned: dict, majority: dict) -> dict:
    """Does the learned transform reproduce the exponents as well as majority rule?

    Each transform "reproduces" an exponent when its best estimate lies within
    max(3 standard errors, tolerance) of the exact value (tolerances 0.02 for y_T, 0.003
    for y_h, the issue's targets). "As well as majority rule" means it reproduces every
    exponent that majority rule reproduces. The first blocking step is reported too (the
    moonshot: a learned step-1 |y_T - 1| < 0.03, where majority rule's is biased).
    """
    exact = {"y_T": 1.0, "y_h": 1.875}
    tolerance = {"y_T": 0.02, "y_h": 0.003}
    out: dict = {"exponents": {}}
    for name in ("y_T", "y_h"):
        row = {}
        for label, result in (("learned", learned), ("majority", majority)):
            best = result["best"]
            deviation = _deviation(best, name, exact[name])
            error = best.get(f"{name}_err") or 0.0
            row[label] = {
                "value": best.get(name),
                "stderr": best.get(f"{name}_err"),
                "deviation": deviation,
                "reproduces": bool(
                    np.isfinite(deviation) and deviation <= max(3 * error, tolerance[name])
                ),
            }
        out["exponents"][name] = row
    as_well = all(
        row["learned"]["reproduces"] or not row["majority"]["reproduces"]
        for row in out["exponents"].values()
    )
    first = {}
    for label, result in (("learned", learned), ("majority", majority)):
        step = [e for e in result["estimates"] if e["level"] == 1 and e.get("measurable", True)]
        step = max(step, key=lambda e: e["n_operators"]) if step else {}
        first[label] = step.get("y_T")
    moonshot = first["learned"] is not None and abs(first["learned"] - 1.0) < 0.03
    parts = []
    for name, row in out["exponents"].items():
        parts.append(
            f"{name}: learned {row['learned']['value']:.4f} ± {row['learned']['stderr'] or 0:.4f}, "
            f"majority {row['majority']['value']:.4f} ± {row['majority']['stderr'] or 0:.4f} "
            f"(exact {exact[name]:g})"
        )
    out.update(
        {
            "as_well_as_majority": bool(as_well),
            "first_step_y_T": first,
            "moonshot_first_step_within_0.03": bool(moonshot),
            "statement": (
                (
                    "The learned transform reproduces the exponents as well as majority rule: "
                    if as_well
                    else "The learned transform does not reproduce the exponents as well as "
                    "majority rule: "
                )
                + "; ".join(parts)
                + ". First blocking step y_T: learned "
                + _fmt(first["learned"])
                + ", majority "
                + _fmt(first["majority"])
                + (
                    " (the learned step-1 estimate is within 0.03 of 1)"
                    if moonshot
                    else " (the learned step-1 estimate is not within 0.03 of 1)"
                )
                + "."
            ),
        }
    )
    return out


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
    """Sample, (train,) block and measure; optionally write ``report.html`` into ``out_dir``.

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
    if transform not in TRANSFORM_CHOICES:
        raise InputError(f"unknown transform {transform!r}; use one of {TRANSFORM_CHOICES}")
    out = Path(out_dir) if out_dir is not None else None
    if out is not None and out.exists() and not out.is_dir():
        raise InputError(f"{out} exists and is not a directory; choose another --out")
    # refuse bad settings before any sampling
    from ..rg.mcrg import MIN_BLOCKED_SIZE, MIN_SAMPLES, TRANSFORMS

    b = TRANSFORMS.get(transform, 2)
    if size % b or size // b < MIN_BLOCKED_SIZE:
        raise InputError(
            f"L = {size} must be divisible by b = {b} and leave at least a "
            f"{MIN_BLOCKED_SIZE}×{MIN_BLOCKED_SIZE} blocked lattice; choose another --size"
        )
    if n_samples < MIN_SAMPLES:
        raise InputError(
            f"--samples must be at least {MIN_SAMPLES} configurations, got {n_samples}"
        )
    if model is not None and transform != "learned":
        raise InputError("--model is a learned transform; use it with --transform learned")
    if transform == "learned" and kernel_size < 2:
        raise InputError(f"kernel_size must be at least the stride 2, got {kernel_size}")
    # the sampler's own checks, made here so that a refusal comes before any output
    from ..mc.sampler import DEFAULT_CPU_CHAINS, MAX_STRENGTH, _check_memory
    from ..models import IsingSquare

    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise InputError(f"seed must be a non-negative integer, got {seed!r}")
    lattice = IsingSquare(size, coupling)
    if abs(lattice.coupling) > MAX_STRENGTH:
        raise InputError(
            f"|coupling| must be <= {MAX_STRENGTH:g} for sampling, got {lattice.coupling:g}"
        )
    _check_memory(n_samples + DEFAULT_CPU_CHAINS, size * size)  # Python ints: no overflow
    levels = 0
    while size % 2 ** (levels + 1) == 0 and size // 2 ** (levels + 1) >= MIN_BLOCKED_SIZE:
        levels += 1
    if transform == "learned" and model is None:
        check_int("epochs", epochs, minimum=1)
        smallest = size // 2 ** max(levels - 1, 0)
        if kernel_size > smallest:
            raise InputError(
                f"kernel_size {kernel_size} exceeds the smallest lattice it is trained on "
                f"({smallest}×{smallest} at level {max(levels - 1, 0)}); use a smaller kernel"
            )
    work = functools.partial(
        _run_exponents,
        size,
        coupling,
        transform,
        n_samples,
        seed,
        kernel_size,
        epochs,
        n_train,
        levels,
        model=model,
        progress=progress,
        log=log,
    )
    if out is None:
        return work(None)
    # One run per output folder (as for reproduce and sweep): a second run into the same
    # --out refuses with the holder's PID; the lock of a killed run is taken over.
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"cannot create {out} ({exc.strerror}); choose another --out") from exc
    with output_lock(out, "rg exponents"):
        return work(out)


def _run_exponents(
    size: int,
    coupling: float,
    transform: str,
    n_samples: int,
    seed: int,
    kernel_size: int,
    epochs: int,
    n_train: int,
    levels: int,
    out: Path | None,
    model: str | Path | None,
    progress: bool,
    log: Callable[[str], None],
) -> dict:
    """:func:`run_exponents`'s work, once its settings are checked (and ``out`` is locked)."""
    from ..rg import critical_samples, mcrg_exponents

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
        with io.atomic_write(out / "exponents.json", overwrite=True) as tmp:
            tmp.write_text(json.dumps(jsonable(result), indent=2, allow_nan=False))
        write_report(result, out)
    return result
