"""The shared pieces of the experiments: stage cache, output folder, settings base, verdicts,
HTML kit, and the old import paths that still work."""

from __future__ import annotations

import json

import h5py
import numpy as np
import pytest

from deeprg.errors import InputError
from deeprg.experiments import _stages, output
from deeprg.experiments.exponents_settings import ExponentsSettings
from deeprg.experiments.iso_flow_settings import PRESETS as ISO_PRESETS
from deeprg.experiments.mehta_schwab_settings import PRESETS, MehtaSchwabSettings
from deeprg.experiments.verdict import Verdict, verdict_counts


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_old_import_paths_still_work():
    from deeprg.experiments import html, iso_flow, mehta_schwab_report, report, settings, sweep
    from deeprg.plots import mehta_schwab, reproduction

    assert settings.ReproductionSettings is MehtaSchwabSettings
    assert settings.PRESETS is PRESETS
    assert report.write_report is mehta_schwab_report.write_report
    assert report._STYLE == html.STYLE and report._image is html.image
    assert reproduction.plot_samples is mehta_schwab.plot_samples
    assert sweep.run_sweep is sweep.run
    for name in ("record_steps", "flow_states", "FLOW_QUANTITIES", "_seed_end_point", "run"):
        assert hasattr(iso_flow, name)


def test_settings_base_replace_as_dict_key():
    quick = PRESETS["quick"]
    changed = quick.replace(layers=[8, 4])
    assert changed.layers == (8, 4) and changed.as_dict()["layers"] == [8, 4]
    assert "extra" not in quick.as_dict()
    assert quick.key("size", "seed") == quick.replace(epochs=1).key("size", "seed")
    assert quick.key("size", "seed") != quick.replace(seed=1).key("size", "seed")
    with pytest.raises(InputError, match="unknown setting"):
        quick.replace(nonsense=1)
    iso = ISO_PRESETS["quick"].replace(hidden_sizes=[4, 9])
    assert iso.hidden_sizes == (4, 9) and iso.as_dict()["hidden_sizes"] == [4, 9]
    assert iso.key("size", extra="a") != iso.key("size", extra="b")
    assert ExponentsSettings(size=16).replace(seed=3).as_dict()["seed"] == 3


def test_output_dir_refuses_a_file_and_creates_a_folder(tmp_path):
    made = output.make_output_dir(tmp_path / "a" / "b")
    assert made.is_dir()
    (tmp_path / "file").write_text("x")
    with pytest.raises(InputError, match="exists and is not a directory; choose another --out"):
        output.make_output_dir(tmp_path / "file")
    with pytest.raises(InputError, match="cannot create"):
        output.make_output_dir(tmp_path / "file" / "below")


def test_verdict_entries_keep_their_shape():
    plain = Verdict("claim", np.bool_(True), "numbers").as_dict()
    assert plain == {"claim": "claim", "holds": True, "evidence": "numbers"}
    assert type(plain["holds"]) is bool
    phased = Verdict("c", None, "e", "critical", "critical phase: L < ξ").as_dict()
    assert list(phased) == ["claim", "holds", "evidence", "phase", "judged_in"]
    assert verdict_counts([plain, phased]) == (1, 1)


def test_compute_or_load_reuses_only_a_matching_key(tmp_path):
    calls = []
    messages = []

    def compute():
        calls.append(1)
        return {"x": np.arange(3.0)}

    path = tmp_path / "stage.npz"
    store = _stages.NpzStore()
    for key in ("a", "a", "b"):
        value = _stages.compute_or_load(
            store, path, key, compute, log=messages.append, reused="reused", stale="stale"
        )
        np.testing.assert_array_equal(value["x"], np.arange(3.0))
    assert len(calls) == 2
    assert messages == ["reused", "stale"]


def test_arrays_h5_store_round_trip(tmp_path):
    store = _stages.ArraysH5Store("test-format")
    path = tmp_path / "a.h5"
    store.save({"t": np.array([1.0, 2.0]), "n": np.array([3], dtype=np.int64)}, path, "k")
    loaded = store.load(path, "k")
    assert loaded["n"].dtype == np.int64 and loaded["t"].tolist() == [1.0, 2.0]
    assert store.load(path, "other") is None
    assert _stages.ArraysH5Store("another-format").load(path, "k") is None


def _fitted_rbm():
    from deeprg.rbm import RBM

    data = np.random.default_rng(0).integers(0, 2, size=(64, 9)).astype(np.float32)
    return RBM(n_hidden=4, epochs=2, batch_size=16, random_state=1).fit(data)


def test_rbm_store_keeps_the_history_once_and_reads_old_files(tmp_path):
    from deeprg import io

    rbm = _fitted_rbm()
    path = tmp_path / "layer.h5"
    store = _stages.RBMStore()
    store.save(rbm, path, "key")
    with h5py.File(path, "r") as f:
        assert "history" not in f.attrs  # only the layer's history datasets
        assert sorted(f["layers/0/history"]) == sorted(rbm.history_)
    loaded = store.load(path, "key")
    assert json.dumps(loaded.history_) == json.dumps(rbm.history_)  # same values, order, types
    np.testing.assert_array_equal(loaded.weights_, rbm.weights_)
    assert store.load(path, "other") is None
    # a file of an earlier version: the history as a JSON attribute too
    old = tmp_path / "old.h5"
    io.save_model(rbm, old, metadata={"settings_key": "key", "history": json.dumps(rbm.history_)})
    assert json.dumps(store.load(old, "key").history_) == json.dumps(rbm.history_)


@pytest.mark.parametrize(
    ("old", "new", "name"),
    [
        ("deeprg.experiments.settings", "deeprg.experiments.mehta_schwab_settings", "PRESETS"),
        ("deeprg.experiments.report", "deeprg.experiments.mehta_schwab_report", "write_report"),
        ("deeprg.plots.reproduction", "deeprg.plots.mehta_schwab", "plot_samples"),
    ],
)
def test_former_module_names_still_work_and_warn(old, new, name):
    import importlib
    import sys

    sys.modules.pop(old, None)
    with pytest.warns(DeprecationWarning, match=new.split(" ")[0]):
        module = importlib.import_module(old)
    assert getattr(module, name) is getattr(importlib.import_module(new), name)
