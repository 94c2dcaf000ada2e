"""Settings of the Mehta–Schwab reproduction: the presets, and every choice the paper leaves open.

The paper (arXiv:1410.3831, Sec. "Deep learning the 2D Ising model" and appendix) states the
lattice, coupling, sample count, network sizes, epochs and the L1 penalty; it used Hinton &
Salakhutdinov's code, whose defaults fill in the rest. :data:`CHOICES` records each value
with where it comes from, so ``metrics.json`` and the report can show it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

from ._settings import ExperimentSettings

__all__ = [
    "CHOICES",
    "INCONSISTENCIES",
    "PRESETS",
    "RBM_SETTINGS",
    "SAMPLE_SETTINGS",
    "TRAINING_SETTINGS",
    "MehtaSchwabSettings",
    "ReproductionSettings",
]


@dataclass(frozen=True)
class MehtaSchwabSettings(ExperimentSettings):
    """Every setting of the reproduction (defaults: the ``paper`` preset).

    Attributes
    ----------
    size, coupling : int, float
        Periodic L×L lattice and coupling J (β absorbed).
    n_samples, algorithm : int, str
        Monte Carlo samples and sampler.
    layers : tuple of int
        Hidden layer sizes above the L² visible units (paper: 400, 100, 25).
    epochs, learning_rate, momentum, initial_momentum, momentum_switch_epoch, batch_size,
    cd_k, persistent, l1, l2, units, weight_init_std : training settings of every layer.
    matmul_dtype : {"auto", "float32", "bfloat16", "tfloat32"}
        Precision of the training's large matrix products (``--precision
        auto|fp32|bf16|tf32``); "auto" (the default) takes bfloat16 on layers large enough to
        gain where the device runs it fast, float32 elsewhere (:mod:`deeprg.rbm.precision`).
    propagate : {"mean"}
        What each layer passes to the next (hidden means, as Hinton's code does).
    n_generated, generation_steps : int
        Network-generated samples for the observables, and the Gibbs steps in the top RBM.
    n_analysis : int
        Data samples used for representations, correlation lengths and block agreement.
    seed : int
        Master seed; each stage draws its own seed from it.
    """

    size: int = 40
    coupling: float = 0.408
    n_samples: int = 20_000
    algorithm: str = "wolff"
    layers: tuple[int, ...] = (400, 100, 25)
    epochs: int = 200
    learning_rate: float = 0.1
    momentum: float = 0.9
    initial_momentum: float = 0.5
    momentum_switch_epoch: int = 5
    batch_size: int = 100
    cd_k: int = 1
    persistent: bool = False
    l1: float = 2e-4
    l2: float = 0.0
    units: str = "binary"
    weight_init_std: float = 0.1
    matmul_dtype: str = "auto"
    propagate: str = "mean"
    n_generated: int = 2000
    generation_steps: int = 1000
    n_analysis: int = 5000
    seed: int = 0
    extra: dict = field(default_factory=dict, compare=False, repr=False)

    _SEQUENCE_FIELDS: ClassVar[dict] = {"layers": None}


#: The former name of :class:`MehtaSchwabSettings`.
ReproductionSettings = MehtaSchwabSettings

#: Everything the Monte Carlo samples depend on.
SAMPLE_SETTINGS = ("size", "coupling", "n_samples", "algorithm", "seed")
#: Settings passed unchanged to every layer's :class:`deeprg.rbm.RBM`.
RBM_SETTINGS = MehtaSchwabSettings.rbm_settings()
#: Everything a trained layer depends on (its reuse key).
TRAINING_SETTINGS = (*SAMPLE_SETTINGS, *RBM_SETTINGS, "propagate")

PRESETS: dict[str, MehtaSchwabSettings] = {
    "paper": MehtaSchwabSettings(),
    # A 24×24 lattice with the paper's layer ratios (576-144-36-9: blocks of 2, 4, 8), small
    # enough to run end to end in well under two minutes on two cores. It makes ~30× fewer
    # updates than the paper (4,000 samples × 30 epochs), so its L1 penalty is 10× the paper's:
    # with 2e-4 the first layer's fields stay non-local after 30 or 60 epochs (measured).
    "quick": MehtaSchwabSettings(
        size=24,
        l1=2e-3,
        n_samples=4000,
        layers=(144, 36, 9),
        epochs=30,
        n_generated=1000,
        generation_steps=300,
        n_analysis=4000,
    ),
}

#: (setting, value in the paper preset, source, note) — source is "paper",
#: "Hinton & Salakhutdinov code" (the code the paper used; not stated in the paper) or
#: "deeprg choice".
CHOICES: list[dict[str, str]] = [
    {"setting": "lattice", "value": "40×40, periodic", "source": "paper", "note": ""},
    {
        "setting": "coupling J",
        "value": "0.408",
        "source": "paper",
        "note": "paramagnetic side, exact ξ = 7.467 (paper: ≈ 7.47)",
    },
    {
        "setting": "samples",
        "value": "20,000",
        "source": "paper",
        "note": "the main text says 20,000; the appendix says 40,000",
    },
    {
        "setting": "Monte Carlo",
        "value": "Wolff clusters; burn-in and spacing from measured τ",
        "source": "deeprg choice",
        "note": "the paper says only 'standard equilibrium Monte Carlo'",
    },
    {"setting": "network", "value": "1600-400-100-25", "source": "paper", "note": ""},
    {"setting": "epochs per layer", "value": "200", "source": "paper", "note": ""},
    {
        "setting": "L1 penalty",
        "value": "2×10⁻⁴",
        "source": "paper",
        "note": "Hinton's code has an L2 weight cost of 2×10⁻⁴ instead; deeprg uses the paper's L1 and no L2",
    },
    {
        "setting": "units",
        "value": "binary {0,1}",
        "source": "Hinton & Salakhutdinov code",
        "note": "",
    },
    {
        "setting": "training",
        "value": "CD-1, mean-field reconstruction",
        "source": "Hinton & Salakhutdinov code",
        "note": "",
    },
    {
        "setting": "learning rate",
        "value": "0.1",
        "source": "Hinton & Salakhutdinov code",
        "note": "",
    },
    {
        "setting": "momentum",
        "value": "0.5, then 0.9 from epoch 6",
        "source": "Hinton & Salakhutdinov code",
        "note": "",
    },
    {"setting": "mini-batch", "value": "100", "source": "Hinton & Salakhutdinov code", "note": ""},
    {
        "setting": "initial weights",
        "value": "N(0, 0.1²)",
        "source": "Hinton & Salakhutdinov code",
        "note": "visible biases start at the data's log-odds (deeprg), zero in Hinton's code",
    },
    {
        "setting": "propagation",
        "value": "hidden means passed to the next layer",
        "source": "Hinton & Salakhutdinov code",
        "note": "",
    },
    {"setting": "receptive fields", "value": "r⁽ˡ⁾ = W⁽¹⁾⋯W⁽ˡ⁾", "source": "paper", "note": ""},
    {
        "setting": "generated samples",
        "value": "Gibbs chains in the top RBM from random states, then a sampled down-pass",
        "source": "deeprg choice",
        "note": "the paper shows reconstructions only",
    },
    {
        "setting": "seeds",
        "value": "one master seed, one child seed per stage",
        "source": "deeprg choice",
        "note": "",
    },
]

#: The paper's own inconsistencies, reported beside the results.
INCONSISTENCIES: list[str] = [
    "The critical coupling is printed as J_c = 0.4352; the exact value is ½ ln(1+√2) = 0.440687 "
    "(J = 0.408 is on the paramagnetic side either way).",
    "The number of samples is 20,000 in the main text and 40,000 in the appendix; deeprg uses 20,000.",
    "'ΔF = 0 ⟺ Tr_h e^T = 1' holds only as '⟸' (the authors later called the 'iff' a typo); "
    "deeprg's RG table shows both directions numerically.",
]
