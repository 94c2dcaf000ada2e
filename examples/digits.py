"""Your own data in, a few features out: deeprg on scikit-learn's 8x8 handwritten digits.

The digits (1797 images, pixel values 0-16, bundled with scikit-learn: no download) are
split into a training and a test set (fixed, stratified) and written to two CSV files with
a header (p0 ... p63). Then, through deeprg's command line:

    deeprg train digits_train.csv --layers 32,16 --scale minmax --epochs 20 \\
        --batch-size 10 --lr 0.1 --seed 0 --out m.h5
    deeprg transform m.h5 digits_train.csv --out f_train.csv
    deeprg transform m.h5 digits_test.csv --out f_test.csv

(the test rows get the training set's min/max scaling, stored in m.h5). The same network
with Gaussian visible units on standardised pixels (``--units gaussian --scale standard
--lr 0.003,0.1``: a Gaussian layer needs a smaller step) is trained the same way. A logistic
regression is fitted on each network's 16 top-layer features and scored on the test set,
beside the same classifier on scikit-learn's BernoulliRBM features at the same budget (16
components, the same number of passes, learning rate and batch size, on pixels / 16) and on
the raw pixels. Run it with ``python examples/digits.py [--epochs N] [--workdir DIR]``.

Only the labels are used by the classifier; both feature learners are unsupervised and see
the training images only.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np

#: Learning rate of the Gaussian bottom layer (the binary layer above keeps the common one).
GAUSSIAN_LEARNING_RATE = 0.003


def _cli(*args: str) -> None:
    """Run one deeprg command in-process (as the shell would), failing loudly."""
    from click.testing import CliRunner

    from deeprg.cli import main as deeprg_main

    result = CliRunner().invoke(deeprg_main, list(args))
    if result.exit_code != 0:
        raise RuntimeError(f"deeprg {' '.join(args)} failed:\n{result.output}")


def _write_csv(path: Path, pixels: np.ndarray) -> None:
    header = ",".join(f"p{j}" for j in range(pixels.shape[1]))
    np.savetxt(path, pixels, delimiter=",", header=header, comments="", fmt="%d")


def _classifier():
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    return make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000))


def main(
    epochs: int = 20,
    workdir: str | Path | None = None,
    seed: int = 0,
    learning_rate: float = 0.1,
    batch_size: int = 10,
    verbose: bool = True,
) -> dict[str, float]:
    """Run the comparison; returns test accuracies and the seconds taken.

    Returns
    -------
    dict
        ``deeprg``, ``deeprg_gaussian``, ``bernoulli_rbm``, ``raw_pixels`` (test
        accuracies), ``seconds``.
    """
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split
    from sklearn.neural_network import BernoulliRBM

    start = time.perf_counter()
    X, y = load_digits(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.3, random_state=0, stratify=y
    )
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(workdir) if workdir is not None else Path(scratch)
        folder.mkdir(parents=True, exist_ok=True)
        train_csv, test_csv = folder / "digits_train.csv", folder / "digits_test.csv"
        _write_csv(train_csv, X_train)
        _write_csv(test_csv, X_test)
        variants = {
            "deeprg": ("--scale", "minmax", "--lr", str(learning_rate)),
            "deeprg_gaussian": (
                "--units", "gaussian", "--scale", "standard",
                "--lr", f"{GAUSSIAN_LEARNING_RATE},{learning_rate}",
            ),
        }  # fmt: skip
        features = {}
        for key, options in variants.items():
            model = folder / f"{key}.h5"
            _cli(
                "train", str(train_csv), "--layers", "32,16", *options,
                "--epochs", str(epochs), "--batch-size", str(batch_size), "--seed", str(seed),
                "--out", str(model), "--overwrite", "--no-progress",
            )  # fmt: skip
            for source, part in ((train_csv, "train"), (test_csv, "test")):
                out = folder / f"{key}_f_{part}.csv"
                _cli("transform", str(model), str(source), "--out", str(out), "--overwrite")
                features[key, part] = np.loadtxt(out, delimiter=",", skiprows=1)
    deeprg_seconds = time.perf_counter() - start

    results = {}
    for key in variants:
        results[key] = (
            _classifier().fit(features[key, "train"], y_train).score(features[key, "test"], y_test)
        )
    rbm = BernoulliRBM(
        n_components=16,
        n_iter=epochs,
        learning_rate=learning_rate,
        batch_size=batch_size,
        random_state=seed,
    ).fit(X_train / 16)
    results["bernoulli_rbm"] = (
        _classifier()
        .fit(rbm.transform(X_train / 16), y_train)
        .score(rbm.transform(X_test / 16), y_test)
    )
    results["raw_pixels"] = _classifier().fit(X_train / 16, y_train).score(X_test / 16, y_test)
    results["deeprg_seconds"] = deeprg_seconds
    results["seconds"] = time.perf_counter() - start
    if verbose:
        print(f"digits: {len(X_train)} training / {len(X_test)} test images, {epochs} epochs")
        print(f"{'features':<34}{'test accuracy':>14}")
        rows = (
            ("deeprg DBN 64-32-16 (16 features)", "deeprg"),
            ("  same, Gaussian visible units", "deeprg_gaussian"),
            ("sklearn BernoulliRBM (16)", "bernoulli_rbm"),
            ("raw pixels (64)", "raw_pixels"),
        )
        for label, key in rows:
            print(f"{label:<34}{results[key]:>14.3f}")
        print(f"({results['seconds']:.1f} s in all, deeprg CLI {deeprg_seconds:.1f} s)")
    return results


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=20, help="Passes per layer / n_iter.")
    parser.add_argument("--workdir", default=None, help="Keep the CSV and model files here.")
    parser.add_argument("--seed", type=int, default=0)
    arguments = parser.parse_args()
    main(epochs=arguments.epochs, workdir=arguments.workdir, seed=arguments.seed)
