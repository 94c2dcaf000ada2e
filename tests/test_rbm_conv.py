"""ConvRBM: the periodic convolutional RBM against its dense equivalent (to_dense)."""

import numpy as np
import pytest
import torch
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline

from deeprg import InputError
from deeprg.rbm._validation import training_config
from deeprg.rbm.conv import ConvRBM
from deeprg.rbm.conv_geometry import conv_exact_log_partition
from deeprg.rbm.training import Trainer

pytestmark = pytest.mark.usefixtures("one_torch_thread")

# (lattice_shape, kernel_size, stride, n_channels)
GEOMETRIES = [
    ((4, 4), 2, 2, 1),
    ((4, 4), 3, 2, 2),
    ((6, 6), 4, 2, 2),
    ((6, 6), 5, 3, 1),
    ((4, 6), 3, 2, 2),
    ((4, 4), 4, 2, 1),
]


def random_model(shape, k, b, c, units, seed=0, **hyper):
    rng = np.random.default_rng(seed)
    return ConvRBM.from_parameters(
        rng.normal(size=(c, k, k)),
        rng.normal(),
        rng.normal(size=c),
        lattice_shape=shape,
        stride=b,
        units=units,
        **hyper,
    )


def random_states(n, n_units, units, seed=1):
    x = np.random.default_rng(seed).integers(0, 2, size=(n, n_units)).astype(np.float64)
    return x if units == "binary" else 2 * x - 1


def tie(model, dense):
    """Sum a dense (n_visible, n_hidden) array over the positions of each kernel weight.

    Uses to_dense of one-hot kernels as masks, independent of the index code in conv.py.
    """
    c, k, _ = model.weights_.shape
    out = np.zeros((c, k, k))
    for index in np.ndindex(c, k, k):
        onehot = np.zeros((c, k, k))
        onehot[index] = 1.0
        mask = ConvRBM.from_parameters(
            onehot, 0.0, np.zeros(c), lattice_shape=model.lattice_shape_, stride=model.stride
        ).to_dense()
        out[index] = (mask.weights_ * dense).sum()
    return out


@pytest.mark.parametrize(("k", "b", "offset"), [(2, 2, 0), (3, 2, 0), (4, 2, -1), (5, 2, -1)])
def test_kernel_placement_convention(k, b, offset):
    """Hidden unit (c, i, j) sees sites (b·i + o + p, b·j + o + q) mod L, o = -((k-b)//2)."""
    ly, lx, c = 6, 8, 2
    model = random_model((ly, lx), k, b, c, "binary")
    my, mx = ly // b, lx // b
    expected = np.zeros((ly * lx, c * my * mx))
    for ch, i, j, p, q in np.ndindex(c, my, mx, k, k):
        row = ((b * i + offset + p) % ly) * lx + (b * j + offset + q) % lx
        expected[row, (ch * my + i) * mx + j] += model.weights_[ch, p, q]
    dense = model.to_dense()
    np.testing.assert_array_equal(dense.weights_, expected)
    np.testing.assert_array_equal(dense.visible_bias_, np.full(ly * lx, model.visible_bias_))
    np.testing.assert_array_equal(dense.hidden_bias_, np.repeat(model.hidden_bias_, my * mx))
    # The conv path uses the same convention: hidden inputs of one-site configurations.
    eye = np.eye(ly * lx)
    binary_inputs = model.transform(eye)
    np.testing.assert_allclose(
        binary_inputs, 1 / (1 + np.exp(-(expected + dense.hidden_bias_))), atol=1e-12
    )


