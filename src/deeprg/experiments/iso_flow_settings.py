"""Settings of ``deeprg reproduce iso-flow``: the presets, and every choice the papers leave open.

Iso, Shiba & Yokoo, Phys. Rev. E 97, 053304 (2018) (arXiv:1801.07172) state the lattice
(10×10), the temperature range and the idea: an RBM trained without labels on
configurations of all temperatures, iterated v → h → v′ → …, its configurations read by a
supervised neural-network thermometer. Veiga & Vicente (arXiv:2006.10176) found that the end
point depends on the number of hidden units. :data:`CHOICES` records what deeprg fixed and
where each value comes from.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from .._random import child_seeds
from ..constants import J_CRITICAL
from ._settings import ExperimentSettings

__all__ = ["CHOICES", "PRESETS", "T_CRITICAL", "IsoFlowSettings", "stage_seeds"]

#: The exact critical temperature of the square lattice, T_c = 1/J_c = 2/ln(1+√2).
T_CRITICAL = float(1.0 / J_CRITICAL)


@dataclass(frozen=True)
class IsoFlowSettings(ExperimentSettings):
    """Every setting of the iso-flow reproduction (defaults: the ``paper`` preset).

    Attributes
    ----------
    size : int
        L of the periodic L×L lattice (N = L² visible units).
    temperatures : tuple of float
        Temperature grid T = 1/J (T_c is added when ``include_critical``).
    include_critical : bool
        Add T_c = 2/ln(1+√2) to the grid.
    algorithm : str
        Monte Carlo algorithm of :func:`deeprg.sample`.
    n_train, n_test : int
        Configurations per temperature in the training set (thermometer and RBMs) and in the
        independent test set (thermometer scores, flow starts), drawn with different seeds.
    thermometer_hidden, thermometer_epochs, thermometer_lr, thermometer_batch_size,
    thermometer_weight_decay, thermometer_augment :
        The classifier of :func:`deeprg.thermometer.train_thermometer`.
    hidden_sizes : tuple of int
        Hidden units of the RBMs (below, at and above N).
    rbm_seeds : int
        Independently seeded RBMs per hidden size (the error bars).
    units, epochs, learning_rate, batch_size, cd_k, persistent, l1, l2, momentum,
    initial_momentum, momentum_switch_epoch, weight_init_std :
        Settings of every :class:`deeprg.RBM`.
    flow_starts : int
        Flows started from each temperature (test configurations).
    flow_steps : int
        Steps v → h → v′ of every flow.
    tail_fraction : float
        The end point T* averages the readings of the last ``tail_fraction`` of the steps.
    convergence_tolerance : float
        A flow has converged at step n when, from n on, every starting temperature's mean
        reading is within this distance of T*.
    seed : int
        Master seed; every stage draws its own seed from it.
    """

    size: int = 10
    temperatures: tuple[float, ...] = tuple(round(0.25 * k, 2) for k in range(1, 21))
    include_critical: bool = True
    algorithm: str = "wolff"
    n_train: int = 1000
    n_test: int = 1000
    thermometer_hidden: int = 64
    thermometer_epochs: int = 20
    thermometer_lr: float = 2e-3
    thermometer_batch_size: int = 128
    thermometer_weight_decay: float = 1e-4
    thermometer_augment: bool = True
    hidden_sizes: tuple[int, ...] = (16, 36, 64, 100, 225, 400)
    rbm_seeds: int = 3
    units: str = "spin"
    epochs: int = 20
    learning_rate: float = 0.01
    batch_size: int = 100
    cd_k: int = 1
    persistent: bool = False
    l1: float = 0.0
    l2: float = 0.0
    momentum: float = 0.9
    initial_momentum: float = 0.5
    momentum_switch_epoch: int = 5
    weight_init_std: float = 0.01
    flow_starts: int = 50
    flow_steps: int = 1000
    tail_fraction: float = 0.2
    convergence_tolerance: float = 0.25
    seed: int = 0

    _SEQUENCE_FIELDS: ClassVar[dict] = {"temperatures": float, "hidden_sizes": int}

    def grid(self) -> np.ndarray:
        """The temperature classes, sorted, with T_c when ``include_critical``."""
        temps = [float(t) for t in self.temperatures]
        if self.include_critical and not any(abs(t - T_CRITICAL) < 1e-9 for t in temps):
            temps.append(T_CRITICAL)
        return np.array(sorted(temps), dtype=np.float64)


# Child seeds of the master seed, one per stage (fixed order: never reorder).
SEED_TRAIN, SEED_TEST, SEED_THERMOMETER, SEED_SHUFFLED, SEED_RBM, SEED_FLOW = range(6)


def stage_seeds(settings: IsoFlowSettings) -> np.ndarray:
    """The six stage seeds drawn from the master seed (index with the ``SEED_*`` constants)."""
    return child_seeds(settings.seed, 6)


#: Everything the sample sets depend on (the seed picks the stage seeds).
SAMPLE_SETTINGS = ("size", "temperatures", "include_critical", "algorithm", "seed")
THERMOMETER_SETTINGS = (
    *SAMPLE_SETTINGS,
    "n_train",
    "thermometer_hidden",
    "thermometer_epochs",
    "thermometer_lr",
    "thermometer_batch_size",
    "thermometer_weight_decay",
    "thermometer_augment",
)
#: Settings passed unchanged to every :class:`deeprg.RBM`.
RBM_SETTINGS = IsoFlowSettings.rbm_settings()
TRAINING_SETTINGS = (*SAMPLE_SETTINGS, "n_train", *RBM_SETTINGS)
FLOW_SETTINGS = (
    *TRAINING_SETTINGS,
    *THERMOMETER_SETTINGS,
    "n_test",
    "flow_starts",
    "flow_steps",
    "tail_fraction",
)

PRESETS: dict[str, IsoFlowSettings] = {
    "paper": IsoFlowSettings(),
    # Ten temperatures (T_c among them), 300 configurations each, three hidden sizes
    # (below, at and above N = 100), two seeds: end to end in ~20 s on two cores.
    "quick": IsoFlowSettings(
        temperatures=(0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 3.5, 4.0, 5.0),
        n_train=300,
        n_test=300,
        thermometer_epochs=15,
        hidden_sizes=(36, 100, 196),
        rbm_seeds=2,
        epochs=15,
        learning_rate=0.02,
        flow_starts=20,
        flow_steps=100,
    ),
}

#: (setting, value in the paper preset, source, note).
CHOICES: list[dict[str, str]] = [
    {"setting": "lattice", "value": "10×10, periodic", "source": "Iso et al.", "note": ""},
    {
        "setting": "temperatures",
        "value": "T = 0.25, 0.50, …, 5.00 and T_c = 2.2692",
        "source": "Iso et al. (range); deeprg (T_c added)",
        "note": "T = 1/J in units of J/k_B; T_c is a class of its own, 0.019 above T = 2.25",
    },
    {
        "setting": "Monte Carlo",
        "value": "Wolff clusters, burn-in and spacing from measured τ",
        "source": "deeprg choice",
        "note": "every temperature checked against Kaufman's exact torus",
    },
    {
        "setting": "configurations",
        "value": "1000 per temperature to train, 1000 more (another seed) to test",
        "source": "deeprg choice",
        "note": "the RBMs train on the training set pooled over temperatures, without labels",
    },
    {
        "setting": "thermometer",
        "value": "MLP 100 → 64 ReLU → K, spin-flip symmetrised logits, random torus shifts",
        "source": "Iso et al. (a fully connected network); deeprg (symmetries, sizes)",
        "note": "Adam, lr 2×10⁻³, weight decay 10⁻⁴, 20 epochs; the exact Bayes posterior "
        "(Kaufman's ln Z) is the accuracy ceiling",
    },
    {
        "setting": "RBM units",
        "value": "spin {−1, +1} on both layers",
        "source": "deeprg choice",
        "note": "equivalent to binary units under v = (s+1)/2 (RBM.to_units); --units binary",
    },
    {
        "setting": "hidden units",
        "value": "16, 36, 64, 100, 225, 400 (N = 100)",
        "source": "Iso et al., Veiga & Vicente (below, at and above N)",
        "note": "",
    },
    {
        "setting": "RBM training",
        "value": "CD-1, lr 0.01, momentum 0.5 → 0.9, batch 100, 20 epochs, no weight penalty",
        "source": "deeprg choice",
        "note": "the end point depends on how far the RBM is trained (see docs/iso-flow.md)",
    },
    {
        "setting": "flows",
        "value": "50 per temperature from test configurations, 1000 steps, mean-field and sampled",
        "source": "Iso et al. (mean-field: visible means fed to the thermometer); "
        "Veiga & Vicente (sampled)",
        "note": "observables of mean-field flows are measured on spins drawn from the means",
    },
    {
        "setting": "end point T*",
        "value": "mean reading over the last 20 % of the steps, pooled over starting temperatures",
        "source": "deeprg choice",
        "note": "error bar: standard error over RBM seeds",
    },
]
