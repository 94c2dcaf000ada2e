"""The RG <-> RBM mapping against brute-force sums written here with itertools.

Nothing below reuses deeprg's enumeration or closed forms for the expected values: every
reference is an explicit loop over (v, h) pairs with E(v, h) = -a·v - b·h - v·W·h + c.
"""

import itertools
from types import SimpleNamespace

import numpy as np
import pytest

from deeprg import InputError
from deeprg.rg import (
    RBMParameters,
    as_rbm_parameters,
    conditional_identity_residual,
    enumerate_states,
    free_energy_change,
    hidden_hamiltonian,
    joint_energy,
    kl_divergence,
    lin_tegmark_energy,
    lin_tegmark_transform,
    log_partition_function,
    log_trace,
    mapping_transform,
    mutual_information,
    rg_hamiltonian,
    trace_residual,
    visible_hamiltonian,
)

UNITS = ["spin", "binary"]


def states(n, units):
    values = (-1, 1) if units == "spin" else (0, 1)
    return [np.array(s, dtype=float) for s in itertools.product(values, repeat=n)]


def brute_energy(params, v, h):
    w, a, b, c = params
    return -(a @ v) - (b @ h) - v @ w @ h + c


def random_params(n_visible, n_hidden, seed, scale=0.7):
    rng = np.random.default_rng(seed)
    return (
        rng.normal(0, scale, (n_visible, n_hidden)),
        rng.normal(0, scale, n_visible),
        rng.normal(0, scale, n_hidden),
        float(rng.normal()),
    )


def make_rbm(params, units):
    w, a, b, c = params
    return RBMParameters(w, a, b, units, c)


def brute_joint(params, units):
    w = params[0]
    vs, hs = states(w.shape[0], units), states(w.shape[1], units)
    return np.array([[brute_energy(params, v, h) for h in hs] for v in vs])


def lse(values, axis=None):
    values = np.asarray(values)
    top = np.max(values, axis=axis, keepdims=True)
    out = top + np.log(np.sum(np.exp(values - top), axis=axis, keepdims=True))
    return np.squeeze(out, axis=axis) if axis is not None else float(out.item())


@pytest.mark.parametrize("units", UNITS)
def test_enumerate_states_is_the_exact_modules(units):
    import deeprg.exact

    assert enumerate_states is deeprg.exact.enumerate_states
    got = enumerate_states(4, units=units)
    np.testing.assert_array_equal(got, np.array(states(4, units)))


@pytest.mark.parametrize("units", UNITS)
@pytest.mark.parametrize("shape", [(5, 3), (3, 6)])
def test_marginal_hamiltonians_and_partition_function(units, shape):
    params = random_params(*shape, seed=11)
    rbm = make_rbm(params, units)
    joint = brute_joint(params, units)
    np.testing.assert_allclose(visible_hamiltonian(rbm), -lse(-joint, axis=1), atol=1e-12)
    np.testing.assert_allclose(hidden_hamiltonian(rbm), -lse(-joint, axis=0), atol=1e-12)
    assert log_partition_function(rbm) == pytest.approx(lse(-joint), abs=1e-12)
    np.testing.assert_allclose(joint_energy(rbm), joint, atol=1e-12)
    # p(h) = e^{-H^RBM(h)} / Z_lambda is normalised
    assert np.exp(-hidden_hamiltonian(rbm) - log_partition_function(rbm)).sum() == pytest.approx(1)


@pytest.mark.parametrize("units", UNITS)
def test_marginals_of_given_states(units):
    params = random_params(4, 3, seed=2)
    rbm = make_rbm(params, units)
    some = np.array(states(4, units))[[3, 9]]
    np.testing.assert_allclose(visible_hamiltonian(rbm, some), visible_hamiltonian(rbm)[[3, 9]])
    with pytest.raises(InputError, match="values"):
        visible_hamiltonian(rbm, np.full((1, 4), 0.5))
    with pytest.raises(InputError, match="shape"):
        hidden_hamiltonian(rbm, np.ones((2, 4)))


