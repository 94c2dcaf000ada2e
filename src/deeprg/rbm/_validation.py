"""Validation shared by :class:`~deeprg.rbm.RBM`, :class:`~deeprg.rbm.ConvRBM` and :class:`~deeprg.rbm.DBN`.

Hyper-parameters, devices, dtypes, generators and the range of unit values: every problem
becomes an :class:`~deeprg.errors.InputError` with a one-line message that names the fix.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import contextmanager
from numbers import Integral
from typing import Any

import numpy as np
import torch

from .._random import SeedLike, child_seeds
from ..errors import InputError
from .functional import check_rbm_units, layer_units
from .hyperparameters import HYPERPARAMETERS, LARGEST_STEP, check_hyperparameter, check_number
from .precision import MATMUL_DTYPES, resolve_matmul_dtype
from .training import TrainingConfig

__all__ = [
    "SMALL_WORK",
    "InputTypeError",
    "check_unit_values",
    "resolve_device",
    "resolve_dtype",
    "single_thread_if_small",
    "torch_generator",
    "training_config",
]

_DTYPES = {"float32": torch.float32, "float64": torch.float64}

#: Multiply-adds per matrix product below which CPU loops run on one thread (see
#: :func:`single_thread_if_small`).
SMALL_WORK = 2**20


@contextmanager
def single_thread_if_small(work: int, device: torch.device) -> Iterator[None]:
    """Run a loop of small CPU tensor operations on one torch thread, then restore.

    Below about 10^6 multiply-adds per product, a second thread saves at most ~10% on an idle
    machine, but every short parallel operation waits for both threads; on a loaded or
    oversubscribed machine that wait is a scheduler time slice, and small-model training or
    AIS ran 10-20x slower in our measurements. Large products keep every thread.
    """
    threads = torch.get_num_threads()
    if device.type != "cpu" or threads == 1 or work >= SMALL_WORK:
        yield
        return
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(threads)


_SCHEDULES = ("constant", "exponential", "inverse")


class InputTypeError(InputError, TypeError):
    """Input of an unusable type (object arrays, sparse matrices): an InputError and a TypeError."""


def resolve_device(device: object) -> torch.device:
    """Parse a device name, refusing ones that torch cannot use here (InputError)."""
    try:
        resolved = torch.device(device)
    except (RuntimeError, TypeError) as exc:
        raise InputError(f"device must be 'cpu' or 'cuda[:N]', got {device!r}") from exc
    if resolved.type == "cuda" and not torch.cuda.is_available():
        raise InputError(f"device {device!r} is not available (no CUDA GPU); use device='cpu'")
    if resolved.type not in ("cpu", "cuda"):
        raise InputError(f"device must be 'cpu' or 'cuda[:N]', got {device!r}")
    return resolved


def resolve_dtype(dtype: object) -> torch.dtype:
    """``"float32"``/``"float64"`` (or the torch/numpy dtype) as a torch dtype."""
    if isinstance(dtype, torch.dtype):
        name = str(dtype).removeprefix("torch.")
    else:
        try:
            name = np.dtype(dtype).name
        except TypeError:
            name = str(dtype)
    if name not in _DTYPES:
        raise InputError(f"dtype must be 'float32' or 'float64', got {dtype!r}")
    return _DTYPES[name]


def torch_generator(seed: SeedLike | torch.Generator, device: torch.device) -> torch.Generator:
    """A torch Generator on ``device``: passed through if given, else seeded from ``seed``."""
    if isinstance(seed, torch.Generator):
        if seed.device.type != device.type:
            raise InputError(
                f"generator is on {seed.device} but the model computes on {device}; "
                f"create it with torch.Generator(device={str(device)!r})"
            )
        return seed
    generator = torch.Generator(device=device)
    generator.manual_seed(int(child_seeds(seed, 1)[0]))
    return generator


def check_unit_values(x: np.ndarray | torch.Tensor, units: str, name: str = "X") -> None:
    """Refuse values outside the units' range: [0, 1] (binary) or [-1, 1] (spin).

    Gaussian units accept every real value (finiteness is checked elsewhere).

    Means (probabilities) inside the range are accepted, so a DBN can train on the hidden
    means of the layer below. Data that are exactly {0, 1} with some zeros are refused for
    spin units (the classic mix-up), as are ±1 data for binary units.
    """
    size = x.numel() if isinstance(x, torch.Tensor) else x.size
    units = layer_units(units)[0]  # the values are visible states
    if size == 0 or units == "gaussian":
        return
    low, high = float(x.min()), float(x.max())
    if units == "binary":
        if low < 0 or high > 1:
            hint = (
                "for ±1 data use units='spin' or convert with v = (s + 1)/2"
                if low >= -1 and high <= 1
                else "binary units need states {0, 1} or probabilities in [0, 1]"
            )
            raise InputError(f"{name} has values in [{low:g}, {high:g}] outside [0, 1]; {hint}")
        return
    if low < -1 or high > 1:
        raise InputError(
            f"{name} has values in [{low:g}, {high:g}] outside [-1, 1]; spin units need ±1 "
            "states or means in [-1, 1]"
        )
    if low == 0 and high <= 1:
        zeros_and_ones = ((x == 0) | (x == 1)).all()
        if bool(zeros_and_ones):
            raise InputError(
                f"{name} holds {{0, 1}} values but units='spin' expects ±1; convert with "
                "s = 2v - 1 or use units='binary'"
            )


def training_config(estimator: Any) -> TrainingConfig:
    """Validate an estimator's hyper-parameters (InputError naming the fix) into a TrainingConfig.

    The checks and defaults come from :mod:`deeprg.rbm.hyperparameters`; a hyper-parameter
    the estimator does not have (a ConvRBM has no ``centering``, say) takes its declared
    default.
    """

    def value(name: str) -> Any:
        return getattr(estimator, name, HYPERPARAMETERS[name].default)

    def check(name: str) -> Any:
        return check_hyperparameter(name, value(name))

    if hasattr(estimator, "n_hidden"):
        check("n_hidden")
    check("epochs")
    check("history_samples")
    verbose = value("verbose")
    if not isinstance(verbose, (bool, np.bool_, Integral)) or verbose < 0:
        raise InputError(f"verbose must be True/False (or an integer >= 0), got {verbose!r}")
    reconstruction = check("reconstruction")
    schedule = value("learning_rate_schedule")
    if not callable(schedule) and schedule not in _SCHEDULES:
        raise InputError(
            "learning_rate_schedule must be 'constant', 'exponential', 'inverse' or a "
            f"callable epoch -> factor, got {schedule!r}"
        )
    decay_high = 1.0 if schedule == "exponential" else math.inf
    learning_rate = check_number("learning_rate", value("learning_rate"), 0.0, LARGEST_STEP)
    if learning_rate == 0:
        raise InputError("learning_rate must be > 0, got 0")
    initial_momentum = value("initial_momentum")
    if initial_momentum is not None:
        initial_momentum = check_number("initial_momentum", initial_momentum, 0.0, 1.0, False)
    state = value("random_state")
    if not (state is None or isinstance(state, (np.random.Generator, np.random.RandomState))):
        if isinstance(state, bool) or not isinstance(state, Integral) or state < 0:
            raise InputError(
                "random_state must be a non-negative integer, a numpy Generator or "
                f"RandomState, or None, got {state!r}"
            )
    units = check_rbm_units(value("units"))
    learn_variance = check("learn_variance")
    if learn_variance and layer_units(units)[0] != "gaussian":
        raise InputError("learn_variance needs units='gaussian' (binary and spin units have none)")
    if learn_variance and check("centering"):
        raise InputError("centering cannot be combined with learn_variance; choose one")
    device = resolve_device(value("device"))
    matmul = value("matmul_dtype")
    resolve_matmul_dtype(matmul, device)  # refuses unusable names now; "auto" waits for W's size
    check("missing")
    check("impute_steps")
    return TrainingConfig(
        units=units,
        learn_variance=learn_variance,
        matmul_dtype=MATMUL_DTYPES[matmul],
        matmul_name=matmul,
        learning_rate=learning_rate,
        learning_rate_schedule=schedule,
        learning_rate_decay=check_number(
            "learning_rate_decay", value("learning_rate_decay"), 0.0, decay_high, False
        ),
        batch_size=check("batch_size"),
        cd_k=check("cd_k"),
        persistent=check("persistent"),
        reconstruction=reconstruction,
        l1=check("l1"),
        l2=check("l2"),
        momentum=check("momentum"),
        initial_momentum=initial_momentum,
        momentum_switch_epoch=check("momentum_switch_epoch"),
        centering=check("centering"),
        weight_init_std=check("weight_init_std"),
        dtype=resolve_dtype(value("dtype")),
        device=device,
    )
