"""Thermometers for Ising configurations: a trained classifier and the exact Bayes posterior.

A *thermometer* maps a configuration of the periodic L×L Ising lattice to a distribution
over a grid of temperatures T_k = 1/J_k (docs/conventions.md: β absorbed, T in units of
J/k_B). Iso, Shiba & Yokoo (Phys. Rev. E 97, 053304 (2018)) read the temperature of RBM
flows with such a classifier; :mod:`deeprg.experiments.iso_flow` does the same.

Two thermometers live here:

- :class:`Thermometer`, trained by :func:`train_thermometer`: a multilayer perceptron
  N → ``hidden`` (ReLU) → K logits, as the fully connected network of Iso et al. Two
  symmetries of the Ising torus are built in or taught: the logits are symmetrised under
  the global spin flip, ``logits(s) = ½ (f(s) + f(−s))`` (exact), and every training
  example is shifted by a random torus translation (augmentation; the network is not
  exactly translation invariant). Inputs are ±1 spins or spin means in [−1, 1] (the
  visible means of a mean-field RBM flow).
- :func:`exact_posterior`: the Bayes posterior with a uniform prior over the grid,
  p(T_k | s) ∝ exp(B(s)/T_k − ln Z_L(1/T_k)), B(s) = Σ_⟨ij⟩ s_i s_j, with Kaufman's exact
  ln Z of the L×L torus (:func:`deeprg.exact.torus`). The bond sum is a sufficient
  statistic for T, so no thermometer can be more accurate on equilibrium configurations:
  its accuracy is the ceiling against which the classifier is judged.

:func:`score` turns class probabilities into accuracy, mean absolute error and a
confusion matrix; :func:`chance_spread` gives the spread of a label-blind classifier's
accuracy (the shuffled-label control) when many test configurations are identical (every
ground state at low T is the same input, so a binomial bound is too narrow there).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ._random import SeedLike, as_generator, child_seeds
from .errors import InputError, check_int
from .ising import periodic_bond_sum

__all__ = [
    "Thermometer",
    "ThermometerScore",
    "bond_sums",
    "chance_spread",
    "exact_posterior",
    "load_thermometer",
    "score",
    "train_thermometer",
]


def _as_rows(states: object, size: int) -> np.ndarray:
    """Configurations as float32 rows of shape (n, L²), values in [−1, 1]."""
    array = np.asarray(states, dtype=np.float32)
    n_sites = size * size
    if array.ndim >= 2 and array.shape[-2:] == (size, size):
        array = array.reshape(-1, n_sites)
    if array.ndim != 2 or array.shape[1] != n_sites:
        raise InputError(
            f"configurations must have shape (n, {n_sites}) or (n, {size}, {size}), "
            f"got {np.shape(states)}"
        )
    if not np.isfinite(array).all() or np.abs(array).max(initial=0.0) > 1.0:
        raise InputError("configurations must hold spins ±1 or spin means in [-1, 1]")
    return array


def bond_sums(spins: object, size: int) -> np.ndarray:
    """B(s) = Σ_⟨ij⟩ s_i s_j over the 2N bonds of the periodic L×L lattice.

    Parameters
    ----------
    spins : array_like of shape (n, L, L) or (n, L²)
        ±1 spins (means are accepted and give the mean-field bond sum).
    size : int
        L.

    Returns
    -------
    numpy.ndarray of shape (n,), float64
        −B/N is the energy per spin in units of J.
    """
    s = _as_rows(spins, size).astype(np.float64).reshape(-1, size, size)
    return periodic_bond_sum(s, n_axes=2)


def exact_posterior(spins: object, temperatures: Sequence[float], size: int) -> np.ndarray:
    """Exact Bayes posterior over a temperature grid, uniform prior (Kaufman's ln Z).

    p(T_k | s) = exp(B(s)/T_k − ln Z_L(1/T_k)) / Σ_k' (same), with B(s) the bond sum.

    Parameters
    ----------
    spins : array_like of shape (n, L, L) or (n, L²), ±1
    temperatures : sequence of float, length K
        The grid (each > 0).
    size : int
        L.

    Returns
    -------
    numpy.ndarray of shape (n, K), float64
        Rows sum to one.
    """
    from .exact import torus

    temps = _check_temperatures(temperatures)
    bonds = bond_sums(spins, size)
    n_sites = size * size
    log_z = np.array([torus(size, 1.0 / t).log_partition_per_spin * n_sites for t in temps])
    log_p = bonds[:, None] / temps[None, :] - log_z[None, :]
    log_p -= log_p.max(axis=1, keepdims=True)
    p = np.exp(log_p)
    return p / p.sum(axis=1, keepdims=True)


def _check_temperatures(temperatures: Sequence[float]) -> np.ndarray:
    temps = np.asarray(temperatures, dtype=np.float64)
    if temps.ndim != 1 or len(temps) < 2:
        raise InputError(f"give at least two temperatures, got {temperatures!r}")
    if not np.isfinite(temps).all() or (temps <= 0).any():
        raise InputError(f"temperatures must be finite and > 0, got {temps.tolist()}")
    return temps


def _network(n_sites: int, hidden: int, n_classes: int):
    import torch

    return torch.nn.Sequential(
        torch.nn.Linear(n_sites, hidden), torch.nn.ReLU(), torch.nn.Linear(hidden, n_classes)
    )


@dataclass
class Thermometer:
    """A trained temperature classifier (see the module docstring).

    Attributes
    ----------
    temperatures : numpy.ndarray of shape (K,)
        The class temperatures, increasing.
    size : int
        L of the L×L torus it reads.
    hidden : int
        Hidden units of the perceptron.
    net : torch.nn.Module
        N → hidden → K logits (before the spin-flip symmetrisation).
    history : dict
        ``loss`` per epoch (mean training cross-entropy).
    """

    temperatures: np.ndarray
    size: int
    hidden: int
    net: object
    history: dict

    def logits(self, states: object) -> np.ndarray:
        """Spin-flip symmetrised logits ½ (f(s) + f(−s)), array of shape (n, K)."""
        import torch

        rows = _as_rows(states, self.size)
        device = next(self.net.parameters()).device
        out = []
        with torch.no_grad():
            for start in range(0, len(rows), 8192):
                x = torch.as_tensor(rows[start : start + 8192], device=device)
                both = self.net(torch.cat([x, -x]))
                out.append((0.5 * (both[: len(x)] + both[len(x) :])).double().cpu().numpy())
        return np.concatenate(out) if out else np.empty((0, len(self.temperatures)))

    def predict_proba(self, states: object) -> np.ndarray:
        """Class probabilities p(T_k | s), array of shape (n, K), rows summing to one.

        Parameters
        ----------
        states : array_like of shape (n, L, L) or (n, L²)
            ±1 spins or spin means in [−1, 1].
        """
        z = self.logits(states)
        z -= z.max(axis=1, keepdims=True)
        p = np.exp(z)
        return p / p.sum(axis=1, keepdims=True)

    def read(self, states: object) -> np.ndarray:
        """The reading Σ_k p(T_k | s) T_k (posterior-mean temperature), shape (n,)."""
        return self.predict_proba(states) @ self.temperatures

    def save(self, path: str | os.PathLike, metadata: dict | None = None) -> Path:
        """Write the thermometer atomically (a torch file of tensors and plain values)."""
        import torch

        from .io import atomic_write

        payload = {
            "format": "deeprg-thermometer",
            "temperatures": [float(t) for t in self.temperatures],
            "size": int(self.size),
            "hidden": int(self.hidden),
            "state_dict": {k: v.detach().cpu() for k, v in self.net.state_dict().items()},
            "history": {k: [float(x) for x in v] for k, v in self.history.items()},
            "metadata": dict(metadata or {}),
        }
        with atomic_write(path, overwrite=True) as tmp:
            torch.save(payload, tmp)
        return Path(path)


def load_thermometer(path: str | os.PathLike, device: str = "cpu") -> tuple[Thermometer, dict]:
    """Read a file written by :meth:`Thermometer.save`; returns (thermometer, metadata).

    Raises
    ------
    InputError
        The file is missing, unreadable or not a thermometer.
    """
    import torch

    try:
        payload = torch.load(Path(path), map_location=device, weights_only=True)
    except (OSError, RuntimeError, EOFError, ValueError) as exc:
        raise InputError(f"cannot read thermometer {path} ({exc}); train it again") from exc
    if not isinstance(payload, dict) or payload.get("format") != "deeprg-thermometer":
        raise InputError(f"{path} is not a deeprg thermometer file")
    temps = np.asarray(payload["temperatures"], dtype=np.float64)
    size = int(payload["size"])
    net = _network(size * size, int(payload["hidden"]), len(temps)).to(device)
    net.load_state_dict(payload["state_dict"])
    net.eval()
    history = {k: list(v) for k, v in payload.get("history", {}).items()}
    return Thermometer(temps, size, int(payload["hidden"]), net, history), dict(
        payload.get("metadata", {})
    )


def train_thermometer(
    spins: object,
    labels: object,
    temperatures: Sequence[float],
    *,
    hidden: int = 64,
    epochs: int = 20,
    learning_rate: float = 2e-3,
    batch_size: int = 128,
    weight_decay: float = 1e-4,
    augment: bool = True,
    seed: SeedLike = None,
    device: str = "cpu",
    progress: bool = False,
    description: str = "thermometer",
) -> Thermometer:
    """Train a :class:`Thermometer` by cross-entropy (Adam) on labelled configurations.

    Parameters
    ----------
    spins : array_like of shape (n, L, L)
        Training configurations, ±1.
    labels : array_like of shape (n,), int
        Class index k of each configuration (its temperature is ``temperatures[k]``).
    temperatures : sequence of float, length K
        Class temperatures, increasing.
    hidden : int, default 64
        Hidden units.
    epochs, learning_rate, batch_size, weight_decay
        Adam's settings (weight decay as L2 on every parameter).
    augment : bool, default True
        Shift every example by a random torus translation (the network learns the
        lattice's translation symmetry); the spin flip is exact by construction.
    seed : int, numpy Generator or None
        Seeds the initial weights, the batch order and the translations.
    device : str, default "cpu"
    progress : bool, default False
        A tqdm bar over epochs (stderr).
    description : str
        The bar's label.

    Returns
    -------
    Thermometer
    """
    import torch

    temps = _check_temperatures(temperatures)
    if np.any(np.diff(temps) <= 0):
        raise InputError("temperatures must be strictly increasing")
    array = np.asarray(spins)
    if array.ndim != 3 or array.shape[1] != array.shape[2]:
        raise InputError(f"spins must have shape (n, L, L), got {array.shape}")
    size = int(array.shape[1])
    rows = _as_rows(array, size)
    y = np.asarray(labels)
    if y.shape != (len(rows),) or not np.issubdtype(y.dtype, np.integer):
        raise InputError(f"labels must be {len(rows)} integers, got shape {y.shape}")
    if y.min(initial=0) < 0 or y.max(initial=0) >= len(temps):
        raise InputError(f"labels must lie in 0..{len(temps) - 1}")
    hidden = check_int("hidden", hidden, minimum=1)
    epochs = check_int("epochs", epochs, minimum=1)
    batch_size = check_int("batch_size", batch_size, minimum=1)
    if not (learning_rate > 0 and np.isfinite(learning_rate)):
        raise InputError(f"learning_rate must be > 0, got {learning_rate}")
    if not (weight_decay >= 0 and np.isfinite(weight_decay)):
        raise InputError(f"weight_decay must be >= 0, got {weight_decay}")

    init_seed, order_seed = (int(s) for s in child_seeds(as_generator(seed), 2))
    torch_device = torch.device(device)
    init = torch.Generator().manual_seed(init_seed)
    gen = torch.Generator().manual_seed(order_seed)
    n_sites = size * size
    net = _network(n_sites, hidden, len(temps))
    with torch.no_grad():  # seeded initialisation (PyTorch's default scheme, own generator)
        for layer in (net[0], net[2]):
            bound = 1.0 / np.sqrt(layer.in_features)
            layer.weight.copy_(
                torch.empty_like(layer.weight).uniform_(-bound, bound, generator=init)
            )
            layer.bias.copy_(torch.empty_like(layer.bias).uniform_(-bound, bound, generator=init))
    net = net.to(torch_device)
    optimiser = _Adam(list(net.parameters()), learning_rate, weight_decay)
    x_all = torch.as_tensor(rows)
    y_all = torch.as_tensor(y.astype(np.int64))
    index = torch.arange(n_sites).reshape(size, size)
    shifts = torch.stack(
        [torch.roll(index, (a, b), (0, 1)).reshape(-1) for a in range(size) for b in range(size)]
    )
    history: dict[str, list[float]] = {"loss": []}
    if progress:
        from tqdm.auto import tqdm

        epoch_iter = tqdm(range(epochs), desc=description, unit=" epochs", file=sys.stderr)
    else:
        epoch_iter = range(epochs)
    net.train()
    for _ in epoch_iter:
        order = torch.randperm(len(x_all), generator=gen)
        total, count = 0.0, 0
        for start in range(0, len(order), batch_size):
            batch = order[start : start + batch_size]
            xb = x_all[batch]
            if augment:
                pick = torch.randint(0, len(shifts), (len(batch),), generator=gen)
                xb = torch.gather(xb, 1, shifts[pick])
            xb = xb.to(torch_device)
            both = net(torch.cat([xb, -xb]))
            logits = 0.5 * (both[: len(xb)] + both[len(xb) :])
            loss = torch.nn.functional.cross_entropy(logits, y_all[batch].to(torch_device))
            net.zero_grad(set_to_none=True)
            loss.backward()
            optimiser.step()
            total += float(loss.detach()) * len(batch)
            count += len(batch)
        history["loss"].append(total / count)
    net.eval()
    return Thermometer(temps, size, hidden, net, history)


class _Adam:
    """Adam (Kingma & Ba) with L2 weight decay added to the gradient, as torch.optim.Adam.

    Written out because importing ``torch.optim`` loads torch's compiler stack (seconds of
    start-up on a loaded machine), for eight lines of arithmetic.
    """

    def __init__(
        self, params: list, lr: float, weight_decay: float, betas=(0.9, 0.999), eps: float = 1e-8
    ) -> None:
        import torch

        self.params = params
        self.lr, self.weight_decay, self.betas, self.eps = lr, weight_decay, betas, eps
        self.m = [torch.zeros_like(p) for p in params]
        self.v = [torch.zeros_like(p) for p in params]
        self.t = 0

    def step(self) -> None:
        import torch

        self.t += 1
        b1, b2 = self.betas
        c1, c2 = 1.0 - b1**self.t, 1.0 - b2**self.t
        with torch.no_grad():
            for p, m, v in zip(self.params, self.m, self.v, strict=True):
                g = p.grad if self.weight_decay == 0 else p.grad + self.weight_decay * p
                m.mul_(b1).add_(g, alpha=1.0 - b1)
                v.mul_(b2).addcmul_(g, g, value=1.0 - b2)
                p.addcdiv_(m, (v / c2).sqrt_().add_(self.eps), value=-self.lr / c1)


@dataclass(frozen=True)
class ThermometerScore:
    """How well class probabilities read the true temperatures.

    Attributes
    ----------
    accuracy : float
        Fraction whose most probable class is the true one.
    within_one : float
        Fraction whose most probable class is the true one or a neighbour on the grid.
    mean_absolute_error : float
        Mean |Σ_k p_k T_k − T_true| (of the posterior-mean reading).
    mean_absolute_error_argmax : float
        Mean |T_argmax − T_true|.
    chance : float
        1/K.
    binomial_stderr : float
        sqrt(c (1 − c) / n) of an accuracy at chance c on n independent configurations.
    confusion : numpy.ndarray of shape (K, K), int
        Row: true class; column: most probable class.
    mean_reading : numpy.ndarray of shape (K,)
        Mean reading of each true class's configurations.
    n : int
        Configurations scored.
    """

    accuracy: float
    within_one: float
    mean_absolute_error: float
    mean_absolute_error_argmax: float
    chance: float
    binomial_stderr: float
    confusion: np.ndarray
    mean_reading: np.ndarray
    n: int

    def as_dict(self) -> dict:
        """Plain values for ``metrics.json``."""
        return {
            "accuracy": self.accuracy,
            "within_one_class": self.within_one,
            "mean_absolute_error": self.mean_absolute_error,
            "mean_absolute_error_argmax": self.mean_absolute_error_argmax,
            "chance_accuracy": self.chance,
            "binomial_stderr_at_chance": self.binomial_stderr,
            "n_test": self.n,
            "mean_reading_per_class": self.mean_reading.tolist(),
            "confusion": self.confusion.tolist(),
        }


def score(
    probabilities: np.ndarray, labels: object, temperatures: Sequence[float]
) -> ThermometerScore:
    """Score class probabilities against true classes.

    Parameters
    ----------
    probabilities : array of shape (n, K)
    labels : array_like of shape (n,), int
        True class indices.
    temperatures : sequence of float, length K
    """
    temps = _check_temperatures(temperatures)
    p = np.asarray(probabilities, dtype=np.float64)
    y = np.asarray(labels, dtype=np.int64)
    if p.ndim != 2 or p.shape != (len(y), len(temps)):
        raise InputError(f"probabilities must have shape ({len(y)}, {len(temps)}), got {p.shape}")
    k = len(temps)
    predicted = p.argmax(axis=1)
    reading = p @ temps
    confusion = np.zeros((k, k), dtype=np.int64)
    np.add.at(confusion, (y, predicted), 1)
    mean_reading = np.array(
        [reading[y == c].mean() if np.any(y == c) else np.nan for c in range(k)]
    )
    chance = 1.0 / k
    return ThermometerScore(
        accuracy=float(np.mean(predicted == y)),
        within_one=float(np.mean(np.abs(predicted - y) <= 1)),
        mean_absolute_error=float(np.mean(np.abs(reading - temps[y]))),
        mean_absolute_error_argmax=float(np.mean(np.abs(temps[predicted] - temps[y]))),
        chance=chance,
        binomial_stderr=float(np.sqrt(chance * (1.0 - chance) / max(len(y), 1))),
        confusion=confusion,
        mean_reading=mean_reading,
        n=len(y),
    )


def chance_spread(confusion: np.ndarray, n_permutations: int = 2000, seed: SeedLike = 0) -> float:
    """Standard deviation of the accuracy of a label-blind classifier with this confusion.

    A classifier trained on shuffled labels assigns arbitrary names to whatever groups it
    forms, so under the null hypothesis its accuracy is distributed as
    (1/n) Σ_k C[k, π(k)] over random relabellings π of the predicted classes (mean: the
    chance accuracy for balanced classes). Unlike the binomial bound, this spread counts
    identical test configurations (all ground states at low T) as one prediction.

    Parameters
    ----------
    confusion : array of shape (K, K), int
        Row: true class; column: predicted class.
    n_permutations : int, default 2000
    seed : int, numpy Generator or None

    Returns
    -------
    float
    """
    c = np.asarray(confusion, dtype=np.float64)
    k = c.shape[0]
    rng = as_generator(seed)
    rows = np.arange(k)
    draws = np.array([c[rows, rng.permutation(k)].sum() for _ in range(int(n_permutations))]) / max(
        c.sum(), 1.0
    )
    return float(draws.std())
