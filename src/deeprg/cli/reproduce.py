"""``deeprg reproduce``: named end-to-end reproductions (today: Mehta & Schwab)."""

from __future__ import annotations

from pathlib import Path

import click

from ._common import emit_json, handle_errors

#: ``--precision`` values and the ``matmul_dtype`` they select.
PRECISIONS = {"fp32": "float32", "bf16": "bfloat16"}


def _layers(value: str | None):
    if value is None:
        return None
    try:
        return tuple(int(part) for part in value.split(",") if part.strip())
    except ValueError as exc:
        raise click.BadParameter("give hidden layer sizes like 400,100,25") from exc


def setting_options(func):
    """Every reproduction setting but the lattice, coupling and seed, as click options.

    Shared by ``reproduce mehta-schwab`` and ``sweep mehta-schwab`` (where the grid sets
    those three).
    """
    options = [
        click.option("--samples", "n_samples", type=int, help="Monte Carlo samples."),
        click.option(
            "--algorithm", type=click.Choice(["wolff", "swendsen-wang", "metropolis", "heat-bath"])
        ),
        click.option(
            "--layers",
            callback=lambda ctx, param, value: _layers(value),
            help="Hidden layer sizes, e.g. 400,100,25.",
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
        click.option(
            "--precision",
            "matmul_dtype",
            type=click.Choice(["fp32", "bf16"]),
            callback=lambda ctx, param, value: PRECISIONS.get(value),
            help="Operands of the training's matrix products: float32, or bfloat16 with float32 "
            "parameters (faster on CPUs with AVX-512 BF16 and on GPUs).",
        ),
        click.option("--generated", "n_generated", type=int, help="Network-generated samples."),
        click.option(
            "--generation-steps", type=int, help="Gibbs steps in the top RBM per generated sample."
        ),
        click.option(
            "--analysis-samples", "n_analysis", type=int, help="Data samples used by the analysis."
        ),
    ]
    for option in reversed(options):
        func = option(func)
    return func


@click.group(name="reproduce")
def command() -> None:
    """Reproduce a paper end to end (samples, training, figures, metrics, report)."""


@command.command(name="mehta-schwab")
@click.option(
    "--preset",
    type=click.Choice(["quick", "paper"]),
    default="quick",
    show_default=True,
    help="quick: 24×24, 576-144-36-9, ~15 s on 2 cores; paper: the paper's settings, ~7 min.",
)
@click.option(
    "--out",
    "out_dir",
    required=True,
    type=click.Path(file_okay=False),
    help="Output directory (finished stages in it are reused).",
)
@click.option("--size", type=int, help="Lattice size L.")
@click.option("--coupling", type=float, help="Coupling J.")
@setting_options
@click.option("--seed", type=int, help="Master seed.")
@click.option("--device", default="cpu", show_default=True, help="cpu or cuda.")
@click.option("--json", "as_json", is_flag=True, help="Print metrics.json to stdout.")
@click.option("--no-progress", is_flag=True, help="Hide progress bars.")
@handle_errors
def mehta_schwab(preset, out_dir, device, as_json, no_progress, **overrides) -> None:
    """Mehta & Schwab (arXiv:1410.3831): Ising samples at J = 0.408, a DBN, its receptive
    fields and reconstructions — then deeprg's block-spin measurements and report.html."""
    from ..errors import InputError
    from ..experiments.mehta_schwab import run
    from ..experiments.settings import PRESETS

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
    for verdict in result["verdicts"]:
        mark = {True: "yes", False: "NO ", None: "n/a"}[verdict["holds"]]
        click.echo(f"  [{mark}] {verdict['claim']}: {verdict['evidence']}")
