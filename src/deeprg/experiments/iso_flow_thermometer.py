"""The thermometer of ``deeprg reproduce iso-flow``: trained, controlled and scored.

An MLP classifier (:mod:`deeprg.thermometer`) trained on the training set and a copy
trained on shuffled labels (the chance control), both reused from ``thermometer*.pt``
when their settings match; scored on the independent test set beside the exact Bayes
posterior, the accuracy ceiling.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np

from ._stages import ThermometerStore, compute_or_load
from .iso_flow_samples import labelled
from .iso_flow_settings import (
    SEED_SHUFFLED,
    SEED_THERMOMETER,
    T_CRITICAL,
    THERMOMETER_SETTINGS,
    IsoFlowSettings,
    stage_seeds,
)

__all__ = ["thermometer_scores", "thermometer_stage"]


def thermometer_stage(
    settings: IsoFlowSettings,
    train: dict,
    out: Path,
    device: str,
    progress: bool,
    log: Callable,
) -> tuple:
    """The thermometer and its shuffled-label control, reused from ``thermometer*.pt``.

    Returns
    -------
    thermometer, shuffled : deeprg.thermometer.Thermometer
    """
    from ..thermometer import train_thermometer

    seeds = stage_seeds(settings)
    spins, labels = labelled(train)
    shuffled = np.random.default_rng(int(seeds[SEED_SHUFFLED])).permutation(labels)
    store = ThermometerStore(device)
    models = []
    for name, y, seed in (
        ("thermometer", labels, seeds[SEED_THERMOMETER]),
        ("thermometer_shuffled", shuffled, seeds[SEED_SHUFFLED]),
    ):
        path = out / f"{name}.pt"

        def fit(name=name, y=y, seed=seed):
            log(f"thermometer: training {'the shuffled-label control' if y is shuffled else name}")
            return train_thermometer(
                spins,
                y,
                train["temperatures"],
                hidden=settings.thermometer_hidden,
                epochs=settings.thermometer_epochs,
                learning_rate=settings.thermometer_lr,
                batch_size=settings.thermometer_batch_size,
                weight_decay=settings.thermometer_weight_decay,
                augment=settings.thermometer_augment,
                seed=int(seed),
                device=device,
                progress=progress,
                description=name.replace("_", " "),
            )

        key = settings.key(*THERMOMETER_SETTINGS, extra=name)
        reused = f"thermometer: reusing {path.name}"
        models.append(compute_or_load(store, path, key, fit, log=log, reused=reused))
    return models[0], models[1]


def thermometer_scores(thermometer, shuffled, test: dict, seed: int) -> dict:
    """Test-set scores of the thermometer, the exact Bayes posterior and the shuffled control."""
    from ..thermometer import chance_spread, exact_posterior, score

    spins, labels = labelled(test)
    temps = test["temperatures"]
    size = spins.shape[-1]
    nn = score(thermometer.predict_proba(spins), labels, temps)
    bayes = score(exact_posterior(spins, temps, size), labels, temps)
    control = score(shuffled.predict_proba(spins), labels, temps)
    spread = chance_spread(control.confusion, seed=seed)
    k_c = int(np.argmin(np.abs(temps - T_CRITICAL)))
    lo, hi = max(k_c - 2, 0), min(k_c + 3, len(temps))
    block = nn.confusion[lo:hi, lo:hi]
    row_c = nn.confusion[k_c]
    near = {
        "classes": [float(t) for t in temps[lo:hi]],
        "confusion": block.tolist(),
        "critical_class_accuracy": float(row_c[k_c] / max(row_c.sum(), 1)),
        "critical_class_within_one": float(
            row_c[max(k_c - 1, 0) : k_c + 2].sum() / max(row_c.sum(), 1)
        ),
        "critical_class_mean_reading": float(nn.mean_reading[k_c]),
        "bayes_critical_class_accuracy": float(
            bayes.confusion[k_c, k_c] / max(bayes.confusion[k_c].sum(), 1)
        ),
    }
    return {
        "architecture": f"MLP {size * size} → {thermometer.hidden} ReLU → {len(temps)}, "
        "spin-flip symmetrised logits, trained with random torus translations",
        "test_accuracy": nn.accuracy,
        "chance_accuracy": nn.chance,
        "shuffled_label_accuracy": control.accuracy,
        "shuffled_label_binomial_stderr": control.binomial_stderr,
        "shuffled_label_permutation_stderr": spread,
        "bayes_accuracy": bayes.accuracy,
        "within_one_class": nn.within_one,
        "bayes_within_one_class": bayes.within_one,
        "mean_absolute_error": nn.mean_absolute_error,
        "bayes_mean_absolute_error": bayes.mean_absolute_error,
        "shuffled_label_mean_absolute_error": control.mean_absolute_error,
        "mean_absolute_error_argmax": nn.mean_absolute_error_argmax,
        "n_test": nn.n,
        "near_critical": near,
        "classifier": nn.as_dict(),
        "bayes": bayes.as_dict(),
        "shuffled": control.as_dict(),
        "training_loss": list(thermometer.history.get("loss", [])),
        "shuffled_training_loss": list(shuffled.history.get("loss", [])),
    }
