"""Usage mistakes as one line: the command group every ``deeprg`` command runs under.

click reports a usage mistake (``--size abc``, an unknown option, a missing argument) as a
usage block of four lines. :class:`OneLineUsageGroup`, the class of the ``deeprg`` group,
prints each one instead as a single ``error: ...`` line that ends with the command's
``--help``, with exit status 2, for every command below it: the mistakes of the group
itself (an unknown command) are caught where it parses, those of its subcommands where it
invokes them.
"""

from __future__ import annotations

from typing import Any, NoReturn

import click
from click.exceptions import NoArgsIsHelpError

from ._common import one_line

#: Exit status of every usage mistake (click's, and deeprg's InputError).
USAGE_EXIT_STATUS = 2


def usage_error_line(exc: click.UsageError, ctx: click.Context | None = None) -> str:
    """The one line for a click usage mistake: what is wrong, then where the usage is."""
    context = exc.ctx or ctx
    message = (
        one_line(exc.format_message()).rstrip(".").replace(". (Did you mean", " (did you mean")
    )
    if message[:1].isupper() and not message[1:2].isupper():
        message = message[0].lower() + message[1:]
    if context is None:
        return f"error: {message}"
    return f"error: {message}; see '{context.command_path} --help'"


def _exit_on_usage_error(exc: click.UsageError, ctx: click.Context) -> NoReturn:
    click.echo(usage_error_line(exc, ctx), err=True)
    ctx.exit(USAGE_EXIT_STATUS)
    raise AssertionError("ctx.exit raises")  # pragma: no cover


class OneLineUsageGroup(click.Group):
    """A click group whose usage mistakes, and those of every command below it, are one line.

    ``deeprg`` and ``deeprg GROUP`` without arguments still print their help.
    """

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        try:
            return super().parse_args(ctx, args)
        except NoArgsIsHelpError:
            raise
        except click.UsageError as exc:
            _exit_on_usage_error(exc, ctx)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except NoArgsIsHelpError:
            raise
        except click.UsageError as exc:
            _exit_on_usage_error(exc, ctx)