@pytest.mark.parametrize("units", ["binary", "spin"])
@pytest.mark.parametrize(("shape", "k", "b", "c"), GEOMETRIES)
def test_conditionals_and_energies_match_dense(units, shape, k, b, c):
    model = random_model(shape, k, b, c, units)
    dense = model.to_dense()
    n_visible, n_hidden = dense.weights_.shape
    assert model.n_features_in_ == n_visible == shape[0] * shape[1]
    v = random_states(9, n_visible, units, seed=2)
    h = random_states(9, n_hidden, units, seed=3)
    pairs = [
        (model.transform(v), dense.transform(v)),
        (model.inverse_transform(h), dense.inverse_transform(h)),
        (model.reconstruct(v), dense.reconstruct(v)),
        (model.hidden_conditional(v), dense.hidden_conditional(v)),
        (model.visible_conditional(h), dense.visible_conditional(h)),
        (model.energy(v, h), dense.energy(v, h)),
        (model.free_energy(v), dense.free_energy(v)),
        (model.hidden_free_energy(h), dense.hidden_free_energy(h)),
        (model.pseudo_likelihood(v, seed=4), dense.pseudo_likelihood(v, seed=4)),
    ]
    for ours, theirs in pairs:
        assert ours.shape == theirs.shape
        np.testing.assert_allclose(ours, theirs, rtol=0, atol=1e-10)
    # Torch tensors in, tensors out; batch dimensions kept.
    vt = torch.as_tensor(v.reshape(3, 3, n_visible))
    out = model.free_energy(vt)
    assert isinstance(out, torch.Tensor) and out.shape == (3, 3)
    np.testing.assert_allclose(out.numpy().ravel(), dense.free_energy(v), atol=1e-10)


@pytest.mark.parametrize("units", ["binary", "spin"])
@pytest.mark.parametrize(("k", "c"), [(2, 1), (3, 1), (3, 2)])
def test_exact_log_partition_4x4(units, k, c):
    """Enumerating all 2^16 visible (or all hidden) states with conv ops gives the dense ln Z."""
    model = random_model((4, 4), k, 2, c, units, seed=5)
    dense = model.to_dense()
    reference = dense.log_partition("exact")
    geometry = model._geometry()
    params = model._parameters()
    by_visible = conv_exact_log_partition(geometry, params, units, layer="visible")
    by_hidden = conv_exact_log_partition(geometry, params, units, layer="hidden")
    assert abs(by_visible - reference) < 1e-9
    assert abs(by_hidden - reference) < 1e-9
    assert model.log_partition("exact") == pytest.approx(reference, abs=1e-9)
    v = random_states(6, 16, units, seed=6)
    np.testing.assert_allclose(model.score_samples(v), dense.score_samples(v), atol=1e-9)
    # A normalised distribution: the probabilities of all 2^16 states sum to 1.
    states = 2 * ((np.arange(2**16)[:, None] >> np.arange(16)) & 1).astype(float) - 1
    if units == "binary":
        states = (states + 1) / 2
    assert np.exp(model.score_samples(states)).sum() == pytest.approx(1.0, abs=1e-9)


@pytest.mark.parametrize(
    ("persistent", "cd_k", "reconstruction", "l1", "l2", "units"),
    [
        (False, 1, "mean", 0.0, 0.0, "binary"),
        (False, 2, "sample", 1e-2, 0.0, "spin"),
        (True, 1, "mean", 0.0, 1e-2, "spin"),
        (True, 3, "mean", 1e-2, 1e-2, "binary"),
    ],
)
def test_cd_step_is_the_dense_step_tied(persistent, cd_k, reconstruction, l1, l2, units):
    """One mini-batch update = the dense Trainer's update summed over positions.

    The random numbers are drawn in the same order and shapes, so the Gibbs chains agree
    exactly and the updates must agree to rounding.
    """
    hyper = {
        "cd_k": cd_k,
        "persistent": persistent,
        "reconstruction": reconstruction,
        "l1": l1,
        "l2": l2,
        "batch_size": 8,
        "dtype": "float64",
    }
    model = random_model((6, 6), 4, 2, 2, units, seed=7, **hyper)
    model.weights_ *= 0.3
    dense = model.to_dense()
    data = torch.as_tensor(random_states(20, 36, units, seed=8))
    batch = torch.arange(3, 11)

    from deeprg.rbm.conv_training import ConvTrainer

    def generator():
        g = torch.Generator()
        g.manual_seed(11)
        return g

    params = [torch.as_tensor(np.asarray(p)) for p in model._parameters()]
    conv = ConvTrainer(model._check_params(), model._geometry(), data, *params, generator())
    dense_params = [
        torch.as_tensor(p) for p in (dense.weights_, dense.visible_bias_, dense.hidden_bias_)
    ]
    flat = Trainer(training_config(dense), data, *dense_params, generator=generator())
    if persistent:
        np.testing.assert_array_equal(conv.chains.reshape(8, -1).numpy(), flat.chains.numpy())
    conv.step(batch, learning_rate=0.05, momentum=0.5)
    flat.step(batch, learning_rate=0.05, momentum=0.5)

    delta_w = flat.weights.numpy() - dense.weights_
    delta_k = conv.kernels.numpy() - model.weights_
    assert np.abs(delta_k).max() > 1e-3  # the step did something
    np.testing.assert_allclose(delta_k, tie(model, delta_w), rtol=0, atol=1e-10)
    delta_a = flat.visible_bias.numpy() - dense.visible_bias_
    assert float(conv.visible_bias) - model.visible_bias_ == pytest.approx(delta_a.sum(), abs=1e-10)
    delta_b = (flat.hidden_bias.numpy() - dense.hidden_bias_).reshape(2, -1).sum(axis=1)
    np.testing.assert_allclose(conv.hidden_bias.numpy() - model.hidden_bias_, delta_b, atol=1e-10)
    if persistent:
        np.testing.assert_array_equal(conv.chains.reshape(8, -1).numpy(), flat.chains.numpy())


