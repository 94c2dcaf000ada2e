"""The batched torch checkerboard kernel (run on the CPU here; CI has no GPU).

Its agreement with exact results is tested with the other samplers in test_mc_exact.py.
"""

from __future__ import annotations

import numpy as np
import pytest

import deeprg
from deeprg.mc import sample
from deeprg.mc._lattice import neighbour_table

torch = pytest.importorskip("torch")

from deeprg.mc.torch_checkerboard import TorchCheckerboard, colour_classes  # noqa: E402


@pytest.mark.parametrize(
    "model",
    [
        deeprg.IsingSquare(2, 1.0),
        deeprg.IsingSquare(3, 1.0),
        deeprg.IsingSquare(4, 1.0),
        deeprg.IsingSquare(7, 1.0),
        deeprg.IsingChain(2, 1.0),
        deeprg.IsingChain(9, 1.0),
    ],
    ids=repr,
)
def test_colour_classes_are_proper_colourings(model):
    colours = colour_classes(model).reshape(-1)
    nbr = neighbour_table(model)
    assert np.all(colours[:, None] != colours[nbr])  # no site shares a colour with a neighbour
    expected = 2 if model.size % 2 == 0 else 3
    assert colours.max() + 1 == expected


def test_kernel_observables_match_the_model():
    model = deeprg.IsingSquare(5, 0.4, 0.2)
    start = np.random.default_rng(0).choice(np.array([-1, 1], dtype=np.int8), size=(6, 25))
    kernel = TorchCheckerboard(model, False, start, seed=1, device="cpu")
    spins, bond_sum, magnetization = kernel.run(3, 2, True)
    assert spins.shape == (6, 3, 25) and spins.dtype == np.int8
    configs = spins.reshape(-1, 5, 5)
    np.testing.assert_array_equal(bond_sum.reshape(-1), model.bond_sum(configs))
    np.testing.assert_array_equal(magnetization.reshape(-1), model.magnetization(configs))
    np.testing.assert_array_equal(kernel.state(), spins[:, -1])


def test_torch_backend_reproducible_and_seed_dependent():
    model = deeprg.IsingSquare(6, 0.3)
    first = sample(model, 64, algorithm="heat-bath", backend="torch", seed=5, n_chains=16)
    again = sample(model, 64, algorithm="heat-bath", backend="torch", seed=5, n_chains=16)
    other = sample(model, 64, algorithm="heat-bath", backend="torch", seed=6, n_chains=16)
    np.testing.assert_array_equal(first.spins, again.spins)
    assert not np.array_equal(first.spins, other.spins)
    assert first.extra["backend"] == "torch" and first.n_chains == 16
    np.testing.assert_allclose(first.energy, model.energy(first.spins))


def test_cpu_thread_setting_is_restored():
    before = torch.get_num_threads()
    sample(deeprg.IsingSquare(4, 0.3), 10, algorithm="metropolis", backend="torch", seed=1)
    assert torch.get_num_threads() == before


def test_default_torch_replicas_capped_by_samples():
    samples = sample(deeprg.IsingChain(8, 0.3), 10, algorithm="metropolis", backend="torch")
    assert samples.n_chains == 10
