"""DBN.partial_fit: one pass per call, state carried over, reproducible for fixed chunks."""

from __future__ import annotations

import numpy as np
import pytest

from deeprg import DBN, RBM


def _rows(n=600, p=12, seed=0):
    rng = np.random.default_rng(seed)
    prototypes = (rng.random((3, p)) < 0.5).astype(np.float64)
    noise = rng.random((n, p)) < 0.1
    return np.abs(prototypes[rng.integers(0, 3, n)] - noise).astype(np.float32)


def _chunks(data, size):
    return [data[i : i + size] for i in range(0, len(data), size)]


def test_a_one_layer_dbn_streams_exactly_like_its_rbm():
    data = _rows()
    dbn = DBN(layers=(5,), batch_size=20, random_state=3)
    for chunk in _chunks(data, 150):
        dbn.partial_fit(chunk)
    rbm = RBM(5, batch_size=20, random_state=dbn._seeds(1)[0])
    for chunk in _chunks(data, 150):
        rbm.partial_fit(chunk)
    np.testing.assert_array_equal(dbn.rbms_[0].weights_, rbm.weights_)
    assert len(dbn.history_[0]["epoch"]) == 4


@pytest.mark.parametrize("propagate", ["mean", "sample"])
def test_same_seed_and_chunks_give_the_same_network(propagate):
    data = _rows(seed=1)

    def streamed(size, seed=0):
        dbn = DBN(layers=(6, 3), batch_size=20, propagate=propagate, random_state=seed)
        for chunk in _chunks(data, size):
            dbn.partial_fit(chunk)
        return dbn

    a, b = streamed(100), streamed(100)
    for ra, rb in zip(a.rbms_, b.rbms_, strict=True):
        np.testing.assert_array_equal(ra.weights_, rb.weights_)
    # Negative control: another seed gives another network.
    assert not np.array_equal(streamed(100, seed=1).rbms_[1].weights_, a.rbms_[1].weights_)


def test_state_is_carried_over_between_chunks():
    """After a stream of chunks the model reconstructs held-out rows better than one that saw
    only the last chunk (the same number of updates in that chunk, no memory)."""
    data, held_out = _rows(n=1200, seed=2), _rows(n=300, seed=2)[::-1]
    streamed = DBN(layers=(6, 3), batch_size=20, learning_rate=0.05, random_state=0)
    for _ in range(3):
        for chunk in _chunks(data, 200):
            streamed.partial_fit(chunk)
    fresh = DBN(layers=(6, 3), batch_size=20, learning_rate=0.05, random_state=0)
    fresh.partial_fit(data[-200:])

    def error(model):
        return float(np.mean((model.reconstruct(held_out) - held_out) ** 2))

    assert error(streamed) < 0.8 * error(fresh)
    assert streamed.n_features_in_ == 12 and len(streamed.history_[1]["epoch"]) == 18


def test_reversed_and_read_only_views_are_accepted():
    data = _rows(n=100, seed=4)
    dbn = DBN(layers=(4,), epochs=1, batch_size=20, random_state=0).fit(data)
    reversed_view = data[::-1]
    read_only = data.copy()
    read_only.flags.writeable = False
    np.testing.assert_array_equal(dbn.transform(reversed_view), dbn.transform(data)[::-1])
    np.testing.assert_array_equal(dbn.transform(read_only), dbn.transform(data))
