"""The :class:`RBM` estimator: a restricted Boltzmann machine with binary, spin or Gaussian units.

Energy, in deeprg's sign convention (docs/conventions.md),

    E(v, h) = -a·v - b·h - v·W·h,      p(v, h) = exp(-E(v, h)) / Z,

with ``weights_`` = W (n_visible, n_hidden), ``visible_bias_`` = a, ``hidden_bias_`` = b.
Gaussian visible units (``units="gaussian"``, binary hidden units) add ½|x|² with x = v / σ
(σ = ``visible_std_``, 1 unless ``learn_variance``) and act on x:
E(v, h) = ½|x|² - a·x - b·h - x·W·h + Σ ln σ, so p(v | h) = N(σ (a + W h), σ²), p(h | v)
depends on v / σ, and Z is that of the unit-variance model (see
:mod:`deeprg.rbm.functional`; the Σ ln σ is the Jacobian of x = v / σ).
Mehta & Schwab (arXiv:1410.3831) write E = Σ b_j h_j + Σ v_i w_ij h_j + Σ c_i v_i:
their (w, c, b) are the negatives of our (W, a, b). ``free_energy(v)`` is the paper's
H^RBM_λ(v) and ``hidden_free_energy(h)`` its H^RBM_λ(h) (Eqs. 11-12), both defined by
p(v) = e^{-H(v)}/Z and p(h) = e^{-H(h)}/Z.

The class follows scikit-learn's estimator conventions (hyper-parameters in ``__init__``,
``fit`` returns self, learned attributes end in ``_``) and is tested with sklearn's
``check_estimator``. Computation is in torch (CPU or CUDA); arrays in and out are numpy,
except that methods given torch tensors return torch tensors on the model's device.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from numbers import Integral
from typing import Any

import numpy as np
import torch
from sklearn.utils.validation import check_is_fitted, validate_data

from .._random import SeedLike
from ..errors import InputError
from . import functional as rbm_functional
from ._base import RBMBase
from ._estimator import check_finite_rows
from ._validation import (
    InputTypeError,
    check_unit_values,
    torch_generator,
    training_config,
)
from .checkpoint import (
    check_checkpoint_path,
    checkpoint_settings,
    data_fingerprint,
    load_checkpoint,
)
from .history import (
    HISTORY_KEYS,
    MAX_HISTORY_EXACT_UNITS,
    empty_history,
    history_metrics,
    pseudo_log_likelihood,
)
from .hyperparameters import store_hyperparameters
from .missing import clamped_gibbs_mean, fill_with_column_means, redraw_missing
from .partition import (
    MAX_EXACT_UNITS,
    ais_log_partition,
    enumerated_units,
    exact_log_partition,
)
from .training import Trainer, TrainingConfig, TrainingDivergedError
from .units import convert_parameters

__all__ = ["HISTORY_KEYS", "MAX_HISTORY_EXACT_UNITS", "RBM"]


class RBM(RBMBase):
    """Restricted Boltzmann machine with binary {0,1} or spin {±1} units, trained by CD-k/PCD.

    Energy E(v, h) = -a·v - b·h - v·W·h (sign convention of docs/conventions.md; the paper's parameters are
    the negatives of ours). Both layers use the same ``units``.

    Parameters
    ----------
    n_hidden : int, default 256
        Number of hidden units.
    units : {"binary", "spin", "gaussian"}, default "binary"
        Unit states {0, 1} (as in Hinton's code that the paper used) or {-1, +1} on both
        layers (the two are exactly equivalent, see :meth:`to_units`), or ``"gaussian"``:
        real-valued visible units with p(v | h) = N(σ (a + W h), σ²) and binary hidden units
        (Gaussian-Bernoulli RBM; Hinton's practical guide §13.2). Gaussian units expect
        standardised data (zero mean, unit variance per feature) unless ``learn_variance``.
    learn_variance : bool, default False
        Gaussian units only: learn each visible unit's standard deviation σ_i (initialised
        at the data's), exposed as ``visible_std_``. Otherwise σ = 1.
    missing : {"refuse", "impute"}, default "refuse"
        NaN entries of X: refused, or treated as missing values. With "impute", ``fit``
        starts them at the observed column means and re-imputes them after every epoch by
        one block-Gibbs sweep with the observed units clamped (stochastic EM), and
        ``transform``/``reconstruct``/``score_samples`` fill them with :meth:`impute` first.
        Infinite values are always refused.
    learning_rate : float, default 0.1
        Step size η (scaled by ``learning_rate_schedule``).
    batch_size : int, default 100
        Mini-batch size; also the number of persistent chains for PCD.
    epochs : int, default 10
        Passes over the data in :meth:`fit`.
    cd_k : int, default 1
        Block-Gibbs sweeps per negative phase.
    persistent : bool, default False
        Persistent contrastive divergence (PCD, the chains continue across updates) instead
        of CD-k (chains restart at the data).
    reconstruction : {"mean", "sample"}, default "mean"
        CD only: the final visible state of the negative phase is the conditional mean
        (Hinton's code; lower variance) or a sample (unbiased Gibbs chain). PCD always samples.
    l1, l2 : float, default 0
        Weight penalties l1·Σ|W| and (l2/2)·ΣW² (the paper used l1 = 2e-4).
    momentum : float, default 0.9
        Momentum μ of the parameter updates (Hinton's form, see :mod:`deeprg.rbm.training`).
    initial_momentum : float or None, default 0.5
        Momentum of the first ``momentum_switch_epoch`` epochs (Hinton's 0.5 → 0.9 switch);
        None uses ``momentum`` throughout.
    momentum_switch_epoch : int, default 5
        Epoch (0-based) from which ``momentum`` replaces ``initial_momentum``.
    learning_rate_schedule : {"constant", "exponential", "inverse"} or callable, default "constant"
        Factor on the learning rate in epoch t (0-based): 1, (1 - decay)^t, 1/(1 + decay·t), or
        ``callable(t)``. Never depends on the total epochs, so resumed runs are identical.
    learning_rate_decay : float, default 0
        ``decay`` of the schedule.
    centering : bool, default False
        Centred gradient (Melchior et al. 2016): offsets μ = data mean, λ = running hidden mean.
    weight_init_std : float, default 0.01
        Standard deviation of the initial weights (biases: visible from the data mean,
        hidden zero).
    impute_steps : int, default 50
        Clamped Gibbs sweeps :meth:`impute` runs by default (the posterior mean of the
        missing units is averaged over the second half).
    history_samples : int, default 1000
        Rows (evenly spaced) on which the per-epoch ``history_`` metrics are computed;
        0 disables them.
    random_state : int, numpy Generator, numpy RandomState or None
        Seeds initialisation, shuffling and sampling (scikit-learn's name for the seed).
        Same value, same model.
    device : str, default "cpu"
        "cpu" or "cuda[:N]".
    dtype : {"float32", "float64"}, default "float32"
        Training precision. Energies, log-likelihoods and partition functions are always
        computed in float64.
    matmul_dtype : {"float32", "bfloat16", "tfloat32", "auto"}, default "float32"
        Precision of the operands of training's large matrix products: "bfloat16" runs them
        in bfloat16 (2-3× faster on CPUs with AVX-512 BF16 or AMX and on GPUs) while
        parameters, velocities, sampling and evaluation stay in ``dtype`` (see
        :mod:`deeprg.rbm.training`); the per-epoch ``history_`` metrics use the same
        operands, so that they cost the same small fraction of an epoch. "tfloat32": TF32
        tensor-core products (CUDA only). "auto": bfloat16 for layers of at least 2^17
        weights where this device runs it fast (:func:`deeprg.rbm.precision.fast_bfloat16`)
        and ``dtype`` is float32, else "float32" (the training dtype's own products); the
        choice made is ``matmul_dtype_`` and its reason ``matmul_reason_``.
    verbose : bool, default False
        Show a progress bar (tqdm, stderr) during fit.

    Attributes
    ----------
    weights_ : numpy.ndarray of shape (n_visible, n_hidden)
    visible_bias_ : numpy.ndarray of shape (n_visible,)
    hidden_bias_ : numpy.ndarray of shape (n_hidden,)
    visible_std_ : numpy.ndarray of shape (n_visible,)
        Gaussian units only: σ of each visible unit (ones unless ``learn_variance``).
    n_features_in_ : int
        n_visible.
    matmul_dtype_ : str
        The products' precision the last fit used ("auto" resolved).
    matmul_reason_ : str
        Why: "requested", or "auto: " and the reason (the device's bfloat16 support, the
        layer's size or the training dtype).
    history_ : dict of lists
        Per epoch: ``epoch`` (1-based), ``learning_rate``, ``momentum``,
        ``reconstruction_error`` (mean squared error per unit of E[v | E[h | v]]),
        ``pseudo_likelihood`` (n_visible · mean ln p(v_i | v_-i), one random unit per row),
        ``log_likelihood`` (exact mean ln p(v) when a layer has <= 20 units, else NaN),
        ``seconds``; all on the ``history_samples`` subset of the training data. The
        first two share one matrix product (:func:`deeprg.rbm.history.history_metrics`).
    """

    def __init__(
        self,
        n_hidden: int = 256,
        *,
        units: str = "binary",
        learn_variance: bool = False,
        missing: str = "refuse",
        learning_rate: float = 0.1,
        batch_size: int = 100,
        epochs: int = 10,
        cd_k: int = 1,
        persistent: bool = False,
        reconstruction: str = "mean",
        l1: float = 0.0,
        l2: float = 0.0,
        momentum: float = 0.9,
        initial_momentum: float | None = 0.5,
        momentum_switch_epoch: int = 5,
        learning_rate_schedule: str | Callable[[int], float] = "constant",
        learning_rate_decay: float = 0.0,
        centering: bool = False,
        weight_init_std: float = 0.01,
        impute_steps: int = 50,
        history_samples: int = 1000,
        random_state: SeedLike = None,
        device: str = "cpu",
        dtype: str = "float32",
        matmul_dtype: str = "float32",
        verbose: bool = False,
    ) -> None:
        store_hyperparameters(self, locals())

    # ------------------------------------------------------------------ validation

    def _check_params(self) -> TrainingConfig:
        """Validate every hyper-parameter (InputError naming the fix) before any work."""
        return training_config(self)

    def _validate_X(self, X: Any, reset: bool, allow_missing: bool = False) -> np.ndarray:
        """Validated float array of shape (n_samples, n_visible) (float32 kept, else float64).

        With ``allow_missing`` and ``missing="impute"``, NaN entries are kept (missing values);
        inf is always refused.
        """
        try:
            array = validate_data(
                self,
                X,
                reset=reset,
                dtype=[np.float64, np.float32],
                ensure_all_finite=False,
                ensure_min_samples=1,
            )
        except TypeError as exc:
            raise InputTypeError(str(exc).strip().splitlines()[0]) from exc
        except ValueError as exc:
            raise InputError(str(exc).strip().splitlines()[0]) from exc
        # A copy-on-write pandas column (read-only) or a reversed view (negative strides):
        # torch shares neither, so such input is copied (the values are unchanged).
        if not array.flags.writeable or any(stride < 0 for stride in array.strides):
            array = array.copy()
        units = rbm_functional.check_rbm_units(self.units)
        keep_nan = allow_missing and self.missing == "impute"
        hint = "" if keep_nan else ", or pass missing='impute' to have the model fill NaN"
        check_finite_rows(array, allow_nan=keep_nan, hint=hint)
        check_unit_values(array[~np.isnan(array)] if keep_nan else array, units)
        return array

    def _visible_std(self, dtype: torch.dtype = torch.float64) -> torch.Tensor | None:
        """σ of Gaussian visible units as a tensor on the model's device; None otherwise."""
        if not rbm_functional.gaussian_visible(self.units):
            return None
        std = getattr(self, "visible_std_", None)
        if std is None:
            std = np.ones(self.weights_.shape[0])
        return torch.as_tensor(np.asarray(std), device=self._device()).to(dtype)

    def _scaled(self, v: torch.Tensor) -> torch.Tensor:
        """x = v / σ for Gaussian units (the model acts on x); v itself otherwise."""
        std = self._visible_std(v.dtype)
        return v if std is None else v / std

    def _log_std_sum(self) -> float:
        """Σ ln σ: the Jacobian term of x = v / σ in ln p(v) (0 for binary and spin units)."""
        gaussian = rbm_functional.gaussian_visible(self.units)
        std = getattr(self, "visible_std_", None) if gaussian else None
        return 0.0 if std is None else float(np.sum(np.log(np.asarray(std, dtype=np.float64))))

    def _unscaled(self, x: torch.Tensor) -> torch.Tensor:
        """v = σ x for Gaussian units; x itself otherwise."""
        std = self._visible_std(x.dtype)
        return x if std is None else x * std

    # ------------------------------------------------------------------ geometry

    def _layer_sizes(self) -> tuple[int, int]:
        check_is_fitted(self, "weights_")
        n_visible, n_hidden = self.weights_.shape
        return int(n_visible), int(n_hidden)

    def _hidden_input(self, x: torch.Tensor, params: tuple) -> torch.Tensor:
        w, _a, b = params
        return torch.addmm(b, x, w)

    def _visible_input(self, h: torch.Tensor, params: tuple) -> torch.Tensor:
        w, a, _b = params
        return torch.addmm(a, h, w.T)

    def _energy_tensor(self, v: torch.Tensor, h: torch.Tensor, params: tuple) -> torch.Tensor:
        """-a·x - b·h - x·W·h (+ ½|x|² + Σ ln σ for Gaussian units), x = v / σ."""
        return rbm_functional.energy(self._scaled(v), h, *params, self.units) + self._log_std_sum()

    def _free_energy_tensor(self, v: torch.Tensor, params: tuple) -> torch.Tensor:
        """-a·x - Σ_j f(b_j + (xW)_j) (+ ½|x|² + Σ ln σ for Gaussian units), x = v / σ.

        f is softplus (binary) or ln(2 cosh) (spin), both evaluated stably.
        """
        return (
            rbm_functional.free_energy(self._scaled(v), *params, self.units) + self._log_std_sum()
        )

    def _hidden_free_energy_tensor(self, h: torch.Tensor, params: tuple) -> torch.Tensor:
        """-b·h - Σ_i f(a_i + (Wh)_i)."""
        return rbm_functional.hidden_free_energy(h, *params, self.units)

    def _pseudo_log_likelihood_tensor(
        self, v: torch.Tensor, params: tuple, generator: torch.Generator
    ) -> torch.Tensor:
        return pseudo_log_likelihood(v, *params, self.units, generator)

    def _log_partition_arrays(self) -> tuple[np.ndarray, ...]:
        arrays = (self.weights_, self.visible_bias_, self.hidden_bias_)
        if rbm_functional.gaussian_visible(self.units):
            arrays += (np.asarray(getattr(self, "visible_std_", 1.0)),)
        return arrays

    # ------------------------------------------------------------------ construction

    @classmethod
    def from_parameters(
        cls,
        weights: Any,
        visible_bias: Any,
        hidden_bias: Any,
        units: str = "binary",
        visible_std: Any = None,
        **hyper: Any,
    ) -> RBM:
        """A fitted RBM with the given parameters (sign convention of docs/conventions.md).

        Parameters
        ----------
        weights : array_like of shape (n_visible, n_hidden)
        visible_bias : array_like of shape (n_visible,)
        hidden_bias : array_like of shape (n_hidden,)
        units : {"binary", "spin", "gaussian"}
        visible_std : array_like of shape (n_visible,), optional
            Gaussian units only: σ of each visible unit (default ones).
        **hyper
            Further hyper-parameters (used if the model is trained further).

        Returns
        -------
        RBM
            Arrays are stored as given (float32 stays float32, anything else becomes float64).
        """
        arrays = []
        for name, value, ndim in (
            ("weights", weights, 2),
            ("visible_bias", visible_bias, 1),
            ("hidden_bias", hidden_bias, 1),
        ):
            array = np.array(value.detach().cpu() if isinstance(value, torch.Tensor) else value)
            if array.dtype not in (np.float32, np.float64):
                try:
                    array = array.astype(np.float64)
                except (TypeError, ValueError) as exc:
                    raise InputError(f"{name} must be a real array, got {array.dtype}") from exc
            if array.ndim != ndim:
                raise InputError(f"{name} must be {ndim}-dimensional, got shape {array.shape}")
            if not np.isfinite(array).all():
                raise InputError(f"{name} contains NaN or inf; pass finite parameters")
            arrays.append(array)
        w, a, b = arrays
        if w.shape[0] == 0 or w.shape[1] == 0:
            raise InputError(
                f"weights must have at least one visible and one hidden unit, got {w.shape}"
            )
        if a.shape != (w.shape[0],) or b.shape != (w.shape[1],):
            raise InputError(
                f"biases must have shapes ({w.shape[0]},) and ({w.shape[1]},) to match weights "
                f"{w.shape}, got {a.shape} and {b.shape}"
            )
        units = rbm_functional.check_rbm_units(units)
        rbm = cls(n_hidden=int(w.shape[1]), units=units, **hyper)
        rbm.weights_, rbm.visible_bias_, rbm.hidden_bias_ = w, a, b
        if rbm_functional.gaussian_visible(units):
            std = np.ones(w.shape[0]) if visible_std is None else np.array(visible_std, float)
            if std.shape != (w.shape[0],) or not (np.isfinite(std).all() and (std > 0).all()):
                raise InputError(
                    f"visible_std must hold {w.shape[0]} finite values > 0, got shape {std.shape}"
                )
            rbm.visible_std_ = std
        elif visible_std is not None:
            raise InputError("visible_std applies to units='gaussian' only")
        rbm.n_features_in_ = int(w.shape[0])
        rbm.history_ = empty_history()
        return rbm

    def to_units(self, units: str) -> RBM:
        """An equivalent RBM in ``units`` ("binary" or "spin"); every probability is unchanged.

        With v = (s + 1)/2 on both layers (see :mod:`deeprg.rbm.units`) the binary parameters
        (W, a, b) map to W/4, a/2 + W1/4, b/2 + Wᵀ1/4 and the energies differ by a constant,
        so ln Z_binary = ln Z_spin + Σa/2 + Σb/2 + ΣW/4. Parameters are converted in float64.
        """
        check_is_fitted(self, "weights_")
        if self.units not in rbm_functional.UNITS or units not in rbm_functional.UNITS:
            raise InputError(
                "Gaussian units have no binary or spin equivalent; to_units converts between "
                "'binary' and 'spin' only"
            )
        w, a, b, _ = convert_parameters(
            self.weights_, self.visible_bias_, self.hidden_bias_, self.units, units
        )
        hyper = self.get_params()
        hyper.pop("n_hidden")
        hyper.pop("units")
        return type(self).from_parameters(w, a, b, units=units, **hyper)

    # ------------------------------------------------------------------ training

    def fit(self, X: Any, y: Any = None, *, checkpoint: str | os.PathLike | None = None) -> RBM:
        """Train on X for ``epochs`` epochs from a fresh initialisation (or a checkpoint).

        Parameters
        ----------
        X : array_like of shape (n_samples, n_visible)
            Unit states ({0,1} or ±1) or means ([0,1] or [-1,1]).
        y : ignored
        checkpoint : path-like, optional
            File holding the full training state, rewritten atomically after every epoch
            (temporary file + os.replace). If it exists when fit starts, training resumes from
            it: parameters, momentum velocities, persistent chains, centring offsets, history
            and the random generator's state, so that an interrupted or shorter run continued
            to ``epochs`` gives bit-for-bit the parameters of an uninterrupted run (on the same
            device and torch thread count, which fix the floating-point summation order). The file
            must come from the same hyper-parameters (``epochs``, ``verbose`` aside) and the
            same data; anything else is refused with InputError.

        Returns
        -------
        self
        """
        config = self._check_params()
        data_np = self._validate_X(X, reset=True, allow_missing=True)
        checkpoint_path = check_checkpoint_path(checkpoint)
        data_np, missing_np = fill_with_column_means(data_np)
        if missing_np is not None and checkpoint_path is not None:
            raise InputError(
                "checkpoints cannot resume the imputation of missing values; fit without "
                "checkpoint, or drop the rows with NaN"
            )
        data = torch.as_tensor(data_np, device=config.device).to(config.dtype).contiguous()
        missing = None if missing_np is None else torch.as_tensor(missing_np, device=data.device)
        generator = torch_generator(self.random_state, config.device)
        fingerprint = data_fingerprint(data_np)
        saved = None
        if checkpoint_path is not None and checkpoint_path.exists():
            saved = load_checkpoint(
                checkpoint_path, checkpoint_settings(self.get_params()), fingerprint
            )
        log_std = None
        if saved is not None:
            params = tuple(saved[k] for k in ("weights", "visible_bias", "hidden_bias"))
            history = {k: list(v) for k, v in saved["history"].items()}
            state = saved["trainer"]
            log_std = saved.get("log_std")
        else:
            params = Trainer.initial_parameters(config, data, int(self.n_hidden), generator)
            history, state = empty_history(), None
            if config.learn_variance:
                # Start σ at the data's standard deviation, and a at the mean of x = v / σ.
                log_std = torch.log(data.std(dim=0).clamp(min=1e-3))
                params = (params[0], params[1] * torch.exp(-log_std), params[2])
        trainer = Trainer(config, data, *params, generator=generator, state=state, log_std=log_std)
        self.history_ = history
        self._publish(trainer)
        self._train(trainer, self.epochs, checkpoint_path, fingerprint, missing)
        return self

    def partial_fit(self, X: Any, y: Any = None) -> RBM:
        """Train one more epoch on X, continuing the current state (or starting one)."""
        config = self._check_params()
        fitted = hasattr(self, "weights_")
        data_np = self._validate_X(X, reset=not fitted, allow_missing=True)
        if fitted and np.isnan(data_np).any():
            data_np = self.impute(data_np)
        data_np, missing_np = fill_with_column_means(data_np)
        data = torch.as_tensor(data_np, device=config.device).to(config.dtype).contiguous()
        state = getattr(self, "_training_state", None) if fitted else None
        generator = torch_generator(self.random_state, config.device)
        log_std = None
        if fitted:
            params = tuple(
                torch.as_tensor(np.asarray(p))
                for p in (self.weights_, self.visible_bias_, self.hidden_bias_)
            )
            if config.learn_variance and hasattr(self, "visible_std_"):
                log_std = torch.log(torch.as_tensor(np.asarray(self.visible_std_)))
            # Velocities, chains and generator carry over only to an unchanged set-up.
            if state is not None and (
                state["velocity_weights"].shape != params[0].shape
                or state["batch_size"] != min(config.batch_size, data.shape[0])
                or state["persistent"] != config.persistent
            ):
                state = None
        else:
            params = Trainer.initial_parameters(config, data, int(self.n_hidden), generator)
            self.history_ = empty_history()
        trainer = Trainer(config, data, *params, generator=generator, state=state, log_std=log_std)
        missing = None if missing_np is None else torch.as_tensor(missing_np, device=data.device)
        self._train(trainer, trainer.epochs_done + 1, None, None, missing)
        return self

    def _checkpoint_payload(self, trainer: Trainer, fingerprint: str | None) -> dict:
        """What :func:`save_checkpoint` writes: the trainer's own tensors, not copies.

        ``torch.save`` serialises them before it returns, so no copy is needed.
        """
        return {
            "settings": checkpoint_settings(self.get_params()),
            "data": fingerprint,
            "weights": trainer.weights.detach().cpu(),
            "visible_bias": trainer.visible_bias.detach().cpu(),
            "hidden_bias": trainer.hidden_bias.detach().cpu(),
            "trainer": trainer.state_dict(copy=False),
            "history": {k: list(v) for k, v in self.history_.items()},
            "log_std": None if trainer.log_std is None else trainer.log_std.detach().cpu(),
        }

    def _progress_description(self, trainer: Trainer) -> str:
        n_visible, n_hidden = trainer.weights.shape
        return f"{getattr(self, '_progress_label', 'RBM')} {n_visible}→{n_hidden}"

    def _work(self, trainer: Trainer) -> int:
        n_visible, n_hidden = trainer.weights.shape
        return trainer.batch_size * n_visible * n_hidden

    def _after_epoch(self, trainer: Trainer, missing: torch.Tensor) -> None:
        redraw_missing(trainer, missing)

    def _history_statistics(
        self, trainer: Trainer, subset: torch.Tensor, generator: torch.Generator
    ) -> tuple[float, float]:
        w, a, b = trainer.weights, trainer.visible_bias, trainer.hidden_bias
        std = None if trainer.log_std is None else torch.exp(trainer.log_std)
        return history_metrics(
            subset,
            w,
            a,
            b,
            trainer.config.units,
            generator,
            std,
            matmul_dtype=trainer.config.matmul_dtype,
        )

    def _history_exact_units(self, trainer: Trainer) -> int:
        shape = trainer.weights.shape
        return enumerated_units(shape, trainer.config.units)

    def _history_log_likelihood(self, trainer: Trainer, subset: torch.Tensor) -> float:
        units = trainer.config.units
        w64, a64, b64 = (
            t.to(torch.float64)
            for t in (trainer.weights, trainer.visible_bias, trainer.hidden_bias)
        )
        log_z = exact_log_partition(w64, a64, b64, units)
        x = subset.to(torch.float64)
        jacobian = 0.0
        if trainer.log_std is not None:
            x = x / torch.exp(trainer.log_std).to(torch.float64)
            jacobian = float(trainer.log_std.to(torch.float64).sum())
        free = rbm_functional.free_energy(x, w64, a64, b64, units)
        return float(-free.mean()) - log_z - jacobian

    def _publish(self, trainer: Trainer) -> None:
        """Copy the trainer's parameters and state to the public numpy attributes."""
        self.weights_ = trainer.weights.detach().cpu().numpy().copy()
        self.visible_bias_ = trainer.visible_bias.detach().cpu().numpy().copy()
        self.hidden_bias_ = trainer.hidden_bias.detach().cpu().numpy().copy()
        self.matmul_dtype_ = trainer.config.matmul_name
        self.matmul_reason_ = trainer.config.matmul_reason
        if rbm_functional.gaussian_visible(self.units):
            self.visible_std_ = (
                np.ones(self.weights_.shape[0], dtype=self.weights_.dtype)
                if trainer.log_std is None
                else torch.exp(trainer.log_std).detach().cpu().numpy().copy()
            )
        state = trainer.state_dict()
        state["batch_size"] = trainer.batch_size
        state["persistent"] = trainer.config.persistent
        self._training_state = state

    # ------------------------------------------------------------------ missing values

    def _complete(self, data: np.ndarray) -> np.ndarray:
        """``data`` with its NaN entries imputed (only reachable with ``missing="impute"``)."""
        return self.impute(data) if np.isnan(data).any() else data

    def impute(
        self,
        X: Any,
        n_steps: int | None = None,
        random_state: SeedLike = None,
    ) -> np.ndarray:
        """Fill the NaN entries of X from the model, given each row's observed entries.

        Block-Gibbs sampling with the observed units clamped: h ~ p(h | v), then the missing
        units are redrawn from p(v_missing | h) and the observed ones kept. The missing units
        start at the model's bias-only mean; the result is the Rao-Blackwellised posterior
        mean E[v_missing | h] averaged over the second half of the sweeps.

        Parameters
        ----------
        X : array_like of shape (n_samples, n_visible)
            Data with NaN marking missing entries (other values in the units' range).
        n_steps : int, optional
            Clamped Gibbs sweeps (default ``impute_steps``).
        random_state : int, numpy Generator or None
            Seed of the sweeps (default: the estimator's ``random_state``).

        Returns
        -------
        numpy.ndarray of shape (n_samples, n_visible), float64
            X with every NaN replaced; observed entries unchanged.
        """
        check_is_fitted(self, "weights_")
        try:
            data = validate_data(
                self, X, reset=False, dtype=np.float64, ensure_all_finite=False
            ).copy()
        except (TypeError, ValueError) as exc:
            raise InputError(str(exc).strip().splitlines()[0]) from exc
        check_finite_rows(data, allow_nan=True)
        missing_np = np.isnan(data)
        check_unit_values(data[~missing_np], self.units)
        steps = self.impute_steps if n_steps is None else n_steps
        if isinstance(steps, bool) or not isinstance(steps, Integral) or steps < 1:
            raise InputError(f"n_steps must be an integer >= 1, got {steps!r}")
        rows = np.flatnonzero(missing_np.any(axis=1))
        if rows.size == 0:
            return data
        device = self._device()
        seed = self.random_state if random_state is None else random_state
        v = torch.as_tensor(data[rows], device=device)
        missing = torch.as_tensor(missing_np[rows], device=device)
        generator = torch_generator(seed, device)
        estimate = clamped_gibbs_mean(self, v, missing, int(steps), generator).cpu().numpy()
        filled = data[rows]
        filled[missing_np[rows]] = estimate[missing_np[rows]]
        data[rows] = filled
        return data

    # ------------------------------------------------------------------ probabilities

    def log_partition(
        self,
        method: str = "auto",
        *,
        n_chains: int = 100,
        n_betas: int = 10000,
        base_visible_bias: Any = None,
        seed: SeedLike = None,
        return_std: bool = False,
    ) -> float | tuple[float, float]:
        """ln Z, exactly (smaller layer <= 25 units) or by annealed importance sampling.

        Gaussian units: Z of the unit-variance model on x = v / σ, summed exactly over the
        hidden states (n_hidden <= 25) with the Gaussian integral done analytically; the
        Jacobian Σ ln σ belongs to :meth:`free_energy`, so ln p(v) = -F(v) - ln Z throughout.

        Parameters
        ----------
        method : {"auto", "exact", "ais"}, default "auto"
            "auto" is exact when possible, else AIS.
        n_chains, n_betas : int
            AIS runs and intermediate distributions (see :func:`~deeprg.rbm.partition.ais_log_partition`).
        base_visible_bias : array_like of shape (n_visible,), optional
            AIS base-model visible bias (default zeros).
        seed : int, numpy Generator or None
            AIS randomness (default: the estimator's ``seed``).
        return_std : bool, default False
            Also return the standard error (0.0 for exact).

        Returns
        -------
        float, or (float, float) with ``return_std``
        """
        check_is_fitted(self, "weights_")
        self._check_log_partition_method(method)
        w, a, b = self._parameters()
        exact_units = enumerated_units(w.shape, self.units)
        if method == "exact" or (method == "auto" and exact_units <= MAX_EXACT_UNITS):
            value, std = exact_log_partition(w, a, b, self.units), 0.0
        else:
            if rbm_functional.layer_units(self.units)[1] == "gaussian":
                raise InputError(
                    f"ln Z of units={self.units!r} needs exact enumeration of "
                    f"{exact_units} units (at most {MAX_EXACT_UNITS}); AIS handles binary and "
                    "spin hidden units only"
                )
            base = None
            if base_visible_bias is not None:
                base = torch.as_tensor(np.asarray(base_visible_bias, dtype=np.float64))
                if base.shape != (w.shape[0],):
                    raise InputError(
                        f"base_visible_bias must have shape ({w.shape[0]},), got {tuple(base.shape)}"
                    )
            result = ais_log_partition(
                w,
                a,
                b,
                self.units,
                n_chains=n_chains,
                n_betas=n_betas,
                base_visible_bias=base,
                seed=self.random_state if seed is None else seed,
            )
            value, std = result.log_z, result.std_err
        return (value, std) if return_std else value


__all__ += ["TrainingDivergedError"]
