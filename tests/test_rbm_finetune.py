"""Fine-tuning: the unrolled stack equals the DBN it came from, learns, stops early, is seeded."""

from __future__ import annotations

import numpy as np
import pytest

from deeprg import DBN
from deeprg.errors import InputError
from deeprg.rbm.finetune import FineTunedClassifier, FineTunedRegressor, fine_tune


def _data(n=300, p=12, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.random((n, p))
    X = (X < 0.5 + 0.3 * np.sin(np.arange(p))).astype(np.float64)
    return X


@pytest.fixture(scope="module")
def dbn():
    return DBN(layers=(8, 4), epochs=5, batch_size=20, random_state=0).fit(_data())


def test_unrolled_stack_before_training_is_the_dbn(dbn):
    X = _data(seed=1)
    y = X[:, 0] + X[:, 1]
    network = fine_tune(dbn, X, y, max_epochs=0, random_state=0)
    np.testing.assert_allclose(network.transform(X), dbn.transform(X), rtol=1e-5, atol=1e-6)
    # ...and its head is the ridge fit on those features: no worse than the training mean.
    assert np.mean((network.predict(X) - y) ** 2) < np.var(y)


def test_fine_tuned_layers_go_back_into_a_dbn(dbn):
    X = _data(seed=2)
    y = X[:, :3].sum(axis=1)
    network = fine_tune(dbn, X, y, max_epochs=30, random_state=0)
    tuned = network.to_dbn(dbn)
    np.testing.assert_allclose(tuned.transform(X), network.transform(X), rtol=1e-4, atol=1e-5)
    assert not np.allclose(tuned.rbms_[0].weights_, dbn.rbms_[0].weights_)
    np.testing.assert_array_equal(tuned.rbms_[0].visible_bias_, dbn.rbms_[0].visible_bias_)


def test_fine_tuning_learns_a_target_the_pretrained_features_miss(dbn):
    """A nonlinear target of the inputs: fine-tuned held-out error well below the start's."""
    X = _data(n=600, seed=3)
    y = np.where(X[:, 2] == X[:, 5], 1.0, -1.0) + 0.5 * X[:, 7]
    train, test = np.arange(450), np.arange(450, 600)
    start = fine_tune(dbn, X[train], y[train], max_epochs=0, random_state=0)
    tuned = fine_tune(
        dbn, X[train], y[train], max_epochs=400, patience=50, learning_rate=3e-3, random_state=0
    )

    def rmse(network):
        return np.sqrt(np.mean((network.predict(X[test]) - y[test]) ** 2))

    assert rmse(tuned) < 0.85 * rmse(start)
    # Negative control: a shuffled target cannot be learned; held-out error stays near its spread.
    shuffled = np.random.default_rng(4).permutation(y)
    control = fine_tune(dbn, X[train], shuffled[train], max_epochs=400, patience=50, random_state=0)
    assert np.sqrt(np.mean((control.predict(X[test]) - shuffled[test]) ** 2)) > 0.9 * np.std(
        shuffled[test]
    )


def test_early_stopping_keeps_the_best_validation_epoch(dbn):
    X = _data(seed=5)
    y = X[:, 0] - X[:, 4] + np.random.default_rng(6).normal(scale=0.5, size=len(X))
    network = fine_tune(dbn, X, y, max_epochs=200, patience=10, random_state=1)
    history = network.history
    losses = history["validation_loss"]
    assert len(losses) < 200  # stopped early
    assert history["best_epoch"] == int(np.argmin(losses)) + 1
    assert len(losses) - history["best_epoch"] == 10


def test_same_seed_same_network(dbn):
    X = _data(seed=7)
    y = X[:, 1] * 2.0
    a = fine_tune(dbn, X, y, max_epochs=20, random_state=3)
    b = fine_tune(dbn, X, y, max_epochs=20, random_state=3)
    c = fine_tune(dbn, X, y, max_epochs=20, random_state=4)
    for wa, wb in zip(a.weights, b.weights, strict=True):
        np.testing.assert_array_equal(wa, wb)
    assert not np.array_equal(a.weights[0], c.weights[0])


def test_classifier_and_regressor_estimators_in_a_grid_search():
    from sklearn.model_selection import GridSearchCV

    X = _data(n=240, seed=8)
    labels = np.where(X[:, 0] + X[:, 3] > 1, "high", "low")
    classifier = FineTunedClassifier(
        DBN(layers=(6,), epochs=3, batch_size=20, random_state=0),
        fine_tune_params={"max_epochs": 60, "learning_rate": 3e-2},
        random_state=0,
    ).fit(X, labels)
    assert set(classifier.classes_) == {"high", "low"}
    assert classifier.score(X, labels) > 0.9
    search = GridSearchCV(
        FineTunedRegressor(
            DBN(epochs=2, batch_size=20, random_state=0), fine_tune_params={"max_epochs": 3}
        ),
        {"pretrained__layers": [(4,), (8,)]},
        cv=2,
    ).fit(X, X[:, 0] + X[:, 1])
    assert search.best_params_["pretrained__layers"] in [(4,), (8,)]


def test_bad_input_is_refused(dbn):
    X = _data(seed=9)
    with pytest.raises(InputError, match="task"):
        fine_tune(dbn, X, X[:, 0], task="ranking")
    with pytest.raises(InputError, match="NaN"):
        fine_tune(dbn, X, np.where(np.arange(len(X)) == 3, np.nan, 1.0))
    with pytest.raises(InputError, match="single class"):
        fine_tune(dbn, X, np.zeros(len(X), dtype=int), task="classification")
    with pytest.raises(InputError, match="validation_fraction"):
        fine_tune(dbn, X, X[:, 0], validation_fraction=1.0)


def test_dbn_fine_tune_is_the_function_on_its_stack(dbn):
    X = _data(seed=10)
    y = X[:, 2] - X[:, 3]
    direct = fine_tune(DBN.from_rbms(dbn.rbms_[:1]), X, y, max_epochs=5, random_state=2)
    method = dbn.fine_tune(X, y, depth=1, max_epochs=5, random_state=2)
    np.testing.assert_array_equal(direct.weights[0], method.weights[0])
    assert len(dbn.fine_tune(X, y, max_epochs=1, random_state=2).weights) == 2
