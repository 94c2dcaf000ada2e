"""``deeprg reproduce``: named end-to-end reproductions (today: Mehta & Schwab)."""

from __future__ import annotations

from pathlib import Path

import click

from ._common import emit_json, handle_errors, precision_option
from ._options import (
    ALGORITHMS,
    apply_options,
    coupling_option,
    device_option,
    int_list_callback,
    json_option,
    no_progress_option,
    out_dir_option,
    parse_int_list,
    renamed_option,
)

#: ``--preset`` of every reproduction: quick (seconds) or the paper's settings.
PRESET_NAMES = ("quick", "paper")


def _preset_option(help: str):
    return click.option(
        "--preset", type=click.Choice(PRESET_NAMES), default="quick", show_default=True, help=help
    )


def _reused_out_option():
    return out_dir_option("Output directory (finished stages in it are reused).")


def _print_verdicts(verdicts: list[dict]) -> None:
    for verdict in verdicts:
        mark = {True: "yes", False: "NO ", None: "n/a"}[verdict["holds"]]
        click.echo(f"  [{mark}] {verdict['claim']}: {verdict['evidence']}")


def setting_options(func):
    """Every reproduction setting but the lattice, coupling and seed, as click options.

    Shared by ``reproduce mehta-schwab`` and ``sweep mehta-schwab`` (where the grid sets
    those three).
    """
    options = [
        click.option("--samples", "n_samples", type=int, help="Monte Carlo samples."),
        click.option("--algorithm", type=click.Choice(ALGORITHMS)),
        click.option(
            "--layers",
            callback=int_list_callback("--layers", positive=False),
            help="Hidden layer sizes, bottom first, e.g. 400,100,25.",
        ),
        click.option("--epochs", type=int, help="Epochs per layer."),
        click.option("--lr", "learning_rate", type=float, help="Learning rate."),
        click.option("--batch-size", type=int),
        click.option("--cd-k", type=int),
        click.option("--persistent/--no-persistent", default=None, help="PCD instead of CD."),
        click.option("--l1", type=float),
        click.option("--l2", type=float),
        click.option("--momentum", type=float, help="Final momentum (after the switch)."),
        click.option("--initial-momentum", type=float, help="Momentum before the switch."),
        click.option("--momentum-switch-epoch", type=int, help="Epoch of the momentum switch."),
        click.option(
            "--weight-init-std", type=float, help="Standard deviation of the initial weights."
        ),
        click.option("--units", type=click.Choice(["binary", "spin"])),
        precision_option(),
        click.option("--generated", "n_generated", type=int, help="Network-generated samples."),
        click.option(
            "--generation-steps", type=int, help="Gibbs steps in the top RBM per generated sample."
        ),
        click.option(
            "--analysis-samples", "n_analysis", type=int, help="Data samples used by the analysis."
        ),
    ]
    return apply_options(func, options)


@click.group(name="reproduce")
def command() -> None:
    """Reproduce a paper end to end (samples, training, figures, metrics, report)."""


@command.command(name="mehta-schwab")
@_preset_option(
    "quick: 24×24, 576-144-36-9, ~15 s on 2 cores; paper: the paper's settings, 3-5 min."
)
@_reused_out_option()
@click.option("--size", type=int, help="Lattice size L.")
@coupling_option()
@setting_options
@click.option("--seed", type=int, help="Master seed.")
@device_option("cpu or cuda.")
@json_option("Print metrics.json to stdout.")
@no_progress_option()
@handle_errors
def mehta_schwab(preset, out_dir, device, as_json, no_progress, **overrides) -> None:
    """Mehta & Schwab (arXiv:1410.3831): Ising samples at J = 0.408, a DBN, its receptive
    fields and reconstructions — then deeprg's block-spin measurements and report.html."""
    from ..errors import InputError
    from ..experiments.mehta_schwab import run
    from ..experiments.mehta_schwab_settings import PRESETS

    if device not in ("cpu", "cuda") and not device.startswith("cuda:"):
        raise InputError(f"unknown device {device!r}; use cpu or cuda")
    changes = {k: v for k, v in overrides.items() if v is not None}
    settings = PRESETS[preset].replace(**changes)
    result = run(settings, out_dir, preset=preset, device=device, progress=not no_progress)
    if as_json:
        emit_json(result)
        return
    out = Path(out_dir)
    click.echo(f"report: {out / 'report.html'}   metrics: {out / 'metrics.json'}")
    _print_verdicts(result["verdicts"])


def _float_list(name: str, value: str | None):
    """Parse "0.5,1,2" or an inclusive range "START:STOP:STEP" (InputError on bad text)."""
    from ..errors import InputError

    if value is None:
        return None
    text = value.strip()
    try:
        if ":" in text:
            start, stop, step = (float(part) for part in text.split(":"))
            if not step > 0 or stop < start:
                raise ValueError
            count = round((stop - start) / step) + 1
            return tuple(round(start + i * step, 10) for i in range(count))
        values = tuple(float(part) for part in text.split(",") if part.strip())
    except ValueError:
        raise InputError(
            f"{name} must be numbers like 0.5,1,2 or a range START:STOP:STEP like 0.25:5:0.25, "
            f"got {value!r}"
        ) from None
    if not values:
        raise InputError(f"{name} is empty; give numbers like 0.5,1,2")
    return values


