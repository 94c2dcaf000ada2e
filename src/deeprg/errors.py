"""Errors raised at deeprg's public boundary.

Every user-facing function validates its input and raises :class:`InputError` with a
one-line message that says what was wrong and how to fix it. The command line prints
that line (``error: ...``) and exits with status 2, without a traceback.
"""

from __future__ import annotations

import math
from numbers import Integral, Real

__all__ = ["InputError", "check_finite", "check_int"]


class InputError(ValueError):
    """Invalid input given to a public deeprg function or command.

    The message is a single line that names the offending value and the fix.
    """


def check_int(name: str, value: object, minimum: int | None = None) -> int:
    """Return ``value`` as an int, or raise :class:`InputError`.

    Parameters
    ----------
    name : str
        Parameter name shown in the message (e.g. ``"size"``).
    value : object
        The value to check; bools and non-integral numbers are refused.
    minimum : int, optional
        Smallest allowed value.
    """
    if isinstance(value, bool) or not isinstance(value, Integral):
        raise InputError(f"{name} must be an integer, got {value!r}")
    value = int(value)
    if minimum is not None and value < minimum:
        raise InputError(f"{name} must be >= {minimum}, got {value}")
    return value


def check_finite(name: str, value: object) -> float:
    """Return ``value`` as a finite float, or raise :class:`InputError`."""
    if isinstance(value, bool) or not isinstance(value, Real):
        raise InputError(f"{name} must be a real number, got {value!r}")
    value = float(value)
    if not math.isfinite(value):
        raise InputError(f"{name} must be finite, got {value}; pass a finite number")
    return value
