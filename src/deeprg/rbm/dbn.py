"""Deep belief networks: stacks of RBMs trained greedily, layer by layer (Hinton et al. 2006).

Layer l (an :class:`~deeprg.rbm.RBM`) is trained on the representation of layer l-1: the
hidden conditional means E[h | v] (``propagate="mean"``, as in Hinton & Salakhutdinov's code
that Mehta & Schwab used) or samples h ~ p(h | v) (``propagate="sample"``). The paper's network
is ``DBN(layers=(400, 100, 25))`` on 40×40 = 1600 Ising spins.

Effective receptive fields (paper Fig. 3): r^(1) = W^(1) and r^(l) = r^(l-1) W^(l), i.e. the
product W^(1)…W^(l) of shape (n_visible, n_hidden_l), shown per hidden unit on the lattice.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Callable, Sequence
from numbers import Integral
from typing import Any

import numpy as np
import torch
from sklearn.base import BaseEstimator, ClassNamePrefixFeaturesOutMixin, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from .._random import SeedLike, as_generator, child_seeds
from ..errors import InputError
from ._validation import SMALL_WORK, resolve_device, single_thread_if_small, torch_generator
from .checkpoint import CheckpointMismatchError
from .functional import check_rbm_units, layer_units, rbm_units, sample_from_mean
from .hyperparameters import PER_LAYER, check_hyperparameter, store_hyperparameters
from .layer_cache import CheckpointDirectory, LayerCache
from .rbm import RBM

__all__ = ["DBN", "PER_LAYER", "LayerCache"]

#: Multiply-adds per product below which :meth:`DBN.generate` runs the top RBM's chain on one
#: torch thread. The chain is a long loop of short products: 2000 chains × 1000 sweeps of the
#: paper's 100-25 top RBM (5·10^6 per product) took 1.5-2 s on one thread and 1.3-21 s on two
#: on a shared two-core machine.
CHAIN_SMALL_WORK = 16 * SMALL_WORK


#: A learning-rate schedule: a name, or a callable epoch -> factor.
Schedule = str | Callable[[int], float]


class DBN(ClassNamePrefixFeaturesOutMixin, TransformerMixin, BaseEstimator):
    """A stack of RBMs trained greedily; up-pass, down-pass, reconstruction, receptive fields.

    Parameters
    ----------
    layers : sequence of int, default (400, 100, 25)
        Hidden-layer sizes from the bottom up (the visible size comes from the data).
    units : {"binary", "spin", "gaussian"}, default "binary"
        Units of every layer; ``"gaussian"`` makes the bottom layer a Gaussian-Bernoulli RBM
        (real-valued visible units) and every layer above it binary.
    learn_variance : bool, default False
        Gaussian units: learn the visible standard deviations (bottom layer).
    missing : {"refuse", "impute"}, default "refuse"
        NaN entries of X: refused, or imputed by the bottom RBM (see :class:`RBM`).
    learning_rate, batch_size, epochs, cd_k, persistent, reconstruction, l1, l2, momentum, \
