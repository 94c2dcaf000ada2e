"""From rows as read to the network's visible units: missing values and scaling.

:func:`drop_missing` applies the ``--missing`` policy (refuse, drop or impute rows with NaN).
:class:`Preprocessing` maps the rows to the units' range (``scale="minmax"`` or
``binarize``), or standardises them for Gaussian units (``scale="standard"``), and is
stored, as JSON, in the model file (root attribute ``preprocessing``), so that
``deeprg transform`` and ``deeprg reconstruct`` apply exactly what training applied. Data
outside the units' range without one of those options are refused.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from .errors import InputError

__all__ = [
    "MISSING_POLICIES",
    "TRAIN_HINT",
    "UNIT_RANGE",
    "Preprocessing",
    "check_unit_range",
    "drop_missing",
    "parse_binarize",
]

#: Range of each kind of unit.
UNIT_RANGE = {"binary": (0.0, 1.0), "spin": (-1.0, 1.0), "gaussian": (-np.inf, np.inf)}

#: What ``--missing`` may say: refuse rows with NaN/Inf, drop them, or let the model impute NaN.
MISSING_POLICIES = ("refuse", "drop", "impute")


# ---------------------------------------------------------------------------- missing values


def drop_missing(
    X: np.ndarray, missing: str = "refuse", name: str = "the data"
) -> tuple[np.ndarray, np.ndarray]:
    """Refuse (default) or drop rows with NaN or ±inf, or keep NaN for the model to impute.

    With ``missing="impute"`` rows with NaN are kept (the model fills them) and only rows
    with ±inf are refused.

    Returns
    -------
    X : numpy.ndarray
        The rows kept.
    kept : numpy.ndarray of int
        Their indices in the input (row order kept).
    """
    if missing not in MISSING_POLICIES:
        raise InputError(f"--missing must be 'refuse', 'drop' or 'impute', got {missing!r}")
    if missing == "impute":
        infinite = np.isinf(X).any(axis=1)
        if infinite.any():
            raise InputError(
                f"{name} has {int(infinite.sum())} rows with Inf (first: row "
                f"{int(np.flatnonzero(infinite)[0])}); only NaN can be imputed, fix or drop them"
            )
        if np.isnan(X).all(axis=0).any():
            column = int(np.flatnonzero(np.isnan(X).all(axis=0))[0])
            raise InputError(f"column {column} of {name} has no value at all; drop it")
        return X, np.arange(X.shape[0])
    bad = ~np.isfinite(X).all(axis=1)
    n_bad = int(bad.sum())
    if n_bad and missing == "refuse":
        first = int(np.flatnonzero(bad)[0])
        raise InputError(
            f"{name} has {n_bad} row{'s' if n_bad > 1 else ''} with NaN or Inf (first: row "
            f"{first}, counting data rows from 0); pass --missing drop to drop them, or "
            "--missing impute to have the model fill NaN"
        )
    kept = np.flatnonzero(~bad)
    if kept.size == 0:
        raise InputError(f"every row of {name} has NaN or Inf; nothing is left to use")
    return (X[kept] if n_bad else X), kept


# ---------------------------------------------------------------------------- preprocessing


def parse_binarize(value: str | float | None) -> str | float | None:
    """``--binarize`` as ``"median"``, a finite float threshold, or None."""
    if value is None:
        return None
    if isinstance(value, str) and value.strip().lower() == "median":
        return "median"
    try:
        threshold = float(value)
    except (TypeError, ValueError):
        threshold = float("nan")
    if not np.isfinite(threshold):
        raise InputError(f"--binarize must be a number or 'median', got {value!r}")
    return threshold


def check_unit_range(X: np.ndarray, units: str, name: str, hint: str) -> None:
    """Refuse values outside the units' range (and {0, 1} data for spin units) with ``hint``."""
    X = X[~np.isnan(X)]  # missing values are checked elsewhere
    if X.size == 0:
        return
    low, high = UNIT_RANGE[units]
    found_low, found_high = float(X.min()), float(X.max())
    if found_low < low or found_high > high:
        raise InputError(
            f"{name} has values in [{found_low:g}, {found_high:g}] outside [{low:g}, {high:g}] "
            f"({units} units); {hint}"
        )
    if units == "spin" and found_low == 0 and bool(((X == 0) | (X == 1)).all()):
        raise InputError(
            f"{name} holds {{0, 1}} values but spin units expect ±1; {hint} (or use binary units)"
        )


TRAIN_HINT = "pass --scale minmax (or --binarize THRESHOLD|median) to map it"


