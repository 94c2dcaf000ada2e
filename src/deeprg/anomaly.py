"""Anomaly scores from a trained RBM or DBN, with PyOD's conventions.

:class:`RBMDetector` scores each record by how badly the model of normal operation
explains it: higher = more abnormal (PyOD's ``decision_function``). After ``fit(X)`` it
holds ``decision_scores_`` (the scores of X), ``threshold_`` (the (1 - contamination)
quantile of those scores) and ``labels_`` (1 = anomaly); ``predict`` and ``predict_proba``
apply them to new records.

Scores (``score=``):

- ``"free_energy"`` (default): F(v) of the bottom RBM, with p(v) = exp(-F(v)) / Z, so
  F(v) = -ln p(v) + const: an unnormalised negative log density (for Gaussian visible
  units, of the real-valued record itself). Measured (docs/anomaly.md, 10 seeds each): on
  NASA shuttle in PyOD's protocol the default model's free energy has ROC-AUC 0.991, its
  reconstruction error 0.50, a binary RBM's on min-max-scaled data 0.987 (free energy
  0.967); on a synthetic case (6 sensors from 2 latent factors, 5 % decorrelated
  outliers) free energy 0.987, reconstruction 0.996. Free energy is the default: it wins
  by far where reconstruction fails and is close where reconstruction wins.
- ``"reconstruction"``: squared error |v - E[v | E[h | v]]|², summed over the visible units,
  through the stack up to ``depth`` and back down.

Records with missing entries (NaN) are scored, never NaN: their missing entries are first
filled by the bottom RBM's clamped Gibbs imputation (:meth:`deeprg.rbm.RBM.impute`, seeded
by the model's ``random_state``, else the detector's), then the completed record is scored.
"""

from __future__ import annotations

import math
import os
from numbers import Integral, Real
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, OutlierMixin, clone
from sklearn.utils.validation import check_is_fitted

from ._random import SeedLike
from .errors import InputError

__all__ = ["SCORES", "RBMDetector"]

#: The anomaly scores :class:`RBMDetector` computes.
SCORES = ("free_energy", "reconstruction")

#: How :meth:`RBMDetector.predict_proba` turns scores into probabilities (PyOD's names).
PROBA_METHODS = ("linear", "unify")


def default_model(random_state: SeedLike = 0):
    """The RBM an :class:`RBMDetector` trains when given none: Gaussian units, 32 hidden.

    For z-scored data (zero mean, unit variance per column); NaN entries are imputed during
    training (``missing="impute"``). 30 epochs at learning rate 0.01 with an L2 penalty
    of 1e-3: the setting with the best shuttle ROC-AUC and precision@N of those measured
    (docs/anomaly.md).
    """
    from .rbm import RBM

    return RBM(
        32,
        units="gaussian",
        epochs=30,
        learning_rate=0.01,
        l2=1e-3,
        missing="impute",
        random_state=random_state,
    )


def _is_fitted(model: Any) -> bool:
    return hasattr(model, "weights_") or hasattr(model, "rbms_")


