"""Fine-tuning: a pretrained stack unrolled into a network and trained on a target.

The classic deep-belief-network recipe (Hinton & Salakhutdinov, Science 313, 504 (2006);
Hinton, Osindero & Teh 2006): greedy unsupervised pretraining of the RBM stack, then the
stack's recognition path is unrolled into a feed-forward network — layer l computes the
hidden conditional mean E[h | v] = f(b + v W) of its RBM, f = sigmoid (binary hidden units),
tanh (spin), identity (Gaussian) — a linear output layer is put on top, and every weight is
trained by backpropagation on the target, with early stopping on a validation split of the
training rows.

The output layer starts from the least-squares (ridge) fit on the pretrained top features,
so the network starts where the unsupervised features plus a linear model end; early
stopping keeps the weights of the best validation epoch. Everything is seeded: the
validation split, the mini-batch order and nothing else is random.

The fine-tuned stack is again a stack of RBM layers (weights and hidden biases changed,
visible biases kept), so :meth:`FineTunedNetwork.to_dbn` gives a :class:`~deeprg.rbm.DBN`
whose ``transform`` yields the fine-tuned features and which ``deeprg.io.save_model`` writes.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin, clone
from sklearn.utils.validation import check_is_fitted

from .._random import SeedLike, as_generator
from ..errors import InputError
from .functional import layer_units, unit_mean

__all__ = ["FineTunedClassifier", "FineTunedNetwork", "FineTunedRegressor", "fine_tune"]


@dataclass
class FineTunedNetwork:
    """An unrolled, fine-tuned stack with its linear output layer.

    Attributes
    ----------
    weights : list of arrays of shape (n_in, n_out)
        Each layer's weights, acting on the layer below's means (on v/σ at the bottom for
        Gaussian units: σ is folded into the first layer's weights).
    biases : list of arrays of shape (n_out,)
    activations : list of str
        Each layer's hidden units ("binary", "spin" or "gaussian").
    head_weights : array of shape (n_top, n_outputs)
    head_bias : array of shape (n_outputs,)
    task : {"regression", "classification"}
    target_mean, target_scale : float
        Regression targets are standardised with these (training rows).
    classes : array or None
    history : dict
        Per-epoch ``train_loss`` and ``validation_loss``, ``best_epoch``.
    """

    weights: list[np.ndarray]
    biases: list[np.ndarray]
    activations: list[str]
    head_weights: np.ndarray
    head_bias: np.ndarray
    task: str
    target_mean: float = 0.0
    target_scale: float = 1.0
    classes: np.ndarray | None = None
    visible_std: np.ndarray | None = None
    history: dict = field(default_factory=dict)

    def transform(self, X: Any) -> np.ndarray:
        """Top-layer features of the fine-tuned stack, shape (n_samples, n_top)."""
        out = np.asarray(X, dtype=np.float64)
        for w, b, units in zip(self.weights, self.biases, self.activations, strict=True):
            out = unit_mean(torch.as_tensor(out @ w + b), units).numpy()
        return out

    def decision_function(self, X: Any) -> np.ndarray:
        """Output-layer values: standardised-scale predictions or class logits."""
        return self.transform(X) @ self.head_weights + self.head_bias

    def predict(self, X: Any) -> np.ndarray:
        out = self.decision_function(X)
        if self.task == "regression":
            return out[:, 0] * self.target_scale + self.target_mean
        return self.classes[np.argmax(out, axis=1)]

    def to_dbn(self, dbn: Any) -> Any:
        """A copy of the pretrained ``dbn`` whose layers carry the fine-tuned parameters."""
        tuned = copy.deepcopy(dbn)
        for index, (rbm, w, b) in enumerate(
            zip(tuned.rbms_, self.weights, self.biases, strict=True)
        ):
            scale = self.visible_std[:, None] if index == 0 and self.visible_std is not None else 1
            rbm.weights_ = (w * scale).astype(rbm.weights_.dtype)
            rbm.hidden_bias_ = b.astype(rbm.hidden_bias_.dtype)
        return tuned


def _layers(dbn: Any) -> tuple[list[np.ndarray], list[np.ndarray], list[str], np.ndarray | None]:
    """The recognition path of a fitted DBN as (weights, biases, hidden units, σ)."""
    check_is_fitted(dbn, "rbms_")
    weights, biases, units = [], [], []
    visible_std = None
    for index, rbm in enumerate(dbn.rbms_):
        visible_units, hidden_units = layer_units(rbm.units)
        w = np.asarray(rbm.weights_, dtype=np.float64)
        if index == 0 and visible_units == "gaussian":
            std = getattr(rbm, "visible_std_", None)
            if std is not None:
                visible_std = np.asarray(std, dtype=np.float64)
                w = w / visible_std[:, None]
        weights.append(w)
        biases.append(np.asarray(rbm.hidden_bias_, dtype=np.float64))
        units.append(hidden_units)
    return weights, biases, units, visible_std


def fine_tune(
    dbn: Any,
    X: Any,
    y: Any,
    task: str = "regression",
    *,
    validation_fraction: float = 0.2,
    learning_rate: float = 3e-3,
    weight_decay: float = 1e-4,
    batch_size: int = 16,
    max_epochs: int = 3000,
    patience: int = 300,
    random_state: SeedLike = None,
) -> FineTunedNetwork:
    """Unroll a fitted DBN, put a linear output layer on top and train it all on ``y``.

    Parameters
    ----------
    dbn : DBN
        A fitted deep belief network; X must already be in its units' range (the same
        preprocessing as for its training).
    X : array of shape (n_samples, n_visible)
    y : array of shape (n_samples,)
        Real targets (regression) or class labels (classification).
    task : {"regression", "classification"}
        Squared error on standardised targets, or cross-entropy.
    validation_fraction : float, default 0.2
        Share of the rows held out for early stopping (at least one row each way).
    learning_rate, weight_decay : float
        Adam's step size and decoupled L2 decay (AdamW).
    batch_size, max_epochs, patience : int
        Mini-batch size; the most epochs; stop after this many epochs without a better
        validation loss (the best epoch's weights are kept).
    random_state : int, numpy Generator or None
        Seeds the validation split and the mini-batch order.

    Returns
    -------
    FineTunedNetwork
    """
    if task not in ("regression", "classification"):
        raise InputError(f"task must be 'regression' or 'classification', got {task!r}")
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y)
    if X.ndim != 2 or y.shape != (X.shape[0],):
        raise InputError(f"X must be (n, n_visible) and y (n,), got {X.shape} and {y.shape}")
    if not np.all(np.isfinite(X)):
        raise InputError("X has NaN or Inf; impute or drop those rows before fine-tuning")
    if not 0 < validation_fraction < 1:
        raise InputError(f"validation_fraction must be in (0, 1), got {validation_fraction}")
    rng = as_generator(random_state)
    n = X.shape[0]
    n_validation = max(1, round(validation_fraction * n))
    if n - n_validation < 2:
        raise InputError(f"{n} rows are too few to fine-tune with a validation split")
    order = rng.permutation(n)
    valid, train = order[:n_validation], order[n_validation:]

    weights, biases, units, visible_std = _layers(dbn)
    network = FineTunedNetwork(
        weights, biases, units, np.zeros((weights[-1].shape[1], 1)), np.zeros(1), task,
        visible_std=visible_std,
    )  # fmt: skip
    if task == "regression":
        target = y.astype(np.float64)
        if not np.all(np.isfinite(target)):
            raise InputError("the target has NaN or Inf; drop those rows before fine-tuning")
        network.target_mean = float(target[train].mean())
        network.target_scale = float(target[train].std()) or 1.0
        encoded = (target - network.target_mean) / network.target_scale
    else:
        network.classes, encoded = np.unique(y, return_inverse=True)
        if network.classes.size < 2:
            raise InputError("the target has a single class; there is nothing to learn")
    _initial_head(network, X[train], encoded[train])
    _train(
        network, X, encoded, train, valid, learning_rate, weight_decay, batch_size,
        max_epochs, patience, rng,
    )  # fmt: skip
    return network


def _initial_head(network: FineTunedNetwork, X: np.ndarray, target: np.ndarray) -> None:
    """Start the output layer at the regularised linear fit on the pretrained features."""
    from sklearn.linear_model import LogisticRegression, RidgeCV

    features = network.transform(X)
    if network.task == "regression":
        model = RidgeCV(alphas=np.logspace(-6, 6, 25)).fit(features, target)
        network.head_weights = np.asarray(model.coef_, dtype=np.float64).reshape(-1, 1)
        network.head_bias = np.atleast_1d(np.float64(model.intercept_))
        return
    # On standardised features, so that the penalty does not depend on the features' scale
    # (saturated binary features vary little); the scaling is then folded into the head.
    mean, scale = features.mean(axis=0), features.std(axis=0)
    scale = np.where(scale > 0, scale, 1.0)
    model = LogisticRegression(max_iter=5000).fit((features - mean) / scale, target)
    coef = np.asarray(model.coef_) / scale
    intercept = np.asarray(model.intercept_) - coef @ mean
    if coef.shape[0] == 1:  # binary: one logit; as two softmax columns (0, z)
        coef = np.vstack([np.zeros_like(coef), coef])
        intercept = np.array([0.0, intercept[0]])
    network.head_weights = coef.T.astype(np.float64)
    network.head_bias = intercept.astype(np.float64)


def _train(
    network: FineTunedNetwork,
    X: np.ndarray,
    target: np.ndarray,
    train: np.ndarray,
    valid: np.ndarray,
    learning_rate: float,
    weight_decay: float,
    batch_size: int,
    max_epochs: int,
    patience: int,
    rng: np.random.Generator,
) -> None:
    """Backpropagation with AdamW and early stopping; leaves the best epoch's weights."""
    dtype = torch.float64
    params = [torch.tensor(w, dtype=dtype, requires_grad=True) for w in network.weights]
    params += [torch.tensor(b, dtype=dtype, requires_grad=True) for b in network.biases]
    head_w = torch.tensor(network.head_weights, dtype=dtype, requires_grad=True)
    head_b = torch.tensor(network.head_bias, dtype=dtype, requires_grad=True)
    n_layers = len(network.weights)
    regression = network.task == "regression"
    data = torch.as_tensor(X, dtype=dtype)
    labels = torch.as_tensor(target, dtype=dtype if regression else torch.long)

    def loss_of(rows: np.ndarray) -> torch.Tensor:
        out = data[rows]
        for i in range(n_layers):
            out = unit_mean(out @ params[i] + params[n_layers + i], network.activations[i])
        out = out @ head_w + head_b
        if regression:
            return torch.mean((out[:, 0] - labels[rows]) ** 2)
        return torch.nn.functional.cross_entropy(out, labels[rows])

    optimiser = torch.optim.AdamW(
        [*params, head_w, head_b], lr=learning_rate, weight_decay=weight_decay
    )
    snapshot = [p.detach().clone() for p in (*params, head_w, head_b)]
    with torch.no_grad():
        best = float(loss_of(valid))
    history = {"train_loss": [], "validation_loss": [], "best_epoch": 0}
    waited = 0
    for epoch in range(1, max_epochs + 1):
        order = train[rng.permutation(train.size)]
        total = 0.0
        for start in range(0, order.size, batch_size):
            rows = order[start : start + batch_size]
            optimiser.zero_grad()
            loss = loss_of(rows)
            loss.backward()
            optimiser.step()
            total += float(loss.detach()) * rows.size
        with torch.no_grad():
            validation = float(loss_of(valid))
        history["train_loss"].append(total / order.size)
        history["validation_loss"].append(validation)
        if validation < best:
            best, waited = validation, 0
            history["best_epoch"] = epoch
            snapshot = [p.detach().clone() for p in (*params, head_w, head_b)]
        else:
            waited += 1
            if waited >= patience:
                break
    values = [t.numpy() for t in snapshot]
    network.weights = values[:n_layers]
    network.biases = values[n_layers : 2 * n_layers]
    network.head_weights, network.head_bias = values[-2], values[-1]
    network.history = history


class _FineTunedEstimator(BaseEstimator):
    """Pretrain ``pretrained`` (an unfitted DBN) on X, then fine-tune it on y.

    Parameters
    ----------
    pretrained : DBN, optional
        The unsupervised stack (unfitted; it is cloned and fitted on X). Default ``DBN()``.
    fine_tune_params : dict, optional
        Keyword arguments of :func:`fine_tune` (``learning_rate``, ``max_epochs``, ...).
    random_state : int or None
        Seed of the fine-tuning (the stack has its own ``random_state``).
    """

    _task = "regression"

    def __init__(
        self,
        pretrained: Any = None,
        fine_tune_params: dict | None = None,
        random_state: SeedLike = None,
    ) -> None:
        self.pretrained = pretrained
        self.fine_tune_params = fine_tune_params
        self.random_state = random_state

    def fit(self, X: Any, y: Any) -> _FineTunedEstimator:
        from . import DBN

        X = np.asarray(X, dtype=np.float64)
        base = DBN() if self.pretrained is None else self.pretrained
        self.dbn_ = clone(base).fit(X.astype(np.float32))
        options = dict(self.fine_tune_params or {})
        self.network_ = fine_tune(
            self.dbn_, X, y, self._task, random_state=self.random_state, **options
        )
        self.n_features_in_ = X.shape[1]
        if self._task == "classification":
            self.classes_ = self.network_.classes
        return self

    def transform(self, X: Any) -> np.ndarray:
        check_is_fitted(self, "network_")
        return self.network_.transform(X)

    def predict(self, X: Any) -> np.ndarray:
        check_is_fitted(self, "network_")
        return self.network_.predict(X)


class FineTunedRegressor(RegressorMixin, _FineTunedEstimator):
    """A DBN pretrained on X, unrolled and fine-tuned by backpropagation on a real target."""

    _task = "regression"


class FineTunedClassifier(ClassifierMixin, _FineTunedEstimator):
    """A DBN pretrained on X, unrolled and fine-tuned by backpropagation on class labels."""

    _task = "classification"
