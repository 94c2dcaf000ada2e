"""The output folder of an experiment: checked, created, locked, and its JSON documents written.

Every command that writes a folder (``reproduce``, ``sweep``, ``rg exponents``, ``inspect``)
refuses a path that is a file, and a folder it cannot create, with the same one-line
message naming the fix; a run holds the folder's lock (:func:`deeprg.locking.output_lock`)
from start to end.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
from collections.abc import Iterator
from pathlib import Path

from .. import io
from .._json import jsonable
from ..errors import InputError
from ..locking import output_lock

__all__ = [
    "check_output_dir",
    "locked_output_dir",
    "make_output_dir",
    "stderr_log",
    "write_json",
]


def check_output_dir(out_dir: str | os.PathLike) -> Path:
    """``out_dir`` as a path, refused when it exists and is not a directory.

    Raises
    ------
    InputError
        "<path> exists and is not a directory; choose another --out".
    """
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise InputError(f"{out} exists and is not a directory; choose another --out")
    return out


def make_output_dir(out_dir: str | os.PathLike) -> Path:
    """Check ``out_dir`` (:func:`check_output_dir`) and create it with its parents.

    Raises
    ------
    InputError
        When it is a file, or cannot be created (the reason and the fix in one line).
    """
    out = check_output_dir(out_dir)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"cannot create {out} ({exc.strerror}); choose another --out") from exc
    return out


@contextlib.contextmanager
def locked_output_dir(out_dir: str | os.PathLike, command: str) -> Iterator[Path]:
    """Create ``out_dir`` (:func:`make_output_dir`) and hold its lock for ``command``."""
    out = make_output_dir(out_dir)
    with output_lock(out, command):
        yield out


def write_json(document, path: str | os.PathLike, indent: int = 2) -> Path:
    """Write ``document`` as strict JSON (NaN as null, numpy values as numbers), atomically."""
    with io.atomic_write(path, overwrite=True) as tmp:
        tmp.write_text(json.dumps(jsonable(document), indent=indent, allow_nan=False))
    return Path(path)


def stderr_log(message: str) -> None:
    """The default stage logger: one line on stderr."""
    print(message, file=sys.stderr, flush=True)