@pytest.mark.parametrize("units", UNITS)
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_rg_hamiltonian_equals_rbm_hidden_hamiltonian(units, seed):
    """Paper Eq. 14: with T = -E + H, H^RG(h) = H^RBM(h) for any RBM and any H(v)."""
    params = random_params(6, 4, seed=seed)
    rbm = make_rbm(params, units)
    rng = np.random.default_rng(100 + seed)
    visible_energy = rng.normal(0, 3, 2**6)
    vs, hs = states(6, units), states(4, units)
    brute = []
    for h in hs:
        terms = [
            (-brute_energy(params, v, h) + visible_energy[k]) - visible_energy[k]
            for k, v in enumerate(vs)
        ]
        brute.append(-lse(terms))
    brute = np.array(brute)
    got = rg_hamiltonian(rbm, visible_energy)
    np.testing.assert_allclose(got, brute, atol=1e-10)
    np.testing.assert_allclose(got, hidden_hamiltonian(rbm), atol=1e-10)


@pytest.mark.parametrize("units", UNITS)
def test_transform_factorises_into_conditional(units):
    """Paper Eq. 15: e^T = p(h|v) e^{H(v) - H^RBM(v)}, p(h|v) from brute force."""
    params = random_params(5, 4, seed=5)
    rbm = make_rbm(params, units)
    visible_energy = np.random.default_rng(6).normal(0, 2, 2**5)
    joint = brute_joint(params, units)
    conditional = np.exp(-joint - lse(-joint, axis=1)[:, None])
    marginal = -lse(-joint, axis=1)
    rhs = conditional * np.exp(visible_energy - marginal)[:, None]
    np.testing.assert_allclose(np.exp(mapping_transform(rbm, visible_energy)), rhs, rtol=1e-12)
    assert conditional_identity_residual(rbm, visible_energy) < 1e-12
    # trace: Σ_h e^T = e^{H - H^RBM(v)}
    np.testing.assert_allclose(
        log_trace(rbm, visible_energy), visible_energy - marginal, atol=1e-12
    )


@pytest.mark.parametrize("units", UNITS)
def test_trace_residual_free_energy_and_kl_brute_force(units):
    params = random_params(5, 3, seed=8)
    rbm = make_rbm(params, units)
    visible_energy = np.random.default_rng(9).normal(0, 2, 2**5)
    joint = brute_joint(params, units)
    t = -joint + visible_energy[:, None]
    assert trace_residual(rbm, visible_energy) == pytest.approx(
        np.max(np.abs(lse(t, axis=1))), abs=1e-12
    )
    log_z, log_z_model = lse(-visible_energy), lse(-joint)
    assert free_energy_change(rbm, visible_energy) == pytest.approx(log_z - log_z_model, abs=1e-12)
    p = np.exp(-visible_energy - log_z)
    q = np.exp(lse(-joint, axis=1) - log_z_model)
    assert kl_divergence(rbm, visible_energy) == pytest.approx(np.sum(p * np.log(p / q)), abs=1e-12)


def test_free_energy_change_zero_does_not_imply_trace_condition():
    """The paper's "iff" holds only one way: shift Z_lambda to Z without matching P."""
    params = random_params(4, 3, seed=21)
    w, a, b, _ = params
    visible_energy = np.random.default_rng(22).normal(0, 2, 2**4)
    rbm = RBMParameters(w, a, b, "spin")
    shift = free_energy_change(rbm, visible_energy)  # ln Z - ln Z_lambda
    matched = RBMParameters(w, a, b, "spin", energy_offset=-shift)
    assert abs(free_energy_change(matched, visible_energy)) < 1e-12
    assert trace_residual(matched, visible_energy) > 0.1  # not an exact RG step
    assert kl_divergence(matched, visible_energy) > 0.01


