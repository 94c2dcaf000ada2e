"""Do hidden units behave like block spins of the region they look at?

Kadanoff's block-spin step replaces a b x b block of spins by one coarse spin (majority
rule) or by the block magnetisation. If a trained network performs block-spin RG, a
layer-l hidden unit should track the block of side b^l around its receptive-field
centre. This module measures that, per unit, as the absolute Pearson correlation across
samples between the unit's activation and the block's value (absolute because a unit's
sign convention is arbitrary), beside a control: the same unit against a block placed at
random, which tracks the unit only as far as the spins' own correlations reach.

- :func:`block_agreement` builds the block around each unit's centre itself;
- :func:`coarse_block_agreement` takes block spins already computed on the fixed coarse
  grid (e.g. ``deeprg.rg.majority_block_spins``) and pairs each unit with the coarse
  cell that contains its centre.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._random import SeedLike, as_generator
from ..errors import InputError, check_int
from ..rg.block_spin import majority_sign
from ._common import (
    Spread,
    as_real_array,
    as_spin_batch,
    periodic_box_sums,
    spread,
    standardize_columns,
)

__all__ = [
    "BlockAgreement",
    "block_agreement",
    "block_corners",
    "block_values",
    "coarse_block_agreement",
]

_CHUNK = 2048  # samples per box-sum batch


@dataclass(frozen=True)
class BlockAgreement:
    """Per-unit agreement of activations with block spins, and its control.

    Attributes
    ----------
    correlation : numpy.ndarray of shape (n_units,)
        |Pearson r| between each unit and the block of the same region (NaN when the unit
        or the block never varies).
    control_correlation : numpy.ndarray of shape (n_units,)
        The same with a block placed uniformly at random (seeded).
    summary, control_summary : Spread
        Median and quartiles of the two.
    null_level : float
        E|r| of two independent variables over n samples, sqrt(2 / (π n)): the level
        reached by chance alone.
    """

    correlation: np.ndarray
    control_correlation: np.ndarray
    summary: Spread
    control_summary: Spread
    null_level: float

    def as_dict(self) -> dict:
        """Plain floats (for ``metrics.json``)."""
        return {
            "correlation": self.summary.as_dict(),
            "control_correlation": self.control_summary.as_dict(),
            "null_level": self.null_level,
        }


def _abs_pearson(first: np.ndarray, second: np.ndarray) -> np.ndarray:
    """|Pearson r| column by column of two arrays of shape (n_samples, n_columns)."""
    return np.abs(np.mean(standardize_columns(first) * standardize_columns(second), axis=0))


def _result(activations: np.ndarray, blocks: np.ndarray, control: np.ndarray) -> BlockAgreement:
    correlation = _abs_pearson(activations, blocks)
    control_correlation = _abs_pearson(activations, control)
    return BlockAgreement(
        correlation=correlation,
        control_correlation=control_correlation,
        summary=spread(correlation),
        control_summary=spread(control_correlation),
        null_level=float(np.sqrt(2.0 / (np.pi * activations.shape[0]))),
    )


def block_corners(centers: object, block_size: int, lattice_shape: tuple[int, int]) -> np.ndarray:
    """Top-left site of the ``block_size`` block whose centre is nearest each point.

    Parameters
    ----------
    centers : array_like of shape (n_units, 2)
        (row, column) points on the periodic lattice (e.g. receptive-field centres).
    block_size : int
        Block side B.
    lattice_shape : tuple of int
        (L1, L2).

    Returns
    -------
    numpy.ndarray of shape (n_units, 2), int
        Corner (i, j) of the block covering rows i .. i + B - 1 and columns j .. j + B - 1
        modulo the lattice; its centre (i + (B-1)/2, j + (B-1)/2) is within half a site of
        the point along each axis (a point exactly half-way takes the larger position).
    """
    pos = as_real_array("centers", centers, 2, "(n_units, 2)")
    if pos.shape[1] != 2:
        raise InputError(f"centers must have shape (n_units, 2), got {pos.shape}")
    block_size = check_int("block_size", block_size, minimum=1)
    corner = np.floor(pos - (block_size - 1) / 2.0 + 0.5).astype(np.int64)
    return np.mod(corner, np.asarray(lattice_shape, dtype=np.int64))


def block_values(
    spins: object,
    corners: object,
    block_size: int,
    rule: str = "magnetization",
    seed: SeedLike = None,
) -> np.ndarray:
    """Value of the periodic block at each corner, for every sample.

    Parameters
    ----------
    spins : array_like of shape (n_samples, L1, L2)
        Configurations, ±1.
    corners : array_like of shape (n_blocks, 2), int
        Top-left sites of the blocks (see :func:`block_corners`).
    block_size : int
        Block side B (clipped to the lattice).
    rule : {"magnetization", "majority", "sign"}
        ``"magnetization"``: the block's mean spin, in [-1, 1]. ``"majority"``: its sign,
        ties (possible for even B) broken by a fair coin from ``seed``. ``"sign"``: its
        sign with 0 at a tie, the majority rule averaged over its tie-breaking coin (what a
        unit's mean activation should track).
    seed : int, numpy.random.Generator or None
        Used only to break majority ties.

    Returns
    -------
    numpy.ndarray of shape (n_samples, n_blocks), float64
    """
    arr = as_spin_batch(spins, min_ndim=3, max_ndim=3)
    corner = np.asarray(corners)
    if corner.ndim != 2 or corner.shape[1] != 2 or not np.issubdtype(corner.dtype, np.integer):
        raise InputError("corners must be an integer array of shape (n_blocks, 2)")
    rows, cols = arr.shape[1:]
    side = min(check_int("block_size", block_size, minimum=1), rows, cols)
    if rule not in ("magnetization", "majority", "sign"):
        raise InputError(f"rule must be 'magnetization', 'majority' or 'sign', got {rule!r}")
    row_index, col_index = np.mod(corner[:, 0], rows), np.mod(corner[:, 1], cols)
    sums = np.empty((arr.shape[0], corner.shape[0]))
    for start in range(0, arr.shape[0], _CHUNK):
        box = periodic_box_sums(arr[start : start + _CHUNK].astype(np.int32), side)
        sums[start : start + box.shape[0]] = box[:, row_index, col_index]
    if rule == "magnetization":
        return sums / side**2
    return majority_sign(sums, "coin_per_tie" if rule == "majority" else "zero", seed)


def _check_activations(activations: object, n_samples: int) -> np.ndarray:
    values = as_real_array("activations", activations, 2, "(n_samples, n_units)")
    if values.shape[0] != n_samples:
        raise InputError(
            f"activations has {values.shape[0]} samples but spins has {n_samples}; "
            "pass the hidden activations of the same samples"
        )
    if n_samples < 3:
        raise InputError(f"need at least 3 samples to correlate, got {n_samples}")
    return values


def _residuals(values: np.ndarray, covariate: np.ndarray) -> np.ndarray:
    """Columns of ``values`` minus their least-squares fit on [1, m, sign(m)], m = covariate."""
    design = np.stack([np.ones_like(covariate), covariate, np.sign(covariate)], axis=1)
    coefficients, *_ = np.linalg.lstsq(design, values, rcond=None)
    return values - design @ coefficients


def block_agreement(
    activations: object,
    centers: object,
    spins: object,
    block_size: int,
    rule: str = "magnetization",
    seed: SeedLike = None,
    control: str = "random",
    given_magnetization: bool = False,
) -> BlockAgreement:
    """Correlation of each hidden unit with the block spin of its own region.

    Parameters
    ----------
    activations : array_like of shape (n_samples, n_units)
        Hidden means of one layer for the samples ``spins``.
    centers : array_like of shape (n_units, 2)
        Receptive-field centres (:func:`deeprg.analysis.field_centers`).
    spins : array_like of shape (n_samples, L1, L2)
        The visible configurations, ±1.
    block_size : int
        Block side, b^l for layer l (b = 2).
    rule : {"magnetization", "majority", "sign"}
        Block value (see :func:`block_values`).
    seed : int, numpy.random.Generator or None
        Draws the control's random block positions, then the majority ties.
    control : {"random", "antipodal"}
        The control block: placed uniformly at random (it can land on the unit's own), or
        the farthest block on the torus (the unit's block shifted by half the lattice
        along both axes).
    given_magnetization : bool, default False
        Partial correlation given each configuration's magnetisation m: the activations
        and block values are replaced by their residuals of a least-squares fit on
        [1, m, sign(m)] before correlating. Every block shares the global magnetisation, which in
        the ordered phase (where m ≈ ±M) and near J_c (where m fluctuates on the scale of
        the lattice) makes any block, near or far, agree with any unit; given m, only the
        local agreement is left, and the control falls to the spins' own correlation at
        that distance.

    Returns
    -------
    BlockAgreement
    """
    arr = as_spin_batch(spins, min_ndim=3, max_ndim=3)
    values = _check_activations(activations, arr.shape[0])
    corners = block_corners(centers, block_size, arr.shape[1:])
    if corners.shape[0] != values.shape[1]:
        raise InputError(
            f"centers has {corners.shape[0]} rows but activations has "
            f"{values.shape[1]} units; pass one centre per unit"
        )
    if control not in ("random", "antipodal"):
        raise InputError(f"control must be 'random' or 'antipodal', got {control!r}")
    rng = as_generator(seed)
    if control == "random":
        control_corners = np.stack(
            [rng.integers(0, size, corners.shape[0]) for size in arr.shape[1:]], axis=1
        )
    else:
        control_corners = np.mod(
            corners + np.asarray(arr.shape[1:]) // 2, np.asarray(arr.shape[1:])
        )
    blocks = block_values(arr, corners, block_size, rule, rng)
    control_blocks = block_values(arr, control_corners, block_size, rule, rng)
    if given_magnetization:
        m = arr.reshape(arr.shape[0], -1).mean(axis=1, dtype=np.float64)
        values = _residuals(values, m)
        blocks, control_blocks = _residuals(blocks, m), _residuals(control_blocks, m)
    return _result(values, blocks, control_blocks)


def coarse_block_agreement(
    activations: object,
    centers: object,
    block_spins: object,
    lattice_shape: tuple[int, int],
    seed: SeedLike = None,
) -> BlockAgreement:
    """Correlation of each hidden unit with the coarse-grid block spin under its centre.

    Parameters
    ----------
    activations : array_like of shape (n_samples, n_units)
        Hidden means of one layer.
    centers : array_like of shape (n_units, 2)
        Receptive-field centres on the fine L1 x L2 lattice.
    block_spins : array_like of shape (n_samples, M1, M2)
        Block spins of the same samples on the coarse grid, block k covering fine rows
        k L1/M1 .. (k+1) L1/M1 - 1 (e.g. ``deeprg.rg.majority_block_spins(spins, b**l)``);
        any real values (majority spins or block magnetisations).
    lattice_shape : tuple of int
        (L1, L2) of the fine lattice; must be multiples of (M1, M2).
    seed : int, numpy.random.Generator or None
        Draws the control's random coarse cells.

    Returns
    -------
    BlockAgreement
    """
    coarse = as_real_array("block_spins", block_spins, 3, "(n_samples, M, M)")
    values = _check_activations(activations, coarse.shape[0])
    pos = as_real_array("centers", centers, 2, "(n_units, 2)")
    if pos.shape != (values.shape[1], 2):
        raise InputError(f"centers must have shape ({values.shape[1]}, 2), got {pos.shape}")
    fine = [check_int("lattice_shape", size, minimum=1) for size in lattice_shape]
    if len(fine) != 2 or any(f % c for f, c in zip(fine, coarse.shape[1:], strict=True)):
        raise InputError(
            f"lattice_shape {tuple(lattice_shape)} must be multiples of the block-spin grid "
            f"{coarse.shape[1:]}"
        )
    cell_side = np.array([f // c for f, c in zip(fine, coarse.shape[1:], strict=True)])
    cell = np.mod(np.floor(pos / cell_side).astype(np.int64), coarse.shape[1:])
    rng = as_generator(seed)
    random_cell = np.stack(
        [rng.integers(0, size, values.shape[1]) for size in coarse.shape[1:]], axis=1
    )
    blocks = coarse[:, cell[:, 0], cell[:, 1]]
    control = coarse[:, random_cell[:, 0], random_cell[:, 1]]
    return _result(values, blocks, control)
