"""Every usage mistake of every command is one ``error:`` line with exit status 2.

The commands are found by walking the ``deeprg`` group, so a command added later is
covered without touching this file. None of the invocations gets as far as running its
command: click refuses them while parsing.
"""

from __future__ import annotations

import click
import pytest
from click.testing import CliRunner

from deeprg.cli import main


def _commands(group: click.Group = main, path: tuple[str, ...] = ()):
    """(path, command) of every leaf command below ``group``."""
    ctx = click.Context(group)
    for name in group.list_commands(ctx):
        command = group.get_command(ctx, name)
        if isinstance(command, click.Group):
            yield from _commands(command, (*path, name))
        else:
            yield (*path, name), command


def _groups(group: click.Group = main, path: tuple[str, ...] = ()):
    yield path
    ctx = click.Context(group)
    for name in group.list_commands(ctx):
        command = group.get_command(ctx, name)
        if isinstance(command, click.Group):
            yield from _groups(command, (*path, name))


COMMANDS = dict(_commands())
IDS = [" ".join(path) for path in COMMANDS]


def _one_error_line(args: list[str], *words: str) -> str:
    result = CliRunner().invoke(main, args)
    lines = result.output.strip().splitlines()
    assert result.exit_code == 2, (args, result.output)
    assert len(lines) == 1, (args, lines)
    line = lines[0]
    assert line.startswith("error: "), (args, line)
    assert "Usage:" not in line and "Traceback" not in result.output
    for word in words:
        assert word in line, (args, line)
    return line


def test_every_command_is_covered():
    """The walk finds the commands of the contract (a broken walk would test nothing)."""
    for path in (
        ("exact", "ising2d"),
        ("sample", "ising2d"),
        ("train",),
        ("transform",),
        ("inspect",),
        ("rg", "exponents"),
        ("reproduce", "mehta-schwab"),
        ("reproduce", "iso-flow"),
        ("sweep", "mehta-schwab"),
    ):
        assert path in COMMANDS


@pytest.mark.parametrize("path", list(COMMANDS), ids=IDS)
def test_an_unknown_option_is_one_line_naming_the_help(path):
    line = _one_error_line([*path, "--no-such-option", "1"], "--no-such-option")
    assert line.endswith(f"see 'deeprg {' '.join(path)} --help'"), line


@pytest.mark.parametrize("path", list(COMMANDS), ids=IDS)
def test_a_value_of_the_wrong_type_is_one_line(path):
    command = COMMANDS[path]
    numeric = [
        p
        for p in command.params
        if isinstance(p, click.Option)
        and not p.is_flag
        and not p.hidden
        and isinstance(p.type, (click.types.IntParamType, click.types.FloatParamType))
    ]
    if not numeric:
        pytest.skip(f"deeprg {' '.join(path)} has no numeric option")
    option = numeric[0].opts[0]
    _one_error_line([*path, option, "abc"], option, "abc")


@pytest.mark.parametrize("path", list(COMMANDS), ids=IDS)
def test_a_missing_argument_or_option_is_one_line(path):
    command = COMMANDS[path]
    required = [p for p in command.params if p.required]
    if not required:
        pytest.skip(f"deeprg {' '.join(path)} has no required argument or option")
    _one_error_line(list(path), "missing")


@pytest.mark.parametrize("path", list(_groups()), ids=lambda p: " ".join(p) or "deeprg")
def test_an_unknown_command_is_one_line(path):
    _one_error_line([*path, "no-such-command"], "no-such-command", "--help")


def test_a_group_without_arguments_still_shows_its_help():
    result = CliRunner().invoke(main, ["sample"])
    assert "Usage:" in result.output and "ising2d" in result.output


def test_the_size_abc_example_of_the_contract():
    line = _one_error_line(["rg", "exponents", "--size", "abc"], "--size", "'abc'", "integer")
    assert line == (
        "error: invalid value for '--size': 'abc' is not a valid integer; "
        "see 'deeprg rg exponents --help'"
    )
