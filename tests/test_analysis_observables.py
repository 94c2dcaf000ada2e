"""Observables of samples against exact enumeration and closed forms."""

from __future__ import annotations

import numpy as np
import pytest

from brute_force import enumerate_square
from deeprg.analysis import OBSERVABLE_NAMES, observables
from deeprg.errors import InputError


def exact_observables(size, coupling):
    """Exact values and per-sample standard deviations of the mean-type observables."""
    states, bonds, prob = enumerate_square(size, coupling)
    n = size * size
    energy = -coupling * bonds
    m = states.reshape(states.shape[0], -1).sum(axis=1) / n

    def mean(x):
        return float(prob @ x)

    values = {
        "energy_per_spin": mean(energy) / n,
        "abs_magnetization": mean(np.abs(m)),
        "magnetization_squared": mean(m**2),
        "susceptibility": n * (mean(m**2) - mean(np.abs(m)) ** 2),
        "heat_capacity": (mean(energy**2) - mean(energy) ** 2) / n,
    }
    spreads = {
        "energy_per_spin": np.sqrt(mean((energy / n) ** 2) - mean(energy / n) ** 2),
        "abs_magnetization": np.sqrt(mean(m**2) - mean(np.abs(m)) ** 2),
        "magnetization_squared": np.sqrt(mean(m**4) - mean(m**2) ** 2),
    }
    return states, prob, values, spreads


@pytest.mark.parametrize(("size", "coupling"), [(3, 0.3), (4, 0.4), (4, 0.6)])
def test_observables_match_enumeration_within_errors(size, coupling):
    states, prob, exact, spreads = exact_observables(size, coupling)
    n_samples = 20_000
    rng = np.random.default_rng(size * 100 + int(coupling * 10))
    spins = states[rng.choice(prob.size, size=n_samples, p=prob)]
    result = observables(spins, coupling)
    assert tuple(result) == OBSERVABLE_NAMES
    for name in OBSERVABLE_NAMES:
        estimate = result[name]
        assert abs(estimate.value - exact[name]) < 4 * estimate.stderr, name
    # the reported errors are the exact spreads over sqrt(n) for independent samples
    for name, spread in spreads.items():
        assert result[name].stderr == pytest.approx(spread / np.sqrt(n_samples), rel=0.05), name


def test_wrong_coupling_fails_the_same_check():
    states, prob, _, _ = exact_observables(4, 0.3)
    spins = states[np.random.default_rng(1).choice(prob.size, size=20_000, p=prob)]
    _, _, wrong, _ = exact_observables(4, 0.4)
    result = observables(spins, 0.4)  # the energy is still measured as H(s) at J = 0.4
    for name in ("energy_per_spin", "abs_magnetization", "susceptibility"):
        assert abs(result[name].value - wrong[name]) > 6 * result[name].stderr, name


def test_chain_energy_matches_closed_form():
    # periodic chain at h = 0: <s_i s_{i+1}> = (t + t^(N-1)) / (1 + t^N), t = tanh J
    n_spins, coupling = 10, 0.8
    codes = np.arange(2**n_spins)
    states = 1 - 2 * ((codes[:, None] >> np.arange(n_spins)) & 1)
    bond_sum = np.sum(states * np.roll(states, -1, axis=1), axis=1)
    prob = np.exp(coupling * bond_sum)
    prob /= prob.sum()
    spins = states[np.random.default_rng(2).choice(prob.size, size=20_000, p=prob)]
    t = np.tanh(coupling)
    exact = -coupling * (t + t ** (n_spins - 1)) / (1 + t**n_spins)
    result = observables(spins.astype(np.int8), coupling)["energy_per_spin"]
    assert abs(result.value - exact) < 4 * result.stderr


def test_field_enters_the_energy():
    spins = np.ones((4, 3, 3), dtype=np.int8)
    spins[1] *= -1
    result = observables(spins, coupling=0.5, field=0.25)
    # all-up: -J (2N) - h N per N; all-down: -J (2N) + h N per N
    expected = np.mean([-1.0 - 0.25, -1.0 - 0.25, -1.0 + 0.25, -1.0 - 0.25])
    assert result["energy_per_spin"].value == pytest.approx(expected)
    assert result["abs_magnetization"].value == pytest.approx(1.0)
    assert result["susceptibility"].value == pytest.approx(0.0, abs=1e-12)


def test_tau_scales_the_errors_by_sqrt_two_tau():
    spins = np.random.default_rng(3).choice(np.array([-1, 1], np.int8), size=(500, 4, 4))
    base = observables(spins, 0.3)
    scaled = observables(spins, 0.3, tau=2.0)
    partial = observables(spins, 0.3, tau={"energy_per_spin": 4.5})
    for name in OBSERVABLE_NAMES:
        assert scaled[name].value == base[name].value
        assert scaled[name].stderr == pytest.approx(2.0 * base[name].stderr)
    assert partial["energy_per_spin"].stderr == pytest.approx(3.0 * base["energy_per_spin"].stderr)
    assert partial["abs_magnetization"].stderr == base["abs_magnetization"].stderr
    assert base["energy_per_spin"].as_dict()["value"] == base["energy_per_spin"].value


@pytest.mark.parametrize(
    ("spins", "kwargs"),
    [
        (np.zeros((5, 3, 3)), {}),  # {0,1} units must be converted first
        (np.ones((5, 3, 4)), {}),
        (np.ones((1, 3, 3)), {}),
        (np.ones((5, 3, 3)), {"tau": 0.2}),
        (np.ones((5, 3, 3)), {"tau": {"energy": 2.0}}),
    ],
)
def test_bad_input_raises_input_error(spins, kwargs):
    with pytest.raises(InputError):
        observables(spins, 0.4, **kwargs)
    with pytest.raises(InputError):
        observables(np.ones((5, 3, 3)), float("nan"))
