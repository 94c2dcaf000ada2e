"""Shared test fixtures."""

import pytest
import torch

import deeprg


@pytest.fixture
def one_torch_thread():
    """Pin torch to one thread for tests of tiny models.

    On a shared two-core machine the second OpenMP thread stalls every short operation;
    one thread is both faster and steadier for the small tensors these tests use.
    """
    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(previous)


@pytest.fixture(scope="session")
def ising():
    """Wolff samples of the periodic square lattice, drawn once per test session.

    ``ising(size, coupling, n_samples, seed)`` returns spins of shape (n_samples, L, L).
    """
    cache = {}

    def draw(size, coupling, n_samples, seed):
        key = (size, coupling, n_samples, seed)
        if key not in cache:
            model = deeprg.IsingSquare(size, coupling=coupling)
            cache[key] = deeprg.sample(
                model, n_samples=n_samples, algorithm="wolff", seed=seed, progress=False
            )
        return cache[key].spins

    return draw
