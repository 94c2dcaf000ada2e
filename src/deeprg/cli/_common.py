"""Conventions shared by every ``deeprg`` command."""

from __future__ import annotations

import errno
import functools
import json
import sys
from pathlib import Path

import click

from .._json import jsonable
from ..errors import InputError

#: ``--precision`` values and the ``matmul_dtype`` of the RBMs they select
#: (:mod:`deeprg.rbm.precision`).
PRECISIONS = {"auto": "auto", "fp32": "float32", "bf16": "bfloat16", "tf32": "tfloat32"}


def precision_option(default: str | None = None):
    """The ``--precision auto|fp32|bf16|tf32`` option of ``train`` and ``reproduce``, passed
    to the command as ``matmul_dtype`` ("auto"/"float32"/"bfloat16"/"tfloat32", or None when
    left unset)."""
    return click.option(
        "--precision",
        "matmul_dtype",
        type=click.Choice(list(PRECISIONS)),
        default=default,
        show_default=default is not None,
        callback=lambda ctx, param, value: PRECISIONS.get(value),
        help="Operands of the training's matrix products: bf16 (bfloat16, float32 "
        "parameters; about 2x faster on CPUs with AVX-512 BF16 or AMX and on GPUs), fp32, "
        "tf32 (CUDA tensor cores), or auto: bf16 for layers of >= 2^17 weights where this "
        "device runs it fast, else fp32." + ("" if default else " Default: auto."),
    )


def one_line(message: object) -> str:
    """``message`` as a single line (runs of whitespace, newlines included, become one space)."""
    return " ".join(str(message).split())


def _os_error_line(exc: OSError) -> str:
    """One line for an operating-system failure: what failed, on which file, and why."""
    from ..atomic import os_error_reason

    names = [str(name) for name in (exc.filename, exc.filename2) if name is not None]
    where = f" ({' -> '.join(names)})" if names else ""
    advice = {
        errno.ENOSPC: "free some space or choose another --out",
        errno.EDQUOT: "free some space or choose another --out",
        errno.EACCES: "check the permissions or choose another --out",
        errno.EPERM: "check the permissions or choose another --out",
        errno.EROFS: "the file system is read-only; choose another --out",
        errno.ENOENT: "a file or folder disappeared while the command ran; check the paths "
        "and run it again",
    }.get(exc.errno, "check the paths and run it again")
    return one_line(f"{os_error_reason(exc)}{where}; {advice}")


OUT_OF_MEMORY = (
    "out of memory; reduce the sizes asked for (samples, lattice, layers) or use a machine "
    "with more memory"
)


def _runtime_error_line(exc: RuntimeError) -> str | None:
    """One line for the RuntimeErrors that are the input's fault, else None (a bug: re-raised).

    torch reports a failed allocation (``DefaultCPUAllocator: can't allocate memory``, CUDA
    out of memory) as a RuntimeError, and training that diverges (too large a learning rate
    or initial weights) raises :class:`deeprg.rbm.training.TrainingDivergedError`.
    """
    text = str(exc)
    if "can't allocate memory" in text or "out of memory" in text.lower():
        return OUT_OF_MEMORY
    training = sys.modules.get("deeprg.rbm.training")
    diverged = getattr(training, "TrainingDivergedError", None)
    if diverged is not None and isinstance(exc, diverged):
        return one_line(exc)
    return None


def handle_errors(func):
    """Turn :class:`InputError` (and bad paths) into ``error: ...`` and exit status 2.

    Failures of the system rather than of the input are reported the same way, as one line
    without a traceback: an :class:`OSError` (a full disk, a folder made read-only or a file
    deleted while the command runs) and :class:`MemoryError`. Every writer is atomic, so
    none of them leaves a partial output file behind. So are a failed allocation inside
    torch (a RuntimeError) and training that diverges.
    """

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except InputError as exc:
            click.echo(f"error: {one_line(exc)}", err=True)
            sys.exit(2)
        except OSError as exc:
            click.echo(f"error: {_os_error_line(exc)}", err=True)
            sys.exit(2)
        except MemoryError:
            click.echo(f"error: {OUT_OF_MEMORY}", err=True)
            sys.exit(2)
        except RuntimeError as exc:
            line = _runtime_error_line(exc)
            if line is None:
                raise
            click.echo(f"error: {line}", err=True)
            sys.exit(2)
        except KeyboardInterrupt:
            click.echo("interrupted; no partial output was left behind", err=True)
            sys.exit(130)

    return wrapper


def emit_json(data: dict) -> None:
    """Print ``data`` as indented JSON on stdout (numpy values converted, NaN -> null)."""
    click.echo(json.dumps(jsonable(data), indent=2))


def emit_summary(summary: dict, as_json: bool, title: str, dropped_rows: int = 0) -> None:
    """Print a command's summary: JSON on stdout, or a table under ``title``.

    Rows dropped for NaN or Inf (``--missing drop``) are counted on stderr with the table.
    """
    if as_json:
        emit_json(summary)
        return
    if dropped_rows:
        click.echo(f"dropped {dropped_rows} rows with NaN or Inf (--missing drop)", err=True)
    emit_table(summary, title=title)


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
