"""Training checkpoints of an RBM: one file, rewritten atomically after every epoch.

A checkpoint holds everything a resumed run needs to continue bit-for-bit: parameters,
momentum velocities, persistent chains, centring offsets, the epoch count, the per-epoch
history and the torch generator's state, together with the hyper-parameters (``epochs`` and
``verbose`` aside) and a digest of the training data. It is written with ``torch.save`` to a
temporary file in the same directory and moved into place with ``os.replace``, so an
interrupted write never leaves a truncated checkpoint, and read with
``torch.load(weights_only=True)`` (plain tensors and Python values only).
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any

import numpy as np
import torch

from ..errors import InputError

__all__ = [
    "CheckpointMismatchError",
    "check_checkpoint_path",
    "checkpoint_settings",
    "data_fingerprint",
    "load_checkpoint",
    "save_checkpoint",
]

CHECKPOINT_FORMAT = "deeprg-rbm-checkpoint"
CHECKPOINT_VERSION = 1


class CheckpointMismatchError(InputError):
    """The checkpoint was made with other hyper-parameters or other training data."""


def checkpoint_settings(params: dict[str, Any]) -> dict[str, Any]:
    """Hyper-parameters that must match for a resume, as plain comparable values.

    ``epochs`` (a run may be extended) and ``verbose`` are left out; a callable schedule is
    compared by its qualified name and a numpy Generator seed only by its type.
    """
    settings = {}
    for key, value in params.items():
        if key in ("epochs", "verbose"):
            continue
        if callable(value):
            value = getattr(value, "__qualname__", repr(value))
        elif isinstance(value, np.random.Generator):
            value = "numpy.random.Generator"
        settings[key] = (
            value if isinstance(value, (int, float, str, bool, type(None))) else repr(value)
        )
    return settings


def save_checkpoint(path: Path, payload: dict[str, Any]) -> None:
    """Write ``payload`` (tensors and plain values) to ``path`` atomically.

    Raises
    ------
    InputError
        The checkpoint cannot be written (read-only folder, full disk, ...): one line that
        names it, with nothing half-written left behind.
    """
    payload = {"format": CHECKPOINT_FORMAT, "version": CHECKPOINT_VERSION, **payload}
    tmp = path.with_name(f".{path.name}.tmp{os.getpid()}")
    try:
        torch.save(payload, tmp)
        os.replace(tmp, path)
    except (OSError, RuntimeError) as exc:  # torch reports write failures as RuntimeError
        reason = getattr(exc, "strerror", None) or str(exc).strip().splitlines()[0]
        raise InputError(
            f"cannot write the checkpoint {path} ({reason}); free space or choose a writable "
            "checkpoint folder"
        ) from exc
    finally:
        try:
            tmp.unlink(missing_ok=True)
        except OSError:
            pass


def load_checkpoint(path: Path, settings: dict[str, Any], fingerprint: str) -> dict[str, Any]:
    """Read a checkpoint, refusing one made with other ``settings`` or other data.

    Raises
    ------
    InputError
        The file is unreadable or not a deeprg RBM checkpoint.
    CheckpointMismatchError
        Its hyper-parameters or its data digest differ.
    """
    try:
        payload = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:
        raise InputError(
            f"checkpoint {path} is unreadable ({type(exc).__name__}); delete it to start afresh"
        ) from exc
    if not isinstance(payload, dict) or payload.get("format") != CHECKPOINT_FORMAT:
        raise InputError(f"{path} is not a deeprg RBM checkpoint; choose another checkpoint path")
    if payload.get("version") != CHECKPOINT_VERSION:
        raise InputError(
            f"checkpoint {path} has version {payload.get('version')!r}, expected "
            f"{CHECKPOINT_VERSION}; delete it to start afresh"
        )
    saved = payload["settings"]
    changed = sorted(k for k in set(settings) | set(saved) if settings.get(k) != saved.get(k))
    if changed:
        key = changed[0]
        raise CheckpointMismatchError(
            f"checkpoint {path} was made with {key}={saved.get(key)!r}, not "
            f"{settings.get(key)!r}; use the same settings or delete the checkpoint"
        )
    if payload["data"] != fingerprint:
        raise CheckpointMismatchError(
            f"checkpoint {path} was made with different training data; delete it to start afresh"
        )
    return payload


def data_fingerprint(data: np.ndarray) -> str:
    """Digest of the training data (shape, dtype and bytes) for checkpoint matching."""
    digest = hashlib.blake2b(digest_size=16)
    digest.update(repr((data.shape, data.dtype.str)).encode())
    digest.update(np.ascontiguousarray(data).tobytes())
    return digest.hexdigest()


def check_checkpoint_path(checkpoint: str | os.PathLike | None) -> Path | None:
    if checkpoint is None:
        return None
    path = Path(checkpoint)
    parent = path.parent if str(path.parent) else Path(".")
    if not parent.is_dir():
        raise InputError(f"checkpoint directory {parent} does not exist; create it first")
    if path.exists() and not path.is_file():
        raise InputError(f"checkpoint {path} is not a file; choose a file path")
    return path
