"""What every RBM estimator shares, whatever its geometry: sampling, scoring, training epochs.

:class:`RBMBase` owns the parts of :class:`~deeprg.rbm.RBM` and :class:`~deeprg.rbm.ConvRBM`
that do not depend on how the layers are connected: block-Gibbs sampling, conditional
probabilities, free energies as public numpy-or-tensor methods, the log-partition cache,
``score_samples``, ``pseudo_likelihood``, ``transform``/``inverse_transform`` and the epoch loop
with its history, progress bar and checkpoints. A subclass supplies its geometry:

- ``_layer_sizes()``: (n_visible, n_hidden) of the fitted model;
- ``_hidden_input(x, params)`` and ``_visible_input(h, params)``: b + (x W) and a + (W h)
  as (n, n_hidden) and (n, n_visible) tensors;
- ``_energy_tensor``, ``_free_energy_tensor``, ``_hidden_free_energy_tensor``;
- ``log_partition`` (exact ln Z or AIS) and ``_log_partition_arrays`` (what ln Z depends on);
- ``_pseudo_log_likelihood_tensor``, and the training hooks ``_publish``,
  ``_history_statistics``, ``_history_log_likelihood``, ``_history_exact_units``,
  ``_progress_description`` and ``_work``.

Gaussian visible units act on x = v / σ: ``_scaled`` and ``_unscaled`` map between v and x
(the identity for binary and spin units).
"""

from __future__ import annotations

import hashlib
import sys
import time
from numbers import Integral
from pathlib import Path
from typing import Any

import numpy as np
import torch
from sklearn.base import BaseEstimator, ClassNamePrefixFeaturesOutMixin, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from .._random import SeedLike
from ..errors import InputError
from . import functional as rbm_functional
from ._estimator import TorchEstimatorMixin
from ._validation import check_unit_values, resolve_dtype, single_thread_if_small, torch_generator
from .checkpoint import save_checkpoint
from .contrastive import ContrastiveDivergence
from .history import MAX_HISTORY_EXACT_UNITS, history_subset

__all__ = ["RBMBase", "pseudo_log_likelihood_by_flips"]

_INTEGER_DTYPES = (torch.int8, torch.int16, torch.int32, torch.int64, torch.uint8, torch.bool)


