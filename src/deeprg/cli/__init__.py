"""The ``deeprg`` command line (thin: parses, calls the library, prints).

Each command group lives in its own module of this package; :func:`_register` adds the
module's ``command`` (or each of its ``commands``) to :data:`main`. Shared conventions: an
:class:`~deeprg.errors.InputError` becomes a one-line ``error: ...`` and exit status 2
(:mod:`deeprg.cli._common`), and so does every click usage mistake of every command
(:mod:`deeprg.cli._usage`); options that several commands have are declared once
(:mod:`deeprg.cli._options`); ``--json`` prints machine-readable numbers.
"""

from __future__ import annotations

import click

from .. import __version__
from ._usage import OneLineUsageGroup


@click.group(
    name="deeprg",
    cls=OneLineUsageGroup,
    context_settings={"help_option_names": ["-h", "--help"]},
)
@click.version_option(__version__, prog_name="deeprg")
def main() -> None:
    """deeprg: variational RG and deep learning (Mehta & Schwab, arXiv:1410.3831).

    Exact Ising references, fast Monte Carlo, RBM/DBN training, the exact RG mapping,
    the paper's reproduction and the compression curve of your own tables (evaluate),
    each with --json output.
    """


def _register() -> None:
    import importlib

    for name in (
        "exact",
        "sample",
        "train",
        "transform",
        "evaluate",
        "inspect",
        "rg",
        "reproduce",
        "sweep",
        "score",
    ):
        try:
            module = importlib.import_module(f"{__name__}.{name}")
        except ModuleNotFoundError as exc:  # a command group not written yet
            if exc.name != f"{__name__}.{name}":
                raise
            continue
        for command in getattr(module, "commands", (module.command,)):
            main.add_command(command)


_register()
