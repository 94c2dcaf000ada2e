"""The compression curve: how much of a KPI a few learned features keep (the engine of ``deeprg evaluate``).

For every depth of a stack (and every top width of an optional ladder) an unsupervised
network is trained on the feature columns of the training rows only; a simple downstream
model (ridge regression, or logistic regression for classes, its regularisation chosen by
inner cross-validation) is then fitted on the network's features of the training rows and
scored on the held-out rows. Beside it, with the same number of features: PCA, PLS
(regression only), all raw columns, and the training mean (or majority class). Every
method sees the same splits and the same preprocessing.

Splits: a given test set, repeated K-fold (stratified for classes), or forward chaining on a
time column (each fold trains on the past only). Scores are RMSE (regression, lower is
better) or accuracy (classification, higher is better), with standard errors: over folds for
K-fold and time splits, by a bootstrap over the test rows for a single test set.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from ..errors import InputError

__all__ = [
    "METHODS",
    "EvaluationResult",
    "FeatureMaker",
    "Features",
    "compression_curve",
    "infer_task",
    "recommend",
    "splits",
]

#: The methods of an evaluation, in report order.
METHODS = ("deeprg", "deeprg-fine-tuned", "pca", "pls", "raw", "mean")

#: Regularisation grids of the downstream models (chosen by inner cross-validation).
_RIDGE_ALPHAS = np.logspace(-6, 6, 25)
_LOGISTIC_CS = np.logspace(-4, 4, 9)
#: Bootstrap resamples of a single test set's rows for its score's standard error.
_BOOTSTRAP_DRAWS = 1000


@dataclass
class EvaluationResult:
    """The tidy table of an evaluation.

    Attributes
    ----------
    task : {"regression", "classification"}
    metric : {"rmse", "accuracy"}
    rows : list of dict
        One per (method, depth, n_features): ``method``, ``depth`` (None except for deeprg),
        ``n_features``, ``metric``, ``score``, ``stderr``, ``n_splits`` and, for deeprg,
        ``reconstruction_error`` and ``log_likelihood`` (held-out, per layer).
    recommended : dict
        The smallest deeprg model within ``tolerance`` of the best deeprg score.
    """

    task: str
    metric: str
    rows: list[dict] = field(default_factory=list)
    recommended: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        return {
            "task": self.task,
            "metric": self.metric,
            "rows": self.rows,
            "recommended": self.recommended,
        }


def infer_task(y: np.ndarray, task: str = "auto") -> str:
    """``regression`` or ``classification`` for a target (``auto``: classes if few labels).

    A target is taken as classes when it is not numeric, or when it holds integers with at
    most 20 distinct values.
    """
    if task not in ("auto", "regression", "classification"):
        raise InputError(f"--task must be auto, regression or classification, got {task!r}")
    numeric = np.issubdtype(np.asarray(y).dtype, np.number)
    if task == "regression" and not numeric:
        raise InputError("the target is not numeric; pass --task classification or another column")
    if task != "auto":
        return task
    if not numeric:
        return "classification"
    values = np.asarray(y, dtype=np.float64)
    integral = np.all(values == np.round(values))
    return "classification" if integral and np.unique(values).size <= 20 else "regression"


def check_target(y: np.ndarray, task: str, n_folds: int | None) -> None:
    """Refuse targets that no split can score (one line naming the fix)."""
    if task == "regression":
        values = np.asarray(y, dtype=np.float64)
        if not np.all(np.isfinite(values)):
            raise InputError("the target has NaN or Inf values; drop those rows or fill them")
        if np.ptp(values) == 0:
            raise InputError("the target is constant; there is nothing to predict")
        return
    labels, counts = np.unique(np.asarray(y), return_counts=True)
    if labels.size < 2:
        raise InputError("the target has a single class; there is nothing to predict")
    # Every outer training part needs 3 rows of each class for the inner 3-fold search: a
    # class of c rows keeps c - ceil(c / K) of them in each of K stratified training parts.
    needed = max(n_folds or 0, 4)
    while n_folds and needed - math.ceil(needed / n_folds) < 3:
        needed += 1
    if counts.min() < needed:
        raise InputError(
            f"class {labels[counts.argmin()].item()!r} has {counts.min()} rows, fewer than "
            f"{needed} (the folds and the inner 3-fold search need them); use fewer --folds "
            "or merge that class"
        )


def splits(
    n_rows: int,
    y: np.ndarray,
    task: str,
    kind: str = "kfold",
    folds: int = 5,
    repeats: int = 1,
    time: np.ndarray | None = None,
    seed: int = 0,
) -> list[tuple[np.ndarray, np.ndarray]]:
    """(train rows, test rows) pairs: repeated (stratified) K-fold or forward chaining.

    ``kind="time"`` sorts the rows by ``time`` and makes ``folds`` forward-chaining splits
    (scikit-learn's TimeSeriesSplit): every test row lies after every training row.
    """
    from sklearn.model_selection import RepeatedKFold, RepeatedStratifiedKFold, TimeSeriesSplit

    if folds < 2:
        raise InputError(f"--folds must be at least 2, got {folds}")
    if kind == "time":
        if time is None:
            raise InputError("--split time needs --time-column")
        try:
            order = np.argsort(np.asarray(time), kind="stable")
        except TypeError as exc:
            raise InputError(
                "the time column cannot be sorted; pass a numeric or ISO column"
            ) from exc
        if n_rows < folds + 1:
            raise InputError(f"{n_rows} rows cannot make {folds} forward-chaining folds")
        first = n_rows - folds * (n_rows // (folds + 1))  # TimeSeriesSplit's first training part
        if first < 3:
            raise InputError(
                f"{n_rows} rows in {folds} forward-chaining folds leave {first} training rows "
                "in the first; use fewer --folds (each training part needs 3 rows)"
            )
        return [(order[a], order[b]) for a, b in TimeSeriesSplit(folds).split(order)]
    if kind != "kfold":
        raise InputError(f"--split must be kfold or time, got {kind!r}")
    if repeats < 1:
        raise InputError(f"--repeats must be at least 1, got {repeats}")
    if n_rows < folds:
        raise InputError(f"{n_rows} rows cannot make {folds} folds; use fewer --folds")
    splitter = (
        RepeatedStratifiedKFold(n_splits=folds, n_repeats=repeats, random_state=seed)
        if task == "classification"
        else RepeatedKFold(n_splits=folds, n_repeats=repeats, random_state=seed)
    )
    return [(a, b) for a, b in splitter.split(np.zeros((n_rows, 1)), y)]


def _downstream(task: str, seed: int):
    """The simple model scored on each feature set: standardised features, then ridge / logistic.

    Ridge's penalty is chosen by efficient leave-one-out; the logistic regression's inverse
    penalty C by a 3-fold inner grid search (accuracy) on the training rows.
    """
    from sklearn.linear_model import LogisticRegression, RidgeCV
    from sklearn.model_selection import GridSearchCV, StratifiedKFold
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    if task == "regression":
        return make_pipeline(StandardScaler(), RidgeCV(alphas=_RIDGE_ALPHAS))
    inner = StratifiedKFold(3, shuffle=True, random_state=seed)
    search = GridSearchCV(LogisticRegression(max_iter=5000), {"C": _LOGISTIC_CS}, cv=inner)
    return make_pipeline(StandardScaler(), search)


def _score(task: str, y_true: np.ndarray, y_pred: np.ndarray) -> float:
    if task == "regression":
        return float(np.sqrt(np.mean((np.asarray(y_true, float) - np.asarray(y_pred, float)) ** 2)))
    return float(np.mean(np.asarray(y_true) == np.asarray(y_pred)))


def _baseline(task: str, y_train: np.ndarray, n_test: int) -> np.ndarray:
    if task == "regression":
        return np.full(n_test, np.mean(np.asarray(y_train, float)))
    labels, counts = np.unique(y_train, return_counts=True)
    return np.full(n_test, labels[counts.argmax()])


@dataclass
class Features:
    """What a feature maker returns for one split.

    Attributes
    ----------
    train, test : arrays of shape (n_rows, n_features)
        Features of the training and the held-out rows.
    predicted : array of shape (n_test,), optional
        The maker's own predictions of the held-out targets (a fine-tuned network); the
        downstream model is then not fitted.
    extra : dict
        Per-split numbers to average (e.g. ``reconstruction_error``).
    """

    train: np.ndarray
    test: np.ndarray
    predicted: np.ndarray | None = None
    extra: dict = field(default_factory=dict)


#: ``make(X_train, y_train, X_test) -> Features``, fitted on the training rows only.
FeatureMaker = Callable[[np.ndarray, np.ndarray, np.ndarray], Features]


def _linear_features(method: str, n_features: int, seed: int) -> FeatureMaker:
    """PCA or PLS scores (fitted on the training rows) as a feature maker."""

    def make(X_train: np.ndarray, y_train: np.ndarray, X_test: np.ndarray):
        from sklearn.cross_decomposition import PLSRegression
        from sklearn.decomposition import PCA
        from sklearn.preprocessing import StandardScaler

        scaler = StandardScaler().fit(X_train)
        A, B = scaler.transform(X_train), scaler.transform(X_test)
        if method == "pca":
            model = PCA(n_features, random_state=seed).fit(A)
        else:
            model = PLSRegression(n_features, scale=False).fit(A, y_train)
        return Features(model.transform(A), model.transform(B))

    return make


def _evaluate_maker(
    make: FeatureMaker,
    X: np.ndarray,
    y: np.ndarray,
    folds: Sequence[tuple[np.ndarray, np.ndarray]],
    task: str,
    seed: int,
) -> tuple[float, float, list[float], dict]:
    """(score, stderr, per-split scores, mean extras) of one feature maker over the splits."""
    scores, extras = [], {}
    for train, test in folds:
        features = make(X[train], y[train], X[test])
        if features.predicted is not None:
            predicted = features.predicted
        elif features.train.shape[1] == 0:  # the "mean" method: no features at all
            predicted = _baseline(task, y[train], len(test))
        else:
            model = _downstream(task, seed).fit(features.train, y[train])
            predicted = model.predict(features.test)
        scores.append(_score(task, y[test], predicted))
        for key, value in features.extra.items():
            extras.setdefault(key, []).append(value)
    score, stderr = _summary(task, scores, y[folds[0][1]], predicted, seed)
    return score, stderr, scores, {key: float(np.mean(v)) for key, v in extras.items()}


def _summary(
    task: str, scores: list[float], y_test: np.ndarray, predicted: np.ndarray, seed: int
) -> tuple[float, float]:
    """Mean score and its standard error: over splits, or a bootstrap over one test set."""
    values = np.asarray(scores, dtype=np.float64)
    if values.size > 1:
        return float(values.mean()), float(values.std(ddof=1) / math.sqrt(values.size))
    rng = np.random.default_rng(seed)
    draws = rng.integers(0, y_test.size, size=(_BOOTSTRAP_DRAWS, y_test.size))
    replicas = [_score(task, y_test[rows], predicted[rows]) for rows in draws]
    return float(values[0]), float(np.std(replicas, ddof=1))


def recommend(rows: list[dict], metric: str, tolerance: float = 0.05) -> dict:
    """The smallest deeprg model (unsupervised or fine-tuned) within ``tolerance`` of the best.

    Within means an RMSE at most (1 + tolerance) × the best deeprg RMSE, or an accuracy at
    least (1 − tolerance) × the best deeprg accuracy; among equally small models the
    unsupervised one (no target needed to make its features) is preferred.
    """
    methods = ("deeprg", "deeprg-fine-tuned")
    candidates = [r for r in rows if r["method"] in methods and np.isfinite(r["score"])]
    if not candidates:
        return {}
    lower_is_better = metric == "rmse"
    best = (min if lower_is_better else max)(r["score"] for r in candidates)
    bound = best * (1 + tolerance) if lower_is_better else best * (1 - tolerance)
    good = [
        r for r in candidates if (r["score"] <= bound if lower_is_better else r["score"] >= bound)
    ]
    chosen = min(good, key=lambda r: (r["n_features"], r["depth"] or 0, methods.index(r["method"])))
    return {
        "method": chosen["method"],
        "depth": chosen["depth"],
        "n_features": chosen["n_features"],
        "score": chosen["score"],
        "best_score": best,
        "tolerance": tolerance,
        "rule": f"smallest deeprg model with {metric} within {tolerance:.0%} of the best",
    }


def compression_curve(
    X: np.ndarray,
    y: np.ndarray,
    folds: Sequence[tuple[np.ndarray, np.ndarray]],
    deeprg_makers: dict[tuple[str, int, int], FeatureMaker],
    *,
    task: str,
    counts: Sequence[int] | None = None,
    seed: int = 0,
    tolerance: float = 0.05,
    progress: Callable[[str], None] | None = None,
) -> EvaluationResult:
    """Score every method on every split and return the tidy table.

    Parameters
    ----------
    X : array of shape (n_rows, n_columns)
        Feature columns (without the target and any time column), all rows.
    y : array of shape (n_rows,)
        The KPI.
    folds : list of (train rows, test rows)
        From :func:`splits` (or one pair for a given test set, with ``X``/``y`` stacked).
    deeprg_makers : dict
        ``{(method, depth, n_features): make}`` with method ``deeprg`` or
        ``deeprg-fine-tuned``: each ``make(X_train, y_train, X_test)`` trains the network
        on the training rows only and returns its :class:`Features`.
    task : {"regression", "classification"}
    counts : sequence of int, optional
        Feature counts for PCA and PLS (default: the deeprg counts).
    """
    metric = "rmse" if task == "regression" else "accuracy"
    result = EvaluationResult(task=task, metric=metric)
    X = np.asarray(X, dtype=np.float64)
    n_columns = X.shape[1]
    counts = sorted({n for _, _, n in deeprg_makers} if counts is None else set(counts))

    def add(method: str, depth: int | None, n_features: int, evaluated: tuple) -> None:
        score, stderr, scores, extra = evaluated
        result.rows.append(
            {
                "method": method,
                "depth": depth,
                "n_features": int(n_features),
                "metric": metric,
                "score": score,
                "stderr": stderr,
                "n_splits": len(scores),
                **extra,
            }
        )

    say = progress or (lambda message: None)
    for (method, depth, n_features), make in deeprg_makers.items():
        say(f"{method} depth {depth}, {n_features} features")
        add(method, depth, n_features, _evaluate_maker(make, X, y, folds, task, seed))
    linear = ["pca", "pls"] if task == "regression" else ["pca"]
    for method in linear:
        for n in counts:
            if n > min(n_columns, min(len(train) for train, _ in folds) - 1):
                continue
            say(f"{method}, {n} features")
            maker = _linear_features(method, n, seed)
            add(method, None, n, _evaluate_maker(maker, X, y, folds, task, seed))
    say("raw columns")

    def raw(X_train, y_train, X_test):
        return Features(X_train, X_test)

    def mean(X_train, y_train, X_test):
        return Features(np.zeros((len(X_train), 0)), np.zeros((len(X_test), 0)))

    add("raw", None, n_columns, _evaluate_maker(raw, X, y, folds, task, seed))
    add("mean", None, 0, _evaluate_maker(mean, X, y, folds, task, seed))
    result.recommended = recommend(result.rows, metric, tolerance)
    return result
