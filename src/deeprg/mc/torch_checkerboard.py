"""Batched checkerboard Metropolis / heat-bath for many replicas at once (torch; GPU or CPU).

All replicas, a tensor of shape (n_chains, *lattice_shape), are updated together one colour
class at a time. A colour class is a set of sites no two of which are neighbours, so all of
its spins can be updated simultaneously with the single-site rules of
:mod:`deeprg.mc.local`. Even sizes use the two checkerboard sublattices; an odd periodic
size has no two-colouring, and three colour classes are used instead.
Neighbour sums are sums of ``torch.roll``-ed copies, consistent with the bond convention of
:mod:`deeprg.ising` (for L = 2 a neighbour is counted twice).

Randomness comes from one ``torch.Generator`` on the device, seeded from the user's seed,
so a run is reproducible on the same device type.
"""

from __future__ import annotations

import contextlib

import numpy as np
import torch

from ..errors import InputError
from ..ising import IsingModel
from .local import local_thresholds

__all__ = ["TorchCheckerboard", "colour_classes"]

#: below this many spins in all replicas together, the CPU kernel runs on one thread
SMALL_BATCH_SPINS = 1 << 18


def colour_classes(model: IsingModel) -> np.ndarray:
    """Proper colouring of the lattice, array of shape lattice_shape, int64 colours 0, 1[, 2].

    Sites of equal colour are never neighbours. Even sizes: (Σ_d x_d) mod 2, the
    checkerboard. Odd sizes (no two-colouring exists): (Σ_d a(x_d)) mod 3 with
    a = (0, 1, 0, 1, …, 0, 1, 2), a proper 3-colouring of the odd cycle with values in Z_3;
    neighbours differ in one coordinate, where a differs by ±1 mod 3, so the sum differs too.
    """
    coords = np.indices(model.lattice_shape)
    if model.size % 2 == 0:
        return coords.sum(axis=0) % 2
    cycle = np.arange(model.size) % 2
    cycle[-1] = 2
    return cycle[coords].sum(axis=0) % 3


class TorchCheckerboard:
    """Many replicas of checkerboard Metropolis or heat-bath on one torch device.

    Parameters
    ----------
    model : IsingChain or IsingSquare
    heat_bath : bool
        Heat-bath instead of Metropolis.
    initial_spins : numpy.ndarray of shape (n_chains, n_spins), int8
        Starting configurations.
    seed : int
        Seed of the device's torch.Generator.
    device : str
        A torch device ("cpu", "cuda", "cuda:1", ...).
    """

    def __init__(
        self,
        model: IsingModel,
        heat_bath: bool,
        initial_spins: np.ndarray,
        seed: int,
        device: str,
    ) -> None:
        try:
            self.device = torch.device(device)
            self.generator = torch.Generator(device=self.device)
        except (RuntimeError, ValueError) as exc:
            raise InputError(
                f"torch cannot use device {device!r} ({exc}); use 'cpu' or an available 'cuda'"
            ) from exc
        self.generator.manual_seed(int(seed))
        self.model = model
        self.heat_bath = heat_bath
        self.dims = tuple(range(1, 1 + len(model.lattice_shape)))
        self.z = 2 * len(model.lattice_shape)
        n_chains = initial_spins.shape[0]
        self.spins = torch.as_tensor(
            initial_spins.reshape(n_chains, *model.lattice_shape), device=self.device
        ).to(torch.int8)
        colours = torch.as_tensor(colour_classes(model), device=self.device)
        self.masks = [colours == k for k in range(int(colours.max()) + 1)]
        thresholds = local_thresholds(model.coupling, model.field, self.z, heat_bath)
        # probabilities (float64 on the device), same rounding as the numba kernel
        self.probabilities = torch.as_tensor(
            thresholds.astype(np.float64) / 2.0**53, device=self.device
        ).reshape(-1)

    def _neighbour_sum(self, spins: torch.Tensor) -> torch.Tensor:
        total = torch.zeros_like(spins)
        for dim in self.dims:
            total += torch.roll(spins, 1, dims=dim) + torch.roll(spins, -1, dims=dim)
        return total

    def _bond_sum(self, spins: torch.Tensor) -> torch.Tensor:
        total = torch.zeros(spins.shape[0], dtype=torch.int64, device=self.device)
        for dim in self.dims:
            total += (spins * torch.roll(spins, -1, dims=dim)).sum(dim=self.dims, dtype=torch.int64)
        return total

    def sweep(self) -> None:
        """One sweep: every colour class updated once."""
        spins = self.spins
        for mask in self.masks:
            neighbour_sum = self._neighbour_sum(spins).to(torch.int64)
            if self.heat_bath:  # column (Σ_j s_j + z) / 2 of row 0
                index = (neighbour_sum + self.z) >> 1
            else:  # row (s + 1) / 2, column (Σ_j s_j + z) / 2; both numerators even
                index = ((spins.to(torch.int64) + 1) * (self.z + 1) + neighbour_sum + self.z) >> 1
            p = torch.take(self.probabilities, index)
            u = torch.rand(
                spins.shape, generator=self.generator, device=self.device, dtype=torch.float64
            )
            hit = u < p
            if self.heat_bath:
                new = torch.where(hit, 1, -1).to(torch.int8)
            else:
                new = torch.where(hit, -spins, spins)
            spins = torch.where(mask, new, spins)
        self.spins = spins

    def run(
        self, n_records: int, sweeps_per_record: int, store: bool
    ) -> tuple[np.ndarray | None, np.ndarray, np.ndarray]:
        """Advance all replicas, recording ``n_records`` times, every ``sweeps_per_record`` sweeps.

        Returns
        -------
        spins : numpy.ndarray of shape (n_chains, n_records, n_spins), int8, or None
            The recorded configurations when ``store``.
        bond_sum, magnetization : numpy.ndarray of shape (n_chains, n_records), int64
            Σ_<ij> s_i s_j and Σ_i s_i at each record.
        """
        bonds, mags, configs = [], [], []
        with self._cpu_threads():
            for _ in range(n_records):
                self._record(sweeps_per_record, store, bonds, mags, configs)
        bond_sum = torch.stack(bonds, dim=1).cpu().numpy()
        magnetization = torch.stack(mags, dim=1).cpu().numpy()
        spins = torch.stack(configs, dim=1).numpy() if store else None
        return spins, bond_sum, magnetization

    def _record(self, sweeps_per_record, store, bonds, mags, configs) -> None:
        """Run ``sweeps_per_record`` sweeps, then append the observables (and spins)."""
        for _ in range(sweeps_per_record):
            self.sweep()
        bonds.append(self._bond_sum(self.spins))
        mags.append(self.spins.sum(dim=self.dims, dtype=torch.int64))
        if store:
            configs.append(self.spins.reshape(self.spins.shape[0], -1).to("cpu"))

    @contextlib.contextmanager
    def _cpu_threads(self):
        """One CPU thread for small batches: torch's thread pool costs more than it gains on
        tensors of a few thousand spins (and much more on a busy machine). Restored after."""
        previous = torch.get_num_threads()
        small = self.spins.numel() < SMALL_BATCH_SPINS
        if self.device.type == "cpu" and small and previous != 1:
            torch.set_num_threads(1)
            try:
                yield
            finally:
                torch.set_num_threads(previous)
        else:
            yield

    def state(self) -> np.ndarray:
        """Current configurations, array of shape (n_chains, n_spins), int8."""
        return self.spins.reshape(self.spins.shape[0], -1).cpu().numpy()