@command.command(name="iso-flow")
@_preset_option(
    "quick: 10 temperatures, N_h 36/100/196, 2 seeds, ~20 s; paper: Iso et al.'s grid "
    "T = 0.25…5 and T_c, N_h 16…400, 3 seeds, a few minutes."
)
@_reused_out_option()
@click.option("--size", type=int, help="Lattice size L (N = L² visible units).")
@click.option("--temperatures", help="Temperature grid T = 1/J: 0.5,1,2 or START:STOP:STEP.")
@click.option("--include-critical/--no-include-critical", default=None, help="Add T_c to the grid.")
@click.option("--algorithm", type=click.Choice(ALGORITHMS))
@click.option("--samples", "n_train", type=int, help="Training configurations per temperature.")
@renamed_option("--train-samples", "--samples", "n_train", type=int)
@click.option("--test-samples", "n_test", type=int, help="Test configurations per temperature.")
@click.option("--thermometer-hidden", type=int, help="Hidden units of the thermometer MLP.")
@click.option("--thermometer-epochs", type=int)
@click.option("--thermometer-lr", type=float)
@click.option("--thermometer-batch-size", type=int)
@click.option("--thermometer-weight-decay", type=float)
@click.option(
    "--thermometer-augment/--no-thermometer-augment",
    default=None,
    help="Random torus translations while training the thermometer.",
)
@click.option(
    "--layers",
    "hidden_sizes",
    help="Hidden-layer sizes N_h of the RBMs, one single-layer RBM per size, e.g. 16,100,400.",
)
@renamed_option("--hidden", "--layers", "hidden_sizes")
@click.option("--rbm-seeds", type=int, help="RBMs per hidden size (>= 2, the error bars).")
@click.option("--units", type=click.Choice(["spin", "binary"]))
@click.option("--epochs", type=int, help="RBM training epochs.")
@click.option("--lr", "learning_rate", type=float, help="RBM learning rate.")
@click.option("--batch-size", type=int)
@click.option("--cd-k", type=int)
@click.option("--persistent/--no-persistent", default=None, help="PCD instead of CD.")
@click.option("--l1", type=float)
@click.option("--l2", type=float)
@click.option("--momentum", type=float, help="Final momentum (after the switch).")
@click.option("--initial-momentum", type=float, help="Momentum before the switch.")
@click.option("--momentum-switch-epoch", type=int, help="Epoch of the momentum switch.")
@click.option("--weight-init-std", type=float, help="Standard deviation of the initial weights.")
@click.option("--flow-starts", type=int, help="Flows started from each temperature.")
@click.option("--flow-steps", type=int, help="Steps of every flow.")
@click.option("--tail-fraction", type=float, help="Fraction of the last steps averaged into T*.")
@click.option(
    "--convergence-tolerance", type=float, help="Distance to T* within which a flow has converged."
)
@click.option("--seed", type=int, help="Master seed.")
@device_option("cpu or cuda.")
@click.option(
    "--threads",
    type=int,
    default=1,
    show_default=True,
    help="Torch threads (more can be much slower on a shared machine).",
)
@json_option("Print metrics.json to stdout.")
@no_progress_option()
@handle_errors
def iso_flow(preset, out_dir, device, threads, as_json, no_progress, **overrides) -> None:
    """Iso, Shiba & Yokoo (PRE 97, 053304): RBM flows read by a neural-network thermometer
    flow towards T_c — with exact references, controls and the N_h dependence of Veiga &
    Vicente (arXiv:2006.10176); report.html and metrics.json."""
    from ..experiments.iso_flow import run
    from ..experiments.iso_flow_settings import PRESETS

    overrides["temperatures"] = _float_list("--temperatures", overrides["temperatures"])
    overrides["hidden_sizes"] = parse_int_list(
        "--layers", overrides["hidden_sizes"], "16,100,400", positive=False
    )
    changes = {k: v for k, v in overrides.items() if v is not None}
    settings = PRESETS[preset].replace(**changes)
    result = run(
        settings, out_dir, preset=preset, device=device, progress=not no_progress, threads=threads
    )
    if as_json:
        emit_json(result)
        return
    out = Path(out_dir)
    click.echo(f"report: {out / 'report.html'}   metrics: {out / 'metrics.json'}")
    flow = result["flow"]
    click.echo(f"  T_c = {flow['critical_temperature']:.4f}")
    for update, key in (("mean-field", "fixed_points"), ("sampled", "fixed_points_sampled")):
        for point in flow[key]:
            steps = "not converged" if point["steps"] is None else f"{point['steps']:.0f} steps"
            click.echo(
                f"  {update:10s} N_h = {point['n_hidden']:4d}: T* = {point['temperature']:.3f} "
                f"± {point['stderr']:.3f} ({steps})"
            )
    _print_verdicts(result["verdicts"])
