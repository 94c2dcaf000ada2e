"""Anomaly detection on NASA shuttle (ODDS, 49,097 x 9, 7.15 % anomalies), PyOD's protocol.

For each seed: a 60/40 random split, z-scores from the training part, unsupervised
training on the training part (anomalies included), ROC-AUC and precision@N (N = the
number of true anomalies in the test part) of the test records. deeprg's
:class:`~deeprg.anomaly.RBMDetector` (default settings and variants) is run beside
scikit-learn's IsolationForest and PCA reconstruction error, in the same run.

The data file comes with the ``river`` package (``pip install river``); it is located,
not imported::

    python benchmarks/bench_anomaly.py --seeds 10

Published (PyOD benchmark, same data and protocol, 10 repeats): IForest 0.9971,
ECOD 0.9929, OCSVM 0.9917, PCA 0.9898, AutoEncoder 0.9898, HBOS 0.9855.
"""

from __future__ import annotations

import argparse
import gzip
import importlib.util
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
from sklearn.decomposition import PCA
from sklearn.ensemble import IsolationForest
from sklearn.metrics import roc_auc_score

from deeprg.anomaly import RBMDetector
from deeprg.rbm import RBM
from machine import describe

PUBLISHED = {"IForest": 0.9971, "ECOD": 0.9929, "OCSVM": 0.9917, "PCA": 0.9898}


def shuttle() -> tuple[np.ndarray, np.ndarray]:
    """(X of shape (49097, 9), y of shape (49097,), 1 = anomaly) from river's data file."""
    spec = importlib.util.find_spec("river")
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit("the shuttle data come with the river package; pip install river")
    path = Path(spec.submodule_search_locations[0]) / "datasets" / "shuttle.csv.gz"
    with gzip.open(path, "rt") as handle:
        table = np.loadtxt(handle, delimiter=",", skiprows=1)
    return table[:, :-1], table[:, -1].astype(int)


def precision_at_n(y: np.ndarray, scores: np.ndarray) -> float:
    """Fraction of true anomalies among the N top-scored records, N = number of anomalies."""
    n = int(y.sum())
    return float(y[np.argsort(-scores, kind="stable")[:n]].mean())


def rbm_scores(
    units: str, score: str, n_hidden: int, epochs: int, lr: float, l2: float = 0.0
) -> Callable:
    """A scorer: RBMDetector on z-scored (Gaussian) or min-max-clipped (binary) data."""

    def run(train_raw, test_raw, z_train, z_test, seed):
        if units == "gaussian":
            train, test = z_train, z_test
        else:
            low, high = train_raw.min(0), train_raw.max(0)
            span = np.where(high > low, high - low, 1.0)
            train = np.clip((train_raw - low) / span, 0, 1)
            test = np.clip((test_raw - low) / span, 0, 1)
        model = RBM(
            n_hidden, units=units, epochs=epochs, learning_rate=lr, l2=l2, random_state=seed
        )
        return RBMDetector(model, score=score).fit(train).decision_function(test)

    return run


def default_detector(train_raw, test_raw, z_train, z_test, seed):
    return RBMDetector(random_state=seed).fit(z_train).decision_function(z_test)


def iforest(train_raw, test_raw, z_train, z_test, seed):
    forest = IsolationForest(random_state=seed).fit(z_train)
    return -forest.score_samples(z_test)


def pca_error(train_raw, test_raw, z_train, z_test, seed):
    pca = PCA(n_components=0.95, random_state=seed).fit(z_train)
    recon = pca.inverse_transform(pca.transform(z_test))
    return np.sum((z_test - recon) ** 2, axis=1)


def pca_pyod(train_raw, test_raw, z_train, z_test, seed):
    """PyOD's PCA score: all components, distances to each eigenvector over its variance ratio."""
    pca = PCA(random_state=seed).fit(z_train)
    distances = np.linalg.norm(z_test[:, None, :] - pca.components_[None, :, :], axis=2)
    return np.sum(distances / pca.explained_variance_ratio_, axis=1)


