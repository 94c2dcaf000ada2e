"""``deeprg inspect``: its numbers against numpy on the stored weights, its files, its refusals."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import h5py
import numpy as np
import pytest
import torch
from click.testing import CliRunner

import deeprg
from deeprg.cli import main
from deeprg.io import save_model, save_samples

pytestmark = pytest.mark.usefixtures("one_torch_thread")

COLUMNS = ["height", "weight", "age", "income", "score", "visits"]


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


@pytest.fixture(scope="module")
def models(tmp_path_factory):
    """Small trained model files: Ising 4x4 (shape recorded), a named table (no shape),
    an in-process DBN with its history, the same without history, a reproduce-style file."""
    folder = tmp_path_factory.mktemp("models")
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        lattice = deeprg.IsingSquare(4, coupling=0.4)
        samples = deeprg.sample(lattice, n_samples=200, algorithm="wolff", seed=3, progress=False)
        save_samples(samples, folder / "samples.h5")
        ising, table_model = folder / "ising.h5", folder / "table.h5"
        train = ("--epochs", "3", "--batch-size", "20", "--seed", "1", "--no-progress")
        result = run("train", folder / "samples.h5", "--layers", "8,4", *train, "-o", ising)
        assert result.exit_code == 0, result.output

        rng = np.random.default_rng(5)
        table = rng.integers(0, 50, size=(40, len(COLUMNS)))
        lines = [",".join(COLUMNS)] + [",".join(map(str, row)) for row in table]
        (folder / "table.csv").write_text("\n".join(lines) + "\n")
        minmax = ("--layers", "4,3", "--scale", "minmax")
        result = run("train", folder / "table.csv", *minmax, *train, "-o", table_model)
        assert result.exit_code == 0, result.output

        data = (rng.random((60, 16)) < 0.4).astype(np.float32)
        dbn = deeprg.DBN((5, 3), epochs=4, batch_size=20, random_state=2).fit(data)
        save_model(dbn, folder / "dbn.h5")
        shutil.copy(folder / "dbn.h5", folder / "old.h5")
        with h5py.File(folder / "old.h5", "a") as f:
            for key in f["layers"]:
                del f["layers"][key]["history"]
        save_model(dbn, folder / "reproduced.h5", metadata={"size": 4, "coupling": 0.4})
    finally:
        torch.set_num_threads(threads)
    return folder, dbn


def stored(path: Path) -> list[dict]:
    """Each layer's arrays read with h5py (not with deeprg.io)."""
    with h5py.File(path, "r") as f:
        return [
            {
                "w": f[f"layers/{i}/weights"][...],
                "a": f[f"layers/{i}/visible_bias"][...],
                "b": f[f"layers/{i}/hidden_bias"][...],
                "history": {k: v[...] for k, v in f[f"layers/{i}"].get("history", {}).items()},
            }
            for i in range(len(f["layers"]))
        ]


def close(found, expected) -> bool:
    return bool(np.allclose(np.asarray(found, dtype=float), expected, rtol=1e-10, atol=1e-12))


def test_ising_report_numbers_match_the_stored_weights(models, tmp_path):
    folder, _ = models
    out = tmp_path / "insp"
    result = run("inspect", folder / "ising.h5", "--out", out)
    assert result.exit_code == 0, result.output
    figures = ("fields_layer1.png", "fields_layer2.png", "training.png")
    for name in ("report.html", "inspect.json", *figures):
        assert (out / name).stat().st_size > 0, name
    report = json.loads((out / "inspect.json").read_text())
    assert report["architecture"] == [16, 8, 4]
    assert report["shape"] == [4, 4] and "preprocessing" in report["shape_source"]
    assert report["drawn_as"] == "images"

    layers = stored(folder / "ising.h5")
    field = np.eye(16)
    for row, layer in zip(report["layers"], layers, strict=True):
        w, a, b = layer["w"], layer["a"], layer["b"]
        assert (row["n_visible"], row["n_hidden"]) == w.shape
        assert close(row["weight_mean"], w.sum() / w.size)
        assert close(row["weight_std"], np.sqrt(((w - w.sum() / w.size) ** 2).sum() / w.size))
        assert close(row["weight_max_abs"], max(w.max(), -w.min()))
        assert row["weight_sparsity"] == pytest.approx(np.count_nonzero(abs(w) < 1e-3) / w.size)
        assert close(row["hidden_bias_mean"], b.sum() / b.size)
        assert close(row["hidden_bias_std"], np.sqrt(((b - b.mean()) ** 2).mean()))
        assert close(row["visible_bias_mean"], a.sum() / a.size)
        assert close([row["visible_bias_min"], row["visible_bias_max"]], [a.min(), a.max()])
        # effective fields by an explicit product: r^(l) = W1 ... Wl, one column per unit
        field = field @ w
        norms = np.sqrt((field**2).sum(axis=0))
        assert row["drawn_units"] == sorted(range(w.shape[1]), key=lambda j: -norms[j])
        assert close(row["drawn_field_norms"], np.sort(norms)[::-1])
        assert close(row["field_norm_max"], norms.max())
        sizes = row["field_sizes"]
        assert sizes["block_side_kadanoff"] == 2.0 ** row["layer"]
        assert 0 <= sizes["active_fraction"] <= 1
        # the 2b^l windows (4, 8) cover the whole 4x4 lattice: locality is not measurable
        assert sizes["locality"] is None and "covers the whole" in sizes["locality_not_measurable"]
        # history round trip: file -> inspect.json, NaN as null
        per_epoch = row["history"]["per_epoch"]
        assert set(per_epoch) == set(layer["history"])
        for key, values in layer["history"].items():
            found = np.array([np.nan if v is None else v for v in per_epoch[key]])
            np.testing.assert_array_equal(found, values)
        assert row["history"]["n_epochs"] == 3
        assert close(row["history"]["seconds"], layer["history"]["seconds"].sum())
    html = (out / "report.html").read_text()
    assert html.count("<img") == 3 and "no training history stored" not in html


