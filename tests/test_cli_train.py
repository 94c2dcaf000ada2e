"""``deeprg train``: trains the same network as the library, writes a loadable model file."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from click.testing import CliRunner

from deeprg.cli import main
from deeprg.io import load_layers, load_model, save_samples
from deeprg.ising import IsingSquare
from deeprg.rbm import DBN
from deeprg.samples import SampleSet

pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.fixture
def sample_file(tmp_path):
    model = IsingSquare(4, 0.3)
    spins = np.random.default_rng(0).choice([-1, 1], size=(120, 4, 4)).astype(np.int8)
    samples = SampleSet(model, spins, model.energy(spins), model.magnetization(spins), "wolff", 0)
    path = tmp_path / "samples.h5"
    save_samples(samples, path)
    return path, spins.reshape(120, 16)


def run(*args):
    return CliRunner().invoke(main, ["train", *map(str, args)])


@pytest.mark.parametrize("units", ["binary", "spin"])
def test_train_writes_the_library_model(tmp_path, sample_file, units):
    path, spins = sample_file
    out = tmp_path / "model.h5"
    result = run(
        path,
        "--layers",
        "8,4",
        "--epochs",
        2,
        "--batch-size",
        30,
        "--units",
        units,
        "--seed",
        3,
        "--l1",
        1e-3,
        "--out",
        out,
        "--json",
        "--no-progress",
    )
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    assert summary["layers"] == [16, 8, 4] and summary["seed"] == 3
    assert np.isfinite(summary["layer1_reconstruction_error"])
    data = spins.astype(np.float32) if units == "spin" else (spins.astype(np.float32) + 1) / 2
    expected = DBN((8, 4), units=units, epochs=2, batch_size=30, random_state=3, l1=1e-3).fit(data)
    loaded = load_model(out)
    for got, want in zip(loaded.rbms_, expected.rbms_, strict=True):
        np.testing.assert_array_equal(got.weights_, want.weights_)
        assert got.units == units
    _, attrs = load_layers(out)
    assert attrs["seed"] == 3 and attrs["data_model"] == "ising2d"
    # The default --precision auto keeps these small layers in float32, and says why.
    assert summary["precision"] == "float32,float32"
    assert json.loads(attrs["matmul_dtype_used"]) == ["float32", "float32"]  # lists: JSON text
    reasons = json.loads(attrs["matmul_reason"])
    assert summary["precision_why"] == reasons and len(reasons) == 2
    assert all(reason.startswith("auto: ") for reason in reasons)


def test_errors_exit_2_without_output(tmp_path, sample_file):
    path, _ = sample_file
    out = tmp_path / "model.h5"
    cases = [
        (("--layers", "8,x"), "--layers"),
        (("--lr", 0), "learning_rate must be > 0"),
        (("--batch-size", 0), "batch_size"),
        (("--momentum", 1.5), "momentum"),
        (("--checkpoint-dir", tmp_path / "nowhere"), "does not exist"),
    ]
    for extra, message in cases:
        result = run(path, "--out", out, "--no-progress", *extra)
        assert result.exit_code == 2, (extra, result.output)
        assert message in result.output
        assert not out.exists()
    missing = run(tmp_path / "none.h5", "--out", out)
    assert missing.exit_code == 2 and "does not exist" in missing.output
    out.write_text("keep")
    exists = run(path, "--out", out)
    assert exists.exit_code == 2 and "--overwrite" in exists.output
    assert out.read_text() == "keep"


@pytest.mark.skipif(torch.cuda.is_available(), reason="a GPU is present")
def test_unavailable_device_is_refused_before_training(tmp_path, sample_file):
    path, _ = sample_file
    result = run(path, "--device", "cuda", "--out", tmp_path / "m.h5")
    assert result.exit_code == 2 and "device='cpu'" in result.output


def test_checkpoint_dir_and_overwrite(tmp_path, sample_file):
    path, _ = sample_file
    out = tmp_path / "model.h5"
    ckpt = tmp_path / "ckpt"
    ckpt.mkdir()
    args = (path, "--layers", "6", "--epochs", 2, "--seed", 1, "--no-progress", "--out", out)
    assert run(*args, "--checkpoint-dir", ckpt).exit_code == 0
    assert (ckpt / "layer1.pt").exists()
    first = load_model(out).rbms_[0].weights_
    again = run(*args, "--checkpoint-dir", ckpt, "--overwrite")
    assert again.exit_code == 0, again.output
    np.testing.assert_array_equal(load_model(out).rbms_[0].weights_, first)
