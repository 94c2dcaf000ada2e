"""Exact conversion between binary {0, 1} and spin {-1, +1} RBM parameterisations.

With v = (s + 1)/2 and h = (t + 1)/2 for every visible and hidden unit, the binary energy
E_bin(v, h) = -a·v - b·h - v·W·h (the convention of docs/conventions.md) becomes

    E_bin(v, h) = E_spin(s, t) - c,
    W_spin = W / 4,
    a_spin = a / 2 + W 1 / 4          (row sums of W),
    b_spin = b / 2 + Wᵀ 1 / 4         (column sums of W),
    c      = Σ a / 2 + Σ b / 2 + Σ W / 4.

A constant shift of the energy changes no probability: p_bin(v, h) = p_spin(s, t) for every
configuration, all marginals and conditionals agree, and only the normaliser moves,
ln Z_bin = ln Z_spin + c (free energies shift the same way: F_bin(v) = F_spin(s) - c).
The inverse map (s = 2v - 1, t = 2h - 1) is

    W = 4 W_spin,   a = 2 a_spin - 2 W_spin 1,   b = 2 b_spin - 2 W_spinᵀ 1,
    ln Z_bin - ln Z_spin = Σ a_spin + Σ b_spin - Σ W_spin.
"""

from __future__ import annotations

import numpy as np

from .functional import check_units

__all__ = ["binary_to_spin", "convert_parameters", "convert_states", "spin_to_binary"]


def binary_to_spin(
    weights: np.ndarray, visible_bias: np.ndarray, hidden_bias: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    """Parameters of the spin RBM equivalent to a binary one.

    Parameters
    ----------
    weights : array of shape (n_visible, n_hidden)
    visible_bias : array of shape (n_visible,)
    hidden_bias : array of shape (n_hidden,)
        Binary-unit parameters (sign convention of docs/conventions.md).

    Returns
    -------
    weights, visible_bias, hidden_bias : float64 arrays of the same shapes
        Spin-unit parameters.
    log_z_shift : float
        ln Z_spin - ln Z_bin = -(Σa/2 + Σb/2 + ΣW/4).
    """
    w = np.asarray(weights, dtype=np.float64)
    a = np.asarray(visible_bias, dtype=np.float64)
    b = np.asarray(hidden_bias, dtype=np.float64)
    shift = -(a.sum() / 2 + b.sum() / 2 + w.sum() / 4)
    return w / 4, a / 2 + w.sum(axis=1) / 4, b / 2 + w.sum(axis=0) / 4, float(shift)


def spin_to_binary(
    weights: np.ndarray, visible_bias: np.ndarray, hidden_bias: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    """Parameters of the binary RBM equivalent to a spin one.

    Returns
    -------
    weights, visible_bias, hidden_bias : float64 arrays
        Binary-unit parameters.
    log_z_shift : float
        ln Z_bin - ln Z_spin = Σa_spin + Σb_spin - ΣW_spin.
    """
    w = np.asarray(weights, dtype=np.float64)
    a = np.asarray(visible_bias, dtype=np.float64)
    b = np.asarray(hidden_bias, dtype=np.float64)
    shift = a.sum() + b.sum() - w.sum()
    return 4 * w, 2 * a - 2 * w.sum(axis=1), 2 * b - 2 * w.sum(axis=0), float(shift)


def convert_parameters(
    weights: np.ndarray,
    visible_bias: np.ndarray,
    hidden_bias: np.ndarray,
    source: str,
    target: str,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    """Convert parameters from ``source`` units to ``target`` units.

    Returns the converted (weights, visible_bias, hidden_bias) as float64 and the shift
    ln Z_target - ln Z_source (0.0 and float64 copies when the units are equal).
    """
    source, target = check_units(source), check_units(target)
    if source == target:
        return (
            np.array(weights, dtype=np.float64),
            np.array(visible_bias, dtype=np.float64),
            np.array(hidden_bias, dtype=np.float64),
            0.0,
        )
    convert = binary_to_spin if source == "binary" else spin_to_binary
    return convert(weights, visible_bias, hidden_bias)


def convert_states(states: np.ndarray, source: str, target: str) -> np.ndarray:
    """Map unit states (or means) between units: s = 2v - 1 (binary→spin), v = (s + 1)/2."""
    source, target = check_units(source), check_units(target)
    x = np.asarray(states)
    if source == target:
        return x
    # The same arithmetic as 2x - 1 and (x + 1)/2, with the second step done in place: a
    # (20000, 1600) float32 batch then needs one 128 MB result instead of two.
    if target == "spin":
        out = np.multiply(2, x)
        out -= 1
        return out
    out = np.add(x, 1)
    if out.dtype.kind != "f":
        return out / 2  # integer states: the float result of a true division
    out /= 2
    return out