def test_fields_are_the_explicit_matrix_product_and_blob_sizes_are_wired(models):
    from deeprg.analysis import measure_blobs, weighted_median
    from deeprg.experiments.inspect_report import inspect_model

    folder, _ = models
    layers = stored(folder / "ising.h5")
    inspection = inspect_model(folder / "ising.h5", shape=(4, 4))
    product = layers[0]["w"] @ layers[1]["w"]
    np.testing.assert_allclose(inspection.fields[0], layers[0]["w"].T.reshape(8, 4, 4))
    np.testing.assert_allclose(inspection.fields[1], product.T.reshape(4, 4, 4), rtol=1e-12)
    for fields, row in zip(inspection.fields, inspection.result["layers"], strict=True):
        blobs = measure_blobs(fields)
        weights = np.where(blobs.active, blobs.strength, 0.0)
        expected = weighted_median(blobs.block_side, weights)
        sizes = row["field_sizes"]
        assert sizes["active_fraction"] == pytest.approx(blobs.active.mean())
        if np.isfinite(expected):
            assert sizes["block_side"] == pytest.approx(expected)
        else:
            assert np.isnan(sizes["block_side"])


def test_table_without_shape_draws_bars_with_column_names(models, tmp_path):
    folder, _ = models
    out = tmp_path / "bars"
    result = run("inspect", folder / "table.h5", "--out", out, "--json")
    assert result.exit_code == 0, result.output
    printed = json.loads(result.output)
    assert printed == json.loads((out / "inspect.json").read_text())
    assert printed["shape"] is None and printed["drawn_as"] == "bar charts"
    assert printed["feature_names"] == COLUMNS
    assert all(row["field_sizes"] is None for row in printed["layers"])
    assert printed["layers"][0]["n_drawn"] == 4  # every unit of a small layer
    assert (out / "fields_layer1.png").stat().st_size > 0
    html = (out / "report.html").read_text()
    assert "bar charts" in html and "Not measured" in html


def test_history_round_trip_from_training_and_files_without_it(models, tmp_path):
    folder, dbn = models
    result = run("inspect", folder / "dbn.h5", "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    # 16 visible units, a square number, but no recorded shape: no images
    assert report["shape"] is None and report["files"] == {}
    for row, rbm in zip(report["layers"], dbn.rbms_, strict=True):
        for key, values in rbm.history_.items():
            found = [np.nan if v is None else v for v in row["history"]["per_epoch"][key]]
            np.testing.assert_allclose(found, values, rtol=1e-6, equal_nan=True)
        assert row["history"]["n_epochs"] == 4
    out = tmp_path / "old"
    result = run("inspect", folder / "old.h5", "--out", out)
    assert result.exit_code == 0, result.output
    assert "no training history stored" in result.output
    assert "no training history stored" in (out / "report.html").read_text()
    report = json.loads((out / "inspect.json").read_text())
    assert not report["has_history"] and not (out / "training.png").exists()
    assert all(row["history"] is None for row in report["layers"])


def test_shapes_recorded_by_reproduce_and_given_with_shape(models):
    folder, _ = models
    result = run("inspect", folder / "reproduced.h5", "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["shape"] == [4, 4] and "size attribute" in report["shape_source"]
    result = run("inspect", folder / "ising.h5", "--shape", "2x8", "--max-units", "3", "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["shape"] == [2, 8] and report["shape_source"].startswith("--shape")
    assert [row["n_drawn"] for row in report["layers"]] == [3, 3]


def conv_copy(folder: Path, target: Path) -> Path:
    shutil.copy(folder / "ising.h5", target)
    with h5py.File(target, "a") as f:
        f["layers/0"].attrs["kind"] = "conv"
    return target


@pytest.mark.parametrize(
    "case, word",
    [
        ("missing", "does not exist"),
        ("text", "not a readable HDF5"),
        ("samples", "not a deeprg model"),
        ("conv", "convolutional"),
        ("directory", "directory"),
        ("shape-word", "--shape"),
        ("shape-zero", "--shape"),
        ("shape-mismatch", "16 visible units"),
        ("out-file", "not a directory"),
        ("no-output", "--out"),
        ("max-units", "--max-units"),
    ],
)
def test_bad_input_is_one_line_and_writes_nothing(models, tmp_path, case, word):
    folder, _ = models
    model, out, extra = folder / "ising.h5", tmp_path / "new" / "insp", []
    (tmp_path / "notes.txt").write_text("not a model\n")
    if case == "missing":
        model = tmp_path / "nope.h5"
    elif case == "text":
        model = tmp_path / "notes.txt"
    elif case == "samples":
        model = folder / "samples.h5"
    elif case == "conv":
        model = conv_copy(folder, tmp_path / "conv.h5")
    elif case == "directory":
        model = tmp_path
    elif case == "shape-word":
        extra = ["--shape", "square"]
    elif case == "shape-zero":
        extra = ["--shape", "0x16"]
    elif case == "shape-mismatch":
        extra = ["--shape", "4x5"]
    elif case == "out-file":
        out = tmp_path / "notes.txt"
    elif case == "max-units":
        extra = ["--max-units", "0"]
    before = sorted(p.name for p in tmp_path.rglob("*"))
    args = ["inspect", model, *extra] + ([] if case == "no-output" else ["--out", out])
    result = run(*args)
    assert result.exit_code == 2, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and word in lines[0], lines
    assert sorted(p.name for p in tmp_path.rglob("*")) == before
    assert (tmp_path / "notes.txt").read_text() == "not a model\n"
