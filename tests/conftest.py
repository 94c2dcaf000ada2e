"""Shared test fixtures."""

import pytest
import torch


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
