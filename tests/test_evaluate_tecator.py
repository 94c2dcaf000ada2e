"""examples/tecator.py at a reduced scale: the files of the evaluation and the linear baselines.

The Tecator spectra come with sktime (the ``examples`` extra); without it the test is skipped.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

pytestmark = [
    pytest.mark.usefixtures("one_torch_thread"),
    pytest.mark.skipif(
        importlib.util.find_spec("sktime") is None,
        reason="the Tecator files ship with sktime: pip install -e '.[examples]'",
    ),
]


def load_example():
    path = Path(__file__).resolve().parents[1] / "examples" / "tecator.py"
    spec = importlib.util.spec_from_file_location("tecator_example", path)
    example = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(example)
    return example


def test_tecator_example_at_reduced_scale(tmp_path):
    example = load_example()
    X, fat = example.read_ts(example.tecator_files()[0])
    assert X.shape == (172, 100) and fat.shape == (172,)
    summary = example.main(epochs=3, workdir=tmp_path, scale_down=True, verbose=False)
    header = (tmp_path / "train.csv").read_text().splitlines()[0].split(",")
    assert header[0] == "nm850" and header[-2] == "nm1048" and header[-1] == "fat"
    assert len(header) == 101
    out = Path(summary["out"])
    for name in ("evaluation.json", "evaluation.csv", "report.html", "compression_curve.png"):
        assert (out / name).is_file(), name
    assert (out / "models" / "stack_8-6.h5").is_file()
    document = json.loads((out / "evaluation.json").read_text())
    assert document["data"]["n_train"] == 172 and document["data"]["n_test"] == 43
    score = {(r["method"], r["n_features"]): r["score"] for r in summary["rows"]}
    # The linear baselines are deterministic: PCA 2.93 and PLS 2.73 at 8 components.
    assert score[("pca", 8)] == pytest.approx(2.93, abs=0.05)
    assert score[("pls", 8)] == pytest.approx(2.73, abs=0.05)
    assert score[("mean", 0)] == pytest.approx(12.9, abs=0.1)
    assert {"deeprg", "deeprg-fine-tuned"} <= {method for method, _ in score}


def test_a_linear_code_layer_keeps_the_fat_signal_and_binary_units_lose_it():
    """8 features on Tecator's test split: a Gaussian (linear) code layer within 1.1× PCA's
    RMSE; the same layer with binary hidden units saturates and loses the KPI (control)."""
    import numpy as np
    from sklearn.decomposition import PCA
    from sklearn.linear_model import RidgeCV
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from deeprg import RBM

    example = load_example()
    train_file, test_file = example.tecator_files()
    X_train, y_train = example.read_ts(train_file)
    X_test, y_test = example.read_ts(test_file)
    mean, std = X_train.mean(0), X_train.std(0)
    A, B = (X_train - mean) / std, (X_test - mean) / std

    def rmse(features_train, features_test):
        model = make_pipeline(StandardScaler(), RidgeCV(alphas=np.logspace(-6, 6, 25)))
        predicted = model.fit(features_train, y_train).predict(features_test)
        return float(np.sqrt(np.mean((predicted - y_test) ** 2)))

    pca = PCA(8).fit(A)
    reference = rmse(pca.transform(A), pca.transform(B))
    assert reference == pytest.approx(2.92, abs=0.02)
    scores = {}
    for units, rate in (("gaussian-gaussian", 0.001), ("gaussian", 0.003)):
        rbm = RBM(
            n_hidden=8, units=units, learning_rate=rate, epochs=200, batch_size=10,
            random_state=0,
        ).fit(A.astype(np.float32))  # fmt: skip
        scores[units] = rmse(rbm.transform(A), rbm.transform(B))
    assert scores["gaussian-gaussian"] <= 1.1 * reference
    assert scores["gaussian"] > 2 * reference
