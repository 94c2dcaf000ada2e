"""deeprg's side of the compression curve: networks trained per split, their features.

A :class:`NetworkRecipe` says how one stack is trained on the training rows of a split:
the preprocessing of ``deeprg train`` (``standard`` scaling for Gaussian visible units,
``minmax`` for binary ones, statistics of the training rows only), then a :class:`DBN`.
:func:`network_makers` turns recipes into the feature makers of
:func:`deeprg.experiments.evaluate_curve.compression_curve`: one per depth of each stack
(its hidden means at that depth), and with fine-tuning one more per depth (the stack up to
that depth unrolled and trained by backpropagation on the target,
:func:`deeprg.rbm.finetune.fine_tune`). Each split trains each stack once; all its depths
share it.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .evaluate_curve import FeatureMaker, Features

__all__ = ["NetworkCache", "NetworkRecipe", "TrainedNetwork", "network_makers", "train_network"]

#: Largest hidden layer whose held-out log-likelihood is computed by exact enumeration.
MAX_EXACT_HIDDEN = 20


@dataclass(frozen=True)
class NetworkRecipe:
    """How one stack is trained (the ``deeprg train`` settings that matter here).

    Attributes
    ----------
    layers : tuple of int
        Hidden layer sizes, bottom first.
    units : {"gaussian", "binary"}
        Visible units of the bottom layer (``gaussian``: standard-scaled real values;
        ``binary``: min-max scaled to [0, 1]).
    hidden_units : tuple of str
        Hidden units of each layer (``binary``, or ``gaussian`` for a linear code layer).
    epochs, batch_size : int
    learning_rate : tuple of float
        One per layer.
    l1 : float
    seed : int
    fine_tune : dict
        Keyword arguments of :func:`deeprg.rbm.finetune.fine_tune`.
    """

    layers: tuple[int, ...]
    units: str = "gaussian"
    hidden_units: tuple[str, ...] = ()
    epochs: int = 200
    batch_size: int = 10
    learning_rate: tuple[float, ...] = ()
    l1: float = 0.0
    seed: int = 0
    fine_tune: dict = field(default_factory=dict, hash=False, compare=False)

    def hidden_kinds(self) -> tuple[str, ...]:
        """Each layer's hidden units: as given (the last value repeats), or by default a
        linear (Gaussian) code layer at the bottom of a Gaussian stack and binary units above
        it; binary everywhere for binary data."""
        n = len(self.layers)
        if self.hidden_units:
            kinds = tuple(self.hidden_units)
            return (kinds + (kinds[-1],) * n)[:n]
        first = "gaussian" if self.units == "gaussian" else "binary"
        return (first,) + ("binary",) * (n - 1)

    def learning_rates(self) -> tuple[float, ...]:
        """Each layer's learning rate: as given (the last value repeats), or by its units.

        Measured on real-valued data (Tecator): 0.001 for a Gaussian code layer (faster
        steps let W's singular values pass 1 and the Gaussian-Gaussian model diverge), 0.003
        for Gaussian data under binary units, 0.01 for binary units on a code layer's
        real-valued output, 0.1 for binary units on binary data or means.
        """
        n = len(self.layers)
        if self.learning_rate:
            rates = tuple(self.learning_rate)
            return (rates + (rates[-1],) * n)[:n]
        rates, visible = [], self.units
        for index, hidden in enumerate(self.hidden_kinds()):
            if hidden == "gaussian":
                rates.append(0.001)
            elif visible == "gaussian":
                rates.append(0.003 if index == 0 else 0.01)
            else:
                rates.append(0.1)
            visible = hidden
        return tuple(rates)

    def dbn_kwargs(self) -> dict[str, Any]:
        kwargs = {
            "layers": tuple(self.layers),
            "units": self.units,
            "learning_rate": list(self.learning_rates()),
            "epochs": self.epochs,
            "batch_size": self.batch_size,
            "l1": self.l1,
            "random_state": self.seed,
        }
        kinds = self.hidden_kinds()
        if set(kinds) != {"binary"}:
            kwargs["hidden_units"] = list(kinds)
        return kwargs

    @property
    def scale(self) -> str:
        return "standard" if self.units == "gaussian" else "minmax"


@dataclass
class TrainedNetwork:
    """A stack trained on one split's training rows, with the preprocessing it needs."""

    recipe: NetworkRecipe
    preprocessing: Any
    dbn: Any

    def visible(self, X: np.ndarray) -> np.ndarray:
        """Rows mapped to the bottom layer's units (float32, as training saw them)."""
        return self.preprocessing.apply(X, name="the evaluation rows").astype(np.float32)


def train_network(
    recipe: NetworkRecipe, X_train: np.ndarray, columns: list[str] | None = None
) -> TrainedNetwork:
    """Fit the preprocessing and the stack on the training rows only."""
    from ..rbm import DBN
    from ..readers import Preprocessing

    info = {"columns": columns, "shape": [X_train.shape[1]], "spins": False}
    prep = Preprocessing.fit(X_train, info, recipe.units, recipe.scale)
    network = TrainedNetwork(recipe, prep, None)
    network.dbn = DBN(**recipe.dbn_kwargs()).fit(network.visible(X_train))
    return network


def _layer_log_likelihood(network: TrainedNetwork, visible: np.ndarray, depth: int) -> float:
    """Mean held-out ln p of layer ``depth``'s RBM on its inputs.

    NaN when ln Z would need more than :data:`MAX_EXACT_HIDDEN` enumerated units, or when
    the layer is not normalisable (a Gaussian code layer with a singular value of W >= 1,
    whose features are still fine).
    """
    from ..rbm.partition import enumerated_units

    rbm = network.dbn.rbms_[depth - 1]
    if enumerated_units(rbm.weights_.shape, rbm.units) > MAX_EXACT_HIDDEN:
        return float("nan")
    inputs = visible if depth == 1 else network.dbn.transform(visible, depth=depth - 1)
    value = float(np.mean(rbm.score_samples(inputs)))
    # -inf: a Gaussian code layer whose W has a singular value >= 1 is not normalisable.
    return value if np.isfinite(value) else float("nan")


def _digest(*arrays: np.ndarray) -> str:
    digest = hashlib.sha256()
    for array in arrays:
        digest.update(np.ascontiguousarray(array).tobytes())
    return digest.hexdigest()


class NetworkCache:
    """Networks trained (and fine-tuned) on given rows, each computed once.

    The feature makers of every split and the final models written after them ask this
    cache, so a network trained on the same rows with the same recipe (with ``--test``, the
    only split's training rows are all training rows) is trained once, not twice. Training
    is deterministic, so a cached network is the one a new training would give.

    Parameters
    ----------
    columns : list of str, optional
        Feature column names, stored in each network's preprocessing (``deeprg transform``
        selects the columns of a table by them).
    """

    def __init__(self, columns: list[str] | None = None) -> None:
        self.columns = columns
        self._trained: dict[tuple, TrainedNetwork] = {}
        self._tuned: dict[tuple, tuple[Any, Any]] = {}

    def network(self, recipe: NetworkRecipe, X_train: np.ndarray) -> TrainedNetwork:
        """The stack of ``recipe`` trained on ``X_train``."""
        key = (recipe, _digest(X_train))
        if key not in self._trained:
            self._trained[key] = train_network(recipe, X_train, self.columns)
        return self._trained[key]

    def fine_tuned(
        self, recipe: NetworkRecipe, depth: int, X_train: np.ndarray, y_train: np.ndarray, task: str
    ) -> tuple[Any, Any]:
        """(the stack up to ``depth``, its fine-tuned network) on these rows and targets."""
        from ..rbm import DBN
        from ..rbm.finetune import fine_tune

        key = (recipe, depth, task, _digest(X_train, np.asarray(y_train).astype(str)))
        if key not in self._tuned:
            network = self.network(recipe, X_train)
            stack = DBN.from_rbms(network.dbn.rbms_[:depth])
            tuned = fine_tune(
                stack, network.visible(X_train), y_train, task, random_state=recipe.seed,
                **recipe.fine_tune,
            )  # fmt: skip
            self._tuned[key] = (stack, tuned)
        return self._tuned[key]


def network_makers(
    recipes: list[NetworkRecipe],
    task: str,
    fine_tune: bool = False,
    cache: NetworkCache | None = None,
) -> dict[tuple[str, int, int], FeatureMaker]:
    """Feature makers for every depth of every recipe (and fine-tuned ones on request).

    Keys are ``(method, depth, n_features)``. A stack is trained once per split and shared
    by all its depths (recipes that differ only in their top width are separate stacks);
    ``cache`` keeps them for later use (the final models).
    """
    cache = NetworkCache() if cache is None else cache

    def unsupervised(recipe: NetworkRecipe, depth: int) -> FeatureMaker:
        def make(X_train: np.ndarray, y_train: np.ndarray, X_test: np.ndarray) -> Features:
            network = cache.network(recipe, X_train)
            A, B = network.visible(X_train), network.visible(X_test)
            error = np.mean((B - network.dbn.reconstruct(B, depth=depth)) ** 2)
            return Features(
                network.dbn.transform(A, depth=depth),
                network.dbn.transform(B, depth=depth),
                extra={
                    "reconstruction_error": float(error),
                    "layer_log_likelihood": _layer_log_likelihood(network, B, depth),
                },
            )

        return make

    def fine_tuned(recipe: NetworkRecipe, depth: int) -> FeatureMaker:
        def make(X_train: np.ndarray, y_train: np.ndarray, X_test: np.ndarray) -> Features:
            network = cache.network(recipe, X_train)
            _, tuned = cache.fine_tuned(recipe, depth, X_train, y_train, task)
            A, B = network.visible(X_train), network.visible(X_test)
            return Features(
                tuned.transform(A),
                tuned.transform(B),
                predicted=tuned.predict(B),
                extra={"best_epoch": float(tuned.history["best_epoch"])},
            )

        return make

    makers: dict[tuple[str, int, int], FeatureMaker] = {}
    for recipe in recipes:
        for depth, width in enumerate(recipe.layers, start=1):
            if ("deeprg", depth, width) in makers:  # a ladder's shared lower layers
                continue
            makers[("deeprg", depth, width)] = unsupervised(recipe, depth)
            if fine_tune:
                makers[("deeprg-fine-tuned", depth, width)] = fine_tuned(recipe, depth)
    return makers
