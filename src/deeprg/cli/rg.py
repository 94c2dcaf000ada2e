"""``deeprg rg``: the exact variational-RG mapping, checked by exact summation."""

from __future__ import annotations

import click

from ._common import check_output_path, emit_json, emit_table, handle_errors
from ._options import (
    choice_option,
    coupling_option,
    json_option,
    no_progress_option,
    out_dir_option,
)


@click.group(name="rg")
def command() -> None:
    """The variational RG <-> RBM mapping (Mehta & Schwab), checked exactly."""


def _fmt(value: float) -> str:
    return f"{value:.3g}"


def _print_table(table: dict) -> None:
    settings = table["settings"]
    click.echo(
        f"deeprg rg check: chain N = {settings['size']}, J = {settings['coupling']:g}; random "
        f"RBMs with {settings['n_visible']} visible, {settings['n_hidden']} hidden units"
    )
    for units in ("spin", "binary"):
        m = table["mapping"][units]
        emit_table(
            {
                "max_h |H^RG(h) - H^RBM(h)|": _fmt(m["rg_minus_rbm_hidden"]),
                "max |T - ln p(h|v) - H + H^RBM(v)|": _fmt(m["conditional_identity"]),
                "|dF - (ln Z - ln Z_lambda)|": _fmt(m["free_energy_identity"]),
                "trace residual (generic RBM, > 0)": _fmt(m["trace_residual"]),
                "KL(P || p_lambda)": _fmt(m["kl"]),
            },
            title=f"mapping T = -E + H, random RBM, {units} units:",
        )
    for units in ("spin", "binary"):
        e = table["exact_rbm"][units]
        emit_table(
            {
                "trace residual (Z_lambda = Z)": _fmt(e["trace_residual"]),
                "KL / dF": f"{_fmt(e['kl'])} / {_fmt(e['free_energy_change'])}",
                "trace residual without constant": _fmt(e["unnormalized_trace_residual"]),
                "  expected |ln(Z_lambda / Z)|": _fmt(e["unnormalized_expected"]),
                "  spread over v (constant)": _fmt(e["unnormalized_trace_spread"]),
                "perturbed RBM: residual / KL": (
                    f"{_fmt(e['perturbed_trace_residual'])} / {_fmt(e['perturbed_kl'])}"
                ),
                "mutual information I(v;h) [nats]": _fmt(e["mutual_information"]),
            },
            title=f"RBM reproducing P exactly (chain between sublattices), {units} units:",
        )
    lt = table["lin_tegmark"]
    emit_table(
        {
            "trace residual": _fmt(lt["trace_residual"]),
            "mutual information I(v;h) [nats]": _fmt(lt["mutual_information"]),
            "max |H^RG - (H' + ln Z' - ln Z)|": _fmt(lt["rg_hamiltonian_residual"]),
        },
        title="Lin-Tegmark-Rolnick decoupled E = H(v) + H'(h) + ln Z' (counterexample):",
    )
    d = table["decimation"]
    click.echo("decimation network (layer n: N_n spins at J^(n)):")
    click.echo("  n  N_n   J^(n) formula     J^(n) measured    marginal resid  RBM resid")
    for row in d["layers"]:
        rbm = max(
            (
                row.get(key, 0.0)
                for key in (
                    "rbm_joint_residual",
                    "rbm_hidden_residual",
                    "kernel_rg_residual",
                    "kernel_trace_residual",
                )
            ),
            default=0.0,
        )
        rbm_text = _fmt(rbm) if "rbm_joint_residual" in row else "-"
        click.echo(
            f"  {row['layer']:<2d} {row['n_spins']:<4d} {row['coupling']:<17.12g} "
            f"{row['measured_coupling']:<17.12g} {row['marginal_residual']:<15.3g} {rbm_text}"
        )
    emit_table(
        {
            "ln Z bookkeeping residual": _fmt(d["log_partition_bookkeeping"]),
            "max |tanh J' - tanh^2 J|": _fmt(d["tanh_recursion"]),
            "negative control (J' + 0.01) residual": _fmt(d["wrong_coupling_marginal_residual"]),
        }
    )
    if "learned" in table:
        _print_learned(table["learned"])
    if table["passed"]:
        click.echo(
            f"PASSED: identities within {table['tolerance']:g} "
            f"(decimation {table['decimation_tolerance']:g}), controls above "
            f"{table['nonzero_threshold']:g}"
        )
    else:
        click.echo("FAILED: " + "; ".join(table["failures"]))


def _print_learned(result: dict) -> None:
    def values(key: str) -> str:
        return " ".join(f"{value:.3g}" for value in result[key])

    emit_table(
        {
            "KL(P || p_lambda) [nats]": (
                f"{_fmt(result['kl'])} (independent spins: {_fmt(result['kl_independent'])})"
            ),
            "receptive-field centres (sites)": values("centres"),
            "gaps between centres (2 = sublattice)": values("centre_spacing"),
            "nearest-neighbour J' around the ring": values("nearest"),
            "mean J' vs decimation J'": (
                f"{_fmt(result['nearest_mean'])} vs {_fmt(result['decimation_coupling'])}"
            ),
            "next-nearest J (mean)": _fmt(result["next_nearest_mean"]),
            "largest non-neighbour |J|": _fmt(result["beyond_nearest_max"]),
            "largest |3+-spin term|": _fmt(result["higher_order_max"]),
            "fields (oriented)": values("fields"),
        },
        title=(
            f"learned counterpart: RBM with {result['n_spins'] // 2} hidden units trained on "
            f"{result['n_samples']} exact samples of the {result['n_spins']}-spin chain "
            f"({result['units']} units; a measurement, not gated):"
        ),
    )


