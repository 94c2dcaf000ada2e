"""The compression-curve engine: splits, scores, standard errors and the recommendation."""

from __future__ import annotations

import numpy as np
import pytest

from deeprg.errors import InputError
from deeprg.experiments.evaluate_curve import (
    Features,
    check_target,
    compression_curve,
    infer_task,
    recommend,
    splits,
)


def _low_rank_regression(n: int = 240, p: int = 30, rank: int = 3, noise: float = 0.0, seed=0):
    """Rows on a rank-`rank` subspace (plus tiny isotropic noise); y linear in its coordinates."""
    rng = np.random.default_rng(seed)
    scores = rng.normal(size=(n, rank)) * np.array([5.0, 3.0, 2.0])[:rank]
    X = scores @ rng.normal(size=(rank, p)) + 1e-3 * rng.normal(size=(n, p))
    y = scores @ np.array([1.0, -2.0, 0.5])[:rank] + noise * rng.normal(size=n)
    return X, y


def _row(result, method, n_features):
    (row,) = [r for r in result.rows if r["method"] == method and r["n_features"] == n_features]
    return row


def test_pca_at_the_true_rank_predicts_a_linear_target_exactly():
    X, y = _low_rank_regression()
    folds = splits(len(y), y, "regression", folds=4, repeats=2, seed=1)
    result = compression_curve(X, y, folds, {}, task="regression", counts=[1, 3])
    assert result.metric == "rmse"
    assert _row(result, "pca", 3)["score"] < 0.01
    assert _row(result, "pls", 3)["score"] < 0.01
    # One component cannot carry a target spread over three directions.
    assert _row(result, "pca", 1)["score"] > 1.0
    mean = _row(result, "mean", 0)
    assert mean["score"] == pytest.approx(np.std(y), rel=0.15)
    assert mean["n_splits"] == 8 and mean["stderr"] > 0


def test_a_shuffled_target_is_no_better_than_the_mean():
    """Negative control: with the target shuffled no method beats the training mean by much."""
    X, y = _low_rank_regression(seed=2)
    y = np.random.default_rng(3).permutation(y)
    folds = splits(len(y), y, "regression", folds=5, seed=0)
    result = compression_curve(X, y, folds, {}, task="regression", counts=[3])
    mean = _row(result, "mean", 0)["score"]
    for method in ("pca", "pls", "raw"):
        assert _row(result, method, 3 if method != "raw" else X.shape[1])["score"] > 0.9 * mean


def test_a_maker_is_scored_on_held_out_rows_and_its_extras_averaged():
    X, y = _low_rank_regression(seed=4)
    seen = []

    def oracle(X_train, y_train, X_test):
        seen.append((len(X_train), len(X_test)))
        # features that are the target itself (only computable for the training rows...)
        return Features(X_train[:, :2], X_test[:, :2], extra={"size": float(len(X_train))})

    folds = splits(len(y), y, "regression", folds=3, seed=0)
    result = compression_curve(X, y, folds, {("deeprg", 1, 2): oracle}, task="regression")
    row = _row(result, "deeprg", 2)
    assert seen == [(len(tr), len(te)) for tr, te in folds]
    assert row["size"] == pytest.approx(np.mean([len(tr) for tr, _ in folds]))
    assert row["depth"] == 1


def test_own_predictions_bypass_the_downstream_model():
    X, y = _low_rank_regression(seed=5)
    y_test_rows = {}

    def perfect(X_train, y_train, X_test):
        rows = [i for i in range(len(X)) if any(np.array_equal(X[i], r) for r in X_test[:1])]
        y_test_rows["first"] = rows
        return Features(X_train[:, :1], X_test[:, :1], predicted=np.zeros(len(X_test)))

    folds = [(np.arange(200), np.arange(200, 240))]
    result = compression_curve(
        X, y, folds, {("deeprg-fine-tuned", 1, 1): perfect}, task="regression"
    )
    expected = np.sqrt(np.mean(y[200:] ** 2))
    assert _row(result, "deeprg-fine-tuned", 1)["score"] == pytest.approx(expected, rel=1e-12)


