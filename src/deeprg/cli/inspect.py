"""``deeprg inspect``: statistics, receptive fields and training curves of a model file.

Thin: checks the arguments, calls :func:`deeprg.experiments.inspect_report.inspect_model`
and :func:`~deeprg.experiments.inspect_report.write_inspection`, prints a summary.
"""

from __future__ import annotations

from pathlib import Path

import click

from ._common import emit_json, handle_errors


def _number(value: float, digits: int) -> str:
    """``value`` to ``digits`` significant digits, or ``-`` where it was not measured."""
    return f"{value:.{digits}g}" if value == value else "-"


def _summary(result: dict) -> None:
    """A few lines per layer on stdout (the full numbers are in inspect.json / --json)."""
    arch = "-".join(map(str, result["architecture"]))
    if result["shape"] is not None:
        how = f"{result['shape'][0]}x{result['shape'][1]} images ({result['shape_source']})"
    else:
        how = "bar charts (no 2-D shape known)"
    click.echo(
        f"model {Path(result['model']).name}: {arch} {result['units']} units; fields as {how}"
    )
    header = f"  {'layer':>5} {'w mean':>10} {'w std':>10} {'max|w|':>10} {'sparsity':>9}"
    header += f" {'block side':>10} {'final recon':>12}"
    click.echo(header)
    for row in result["layers"]:
        sizes = row.get("field_sizes") or {}
        side = sizes.get("block_side", float("nan"))
        history = row.get("history") or {}
        recon = history.get("final_reconstruction_error", float("nan"))
        click.echo(
            f"  {row['layer']:>5} {row['weight_mean']:>10.4g} {row['weight_std']:>10.4g} "
            f"{row['weight_max_abs']:>10.4g} {row['weight_sparsity']:>9.3f} "
            f"{_number(side, 3):>10} {_number(recon, 4):>12}"
        )
    if not result["has_history"]:
        click.echo("  no training history stored")


@click.command(name="inspect")
@click.argument("model")
@click.option(
    "--shape",
    default=None,
    metavar="HxW",
    help="Draw the fields as H x W images (H*W = visible units); default: the recorded shape.",
)
@click.option(
    "--max-units",
    type=int,
    default=None,
    help="Fields drawn per layer, strongest first (default: 36 as images, 12 as bar charts).",
)
@click.option(
    "--out",
    "-o",
    "out_dir",
    default=None,
    help="Directory for report.html, inspect.json and the figures (created if needed).",
)
@click.option(
    "--json", "as_json", is_flag=True, help="Print the statistics (inspect.json) as JSON."
)
@handle_errors
def command(
    model: str, shape: str | None, max_units: int | None, out_dir: str | None, as_json: bool
) -> None:
    """Statistics, receptive fields and training curves of a trained dense MODEL file.

    For every layer l: weight and bias statistics, the effective receptive fields
    r^(l) = W1 W2 ... Wl of its strongest units, their blob sizes and locality (where the
    visible units have a 2-D shape), and the per-epoch training history stored in the
    file. The fields are images when a shape is given (--shape 8x8) or recorded (models
    trained on Ising samples or image folders, 'deeprg reproduce' models); otherwise bar
    charts over the visible features. --out writes report.html, inspect.json and the PNG
    figures (an existing directory is reused, inspect's files in it replaced); --json
    prints the numbers.

    \b
        deeprg inspect m.h5 --shape 8x8 --out insp/
        deeprg inspect results/model.h5 --json
    """
    from ..errors import InputError
    from ..experiments.inspect_report import inspect_model, parse_shape, write_inspection
    from ..experiments.output import check_output_dir

    if out_dir is None and not as_json:
        raise InputError("pass --out DIR for the report, or --json for the numbers (or both)")
    if out_dir is not None:
        check_output_dir(out_dir)
    parsed = parse_shape(shape) if shape is not None else None
    if max_units is not None and max_units < 1:
        raise InputError(f"--max-units must be a positive integer, got {max_units}")
    inspection = inspect_model(model, shape=parsed, max_units=max_units)
    if out_dir is not None:
        write_inspection(inspection, out_dir)
    if as_json:
        emit_json(inspection.result)
        return
    _summary(inspection.result)
    click.echo(
        f"report: {Path(out_dir) / 'report.html'}   numbers: {Path(out_dir) / 'inspect.json'}"
    )
