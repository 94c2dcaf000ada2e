"""``deeprg sweep``: a grid of reproductions on Dask (local by default, any cluster by address)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ._common import emit_json, handle_errors
from ._options import device_option, json_option, no_progress_option, out_dir_option
from .reproduce import PRESET_NAMES, setting_options


@click.group(name="sweep")
def command() -> None:
    """Run a reproduction over a grid of couplings, sizes and seeds, on Dask."""


@command.command(name="mehta-schwab")
@click.option(
    "--couplings",
    required=True,
    help="Couplings: a list 0.36,0.40,0.44 or an inclusive range START:STOP:COUNT.",
)
@click.option("--sizes", required=True, help="Lattice sizes, e.g. 16,24,40 (each >= 4).")
@click.option("--repeats", type=int, default=1, show_default=True, help="Seeds per point.")
@click.option("--seed", type=int, default=0, show_default=True, help="The sweep's master seed.")
@click.option(
    "--preset",
    type=click.Choice(PRESET_NAMES),
    default="quick",
    show_default=True,
    help="Base settings of every point (without --layers, layers follow the size: N/4, N/16, N/64).",
)
@setting_options
@click.option(
    "--workers", type=int, help="Worker processes of the local cluster (default: one per core)."
)
@click.option(
    "--scheduler",
    help="Address of a running Dask scheduler, e.g. tcp://127.0.0.1:8786 (no local cluster).",
)
@click.option("--keep-files", is_flag=True, help="Also write each point's samples and model.")
@out_dir_option("Output directory (finished points in it are reused).")
@device_option("cpu or cuda (on the workers).")
@json_option("Print a summary as JSON.")
@no_progress_option()
@handle_errors
def mehta_schwab(
    couplings,
    sizes,
    repeats,
    seed,
    preset,
    workers,
    scheduler,
    keep_files,
    out_dir,
    device,
    as_json,
    no_progress,
    **overrides,
) -> None:
    """The Mehta–Schwab reproduction at every coupling × size × repeat, one Dask task each.

    Writes DIR/points/<key>/metrics.json (the reproduce format) as points finish, then
    DIR/sweep.csv (one row per point × layer) and DIR/report.html (curves against J).
    A rerun skips finished points. Exit status 1 if any point failed.
    """
    from ..experiments import sweep

    def log(message: str) -> None:
        click.echo(message, err=True)

    grid_couplings = sweep.parse_couplings(couplings)
    grid_sizes = sweep.parse_sizes(sizes)
    points = sweep.plan(
        grid_couplings, grid_sizes, repeats, seed, preset, overrides, device=device, log=log
    )
    result = sweep.run(
        points,
        out_dir,
        workers=workers,
        scheduler=scheduler,
        keep_files=keep_files,
        device=device,
        progress=not no_progress,
        log=log,
    )
    summary = {
        "points": len(points),
        "computed": len(result.computed),
        "reused": len(result.reused),
        "failed": result.failed,
        "seconds": result.seconds,
        "report": str(Path(out_dir) / "report.html"),
        "csv": str(Path(out_dir) / "sweep.csv"),
    }
    if as_json:
        emit_json(summary)
    else:
        click.echo(
            f"{len(result.computed)} computed, {len(result.reused)} reused, "
            f"{len(result.failed)} failed in {result.seconds:.1f} s; "
            f"report: {summary['report']}   table: {summary['csv']}"
        )
        for key, message in result.failed.items():
            click.echo(f"  failed {key}: {message}", err=True)
    if result.failed:
        sys.exit(1)
