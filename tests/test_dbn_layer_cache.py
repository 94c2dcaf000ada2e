"""DBN.fit with a layer cache does what the reproduction's greedy training does, bit for bit.

``ReproductionLayers`` below is the layer cache of ``deeprg reproduce``: layer files under a
settings key, stale checkpoints removed, the history and precision kept in each file.
"""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import numpy as np

from deeprg import io
from deeprg.rbm import DBN, RBM
from deeprg.rbm.hyperparameters import rbm_kwargs
from deeprg.rbm.layer_cache import CheckpointDirectory, LayerCache


class ReproductionLayers(LayerCache):
    """Finished layers in ``layer{i}.h5`` under a settings key; checkpoints beside them."""

    def __init__(self, directory: Path, settings, training_settings: tuple, device: str) -> None:
        self.directory = directory
        self.directory.mkdir(exist_ok=True)
        self.settings, self.training_settings, self.device = settings, training_settings, device

    def key(self, index: int) -> str:
        sizes = [int(n) for n in self.settings.layers[: index + 1]]
        return self.settings.key(*self.training_settings) + "-" + "x".join(map(str, sizes))

    def path(self, index: int) -> Path:
        return self.directory / f"layer{index + 1}.h5"

    def _checkpoint_path(self, index: int) -> Path:
        return self.directory / f"layer{index + 1}-{self.key(index)}.ckpt"

    def load(self, index: int, rbm: RBM) -> RBM | None:
        return io.load_cached_rbm(self.path(index), self.key(index), self.device)

    def describe(self, index: int) -> str:
        return str(self.path(index))

    def checkpoint(self, index: int) -> Path:
        keep = self._checkpoint_path(index)
        for stale in self.directory.glob(f"layer{index + 1}-*.ckpt"):
            if stale.name != keep.name:
                stale.unlink()
        return keep

    def store(self, index: int, rbm: RBM) -> None:
        io.save_model(
            rbm,
            self.path(index),
            overwrite=True,
            metadata={
                "settings_key": self.key(index),
                "history": json.dumps(rbm.history_, default=float),
                "matmul_dtype_used": rbm.matmul_dtype_,
                "matmul_reason": rbm.matmul_reason_,
            },
        )
        self._checkpoint_path(index).unlink(missing_ok=True)


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
    cache = ReproductionLayers(out / "layers", settings, TRAINING_SETTINGS, device)
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
    rbms = mehta_schwab.train_stage(
        settings, samples, tmp_path / "stage", "cpu", False, stage_lines.append
    )
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
