"""DataFrames in, names out: DBN keeps feature names and works in scikit-learn pipelines."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from deeprg import DBN, RBM


@pytest.fixture
def frame():
    rng = np.random.default_rng(0)
    values = (rng.random((120, 6)) < 0.4).astype(np.float64)
    return pd.DataFrame(values, columns=[f"sensor_{i}" for i in range(6)])


def test_dbn_keeps_feature_names_and_gives_names_out(frame):
    dbn = DBN(layers=(4, 3), epochs=2, batch_size=20, random_state=0).fit(frame)
    assert list(dbn.feature_names_in_) == list(frame.columns)
    assert list(dbn.get_feature_names_out()) == ["dbn0", "dbn1", "dbn2"]
    plain = DBN(layers=(4, 3), epochs=2, batch_size=20, random_state=0).fit(frame.to_numpy())
    assert not hasattr(plain, "feature_names_in_")
    np.testing.assert_array_equal(dbn.transform(frame), plain.transform(frame.to_numpy()))
    # Columns in another order are refused (scikit-learn's check), not silently misread.
    with pytest.raises(ValueError, match="feature names"):
        dbn.transform(frame[frame.columns[::-1]])


def test_set_output_pandas(frame):
    dbn = DBN(layers=(4, 3), epochs=2, batch_size=20, random_state=0)
    out = dbn.set_output(transform="pandas").fit(frame).transform(frame)
    assert isinstance(out, pd.DataFrame)
    assert list(out.columns) == ["dbn0", "dbn1", "dbn2"]
    assert list(out.index) == list(frame.index)


def test_grid_search_over_a_pipeline_of_rbm_and_logistic_regression(frame):
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import GridSearchCV
    from sklearn.pipeline import Pipeline

    target = (frame["sensor_0"] + frame["sensor_1"] > 0).astype(int)
    pipeline = Pipeline(
        [
            ("rbm", RBM(epochs=3, batch_size=20, random_state=0)),
            ("model", LogisticRegression(max_iter=1000)),
        ]
    )
    search = GridSearchCV(pipeline, {"rbm__n_hidden": [2, 8]}, cv=3).fit(frame, target)
    assert search.best_params_["rbm__n_hidden"] in (2, 8)
    assert len(search.cv_results_["mean_test_score"]) == 2
