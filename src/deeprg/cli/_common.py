"""Conventions shared by every ``deeprg`` command."""

from __future__ import annotations

import functools
import json
import math
import sys
from pathlib import Path
from typing import Any

import click
import numpy as np

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


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, np.ndarray):
        return _jsonable(value.tolist())
    if isinstance(value, np.generic):
        return _jsonable(value.item())
    if isinstance(value, float) and not math.isfinite(value):
        return None if math.isnan(value) else ("inf" if value > 0 else "-inf")
    if isinstance(value, Path):
        return str(value)
    return value


def emit_json(data: dict) -> None:
    """Print ``data`` as indented JSON on stdout (numpy values converted, NaN -> null)."""
    click.echo(json.dumps(_jsonable(data), indent=2))


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