class RBMBase(
    TorchEstimatorMixin, ClassNamePrefixFeaturesOutMixin, TransformerMixin, BaseEstimator
):
    """Sampling, scoring and training epochs of an RBM; the subclass gives the geometry."""

    # ------------------------------------------------------------------ geometry (subclass)

    def _layer_sizes(self) -> tuple[int, int]:
        """(n_visible, n_hidden) of the fitted model."""
        raise NotImplementedError

    def _hidden_input(self, x: torch.Tensor, params: tuple) -> torch.Tensor:
        """Hidden inputs b + x W of scaled visible rows x, shape (n, n_hidden)."""
        raise NotImplementedError

    def _visible_input(self, h: torch.Tensor, params: tuple) -> torch.Tensor:
        """Visible inputs a + W h of hidden rows h, shape (n, n_visible)."""
        raise NotImplementedError

    def _scaled(self, v: torch.Tensor) -> torch.Tensor:
        """x = v / σ, the variable the model acts on (v itself unless Gaussian units)."""
        return v

    def _unscaled(self, x: torch.Tensor) -> torch.Tensor:
        """v = σ x (x itself unless Gaussian units)."""
        return x

    def _parameters(
        self, dtype: torch.dtype = torch.float64
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """(weights, visible bias, hidden bias) as tensors on the model's device."""
        check_is_fitted(self, "weights_")
        device = self._device()
        return tuple(
            torch.as_tensor(np.asarray(p), device=device).to(dtype)
            for p in (self.weights_, self.visible_bias_, self.hidden_bias_)
        )

    # ------------------------------------------------------------------ tensors in/out

    def _input(
        self,
        x: Any,
        n_units: int,
        dtype: torch.dtype,
        name: str,
        check_values: bool = True,
        layer: int = 0,
    ) -> tuple[torch.Tensor, bool, tuple[int, ...]]:
        """Configurations as a 2-D tensor; also whether x was a tensor and its batch shape.

        Values are checked against the units of ``layer`` (0: visible, 1: hidden).
        """
        is_tensor = isinstance(x, torch.Tensor)
        if not is_tensor:
            x = np.asarray(x, dtype=np.float64)
            if not x.flags.writeable:  # e.g. np.broadcast_to views; torch wants writable memory
                x = x.copy()
        tensor = x if is_tensor else torch.as_tensor(x)
        if tensor.ndim == 0 or tensor.shape[-1] != n_units:
            raise InputError(f"{name} must have shape (..., {n_units}), got {tuple(tensor.shape)}")
        if tensor.is_floating_point() or tensor.dtype in _INTEGER_DTYPES:
            tensor = tensor.to(device=self._device(), dtype=dtype)
        else:
            raise InputError(f"{name} must be a real array, got dtype {tensor.dtype}")
        if not torch.isfinite(tensor).all():
            raise InputError(f"{name} contains NaN or inf; pass finite unit states")
        if check_values:
            check_unit_values(tensor, rbm_functional.layer_units(self.units)[layer], name)
        batch_shape = tuple(tensor.shape[:-1])
        return tensor.reshape(-1, n_units), is_tensor, batch_shape

    def _visible(self, v: Any, dtype: torch.dtype = torch.float64, name: str = "v"):
        """Visible configurations (..., n_visible) as (2-D tensor, is_tensor, batch shape)."""
        return self._input(v, self._layer_sizes()[0], dtype, name)

    def _hidden(self, h: Any, dtype: torch.dtype = torch.float64, name: str = "h"):
        """Hidden configurations (..., n_hidden) as (2-D tensor, is_tensor, batch shape)."""
        return self._input(h, self._layer_sizes()[1], dtype, name, layer=1)

    def _complete(self, data: np.ndarray) -> np.ndarray:
        """``data`` with missing entries filled (no estimator here takes any)."""
        return data

    # ------------------------------------------------------------------ representations

    def transform(self, X: Any) -> np.ndarray:
        """Hidden conditional means E[h | v], shape (n_samples, n_hidden).

        float32 for float32 input, float64 otherwise.
        """
        check_is_fitted(self, "weights_")
        data = self._complete(self._validate_X(X, reset=False, allow_missing=True))
        dtype = torch.float32 if data.dtype == np.float32 else torch.float64
        params = self._parameters(dtype)
        x = self._scaled(torch.as_tensor(data, device=params[0].device))
        hidden_units = rbm_functional.layer_units(self.units)[1]
        return rbm_functional.unit_mean(self._hidden_input(x, params), hidden_units).cpu().numpy()

    def _visible_mean(self, h: torch.Tensor) -> torch.Tensor:
        """E[v | h] for a 2-D tensor of hidden states or means (in v, not x)."""
        params = self._parameters(h.dtype)
        mean = rbm_functional.unit_mean(
            self._visible_input(h, params), rbm_functional.layer_units(self.units)[0]
        )
        return self._unscaled(mean)

    def inverse_transform(self, H: Any) -> Any:
        """Visible conditional means E[v | h] for hidden states or means H, shape (n, n_visible)."""
        h, is_tensor, shape = self._hidden(H, name="H")
        return self._output(self._visible_mean(h), is_tensor, shape)

    def reconstruct(self, X: Any) -> np.ndarray:
        """Mean-field reconstruction E[v | E[h | v]], array of shape (n_samples, n_visible)."""
        return self.inverse_transform(self.transform(X))

    # ------------------------------------------------------------------ probabilities

    def _energy_tensor(self, v: torch.Tensor, h: torch.Tensor, params: tuple) -> torch.Tensor:
        raise NotImplementedError

    def _free_energy_tensor(self, v: torch.Tensor, params: tuple) -> torch.Tensor:
        raise NotImplementedError

    def _hidden_free_energy_tensor(self, h: torch.Tensor, params: tuple) -> torch.Tensor:
        raise NotImplementedError

    def energy(self, v: Any, h: Any) -> Any:
        """E(v, h) (float64), shape (...,) for v (..., n_visible) and h (..., n_hidden)."""
        vt, is_tensor, shape = self._visible(v)
        ht, _, hshape = self._hidden(h)
        if hshape != shape:
            raise InputError(f"v and h must have the same batch shape, got {shape} and {hshape}")
        value = self._energy_tensor(vt, ht, self._parameters())
        return self._output(value, is_tensor, shape)

    def free_energy(self, v: Any) -> Any:
        """F(v) with p(v) = exp(-F(v))/Z (the paper's H^RBM(v)), float64 of shape (...,).

        Parameters
        ----------
        v : array_like or torch.Tensor of shape (..., n_visible)

        Returns
        -------
        array of shape (...,)
        """
        vt, is_tensor, shape = self._visible(v)
        return self._output(self._free_energy_tensor(vt, self._parameters()), is_tensor, shape)

    def hidden_free_energy(self, h: Any) -> Any:
        """G(h) with p(h) = exp(-G(h))/Z (the paper's H^RBM(h)), float64 of shape (...,).

        Parameters
        ----------
        h : array_like or torch.Tensor of shape (..., n_hidden)

        Returns
        -------
        array of shape (...,)
        """
        ht, is_tensor, shape = self._hidden(h)
        value = self._hidden_free_energy_tensor(ht, self._parameters())
        return self._output(value, is_tensor, shape)

    def hidden_conditional(self, v: Any) -> Any:
        """P(h_j = 1 | v) (binary, Gaussian) or P(h_j = +1 | v) (spin), shape (..., n_hidden)."""
        if rbm_functional.layer_units(self.units)[1] == "gaussian":
            raise InputError(
                "Gaussian hidden units have no P(h_j = 1 | v); transform gives their mean b + xW"
            )
        vt, is_tensor, shape = self._visible(v)
        scale = 2.0 if self.units == "spin" else 1.0
        hidden_input = self._hidden_input(self._scaled(vt), self._parameters())
        return self._output(torch.sigmoid(scale * hidden_input), is_tensor, shape)

    def visible_conditional(self, h: Any) -> Any:
        """P(v_i = 1 | h) (binary) or P(v_i = +1 | h) (spin), shape (..., n_visible), float64.

        Gaussian units have a density, not a probability: use :meth:`inverse_transform` for
        the mean σ (a + W h) (their variance is σ²).
        """
        check_is_fitted(self, "weights_")
        if rbm_functional.gaussian_visible(self.units):
            raise InputError(
                "Gaussian visible units have no P(v_i = 1 | h); inverse_transform gives their "
                "mean σ(a + W h), and visible_std_ their standard deviation"
            )
        ht, is_tensor, shape = self._hidden(h)
        scale = 1.0 if self.units == "binary" else 2.0
        visible_input = self._visible_input(ht, self._parameters())
        return self._output(torch.sigmoid(scale * visible_input), is_tensor, shape)

    @staticmethod
    def _check_log_partition_method(method: str) -> None:
        if method not in ("auto", "exact", "ais"):
            raise InputError(f"method must be 'auto', 'exact' or 'ais', got {method!r}")

    def _log_partition_arrays(self) -> tuple[np.ndarray, ...]:
        """Every fitted array ln Z depends on (beyond ``units``)."""
        raise NotImplementedError

    def _cached_log_partition(self) -> float:
        """``log_partition("auto")``, cached for the current parameters (a digest of them)."""
        key = hashlib.blake2b(digest_size=16)
        for array in self._log_partition_arrays():
            key.update(np.ascontiguousarray(array).tobytes())
        key.update(self.units.encode())
        digest = key.hexdigest()
        cached = getattr(self, "_log_z_cache", None)
        if cached is None or cached[0] != digest:
            self._log_z_cache = (digest, self.log_partition("auto"))
        return self._log_z_cache[1]

    def score_samples(self, X: Any) -> np.ndarray:
        """Log-likelihood ln p(x) = -F(x) - ln Z of each row, float64 array of shape (n_samples,).

        ln Z is exact when the smaller layer has <= 25 units, else estimated by AIS (with the
        estimator's seed) and cached for the current parameters. For Gaussian units this is a
        log density (of v, Jacobian of x = v / σ included). Rows must be complete.
        """
        check_is_fitted(self, "weights_")
        data = self._validate_X(X, reset=False)
        params = self._parameters()
        v = torch.as_tensor(data, device=params[0].device).to(torch.float64)
        free = self._free_energy_tensor(v, params)
        return (-free - self._cached_log_partition()).cpu().numpy()

    def _pseudo_log_likelihood_tensor(
        self, v: torch.Tensor, params: tuple, generator: torch.Generator
    ) -> torch.Tensor:
        raise NotImplementedError

    def pseudo_likelihood(self, X: Any, seed: SeedLike = None) -> np.ndarray:
        """Stochastic pseudo-log-likelihood n_visible · ln p(v_i | v_-i), one random i per row.

        Every estimator draws the same sites for the same seed.

        Returns
        -------
        numpy.ndarray of shape (n_samples,), float64
        """
        check_is_fitted(self, "weights_")
        data = self._validate_X(X, reset=False)
        params = self._parameters()
        v = torch.as_tensor(data, device=params[0].device).to(torch.float64)
        generator = torch_generator(seed, v.device)
        return self._pseudo_log_likelihood_tensor(v, params, generator).cpu().numpy()

    # ------------------------------------------------------------------ sampling

    def _sampling_dtype(self) -> torch.dtype:
        return resolve_dtype(self.dtype)

    def _hidden_sample(
        self, x: torch.Tensor, generator: torch.Generator, params: tuple | None = None
    ) -> torch.Tensor:
        """h ~ p(h | x) for scaled visible rows x (2-D tensor)."""
        params = self._parameters(x.dtype) if params is None else params
        hidden_units = rbm_functional.layer_units(self.units)[1]
        mean = rbm_functional.unit_mean(self._hidden_input(x, params), hidden_units)
        return rbm_functional.sample_from_mean(mean, hidden_units, generator)

    def _visible_sample(
        self, h: torch.Tensor, generator: torch.Generator, params: tuple | None = None
    ) -> torch.Tensor:
        """v ~ p(v | h) (2-D tensor, in v: σ-scaled for Gaussian units)."""
        params = self._parameters(h.dtype) if params is None else params
        visible_units = rbm_functional.layer_units(self.units)[0]
        mean = rbm_functional.unit_mean(self._visible_input(h, params), visible_units)
        return self._unscaled(rbm_functional.sample_from_mean(mean, visible_units, generator))

    def sample_hidden(self, v: Any, generator: torch.Generator | SeedLike = None) -> Any:
        """Hidden states h ~ p(h | v), shape (..., n_hidden), in the model's units and dtype."""
        vt, is_tensor, shape = self._visible(v, self._sampling_dtype())
        gen = torch_generator(generator, self._device())
        return self._output(self._hidden_sample(self._scaled(vt), gen), is_tensor, shape)

    def sample_visible(self, h: Any, generator: torch.Generator | SeedLike = None) -> Any:
        """Visible states v ~ p(v | h), shape (..., n_visible), in the model's units and dtype."""
        ht, is_tensor, shape = self._hidden(h, self._sampling_dtype())
        gen = torch_generator(generator, self._device())
        return self._output(self._visible_sample(ht, gen), is_tensor, shape)

    def gibbs(
        self,
        v: Any,
        n_steps: int = 1,
        generator: torch.Generator | SeedLike = None,
        return_hidden: bool = False,
    ) -> Any:
        """Run ``n_steps`` block-Gibbs sweeps v → h ~ p(h|v) → v ~ p(v|h) from states v.

        Parameters
        ----------
        v : array_like or torch.Tensor of shape (..., n_visible)
            Starting visible states (one chain per row).
        n_steps : int, default 1
        generator : torch.Generator, int, numpy Generator or None
            An explicit torch Generator (on the model's device) is advanced in place, so
            successive calls continue one random stream; a seed creates a fresh generator.
        return_hidden : bool, default False
            Also return the hidden states of the last sweep.

        Returns
        -------
        v : array of shape (..., n_visible)  (and h of shape (..., n_hidden))
        """
        check_is_fitted(self, "weights_")
        if isinstance(n_steps, bool) or not isinstance(n_steps, Integral) or n_steps < 0:
            raise InputError(f"n_steps must be an integer >= 0, got {n_steps!r}")
        dtype = self._sampling_dtype()
        vt, is_tensor, shape = self._visible(v, dtype)
        gen = torch_generator(generator, self._device())
        params = self._parameters(dtype)
        h = None
        for _ in range(int(n_steps)):
            h = self._hidden_sample(self._scaled(vt), gen, params)
            vt = self._visible_sample(h, gen, params)
        v_out = self._output(vt, is_tensor, shape)
        if not return_hidden:
            return v_out
        if h is None:
            h = self._hidden_sample(self._scaled(vt), gen, params)
        return v_out, self._output(h, is_tensor, shape)

    # ------------------------------------------------------------------ training epochs

    def _progress_description(self, trainer: ContrastiveDivergence) -> str:
        raise NotImplementedError

    def _work(self, trainer: ContrastiveDivergence) -> int:
        """Multiply-adds of one mini-batch product (small ones run on one CPU thread)."""
        raise NotImplementedError

    def _publish(self, trainer: ContrastiveDivergence) -> None:
        """Copy the trainer's parameters to the public numpy attributes."""
        raise NotImplementedError

    def _after_epoch(self, trainer: ContrastiveDivergence, missing: torch.Tensor) -> None:
        """Work on the training data after an epoch (the redraw of missing entries)."""

    def _checkpoint_payload(self, trainer: ContrastiveDivergence, fingerprint: str | None) -> dict:
        """What a checkpoint file holds (estimators that support checkpoints define it)."""
        raise NotImplementedError

    def _train(
        self,
        trainer: ContrastiveDivergence,
        epochs: int,
        checkpoint: Path | None = None,
        fingerprint: str | None = None,
        missing: torch.Tensor | None = None,
    ) -> None:
        """Run epochs up to ``epochs`` (total), recording history and checkpoints.

        ``missing`` (bool tensor of the data's shape) marks missing entries of
        ``trainer.data``, handed to :meth:`_after_epoch` after every epoch.
        """
        if trainer.epochs_done > epochs:
            raise InputError(
                f"the checkpoint already holds {trainer.epochs_done} epochs, more than "
                f"epochs={epochs}; raise epochs or delete the checkpoint"
            )
        subset = history_subset(trainer.data, int(self.history_samples))
        from tqdm.auto import tqdm

        with (
            single_thread_if_small(self._work(trainer), trainer.config.device),
            tqdm(
                total=epochs,
                initial=trainer.epochs_done,
                desc=self._progress_description(trainer),
                unit="epoch",
                file=sys.stderr,
                disable=not self.verbose,
                leave=False,
            ) as bar,
        ):
            while trainer.epochs_done < epochs:
                start = time.perf_counter()
                learning_rate, momentum = trainer.run_epoch()
                if missing is not None:
                    self._after_epoch(trainer, missing)
                metrics = self._epoch_metrics(trainer, subset)
                self._record(
                    trainer.epochs_done,
                    learning_rate,
                    momentum,
                    metrics,
                    time.perf_counter() - start,
                )
                self._publish(trainer)
                if checkpoint is not None:
                    save_checkpoint(checkpoint, self._checkpoint_payload(trainer, fingerprint))
                bar.update(1)
                if metrics["reconstruction_error"] == metrics["reconstruction_error"]:
                    bar.set_postfix(recon=f"{metrics['reconstruction_error']:.4g}")

    def _history_statistics(
        self, trainer: ContrastiveDivergence, subset: torch.Tensor, generator: torch.Generator
    ) -> tuple[float, float]:
        """(reconstruction error, mean pseudo-log-likelihood) of the history rows."""
        raise NotImplementedError

    def _history_exact_units(self, trainer: ContrastiveDivergence) -> int:
        """Units an exact ln Z enumerates (the history's log-likelihood needs few)."""
        raise NotImplementedError

    def _history_log_likelihood(
        self, trainer: ContrastiveDivergence, subset: torch.Tensor
    ) -> float:
        """Exact mean ln p(v) of the history rows."""
        raise NotImplementedError

    def _epoch_metrics(
        self, trainer: ContrastiveDivergence, subset: torch.Tensor | None
    ) -> dict[str, float]:
        """The history metrics of one epoch (NaN where not computed)."""
        nan = float("nan")
        if subset is None:
            return {"reconstruction_error": nan, "pseudo_likelihood": nan, "log_likelihood": nan}
        flip_generator = torch.Generator(device=subset.device)
        flip_generator.manual_seed(trainer.epochs_done)
        error, pll = self._history_statistics(trainer, subset, flip_generator)
        metrics = {"reconstruction_error": error, "pseudo_likelihood": pll, "log_likelihood": nan}
        if self._history_exact_units(trainer) <= MAX_HISTORY_EXACT_UNITS:
            metrics["log_likelihood"] = self._history_log_likelihood(trainer, subset)
        return metrics

    def _record(
        self, epoch: int, learning_rate: float, momentum: float, metrics: dict, seconds: float
    ) -> None:
        history = self.history_
        history["epoch"].append(epoch)
        history["learning_rate"].append(learning_rate)
        history["momentum"].append(momentum)
        for key, value in metrics.items():
            history[key].append(value)
        history["seconds"].append(seconds)

    # ------------------------------------------------------------------ sklearn plumbing

    @property
    def _n_features_out(self) -> int:
        """Number of transformed features (hidden units), for ``get_feature_names_out``."""
        return int(self._layer_sizes()[1])


def pseudo_log_likelihood_by_flips(
    v: torch.Tensor, free_energy: Any, units: str, generator: torch.Generator
) -> torch.Tensor:
    """n_visible · ln sigmoid(F(ṽ) - F(v)), ṽ = v with one random unit flipped, shape (n,).

    ``free_energy`` maps (n, n_visible) rows to F, shape (n,). The same draws as
    :func:`deeprg.rbm.training.pseudo_log_likelihood`.
    """
    n, n_visible = v.shape
    columns = torch.randint(n_visible, (n,), generator=generator, device=v.device)
    rows = torch.arange(n, device=v.device)
    flipped = v.clone()
    values = flipped[rows, columns]
    flipped[rows, columns] = 1.0 - values if units == "binary" else -values
    difference = free_energy(flipped) - free_energy(v)
    return n_visible * torch.nn.functional.logsigmoid(difference)
