"""Parquet tables (pyarrow) beside CSV: the same rows, ``--columns``, and the same refusals."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from deeprg.cli import main
from deeprg.errors import InputError
from deeprg.readers import read_data

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def _frame() -> pd.DataFrame:
    rng = np.random.default_rng(0)
    frame = pd.DataFrame(rng.integers(0, 9, size=(20, 3)).astype(float), columns=list("abc"))
    frame["n"] = np.arange(20, dtype=np.int32)
    frame["flag"] = np.arange(20) % 2 == 0
    frame["label"] = [f"cls{i % 3}" for i in range(20)]
    return frame


def test_parquet_rows_equal_the_csv_rows(tmp_path):
    frame = _frame()
    frame.to_parquet(tmp_path / "t.parquet")
    frame.to_csv(tmp_path / "t.csv", index=False)
    for columns in ("a,b,c,n", "n,a", ["c", "flag"]):
        X, info = read_data(tmp_path / "t.parquet", columns=columns)
        if "flag" not in columns:
            np.testing.assert_array_equal(X, read_data(tmp_path / "t.csv", columns=columns)[0])
        assert info["format"] == "parquet" and info["n_rows"] == 20
    X, info = read_data(tmp_path / "t.parquet", columns=["c", "flag"])
    np.testing.assert_array_equal(X[:, 1], frame["flag"].astype(float))
    assert info["columns"] == ["c", "flag"] and X.dtype == np.float64
    # Columns by 0-based number too, as for a CSV file.
    np.testing.assert_array_equal(read_data(tmp_path / "t.parquet", columns="3")[0][:, 0], frame.n)


def test_parquet_refusals_are_the_csv_ones(tmp_path):
    frame = _frame()
    frame.to_parquet(tmp_path / "t.parquet")
    frame.to_csv(tmp_path / "t.csv", index=False)
    messages = []
    for name in ("t.parquet", "t.csv"):
        with pytest.raises(InputError, match=r"column 'label' not numeric \(e\.g\. 'cls0'\)") as e:
            read_data(tmp_path / name, columns="a,label")
        messages.append(str(e.value).split(": ", 1)[1])
    assert messages[0] == messages[1]
    with pytest.raises(InputError, match="no column 'z'; choose --columns from a, b, c"):
        read_data(tmp_path / "t.parquet", columns="a,z")
    (tmp_path / "bad.parquet").write_bytes(b"PAR1 not really")
    with pytest.raises(InputError, match="not a readable Parquet file"):
        read_data(tmp_path / "bad.parquet")
    np.save(tmp_path / "x.npy", np.zeros((3, 2)))
    with pytest.raises(InputError, match="CSV/TSV/Parquet tables only"):
        read_data(tmp_path / "x.npy", columns="a")


def test_parquet_nulls_are_missing_values(tmp_path):
    frame = pd.DataFrame({"a": [1.0, None, 3.0], "b": pd.array([1, None, 2], dtype="Int64")})
    frame.to_parquet(tmp_path / "gaps.parquet")
    X, _ = read_data(tmp_path / "gaps.parquet")
    assert np.isnan(X[1]).all() and X[2].tolist() == [3.0, 2.0]


def test_train_and_transform_read_parquet(tmp_path):
    frame = _frame()
    frame.to_parquet(tmp_path / "t.parquet")
    model = tmp_path / "m.h5"
    runner = CliRunner()
    result = runner.invoke(
        main,
        ["train", str(tmp_path / "t.parquet"), "--columns", "a,b,c", "--layers", "3",
         "--epochs", "1", "--scale", "minmax", "--seed", "1", "--no-progress", "--out", str(model)],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    # transform uses the model's columns by default; the text column is left out.
    out = tmp_path / "f.csv"
    result = runner.invoke(
        main, ["transform", str(model), str(tmp_path / "t.parquet"), "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert np.loadtxt(out, delimiter=",", skiprows=1).shape == (20, 3)
    result = runner.invoke(
        main,
        ["train", str(tmp_path / "t.parquet"), "--layers", "3", "--out", str(tmp_path / "n.h5")],
    )
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == [
        f"error: {tmp_path / 't.parquet'}: column 'label' not numeric (e.g. 'cls0'); leave it "
        "out with --columns a,b,c"
    ]
