"""``deeprg evaluate``: the files it writes, the models ``deeprg transform`` reads, every split,
``--json``, and one-line refusals of bad input that leave no output folder behind."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from deeprg.cli import main
from deeprg.io import load_layers, load_model
from deeprg.preprocessing import Preprocessing

pytestmark = pytest.mark.usefixtures("one_torch_thread")

#: Tiny networks and few epochs: every test here runs in seconds.
FAST = ("--layers", "4,2", "--epochs", "2", "--batch-size", "10", "--seed", "3", "--no-progress")
ROW_FIELDS = {"method", "depth", "n_features", "metric", "score", "stderr"}


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def regression_frame(n: int = 48, seed: int = 0) -> pd.DataFrame:
    """Six columns on a two-dimensional subspace, a KPI linear in it, a text column."""
    rng = np.random.default_rng(seed)
    scores = rng.normal(size=(n, 2))
    X = scores @ rng.normal(size=(2, 6)) + 0.1 * rng.normal(size=(n, 6))
    frame = pd.DataFrame(X, columns=[f"x{j}" for j in range(6)])
    frame["kpi"] = scores @ np.array([1.0, -0.5]) + 0.1 * rng.normal(size=n)
    frame["batch"] = [f"b{i % 4}" for i in range(n)]  # text: ignored
    return frame


def test_files_rows_and_models_that_transform_reproduces(tmp_path):
    data = tmp_path / "line.csv"
    frame = regression_frame()
    frame.to_csv(data, index=False)
    out = tmp_path / "eval"
    result = run("evaluate", data, "--target", "kpi", "--folds", "2", "--out", out, *FAST)
    assert result.exit_code == 0, result.output
    assert "recommended: deeprg depth" in result.stdout
    assert str(out / "report.html") in result.stdout

    document = json.loads((out / "evaluation.json").read_text())
    assert {"task", "metric", "rows", "recommended", "settings", "data"} <= set(document)
    assert document["task"] == "regression" and document["metric"] == "rmse"
    assert document["data"]["feature_columns"] == [f"x{j}" for j in range(6)]
    assert document["data"]["ignored_columns"] == ["batch"]
    methods = {row["method"] for row in document["rows"]}
    assert methods == {"deeprg", "pca", "pls", "raw", "mean"}
    for row in document["rows"]:
        assert ROW_FIELDS <= set(row)
        assert row["metric"] == "rmse" and np.isfinite(row["score"]) and row["stderr"] >= 0
    deeprg_rows = {
        (r["depth"], r["n_features"]) for r in document["rows"] if r["method"] == "deeprg"
    }
    assert deeprg_rows == {(1, 4), (2, 2)}
    with open(out / "evaluation.csv", newline="") as handle:
        table = list(csv.DictReader(handle))
    assert len(table) == len(document["rows"])
    assert list(table[0])[:6] == ["method", "depth", "n_features", "metric", "score", "stderr"]
    report = (out / "report.html").read_text()
    assert "Compression curve: kpi" in report and "Recommended" in report
    assert (out / "compression_curve.png").stat().st_size > 0

    # models/: deeprg transform gives, at every depth, the features the evaluation used:
    # the model's hidden means of the preprocessed training rows.
    model = out / "models" / "stack_4-2.h5"
    assert {r["model"] for r in document["rows"] if r["method"] == "deeprg"} == {
        "models/stack_4-2.h5"
    }
    layers, attrs = load_layers(model)
    prep = Preprocessing.from_attrs(attrs, layers)
    assert prep.kind == "standard" and prep.columns == [f"x{j}" for j in range(6)]
    visible = prep.apply(frame[prep.columns].to_numpy(np.float64)).astype(np.float32)
    dbn = load_model(model)
    for depth in (1, 2):
        features = tmp_path / f"f{depth}.csv"
        result = run("transform", model, data, "--depth", depth, "--out", features)
        assert result.exit_code == 0, result.output
        written = np.loadtxt(features, delimiter=",", skiprows=1, ndmin=2)
        np.testing.assert_allclose(written, dbn.transform(visible, depth=depth), atol=1e-6)

    # ... and the same network as the evaluation trains on these rows (same recipe, seed).
    from deeprg.experiments.evaluate import settings_from_options

    settings = settings_from_options(target="kpi", layers=(4, 2), epochs=2, seed=3)
    from deeprg.experiments.evaluate_features import train_network

    (recipe,) = settings.recipes()
    trained = train_network(recipe, frame[prep.columns].to_numpy(np.float64))
    np.testing.assert_allclose(
        trained.dbn.transform(trained.visible(frame[prep.columns].to_numpy()), depth=2),
        dbn.transform(visible, depth=2),
        atol=1e-6,
    )


def test_json_summary_with_a_test_table_and_parquet(tmp_path):
    frame = regression_frame(n=60, seed=1)
    frame.iloc[:45].to_parquet(tmp_path / "train.parquet")
    frame.iloc[45:].to_csv(tmp_path / "test.csv", index=False)
    out = tmp_path / "eval"
    result = run(
        "evaluate", tmp_path / "train.parquet", "--target", "kpi", "--test", tmp_path / "test.csv",
        "--columns", "x0,x1,x2,x3", "--json", "--out", out, *FAST,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert list(summary) == ["task", "metric", "rows", "recommended"]
    assert summary["recommended"]["method"] == "deeprg"
    raw = next(r for r in summary["rows"] if r["method"] == "raw")
    assert raw["n_features"] == 4 and raw["n_splits"] == 1
    document = json.loads((out / "evaluation.json").read_text())
    assert document["settings"]["split"] == "test"
    assert document["data"]["n_train"] == 45 and document["data"]["n_test"] == 15
    # The model of a Parquet table is read back by deeprg transform on that table.
    result = run(
        "transform", out / "models" / "stack_4-2.h5", tmp_path / "train.parquet",
        "--depth", "1", "--out", tmp_path / "f.npy",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert np.load(tmp_path / "f.npy").shape == (45, 4)


def test_time_split_chains_forward_on_an_iso_date_column(tmp_path):
    frame = regression_frame(n=40, seed=2)
    days = pd.date_range("2024-01-01", periods=40, freq="D").strftime("%Y-%m-%d")
    frame.insert(0, "day", days)
    frame = frame.sample(frac=1.0, random_state=0)  # rows out of time order
    frame.to_csv(tmp_path / "log.csv", index=False)
    out = tmp_path / "eval"
    result = run(
        "evaluate", tmp_path / "log.csv", "--target", "kpi", "--split", "time",
        "--time-column", "day", "--folds", "3", "--json", "--out", out, *FAST,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    document = json.loads((out / "evaluation.json").read_text())
    assert document["settings"]["split"] == "time"
    assert document["data"]["n_splits"] == 3
    assert "day" not in document["data"]["feature_columns"]
    assert all(row["n_splits"] == 3 for row in document["rows"])


def test_classification_on_a_small_table(tmp_path):
    rng = np.random.default_rng(4)
    labels = np.repeat(["ok", "scrap", "rework"], 16)
    centres = {"ok": 0.0, "scrap": 3.0, "rework": -3.0}
    X = np.array([centres[c] for c in labels])[:, None] + rng.normal(size=(48, 5))
    frame = pd.DataFrame(X, columns=list("abcde"))
    frame["quality"] = labels
    frame.to_csv(tmp_path / "parts.csv", index=False)
    out = tmp_path / "eval"
    result = run(
        "evaluate", tmp_path / "parts.csv", "--target", "quality", "--task", "classification",
        "--folds", "3", "--json", "--out", out, *FAST,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["task"] == "classification" and summary["metric"] == "accuracy"
    methods = {row["method"] for row in summary["rows"]}
    assert "pls" not in methods and {"deeprg", "pca", "raw", "mean"} <= methods
    score = {row["method"]: row["score"] for row in summary["rows"] if row["n_features"] in (5, 0)}
    assert score["raw"] > 0.9 > 0.5 > score["mean"]


def _bad_tables(folder: Path) -> dict[str, tuple[Path, tuple, str]]:
    """name -> (data file, extra options, a fragment of the one-line error)."""
    base = regression_frame(n=30, seed=5)
    cases: dict[str, tuple[Path, tuple, str]] = {}

    def table(name: str, frame: pd.DataFrame, options: tuple, message: str) -> None:
        path = folder / f"{name}.csv"
        frame.to_csv(path, index=False)
        cases[name] = (path, options, message)

    table("no_target", base, ("--target", "yield"), "no column 'yield' for --target")
    table(
        "text_target", base, ("--target", "batch", "--task", "regression"),
        "--task classification",
    )  # fmt: skip
    table("constant", base.assign(kpi=1.5), ("--target", "kpi"), "constant")
    small = base.assign(kpi=["a"] * 28 + ["b"] * 2)
    table("small_class", small, ("--target", "kpi"), "class 'b' has 2 rows")
    table("nan_target", base.assign(kpi=[np.nan] + [1.0] * 29), ("--target", "kpi"), "NaN")
    table(
        "unsortable_time", base.assign(when=[f"{i % 12 + 1}/3/2024" for i in range(30)]),
        ("--target", "kpi", "--time-column", "when"), "ISO 8601",
    )  # fmt: skip
    table(
        "time_with_gaps", base.assign(when=[None, *range(29)]),
        ("--target", "kpi", "--time-column", "when"), "time column 'when' is missing",
    )  # fmt: skip
    table(
        "target_in_columns", base, ("--target", "kpi", "--columns", "x0,kpi"),
        "leave it out of --columns",
    )  # fmt: skip
    table(
        "text_in_columns", base, ("--target", "kpi", "--columns", "x0,batch"),
        "column 'batch' is not numeric",
    )  # fmt: skip
    table(
        "test_and_folds", base, ("--target", "kpi", "--test", folder / "test_and_folds.csv",
                                 "--folds", "3"), "drop --folds",
    )  # fmt: skip
    table(
        "time_folds_too_many", base.assign(when=range(30)),
        ("--target", "kpi", "--time-column", "when", "--folds", "14"), "use fewer --folds",
    )  # fmt: skip
    late = base.assign(kpi=["a"] * 20 + ["b"] * 10, when=range(30))
    table(
        "time_single_class", late, ("--target", "kpi", "--time-column", "when", "--folds", "2"),
        "fewer than 3 rows of two classes",
    )  # fmt: skip
    cases["missing_file"] = (folder / "nowhere.csv", ("--target", "kpi"), "does not exist")
    garbage = folder / "garbage.parquet"
    garbage.write_text("this is not a parquet file\n")
    cases["unreadable"] = (garbage, ("--target", "kpi"), "not a readable table")
    other = folder / "sheet.xlsx"
    other.write_text("x")
    cases["unknown_format"] = (other, ("--target", "kpi"), ".parquet")
    return cases


@pytest.mark.parametrize(
    "case",
    [
        "no_target", "text_target", "constant", "small_class", "nan_target", "unsortable_time",
        "time_with_gaps", "target_in_columns", "text_in_columns", "test_and_folds",
        "time_folds_too_many", "time_single_class", "missing_file", "unreadable",
        "unknown_format",
    ],
)  # fmt: skip
def test_bad_input_is_one_line_exit_2_and_no_output_folder(tmp_path, case):
    data, options, message = _bad_tables(tmp_path)[case]
    out = tmp_path / "eval"
    result = run("evaluate", data, *options, "--out", out, *FAST)
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    assert message in lines[0]
    assert not out.exists()


def test_usage_mistakes_are_one_line(tmp_path):
    result = run("evaluate", tmp_path / "x.csv", "--out", tmp_path / "eval")
    assert result.exit_code == 2
    assert result.stderr.strip().startswith("error: missing option '--target'")
    result = run("evaluate", "x.csv", "--target", "y", "--out", "o", "--layers", "4,0")
    assert result.exit_code == 2 and len(result.stderr.strip().splitlines()) == 1
    assert "evaluate" in run("--help").stdout


def test_a_run_that_fails_midway_leaves_no_folder_of_its_own(tmp_path, monkeypatch):
    import deeprg.experiments.evaluate as evaluate
    from deeprg.errors import InputError

    def fail(*args, **kwargs):
        raise InputError("the final models could not be trained; try again")

    monkeypatch.setattr(evaluate, "_save_models", fail)
    data = tmp_path / "line.csv"
    regression_frame(n=30).to_csv(data, index=False)
    out = tmp_path / "eval"
    result = run("evaluate", data, "--target", "kpi", "--folds", "2", "--out", out, *FAST)
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines()[-1].startswith("error: the final models")
    assert not out.exists()
    out.mkdir()  # a folder that was there before is kept
    (out / "notes.txt").write_text("mine")
    result = run("evaluate", data, "--target", "kpi", "--folds", "2", "--out", out, *FAST)
    assert result.exit_code == 2 and (out / "notes.txt").read_text() == "mine"