@pytest.mark.parametrize("units", UNITS)
def test_general_transform_array_and_callable(units):
    rng = np.random.default_rng(3)
    params = random_params(4, 3, seed=3)
    rbm = make_rbm(params, units)
    visible_energy = rng.normal(0, 1, 2**4)
    vs, hs = states(4, units), states(3, units)
    kernel = rng.normal(size=(3, 4))

    def transform(v, h):
        return np.tanh(v @ kernel.T @ h.T)

    t = np.array([[np.tanh(v @ kernel.T @ h) for h in hs] for v in vs])
    brute = np.array(
        [-lse([t[i, j] - visible_energy[i] for i in range(len(vs))]) for j in range(len(hs))]
    )
    np.testing.assert_allclose(rg_hamiltonian(rbm, visible_energy, transform), brute, atol=1e-12)
    np.testing.assert_allclose(rg_hamiltonian(None, visible_energy, t), brute, atol=1e-12)
    assert trace_residual(None, visible_energy, t) == pytest.approx(
        np.max(np.abs(lse(t, axis=1))), abs=1e-12
    )


def test_mutual_information_against_closed_forms():
    rng = np.random.default_rng(4)
    visible_energy = rng.normal(0, 1.5, 2**3)
    p = np.exp(-visible_energy - lse(-visible_energy))
    copy = np.where(np.eye(8, dtype=bool), 0.0, -np.inf)  # h = v exactly
    entropy = -np.sum(p * np.log(p))
    assert mutual_information(None, visible_energy, copy) == pytest.approx(entropy, abs=1e-12)
    assert mutual_information(None, visible_energy, copy, "joint") == pytest.approx(entropy)
    noise = np.tile(rng.normal(size=4), (8, 1))  # T independent of v
    assert abs(mutual_information(None, visible_energy, noise)) < 1e-12
    # a generic kernel: brute force with the conditional normalisation
    t = rng.normal(size=(8, 4))
    q = p[:, None] * np.exp(t) / np.exp(t).sum(axis=1, keepdims=True)
    qv, qh = q.sum(axis=1), q.sum(axis=0)
    expected = np.sum(q * np.log(q / np.outer(qv, qh)))
    assert mutual_information(None, visible_energy, t) == pytest.approx(expected, abs=1e-12)
    # the joint normalisation differs when the trace condition fails
    assert abs(mutual_information(None, visible_energy, t, "joint") - expected) > 1e-4
    with pytest.raises(InputError, match="normalization"):
        mutual_information(None, visible_energy, t, "other")


def test_lin_tegmark_counterexample():
    """E = H(v) + H'(h) + ln Z': exact trace condition, yet I(v; h) = 0."""
    rng = np.random.default_rng(12)
    visible_energy = rng.normal(0, 2, 2**5)
    hidden_energy = rng.normal(0, 2, 2**3)
    energy = lin_tegmark_energy(visible_energy, hidden_energy)
    log_z_prime = lse(-hidden_energy)
    # E couples v to v through H(v); E - H(v) = H'(h) + ln Z' does not depend on v
    expected_energy = visible_energy[:, None] + hidden_energy[None, :] + log_z_prime
    np.testing.assert_allclose(energy, expected_energy, atol=1e-12)
    t = lin_tegmark_transform(visible_energy, hidden_energy)
    np.testing.assert_allclose(t, np.tile(-hidden_energy - log_z_prime, (32, 1)), atol=1e-12)
    assert trace_residual(None, visible_energy, t) < 1e-12
    assert abs(mutual_information(None, visible_energy, t)) < 1e-12
    assert abs(mutual_information(None, visible_energy, t, "joint")) < 1e-12
    expected = hidden_energy + log_z_prime - lse(-visible_energy)
    np.testing.assert_allclose(rg_hamiltonian(None, visible_energy, t), expected, atol=1e-12)
    # negative control: a real RBM mapping carries information
    rbm = make_rbm(random_params(5, 3, seed=13, scale=1.5), "spin")
    assert mutual_information(rbm, visible_energy) > 1e-2


@pytest.mark.parametrize("source", UNITS)
def test_unit_conversion_preserves_every_energy(source):
    params = random_params(4, 3, seed=31)
    rbm = make_rbm(params, source)
    target = "binary" if source == "spin" else "spin"
    other = rbm.to_units(target)
    assert other.units == target
    back = other.to_units(source)
    np.testing.assert_allclose(back.weights_, rbm.weights_, atol=1e-14)
    assert back.energy_offset_ == pytest.approx(rbm.energy_offset_)
    w2 = (other.weights_, other.visible_bias_, other.hidden_bias_, other.energy_offset_)
    for v_s, v_t in zip(states(4, source), states(4, target), strict=True):
        for h_s, h_t in zip(states(3, source), states(3, target), strict=True):
            assert brute_energy(w2, v_t, h_t) == pytest.approx(brute_energy(params, v_s, h_s))