class RBMDetector(OutlierMixin, BaseEstimator):
    """Anomaly detector on an RBM or DBN: PyOD's API, scikit-learn's estimator conventions.

    Parameters
    ----------
    model : RBM, DBN or None, default None
        A fitted model is used as it is (``fit`` does not train it again); an unfitted one
        is cloned and trained on the ``fit`` data. None trains :func:`default_model`
        (Gaussian units, for z-scored data). Data must be in the model's units' range
        (z-scored for Gaussian units, [0, 1] for binary ones) unless ``preprocessing``
        maps them there.
    score : {"free_energy", "reconstruction"}, default "free_energy"
        The anomaly score (see the module's notes): the bottom RBM's free energy F(v)
        (= -ln p(v) + const), or the squared reconstruction error through ``depth`` layers.
    contamination : float in (0, 0.5], default 0.1
        Expected fraction of anomalies in the ``fit`` data; ``threshold_`` is the
        (1 - contamination) quantile of their scores.
    depth : int or None, default None
        Layers of a DBN the reconstruction goes through (None: all).
    preprocessing : deeprg.preprocessing.Preprocessing or None, default None
        Applied to every X before scoring (the mapping stored in a model file; see
        :meth:`from_model_file`).
    random_state : int or None, default 0
        Seed of the default model and of the imputation when the model has none.

    Attributes
    ----------
    model_ : RBM or DBN
        The model that scores (``model`` itself when it was fitted).
    decision_scores_ : numpy.ndarray of shape (n_samples,)
        Scores of the ``fit`` data (higher = more abnormal).
    threshold_ : float
        Scores above it are anomalies.
    labels_ : numpy.ndarray of shape (n_samples,), int
        0/1 labels of the ``fit`` data.
    n_features_in_ : int

    Notes
    -----
    The threshold comes from ``contamination`` on the ``fit`` data (PyOD's rule), or,
    after ``fit``, from clean reference records: ``set_threshold(X_clean, quantile=0.99)``
    puts it at that quantile of their scores (about 1 % false alarms on normal data).

    Examples
    --------
    >>> det = RBMDetector(contamination=0.05).fit(X_train_z)   # doctest: +SKIP
    >>> det.decision_function(X_new_z), det.predict(X_new_z)   # doctest: +SKIP
    """

    def __init__(
        self,
        model: Any = None,
        *,
        score: str = "free_energy",
        contamination: float = 0.1,
        depth: int | None = None,
        preprocessing: Any = None,
        random_state: int | None = 0,
    ) -> None:
        self.model = model
        self.score = score
        self.contamination = contamination
        self.depth = depth
        self.preprocessing = preprocessing
        self.random_state = random_state

    # ------------------------------------------------------------------ construction

    @classmethod
    def from_model_file(cls, path: str | os.PathLike, **params: Any) -> RBMDetector:
        """A detector on a ``deeprg train`` model file, with its stored preprocessing.

        New data are given as read (raw columns); the file's scaling (e.g. ``--scale
        standard``) is applied before scoring. Call ``fit(X)`` to set the threshold
        (the model is not trained again).

        Parameters
        ----------
        path : path-like
            HDF5 model file.
        **params
            Other parameters of :class:`RBMDetector` (score, contamination, depth, ...).
        """
        from .model_files import load_layers, load_model
        from .preprocessing import Preprocessing

        layers, attrs = load_layers(path)
        model = load_model(path)
        model.rbms_[0].set_params(random_state=int(attrs.get("seed", 0)))
        return cls(model=model, preprocessing=Preprocessing.from_attrs(attrs, layers), **params)

    # ------------------------------------------------------------------ checks

    def _check_params(self) -> None:
        if self.score not in SCORES:
            raise InputError(
                f"score must be one of {', '.join(SCORES)}, got {self.score!r}; pick one of them"
            )
        c = self.contamination
        if isinstance(c, bool) or not isinstance(c, Real) or not 0 < c <= 0.5:
            raise InputError(f"contamination must be a number in (0, 0.5], got {c!r}")
        d = self.depth
        if d is not None and (isinstance(d, bool) or not isinstance(d, Integral) or d < 1):
            raise InputError(f"depth must be None or an integer >= 1, got {d!r}")

    def _validate(self, X: Any) -> np.ndarray:
        try:
            data = np.asarray(X, dtype=np.float64)
        except (TypeError, ValueError) as exc:
            raise InputError(f"X must be a numeric array: {exc}") from exc
        if data.ndim != 2:
            raise InputError(f"X must be 2-D (n_samples, n_features), got shape {data.shape}")
        if data.shape[0] == 0:
            raise InputError("X has no rows; pass at least one record")
        if np.isinf(data).any():
            raise InputError("X has infinite values; replace them by NaN (missing) or drop them")
        if self.preprocessing is not None:
            data = self.preprocessing.apply(data)
        return data

    # ------------------------------------------------------------------ scores

    def _bottom(self):
        return self.model_.rbms_[0] if hasattr(self.model_, "rbms_") else self.model_

    def _seed(self) -> SeedLike:
        seed = getattr(self._bottom(), "random_state", None)
        return self.random_state if seed is None else seed

    def _complete(self, data: np.ndarray) -> np.ndarray:
        """``data`` with NaN entries filled by the bottom RBM's clamped Gibbs imputation."""
        if not np.isnan(data).any():
            return data
        return self._bottom().impute(data, random_state=self._seed())

    def _scores(self, data: np.ndarray) -> np.ndarray:
        data = self._complete(data)
        if self.score == "free_energy":
            return np.asarray(self._bottom().free_energy(data), dtype=np.float64)
        if hasattr(self.model_, "rbms_"):
            recon = self.model_.reconstruct(data, depth=self.depth)
        else:
            recon = self.model_.reconstruct(data)
        return np.sum((data - np.asarray(recon, dtype=np.float64)) ** 2, axis=1)

    # ------------------------------------------------------------------ PyOD API

    def fit(self, X: Any, y: Any = None) -> RBMDetector:
        """Train the model if it is not fitted, then score X and set the threshold.

        Parameters
        ----------
        X : array_like of shape (n_samples, n_features)
            Records (NaN = missing entry). Anomalies may be among them (unsupervised).
        y : ignored

        Returns
        -------
        self
        """
        self._check_params()
        data = self._validate(X)
        model = default_model(self.random_state) if self.model is None else self.model
        if _is_fitted(model):
            self.model_ = model
        else:
            self.model_ = clone(model).fit(data)
        self.n_features_in_ = int(data.shape[1])
        self.decision_scores_ = self._scores(data)
        self.threshold_ = float(np.quantile(self.decision_scores_, 1.0 - self.contamination))
        self.labels_ = (self.decision_scores_ > self.threshold_).astype(int)
        return self

    def set_threshold(self, X_ref: Any, quantile: float = 0.99) -> RBMDetector:
        """Put ``threshold_`` at a quantile of the scores of clean reference records.

        ``labels_`` of the ``fit`` data follow the new threshold.

        Parameters
        ----------
        X_ref : array_like of shape (n_ref, n_features)
            Records known to be normal.
        quantile : float in (0, 1), default 0.99
            1 - the tolerated false-alarm rate on normal records.

        Returns
        -------
        self
        """
        if isinstance(quantile, bool) or not isinstance(quantile, Real) or not 0 < quantile < 1:
            raise InputError(f"quantile must be a number in (0, 1), got {quantile!r}")
        ref = self.decision_function(X_ref)
        self.threshold_ = float(np.quantile(ref, quantile))
        self.labels_ = (self.decision_scores_ > self.threshold_).astype(int)
        return self

    def decision_function(self, X: Any) -> np.ndarray:
        """Anomaly score of each record, higher = more abnormal.

        Parameters
        ----------
        X : array_like of shape (n_samples, n_features)
            NaN entries are imputed first (never a NaN score).

        Returns
        -------
        numpy.ndarray of shape (n_samples,), float64
        """
        check_is_fitted(self, "threshold_")
        data = self._validate(X)
        if data.shape[1] != self.n_features_in_:
            raise InputError(
                f"X has {data.shape[1]} features but the detector was fitted on "
                f"{self.n_features_in_}; pass records like the fit data"
            )
        return self._scores(data)

    def score_samples(self, X: Any) -> np.ndarray:
        """Minus :meth:`decision_function` (scikit-learn's sign: higher = more normal)."""
        return -self.decision_function(X)

    def predict(self, X: Any) -> np.ndarray:
        """Labels, 1 = anomaly (score above ``threshold_``), shape (n_samples,), int."""
        return (self.decision_function(X) > self.threshold_).astype(int)

    def predict_proba(self, X: Any, method: str = "linear") -> np.ndarray:
        """Probability of being normal / abnormal, shape (n_samples, 2) (PyOD's columns).

        Parameters
        ----------
        X : array_like of shape (n_samples, n_features)
        method : {"linear", "unify"}, default "linear"
            PyOD's two rules: "linear" min-max scales the score by the range of
            ``decision_scores_`` (clipped to [0, 1]); "unify" is Kriegel et al.'s
            ``max(0, erf((s - mean) / (std √2)))`` with the mean and std of
            ``decision_scores_``.

        Returns
        -------
        numpy.ndarray of shape (n_samples, 2)
            Column 0: P(normal), column 1: P(anomaly); rows sum to 1.
        """
        if method not in PROBA_METHODS:
            raise InputError(f"method must be 'linear' or 'unify', got {method!r}")
        scores = self.decision_function(X)
        train = self.decision_scores_
        if method == "linear":
            low, high = float(train.min()), float(train.max())
            span = high - low if high > low else 1.0
            p = np.clip((scores - low) / span, 0.0, 1.0)
        else:
            std = float(train.std()) or 1.0
            z = (scores - float(train.mean())) / (std * math.sqrt(2.0))
            from scipy.special import erf

            p = np.clip(erf(z), 0.0, 1.0)
        return np.column_stack([1.0 - p, p])

    def fit_predict(self, X: Any, y: Any = None) -> np.ndarray:
        """``fit(X)`` then its ``labels_``."""
        return self.fit(X).labels_
