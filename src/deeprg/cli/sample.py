"""``deeprg sample``: equilibrium Ising configurations written to an HDF5 sample file."""

from __future__ import annotations

import math
import time
import warnings

import click

from ._common import check_output_path, emit_json, emit_table, handle_errors
from ._options import (
    ALGORITHMS,
    apply_options,
    coupling_option,
    device_option,
    json_option,
    no_progress_option,
)

#: The Monte Carlo updates ``--algorithm`` accepts (checked by :func:`deeprg.mc.sample`).
ALGORITHM_NAMES = ALGORITHMS
#: Largest L with a Kaufman reference (its sum costs O(L); 0.2 s at this size).
MAX_KAUFMAN_SIZE = 100_000


def _sampling_options(size_help: str):
    """The options shared by ``sample ising2d`` and ``sample ising1d``."""

    def decorate(func):
        options = [
            click.option("--size", "-L", "size", type=int, required=True, help=size_help),
            coupling_option(required=True, short=True),
            click.option(
                "--samples",
                "-n",
                "n_samples",
                type=int,
                required=True,
                help="Number of configurations to save.",
            ),
            click.option("--field", type=float, default=0.0, show_default=True, help="Field h."),
            click.option(
                "--algorithm",
                "-a",
                default="wolff",
                show_default=True,
                help="Monte Carlo update: " + ", ".join(ALGORITHM_NAMES) + ".",
            ),
            click.option(
                "--seed",
                type=int,
                default=None,
                help="Random seed (default: drawn at random, printed and stored).",
            ),
            click.option(
                "--burn-in",
                type=int,
                default=None,
                help="Updates discarded first (default: from a pilot run, >= 20 tau).",
            ),
            click.option(
                "--thin",
                type=int,
                default=None,
                help="Updates between saved samples (default: ceil(2 tau)).",
            ),
            click.option(
                "--chains",
                "n_chains",
                type=int,
                default=None,
                help="Independent chains (default 4 on the CPU, 1024 replicas on cuda).",
            ),
            device_option("cpu (numba kernels) or cuda (batched torch; metropolis/heat-bath)."),
            click.option(
                "--out",
                "-o",
                "out",
                type=click.Path(dir_okay=False),
                required=True,
                help="Output HDF5 sample file.",
            ),
            click.option("--overwrite", is_flag=True, help="Replace an existing --out file."),
            json_option(),
            no_progress_option(),
        ]
        return apply_options(func, options)

    return decorate


@click.group(name="sample")
def command() -> None:
    """Monte Carlo samples of the Ising square lattice or chain, saved as HDF5.

    Burn-in and the spacing between saved samples are chosen from measured integrated
    autocorrelation times unless given; the measured tau of the energy and |m| of the saved
    samples are stored in the file and printed.
    """


def _exact_energy_per_spin(model) -> tuple[float | None, str | None]:
    """Exact <H>/N when it is cheap: transfer matrix, Kaufman torus or enumeration.

    A reference only: where the exact formulas cannot be evaluated (a lattice too large for
    Kaufman's sum, couplings so strong or weak that they overflow in double precision) there
    is none, and ``(None, None)`` is returned instead of an error.
    """
    import numpy as np

    from ..errors import InputError

    try:
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore", RuntimeWarning)  # overflow: no reference, below
            result, source = _exact_reference(model)
    except (InputError, ArithmeticError, ValueError):
        return None, None
    if result is None or not math.isfinite(result):
        return None, None
    return float(result), source


def _exact_reference(model) -> tuple[float | None, str | None]:
    """:func:`_exact_energy_per_spin` without its guard (may raise or overflow)."""
    from .. import exact
    from ..ising import IsingChain

    if isinstance(model, IsingChain):
        return exact.chain(model.size, model.coupling, model.field).energy_per_spin, (
            "transfer matrix"
        )
    if model.field == 0.0 and (model.coupling >= 0 or model.size % 2 == 0):
        if model.size <= MAX_KAUFMAN_SIZE:
            return exact.torus(model.size, model.coupling).energy_per_spin, "Kaufman"
        return None, None
    if model.n_spins <= 16:
        return exact.enumerate_ising(model).energy_per_spin, "enumeration"
    return None, None