def test_duck_typed_rbm_and_errors():
    params = random_params(3, 2, seed=1)
    duck = SimpleNamespace(
        weights_=params[0], visible_bias_=params[1], hidden_bias_=params[2], units="binary"
    )
    converted = as_rbm_parameters(duck)
    assert converted.energy_offset_ == 0.0 and converted.units == "binary"
    np.testing.assert_allclose(visible_hamiltonian(duck), visible_hamiltonian(converted))
    with pytest.raises(InputError, match="lacks weights_"):
        as_rbm_parameters(SimpleNamespace(units="spin"))
    with pytest.raises(InputError, match="units"):
        RBMParameters(np.ones((2, 2)), np.zeros(2), np.zeros(2), "ising")
    with pytest.raises(InputError, match="finite"):
        RBMParameters(np.full((2, 2), np.nan), np.zeros(2), np.zeros(2))
    with pytest.raises(InputError, match="visible_bias"):
        RBMParameters(np.ones((2, 2)), np.zeros(3), np.zeros(2))
    rbm = make_rbm(params, "spin")
    with pytest.raises(InputError, match="2\\*\\*3"):
        rg_hamiltonian(rbm, np.zeros(4))
    with pytest.raises(InputError, match="finite"):
        rg_hamiltonian(rbm, np.full(8, np.inf))
    with pytest.raises(InputError, match="NaN"):
        rg_hamiltonian(None, np.zeros(8), np.full((8, 4), np.nan))
    with pytest.raises(InputError, match="shape"):
        rg_hamiltonian(None, np.zeros(8), np.zeros((4, 4)))
    with pytest.raises(InputError, match="needs the RBM"):
        rg_hamiltonian(None, np.zeros(8), lambda v, h: np.zeros((8, 4)))
    with pytest.raises(InputError, match="must return"):
        rg_hamiltonian(rbm, np.zeros(8), lambda v, h: np.zeros((3, 3)))
    with pytest.raises(InputError, match="pass an RBM"):
        trace_residual(None, np.zeros(8))
    big = RBMParameters(np.zeros((21, 1)), np.zeros(21), np.zeros(1))
    with pytest.raises(InputError, match="at most 20"):
        visible_hamiltonian(big)


@pytest.mark.parametrize("units", UNITS)
def test_against_deeprg_rbm_engine(units):
    """Cross-check the torch RBM engine (free energies, ln Z, scores) with the numpy code here."""
    from deeprg.rbm import RBM

    w, a, b, _ = random_params(5, 4, seed=41)
    model = RBM.from_parameters(w, a, b, units=units)
    rbm = make_rbm((w, a, b, 0.0), units)
    v = np.array(states(5, units))
    h = np.array(states(4, units))
    np.testing.assert_allclose(model.free_energy(v), visible_hamiltonian(rbm), atol=1e-12)
    np.testing.assert_allclose(model.hidden_free_energy(h), hidden_hamiltonian(rbm), atol=1e-12)
    np.testing.assert_allclose(visible_hamiltonian(model), visible_hamiltonian(rbm), atol=1e-15)
    assert model.log_partition("exact") == pytest.approx(log_partition_function(rbm), abs=1e-12)
    scores = model.score_samples(v)
    np.testing.assert_allclose(
        scores, -visible_hamiltonian(rbm) - log_partition_function(rbm), atol=1e-12
    )
    other = "binary" if units == "spin" else "spin"
    converted = model.to_units(other)  # probabilities unchanged (constants dropped)
    mine = rbm.to_units(other)
    np.testing.assert_allclose(converted.weights_, mine.weights_, atol=1e-12)
    np.testing.assert_allclose(
        converted.score_samples(np.array(states(5, other))), scores, atol=1e-12
    )
