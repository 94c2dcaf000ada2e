"""The 1D decimation network against brute-force sums over chain configurations.

References are explicit itertools loops over spins with the chain energy written here; the
decimation formula tanh J' = tanh² J is checked, not assumed.
"""

import itertools
import math

import numpy as np
import pytest

from deeprg import InputError, IsingChain
from deeprg.rg import (
    chain_energies,
    chain_rbm,
    chain_sublattice_indices,
    decimation_constant,
    decimation_coupling,
    decimation_couplings,
    decimation_network,
    decimation_transform,
    hidden_hamiltonian,
    joint_energy,
    layer_marginal_hamiltonian,
    max_decimation_steps,
    rg_hamiltonian,
    trace_residual,
    visible_hamiltonian,
)


def loop_chain_energy(spins, coupling):
    n = len(spins)
    return -coupling * sum(spins[i] * spins[(i + 1) % n] for i in range(n))


def configurations(n):
    return list(itertools.product((-1, 1), repeat=n))


def lse(values):
    values = np.asarray(values, dtype=float)
    top = values.max()
    return float(top + np.log(np.sum(np.exp(values - top))))


def brute_sublattice_marginal(n, coupling, stride):
    """-ln Σ_{other sites} e^{-H} for the kept sites 0, stride, 2 stride, ... (brute force)."""
    kept = list(range(0, n, stride))
    weights = {}
    for s in configurations(n):
        key = tuple(s[i] for i in kept)
        weights.setdefault(key, []).append(-loop_chain_energy(s, coupling))
    return np.array([-lse(weights[key]) for key in configurations(len(kept))])


@pytest.mark.parametrize("coupling", [-2.0, -0.3, 0.0, 0.1, 0.7, 1.5, 40.0])
def test_decimation_coupling_satisfies_tanh_relation(coupling):
    j_prime = decimation_coupling(coupling)
    assert math.tanh(j_prime) == pytest.approx(math.tanh(coupling) ** 2, abs=1e-15)
    # Σ_s e^{J s (a+b)} = A e^{J' a b} for a, b = ±1, A = exp(decimation_constant)
    a_const = math.exp(decimation_constant(coupling))
    for a, b in itertools.product((-1, 1), repeat=2):
        direct = sum(math.exp(coupling * s * (a + b)) for s in (-1, 1))
        assert direct == pytest.approx(a_const * math.exp(j_prime * a * b), rel=1e-13)


def test_decimation_coupling_is_stable_for_huge_coupling():
    assert decimation_coupling(500.0) == pytest.approx(500.0 - 0.5 * math.log(2.0), rel=1e-14)


def test_decimation_couplings_flow():
    flow = decimation_couplings(1.2, 6)
    assert flow.shape == (7,) and flow[0] == 1.2
    assert np.all(np.diff(flow) < 0) and flow[-1] < 1e-3  # flows to the J = 0 fixed point
    np.testing.assert_allclose(np.tanh(flow[1:]), np.tanh(flow[:-1]) ** 2, atol=1e-15)
    assert decimation_couplings(-0.5, 1)[1] == pytest.approx(decimation_coupling(0.5))
    assert decimation_couplings(0.3, 0).tolist() == [0.3]
    with pytest.raises(InputError):
        decimation_couplings(0.3, -1)


@pytest.mark.parametrize("n", [1, 2, 3, 6])
def test_chain_energies(n):
    expected = [loop_chain_energy(s, 0.37) for s in configurations(n)]
    np.testing.assert_allclose(chain_energies(n, 0.37), expected, atol=1e-15)
    if n >= 2:
        states = np.array(configurations(n), dtype=np.int8)
        np.testing.assert_allclose(chain_energies(n, 0.37), IsingChain(n, 0.37).energy(states))