@command.command(name="check")
@click.option(
    "--size",
    "size",
    type=int,
    default=16,
    show_default=True,
    help="Even number of spins N <= 20 of the decimated chain.",
)
@click.option(
    "--coupling",
    "coupling",
    type=float,
    default=1.0,
    show_default=True,
    help="Coupling J^(0) of the chain, H = -J Σ s_i s_{i+1} (β absorbed).",
)
@click.option(
    "--seed",
    type=int,
    default=0,
    show_default=True,
    help="Seed of the random RBMs and Hamiltonians.",
)
@click.option(
    "--figure",
    "figure",
    type=click.Path(dir_okay=False),
    default=None,
    help="Write a PNG of the flow J^(n) here.",
)
@click.option("--overwrite", is_flag=True, help="Replace an existing --figure file.")
@click.option(
    "--learned",
    is_flag=True,
    help="Also train an RBM on the 8-spin chain and compare its hidden couplings (~10 s).",
)
@json_option("Print the whole table as JSON.")
@handle_errors
def check(
    size: int,
    coupling: float,
    seed: int,
    figure: str | None,
    overwrite: bool,
    learned: bool,
    as_json: bool,
) -> None:
    """Print the exactness table of the RG mapping (exit status 1 if any check fails)."""
    from ..errors import InputError, check_finite
    from ..rg.check import run_checks
    from .exact import MAX_STRENGTH

    if abs(check_finite("coupling", coupling)) > MAX_STRENGTH:
        raise InputError(
            f"|coupling| must be <= {MAX_STRENGTH:g}, got {coupling:g}; the decimated chain is "
            "then in its ground state to double precision"
        )
    out = check_output_path(figure, overwrite) if figure else None
    table = run_checks(size=size, coupling=coupling, seed=seed, learned=learned)
    if out is not None:
        from ..plots.rg_flow import plot_rg_flow

        measured = [row["measured_coupling"] for row in table["decimation"]["layers"]]
        marker = None
        if "learned" in table:
            marker = {
                "layer": 1,
                "coupling": table["learned"]["nearest_mean"],
                "label": f"trained RBM, {table['learned']['n_spins']}-spin chain",
            }
        plot_rg_flow(table["decimation"]["couplings"], measured=measured, learned=marker, path=out)
        table["figure"] = str(out)
    if as_json:
        emit_json(table)
    else:
        _print_table(table)
        if out is not None:
            click.echo(f"figure: {out}")
    if not table["passed"]:
        raise SystemExit(1)


@command.command(name="exponents")
@click.option("--size", type=int, default=64, show_default=True, help="Lattice size L.")
@coupling_option(default_help="default: the exact J_c")
@choice_option(
    "--transform",
    ("majority", "majority3", "decimation", "learned"),
    "majority",
    "Block-spin transform; learned trains a stack of ConvRBMs on the samples first.",
)
@click.option(
    "--samples",
    "n_samples",
    type=int,
    default=50_000,
    show_default=True,
    help="Wolff configurations (10 clusters apart).",
)
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--kernel-size", type=int, default=2, show_default=True, help="Learned: k >= 2.")
@click.option("--epochs", type=int, default=5, show_default=True, help="Learned: per level.")
@click.option(
    "--model",
    type=click.Path(dir_okay=False, exists=True),
    help="Learned: load the ConvRBM levels from this file (an earlier --out DIR/model.h5).",
)
@out_dir_option(
    "Write report.html, exponents.json (and the learned levels as model.h5) here.",
    required=False,
)
@json_option("Print the estimates as JSON.")
@no_progress_option()
@handle_errors
def exponents(size, coupling, out_dir, as_json, no_progress, **settings) -> None:
    """Critical exponents y_T and y_h by Monte Carlo RG, per blocking step, against exact."""
    from ..constants import J_CRITICAL
    from ..experiments.exponents import ExponentsSettings, run

    model = settings.pop("model")
    experiment = ExponentsSettings(
        size=size,
        coupling=J_CRITICAL if coupling is None else coupling,
        model=None if model is None else str(model),
        **settings,
    )
    result = run(
        experiment,
        out_dir,
        progress=not (no_progress or as_json),
        log=(lambda message: None) if as_json else (lambda m: click.echo(m, err=True)),
    )
    if as_json:
        emit_json(result)
        return
    click.echo(f"{'step':>4} {'ops':>3} {'y_T':>16} {'y_h':>18}   (exact y_T = 1, y_h = 1.875)")
    for e in result["estimates"]:
        if e["n_operators"] not in (result["n_even"], result["n_odd"], 1, 2):
            continue
        y_t = f"{e['y_T']:.4f} ± {e['y_T_err']:.4f}" if e.get("measurable", True) else "—"
        y_h = f"{e['y_h']:.4f} ± {e['y_h_err']:.4f}" if e.get("y_h") == e.get("y_h") else "—"
        click.echo(f"{e['level']:>4} {e['n_operators']:>3} {y_t:>16} {y_h:>18}")
    best = result["best"]
    if best.get("y_T") is None or best["y_T"] != best["y_T"]:
        click.echo(f"best: not measurable — {best.get('reason') or best.get('rule', '')}")
    else:
        click.echo(
            f"best: y_T = {best['y_T']:.4f} ± {best['y_T_err']:.4f}, y_h = {best['y_h']:.4f} ± "
            f"{best['y_h_err']:.4f} ({best.get('rule', '')})"
        )
    if "verdict" in result:
        click.echo(result["verdict"]["statement"])
    if out_dir:
        click.echo(f"report: {out_dir}/report.html")
