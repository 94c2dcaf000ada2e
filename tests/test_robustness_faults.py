"""Faults during a run: a full disk at a write, the output folder made read-only, the input
deleted, each while the command runs.

In every case the command must end with exit status 2 and one ``error: ...`` line (after
whatever progress lines it printed), leave no corrupt or partial file (the failed file is
absent, an older version of it untouched, no temporary file left), and keep every earlier
output intact and valid.

A full disk is real: the temporary file of the chosen write is a link to ``/dev/full``, so
h5py, numpy, matplotlib or the text writer fails with ENOSPC inside the operating system.
A read-only folder is real too: mode 0555, or the immutable attribute when the tests run
as root (whom permissions do not stop).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import numpy as np
import pytest

import robustness_helpers as rh
from deeprg import io
from deeprg.ising import IsingSquare
from deeprg.samples import SampleSet

pytestmark = pytest.mark.usefixtures("one_torch_thread")

#: A reproduction small enough to fail (or finish) in a few seconds.
REPRODUCE = (
    "reproduce",
    "mehta-schwab",
    "--size",
    "8",
    "--layers",
    "16,4",
    "--epochs",
    "2",
    "--samples",
    "200",
    "--batch-size",
    "50",
    "--generated",
    "20",
    "--generation-steps",
    "2",
    "--analysis-samples",
    "100",
    "--seed",
    "5",
    "--no-progress",
)
SAMPLE = ("sample", "ising2d", "-L", "4", "-J", "0.3", "-n", "50", "--seed", "2", "--no-progress")
TRAIN = ("--layers", "6,3", "--epochs", "2", "--batch-size", "20", "--seed", "1", "--no-progress")


@pytest.fixture(scope="module")
def inputs(tmp_path_factory):
    """A sample file and a model trained on it (the inputs of the later commands)."""
    folder = tmp_path_factory.mktemp("fault-inputs")
    model = IsingSquare(4, 0.3)
    spins = np.random.default_rng(3).choice(np.array([-1, 1], np.int8), (60, 4, 4))
    samples = SampleSet(model, spins, model.energy(spins), model.magnetization(spins), "wolff", 1)
    io.save_samples(samples, folder / "samples.h5")
    result = rh.cli("train", folder / "samples.h5", *TRAIN, "--out", folder / "model.h5")
    assert result.exit_code == 0, result.output
    return {"samples": folder / "samples.h5", "model": folder / "model.h5"}


def _full(monkeypatch, target: str):
    """Fill the disk at the write of the file named ``target``."""
    return rh.disk_full(monkeypatch, lambda name: name == target)


# ------------------------------------------------------------------------- full disk

#: (command line with {out} and {samples}/{model} placeholders, the file that fails).
WRITES = {
    "sample": ((*SAMPLE, "--out", "{out}/s.h5"), "s.h5"),
    "train": (("train", "{samples}", *TRAIN, "--out", "{out}/m.h5"), "m.h5"),
    "transform csv": (("transform", "{model}", "{samples}", "--out", "{out}/f.csv"), "f.csv"),
    "transform h5": (("transform", "{model}", "{samples}", "--out", "{out}/f.h5"), "f.h5"),
    "reconstruct npy": (("reconstruct", "{model}", "{samples}", "--out", "{out}/r.npy"), "r.npy"),
    "inspect json": (("inspect", "{model}", "--out", "{out}"), "inspect.json"),
    "inspect report": (("inspect", "{model}", "--out", "{out}"), "report.html"),
    "rg check figure": (("rg", "check", "--figure", "{out}/flow.png"), "flow.png"),
    "exponents json": (
        ("rg", "exponents", "--size", "8", "--samples", "200", "--out", "{out}", "--no-progress"),
        "exponents.json",
    ),
}


def _line(args: tuple, out: Path, inputs: dict) -> list[str]:
    values = {"out": out, "samples": inputs["samples"], "model": inputs["model"]}
    return [str(a).format(**values) for a in args]


@pytest.mark.parametrize("case", sorted(WRITES))
def test_a_full_disk_at_a_write_is_one_line_and_leaves_no_file(tmp_path, monkeypatch, inputs, case):
    args, target = WRITES[case]
    out = tmp_path / "out"
    out.mkdir()
    before = rh.digests(inputs["samples"], inputs["model"])
    with _full(monkeypatch, target) as failed:
        result = rh.cli(*_line(args, out, inputs))
    assert failed == [target]
    rh.assert_one_line_error(result, target, "No space left on device", logs=True)
    rh.assert_no_output(out / target)
    rh.check_tree(out)  # what was written before the failure is complete and valid
    assert rh.digests(inputs["samples"], inputs["model"]) == before
    rh.tally(faults=1)


def test_a_full_disk_keeps_the_older_file_it_was_replacing(tmp_path, monkeypatch):
    first = rh.cli(*SAMPLE, "--out", tmp_path / "s.h5")
    assert first.exit_code == 0, first.output
    old = rh.digests(tmp_path / "s.h5")
    with _full(monkeypatch, "s.h5"):
        result = rh.cli(
            *SAMPLE[:-3], "--seed", "9", "--no-progress", "--overwrite", "--out", tmp_path / "s.h5"
        )
    rh.assert_one_line_error(result, "No space left on device")
    assert rh.digests(tmp_path / "s.h5") == old  # the older samples, byte for byte
    rh.check_tree(tmp_path)
    rh.tally(faults=1)


@pytest.mark.parametrize(
    "target",
    [
        "samples.h5",
        "layer1.h5",
        "model.h5",
        pytest.param("receptive_fields.png", marks=pytest.mark.soak),
        pytest.param("metrics.json", marks=pytest.mark.soak),
        pytest.param("report.html", marks=pytest.mark.soak),
    ],
)
def test_reproduce_with_a_full_disk_keeps_its_earlier_stages(tmp_path, monkeypatch, target):
    out = tmp_path / "run"
    with _full(monkeypatch, target) as failed:
        result = rh.cli(*REPRODUCE, "--out", out)
    assert failed == [target]
    rh.assert_one_line_error(result, target, "No space left on device", logs=True)
    assert not list(out.rglob(target))
    assert rh.check_tree(out) >= {"samples.h5": 0, "layer1.h5": 1}.get(target, 3)
    rh.tally(faults=1)


# ------------------------------------------------------------------------- read-only folder


def test_sample_into_a_folder_made_read_only_while_sampling(tmp_path, monkeypatch):
    import deeprg.mc

    out = tmp_path / "out"
    out.mkdir()
    real = deeprg.mc.sample
    locked = []

    def sample_then_lock(*args, **kwargs):
        samples = real(*args, **kwargs)
        locked.append(rh.read_only(out))
        locked[-1].__enter__()
        return samples

    monkeypatch.setattr(deeprg.mc, "sample", sample_then_lock)
    try:
        result = rh.cli(*SAMPLE, "--out", out / "s.h5")
    finally:
        for context in locked:
            context.__exit__(None, None, None)
    assert locked
    rh.assert_one_line_error(result, "cannot write", str(out))
    rh.assert_no_output(out / "s.h5")
    rh.tally(faults=1)


def test_train_into_a_folder_made_read_only_while_training(tmp_path, monkeypatch, inputs):
    from deeprg.rbm import DBN

    out = tmp_path / "out"
    out.mkdir()
    real = DBN.fit
    locked = []

    def fit_then_lock(self, *args, **kwargs):
        fitted = real(self, *args, **kwargs)
        locked.append(rh.read_only(out))
        locked[-1].__enter__()
        return fitted

    monkeypatch.setattr(DBN, "fit", fit_then_lock)
    try:
        result = rh.cli("train", inputs["samples"], *TRAIN, "--out", out / "m.h5")
    finally:
        for context in locked:
            context.__exit__(None, None, None)
    assert locked
    rh.assert_one_line_error(result, "cannot write", str(out))
    rh.assert_no_output(out / "m.h5")
    rh.tally(faults=1)


def _locked_run(monkeypatch, module, name: str, folder_of, args: tuple):
    """Run ``deeprg ARGS`` with ``module.name`` wrapped to make its folder read-only first."""
    real = getattr(module, name)
    locked = []

    def lock_then_call(*call_args, **kwargs):
        locked.append(rh.read_only(folder_of(*call_args, **kwargs)))
        locked[-1].__enter__()
        return real(*call_args, **kwargs)

    monkeypatch.setattr(module, name, lock_then_call)
    try:
        result = rh.cli(*args)
    finally:
        for context in locked:
            context.__exit__(None, None, None)
    assert locked, f"{name} was not called"
    return result


def _reproduce_read_only(tmp_path, monkeypatch):
    from deeprg.experiments import mehta_schwab

    out = tmp_path / "run"
    result = _locked_run(
        monkeypatch,
        mehta_schwab,
        "train_stage",
        lambda settings, samples, folder, *a, **k: folder,
        (*REPRODUCE, "--out", out),
    )
    return out, result


def _exponents_read_only(tmp_path, monkeypatch):
    import deeprg.rg

    out = tmp_path / "exp"
    args = ("rg", "exponents", "--size", "8", "--samples", "200", "--out", out, "--no-progress")
    result = _locked_run(monkeypatch, deeprg.rg, "critical_samples", lambda *a, **k: out, args)
    return out, result


def test_reproduce_into_a_folder_made_read_only_after_sampling(tmp_path, monkeypatch):
    out, result = _reproduce_read_only(tmp_path, monkeypatch)
    rh.assert_one_line_error(result, "permitted", logs=True)
    assert (out / "samples.h5").exists()
    rh.check_tree(out)  # samples.h5 and the lock record survive, valid
    rh.tally(faults=1)


def test_exponents_into_a_folder_made_read_only_while_sampling(tmp_path, monkeypatch):
    out, result = _exponents_read_only(tmp_path, monkeypatch)
    rh.assert_one_line_error(result, "permitted", logs=True)
    rh.assert_no_output(out / "exponents.json", out / "report.html")
    rh.tally(faults=1)


@pytest.mark.parametrize("run", [_reproduce_read_only, _exponents_read_only])
def test_a_read_only_folder_is_reported_by_the_write_that_failed(tmp_path, monkeypatch, run):
    """The lock's own cleanup, which fails in a read-only folder too, must not hide the run's
    error: the one line names the file or folder that could not be written."""
    _, result = run(tmp_path, monkeypatch)
    message = rh.assert_one_line_error(result, logs=True)
    assert ".deeprg.lock" not in message, message
    rh.tally(faults=1)


@pytest.mark.parametrize("fault", ["read-only", "disk full"])
def test_train_checkpoints_that_cannot_be_written(tmp_path, monkeypatch, inputs, fault):
    checkpoints = tmp_path / "ck"
    checkpoints.mkdir()
    out = tmp_path / "m.h5"
    if fault == "disk full":  # the checkpoint's temporary file, named as save_checkpoint does
        (checkpoints / f".layer1.pt.tmp{os.getpid()}").symlink_to("/dev/full")
        result = rh.cli(
            "train", inputs["samples"], *TRAIN, "--checkpoint-dir", checkpoints, "--out", out
        )
    else:
        with rh.read_only(checkpoints):
            result = rh.cli(
                "train", inputs["samples"], *TRAIN, "--checkpoint-dir", checkpoints, "--out", out
            )
    rh.assert_one_line_error(result, "checkpoint", logs=True)
    rh.assert_no_output(out)
    rh.check_tree(checkpoints)  # no half-written checkpoint
    rh.tally(faults=1)


# ------------------------------------------------------------------------- deleted input


def test_transform_whose_model_is_deleted_between_its_reads(tmp_path, monkeypatch, inputs):
    import deeprg.io

    model = tmp_path / "model.h5"
    shutil.copy(inputs["model"], model)
    real = deeprg.io.load_layers

    def load_then_delete(path):
        found = real(path)
        Path(path).unlink()
        return found

    monkeypatch.setattr(deeprg.io, "load_layers", load_then_delete)
    out = tmp_path / "f.csv"
    result = rh.cli("transform", model, inputs["samples"], "--out", out)
    rh.assert_one_line_error(result, "does not exist")
    rh.assert_no_output(out)
    rh.tally(faults=1)


@pytest.mark.parametrize("when", ["before reading", "after reading"])
def test_train_whose_data_is_deleted_mid_run(tmp_path, monkeypatch, inputs, when):
    import deeprg.readers

    data = tmp_path / "samples.h5"
    shutil.copy(inputs["samples"], data)
    real = deeprg.readers.read_data

    def read(path, *args, **kwargs):
        if when == "before reading":
            Path(path).unlink()
        found = real(path, *args, **kwargs)
        Path(path).unlink(missing_ok=True)
        return found

    monkeypatch.setattr(deeprg.readers, "read_data", read)
    out = tmp_path / "m.h5"
    result = rh.cli("train", data, *TRAIN, "--out", out)
    if when == "before reading":
        rh.assert_one_line_error(result, "does not exist")
        rh.assert_no_output(out)
    else:  # the rows were in memory: training completes, its model is valid
        assert result.exit_code == 0, result.output
        rh.check_file(out)
    rh.tally(faults=1)


def test_reproduce_whose_samples_are_deleted_mid_run_rebuilds_them(tmp_path, monkeypatch):
    """samples.h5 deleted while training: the run ends (the samples were in memory) before
    its figures, and the next run samples again, identically."""
    from deeprg.experiments import mehta_schwab

    out = tmp_path / "run"
    real = mehta_schwab.train_stage
    contents = {}

    def delete_then_train(settings, samples, folder, *args, **kwargs):
        contents.update(rh.hdf5_contents(folder / "samples.h5"))
        (folder / "samples.h5").unlink()
        return real(settings, samples, folder, *args, **kwargs)

    monkeypatch.setattr(mehta_schwab, "train_stage", delete_then_train)
    with _full(monkeypatch, "receptive_fields.png"):  # stop before the slow figures
        result = rh.cli(*REPRODUCE, "--out", out)
    rh.assert_one_line_error(result, "receptive_fields.png", logs=True)
    assert not (out / "samples.h5").exists()
    rh.check_tree(out)
    from deeprg.experiments.mehta_schwab_settings import PRESETS

    settings = PRESETS["quick"].replace(
        size=8,
        layers=(16, 4),
        epochs=2,
        n_samples=200,
        batch_size=50,
        n_generated=20,
        generation_steps=2,
        n_analysis=100,
        seed=5,
    )
    mehta_schwab.sample_stage(settings, out, "cpu", False, lambda message: None)
    assert rh.hdf5_contents(out / "samples.h5") == contents  # sampled again, identically
    rh.tally(faults=1)
