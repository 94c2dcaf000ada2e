"""Anomaly scores (deeprg.anomaly.RBMDetector) and ``deeprg score``: planted outliers."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from sklearn.base import clone
from sklearn.metrics import roc_auc_score

from deeprg.anomaly import RBMDetector
from deeprg.cli import main
from deeprg.errors import InputError
from deeprg.rbm import RBM


def correlated(n: int, rng: np.random.Generator) -> np.ndarray:
    """Normal operation: 6 sensors driven by 2 latent factors plus small noise (z-scored)."""
    mixing = np.array([[1.0, 0.8, -0.6, 0.0, 0.5, 0.3], [0.0, 0.4, 0.7, 1.0, -0.5, 0.8]])
    x = rng.normal(size=(n, 2)) @ mixing + 0.15 * rng.normal(size=(n, 6))
    return x


@pytest.fixture(scope="module")
def planted():
    """400 inliers and 40 outliers that break the sensors' correlation; labels 1 = outlier."""
    rng = np.random.default_rng(0)
    inliers = correlated(400, rng)
    outliers = rng.normal(scale=1.5, size=(40, 6))
    X = np.vstack([inliers, outliers])
    y = np.r_[np.zeros(400, int), np.ones(40, int)]
    mean, std = X.mean(0), X.std(0)
    return (X - mean) / std, y


def small_model(seed: int = 0) -> RBM:
    return RBM(16, units="gaussian", epochs=30, learning_rate=0.01, random_state=seed)


@pytest.fixture(scope="module")
def fitted(planted):
    X, _ = planted
    return RBMDetector(small_model(), contamination=40 / 440).fit(X)


@pytest.mark.parametrize("score", ["free_energy", "reconstruction"])
def test_planted_outliers_are_ranked_first(planted, score):
    X, y = planted
    det = RBMDetector(small_model(), score=score).fit(X)
    assert roc_auc_score(y, det.decision_scores_) > 0.95


def test_negative_controls_are_at_chance(planted, fitted):
    _, y = planted
    rng = np.random.default_rng(1)
    # Shuffled labels: the same scores carry no information about them.
    aucs = [roc_auc_score(rng.permutation(y), fitted.decision_scores_) for _ in range(20)]
    assert abs(np.mean(aucs) - 0.5) < 0.05
    # "Outliers" drawn from the inlier distribution are scored like inliers.
    more = correlated(200, rng)
    more = (more - more.mean(0)) / more.std(0)
    scores = fitted.decision_function(more)
    assert abs(roc_auc_score(np.r_[np.zeros(100), np.ones(100)], scores) - 0.5) < 0.1


def test_threshold_gives_the_contamination(planted, fitted):
    X, _ = planted
    share = fitted.labels_.mean()
    assert abs(share - 40 / 440) <= 2 / 440  # quantile ties at most a row or two
    assert np.array_equal(fitted.predict(X), fitted.labels_)
    # Reference-data threshold: 2 % false alarms on fresh normal records.
    rng = np.random.default_rng(2)
    clean = correlated(2000, rng)
    clean = (clean - clean.mean(0)) / clean.std(0)
    det = clone(fitted).fit(X).set_threshold(clean[:1000], quantile=0.98)
    alarms = det.predict(clean[1000:]).mean()
    assert abs(alarms - 0.02) < 3 * np.sqrt(0.02 * 0.98 / 1000) + 0.01


def test_missing_entries_get_finite_scores(planted):
    X, _ = planted
    model = RBM(16, units="gaussian", epochs=30, learning_rate=0.01, missing="impute")
    det = RBMDetector(model.set_params(random_state=3)).fit(X)
    holes = X[:20].copy()
    holes[::2, 1] = np.nan
    holes[1::2, [0, 4]] = np.nan
    for score in ("free_energy", "reconstruction"):
        s = det.set_params(score=score).decision_function(holes)
        assert s.shape == (20,) and np.isfinite(s).all()
    # Seeded by the model: the same imputation, hence the same scores, every time.
    assert np.array_equal(det.decision_function(holes), det.decision_function(holes))
    # A fully missing row is scored too (imputed from the model alone).
    assert np.isfinite(det.decision_function(np.full((1, 6), np.nan))).all()


def test_predict_and_proba_shapes_and_ranges(planted, fitted):
    X, y = planted
    labels = fitted.predict(X[:50])
    assert labels.shape == (50,) and set(np.unique(labels)) <= {0, 1}
    for method in ("linear", "unify"):
        proba = fitted.predict_proba(X, method=method)
        assert proba.shape == (len(X), 2)
        assert (proba >= 0).all() and (proba <= 1).all()
        np.testing.assert_allclose(proba.sum(1), 1.0)
        assert roc_auc_score(y, proba[:, 1]) > 0.9
    with pytest.raises(InputError, match="linear"):
        fitted.predict_proba(X, method="softmax")


