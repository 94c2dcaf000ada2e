"""Atomic file writing: every file deeprg writes appears complete or not at all.

:func:`atomic_write` yields a temporary name in the target folder and renames it into place
only when the ``with`` block completes, so an interrupted run never leaves a truncated file
that looks valid. It lives beside :mod:`deeprg.locking` (one run per output folder): the
two together are how deeprg writes files. :func:`os_error_reason` turns an operating-system
failure (h5py's long messages included) into the short reason the one-line errors show.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import socket
import tempfile
from collections.abc import Iterator
from pathlib import Path

from .errors import InputError

__all__ = ["atomic_write", "os_error_reason"]

#: This host, as 8 hex digits in temporary file names (a PID means nothing on another host).
_HOST = hashlib.sha256(socket.gethostname().encode()).hexdigest()[:8]


@contextlib.contextmanager
def atomic_write(path: str | os.PathLike, overwrite: bool = False) -> Iterator[Path]:
    """Yield a temporary path next to ``path``; rename it to ``path`` on success.

    On any exception (KeyboardInterrupt included) the temporary file is removed and
    ``path`` is left untouched. A process killed outright (SIGKILL, a node lost) cannot
    remove its temporary file; its name records the writer's host and PID, and the next
    write of the same file on that host removes the ones whose writer is gone.

    Parameters
    ----------
    path : path-like
        Final file name.
    overwrite : bool, default False
        Replace an existing file. Without it an existing ``path`` is an error.

    Yields
    ------
    pathlib.Path
        The temporary file to write (it exists, empty, with the usual permissions).

    Raises
    ------
    InputError
        ``path`` exists (without ``overwrite``), its folder does not exist or cannot be
        written, or the write fails in the operating system (a full disk, for example).
    """
    final = Path(path)
    if final.exists() and not overwrite:
        raise InputError(f"{final} already exists; pass overwrite=True (--overwrite) to replace it")
    directory = final.parent if str(final.parent) else Path(".")
    if not directory.is_dir():
        raise InputError(f"directory {directory} does not exist; create it first")
    _remove_stale_temporaries(directory, final.name)
    try:
        fd, tmp_name = tempfile.mkstemp(
            prefix=f".{final.name}.{os.getpid()}-{_HOST}.", suffix=".tmp", dir=directory
        )
    except OSError as exc:
        raise InputError(
            f"cannot write in {directory} ({exc.strerror}); choose another path"
        ) from exc
    tmp = Path(tmp_name)
    umask = os.umask(0)
    os.umask(umask)
    try:  # mkstemp creates 0600; give the file the usual permissions (through its descriptor)
        if hasattr(os, "fchmod"):
            os.fchmod(fd, 0o666 & ~umask)
        else:  # pragma: no cover - Windows
            tmp.chmod(0o666 & ~umask)
    finally:
        os.close(fd)
    try:
        yield tmp
        os.replace(tmp, final)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            tmp.unlink()
        if isinstance(exc, OSError):
            raise InputError(
                f"cannot write {final} ({os_error_reason(exc)}); nothing was written there; "
                "free some space or choose another path"
            ) from exc
        raise


def _remove_stale_temporaries(directory: Path, name: str) -> None:
    """Remove the temporary files of earlier writes of ``name`` whose writer has died.

    Only files written on this host, by a process that no longer exists, are removed; a
    write in progress elsewhere (or by a live process here) is never touched.
    """
    pattern = re.compile(rf"\.{re.escape(name)}\.(\d+)-{_HOST}\.[^/]*\.tmp")
    try:
        candidates = list(directory.iterdir())
    except OSError:
        return
    for path in candidates:
        found = pattern.fullmatch(path.name)
        if found is None or int(found.group(1)) == os.getpid():
            continue
        try:
            os.kill(int(found.group(1)), 0)
        except ProcessLookupError:  # the writer is gone: its file can never be completed
            with contextlib.suppress(OSError):
                path.unlink()
        except (PermissionError, OverflowError):  # alive (another user's), or no PID at all
            continue


def os_error_reason(exc: BaseException) -> str:
    """A short, one-line reason for an :class:`OSError` (h5py's long messages included).

    h5py reports a failed write as ``OSError`` whose text carries the system's reason
    (``error message = 'No space left on device'``) among file offsets and descriptors;
    that reason is returned, as is ``strerror`` for an ordinary ``OSError``.

    Parameters
    ----------
    exc : BaseException
        The failure.

    Returns
    -------
    str
        At most 200 characters, one line.
    """
    strerror = getattr(exc, "strerror", None)
    if strerror:
        return str(strerror)
    text = str(exc)
    found = re.search(r"error message = '([^']*)'", text)
    if found:
        return found.group(1)
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    reason = lines[0] if lines else type(exc).__name__
    return reason if len(reason) <= 200 else reason[:197] + "..."