def test_a_single_test_set_gets_a_bootstrap_standard_error():
    X, y = _low_rank_regression(noise=1.0, seed=6)
    folds = [(np.arange(180), np.arange(180, 240))]
    first = compression_curve(X, y, folds, {}, task="regression", counts=[3], seed=0)
    again = compression_curve(X, y, folds, {}, task="regression", counts=[3], seed=0)
    row = _row(first, "pca", 3)
    # RMSE ≈ the noise level 1; its bootstrap error ≈ σ/√(2n) for Gaussian residuals.
    assert row["score"] == pytest.approx(1.0, rel=0.25)
    assert row["stderr"] == pytest.approx(1.0 / np.sqrt(2 * 60), rel=0.4)
    assert row == _row(again, "pca", 3)


def test_classification_scores_accuracy_with_stratified_folds():
    rng = np.random.default_rng(7)
    labels = np.repeat(np.array(["a", "b", "c"]), 40)
    centres = {"a": 0.0, "b": 4.0, "c": 8.0}
    X = np.array([centres[c] for c in labels])[:, None] + rng.normal(size=(120, 6))
    assert infer_task(labels) == "classification"
    folds = splits(len(labels), labels, "classification", folds=4, seed=0)
    for _, test in folds:
        assert sorted(np.unique(labels[test], return_counts=True)[1]) == [10, 10, 10]
    result = compression_curve(X, labels, folds, {}, task="classification", counts=[2])
    assert result.metric == "accuracy"
    assert _row(result, "pca", 2)["score"] > 0.9
    assert _row(result, "mean", 0)["score"] == pytest.approx(1 / 3)
    assert not [r for r in result.rows if r["method"] == "pls"]


def test_time_splits_never_train_on_the_future():
    rng = np.random.default_rng(8)
    time = rng.permutation(100).astype(float)
    y = rng.normal(size=100)
    folds = splits(100, y, "regression", kind="time", folds=4, time=time)
    assert len(folds) == 4
    for train, test in folds:
        assert time[train].max() < time[test].min()


def test_task_inference_and_bad_targets():
    assert infer_task(np.array([1.5, 2.0, 3.0])) == "regression"
    assert infer_task(np.arange(100) % 3) == "classification"
    assert infer_task(np.arange(100)) == "regression"
    with pytest.raises(InputError, match="not numeric"):
        infer_task(np.array(["x", "y"]), "regression")
    with pytest.raises(InputError, match="constant"):
        check_target(np.ones(10), "regression", 5)
    with pytest.raises(InputError, match="NaN"):
        check_target(np.array([1.0, np.nan, 2.0]), "regression", 2)
    with pytest.raises(InputError, match="fewer than 5"):
        check_target(np.array(["a"] * 10 + ["b"] * 2), "classification", 5)
    with pytest.raises(InputError, match="single class"):
        check_target(np.array(["a"] * 10), "classification", 5)
    with pytest.raises(InputError, match="cannot be sorted"):
        splits(
            4,
            np.zeros(4),
            "regression",
            kind="time",
            folds=2,
            time=np.array([1, "a", None, 2.0], dtype=object),
        )


def test_recommend_picks_the_smallest_within_tolerance():
    rows = [
        {"method": "deeprg", "depth": 1, "n_features": 32, "score": 2.0},
        {"method": "deeprg", "depth": 2, "n_features": 8, "score": 2.08},
        {"method": "deeprg", "depth": 3, "n_features": 2, "score": 3.0},
        {"method": "pca", "depth": None, "n_features": 1, "score": 1.0},
    ]
    chosen = recommend(rows, "rmse", tolerance=0.05)
    assert (chosen["n_features"], chosen["best_score"]) == (8, 2.0)
    assert recommend(rows, "rmse", tolerance=0.01)["n_features"] == 32
    accuracy = [dict(r, score=1 - r["score"] / 10) for r in rows]
    assert recommend(accuracy, "accuracy", tolerance=0.02)["n_features"] == 8