@pytest.mark.parametrize("units", ["spin", "binary"])
@pytest.mark.parametrize("n", [2, 4, 8])
def test_chain_is_an_rbm_between_sublattices(units, n):
    """E(v, h) = H_N(s) + (N/2) ln A with v = odd sites, h = even sites."""
    coupling = 0.8
    rbm = chain_rbm(n, coupling, units=units)
    low = -1 if units == "spin" else 0
    offset = n // 2 * math.log(2 * math.sqrt(math.cosh(2 * coupling)))
    for s in configurations(n):
        v = np.array([s[i] if units == "spin" else (s[i] + 1) // 2 for i in range(1, n, 2)])
        h = np.array([s[i] if units == "spin" else (s[i] + 1) // 2 for i in range(0, n, 2)])
        assert set(v.tolist()) <= {low, 1}
        energy = -(rbm.visible_bias_ @ v) - (rbm.hidden_bias_ @ h) - v @ rbm.weights_ @ h
        energy += rbm.energy_offset_
        assert energy == pytest.approx(loop_chain_energy(s, coupling) + offset, abs=1e-12)
    # and via the joint array + sublattice indices
    visible_index, hidden_index = chain_sublattice_indices(n)
    np.testing.assert_allclose(
        joint_energy(rbm)[visible_index, hidden_index],
        [loop_chain_energy(s, coupling) + offset for s in configurations(n)],
        atol=1e-12,
    )


def test_two_spin_chain_has_a_double_bond():
    rbm = chain_rbm(2, 0.4, match_partition_function=False)
    np.testing.assert_allclose(rbm.weights_, [[0.8]])
    # ln Z_2 = ln(4 cosh 2J) = ln A + ln(2 e^{J'}) (the 1-spin chain keeps one self-bond)
    log_z2 = math.log(sum(math.exp(0.8 * a * b) for a, b in configurations(2)))
    assert log_z2 == pytest.approx(
        decimation_constant(0.4) + math.log(2 * math.exp(decimation_coupling(0.4))), abs=1e-14
    )
    np.testing.assert_allclose(chain_energies(1, 0.3), [-0.3, -0.3])


@pytest.mark.parametrize("units", ["spin", "binary"])
@pytest.mark.parametrize("coupling", [-1.1, 0.45, 2.0])
def test_sublattice_marginal_is_the_coarse_chain(units, coupling):
    n = 8
    rbm = chain_rbm(n, coupling, units=units)
    coarse = np.array(
        [loop_chain_energy(s, decimation_coupling(coupling)) for s in configurations(n // 2)]
    )
    np.testing.assert_allclose(hidden_hamiltonian(rbm), coarse, atol=1e-12)
    np.testing.assert_allclose(visible_hamiltonian(rbm), coarse, atol=1e-12)
    brute = brute_sublattice_marginal(n, coupling, 2)
    constant = n // 2 * math.log(2 * math.sqrt(math.cosh(2 * coupling)))
    np.testing.assert_allclose(brute, coarse - constant, atol=1e-12)


def test_wrong_coupling_fails_the_marginal_check():
    n, coupling = 8, 0.9
    brute = brute_sublattice_marginal(n, coupling, 2)
    constant = n // 2 * decimation_constant(coupling)
    for wrong in (decimation_coupling(coupling) + 0.01, coupling**2, coupling):
        coarse = np.array([loop_chain_energy(s, wrong) for s in configurations(n // 2)])
        assert np.max(np.abs(brute - (coarse - constant))) > 5e-3


@pytest.mark.parametrize("coupling", [0.6, -1.3])
def test_layer_marginals_and_free_energy_bookkeeping(coupling):
    n = 8
    network = decimation_network(n, coupling)
    assert network.n_steps == 3 and network.layer_sizes == (8, 4, 2, 1)
    np.testing.assert_allclose(network.couplings, decimation_couplings(coupling, 3))
    log_z = lse([-loop_chain_energy(s, coupling) for s in configurations(n)])
    assert network.log_partition_function(0) == pytest.approx(log_z, abs=1e-12)
    for layer in range(4):
        brute = brute_sublattice_marginal(n, coupling, 2**layer)
        np.testing.assert_allclose(
            layer_marginal_hamiltonian(n, coupling, layer), brute, atol=1e-12
        )
        size = n >> layer
        exact_chain = np.array(
            [loop_chain_energy(s, network.couplings[layer]) for s in configurations(size)]
        )
        accumulated = network.log_constants[:layer].sum()
        np.testing.assert_allclose(brute, exact_chain - accumulated, atol=1e-12)
        # ln Z_N = Σ_{m<n} constants + ln Z_{N_n}(J^(n))
        assert log_z == pytest.approx(accumulated + lse(-exact_chain), abs=1e-12)
        assert network.log_partition_function(layer) == pytest.approx(lse(-exact_chain))
    for layer, rbm in enumerate(network.rbms):  # each RBM's hidden layer is the next chain
        nxt = np.array(
            [loop_chain_energy(s, network.couplings[layer + 1])
             for s in configurations(network.layer_sizes[layer + 1])]
        )  # fmt: skip
        np.testing.assert_allclose(hidden_hamiltonian(rbm), nxt, atol=1e-12)


def test_decimation_transform_is_an_exact_rg_step():
    n, coupling = 6, 0.7
    t = decimation_transform(n)
    assert t.shape == (2**6, 2**3)
    for k, s in enumerate(configurations(n)):
        for m, h in enumerate(configurations(3)):
            keep = all(h[i] == s[2 * i] for i in range(3))
            assert t[k, m] == (0.0 if keep else -np.inf)
    fine = chain_energies(n, coupling)
    assert trace_residual(None, fine, t) == 0.0
    coarse = chain_energies(3, decimation_coupling(coupling)) - 3 * decimation_constant(coupling)
    np.testing.assert_allclose(rg_hamiltonian(None, fine, t), coarse, atol=1e-12)


def test_sublattice_indices_match_itertools():
    visible_index, hidden_index = chain_sublattice_indices(6)
    code = {s: k for k, s in enumerate(configurations(3))}
    for k, s in enumerate(configurations(6)):
        assert visible_index[k] == code[s[1::2]] and hidden_index[k] == code[s[0::2]]


def test_network_limits_and_errors():
    assert max_decimation_steps(12) == 2 and max_decimation_steps(16) == 4
    assert decimation_network(12, 0.5).layer_sizes == (12, 6, 3)
    assert decimation_network(16, 0.5, n_steps=2).n_steps == 2
    with pytest.raises(InputError, match="even"):
        decimation_network(7, 0.5)
    with pytest.raises(InputError, match="at most 2"):
        decimation_network(12, 0.5, n_steps=3)
    with pytest.raises(InputError, match="finite"):
        decimation_network(8, float("nan"))
    with pytest.raises(InputError, match="divisible"):
        layer_marginal_hamiltonian(12, 0.5, 3)
    with pytest.raises(InputError, match="even"):
        chain_rbm(5, 0.5)
