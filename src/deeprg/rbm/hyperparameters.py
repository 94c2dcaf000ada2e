"""The one declaration of the RBM hyper-parameters: names, defaults, constraints and meaning.

:class:`~deeprg.rbm.RBM`, :class:`~deeprg.rbm.ConvRBM` and :class:`~deeprg.rbm.DBN` keep
explicit ``__init__`` signatures (scikit-learn reads them), but their defaults must equal the
ones declared here (a test compares them) and their training hyper-parameters are validated
from here (:func:`check_hyperparameter`, as scikit-learn's ``_parameter_constraints``).
Settings objects of the experiments reuse the declaration through :func:`rbm_kwargs`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from numbers import Integral, Real
from typing import Any

import numpy as np

from ..errors import InputError

__all__ = [
    "CONV_GEOMETRY_PARAMETERS",
    "CONV_RBM_DEFAULTS",
    "CONV_RBM_PARAMETERS",
    "DBN_OWN_PARAMETERS",
    "DBN_PARAMETERS",
    "HYPERPARAMETERS",
    "PER_LAYER",
    "RBM_PARAMETERS",
    "TRAINING_PARAMETERS",
    "Hyperparameter",
    "check_hyperparameter",
    "declared_defaults",
    "rbm_kwargs",
    "store_hyperparameters",
]

#: Largest learning rate accepted: float32's largest number (a larger step overflows at once).
LARGEST_STEP = float(np.finfo(np.float32).max)


@dataclass(frozen=True)
class Hyperparameter:
    """One hyper-parameter: its default, its constraint and what it means.

    Attributes
    ----------
    name : str
    default : object
        The default of :class:`~deeprg.rbm.RBM` (see :data:`CONV_RBM_DEFAULTS` for the
        ones :class:`~deeprg.rbm.ConvRBM` changes).
    kind : {"integer", "number", "flag", "choice", "other"}
        How :func:`check_hyperparameter` validates it.
    low, high : float
        Bounds of an integer (``low`` only) or of a number.
    closed_high : bool
        Whether ``high`` itself is allowed.
    choices : tuple
        Allowed values of a "choice".
    doc : str
        One line of meaning (the estimators' docstrings say more).
    """

    name: str
    default: Any
    kind: str
    doc: str
    low: float = 0.0
    high: float = math.inf
    closed_high: bool = True
    choices: tuple = ()


def _h(name: str, default: Any, kind: str, doc: str, **constraint: Any) -> Hyperparameter:
    return Hyperparameter(name, default, kind, doc, **constraint)


def _choice(name: str, doc: str, *choices: str) -> Hyperparameter:
    """A hyper-parameter taking one of ``choices``, the first being its default."""
    return Hyperparameter(name, choices[0], "choice", doc, choices=choices)


#: Every hyper-parameter of the dense RBM, in its ``__init__`` order.
HYPERPARAMETERS: dict[str, Hyperparameter] = {
    h.name: h
    for h in (
        _h("n_hidden", 256, "integer", "number of hidden units", low=1),
        _h("units", "binary", "other", "'binary' {0, 1}, 'spin' {±1} or 'gaussian' (visible)"),
        _h("learn_variance", False, "flag", "Gaussian units: learn each visible σ"),
        _choice("missing", "NaN entries of X: refused, or imputed", "refuse", "impute"),
        _h("learning_rate", 0.1, "other", "step size η (> 0)"),
        _h("batch_size", 100, "integer", "mini-batch size (persistent chains for PCD)", low=1),
        _h("epochs", 10, "integer", "passes over the data in fit", low=1),
        _h("cd_k", 1, "integer", "block-Gibbs sweeps per negative phase", low=1),
        _h("persistent", False, "flag", "persistent contrastive divergence (PCD)"),
        _choice("reconstruction", "CD's final visible state: mean or sample", "mean", "sample"),
        _h("l1", 0.0, "number", "weight penalty l1·Σ|W|"),
        _h("l2", 0.0, "number", "weight penalty (l2/2)·ΣW²"),
        _h("momentum", 0.9, "number", "momentum μ of the updates", high=1.0, closed_high=False),
        _h("initial_momentum", 0.5, "other", "momentum before the switch (None: momentum)"),
        _h("momentum_switch_epoch", 5, "integer", "epoch from which momentum applies", low=0),
        _h("learning_rate_schedule", "constant", "other", "a name, or callable epoch -> factor"),
        _h("learning_rate_decay", 0.0, "other", "decay of the learning-rate schedule"),
        _h("centering", False, "flag", "centred gradient (Melchior et al. 2016)"),
        _h("weight_init_std", 0.01, "number", "standard deviation of the initial weights"),
        _h("impute_steps", 50, "integer", "clamped Gibbs sweeps of impute", low=1),
        _h("history_samples", 1000, "integer", "rows of the per-epoch history (0: none)", low=0),
        _h("random_state", None, "other", "seed: int >= 0, numpy Generator/RandomState or None"),
        _h("device", "cpu", "other", "'cpu' or 'cuda[:N]'"),
        _h("dtype", "float32", "other", "training precision: 'float32' or 'float64'"),
        _h("matmul_dtype", "float32", "other", "operand dtype of training's matrix products"),
        _h("verbose", False, "other", "progress bar during fit"),
    )
}

#: The dense RBM's hyper-parameters, in ``__init__`` order.
RBM_PARAMETERS: tuple[str, ...] = tuple(HYPERPARAMETERS)

#: The hyper-parameters that shape training (everything but the layer size, the seed, the
#: device and the progress bar): what :func:`rbm_kwargs` takes from a settings object.
TRAINING_PARAMETERS: tuple[str, ...] = tuple(
    name for name in RBM_PARAMETERS if name not in ("n_hidden", "random_state", "device", "verbose")
)

#: The ConvRBM's shared hyper-parameters (after its geometry ones), in ``__init__`` order:
#: no Gaussian units, missing values, schedules, centring or mixed precision.
CONV_RBM_PARAMETERS: tuple[str, ...] = tuple(
    name
    for name in RBM_PARAMETERS
    if name
    not in (
        "n_hidden",
        "learn_variance",
        "missing",
        "learning_rate_schedule",
        "learning_rate_decay",
        "centering",
        "impute_steps",
        "matmul_dtype",
    )
)

#: Where the ConvRBM's defaults differ from the dense RBM's.
CONV_RBM_DEFAULTS: dict[str, Any] = {"learning_rate": 0.01}

#: The ConvRBM's own hyper-parameters (its geometry, validated by
#: :func:`~deeprg.rbm.conv_geometry.check_geometry`), before the shared ones.
CONV_GEOMETRY_PARAMETERS: dict[str, Hyperparameter] = {
    h.name: h
    for h in (
        _h("n_channels", 1, "integer", "number of kernels (hidden channels) C", low=1),
        _h("kernel_size", 2, "integer", "kernel side k, stride <= k <= min(Ly, Lx)", low=1),
        _h("stride", 2, "integer", "block side b, dividing Ly and Lx", low=1),
        _h("lattice_shape", None, "other", "(Ly, Lx), L or None (a square lattice from X)"),
    )
}

#: The DBN's own hyper-parameters: ``layers`` before the shared ones, ``propagate`` among them.
DBN_OWN_PARAMETERS: dict[str, Hyperparameter] = {
    h.name: h
    for h in (
        _h("layers", (400, 100, 25), "other", "hidden-layer sizes from the bottom up"),
        _h(
            "hidden_units",
            "binary",
            "other",
            "each layer's hidden units: 'binary', or 'gaussian' (linear); one or one per layer",
        ),
        _choice(
            "propagate",
            "what layer l+1 trains on: layer l's hidden means or samples",
            "mean",
            "sample",
        ),
    )
}

#: Hyper-parameters a DBN takes once for all layers or as one value per layer: those that
#: shape one layer's training, from ``learning_rate`` to ``history_samples``.
PER_LAYER: tuple[str, ...] = tuple(
    name
    for name in RBM_PARAMETERS[
        RBM_PARAMETERS.index("learning_rate") : RBM_PARAMETERS.index("history_samples") + 1
    ]
    if name != "impute_steps"
)

#: The DBN's RBM hyper-parameters (after ``layers``; ``propagate`` is its own), in order.
DBN_PARAMETERS: tuple[str, ...] = tuple(
    name for name in RBM_PARAMETERS if name not in ("n_hidden", "impute_steps")
)


#: Every declaration, by name.
_DECLARED: dict[str, Hyperparameter] = {
    **HYPERPARAMETERS,
    **CONV_GEOMETRY_PARAMETERS,
    **DBN_OWN_PARAMETERS,
}


def store_hyperparameters(estimator: Any, arguments: Mapping[str, Any]) -> None:
    """Keep every ``__init__`` argument, unchanged, as the attribute of the same name.

    scikit-learn's rule for estimators (validation waits for ``fit``); called as
    ``store_hyperparameters(self, locals())`` first thing in ``__init__``.
    """
    for name, value in arguments.items():
        if name not in ("self", "__class__"):
            setattr(estimator, name, value)


def declared_defaults(names: tuple[str, ...], overrides: Mapping[str, Any] | None = None) -> dict:
    """{name: declared default} for ``names`` (``overrides`` replacing some)."""
    defaults = {name: HYPERPARAMETERS[name].default for name in names}
    defaults.update({k: v for k, v in (overrides or {}).items() if k in defaults})
    return defaults


def check_hyperparameter(name: str, value: Any) -> Any:
    """Validate one declared "integer", "number", "flag" or "choice" hyper-parameter.

    Returns the value as int, float or bool (choices unchanged); raises InputError with a
    one-line message naming the fix. Hyper-parameters of kind "other" have checks that
    depend on others and are validated by :func:`~deeprg.rbm._validation.training_config`.
    """
    spec = _DECLARED[name]
    if spec.kind == "integer":
        if isinstance(value, bool) or not isinstance(value, Integral) or value < spec.low:
            raise InputError(f"{name} must be an integer >= {int(spec.low)}, got {value!r}")
        return int(value)
    if spec.kind == "number":
        return check_number(name, value, spec.low, spec.high, spec.closed_high)
    if spec.kind == "flag":
        if not isinstance(value, (bool, np.bool_)):
            raise InputError(f"{name} must be True or False, got {value!r}")
        return bool(value)
    if spec.kind == "choice":
        if value not in spec.choices:
            options = " or ".join(repr(c) for c in spec.choices)
            raise InputError(f"{name} must be {options}, got {value!r}")
        return value
    raise ValueError(f"{name} has no stand-alone check (kind {spec.kind!r})")


def check_number(
    name: str, value: Any, low: float, high: float = math.inf, closed_high: bool = True
) -> float:
    """A finite real in [low, high] (or [low, high)), else InputError naming the bounds."""
    if isinstance(value, bool) or not isinstance(value, Real) or not math.isfinite(value):
        raise InputError(f"{name} must be a finite number, got {value!r}")
    if value < low or value > high or (value == high and not closed_high):
        bound = f"[{low:g}, {high:g}{']' if closed_high else ')'}"
        raise InputError(f"{name} must lie in {bound}, got {value!r}")
    return float(value)


def rbm_kwargs(settings: Any, names: tuple[str, ...] = TRAINING_PARAMETERS) -> dict[str, Any]:
    """The RBM keyword arguments held by a settings mapping or object.

    Parameters
    ----------
    settings : mapping or object
        A dict, or an object (e.g. a settings dataclass) whose attributes are read.
    names : tuple of str, default :data:`TRAINING_PARAMETERS`
        Declared hyper-parameters to look for; those ``settings`` lacks are left out (the
        estimator's defaults apply).

    Returns
    -------
    dict
        {name: value} for every name of ``names`` that ``settings`` holds, ready for
        ``RBM(n_hidden, **rbm_kwargs(settings), random_state=..., device=...)``.
    """
    unknown = [name for name in names if name not in HYPERPARAMETERS]
    if unknown:
        raise InputError(f"{unknown} are not RBM hyper-parameters; known: {list(RBM_PARAMETERS)}")
    if isinstance(settings, Mapping):
        return {name: settings[name] for name in names if name in settings}
    return {name: getattr(settings, name) for name in names if hasattr(settings, name)}