initial_momentum, momentum_switch_epoch, learning_rate_schedule, learning_rate_decay, \
centering, weight_init_std, history_samples
        As for :class:`~deeprg.rbm.RBM`; each is one value shared by all layers or a
        list/tuple with one value per layer.
    propagate : {"mean", "sample"}, default "mean"
        What layer l+1 is trained on: the hidden means of layer l, or samples of them.
    hidden_units : str or sequence of str, default "binary"
        Hidden units of each layer (one value for all, or one per layer): ``"binary"``
        (logistic; spin for ``units="spin"``), or ``"gaussian"``: linear units with
        unit-variance Gaussian noise, whose means b + xW are the features (Hinton &
        Salakhutdinov 2006 make the top "code" layer of their stacks so). A layer's visible
        units are the hidden units of the layer below (``units`` at the bottom).
    random_state : int, numpy Generator, numpy RandomState or None
        Seeds every layer (independent child seeds) and the propagation samples.
    device, dtype, matmul_dtype, verbose
        As for :class:`~deeprg.rbm.RBM` (``verbose`` shows one progress bar per layer).

    Attributes
    ----------
    rbms_ : list of RBM
        The fitted layers, bottom first.
    history_ : list of dict
        Each layer's per-epoch ``history_``.
    n_features_in_ : int
        Number of visible units.
    feature_names_in_ : numpy.ndarray of str
        Column names of a pandas DataFrame X (only when fitted on one). With
        ``set_output(transform="pandas")`` the full-depth :meth:`transform` returns a
        DataFrame with columns ``get_feature_names_out()`` (dbn0, dbn1, ...).
    """

    def __init__(
        self,
        layers: tuple[int, ...] = (400, 100, 25),
        *,
        hidden_units: str | Sequence[str] = "binary",
        units: str = "binary",
        learn_variance: bool = False,
        missing: str = "refuse",
        learning_rate: float | Sequence[float] = 0.1,
        batch_size: int | Sequence[int] = 100,
        epochs: int | Sequence[int] = 10,
        cd_k: int | Sequence[int] = 1,
        persistent: bool | Sequence[bool] = False,
        reconstruction: str | Sequence[str] = "mean",
        l1: float | Sequence[float] = 0.0,
        l2: float | Sequence[float] = 0.0,
        momentum: float | Sequence[float] = 0.9,
        initial_momentum: float | Sequence[float | None] | None = 0.5,
        momentum_switch_epoch: int | Sequence[int] = 5,
        learning_rate_schedule: Schedule | Sequence[Schedule] = "constant",
        learning_rate_decay: float | Sequence[float] = 0.0,
        centering: bool | Sequence[bool] = False,
        weight_init_std: float | Sequence[float] = 0.01,
        history_samples: int | Sequence[int] = 1000,
        propagate: str = "mean",
        random_state: SeedLike = None,
        device: str = "cpu",
        dtype: str = "float32",
        matmul_dtype: str = "float32",
        verbose: bool = False,
    ) -> None:
        store_hyperparameters(self, locals())

    # ------------------------------------------------------------------ set-up

    def _layer_sizes(self) -> tuple[int, ...]:
        layers = self.layers
        if isinstance(layers, Integral) and not isinstance(layers, bool):
            layers = (layers,)
        try:
            sizes = tuple(layers)
        except TypeError as exc:
            raise InputError(
                f"layers must be a sequence of positive integers, got {layers!r}"
            ) from exc
        if not sizes or any(
            isinstance(n, bool) or not isinstance(n, Integral) or n < 1 for n in sizes
        ):
            raise InputError(
                f"layers must be a non-empty sequence of positive integers, got {layers!r}"
            )
        return tuple(int(n) for n in sizes)

    def _units(self, n_layers: int) -> list[str]:
        """Each layer's ``units``: its visible units (the hidden units below) and its own hidden."""
        hidden = self.hidden_units
        hidden = [hidden] * n_layers if isinstance(hidden, str) else list(hidden)
        if len(hidden) != n_layers:
            raise InputError(
                f"hidden_units has {len(hidden)} values but there are {n_layers} layers; give "
                "one value or one per layer"
            )
        visible, default_hidden = layer_units(check_rbm_units(self.units))
        units = []
        for kind in hidden:
            if kind not in ("binary", "gaussian"):
                raise InputError(f"hidden_units must be 'binary' or 'gaussian', got {kind!r}")
            kind = default_hidden if kind == "binary" else kind
            units.append(rbm_units(visible, kind))
            visible = kind
        return units

    def _layer_models(self, seeds: list[int | None] | None = None) -> list[RBM]:
        """Unfitted, validated RBMs, one per layer, with their per-layer settings and seeds."""
        sizes = self._layer_sizes()
        check_rbm_units(self.units)
        check_hyperparameter("propagate", self.propagate)
        per_layer = {}
        for name in PER_LAYER:
            value = getattr(self, name)
            if isinstance(value, (list, tuple)):
                if len(value) != len(sizes):
                    raise InputError(
                        f"{name} has {len(value)} values but there are {len(sizes)} layers; "
                        "give one value or one per layer"
                    )
                per_layer[name] = list(value)
            else:
                per_layer[name] = [value] * len(sizes)
        if seeds is None:
            seeds = self._seeds(len(sizes))
        models = []
        for index, (n_hidden, units) in enumerate(zip(sizes, self._units(len(sizes)), strict=True)):
            bottom = index == 0
            rbm = RBM(
                n_hidden,
                units=units,
                learn_variance=self.learn_variance if bottom else False,
                missing=self.missing if bottom else "refuse",
                random_state=seeds[index],
                device=self.device,
                dtype=self.dtype,
                matmul_dtype=self.matmul_dtype,
                verbose=self.verbose,
                **{name: values[index] for name, values in per_layer.items()},
            )
            try:
                rbm._check_params()
            except InputError as exc:
                if not any(isinstance(getattr(self, name), (list, tuple)) for name in PER_LAYER):
                    raise
                raise InputError(f"layer {index + 1}: {exc}") from exc
            rbm._progress_label = f"layer {index + 1}/{len(sizes)}"
            models.append(rbm)
        return models

    def _seeds(self, n_layers: int) -> list[int | None]:
        """2·n_layers child seeds: training seeds, then propagation-sampling seeds."""
        if self.random_state is None:
            return [None] * (2 * n_layers)
        if not isinstance(self.random_state, (np.random.Generator, np.random.RandomState)):
            as_generator(
                self.random_state
            )  # validates (a Generator or RandomState is not drawn from)
        return [int(s) for s in child_seeds(self.random_state, 2 * n_layers)]

    def check_params(self) -> None:
        """Validate every hyper-parameter now (InputError naming the fix), before any data."""
        # seeds=None: validating must not draw from a user's Generator (fit would then differ)
        self._layer_models([None] * (2 * len(self._layer_sizes())))
        resolve_device(self.device)

    # ------------------------------------------------------------------ training

    def fit(
        self,
        X: Any,
        y: Any = None,
        *,
        checkpoint_dir: str | os.PathLike | None = None,
        layer_cache: LayerCache | None = None,
        log: Callable[[str], None] | None = None,
    ) -> DBN:
        """Greedy layer-wise training.

        Parameters
        ----------
        X : array_like of shape (n_samples, n_visible)
            Unit states or means of the chosen ``units``.
        y : ignored
        checkpoint_dir : path-like, optional
            Directory for one checkpoint per layer (``layer1.pt``, ``layer2.pt``, …; see
            :meth:`RBM.fit`). A later call with the same settings and data reloads finished
            layers instantly and resumes an interrupted one bit-for-bit; a layer whose
            checkpoint was made with other settings or other input (because a lower layer
            changed) is retrained from scratch and its checkpoint replaced. With
            ``propagate="sample"`` this needs an integer ``seed`` (the propagated samples
            must be the same).
        layer_cache : LayerCache, optional
            Where finished layers are found and new ones kept and checkpointed (see
            :mod:`deeprg.rbm.layer_cache`); not together with ``checkpoint_dir``. A layer
            the cache supplies is used as it is, and the next layer trained on its output.
        log : callable str -> None, optional
            Receives one line per layer: ``"layer 2, 144 → 36 units, 30 epochs"`` before
            training it, or ``"reusing layer 2 from <where>"``.

        Returns
        -------
        self
        """
        seeds = self._seeds(len(self._layer_sizes()))
        models = self._layer_models(seeds)
        if checkpoint_dir is not None:
            if layer_cache is not None:
                raise InputError("pass checkpoint_dir or layer_cache, not both")
            layer_cache = CheckpointDirectory(checkpoint_dir)
        cache = LayerCache() if layer_cache is None else layer_cache
        representation = X
        for index, model in enumerate(models):
            rbm = cache.load(index, model)
            if rbm is not None:
                if log is not None:
                    log(f"reusing layer {index + 1} from {cache.describe(index)}")
            else:
                rbm = model
                self._fit_layer(index, rbm, representation, cache, log)
            if index == 0:
                self.n_features_in_ = rbm.n_features_in_
            models[index] = rbm
            if index + 1 < len(models):
                representation = self._propagate(rbm, representation, seeds[len(models) + index])
        self.rbms_ = models
        self.history_ = [rbm.history_ for rbm in models]
        names = getattr(models[0], "feature_names_in_", None)
        if names is not None:
            self.feature_names_in_ = names
        return self

    def partial_fit(self, X: Any, y: Any = None) -> DBN:
        """One more pass over the rows X for every layer, bottom first (streams, chunks).

        scikit-learn's ``partial_fit``: the first call sets up the layers with the seeds
        :meth:`fit` would use; every call trains each layer one epoch on these rows
        (:meth:`RBM.partial_fit`, its velocities, chains and generator carried over), the
        layer above on the hidden means (or samples) of the just-updated layer below. The
        same ``random_state`` and the same chunks in the same order give the same network,
        bit for bit.

        Parameters
        ----------
        X : array_like of shape (n_rows, n_visible)
            One chunk of rows in the units' range.
        y : ignored

        Returns
        -------
        self
        """
        first = not hasattr(self, "rbms_")
        if first:
            seeds = self._seeds(len(self._layer_sizes()))
            self.rbms_ = self._layer_models(seeds)
            self._propagation_seeds = seeds[len(self.rbms_) :]
            self._partial_calls = 0
        representation = X
        for index, rbm in enumerate(self.rbms_):
            rbm.partial_fit(representation)
            if index + 1 < len(self.rbms_):
                base = self._propagation_seeds[index]
                seed = None if base is None else int(child_seeds(base, self._partial_calls + 1)[-1])
                representation = self._propagate(rbm, representation, seed)
        self._partial_calls += 1
        self.n_features_in_ = self.rbms_[0].n_features_in_
        self.history_ = [rbm.history_ for rbm in self.rbms_]
        names = getattr(self.rbms_[0], "feature_names_in_", None)
        if names is not None:
            self.feature_names_in_ = names
        return self

    @property
    def _n_features_out(self) -> int:
        """Columns of :meth:`transform` at full depth (``get_feature_names_out``: dbn0, dbn1, …)."""
        return int(self.rbms_[-1].weights_.shape[1])

    def _fit_layer(
        self,
        index: int,
        rbm: RBM,
        data: Any,
        cache: LayerCache,
        log: Callable[[str], None] | None,
    ) -> None:
        """Train layer ``index`` on ``data``, checkpointed and kept where ``cache`` says."""
        checkpoint = cache.checkpoint(index)
        if log is not None:
            n_visible = np.shape(data)[1]
            log(f"layer {index + 1}, {n_visible} → {rbm.n_hidden} units, {rbm.epochs} epochs")
        try:
            rbm.fit(data, checkpoint=checkpoint)
        except CheckpointMismatchError:
            # Made for other settings or for other input (a lower layer changed): retrain.
            checkpoint.unlink()
            rbm.fit(data, checkpoint=checkpoint)
        cache.store(index, rbm)

    def precision(self) -> dict[str, list]:
        """What each layer's training products ran in: ``{"layers": [...], "why": [...]}``.

        ``matmul_dtype_`` and ``matmul_reason_`` of every layer, None for a layer that does
        not record them (one loaded from an older model file).
        """
        check_is_fitted(self, "rbms_")
        return {
            "layers": [getattr(rbm, "matmul_dtype_", None) for rbm in self.rbms_],
            "why": [getattr(rbm, "matmul_reason_", None) for rbm in self.rbms_],
        }

    def _propagate(self, rbm: RBM, data: Any, seed: int | None) -> np.ndarray:
        """Input of the next layer: hidden means, or samples drawn from them."""
        means = rbm.transform(data)
        if self.propagate == "mean":
            return means
        generator = torch_generator(seed, torch.device("cpu"))
        hidden_units = layer_units(rbm.units)[1]
        return sample_from_mean(torch.from_numpy(means), hidden_units, generator).numpy()

    # ------------------------------------------------------------------ passes

    def _depth(self, depth: int | None) -> int:
        check_is_fitted(self, "rbms_")
        n = len(self.rbms_)
        if depth is None:
            return n
        if isinstance(depth, bool) or not isinstance(depth, Integral) or not 0 <= depth <= n:
            raise InputError(f"depth must be an integer in [0, {n}], got {depth!r}")
        return int(depth)

    def transform(self, X: Any, depth: int | None = None) -> np.ndarray:
        """Up-pass with hidden means through the first ``depth`` layers (default: all).

        Returns
        -------
        numpy.ndarray of shape (n_samples, n_hidden of layer ``depth``)
        """
        depth = self._depth(depth)
        representation = X
        if depth == 0:
            bottom = self.rbms_[0]
            return bottom._complete(bottom._validate_X(X, reset=False, allow_missing=True))
        for rbm in self.rbms_[:depth]:
            representation = rbm.transform(representation)
        return representation

    def down_pass(
        self, H: Any, depth: int | None = None, sample: bool = False, seed: SeedLike = None
    ) -> np.ndarray:
        """Map a layer-``depth`` representation down to the visible layer.

        Parameters
        ----------
        H : array_like of shape (n_samples, n_hidden of layer ``depth``)
        depth : int, optional
            Layer that H belongs to (default: the top).
        sample : bool, default False
            Sample each lower layer (h ~ p(v | h) at each step) instead of taking means; the
            visible output is then unit states.
        seed : int, numpy Generator or None
            Randomness when ``sample`` is True.

        Returns
        -------
        numpy.ndarray of shape (n_samples, n_visible)
            Visible means (or states when ``sample``).
        """
        depth = self._depth(depth)
        representation = H
        generator = torch_generator(seed, resolve_device(self.device)) if sample else None
        for rbm in reversed(self.rbms_[:depth]):
            if sample:
                representation = rbm.sample_visible(representation, generator)
            else:
                representation = rbm.inverse_transform(representation)
        return np.asarray(representation)

    def reconstruct(self, X: Any, depth: int | None = None) -> np.ndarray:
        """Up with means to ``depth``, then down with means: array (n_samples, n_visible).

        The paper's Fig. 3 reconstructions are ``reconstruct(X, depth=3)`` of the 1600-400-100-25
        network (the 25-unit top layer).
        """
        depth = self._depth(depth)
        return self.down_pass(self.transform(X, depth), depth)

    def generate(
        self,
        n_samples: int,
        gibbs_steps: int = 1000,
        seed: SeedLike = None,
        *,
        init: str = "random",
        data: Any = None,
        visible_steps: int = 0,
    ) -> np.ndarray:
        """Sample the generative model: Gibbs chains in the top RBM, then a sampled down-pass.

        The DBN's generative model is the top RBM's equilibrium distribution over its two
        layers, followed by the directed conditionals p(h_(l-1) | h_l) of the lower layers
        down to the visible units. Each chain runs ``gibbs_steps`` block-Gibbs sweeps in the
        top RBM; its visible state is then passed down, sampling every layer (visible states
        v ~ p(v | h_1), no thresholding).

        Parameters
        ----------
        n_samples : int
            Independent chains (one sample each).
        gibbs_steps : int, default 1000
            Block-Gibbs sweeps in the top RBM (0: no sweep, pass the start straight down).
        seed : int, numpy Generator or None
        init : {"random", "data"}, default "random"
            Where the top chains start: uniformly random states, or rows of ``data``
            propagated up with hidden means (as in training) to the top RBM's visible layer
            and sampled to states there. ``init="data"`` with ``gibbs_steps=0`` samples the
            data's aggregated posterior, the distribution the top RBM was trained to model;
            with enough sweeps both starts reach the same equilibrium (see
            docs/generation.md).
        data : array_like of shape (n_rows, n_visible), optional
            Visible configurations (or means) in the network's units; required when
            ``init="data"``. Rows are drawn without replacement when ``n_samples <= n_rows``,
            with replacement otherwise.
        visible_steps : int, default 0
            Block-Gibbs sweeps of the bottom RBM applied to the down-pass's output. The
            result then tends (as ``visible_steps`` grows) to the bottom RBM's own
            equilibrium distribution rather than to the DBN's generative distribution.

        Returns
        -------
        numpy.ndarray of shape (n_samples, n_visible)
            Visible unit states.

        Notes
        -----
        For the paper's 1600-400-100-25 network (docs/generation.md) the top chains are at
        equilibrium after 10^2 sweeps from either start, and the generated E/N (-0.316)
        differs from the data's (-0.470) because of the model, not the sampler: even
        ``init="data", gibbs_steps=0`` gives -0.331, and extra bottom-RBM sweeps
        (``visible_steps``) drift into fully magnetised states instead of settling.

        The top chain is a long loop of small products, so it runs on one torch thread
        below :data:`CHAIN_SMALL_WORK` multiply-adds per product.
        """
        check_is_fitted(self, "rbms_")
        if isinstance(n_samples, bool) or not isinstance(n_samples, Integral) or n_samples < 1:
            raise InputError(f"n_samples must be an integer >= 1, got {n_samples!r}")
        for name, value in (("gibbs_steps", gibbs_steps), ("visible_steps", visible_steps)):
            if isinstance(value, bool) or not isinstance(value, Integral) or value < 0:
                raise InputError(f"{name} must be an integer >= 0, got {value!r}")
        if init not in ("random", "data"):
            raise InputError(f"init must be 'random' or 'data', got {init!r}")
        if init == "data" and data is None:
            raise InputError("init='data' needs data: visible configurations to start from")
        if init == "random" and data is not None:
            raise InputError("data is used only with init='data'; pass init='data' or drop data")
        device = resolve_device(self.device)
        generator = torch_generator(seed, device)
        top = self.rbms_[-1]
        top_visible = layer_units(top.units)[0]
        dtype = top._sampling_dtype()
        if init == "data":
            rows = self.rbms_[0]._validate_X(data, reset=False)
            n_rows = rows.shape[0]
            if n_rows == 0:
                raise InputError("data has no rows; pass at least one configuration")
            if n_samples <= n_rows:
                pick = torch.randperm(n_rows, generator=generator, device=device)[:n_samples]
            else:
                pick = torch.randint(n_rows, (n_samples,), generator=generator, device=device)
            means = self.transform(rows[pick.cpu().numpy()], depth=len(self.rbms_) - 1)
            start = torch.as_tensor(means, device=device, dtype=dtype)
            if top_visible != "gaussian":  # real-valued data are states already
                start = sample_from_mean(start, top_visible, generator)
        else:
            half = torch.full(
                (n_samples, top.weights_.shape[0]),
                0.5 if top_visible == "binary" else 0.0,
                device=device,
                dtype=dtype,
            )
            start = sample_from_mean(half, top_visible, generator)
        work = n_samples * top.weights_.shape[0] * top.weights_.shape[1]
        with single_thread_if_small(work * SMALL_WORK // CHAIN_SMALL_WORK, device):
            visible = top.gibbs(start, gibbs_steps, generator)
        for rbm in reversed(self.rbms_[:-1]):
            visible = rbm.sample_visible(visible, generator)
        if visible_steps:
            visible = self.rbms_[0].gibbs(visible, visible_steps, generator)
        return visible.cpu().numpy()

    def fine_tune(
        self, X: Any, y: Any, task: str = "regression", depth: int | None = None, **options: Any
    ):
        """The stack up to ``depth`` unrolled and trained on ``y`` by backpropagation.

        A thin front of :func:`deeprg.rbm.finetune.fine_tune` (``options`` are its keyword
        arguments: ``learning_rate``, ``max_epochs``, ``patience``, ``random_state``, ...);
        this DBN is left unchanged. X is in the units' range, as for :meth:`fit`.

        Returns
        -------
        FineTunedNetwork
            ``predict``, ``transform`` (the fine-tuned features) and ``to_dbn``.
        """
        from .finetune import fine_tune

        check_is_fitted(self, "rbms_")
        stack = self if depth is None else DBN.from_rbms(self.rbms_[: self._depth(depth)])
        return fine_tune(stack, X, y, task, **options)

    def receptive_fields(
        self, depth: int | None = None, lattice_shape: tuple[int, ...] | None = None
    ) -> np.ndarray:
        """Effective receptive fields r^(l) = W^(1) W^(2) … W^(l) of the layer-``depth`` units.

        Parameters
        ----------
        depth : int, optional
            Layer l >= 1 (default: the top).
        lattice_shape : tuple of int, optional
            Shape to give each field (e.g. (40, 40)); its product must be n_visible.

        Returns
        -------
        numpy.ndarray of shape (n_hidden_l, *lattice_shape) or (n_hidden_l, n_visible), float64
        """
        depth = self._depth(depth)
        if depth == 0:
            raise InputError("depth must be >= 1 for receptive fields")
        field = np.asarray(self.rbms_[0].weights_, dtype=np.float64)
        for rbm in self.rbms_[1:depth]:
            field = field @ np.asarray(rbm.weights_, dtype=np.float64)
        fields = field.T
        if lattice_shape is None:
            return fields
        shape = tuple(int(n) for n in lattice_shape)
        if int(np.prod(shape)) != fields.shape[1]:
            raise InputError(
                f"lattice_shape {shape} has {int(np.prod(shape))} sites but the network has "
                f"{fields.shape[1]} visible units"
            )
        return fields.reshape(fields.shape[0], *shape)

    # ------------------------------------------------------------------ construction

    @classmethod
    def from_rbms(cls, rbms: list[RBM], **hyper: Any) -> DBN:
        """A fitted DBN made of fitted RBMs (bottom first); ``hyper`` sets the other settings."""
        rbms = list(rbms)
        if not rbms:
            raise InputError("from_rbms needs at least one fitted RBM")
        for index, rbm in enumerate(rbms):
            if not hasattr(rbm, "weights_"):
                raise InputError(
                    f"RBM {index + 1} is not fitted; fit it or use RBM.from_parameters"
                )
        units = [rbm.units for rbm in rbms]
        for below, above in itertools.pairwise(units):
            if layer_units(above)[0] != layer_units(below)[1]:
                raise InputError(
                    "each layer's visible units must be the hidden units of the layer below "
                    f"(binary above a Gaussian bottom layer), got {units}"
                )
        for index in range(1, len(rbms)):
            below, above = rbms[index - 1].weights_.shape[1], rbms[index].weights_.shape[0]
            if below != above:
                raise InputError(
                    f"layer {index} has {below} hidden units but layer {index + 1} has {above} "
                    "visible units; layers must chain"
                )
        bottom_visible = layer_units(units[0])[0]
        hyper.setdefault(
            "units", rbm_units(bottom_visible, "spin" if bottom_visible == "spin" else "binary")
        )
        hidden = [layer_units(u)[1] for u in units]
        default = layer_units(hyper["units"])[1]
        if any(kind != default for kind in hidden):
            hyper.setdefault("hidden_units", ["binary" if k == default else k for k in hidden])
        dbn = cls(layers=tuple(int(r.weights_.shape[1]) for r in rbms), **hyper)
        dbn.rbms_ = rbms
        dbn.n_features_in_ = int(rbms[0].weights_.shape[0])
        dbn.history_ = [getattr(rbm, "history_", {}) for rbm in rbms]
        return dbn
