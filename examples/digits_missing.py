"""Missing values: deeprg imputes hidden pixels of scikit-learn's 8x8 digits from the model.

20 % of the pixels of every image (training and test) are hidden at random and written as
empty CSV fields. Through deeprg's command line:

    deeprg train digits_train_missing.csv --layers 32,16 --scale minmax --missing impute \\
        --epochs 20 --batch-size 10 --seed 0 --out m.h5
    deeprg transform m.h5 digits_test_missing.csv --out f_test.csv

``--missing impute`` trains on every row: the gaps start at the column means and are redrawn
from the model after every epoch (Gibbs sampling with the observed pixels clamped), and
``transform`` fills them the same way before computing features. Two measures, each against
scikit-learn's column-mean ``SimpleImputer`` fitted on the same training rows:

* **recovery**: the root-mean-square error of the hidden test pixels (in units of the
  pixel range, 0-16 mapped to 0-1), filled by the trained model's bottom RBM
  (``RBM.impute``, the posterior mean of 50 clamped sweeps) or by the column means;
* **accuracy**: a logistic regression trained on the complete training images, scored on
  the test images with their gaps filled each way.

Run it with ``python examples/digits_missing.py [--epochs N] [--workdir DIR]``.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np

#: Fraction of pixels hidden in every image.
HIDDEN_FRACTION = 0.2


def _cli(*args: str) -> None:
    """Run one deeprg command in-process (as the shell would), failing loudly."""
    from click.testing import CliRunner

    from deeprg.cli import main as deeprg_main

    result = CliRunner().invoke(deeprg_main, list(args))
    if result.exit_code != 0:
        raise RuntimeError(f"deeprg {' '.join(args)} failed:\n{result.output}")


def _write_csv(path: Path, pixels: np.ndarray) -> None:
    """A CSV with a header p0..p63 and empty fields where a pixel is missing (NaN)."""
    header = ",".join(f"p{j}" for j in range(pixels.shape[1]))
    rows = [",".join("" if np.isnan(x) else f"{x:g}" for x in row) for row in pixels]
    path.write_text(header + "\n" + "\n".join(rows) + "\n")


def _hide(pixels: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    hidden = rng.random(pixels.shape) < HIDDEN_FRACTION
    return np.where(hidden, np.nan, pixels), hidden


def main(
    epochs: int = 20,
    workdir: str | Path | None = None,
    seed: int = 0,
    verbose: bool = True,
) -> dict[str, float]:
    """Run the comparison.

    Returns
    -------
    dict
        ``rmse_deeprg``, ``rmse_column_mean`` (hidden test pixels, pixel range 0-1),
        ``accuracy_deeprg``, ``accuracy_column_mean``, ``accuracy_complete`` (the test images
        without gaps), ``seconds``.
    """
    from sklearn.datasets import load_digits
    from sklearn.impute import SimpleImputer
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import train_test_split

    from deeprg.io import load_layers, load_model
    from deeprg.readers import Preprocessing

    start = time.perf_counter()
    X, y = load_digits(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.3, random_state=0, stratify=y
    )
    rng = np.random.default_rng(seed)
    gappy_train, _ = _hide(X_train, rng)
    gappy_test, hidden_test = _hide(X_test, rng)
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(workdir) if workdir is not None else Path(scratch)
        folder.mkdir(parents=True, exist_ok=True)
        train_csv = folder / "digits_train_missing.csv"
        test_csv = folder / "digits_test_missing.csv"
        _write_csv(train_csv, gappy_train)
        _write_csv(test_csv, gappy_test)
        model = folder / "m.h5"
        _cli(
            "train", str(train_csv), "--layers", "32,16", "--scale", "minmax",
            "--missing", "impute", "--epochs", str(epochs), "--batch-size", "10",
            "--seed", str(seed), "--out", str(model), "--overwrite", "--no-progress",
        )  # fmt: skip
        _cli("transform", str(model), str(test_csv), "--out", str(folder / "f_test.csv"))
        layers, attrs = load_layers(model)
        prep = Preprocessing.from_attrs(attrs, layers)
        bottom = load_model(model).rbms_[0]
    bottom.set_params(random_state=seed)
    filled_deeprg = prep.inverse(bottom.impute(prep.apply(gappy_test)))
    filled_mean = SimpleImputer(strategy="mean").fit(gappy_train).transform(gappy_test)

    def rmse(filled: np.ndarray) -> float:
        return float(np.sqrt(np.mean(((filled - X_test)[hidden_test] / 16.0) ** 2)))

    classifier = LogisticRegression(max_iter=3000).fit(X_train / 16, y_train)
    results = {
        "rmse_deeprg": rmse(filled_deeprg),
        "rmse_column_mean": rmse(filled_mean),
        "accuracy_deeprg": classifier.score(filled_deeprg / 16, y_test),
        "accuracy_column_mean": classifier.score(filled_mean / 16, y_test),
        "accuracy_complete": classifier.score(X_test / 16, y_test),
        "seconds": time.perf_counter() - start,
    }
    if verbose:
        print(
            f"digits, {HIDDEN_FRACTION:.0%} of pixels hidden: {len(X_train)} training / "
            f"{len(X_test)} test images, {epochs} epochs"
        )
        print(f"{'imputation':<28}{'RMSE of hidden pixels':>22}{'test accuracy':>15}")
        for label, key in (("deeprg (clamped Gibbs)", "deeprg"), ("column mean", "column_mean")):
            print(f"{label:<28}{results['rmse_' + key]:>22.3f}{results['accuracy_' + key]:>15.3f}")
        print(f"(complete test images: accuracy {results['accuracy_complete']:.3f}; "
              f"{results['seconds']:.1f} s in all)")  # fmt: skip
    return results


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=20, help="Passes per layer.")
    parser.add_argument("--workdir", default=None, help="Keep the CSV and model files here.")
    parser.add_argument("--seed", type=int, default=0)
    arguments = parser.parse_args()
    main(epochs=arguments.epochs, workdir=arguments.workdir, seed=arguments.seed)