def test_fit_raises_exact_log_likelihood_on_4x4_ising(ising):
    spins = ising(4, 0.4, 500, 1).reshape(500, 16).astype(np.float64)
    model = ConvRBM(
        n_channels=2,
        kernel_size=3,
        stride=2,
        lattice_shape=(4, 4),
        units="spin",
        learning_rate=0.01,
        batch_size=50,
        epochs=15,
        random_state=3,
    )
    assert model.fit(spins) is model
    baseline = ConvRBM.from_parameters(
        np.zeros((2, 3, 3)),
        np.arctanh(spins.mean()),
        np.zeros(2),
        lattice_shape=4,
        stride=2,
        units="spin",
    )
    trained, independent = model.score(spins), baseline.score(spins)
    assert trained > independent + 1.0, (trained, independent)
    history = model.history_
    assert len(history["epoch"]) == 15
    assert history["log_likelihood"][-1] > history["log_likelihood"][0]
    assert history["log_likelihood"][-1] == pytest.approx(trained, abs=1e-6)
    # Same seed, same model.
    again = clone(model).fit(spins)
    np.testing.assert_array_equal(again.weights_, model.weights_)


def test_fit_lowers_reconstruction_error_on_8x8_ising(ising):
    spins = ising(8, 0.4, 500, 1).reshape(500, 64)
    model = ConvRBM(
        n_channels=2,
        kernel_size=4,
        stride=2,
        lattice_shape=(8, 8),
        units="spin",
        learning_rate=0.005,
        batch_size=50,
        epochs=8,
        l1=1e-4,
        random_state=1,
    ).fit(spins)
    errors = model.history_["reconstruction_error"]
    assert errors[-1] < 0.6 * errors[0], errors
    features = model.transform(spins[:5])
    assert features.shape == (5, 2 * 4 * 4)
    np.testing.assert_allclose(features, model.to_dense().transform(spins[:5]), atol=1e-6)


@pytest.mark.parametrize(
    ("kwargs", "X", "match"),
    [
        ({"stride": 3, "kernel_size": 3, "lattice_shape": (4, 4)}, None, "divisible by stride"),
        ({"stride": 2, "kernel_size": 1, "lattice_shape": (4, 4)}, None, "must be >= stride"),
        ({"stride": 2, "kernel_size": 6, "lattice_shape": (4, 4)}, None, "lattice sides"),
        ({"n_channels": 0, "lattice_shape": (4, 4)}, None, "n_channels"),
        ({"lattice_shape": (4, 4)}, np.ones((3, 15)), "needs 16"),
        ({}, np.ones((3, 15)), "not a square"),
        ({"lattice_shape": (4, 4), "units": "spin"}, np.ones((3, 16)) * 2, "outside"),
        ({"lattice_shape": (4, 4), "units": "binary"}, -np.ones((3, 16)), "outside"),
        ({"lattice_shape": (4, 4), "units": "spin"}, np.eye(4).reshape(1, 16), "holds {0, 1}"),
        ({"lattice_shape": (4, 4), "learning_rate": -1.0}, None, "learning_rate"),
        ({"lattice_shape": (4, 4), "units": "ising"}, None, "units"),
    ],
)
def test_bad_inputs_raise_one_line_input_error(kwargs, X, match):
    if X is None:
        X = np.ones((3, 16))
    with pytest.raises(InputError, match=match) as info:
        ConvRBM(epochs=1, **kwargs).fit(X)
    assert "\n" not in str(info.value)


