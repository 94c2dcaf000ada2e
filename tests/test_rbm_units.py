"""Binary {0,1} <-> spin {±1} RBM conversion: every probability unchanged, ln Z shifted as documented.

References are brute-force enumerations in numpy of every joint configuration (v, h),
independent of the torch code under test.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from scipy.special import logsumexp

from deeprg.errors import InputError
from deeprg.rbm import RBM, binary_to_spin, convert_parameters, convert_states, spin_to_binary

VALUES = {"binary": (0.0, 1.0), "spin": (-1.0, 1.0)}


pytestmark = pytest.mark.usefixtures("one_torch_thread")


def states(n: int, units: str) -> np.ndarray:
    return np.array(list(itertools.product(VALUES[units], repeat=n)))


def joint_log_prob(w, a, b, units):
    """ln p(v, h) for every (v, h), array (2^n_visible, 2^n_hidden), by direct enumeration."""
    v, h = states(len(a), units), states(len(b), units)
    neg_energy = (v @ a)[:, None] + (h @ b)[None, :] + v @ w @ h.T
    return neg_energy - logsumexp(neg_energy), logsumexp(neg_energy)


@pytest.fixture
def binary_params():
    rng = np.random.default_rng(3)
    return rng.normal(0, 1, (4, 3)), rng.normal(0, 1, 4), rng.normal(0, 1, 3)


def test_binary_to_spin_keeps_every_joint_probability(binary_params):
    w, a, b = binary_params
    ws, as_, bs, shift = binary_to_spin(w, a, b)
    log_p_bin, log_z_bin = joint_log_prob(w, a, b, "binary")
    log_p_spin, log_z_spin = joint_log_prob(ws, as_, bs, "spin")
    # itertools.product orders 0<1 and -1<+1 alike, so row/column k are the same configuration.
    np.testing.assert_allclose(log_p_spin, log_p_bin, atol=1e-12)
    assert log_z_spin - log_z_bin == pytest.approx(shift, abs=1e-12)
    assert shift == pytest.approx(-(a.sum() / 2 + b.sum() / 2 + w.sum() / 4), abs=1e-12)


def test_spin_to_binary_keeps_every_joint_probability(binary_params):
    w, a, b = binary_params  # read as spin parameters
    wb, ab, bb, shift = spin_to_binary(w, a, b)
    log_p_spin, log_z_spin = joint_log_prob(w, a, b, "spin")
    log_p_bin, log_z_bin = joint_log_prob(wb, ab, bb, "binary")
    np.testing.assert_allclose(log_p_bin, log_p_spin, atol=1e-12)
    assert log_z_bin - log_z_spin == pytest.approx(shift, abs=1e-12)


def test_round_trip_recovers_the_parameters(binary_params):
    w, a, b = binary_params
    back = spin_to_binary(*binary_to_spin(w, a, b)[:3])
    for original, converted in zip((w, a, b), back[:3], strict=True):
        np.testing.assert_allclose(converted, original, atol=1e-13)
    assert convert_parameters(w, a, b, "spin", "spin")[3] == 0.0


def test_naive_rescaling_changes_probabilities(binary_params):
    """Negative control: W/4, a/2, b/2 without the row/column-sum terms is not equivalent."""
    w, a, b = binary_params
    log_p_bin, _ = joint_log_prob(w, a, b, "binary")
    log_p_naive, _ = joint_log_prob(w / 4, a / 2, b / 2, "spin")
    assert np.abs(log_p_naive - log_p_bin).max() > 0.1


@pytest.mark.parametrize(("source", "target"), [("binary", "spin"), ("spin", "binary")])
def test_rbm_to_units_keeps_marginals_and_conditionals(binary_params, source, target):
    rbm = RBM.from_parameters(*binary_params, units=source)
    other = rbm.to_units(target)
    assert other.units == target
    v_source = states(4, source)
    v_target = convert_states(v_source, source, target)
    h_target = convert_states(states(3, source), source, target)
    np.testing.assert_allclose(
        other.score_samples(v_target), rbm.score_samples(v_source), atol=1e-11
    )
    np.testing.assert_allclose(
        other.hidden_conditional(v_target), rbm.hidden_conditional(v_source), atol=1e-12
    )
    np.testing.assert_allclose(
        other.visible_conditional(h_target),
        rbm.visible_conditional(states(3, source)),
        atol=1e-12,
    )
    # Free energies shift by the same constant as ln Z.
    shift = other.log_partition() - rbm.log_partition()
    np.testing.assert_allclose(
        other.free_energy(v_target), rbm.free_energy(v_source) - shift, atol=1e-11
    )


def test_convert_states():
    np.testing.assert_array_equal(convert_states(np.array([0, 1]), "binary", "spin"), [-1, 1])
    np.testing.assert_array_equal(convert_states(np.array([-1, 1]), "spin", "binary"), [0, 1])
    with pytest.raises(InputError, match="units"):
        convert_states(np.array([0, 1]), "binary", "ising")
