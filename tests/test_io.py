"""Sample and model files: round trips, validation, atomic writes."""

import itertools
from types import SimpleNamespace

import h5py
import numpy as np
import pytest

from deeprg import InputError, IsingChain, IsingSquare
from deeprg.io import atomic_write, load_layers, load_samples, save_model, save_samples
from deeprg.samples import SampleSet


def make_samples(model, n=10, seed=0):
    rng = np.random.default_rng(seed)
    spins = rng.choice(np.array([-1, 1], dtype=np.int8), size=(n, *model.lattice_shape))
    return SampleSet(
        model=model,
        spins=spins,
        energy=model.energy(spins),
        magnetization=model.magnetization(spins),
        algorithm="wolff",
        seed=7,
        tau_energy=1.5,
        tau_abs_magnetization=2.5,
        burn_in=100,
        thin=3,
        extra={"wall_time_s": 0.25},
    )


@pytest.mark.parametrize("model", [IsingSquare(6, 0.408), IsingChain(9, -0.3, field=0.2)])
def test_sample_file_round_trip(tmp_path, model):
    original = make_samples(model)
    path = save_samples(original, tmp_path / "s.h5")
    loaded = load_samples(path)
    np.testing.assert_array_equal(loaded.spins, original.spins)
    assert loaded.spins.dtype == np.int8
    np.testing.assert_array_equal(loaded.energy, original.energy)
    assert loaded.model == model
    assert (loaded.seed, loaded.tau_energy, loaded.thin) == (7, 1.5, 3)
    assert loaded.extra["wall_time_s"] == 0.25
    with h5py.File(path) as f:  # the docs/file-formats.md contract, read without deeprg
        assert f["spins"].dtype == np.int8
        assert f["spins"].shape == (10, *model.lattice_shape)
        assert f.attrs["model"] == model.name
        for key in (
            "size",
            "coupling",
            "field",
            "algorithm",
            "seed",
            "deeprg_version",
            "tau_energy",
            "tau_abs_magnetization",
        ):
            assert key in f.attrs


def test_existing_file_needs_overwrite(tmp_path):
    path = tmp_path / "s.h5"
    save_samples(make_samples(IsingSquare(4, 0.3)), path)
    with pytest.raises(InputError, match="overwrite"):
        save_samples(make_samples(IsingSquare(4, 0.3), seed=1), path)
    save_samples(make_samples(IsingSquare(4, 0.3), seed=1), path, overwrite=True)
    np.testing.assert_array_equal(
        load_samples(path).spins, make_samples(IsingSquare(4, 0.3), seed=1).spins
    )


def test_interrupted_write_leaves_nothing(tmp_path):
    path = tmp_path / "out.h5"
    with pytest.raises(KeyboardInterrupt), atomic_write(path) as tmp:
        tmp.write_bytes(b"half")
        raise KeyboardInterrupt
    assert list(tmp_path.iterdir()) == []


def test_written_files_get_the_usual_permissions(tmp_path):
    import os

    umask = os.umask(0o022)
    try:
        path = save_samples(make_samples(IsingSquare(4, 0.3)), tmp_path / "s.h5")
    finally:
        os.umask(umask)
    assert path.stat().st_mode & 0o777 == 0o644


def test_missing_directory_is_a_clear_error(tmp_path):
    with pytest.raises(InputError, match="does not exist"):
        save_samples(make_samples(IsingSquare(4, 0.3)), tmp_path / "nope" / "s.h5")


def test_load_rejects_foreign_and_corrupt_files(tmp_path):
    with pytest.raises(InputError, match="does not exist"):
        load_samples(tmp_path / "missing.h5")
    text = tmp_path / "text.h5"
    text.write_text("not hdf5")
    with pytest.raises(InputError, match="HDF5"):
        load_samples(text)
    foreign = tmp_path / "foreign.h5"
    with h5py.File(foreign, "w") as f:
        f["spins"] = np.ones((2, 4, 4), dtype=np.int8)
    with pytest.raises(InputError, match="not a deeprg sample file"):
        load_samples(foreign)
    path = save_samples(make_samples(IsingSquare(4, 0.3)), tmp_path / "s.h5")
    with h5py.File(path, "r+") as f:
        f["spins"][0, 0, 0] = 0
    with pytest.raises(InputError, match="±1"):
        load_samples(path)


