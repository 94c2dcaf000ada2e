"""deeprg.readers: every input format as rows of features, missing values, preprocessing."""

from __future__ import annotations

import json

import h5py
import numpy as np
import pytest

from deeprg.errors import InputError
from deeprg.io import save_samples
from deeprg.ising import IsingSquare
from deeprg.readers import Preprocessing, drop_missing, parse_binarize, read_data
from deeprg.samples import SampleSet

RNG = np.random.default_rng(0)
DATA = RNG.integers(0, 17, size=(12, 6)).astype(np.float64)


def test_npy_flattens_rows_and_keeps_their_shape(tmp_path):
    images = RNG.random((5, 3, 4))
    np.save(tmp_path / "x.npy", images)
    X, info = read_data(tmp_path / "x.npy")
    np.testing.assert_array_equal(X, images.reshape(5, 12))
    assert info["shape"] == [3, 4] and info["n_rows"] == 5 and info["format"] == "npy"
    np.save(tmp_path / "v.npy", np.arange(4, dtype=np.int8))  # 1-D: one feature per row
    X, info = read_data(tmp_path / "v.npy")
    assert X.shape == (4, 1) and X.dtype == np.float64


def test_npz_needs_key_only_with_several_arrays(tmp_path):
    np.savez(tmp_path / "one.npz", a=DATA)
    np.testing.assert_array_equal(read_data(tmp_path / "one.npz")[0], DATA)
    np.savez(tmp_path / "two.npz", a=DATA, b=DATA + 1)
    with pytest.raises(InputError, match=r"several arrays \(a, b\); choose one with --key"):
        read_data(tmp_path / "two.npz")
    np.testing.assert_array_equal(read_data(tmp_path / "two.npz", key="b")[0], DATA + 1)
    with pytest.raises(InputError, match="no array 'c'; choose --key from a, b"):
        read_data(tmp_path / "two.npz", key="c")