def test_sklearn_conventions(planted):
    X, _ = planted
    det = RBMDetector(small_model(), score="reconstruction", contamination=0.05)
    params = det.get_params()
    assert params["score"] == "reconstruction" and params["contamination"] == 0.05
    twin = clone(det)
    assert twin.get_params()["contamination"] == 0.05 and not hasattr(twin, "model_")
    a = det.fit(X).decision_scores_
    b = twin.fit(X).decision_scores_
    np.testing.assert_array_equal(a, b)  # seeded: same data, same scores
    assert not hasattr(det.model, "weights_")  # the unfitted model given is not trained
    assert np.array_equal(det.fit_predict(X), det.labels_)
    assert np.array_equal(det.score_samples(X[:5]), -det.decision_function(X[:5]))
    with pytest.raises(InputError, match="score must be"):
        RBMDetector(score="energy").fit(X)
    with pytest.raises(InputError, match="contamination"):
        RBMDetector(contamination=0.9).fit(X)
    with pytest.raises(InputError, match="features"):
        det.decision_function(X[:, :3])


def test_fitted_model_is_used_as_it_is(planted):
    X, _ = planted
    model = small_model().fit(X)
    weights = model.weights_.copy()
    det = RBMDetector(model).fit(X)
    assert det.model_ is model and np.array_equal(model.weights_, weights)
    np.testing.assert_allclose(det.decision_scores_, model.free_energy(X))


# ---------------------------------------------------------------------------- CLI


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


@pytest.fixture(scope="module")
def model_file(tmp_path_factory, planted):
    folder = tmp_path_factory.mktemp("score")
    X, y = planted
    raw = X * 3.0 + 10.0  # raw units; the model stores the standardisation
    data = folder / "sensors.csv"
    np.savetxt(data, raw, delimiter=",", header="a,b,c,d,e,f", comments="", fmt="%.6f")
    model = folder / "m.h5"
    result = run(
        "train", data, "--out", model, "--units", "gaussian", "--scale", "standard",
        "--layers", "16", "--epochs", "30", "--lr", "0.01", "--seed", "0", "--no-progress",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    return folder, data, model, y


def test_cli_writes_one_row_per_input_row(model_file):
    folder, data, model, y = model_file
    out = folder / "scores.csv"
    result = run("score", model, data, "--out", out, "--contamination", "0.1", "--json")
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    table = np.loadtxt(out, delimiter=",", skiprows=1)
    assert Path(out).read_text().splitlines()[0] == "row,score,is_anomaly"
    assert table.shape == (len(y), 3)
    assert np.array_equal(table[:, 0], np.arange(len(y)))
    assert roc_auc_score(y, table[:, 1]) > 0.95
    assert summary["n_anomalies"] == int(table[:, 2].sum()) == 44
    # The library path on the same file gives the same scores.
    raw = np.loadtxt(data, delimiter=",", skiprows=1)
    det = RBMDetector.from_model_file(model, contamination=0.1).fit(raw)
    np.testing.assert_allclose(det.decision_scores_, table[:, 1], rtol=1e-6)


def test_cli_scores_rows_with_gaps(model_file):
    folder, data, model, y = model_file
    lines = Path(data).read_text().splitlines()
    lines[3] = ",".join(["nan", *lines[3].split(",")[1:]])
    holes = folder / "holes.csv"
    holes.write_text("\n".join(lines) + "\n")
    out = folder / "holes_scores.csv"
    result = run("score", model, holes, "--out", out, "--score", "reconstruction")
    assert result.exit_code == 0, result.output
    table = np.loadtxt(out, delimiter=",", skiprows=1)
    assert table.shape == (len(y), 3) and np.isfinite(table[:, 1]).all()


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (("--out", "x.npy"), ".csv"),
        (("--out", "x.csv", "--contamination", "0.8"), "contamination"),
        (("--out", "x.csv", "--score", "energy"), "score"),
        (("--out", "x.csv", "--columns", "a,b"), "features"),
    ],
)
def test_cli_bad_input_exit_2_and_write_nothing(model_file, extra, message):
    folder, data, model, _ = model_file
    extra = tuple(str(folder / e) if e.startswith("x.") else e for e in extra)
    result = run("score", model, data, *extra)
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error:") and message in lines[0]
    assert not (folder / "x.csv").exists() and not (folder / "x.npy").exists()


def test_cli_missing_data_file(model_file):
    folder, _, model, _ = model_file
    result = run("score", model, folder / "nope.csv", "--out", folder / "y.csv")
    assert result.exit_code == 2 and result.output.startswith("error:")
    assert not (folder / "y.csv").exists()


def test_the_command_line_offers_every_score_and_starts_without_scikit_learn():
    import subprocess
    import sys

    from deeprg.anomaly import SCORES
    from deeprg.cli.score import SCORE_CHOICES

    assert SCORE_CHOICES == SCORES
    code = "import sys, deeprg.cli; print('sklearn' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False"
