"""``deeprg train`` on your own data, ``deeprg transform`` and ``deeprg reconstruct``."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import h5py
import numpy as np
import pytest
from click.testing import CliRunner

from deeprg.cli import main
from deeprg.io import load_layers, load_model, save_samples
from deeprg.ising import IsingSquare
from deeprg.readers import Preprocessing, read_data
from deeprg.samples import SampleSet

pytestmark = pytest.mark.usefixtures("one_torch_thread")

RNG = np.random.default_rng(1)
TRAIN = ("--layers", "5,3", "--epochs", "2", "--batch-size", "10", "--seed", "4", "--no-progress")


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def make_inputs(folder: Path) -> dict[str, tuple[str, tuple]]:
    """One small data set per reader: name -> (path, extra options), plus the expected rows."""
    from PIL import Image

    values = RNG.integers(0, 9, size=(30, 2, 3)).astype(np.float64)
    flat = values.reshape(30, 6)
    np.save(folder / "x.npy", values)
    np.savez(folder / "x.npz", data=values, labels=np.arange(30))
    header = "a,b,c,d,e,f,label"
    lines = [",".join(f"{v:g}" for v in row) + f",cls{i % 3}" for i, row in enumerate(flat)]
    (folder / "x.csv").write_text(header + "\n" + "\n".join(lines) + "\n")
    (folder / "x.tsv").write_text("\n".join("\t".join(f"{v:g}" for v in row) for row in flat))
    with h5py.File(folder / "x.h5", "w") as f:
        f.create_dataset("values", data=values)
    images = folder / "images"
    images.mkdir()
    for index, row in enumerate(values):
        Image.fromarray((row * 28).astype(np.uint8)).save(images / f"{index:02d}.png")
    model = IsingSquare(3, 0.3)
    spins = RNG.choice([-1, 1], size=(30, 3, 3)).astype(np.int8)
    samples = SampleSet(model, spins, model.energy(spins), model.magnetization(spins), "wolff", 0)
    save_samples(samples, folder / "samples.h5")
    return {
        "npy": ("x.npy", ("--scale", "minmax")),
        "npz": ("x.npz", ("--scale", "minmax", "--key", "data")),
        "csv": ("x.csv", ("--scale", "minmax", "--columns", "a,b,c,d,e,f")),
        "tsv": ("x.tsv", ("--binarize", "median")),
        "hdf5": ("x.h5", ("--scale", "minmax", "--dataset", "values")),
        "images": ("images", ()),  # PNG greyscale is already in [0, 1]
        "samples": ("samples.h5", ()),  # deeprg sample file: spins -> binary units, as before
    }


@pytest.fixture(scope="module")
def inputs(tmp_path_factory):
    folder = tmp_path_factory.mktemp("inputs")
    return folder, make_inputs(folder)


def data_options(extra: tuple) -> tuple:
    """The reading options of a train invocation (transform takes the same ones)."""
    keep, out, items = ("--key", "--dataset", "--columns"), [], list(extra)
    for name, value in zip(items[::2], items[1::2], strict=True):
        if name in keep:
            out += [name, value]
    return tuple(out)


@pytest.mark.parametrize("reader", ["npy", "npz", "csv", "tsv", "hdf5", "images", "samples"])
def test_every_reader_round_trips_through_train_and_transform(tmp_path, inputs, reader):
    folder, cases = inputs
    name, extra = cases[reader]
    data = folder / name
    model = tmp_path / "m.h5"
    trained = run("train", data, *TRAIN, *extra, "--out", model, "--json")
    assert trained.exit_code == 0, trained.output
    assert json.loads(trained.output)["layers"] == [9 if reader == "samples" else 6, 5, 3]
    _, attrs = load_layers(model)
    prep = Preprocessing(**json.loads(attrs["preprocessing"]))
    assert prep.input_shape == (
        [3, 3] if reader == "samples" else [6] if reader in ("csv", "tsv") else [2, 3]
    )

    # transform reads DATA with the same reader and reapplies the stored preprocessing; the
    # csv case omits --columns: the stored training columns are used (label is left out)
    options = data_options(extra) if reader != "csv" else ()
    features = tmp_path / "f.npy"
    result = run("transform", model, data, *options, "--out", features, "--json")
    assert result.exit_code == 0, result.output
    raw, _ = read_data(data, **_reader_kwargs(extra))
    expected = load_model(model).transform(prep.apply(raw).astype(np.float32))
    got = np.load(features)
    assert got.shape == (30, 3)
    np.testing.assert_allclose(got, expected, rtol=1e-6)

    recon = tmp_path / "r.npy"
    result = run("reconstruct", model, data, *options, "--depth", 1, "--out", recon)
    assert result.exit_code == 0, result.output
    back = np.load(recon)
    assert back.shape == (30, *prep.input_shape)
    if reader in ("npy", "npz", "hdf5"):  # minmax inverted: back in the data's 0..8 scale
        assert back.min() >= 0 and back.max() <= 8 and back.max() > 1
    if reader == "samples":  # spin means
        assert back.min() >= -1 and back.min() < 0


def _reader_kwargs(extra: tuple) -> dict:
    options = dict(zip(extra[::2], extra[1::2], strict=True))
    return {
        "key": options.get("--key"),
        "dataset": options.get("--dataset", "spins"),
        "columns": options.get("--columns"),
    }


def test_outputs_csv_and_h5_keep_row_order(tmp_path, inputs):
    folder, _ = inputs
    model = tmp_path / "m.h5"
    assert (
        run("train", folder / "x.npy", *TRAIN, "--scale", "minmax", "--out", model).exit_code == 0
    )
    assert run("transform", model, folder / "x.npy", "--out", tmp_path / "f.npy").exit_code == 0
    reference = np.load(tmp_path / "f.npy")
    result = run("transform", model, folder / "x.npy", "--depth", 2, "--out", tmp_path / "f.csv")
    assert result.exit_code == 0, result.output
    lines = (tmp_path / "f.csv").read_text().splitlines()
    assert lines[0] == "h0,h1,h2" and len(lines) == 31
    np.testing.assert_allclose(
        np.loadtxt(tmp_path / "f.csv", delimiter=",", skiprows=1), reference, rtol=1e-6
    )
    result = run("transform", model, folder / "x.npy", "--depth", 1, "--out", tmp_path / "f.h5")
    assert result.exit_code == 0, result.output
    with h5py.File(tmp_path / "f.h5") as f:
        assert f["features"].shape == (30, 5) and f.attrs["depth"] == 1
        np.testing.assert_array_equal(f["rows"][()], np.arange(30))
    recon = tmp_path / "r.csv"
    csv_model = tmp_path / "c.h5"
    assert (
        run(
            "train",
            folder / "x.csv",
            *TRAIN,
            "--scale",
            "minmax",
            "--columns",
            "a,b,c,d,e,f",
            "--out",
            csv_model,
        ).exit_code
        == 0
    )
    assert run("reconstruct", csv_model, folder / "x.csv", "--out", recon).exit_code == 0
    assert recon.read_text().splitlines()[0] == "a,b,c,d,e,f"  # the training column names


def test_stored_minmax_is_reapplied_and_new_values_clipped(tmp_path):
    train = RNG.uniform(0, 10, size=(40, 4))
    train[0], train[1] = 0, 10  # the training range is exactly [0, 10] in every column
    np.save(tmp_path / "train.npy", train)
    wider = np.vstack([train[:5] * 3 - 10, train[:5]])  # beyond the training range
    np.save(tmp_path / "new.npy", wider)
    model = tmp_path / "m.h5"
    assert (
        run("train", tmp_path / "train.npy", *TRAIN, "--scale", "minmax", "--out", model).exit_code
        == 0
    )
    assert run("transform", model, tmp_path / "new.npy", "--out", tmp_path / "f.npy").exit_code == 0
    clipped = np.clip(wider, 0, 10) / 10  # the documented choice: clip to the units' range
    expected = load_model(model).transform(clipped.astype(np.float32))
    np.testing.assert_allclose(np.load(tmp_path / "f.npy"), expected, rtol=1e-6)


def test_missing_drop_and_validation_fraction(tmp_path):
    data = RNG.uniform(0, 1, size=(50, 4))
    data[[3, 20], 1] = np.nan
    np.save(tmp_path / "x.npy", data)
    model = tmp_path / "m.h5"
    result = run(
        "train",
        tmp_path / "x.npy",
        *TRAIN,
        "--missing",
        "drop",
        "--validation-fraction",
        0.2,
        "--out",
        model,
        "--json",
    )
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    assert summary["dropped_rows"] == 2 and summary["n_samples"] == 48
    assert summary["n_validation"] == 10 and summary["n_train"] == 38
    for key in ("validation_reconstruction_error", "validation_reconstruction_error_top"):
        assert 0 < summary[key] < 1
    assert summary["validation_pseudo_likelihood"] < 0
    result = run(
        "transform",
        model,
        tmp_path / "x.npy",
        "--missing",
        "drop",
        "--out",
        tmp_path / "f.h5",
        "--json",
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["dropped_rows"] == 2
    with h5py.File(tmp_path / "f.h5") as f:
        np.testing.assert_array_equal(f["rows"][()], np.delete(np.arange(50), [3, 20]))


def test_bad_inputs_exit_2_with_one_line_and_write_nothing(tmp_path, inputs):
    from PIL import Image

    folder, _ = inputs
    (tmp_path / "x.txt").write_text("1,2\n")
    (tmp_path / "t.csv").write_text("a,b,name\n0.1,0.2,x\n0.3,0.4,y\n")
    odd = tmp_path / "odd"
    odd.mkdir()
    Image.fromarray(np.zeros((4, 4), np.uint8)).save(odd / "a.png")
    Image.fromarray(np.zeros((4, 5), np.uint8)).save(odd / "b.png")
    nan = RNG.uniform(0, 1, size=(10, 3))
    nan[[4, 6], 0] = np.nan
    np.save(tmp_path / "nan.npy", nan)
    model = tmp_path / "m.h5"
    assert (
        run("train", folder / "x.npy", *TRAIN, "--scale", "minmax", "--out", model).exit_code == 0
    )
    existing = tmp_path / "exists.csv"
    existing.write_text("keep")
    out = tmp_path / "out.h5"
    train = ("train", *TRAIN, "--out", out)
    cases = [
        ((*train, tmp_path / "x.txt"), "unknown extension '.txt'"),
        ((*train, tmp_path / "t.csv"), "column 'name' not numeric"),
        ((*train, odd), "b.png is 4x5 pixels but a.png is 4x4"),
        ((*train, tmp_path / "nan.npy"), "2 rows with NaN or Inf (first: row 4"),
        ((*train, folder / "x.npy"), "pass --scale minmax"),
        ((*train, folder / "x.npz", "--scale", "minmax"), "choose one with --key"),
        ((*train, folder / "x.npy", "--validation-fraction", 1), "--validation-fraction"),
        (
            ("transform", model, folder / "x.npy", "--depth", 3, "--out", out),
            "--depth must be between 1 and 2",
        ),
        (
            ("reconstruct", model, folder / "x.npy", "--depth", 0, "--out", out),
            "--depth must be between 1 and 2",
        ),
        (("transform", model, folder / "samples.h5", "--out", out), "9 features per row"),
        (("transform", model, folder / "x.npy", "--out", tmp_path / "f.txt"), "unknown extension"),
        (("transform", model, folder / "x.npy", "--out", existing), "--overwrite"),
    ]
    for args, message in cases:
        result = run(*args)
        assert result.exit_code == 2, (args, result.output)
        assert message in result.output, (args, result.output)
        lines = result.output.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("error: "), result.output
        assert not out.exists() and not (tmp_path / "f.txt").exists()
    assert existing.read_text() == "keep"
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []


def test_digits_example_beats_chance_by_far():
    path = Path(__file__).resolve().parents[1] / "examples" / "digits.py"
    spec = importlib.util.spec_from_file_location("digits_example", path)
    example = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(example)
    results = example.main(epochs=5, verbose=False)  # the script's default is 20
    # chance is 0.1; at 20 epochs the script measures about 0.95 / 0.93 / 0.91 / 0.97
    assert results["deeprg"] > 0.8 and results["deeprg_gaussian"] > 0.7
    assert results["bernoulli_rbm"] > 0.6 and results["raw_pixels"] > 0.9