def test_csv_header_columns_and_missing_fields(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("a,b,label\n1,2.5,cat\n3,,dog\n\n5,6,cow\n")
    with pytest.raises(InputError, match=r"column 'label' not numeric \(e\.g\. 'cat'\).*--columns"):
        read_data(path)
    X, info = read_data(path, columns="a,b")
    np.testing.assert_array_equal(X[[0, 2]], [[1, 2.5], [5, 6]])
    assert np.isnan(X[1, 1]) and info["columns"] == ["a", "b"]
    np.testing.assert_array_equal(read_data(path, columns=["b", "a"])[0][0], [2.5, 1])
    with pytest.raises(InputError, match="no column 'z'"):
        read_data(path, columns="a,z")
    bare = tmp_path / "bare.tsv"  # no header: columns by number
    bare.write_text("1\t2\t3\n4\t5\t6\n")
    X, info = read_data(bare)
    assert X.shape == (2, 3) and info["columns"] is None
    np.testing.assert_array_equal(read_data(bare, columns="2,0")[0], [[3, 1], [6, 4]])
    ragged = tmp_path / "ragged.csv"
    ragged.write_text("a,b\n1,2\n3\n")
    with pytest.raises(InputError, match="line 3 has 1 fields"):
        read_data(ragged)


def test_hdf5_any_dataset_and_deeprg_sample_files(tmp_path):
    with h5py.File(tmp_path / "d.h5", "w") as f:
        f.create_dataset("group/values", data=DATA)
    np.testing.assert_array_equal(read_data(tmp_path / "d.h5", dataset="group/values")[0], DATA)
    with pytest.raises(InputError, match="no dataset 'spins'; choose --dataset from group/values"):
        read_data(tmp_path / "d.h5")
    model = IsingSquare(3, 0.3)
    spins = RNG.choice([-1, 1], size=(4, 3, 3)).astype(np.int8)
    save_samples(
        SampleSet(model, spins, model.energy(spins), model.magnetization(spins), "wolff", 0),
        tmp_path / "s.h5",
    )
    X, info = read_data(tmp_path / "s.h5")
    np.testing.assert_array_equal(X, spins.reshape(4, 9))
    assert info["spins"] and info["shape"] == [3, 3]
    assert info["sample_model"]["data_model"] == "ising2d"
    energy, info = read_data(tmp_path / "s.h5", dataset="energy")  # any dataset, no conversion
    assert energy.shape == (4, 1) and not info["spins"]


def test_image_folder_png_and_jpeg(tmp_path):
    from PIL import Image

    pixels = RNG.integers(0, 256, size=(3, 4, 5)).astype(np.uint8)
    for index, image in enumerate(pixels):
        Image.fromarray(image).save(tmp_path / f"img{index}.png")
    (tmp_path / "notes.txt").write_text("ignored")
    X, info = read_data(tmp_path)
    np.testing.assert_allclose(X, pixels.reshape(3, 20) / 255, atol=1e-6)
    assert info["shape"] == [4, 5] and info["files"] == ["img0.png", "img1.png", "img2.png"]
    Image.fromarray(pixels[0]).convert("RGB").save(tmp_path / "img3.jpg", quality=95)
    X, _ = read_data(tmp_path)
    assert X.shape == (4, 20) and np.abs(X[3] - pixels[0].ravel() / 255).max() < 0.1
    Image.fromarray(np.zeros((5, 5), np.uint8)).save(tmp_path / "odd.png")
    with pytest.raises(InputError, match=r"odd\.png is 5x5 pixels but img0\.png is 4x5"):
        read_data(tmp_path)


def test_unknown_extension_and_missing_path(tmp_path):
    (tmp_path / "x.txt").write_text("1,2\n")
    with pytest.raises(InputError, match=r"unknown extension '\.txt'; use \.npy"):
        read_data(tmp_path / "x.txt")
    with pytest.raises(InputError, match="does not exist"):
        read_data(tmp_path / "nope.npy")
    np.save(tmp_path / "x.npy", DATA)
    with pytest.raises(InputError, match="--columns applies to CSV/TSV/Parquet tables only"):
        read_data(tmp_path / "x.npy", columns="a")


def test_missing_rows_refused_or_dropped():
    X = DATA.copy()
    X[[3, 7], 1] = [np.nan, np.inf]
    with pytest.raises(InputError, match=r"2 rows with NaN or Inf \(first: row 3.*--missing drop"):
        drop_missing(X)
    kept_rows, kept = drop_missing(X, "drop")
    assert kept_rows.shape == (10, 6) and 3 not in kept and 7 not in kept
    np.testing.assert_array_equal(kept_rows, np.delete(DATA, [3, 7], axis=0))


@pytest.mark.parametrize("units", ["binary", "spin"])
def test_minmax_maps_clips_and_inverts(units):
    X = DATA.copy()
    X[:, 2] = 4.0  # a constant feature
    info = {"shape": [6], "columns": None}
    prep = Preprocessing.fit(X, info, units, scale="minmax")
    low, high = (0, 1) if units == "binary" else (-1, 1)
    Y = prep.apply(X)
    assert Y.min() == low and Y.max() == high
    np.testing.assert_array_equal(Y[:, 2], (low + high) / 2)
    keep = np.arange(6) != 2
    np.testing.assert_allclose(prep.inverse(Y)[:, keep], X[:, keep])
    wider = X * 3 - 20  # new data beyond the training range: clipped to the units' range
    np.testing.assert_array_equal(prep.apply(wider), np.clip(prep.apply(wider), low, high))
    assert prep.apply(wider).min() == low and prep.apply(wider).max() == high
    again = Preprocessing(**json.loads(prep.to_json()))
    np.testing.assert_array_equal(again.apply(X), Y)


def test_binarize_and_range_refusal():
    info = {"shape": [6], "columns": None}
    with pytest.raises(InputError, match=r"outside \[0, 1\] \(binary units\); pass --scale minmax"):
        Preprocessing.fit(DATA, info, "binary").apply(DATA)
    prep = Preprocessing.fit(DATA, info, "spin", binarize="median")
    np.testing.assert_array_equal(prep.apply(DATA), np.where(DATA > np.median(DATA, 0), 1, -1))
    fixed = Preprocessing.fit(DATA, info, "binary", binarize="8")
    np.testing.assert_array_equal(fixed.apply(DATA), DATA > 8)
    with pytest.raises(InputError, match="cannot be combined"):
        Preprocessing.fit(DATA, info, "binary", scale="minmax", binarize=0.5)
    with pytest.raises(InputError, match="--binarize must be a number or 'median'"):
        parse_binarize("high")
    with pytest.raises(InputError, match="spin units expect ±1; pass --scale minmax"):
        Preprocessing.fit(DATA, info, "spin").apply((DATA > 8).astype(float))


def test_jpeg_without_pillow_says_so(tmp_path, monkeypatch):
    from PIL import Image

    Image.fromarray(np.zeros((3, 3), np.uint8)).convert("RGB").save(tmp_path / "a.jpg")
    monkeypatch.setitem(__import__("sys").modules, "PIL", None)
    with pytest.raises(InputError, match=r"reading JPEG images \(a\.jpg\) needs Pillow"):
        read_data(tmp_path)
