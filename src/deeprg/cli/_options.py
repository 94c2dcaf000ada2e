"""Options that several ``deeprg`` commands share: one spelling, one help text each.

Every command that has ``--out DIR``, ``--json``, ``--no-progress``, ``--device`` or
``--coupling`` declares it through the factories here, so the names and their meanings
cannot drift apart. :func:`renamed_option` keeps an old spelling working, hidden from
``--help``, with a deprecation warning on stderr.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import click

from ..errors import InputError

#: The Monte Carlo updates of ``deeprg sample``, ``reproduce`` and ``sweep``.
ALGORITHMS = ("wolff", "swendsen-wang", "metropolis", "heat-bath")

#: What ``--coupling`` means in every command (``J`` in H = -J Σ s_i s_j, β absorbed).
COUPLING_HELP = "Coupling J of H = -J Σ s_i s_j (β absorbed; J_c = 0.440687 on the square lattice)"

Decorator = Callable[[Callable[..., Any]], Callable[..., Any]]


def apply_options(func: Callable[..., Any], options: list[Decorator]) -> Callable[..., Any]:
    """Apply click option decorators so that ``--help`` lists them in the given order."""
    for option in reversed(options):
        func = option(func)
    return func


def out_dir_option(help: str, required: bool = True) -> Decorator:
    """``--out DIR``: the output folder of a long command (passed on as ``out_dir``)."""
    return click.option(
        "--out", "out_dir", required=required, type=click.Path(file_okay=False), help=help
    )


def json_option(help: str = "Print the numbers as JSON.") -> Decorator:
    """``--json``: print machine-readable numbers (passed on as ``as_json``)."""
    return click.option("--json", "as_json", is_flag=True, help=help)


def no_progress_option() -> Decorator:
    """``--no-progress``: hide the progress bars."""
    return click.option("--no-progress", is_flag=True, help="Hide the progress bars.")


def device_option(help: str = "cpu or cuda[:N].") -> Decorator:
    """``--device``: where the computation runs (default cpu)."""
    return click.option("--device", default="cpu", show_default=True, help=help)


def coupling_option(
    required: bool = False, default_help: str = "", short: bool = False
) -> Decorator:
    """``--coupling`` (``-J`` where ``short``): the coupling J, described the same everywhere."""
    names = ("--coupling", "-J") if short else ("--coupling",)
    suffix = f"; {default_help}" if default_help else ""
    return click.option(
        *names, "coupling", type=float, required=required, help=f"{COUPLING_HELP}{suffix}."
    )


def choice_option(name: str, choices: tuple[str, ...] | list[str], default: str, help: str):
    """An option with a fixed set of values and a default shown in ``--help``."""
    return click.option(
        name, type=click.Choice(list(choices)), default=default, show_default=True, help=help
    )


def parse_int_list(
    option: str, text: str | None, example: str = "400,100,25", positive: bool = True
) -> tuple[int, ...] | None:
    """``"400,100,25"`` as a tuple of integers (None stays None), else InputError.

    With ``positive`` every value must be >= 1; without it the range is left to the
    settings that receive the values (their message names the setting).
    """
    if text is None:
        return None
    try:
        values = tuple(int(part) for part in text.split(","))  # "4,,3" and "" are refused
    except ValueError:
        values = ()
    if not values or (positive and any(value < 1 for value in values)):
        kind = "positive integers" if positive else "integers"
        raise InputError(f"{option} must be comma-separated {kind} like {example}, got {text!r}")
    return values


def int_list_callback(option: str, example: str = "400,100,25", positive: bool = True):
    """A click callback that parses the option's text with :func:`parse_int_list`."""

    def callback(ctx: click.Context, param: click.Parameter, value: str | None):
        try:
            return parse_int_list(option, value, example, positive)
        except InputError as exc:
            raise click.BadParameter(str(exc).removeprefix(f"{option} "), ctx, param) from None

    return callback


def renamed_option(old: str, new: str, dest: str, **kwargs: Any) -> Decorator:
    """Keep ``old`` as a hidden, deprecated spelling of the option ``new`` (parameter ``dest``).

    The old spelling accepts the same values (``kwargs`` as for ``new``), prints one
    ``warning:`` line on stderr naming ``new``, and passes its value on as ``dest``. Giving
    both spellings is a usage error.
    """
    alias = f"deprecated_{dest}"

    def decorate(func: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(func)
        def wrapper(*args: Any, **options: Any) -> Any:
            value = options.pop(alias)
            if value is not None:
                click.echo(f"warning: {old} is deprecated and will be removed; use {new}", err=True)
                if options.get(dest) is not None:
                    raise click.UsageError(f"{old} is the old name of {new}; give {new} only")
                options[dest] = value
            return func(*args, **options)

        return click.option(old, alias, hidden=True, default=None, **kwargs)(wrapper)

    return decorate
