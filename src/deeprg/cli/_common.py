"""Conventions shared by every ``deeprg`` command."""

from __future__ import annotations

import functools
import json
import sys
from pathlib import Path

import click

from .._json import jsonable
from ..errors import InputError


def handle_errors(func):
    """Turn :class:`InputError` (and bad paths) into ``error: ...`` and exit status 2."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except InputError as exc:
            click.echo(f"error: {exc}", err=True)
            sys.exit(2)
        except KeyboardInterrupt:
            click.echo("interrupted; no partial output was left behind", err=True)
            sys.exit(130)

    return wrapper


def emit_json(data: dict) -> None:
    """Print ``data`` as indented JSON on stdout (numpy values converted, NaN -> null)."""
    click.echo(json.dumps(jsonable(data), indent=2))


def emit_table(rows: dict, title: str | None = None) -> None:
    """Print a two-column table of name/value pairs."""
    if title:
        click.echo(title)
    width = max((len(str(k)) for k in rows), default=0)
    for key, value in rows.items():
        if isinstance(value, float):
            text = f"{value:.12g}"
        else:
            text = str(value)
        click.echo(f"  {key!s:<{width}}  {text}")


def check_output_path(path: str | Path, overwrite: bool) -> Path:
    """Validate an output file path before any work is done."""
    out = Path(path)
    if out.exists() and not overwrite:
        raise InputError(
            f"{out} already exists; pass --overwrite to replace it or choose another --out"
        )
    parent = out.parent if str(out.parent) else Path(".")
    if not parent.is_dir():
        raise InputError(f"directory {parent} does not exist; create it or choose another --out")
    import os

    if not os.access(parent, os.W_OK):
        raise InputError(f"directory {parent} is not writable; choose another --out")
    return out