@dataclass
class Preprocessing:
    """How rows were mapped to the units' range before training (stored in the model file).

    Attributes
    ----------
    units : {"binary", "spin", "gaussian"}
    kind : {"none", "minmax", "binarize", "standard"}
        ``minmax``: feature j maps linearly from [low_j, high_j] (its training min and max)
        onto the units' range; constant features map to the midpoint; values outside the
        training range (new data) are clipped to the units' range. ``binarize``: values above
        the threshold become the upper unit value, the others the lower one. ``standard``
        (Gaussian units): (x - mean_j) / std_j with the training mean and standard deviation;
        constant features map to 0. Missing values (NaN) stay missing under every kind.
    low, high : list of float or None
        Per-feature training minimum and maximum (``minmax``).
    mean, std : list of float or None
        Per-feature training mean and standard deviation (``standard``).
    threshold : list of float or None
        Per-feature thresholds (``binarize``; the training median with ``"median"``).
    binarize : str, float or None
        The ``--binarize`` setting as given (``"median"`` or the number).
    columns : list of str or None
        CSV columns used, in order.
    input_shape : list of int
        Each row's shape before flattening (e.g. [8, 8] for images).
    n_features : int
    spins : bool
        The training data were a deeprg sample file (±1 spins, converted to the units).
    missing : {"refuse", "drop", "impute"}
        The ``--missing`` policy of training; later commands use it unless told otherwise.
    """

    units: str
    kind: str = "none"
    low: list[float] | None = None
    high: list[float] | None = None
    threshold: list[float] | None = None
    binarize: str | float | None = None
    columns: list[str] | None = None
    input_shape: list[int] = field(default_factory=list)
    n_features: int = 0
    spins: bool = False
    mean: list[float] | None = None
    std: list[float] | None = None
    missing: str = "refuse"

    @classmethod
    def fit(
        cls,
        X: np.ndarray,
        info: dict[str, Any],
        units: str,
        scale: str | None = None,
        binarize: str | float | None = None,
        missing: str = "refuse",
    ) -> Preprocessing:
        """Learn the mapping from training rows ``X`` (as read, before any conversion).

        NaN entries (``missing="impute"``) are ignored by the statistics.
        """
        if scale not in (None, "none", "minmax", "standard"):
            raise InputError(f"--scale must be 'none', 'minmax' or 'standard', got {scale!r}")
        scale = None if scale == "none" else scale
        binarize = parse_binarize(binarize)
        if scale is not None and binarize is not None:
            raise InputError("--scale and --binarize cannot be combined; choose one")
        if units == "gaussian" and binarize is not None:
            raise InputError("--binarize makes binary data; use --units binary with it")
        if scale == "minmax" and units == "gaussian":
            raise InputError("Gaussian units have no range to map onto; use --scale standard")
        if scale == "standard" and units != "gaussian":
            raise InputError(
                "--scale standard is for --units gaussian; binary and spin units need "
                "--scale minmax"
            )
        prep = cls(
            units=units,
            columns=info.get("columns"),
            input_shape=[int(n) for n in info.get("shape", [X.shape[1]])],
            n_features=int(X.shape[1]),
            spins=bool(info.get("spins", False)),
            missing=missing,
        )
        base = prep._base(X)
        if scale == "minmax":
            prep.kind = "minmax"
            prep.low = np.nanmin(base, axis=0).tolist()
            prep.high = np.nanmax(base, axis=0).tolist()
        elif scale == "standard":
            prep.kind = "standard"
            prep.mean = np.nanmean(base, axis=0).tolist()
            prep.std = np.nanstd(base, axis=0).tolist()
        elif binarize is not None:
            prep.kind = "binarize"
            prep.binarize = binarize
            if binarize == "median":
                prep.threshold = np.nanmedian(base, axis=0).tolist()
            else:
                prep.threshold = [float(binarize)] * X.shape[1]
        return prep

    def _base(self, X: np.ndarray) -> np.ndarray:
        """Spins of sample files converted to the units (as ``deeprg train`` always did)."""
        if self.spins and self.units == "binary":
            return (X + 1) / 2
        return X

    def apply(self, X: np.ndarray, name: str = "the data", hint: str = TRAIN_HINT) -> np.ndarray:
        """Map rows (as read) to the units' range; refuse them if they fall outside it."""
        if X.shape[1] != self.n_features:
            shape = "x".join(map(str, self.input_shape)) or "1"
            raise InputError(
                f"{name} has {X.shape[1]} features per row but the model was trained on "
                f"{self.n_features} (rows of shape {shape}); pass data like the training data"
            )
        low, high = UNIT_RANGE[self.units]
        Y = self._base(np.asarray(X, dtype=np.float64))
        if self.kind == "minmax":
            lo, hi = np.asarray(self.low), np.asarray(self.high)
            span = hi - lo
            constant = span == 0
            fraction = (Y - lo) / np.where(constant, 1.0, span)
            fraction = np.where(constant, 0.5, fraction)
            Y = np.clip(low + fraction * (high - low), low, high)
        elif self.kind == "standard":
            mean, std = np.asarray(self.mean), np.asarray(self.std)
            Y = np.where(std > 0, (Y - mean) / np.where(std > 0, std, 1.0), 0.0)
        elif self.kind == "binarize":
            Y = np.where(Y > np.asarray(self.threshold), high, low)
        if self.kind != "none":
            Y = np.where(np.isnan(X), np.nan, Y)  # missing values stay missing
        check_unit_range(Y, self.units, name, hint)
        return Y

    def inverse(self, Y: np.ndarray) -> np.ndarray:
        """Map unit-range values (reconstructions) back to the data's own scale.

        ``minmax`` is inverted exactly (constant features get their constant); sample files'
        binary means go back to spin means 2v - 1; ``binarize`` cannot be inverted (the
        output stays in the units' range).
        """
        low, high = UNIT_RANGE[self.units]
        Y = np.asarray(Y, dtype=np.float64)
        if self.kind == "minmax":
            lo, hi = np.asarray(self.low), np.asarray(self.high)
            return lo + (Y - low) / (high - low) * (hi - lo)
        if self.kind == "standard":
            return np.asarray(self.mean) + Y * np.asarray(self.std)
        if self.spins and self.units == "binary":
            return 2 * Y - 1
        return Y

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_attrs(cls, attrs: dict[str, Any], layers: list[dict[str, Any]]) -> Preprocessing:
        """The preprocessing stored in a model file's root attributes.

        Files written before preprocessing was stored (sample-file training only) get the
        conversion ``deeprg train`` applied then: spins to the model's units.
        """
        # The data meet the bottom layer's visible units ("gaussian-gaussian" -> "gaussian").
        units = str(layers[0]["units"]).split("-")[0]
        n_features = int(layers[0]["weights"].shape[0])
        stored = attrs.get("preprocessing")
        if stored is None:
            shape = attrs.get("lattice_shape")
            try:
                shape = json.loads(shape) if isinstance(shape, str) else None
            except ValueError:
                shape = None
            return cls(
                units=units,
                input_shape=list(shape) if shape else [n_features],
                n_features=n_features,
                spins="data_model" in attrs,
            )
        try:
            values = json.loads(stored)
            prep = cls(**values)
        except (TypeError, ValueError) as exc:
            raise InputError(
                f"the model's stored preprocessing is unreadable ({exc}); retrain the model"
            ) from exc
        if prep.n_features != n_features or prep.units != units:
            raise InputError(
                "the model's stored preprocessing does not match its layers; retrain the model"
            )
        problem = prep._problem()
        if problem:
            raise InputError(
                f"the model's stored preprocessing is corrupt ({problem}); retrain the model"
            )
        return prep

    def _problem(self) -> str | None:
        """What is inconsistent in a stored preprocessing (None when it can be applied)."""
        if self.kind not in ("none", "minmax", "binarize", "standard"):
            return f"unknown kind {self.kind!r}"
        if self.missing not in MISSING_POLICIES:
            return f"unknown missing-value policy {self.missing!r}"
        if isinstance(self.n_features, bool) or not isinstance(self.n_features, int):
            return f"n_features is {self.n_features!r}"
        shape = self.input_shape
        if (
            not isinstance(shape, list)
            or not all(isinstance(n, int) and not isinstance(n, bool) and n > 0 for n in shape)
            or math.prod(shape) != self.n_features
        ):
            return f"input_shape {shape!r} does not hold {self.n_features} features"
        needed = {
            "minmax": ("low", "high"),
            "standard": ("mean", "std"),
            "binarize": ("threshold",),
            "none": (),
        }[self.kind]
        for name in needed:
            values = getattr(self, name)
            if (
                not isinstance(values, list)
                or len(values) != self.n_features
                or not all(
                    isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)
                    for v in values
                )
            ):
                return f"{name} is not {self.n_features} finite numbers"
        if self.kind == "standard" and any(v < 0 for v in self.std):
            return "std has negative values"
        if self.columns is not None and (
            not isinstance(self.columns, list) or not all(isinstance(c, str) for c in self.columns)
        ):
            return f"columns is {self.columns!r}"
        return None