def test_bad_inputs_after_fit():
    model = random_model((4, 4), 2, 2, 1, "binary")
    for call in (
        lambda: model.transform(np.ones((2, 15))),
        lambda: model.free_energy(np.ones(15)),
        lambda: model.inverse_transform(np.ones((2, 5))),
        lambda: model.energy(np.ones((2, 16)), np.ones((3, 4))),
        lambda: model.transform(np.full((2, 16), 2.0)),
    ):
        with pytest.raises(InputError) as info:
            call()
        assert "\n" not in str(info.value)
    with pytest.raises(InputError, match="weights must have shape"):
        ConvRBM.from_parameters(np.ones((2, 3)), 0.0, np.zeros(1), lattice_shape=4, stride=2)


def test_sklearn_contract():
    model = ConvRBM(n_channels=2, kernel_size=3, lattice_shape=(4, 4), epochs=2, random_state=0)
    params = model.get_params()
    assert params["kernel_size"] == 3 and params["random_state"] == 0
    assert model.set_params(stride=2, n_channels=1) is model and model.n_channels == 1
    with pytest.raises(NotFittedError):
        model.transform(np.ones((1, 16)))
    rng = np.random.default_rng(0)
    X = rng.integers(0, 2, size=(40, 16)).astype(np.float64)
    y = (X[:, :8].sum(axis=1) > 4).astype(int)
    pipe = Pipeline([("conv", clone(model)), ("clf", LogisticRegression())]).fit(X, y)
    assert pipe.predict(X).shape == (40,)
    fitted = pipe.named_steps["conv"]
    assert fitted.n_features_in_ == 16 and fitted.lattice_shape_ == (4, 4)
    assert fitted.hidden_shape_ == (1, 2, 2)
    assert list(fitted.get_feature_names_out()) == [f"convrbm{i}" for i in range(4)]
    # Float32 input gives float32 features; lattice inferred from a square width.
    inferred = ConvRBM(epochs=1, random_state=0).fit(X.astype(np.float32))
    assert inferred.lattice_shape_ == (4, 4)
    assert inferred.transform(X.astype(np.float32)).dtype == np.float32
    # Sampling and Gibbs return states of the right shapes.
    v, h = inferred.gibbs(X[:3], n_steps=2, generator=1, return_hidden=True)
    assert v.shape == (3, 16) and h.shape == (3, 4)
    assert set(np.unique(v)) <= {0.0, 1.0} and set(np.unique(h)) <= {0.0, 1.0}


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_cuda_matches_cpu():
    cpu = random_model((8, 8), 4, 2, 3, "spin")
    gpu = clone(cpu).set_params(device="cuda")
    for name in ("weights_", "visible_bias_", "hidden_bias_", "lattice_shape_", "hidden_shape_"):
        setattr(gpu, name, getattr(cpu, name))
    gpu.n_features_in_ = cpu.n_features_in_
    v = random_states(5, 64, "spin")
    np.testing.assert_allclose(gpu.transform(v), cpu.transform(v), atol=1e-12)
    np.testing.assert_allclose(gpu.free_energy(v), cpu.free_energy(v), atol=1e-10)
    spins = random_states(200, 64, "spin", seed=4)
    fitted = ConvRBM(kernel_size=3, lattice_shape=8, units="spin", epochs=2, device="cuda").fit(
        spins
    )
    assert np.isfinite(fitted.weights_).all()
