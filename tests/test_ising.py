"""Ising Hamiltonians (deeprg.ising) against an explicit site-by-site loop, and the deprecated
deeprg.models alias."""

import itertools

import numpy as np
import pytest

from deeprg import J_CRITICAL, InputError, IsingChain, IsingSquare


def loop_energy_square(spins, coupling, field):
    size = spins.shape[0]
    total = 0.0
    for i, j in itertools.product(range(size), repeat=2):
        s = spins[i, j]
        total -= coupling * s * (spins[(i + 1) % size, j] + spins[i, (j + 1) % size])
        total -= field * s
    return total


def loop_energy_chain(spins, coupling, field):
    n = spins.shape[0]
    return -sum(coupling * spins[i] * spins[(i + 1) % n] + field * spins[i] for i in range(n))


@pytest.mark.parametrize("size", [2, 3, 5])
def test_square_energy_matches_loop(size):
    rng = np.random.default_rng(1)
    model = IsingSquare(size, 0.37, field=-0.2)
    spins = rng.choice([-1, 1], size=(7, size, size)).astype(np.int8)
    expected = [loop_energy_square(s, 0.37, -0.2) for s in spins]
    np.testing.assert_allclose(model.energy(spins), expected, rtol=0, atol=1e-12)
    np.testing.assert_array_equal(model.magnetization(spins), spins.sum(axis=(1, 2)))


@pytest.mark.parametrize("n", [2, 3, 8])
def test_chain_energy_matches_loop(n):
    rng = np.random.default_rng(2)
    model = IsingChain(n, -0.8, field=0.3)
    spins = rng.choice([-1, 1], size=(5, n))
    expected = [loop_energy_chain(s, -0.8, 0.3) for s in spins]
    np.testing.assert_allclose(model.energy(spins), expected, rtol=0, atol=1e-12)


@pytest.mark.parametrize("dtype", [np.int8, np.int32, np.float32, np.float64])
@pytest.mark.parametrize("batch", [(), (6,), (2, 3)])
def test_bond_sums_match_the_loop_for_every_dtype_and_batch_shape(dtype, batch):
    """Bond sums are exact in the input's own dtype (no float64 copy), for a single
    configuration (a numpy scalar) and nested batches alike."""
    rng = np.random.default_rng(4)
    spins = rng.choice([-1, 1], size=(*batch, 5, 5)).astype(dtype)
    flat = spins.reshape(-1, 5, 5)
    expected = np.array([-loop_energy_square(s, 1.0, 0.0) for s in flat]).reshape(batch)
    got = IsingSquare(5, 1.0).bond_sum(spins)
    assert got.dtype == np.float64 and got.shape == batch
    np.testing.assert_array_equal(got, expected)
    if not batch:
        assert isinstance(got, np.float64)
    chain = spins.reshape(*batch, 25)
    expected_chain = np.array(
        [-loop_energy_chain(s, 1.0, 0.0) for s in chain.reshape(-1, 25)]
    ).reshape(batch)
    np.testing.assert_array_equal(IsingChain(25, 1.0).bond_sum(chain), expected_chain)
    # The periodic bonds are counted: 2N = 50 for the ordered 5×5 state, not the open
    # lattice's 2L(L - 1) = 40.
    ordered = np.ones((*batch, 5, 5), dtype=dtype)
    np.testing.assert_array_equal(IsingSquare(5, 1.0).bond_sum(ordered), np.full(batch, 50.0))


def test_ground_state_counts_two_bonds_per_spin():
    # L = 2 keeps 2N bonds (each pair joined twice), the convention Kaufman's formula uses.
    assert IsingSquare(2, 1.0).energy(np.ones((2, 2))) == -8.0
    assert IsingSquare(40, 1.0).energy(np.ones((40, 40))) == -3200.0


def test_critical_coupling_is_exact_not_the_papers_typo():
    assert J_CRITICAL == pytest.approx(0.4406867935097715, abs=1e-15)
    assert np.sinh(2 * J_CRITICAL) == pytest.approx(1.0, abs=1e-15)


@pytest.mark.parametrize(
    "build, message",
    [
        (lambda: IsingSquare(1, 0.4), "size"),
        (lambda: IsingSquare(2.5, 0.4), "integer"),
        (lambda: IsingSquare(4, float("nan")), "finite"),
        (lambda: IsingChain(8, 0.4, field=float("inf")), "finite"),
        (lambda: IsingChain(1, 0.4), "size"),
    ],
)
def test_invalid_model_parameters(build, message):
    with pytest.raises(InputError, match=message):
        build()


def test_energy_refuses_wrong_shape_and_values():
    model = IsingSquare(4, 0.4)
    with pytest.raises(InputError, match="shape"):
        model.energy(np.ones((3, 5, 5)))
    with pytest.raises(InputError, match="±1"):
        model.energy(np.zeros((4, 4)))


def test_deprecated_models_module_warns_and_gives_the_ising_objects():
    """deeprg.models is kept for one release: same objects, each use a DeprecationWarning."""
    import deeprg.ising
    import deeprg.models

    for name in ("IsingSquare", "IsingChain", "J_CRITICAL", "make_model", "periodic_bond_sum"):
        with pytest.warns(DeprecationWarning, match=f"import {name} from deeprg.ising"):
            value = getattr(deeprg.models, name)
        assert value is getattr(deeprg.ising, name)
    with pytest.warns(DeprecationWarning, match="deeprg.ising"):
        from deeprg.models import IsingSquare as Old
    assert Old is IsingSquare
    assert sorted(dir(deeprg.models)) == sorted(deeprg.ising.__all__)


def test_ising_takes_the_critical_coupling_from_constants():
    import deeprg.constants
    import deeprg.ising

    assert deeprg.ising.J_CRITICAL is deeprg.constants.J_CRITICAL is J_CRITICAL


def test_unknown_name_of_the_deprecated_module_is_an_attribute_error():
    import deeprg.models

    with pytest.raises(AttributeError):
        deeprg.models.NoSuchHamiltonian  # noqa: B018
