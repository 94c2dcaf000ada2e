"""``deeprg train --hidden-units``: linear (Gaussian) code layers from the command line."""

from __future__ import annotations

import numpy as np
from click.testing import CliRunner

from deeprg import io
from deeprg.cli import main


def test_train_with_a_linear_code_layer(tmp_path):
    rng = np.random.default_rng(0)
    table = rng.normal(size=(120, 6)) @ rng.normal(size=(6, 6))
    np.save(tmp_path / "x.npy", table)
    out = tmp_path / "m.h5"
    args = ["train", str(tmp_path / "x.npy"), "--units", "gaussian", "--scale", "standard"]
    args += ["--layers", "4,3", "--hidden-units", "gaussian,binary", "--lr", "0.001,0.01"]
    args += ["--epochs", "3", "--batch-size", "10", "--seed", "1", "--no-progress"]
    result = CliRunner().invoke(main, [*args, "--out", str(out)])
    assert result.exit_code == 0, result.output
    model = io.load_model(out)
    assert [rbm.units for rbm in model.rbms_] == ["gaussian-gaussian", "gaussian"]
    features = tmp_path / "f.npy"
    result = CliRunner().invoke(
        main,
        ["transform", str(out), str(tmp_path / "x.npy"), "--depth", "1", "--out", str(features)],
    )
    assert result.exit_code == 0, result.output
    # A linear code layer's features are b + xW of the standardised rows: unbounded reals.
    standardised = (table - table.mean(0)) / table.std(0)
    expected = standardised @ model.rbms_[0].weights_ + model.rbms_[0].hidden_bias_
    np.testing.assert_allclose(np.load(features), expected, rtol=1e-4, atol=1e-5)


def test_bad_hidden_units_is_one_line(tmp_path):
    np.save(tmp_path / "x.npy", np.zeros((10, 3)))
    for value in ("spin", "gaussian,binary,binary"):
        result = CliRunner().invoke(
            main,
            ["train", str(tmp_path / "x.npy"), "--layers", "4,3", "--hidden-units", value,
             "--out", str(tmp_path / "m.h5")],
        )  # fmt: skip
        assert result.exit_code == 2
        assert result.output.startswith("error: --hidden-units") and result.output.count("\n") == 1
        assert not (tmp_path / "m.h5").exists()
