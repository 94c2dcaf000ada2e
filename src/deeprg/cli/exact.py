"""``deeprg exact``: exact Ising references (Kaufman, Onsager, transfer matrix)."""

from __future__ import annotations

import click

from ._common import emit_json, emit_table, handle_errors
from ._options import coupling_option, json_option

#: Largest L of ``exact ising2d``: Kaufman's sum costs O(L) time and memory (2 s and 0.3 GB at
#: L = 10^6), and beyond it the finite-size corrections are below double precision anyway.
MAX_TORUS_SIZE = 1_000_000
#: Largest |J| and |h| accepted: at |J| = 100 every excitation costs e^-400 or less, so the
#: lattice is in its ground state to double precision (and the closed forms overflow beyond).
MAX_STRENGTH = 100.0
#: Smallest non-zero |J| of ``exact ising2d``: below it J is 0 to double precision in
#: Kaufman's and Onsager's formulas (which divide by sinh 2J).
MIN_TORUS_COUPLING = 1e-100


def _check_strength(name: str, value: float) -> None:
    """Refuse a coupling or field beyond :data:`MAX_STRENGTH` (NaN and inf included)."""
    from ..errors import InputError, check_finite

    value = check_finite(name, value)
    if abs(value) > MAX_STRENGTH:
        raise InputError(
            f"|{name}| must be <= {MAX_STRENGTH:g}, got {value:g}; the lattice is then in its "
            "ground state to double precision"
        )


def _exactly(compute):
    """Run an exact formula, turning a floating-point overflow into a one-line InputError."""
    from ..errors import InputError

    try:
        return compute()
    except ArithmeticError as exc:
        raise InputError(
            f"the exact formulas fail in double precision here ({exc}); choose a coupling and "
            "field of moderate size"
        ) from exc


@click.group(name="exact")
def command() -> None:
    """Exact thermodynamics of the Ising chain and square lattice (no sampling)."""


def _default_distances(n_spins: int) -> list[int]:
    """1..5, powers of two and N/2, up to the largest distinct separation N/2."""
    half = n_spins // 2
    candidates = {1, 2, 3, 4, 5, half} | {2**k for k in range(3, half.bit_length() + 1)}
    return sorted(r for r in candidates if 1 <= r <= half)


@command.command(name="ising2d")
@click.option("--size", "-L", type=int, required=True, help="Linear lattice size L >= 2.")
@coupling_option(required=True, short=True)
@json_option("Print all numbers as JSON.")
@handle_errors
def ising2d(size: int, coupling: float, as_json: bool) -> None:
    """Periodic L x L lattice at zero field: Kaufman's exact finite-L result.

    Onsager's infinite-lattice values (with Yang's spontaneous magnetisation and the
    correlation length) are shown next to it for context.
    """
    from ..constants import J_CRITICAL
    from ..errors import InputError, check_int
    from ..exact import onsager, torus

    check_int("size (linear lattice size L)", size, minimum=2)
    if size > MAX_TORUS_SIZE:
        raise InputError(
            f"--size must be <= {MAX_TORUS_SIZE:,} (got {size:,}); beyond it the finite-L "
            "corrections are below double precision: use the Onsager values it prints"
        )
    _check_strength("coupling", coupling)
    if 0 < abs(coupling) < MIN_TORUS_COUPLING:
        raise InputError(
            f"|coupling| = {abs(coupling):g} is 0 to double precision here; pass --coupling 0 "
            f"or |J| >= {MIN_TORUS_COUPLING:g}"
        )
    finite = _exactly(lambda: torus(size, coupling))
    infinite = _exactly(lambda: onsager(coupling))
    data = {
        "model": "ising2d",
        "size": size,
        "coupling": coupling,
        "critical_coupling": float(J_CRITICAL),
        "finite_lattice": finite.to_dict(),
        "infinite_lattice": infinite.to_dict(),
    }
    if as_json:
        emit_json(data)
        return
    click.echo(
        f"deeprg exact ising2d: periodic {size}x{size} lattice, J = {coupling:g} "
        f"(J/J_c = {coupling / J_CRITICAL:.6g}, J_c = {J_CRITICAL:.12g}), h = 0"
    )
    common = {
        "ln Z / N": "log_partition_per_spin",
        "energy per spin <H>/N": "energy_per_spin",
        "energy per spin in units of J": "energy_per_spin_in_units_of_j",
        "heat capacity per spin C/N": "heat_capacity_per_spin",
    }
    emit_table(
        {label: data["finite_lattice"][key] for label, key in common.items()},
        title=f"Kaufman (1949), exact for L = {size}:",
    )
    rows = {label: data["infinite_lattice"][key] for label, key in common.items()}
    rows["spontaneous magnetisation (Yang)"] = infinite.spontaneous_magnetization
    rows["correlation length xi"] = infinite.correlation_length
    emit_table(rows, title="Onsager, infinite lattice (for context):")


@command.command(name="ising1d")
@click.option("--size", "-N", type=int, required=True, help="Number of spins N >= 2.")
@coupling_option(required=True, short=True)
@click.option("--field", "field", type=float, default=0.0, show_default=True, help="Field h.")
@click.option(
    "--distance",
    "-r",
    "distances",
    type=int,
    multiple=True,
    help="Separation r for <s_0 s_r> (repeatable; default 1..5, powers of 2, N/2).",
)
@json_option("Print all numbers as JSON.")
@handle_errors
def ising1d(
    size: int, coupling: float, field: float, distances: tuple[int, ...], as_json: bool
) -> None:
    """Periodic chain of N spins: exact results from the 2x2 transfer matrix."""
    import numpy as np

    from ..exact import chain, chain_correlation

    _check_strength("coupling", coupling)
    _check_strength("field", field)
    result = _exactly(lambda: chain(size, coupling, field))
    rs = list(distances) if distances else _default_distances(size)
    correlations = np.atleast_1d(
        _exactly(lambda: chain_correlation(size, coupling, field, np.array(rs)))
    )
    data = {
        "model": "ising1d",
        "size": size,
        "coupling": coupling,
        "field": field,
        **result.to_dict(),
        "correlation": {"distance": rs, "s0_sr": correlations.tolist()},
    }
    if as_json:
        emit_json(data)
        return
    click.echo(
        f"deeprg exact ising1d: periodic chain of {size} spins, J = {coupling:g}, h = {field:g}"
    )
    emit_table(
        {
            "ln Z / N": result.log_partition_per_spin,
            "energy per spin <H>/N": result.energy_per_spin,
            "magnetisation per spin <M>/N": result.magnetization_per_spin,
            "<M^2>/N^2": result.m2_per_spin2,
            "heat capacity per spin C/N": result.heat_capacity_per_spin,
            "susceptibility per spin Var(M)/N": result.susceptibility_per_spin,
            "<s_i s_i+1>": result.nearest_neighbour_correlation,
            "correlation length (N -> inf)": result.correlation_length,
        },
        title="transfer matrix, exact:",
    )
    emit_table(
        {f"<s_0 s_{r}>": float(c) for r, c in zip(rs, correlations, strict=True)},
        title="spin-spin correlation:",
    )
