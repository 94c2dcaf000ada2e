"""DBN.fit with a layer cache: the reproduction's greedy training, reusable and unchanged.

``mehta_schwab.train_stage`` is one ``DBN.fit`` call with :class:`KeyedLayerFiles` (layer
files under a settings key, stale checkpoints removed, history and precision kept). These
tests check that the cache changes no number (it equals an uncached fit with the same
seed), that a rerun reuses every layer, and that layer files written by earlier versions
(history also as a JSON attribute) are still reused.
"""

from __future__ import annotations

import json
from types import SimpleNamespace

import numpy as np

from deeprg import io
from deeprg.rbm import DBN
from deeprg.rbm.hyperparameters import rbm_kwargs
from deeprg.rbm.layer_cache import CheckpointDirectory


def _settings():
    from deeprg.experiments.mehta_schwab_settings import MehtaSchwabSettings

    return MehtaSchwabSettings(
        size=6, n_samples=80, layers=(9, 4), epochs=3, l1=1e-3, matmul_dtype="float32"
    )


def _samples():
    spins = np.where(np.random.default_rng(3).random((80, 36)) < 0.5, -1, 1).astype(np.int8)
    return SimpleNamespace(flat=lambda: spins)


def _without_seconds(history: dict) -> dict:
    return {k: v for k, v in history.items() if k != "seconds"}


def test_train_stage_equals_an_uncached_dbn_fit_and_is_reused(tmp_path):
    from deeprg.experiments import mehta_schwab
    from deeprg.experiments.mehta_schwab_settings import RBM_SETTINGS

    settings, samples = _settings(), _samples()
    lines = []
    rbms = mehta_schwab.train_stage(settings, samples, tmp_path, "cpu", False, lines.append)
    plain = DBN(
        layers=settings.layers,
        **rbm_kwargs(settings, RBM_SETTINGS),
        random_state=int(mehta_schwab._stage_seeds(settings)[mehta_schwab._SEED_TRAINING]),
    ).fit(mehta_schwab._units_data(samples.flat(), settings.units))
    assert len(rbms) == len(plain.rbms_) == 2
    for cached, uncached in zip(rbms, plain.rbms_, strict=True):
        for name in ("weights_", "visible_bias_", "hidden_bias_"):
            assert np.array_equal(getattr(cached, name), getattr(uncached, name))
        assert _without_seconds(cached.history_) == _without_seconds(uncached.history_)
    assert lines[0].startswith("training: layer 1")

    again = []
    reused = mehta_schwab.train_stage(settings, samples, tmp_path, "cpu", False, again.append)
    assert again == [
        f"training: reusing layer {i} from {tmp_path / 'layers' / f'layer{i}.h5'}" for i in (1, 2)
    ]
    for expected, actual in zip(rbms, reused, strict=True):
        assert np.array_equal(expected.weights_, actual.weights_)
        assert _without_seconds(expected.history_) == _without_seconds(actual.history_)
    assert not list((tmp_path / "layers").glob("*.ckpt"))
    # The history is stored once: as the layer's datasets, not again as an attribute.
    _, attrs = io.load_layers(tmp_path / "layers" / "layer1.h5")
    assert "history" not in attrs


def test_layer_files_of_earlier_versions_are_reused(tmp_path):
    """Earlier layer files kept the history as a JSON attribute too; they still load."""
    from deeprg.experiments import mehta_schwab

    settings, samples = _settings(), _samples()
    rbms = mehta_schwab.train_stage(settings, samples, tmp_path, "cpu", False, lambda _: None)
    _, attrs = io.load_layers(tmp_path / "layers" / "layer1.h5")
    old = {
        "settings_key": attrs["settings_key"],
        "history": json.dumps(rbms[0].history_, default=float),
    }
    io.save_model(rbms[0], tmp_path / "layers" / "layer1.h5", overwrite=True, metadata=old)
    lines = []
    reused = mehta_schwab.train_stage(settings, samples, tmp_path, "cpu", False, lines.append)
    assert lines[0].startswith("training: reusing layer 1")
    assert np.array_equal(reused[0].weights_, rbms[0].weights_)
    assert _without_seconds(reused[0].history_) == _without_seconds(rbms[0].history_)


def test_checkpoint_directory_is_a_layer_cache(tmp_path):
    rng = np.random.default_rng(0)
    data = (rng.random((40, 8)) < 0.5).astype(np.float32)
    dbn = DBN(layers=(4, 2), epochs=2, batch_size=10, random_state=1)
    plain = dbn.fit(data)
    weights = [rbm.weights_.copy() for rbm in plain.rbms_]
    cached = DBN(layers=(4, 2), epochs=2, batch_size=10, random_state=1)
    cached.fit(data, layer_cache=CheckpointDirectory(tmp_path))
    for expected, rbm in zip(weights, cached.rbms_, strict=True):
        assert np.array_equal(expected, rbm.weights_)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["layer1.pt", "layer2.pt"]
