"""DBN.fit with a layer cache does what the reproduction's greedy training does, bit for bit.

``_train_with_dbn`` below is the reproduction's training as one ``DBN.fit`` call: layer files
under a settings key (:class:`KeyedLayerFiles`), stale checkpoints removed, the history and
precision kept in each file.
"""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import numpy as np

from deeprg import io
from deeprg.rbm import DBN, RBM
from deeprg.rbm.hyperparameters import rbm_kwargs
from deeprg.rbm.layer_cache import CheckpointDirectory, KeyedLayerFiles


class LayerFileStore:
    """A one-layer model file under a settings key, as the reproduction writes it."""

    def __init__(self, device: str) -> None:
        self.device = device

    def load(self, path: Path, key: str) -> RBM | None:
        return io.load_cached_rbm(path, key, self.device)

    def save(self, value: RBM, path: Path, key: str) -> None:
        io.save_model(
            value,
            path,
            overwrite=True,
            metadata={
                "settings_key": key,
                "history": json.dumps(value.history_, default=float),
                "matmul_dtype_used": value.matmul_dtype_,
                "matmul_reason": value.matmul_reason_,
            },
        )


def _train_with_dbn(settings, samples, out: Path, device: str, progress: bool, log) -> DBN:
    from deeprg.experiments import mehta_schwab
    from deeprg.experiments.settings import TRAINING_SETTINGS

    seed = int(mehta_schwab._stage_seeds(settings)[mehta_schwab._SEED_TRAINING])
    dbn = DBN(
        layers=tuple(int(n) for n in settings.layers),
        **rbm_kwargs(settings),
        random_state=seed,
        device=device,
        verbose=progress,
    )

    def key(index: int) -> str:
        sizes = [int(n) for n in settings.layers[: index + 1]]
        return settings.key(*TRAINING_SETTINGS) + "-" + "x".join(map(str, sizes))

    cache = KeyedLayerFiles(out / "layers", key, LayerFileStore(device))
    data = mehta_schwab._units_data(samples.flat(), settings.units)
    return dbn.fit(data, layer_cache=cache, log=lambda line: log(f"training: {line}"))


def _settings():
    from deeprg.experiments.settings import ReproductionSettings

    return ReproductionSettings(
        size=6, n_samples=80, layers=(9, 4), epochs=3, l1=1e-3, matmul_dtype="float32"
    )


def _without_seconds(history: dict) -> dict:
    return {k: v for k, v in history.items() if k != "seconds"}


def test_dbn_fit_with_the_reproduction_cache_is_train_stage(tmp_path):
    from deeprg.experiments import mehta_schwab

    settings = _settings()
    spins = np.where(np.random.default_rng(3).random((80, 36)) < 0.5, -1, 1).astype(np.int8)
    samples = SimpleNamespace(flat=lambda: spins)
    (tmp_path / "stage").mkdir()
    (tmp_path / "dbn").mkdir()
    stage_lines, dbn_lines = [], []
    trained = mehta_schwab.train_stage(
        settings, samples, tmp_path / "stage", "cpu", False, stage_lines.append
    )
    rbms = getattr(trained, "rbms_", trained)  # a list of RBMs, or a DBN
    dbn = _train_with_dbn(settings, samples, tmp_path / "dbn", "cpu", False, dbn_lines.append)
    assert len(rbms) == len(dbn.rbms_) == 2
    for expected, actual in zip(rbms, dbn.rbms_, strict=True):
        for name in ("weights_", "visible_bias_", "hidden_bias_"):
            assert np.array_equal(getattr(expected, name), getattr(actual, name))
        assert _without_seconds(expected.history_) == _without_seconds(actual.history_)
    assert [line.replace("stage", "dbn") for line in stage_lines] == dbn_lines
    assert dbn.precision() == {
        "layers": [r.matmul_dtype_ for r in rbms],
        "why": [r.matmul_reason_ for r in rbms],
    }

    # A rerun reuses both layer files, as train_stage does.
    again_lines = []
    again = _train_with_dbn(settings, samples, tmp_path / "dbn", "cpu", False, again_lines.append)
    assert again_lines == [
        f"training: reusing layer {i} from {tmp_path / 'dbn' / 'layers' / f'layer{i}.h5'}"
        for i in (1, 2)
    ]
    for expected, actual in zip(rbms, again.rbms_, strict=True):
        assert np.array_equal(expected.weights_, actual.weights_)
    assert not list((tmp_path / "dbn" / "layers").glob("*.ckpt"))


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