def synthetic(seeds: int) -> None:
    """Free energy vs reconstruction error of the default detector on a synthetic case.

    6 sensors driven by 2 latent factors plus noise; outliers (100 of 2,100 training rows,
    100 of 1,100 test rows) are isotropic Gaussian records that break the correlation.
    """
    mixing = np.array([[1.0, 0.8, -0.6, 0.0, 0.5, 0.3], [0.0, 0.4, 0.7, 1.0, -0.5, 0.8]])
    aucs: dict[str, list[float]] = {"free_energy": [], "reconstruction": []}
    for seed in range(seeds):
        rng = np.random.default_rng(100 + seed)

        def normal(n: int, rng: np.random.Generator = rng) -> np.ndarray:
            return rng.normal(size=(n, 2)) @ mixing + 0.15 * rng.normal(size=(n, 6))

        train = np.vstack([normal(2000), rng.normal(scale=1.5, size=(100, 6))])
        test = np.vstack([normal(1000), rng.normal(scale=1.5, size=(100, 6))])
        labels = np.r_[np.zeros(1000), np.ones(100)]
        mean, std = train.mean(0), train.std(0)
        for score in aucs:
            det = RBMDetector(score=score, random_state=seed).fit((train - mean) / std)
            aucs[score].append(roc_auc_score(labels, det.decision_function((test - mean) / std)))
    print(f"synthetic (2 latent factors, 6 sensors), {seeds} seeds, default detector:")
    for score, values in aucs.items():
        print(f"  {score}: ROC-AUC {np.mean(values):.4f} ± {np.std(values):.4f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=10, help="Random splits (PyOD: 10).")
    parser.add_argument(
        "--variants", action="store_true", help="Also the other RBM settings tried."
    )
    parser.add_argument(
        "--synthetic",
        action="store_true",
        help="Only the synthetic free-energy/reconstruction case.",
    )
    args = parser.parse_args()
    if args.synthetic:
        synthetic(args.seeds)
        return

    methods: dict[str, Callable] = {
        "deeprg RBMDetector() [gaussian 32h, 30 ep, l2 1e-3, free energy]": default_detector,
        "deeprg gaussian 32h, reconstruction error": rbm_scores(
            "gaussian", "reconstruction", 32, 30, 0.01, 1e-3
        ),
        "deeprg binary 16h min-max, free energy": rbm_scores("binary", "free_energy", 16, 10, 0.1),
        "deeprg binary 16h min-max, reconstruction": rbm_scores(
            "binary", "reconstruction", 16, 10, 0.1
        ),
        "sklearn IsolationForest": iforest,
        "sklearn PCA (95 % var) reconstruction": pca_error,
        "sklearn PCA, PyOD's weighted score": pca_pyod,
    }
    if args.variants:
        for n_hidden, epochs, lr, l2 in [
            (32, 30, 0.01, 0.0),
            (32, 30, 0.01, 3e-3),
            (16, 30, 0.01, 0.0),
            (64, 30, 0.01, 0.0),
            (32, 10, 0.01, 0.0),
            (32, 50, 0.01, 0.0),
            (32, 30, 0.003, 0.0),
        ]:
            name = f"deeprg gaussian {n_hidden}h, {epochs} ep, lr {lr}, l2 {l2}, free energy"
            methods[name] = rbm_scores("gaussian", "free_energy", n_hidden, epochs, lr, l2)

    X, y = shuttle()
    print(f"shuttle: {X.shape[0]} x {X.shape[1]}, {100 * y.mean():.2f} % anomalies")
    print(f"machine: {describe()}")
    print(f"protocol: 60/40 random split, {args.seeds} seeds, z-score on the training part\n")
    results: dict[str, list[tuple[float, float, float]]] = {name: [] for name in methods}
    for seed in range(args.seeds):
        order = np.random.default_rng(seed).permutation(len(X))
        cut = int(0.6 * len(X))
        train, test = order[:cut], order[cut:]
        mean, std = X[train].mean(0), X[train].std(0)
        std = np.where(std > 0, std, 1.0)
        z_train, z_test = (X[train] - mean) / std, (X[test] - mean) / std
        for name, method in methods.items():
            start = time.perf_counter()
            scores = method(X[train], X[test], z_train, z_test, seed)
            seconds = time.perf_counter() - start
            auc = roc_auc_score(y[test], scores)
            results[name].append((auc, precision_at_n(y[test], scores), seconds))
        print(f"seed {seed} done", flush=True)

    print(f"\n| detector | ROC-AUC (mean ± sd, {args.seeds} seeds) | P@N | seconds/seed |")
    print("|---|---|---|---|")
    for name, rows in results.items():
        a = np.asarray(rows)
        print(
            f"| {name} | {a[:, 0].mean():.4f} ± {a[:, 0].std():.4f} | "
            f"{a[:, 1].mean():.4f} ± {a[:, 1].std():.4f} | {a[:, 2].mean():.1f} |"
        )
    print("\npublished (PyOD, ROC-AUC): " + ", ".join(f"{k} {v}" for k, v in PUBLISHED.items()))


if __name__ == "__main__":
    main()
