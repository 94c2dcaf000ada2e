"""One run per output folder: an exclusive lock that names its holder and dies with it.

Long commands (``reproduce``, ``sweep``, ``rg exponents``) write many files into one ``--out``
folder and reuse finished stages on a rerun. Two runs into the same folder would overwrite
each other's stages, so :func:`output_lock` takes an operating-system lock (``filelock``,
``flock`` on POSIX) on ``DIR/.deeprg.lock`` for the whole run. A second run refuses at once
with one line naming the holder's PID, host and start time, read from ``DIR/.deeprg.lock.json``
(written atomically after the lock is taken).

The operating system releases the lock when its process ends, however it ends (SIGKILL
included), so a lock left by a killed run is stale by construction: the next run takes it
over and replaces the holder record. Only the holder record outlives its process; it is
never trusted on its own.
"""

from __future__ import annotations

import json
import os
import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from filelock import FileLock, Timeout

from .errors import InputError

__all__ = ["LOCK_NAME", "output_lock"]

#: Lock file inside the output folder (the holder record adds ``.json``).
LOCK_NAME = ".deeprg.lock"


def _holder(directory: Path) -> str:
    """The holder record, as words ("PID 123 on host, since 12:00:01"), or a fallback."""
    try:
        record = json.loads((directory / f"{LOCK_NAME}.json").read_text())
        since = time.strftime("%H:%M:%S", time.localtime(float(record["started"])))
        return f"PID {int(record['pid'])} on {record['host']}, since {since}, {record['command']}"
    except (OSError, ValueError, KeyError, TypeError):
        return "a process whose record is not written yet"


def _write_holder(directory: Path, command: str) -> None:
    record = {"pid": os.getpid(), "host": socket.gethostname(), "started": time.time()}
    record["command"] = command
    path = directory / f"{LOCK_NAME}.json"
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(record))
    os.replace(tmp, path)


@contextmanager
def output_lock(directory: str | os.PathLike, command: str = "deeprg") -> Iterator[Path]:
    """Hold the exclusive lock of an output folder for the duration of a ``with`` block.

    Parameters
    ----------
    directory : path-like
        The output folder; it must exist.
    command : str
        What holds the lock, recorded for the message a second run prints
        (e.g. ``"reproduce mehta-schwab"``).

    Yields
    ------
    pathlib.Path
        The folder.

    Raises
    ------
    InputError
        Another live process holds the folder's lock (the message names it), or the folder
        cannot hold a lock file (read-only, for example).
    """
    folder = Path(directory)
    lock = FileLock(str(folder / LOCK_NAME), timeout=0)
    try:
        lock.acquire()
    except Timeout:
        raise InputError(
            f"{folder} is in use by another deeprg run ({_holder(folder)}); wait for it to "
            "finish or choose another --out"
        ) from None
    except OSError as exc:
        raise InputError(
            f"cannot lock {folder} ({exc.strerror or exc}); choose a writable --out"
        ) from exc
    try:
        try:
            _write_holder(folder, command)
        except OSError:
            pass  # a folder that takes no record still holds the lock; the message says less
        yield folder
    finally:
        try:
            (folder / f"{LOCK_NAME}.json").unlink(missing_ok=True)
        except OSError:
            pass  # a read-only folder keeps the record; the run's own error is the one to show
        finally:
            lock.release()