def _run(model_name: str, size: int, **kw) -> None:
    import secrets

    from ..ising import make_model

    model = make_model(model_name, size, kw["coupling"], kw["field"])
    out = check_output_path(kw["out"], kw["overwrite"])
    seed = kw["seed"] if kw["seed"] is not None else secrets.randbelow(2**63)

    from ..mc import mean_and_error, sample

    start = time.perf_counter()
    samples = sample(
        model,
        kw["n_samples"],
        algorithm=kw["algorithm"],
        seed=seed,
        burn_in=kw["burn_in"],
        thin=kw["thin"],
        n_chains=kw["n_chains"],
        device=kw["device"],
        progress=not kw["no_progress"],
    )
    from ..io import save_samples

    # Every number of the summary is computed before the file is written, so that nothing
    # can fail after it: a run either writes a complete file and reports it, or neither.
    n = model.n_spins
    summary = samples.summary()
    if samples.n_samples >= 2:
        e_mean, e_error = mean_and_error(samples.energy / n)
        m_mean, m_error = mean_and_error(abs(samples.magnetization) / n)
    else:
        e_mean, e_error = float(samples.energy[0] / n), float("nan")
        m_mean, m_error = float(abs(samples.magnetization[0]) / n), float("nan")
    exact_energy, exact_source = _exact_energy_per_spin(model)
    save_samples(samples, out, overwrite=kw["overwrite"])
    wall = time.perf_counter() - start
    data = {
        **summary,
        "energy_per_spin_error": e_error,
        "abs_magnetization_per_spin_error": m_error,
        "exact_energy_per_spin": exact_energy,
        "exact_source": exact_source,
        "out": str(out),
        "wall_time_s": wall,
    }
    data["energy_per_spin"], data["abs_magnetization_per_spin"] = e_mean, m_mean
    if kw["as_json"]:
        emit_json(data)
        return
    unit = samples.extra.get("update_unit", "update")
    shape = "x".join(map(str, model.lattice_shape))
    click.echo(
        f"deeprg sample {model_name}: {shape}, J = {model.coupling:g}, h = {model.field:g}, "
        f"{samples.algorithm}, {samples.n_samples} samples from {samples.n_chains} chains "
        f"(seed {seed})"
    )
    rows = {
        "burn-in": f"{samples.burn_in} x {unit}",
        "thin (between saved samples)": f"{samples.thin} x {unit}",
        "energy per spin <H>/N": f"{e_mean:.6f} +- {e_error:.6f}",
    }
    if exact_energy is not None:
        deviation = (e_mean - exact_energy) / e_error if e_error > 0 else float("nan")
        rows[f"exact ({exact_source})"] = f"{exact_energy:.6f}  ({deviation:+.2f} standard errors)"
    rows["|m| per spin"] = f"{m_mean:.6f} +- {m_error:.6f}"
    rows["tau energy (saved samples)"] = f"{samples.tau_energy:.3g}"
    rows["tau |m| (saved samples)"] = f"{samples.tau_abs_magnetization:.3g}"
    rows["wall time"] = f"{wall:.2f} s"
    emit_table(rows)
    click.echo(f"wrote {out}  (tau 0.5 = independent samples)")


@command.command(name="ising2d")
@_sampling_options("Linear lattice size L >= 2 (periodic L x L).")
@handle_errors
def ising2d(size: int, **kw) -> None:
    """Periodic L x L square lattice, H = -J sum s_i s_j - h sum s_i."""
    _run("ising2d", size, **kw)


@command.command(name="ising1d")
@_sampling_options("Number of spins N >= 2 (periodic chain).")
@handle_errors
def ising1d(size: int, **kw) -> None:
    """Periodic chain of N spins, H = -J sum s_i s_{i+1} - h sum s_i."""
    _run("ising1d", size, **kw)


__all__ = ["command"]