def test_model_file_round_trip(tmp_path):
    rng = np.random.default_rng(3)
    sizes = [16, 8, 4]
    layers = [
        SimpleNamespace(
            weights_=rng.normal(size=(a, b)),
            visible_bias_=rng.normal(size=a),
            hidden_bias_=rng.normal(size=b),
            units="binary",
        )
        for a, b in itertools.pairwise(sizes)
    ]
    path = save_model(layers, tmp_path / "m.h5", metadata={"seed": 5, "epochs": 3})
    loaded, attrs = load_layers(path)
    assert len(loaded) == 2
    for original, back in zip(layers, loaded, strict=True):
        np.testing.assert_array_equal(back["weights"], original.weights_)
        np.testing.assert_array_equal(back["visible_bias"], original.visible_bias_)
        np.testing.assert_array_equal(back["hidden_bias"], original.hidden_bias_)
        assert back["units"] == "binary"
    assert attrs["seed"] == 5 and "deeprg_version" in attrs


def test_model_layers_must_chain(tmp_path):
    a = SimpleNamespace(
        weights_=np.zeros((4, 3)), visible_bias_=np.zeros(4), hidden_bias_=np.zeros(3), units="spin"
    )
    b = SimpleNamespace(
        weights_=np.zeros((2, 2)), visible_bias_=np.zeros(2), hidden_bias_=np.zeros(2), units="spin"
    )
    with pytest.raises(InputError, match="chain"):
        save_model([a, b], tmp_path / "m.h5")
    assert not (tmp_path / "m.h5").exists()


# ---------------------------------------------------------------------------- named arrays


def test_save_arrays_writes_checksummed_datasets_and_attributes(tmp_path):
    from deeprg.io import save_arrays

    path = tmp_path / "a.h5"
    spins = np.ones((3, 5, 4, 4), dtype=np.int8)
    temperatures = np.array([1.0, 2.0, 3.0])
    written = save_arrays(
        path,
        {"temperatures": temperatures, "spins": spins, "empty": np.zeros(0)},
        {"format": "some-format", "settings_key": "k1", "n": 3, "missing": None},
    )
    assert written == path
    with h5py.File(path, "r") as f:
        assert f["spins"].fletcher32 and f["temperatures"].fletcher32  # checksummed chunks
        assert f["spins"].dtype == np.int8
        assert np.array_equal(f["spins"][()], spins)
        assert np.array_equal(f["temperatures"][()], temperatures)
        assert f["empty"].shape == (0,)
        assert f.attrs["format"] == "some-format" and f.attrs["settings_key"] == "k1"
        assert f.attrs["n"] == 3 and f.attrs["missing"] == "None"
    with pytest.raises(InputError, match="already exists"):
        save_arrays(path, {"x": temperatures})
    save_arrays(path, {"x": temperatures}, overwrite=True)
    with h5py.File(path, "r") as f:
        assert list(f) == ["x"]


def test_save_arrays_leaves_nothing_behind_when_a_value_cannot_be_stored(tmp_path):
    from deeprg.io import save_arrays

    path = tmp_path / "a.h5"
    with pytest.raises(TypeError):
        save_arrays(path, {"ok": np.ones(3), "bad": np.array([object()], dtype=object)})
    assert list(tmp_path.iterdir()) == []


def test_old_import_paths_still_work():
    """io and readers were split into one-concept modules; their old names remain."""
    import deeprg.atomic
    import deeprg.io
    import deeprg.model_files
    import deeprg.preprocessing
    import deeprg.readers
    import deeprg.sample_files

    assert deeprg.io.atomic_write is deeprg.atomic.atomic_write
    assert deeprg.io.os_error_reason is deeprg.atomic.os_error_reason
    assert deeprg.io.save_samples is deeprg.sample_files.save_samples
    assert deeprg.io.load_model is deeprg.model_files.load_model
    for name in ("Preprocessing", "drop_missing", "parse_binarize", "check_unit_range"):
        assert getattr(deeprg.readers, name) is getattr(deeprg.preprocessing, name)
    for name in deeprg.io.__all__:
        assert hasattr(deeprg.io, name), name
