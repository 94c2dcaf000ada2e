"""Deep belief networks: greedy training, passes, receptive fields, checkpoints, files."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from deeprg._random import child_seeds
from deeprg.errors import InputError
from deeprg.rbm import DBN, RBM

pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    return (rng.random((300, 16)) < np.linspace(0.2, 0.8, 16)).astype(np.float32)


SETTINGS = {"epochs": 2, "batch_size": 30, "random_state": 4}


def test_greedy_training_feeds_each_layer_the_means_below(data):
    dbn = DBN((8, 4, 3), **SETTINGS).fit(data)
    assert [r.weights_.shape for r in dbn.rbms_] == [(16, 8), (8, 4), (4, 3)]
    assert dbn.n_features_in_ == 16 and len(dbn.history_) == 3
    seeds = child_seeds(4, 6)
    representation = data
    for index, n_hidden in enumerate((8, 4, 3)):
        alone = RBM(n_hidden, epochs=2, batch_size=30, random_state=int(seeds[index])).fit(
            representation
        )
        np.testing.assert_array_equal(alone.weights_, dbn.rbms_[index].weights_)
        representation = alone.transform(representation)
    np.testing.assert_allclose(dbn.transform(data), representation, rtol=1e-6)


def test_transform_reconstruct_and_down_pass_compose_the_layers(data):
    dbn = DBN((8, 4), **SETTINGS).fit(data)
    first, second = dbn.rbms_
    np.testing.assert_allclose(dbn.transform(data, depth=1), first.transform(data))
    up = second.transform(first.transform(data))
    np.testing.assert_allclose(dbn.transform(data), up)
    down = first.inverse_transform(second.inverse_transform(up))
    np.testing.assert_allclose(dbn.reconstruct(data, depth=2), down)
    np.testing.assert_allclose(dbn.reconstruct(data, depth=1), first.reconstruct(data))
    np.testing.assert_allclose(dbn.down_pass(up), down)
    sampled = dbn.down_pass(up, sample=True, seed=0)
    assert set(np.unique(sampled)) <= {0.0, 1.0}
    with pytest.raises(InputError, match="depth"):
        dbn.transform(data, depth=3)


def test_receptive_fields_are_products_of_weights(data):
    dbn = DBN((8, 4, 3), **SETTINGS).fit(data)
    w1, w2, w3 = (r.weights_.astype(np.float64) for r in dbn.rbms_)
    np.testing.assert_allclose(dbn.receptive_fields(1), w1.T)
    fields = dbn.receptive_fields(3, lattice_shape=(4, 4))
    assert fields.shape == (3, 4, 4)
    np.testing.assert_allclose(fields.reshape(3, 16), (w1 @ w2 @ w3).T, rtol=1e-12)
    with pytest.raises(InputError, match="lattice_shape"):
        dbn.receptive_fields(2, lattice_shape=(5, 5))
    with pytest.raises(InputError, match="depth"):
        dbn.receptive_fields(0)


def test_generate_gives_reproducible_unit_states(data):
    dbn = DBN((8, 4), units="spin", **SETTINGS).fit(2 * data - 1)
    first = dbn.generate(10, gibbs_steps=20, seed=1)
    assert first.shape == (10, 16) and set(np.unique(first)) <= {-1.0, 1.0}
    np.testing.assert_array_equal(first, dbn.generate(10, gibbs_steps=20, seed=1))
    with pytest.raises(InputError, match="n_samples"):
        dbn.generate(0)


def _states(n):
    """All 2^n binary states, unit i = bit i of the row number."""
    return ((np.arange(2**n)[:, None] >> np.arange(n)) & 1).astype(np.float64)


def _softplus(x):
    return np.logaddexp(0.0, x)


def _bernoulli(states, means):
    """p(states | means) of independent binary units: array (n_conditions, n_states)."""
    return np.exp(states @ np.log(means).T + (1 - states) @ np.log1p(-means).T).T


def _sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def _code(rows):
    return (np.asarray(rows) @ (1 << np.arange(np.asarray(rows).shape[1]))).astype(np.int64)


def _total_variation(rows, exact):
    counts = np.bincount(_code(rows), minlength=exact.size) / len(rows)
    return 0.5 * np.abs(counts - exact).sum()


@pytest.fixture(scope="module")
def tiny_dbn():
    """A 5-4-3 binary DBN with strong random parameters, and its exact distributions."""
    rng = np.random.default_rng(7)
    sizes = (5, 4, 3)
    rbms = [
        RBM.from_parameters(
            rng.normal(0, 1.5, (n_in, n_out)), rng.normal(0, 1, n_in), rng.normal(0, 1, n_out)
        )
        for n_in, n_out in itertools.pairwise(sizes)
    ]
    (w1, a1, b1), (w2, a2, b2) = ((r.weights_, r.visible_bias_, r.hidden_bias_) for r in rbms)
    v, h1 = _states(5), _states(4)
    # top RBM's marginal on its visible layer h1, then the directed p(v | h1)
    log_top = h1 @ a2 + _softplus(b2 + h1 @ w2).sum(1)
    p_top = np.exp(log_top - log_top.max())
    p_top /= p_top.sum()
    down = _bernoulli(v, _sigmoid(a1 + h1 @ w1.T))  # (16 h1 states, 32 v states)
    p_dbn = p_top @ down
    # the bottom RBM's own marginal p1(v)
    log_bottom = v @ a1 + _softplus(b1 + v @ w1).sum(1)
    p_bottom = np.exp(log_bottom - log_bottom.max())
    p_bottom /= p_bottom.sum()
    return DBN.from_rbms(rbms), {"dbn": p_dbn, "bottom": p_bottom, "down": down, "h1": h1}


def test_generate_samples_the_exact_dbn_distribution(tiny_dbn):
    """Top-RBM equilibrium, then a sampled down-pass: p(v) = Σ_h1 p_top(h1) p(v | h1)."""
    dbn, exact = tiny_dbn
    # the three distributions the options target are far apart for this network
    assert 0.5 * np.abs(exact["dbn"] - exact["bottom"]).sum() > 0.1
    n = 20_000
    for init, data in (("random", None), ("data", _states(5)[[0, 31, 5]])):
        rows = dbn.generate(n, gibbs_steps=100, seed=3, init=init, data=data)
        assert set(np.unique(rows)) <= {0.0, 1.0}
        assert _total_variation(rows, exact["dbn"]) < 0.03, init
        assert _total_variation(rows, exact["bottom"]) > 0.07, init
    # extra bottom-RBM sweeps lead to the bottom RBM's own equilibrium instead
    rows = dbn.generate(n, gibbs_steps=100, seed=3, visible_steps=100)
    assert _total_variation(rows, exact["bottom"]) < 0.03
    assert _total_variation(rows, exact["dbn"]) > 0.07


def test_generate_from_data_without_sweeps_samples_the_aggregated_posterior(tiny_dbn):
    """init="data", gibbs_steps=0: h1 ~ p(h1 | x) for data rows x, then v ~ p(v | h1)."""
    dbn, exact = tiny_dbn
    data = _states(5)[[0, 3, 12, 31]]
    w1, b1 = dbn.rbms_[0].weights_, dbn.rbms_[0].hidden_bias_
    posterior = _bernoulli(exact["h1"], _sigmoid(b1 + data @ w1)).mean(0)  # (16,)
    expected = posterior @ exact["down"]
    rows = dbn.generate(20_000, gibbs_steps=0, seed=5, init="data", data=data)
    assert _total_variation(rows, expected) < 0.03
    assert _total_variation(rows, exact["dbn"]) > 0.07
    # a one-layer network without sweeps returns its starts: the rows, each drawn once
    few = DBN.from_rbms(dbn.rbms_[:1]).generate(4, gibbs_steps=0, seed=1, init="data", data=data)
    np.testing.assert_array_equal(np.sort(_code(few)), np.sort(_code(data)))
    with pytest.raises(InputError, match="needs data"):
        dbn.generate(5, init="data")
    with pytest.raises(InputError, match="init"):
        dbn.generate(5, init="mean")
    with pytest.raises(InputError, match="only with init='data'"):
        dbn.generate(5, data=data)
    with pytest.raises(InputError, match="visible_steps"):
        dbn.generate(5, visible_steps=-1)
    with pytest.raises(InputError, match="4 features"):
        dbn.generate(5, init="data", data=np.zeros((3, 4)))


def test_per_layer_settings_and_sampled_propagation(data):
    dbn = DBN((8, 4), epochs=(3, 1), learning_rate=[0.1, 0.05], batch_size=30, random_state=0).fit(
        data
    )
    assert [len(h["epoch"]) for h in dbn.history_] == [3, 1]
    assert [r.learning_rate for r in dbn.rbms_] == [0.1, 0.05]
    with pytest.raises(InputError, match="2 layers"):
        DBN((8, 4), epochs=(1, 2, 3)).fit(data)
    with pytest.raises(InputError, match="layer 2: learning_rate"):
        DBN((8, 4), learning_rate=(0.1, -1.0)).fit(data)
    with pytest.raises(InputError, match="layers"):
        DBN((8, 0)).fit(data)
    with pytest.raises(InputError, match="propagate"):
        DBN((8,), propagate="max").fit(data)
    sampled = DBN((8, 4), propagate="sample", **SETTINGS).fit(data)
    again = DBN((8, 4), propagate="sample", **SETTINGS).fit(data)
    np.testing.assert_array_equal(sampled.rbms_[1].weights_, again.rbms_[1].weights_)
    means = DBN((8, 4), **SETTINGS).fit(data)
    np.testing.assert_array_equal(sampled.rbms_[0].weights_, means.rbms_[0].weights_)
    assert not np.array_equal(sampled.rbms_[1].weights_, means.rbms_[1].weights_)


def test_checkpoint_dir_reuses_and_resumes_layers(tmp_path, data):
    """2 epochs then 3 epochs with checkpoints == 3 epochs straight, bit for bit.

    Layer 1 resumes from its checkpoint; layer 2's checkpoint was made on layer 1's older
    output, so it is retrained from scratch (the same seed gives the same result).
    """
    straight = DBN((8, 4), epochs=3, batch_size=30, random_state=4).fit(data)
    DBN((8, 4), **SETTINGS).fit(data, checkpoint_dir=tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["layer1.pt", "layer2.pt"]
    resumed = DBN((8, 4), epochs=3, batch_size=30, random_state=4).fit(
        data, checkpoint_dir=tmp_path
    )
    for a, b in zip(resumed.rbms_, straight.rbms_, strict=True):
        np.testing.assert_array_equal(a.weights_, b.weights_)
        np.testing.assert_array_equal(a.hidden_bias_, b.hidden_bias_)
    reused = DBN((8, 4), epochs=3, batch_size=30, random_state=4).fit(data, checkpoint_dir=tmp_path)
    np.testing.assert_array_equal(reused.rbms_[1].weights_, straight.rbms_[1].weights_)
    with pytest.raises(InputError, match="does not exist"):
        DBN((8,)).fit(data, checkpoint_dir=tmp_path / "missing")


def test_from_rbms_and_model_file_round_trip(tmp_path, data):
    from deeprg import io

    dbn = DBN((8, 4), **SETTINGS).fit(data)
    rebuilt = DBN.from_rbms(dbn.rbms_)
    assert rebuilt.layers == (8, 4) and rebuilt.n_features_in_ == 16
    np.testing.assert_array_equal(rebuilt.transform(data), dbn.transform(data))
    path = tmp_path / "model.h5"
    io.save_model(dbn, path, metadata={"note": "test"})
    loaded = io.load_model(path)
    for a, b in zip(loaded.rbms_, dbn.rbms_, strict=True):
        np.testing.assert_array_equal(a.weights_, b.weights_)
        np.testing.assert_array_equal(a.visible_bias_, b.visible_bias_)
        assert a.units == b.units
    np.testing.assert_allclose(loaded.transform(data), dbn.transform(data), rtol=1e-6)
    with pytest.raises(InputError, match="chain"):
        DBN.from_rbms([dbn.rbms_[1], dbn.rbms_[0]])
    with pytest.raises(
        InputError, match="visible units must be the hidden units of the layer below"
    ):
        DBN.from_rbms([dbn.rbms_[0], dbn.rbms_[1].to_units("spin")])
    with pytest.raises(InputError, match="not fitted"):
        DBN.from_rbms([RBM(3)])


def test_check_params_does_not_consume_a_generator_seed(data):
    checked = DBN(layers=(6, 3), **{**SETTINGS, "random_state": np.random.default_rng(9)})
    checked.check_params()
    checked.fit(data)
    plain = DBN(layers=(6, 3), **{**SETTINGS, "random_state": np.random.default_rng(9)}).fit(data)
    np.testing.assert_array_equal(checked.rbms_[0].weights_, plain.rbms_[0].weights_)
