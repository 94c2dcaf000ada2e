"""Tecator: how few features of a near-infrared spectrum keep the fat content of meat.

The data: 215 finely chopped meat samples, each with its near-infrared absorbance spectrum
(100 channels, 850-1050 nm in 2 nm steps, recorded by a Tecator Infratec Food and Feed
Analyzer) and its fat content (% by chemical analysis), the KPI. Collected by Borggaard &
Thodberg, "Optimal minimal neural interpretation of spectra", Analytical Chemistry 64, 545
(1992); distributed by StatLib and as OpenML data set 505. This example reads the copy that
the sktime package ships (``sktime/datasets/data/Tecator/Tecator_TRAIN.ts`` and
``Tecator_TEST.ts``, located without importing sktime): 172 training and 43 test samples.

Published test RMSEs of fat (% points) on the same 43 test samples (StatLib's description):
a linear model on 10 inputs 2.78, a 10-6-1 neural network 0.65 (Borggaard & Thodberg 1992),
a Bayesian neural network 0.52 (Thodberg 1993).

The study, through deeprg's command line: the spectra are written to ``train.csv`` and
``test.csv`` (columns ``nm850``, ``nm852``, ..., ``nm1048`` and ``fat``), then

    deeprg evaluate train.csv --target fat --test test.csv --fine-tune --out tecator-eval

scores deeprg's features at every depth of its default stack (standardised channels, a
linear 8-unit code layer, then 6 binary units), unsupervised and fine-tuned, beside PCA, PLS, all 100 channels and the training mean (its report is
``tecator-eval/report.html``). Install the data with ``pip install "deeprg[examples]"`` (or
``pip install sktime``) and run it with ``python examples/tecator.py [--epochs N]
[--workdir DIR] [--scale-down]``; ``--scale-down`` (few epochs) takes seconds.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import tempfile
import time
from pathlib import Path

import numpy as np

#: Wavelengths of the 100 channels (nm).
WAVELENGTHS = tuple(range(850, 1050, 2))
#: Published test RMSEs (fat, % points) on the same 43 test samples.
PUBLISHED = {
    "linear model, 10 inputs": 2.78,
    "10-6-1 neural network (Borggaard & Thodberg 1992)": 0.65,
    "Bayesian neural network (Thodberg 1993)": 0.52,
}


def tecator_files() -> tuple[Path, Path]:
    """The training and test ``.ts`` files shipped inside the installed sktime package.

    Raises
    ------
    FileNotFoundError
        When sktime is not installed (or ships no Tecator files).
    """
    spec = importlib.util.find_spec("sktime")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError(
            "the Tecator files come with sktime; pip install sktime (or deeprg[examples])"
        )
    folder = Path(next(iter(spec.submodule_search_locations))) / "datasets/data/Tecator"
    files = (folder / "Tecator_TRAIN.ts", folder / "Tecator_TEST.ts")
    for file in files:
        if not file.is_file():
            raise FileNotFoundError(f"{file} is missing from the installed sktime")
    return files


def read_ts(path: str | Path) -> tuple[np.ndarray, np.ndarray]:
    """Spectra and fat contents of a ``.ts`` file (header lines start with # or @).

    Returns
    -------
    spectra : array of shape (n_samples, 100)
    fat : array of shape (n_samples,)
    """
    spectra, fat = [], []
    for line in Path(path).read_text().splitlines():
        line = line.strip()
        if not line or line.startswith(("#", "@")):
            continue
        values, _, target = line.rpartition(":")
        spectra.append([float(v) for v in values.split(",")])
        fat.append(float(target))
    X = np.asarray(spectra, dtype=np.float64)
    if X.ndim != 2 or X.shape[1] != len(WAVELENGTHS):
        raise ValueError(f"{path}: expected {len(WAVELENGTHS)} absorbances per sample")
    return X, np.asarray(fat, dtype=np.float64)


def write_csv(path: Path, spectra: np.ndarray, fat: np.ndarray) -> None:
    """A table with columns nm850 ... nm1048 and fat."""
    header = ",".join([*(f"nm{w}" for w in WAVELENGTHS), "fat"])
    rows = [",".join(f"{v:.6g}" for v in (*row, y)) for row, y in zip(spectra, fat, strict=True)]
    path.write_text(header + "\n" + "\n".join(rows) + "\n")


def _cli(*args: str) -> str:
    """Run one deeprg command in-process (as the shell would), failing loudly."""
    from click.testing import CliRunner

    from deeprg.cli import main as deeprg_main

    result = CliRunner().invoke(deeprg_main, list(args))
    if result.exit_code != 0:
        raise RuntimeError(f"deeprg {' '.join(args)} failed:\n{result.output}")
    return result.stdout


def print_rows(rows: list[dict], metric: str, indent: str = "") -> None:
    """The evaluation's rows as a text table: method, depth, features, score ± stderr."""
    print(f"{indent}{'method':<22}{'depth':>6}{'features':>10}{metric:>12}{'± stderr':>10}")
    for row in rows:
        depth = "" if row["depth"] is None else str(row["depth"])
        print(
            f"{indent}{row['method']:<22}{depth:>6}{row['n_features']:>10}"
            f"{row['score']:>12.3f}{row['stderr']:>10.3f}"
        )


def main(
    epochs: int = 200,
    workdir: str | Path | None = None,
    scale_down: bool = False,
    seed: int = 0,
    verbose: bool = True,
) -> dict:
    """Run the study; return ``evaluation.json``'s summary (``task``, ``metric``, ``rows``,
    ``recommended``) with ``seconds`` and ``out`` (the evaluation folder) added.

    ``scale_down`` trains the default stack with at most 20 epochs and 50 fine-tuning
    epochs (for tests and CI); otherwise with ``epochs`` per layer.
    """
    start = time.perf_counter()
    train_file, test_file = tecator_files()
    X_train, y_train = read_ts(train_file)
    X_test, y_test = read_ts(test_file)
    scratch = None
    if workdir is None:
        scratch = tempfile.mkdtemp(prefix="tecator-")
    folder = Path(workdir if workdir is not None else scratch)
    folder.mkdir(parents=True, exist_ok=True)
    write_csv(folder / "train.csv", X_train, y_train)
    write_csv(folder / "test.csv", X_test, y_test)
    out = folder / "evaluation"
    args = ["evaluate", str(folder / "train.csv"), "--target", "fat"]
    args += ["--test", str(folder / "test.csv"), "--fine-tune", "--out", str(out)]
    args += ["--seed", str(seed), "--json", "--no-progress"]
    if scale_down:
        args += ["--epochs", str(min(epochs, 20))]
        args += ["--fine-tune-epochs", "50"]
    else:
        args += ["--epochs", str(epochs)]
    summary = json.loads(_cli(*args))
    summary["seconds"] = time.perf_counter() - start
    summary["out"] = str(out)
    if verbose:
        print(
            f"Tecator: {len(y_train)} training / {len(y_test)} test spectra, "
            f"{X_train.shape[1]} channels; test RMSE of fat (% points)"
        )
        print_rows(summary["rows"], "test RMSE")
        for label, rmse in PUBLISHED.items():
            print(f"published: {label}: {rmse:.2f}")
        print(f"report: {out / 'report.html'} ({summary['seconds']:.0f} s in all)")
    return summary


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=200, help="Epochs per layer.")
    parser.add_argument("--workdir", default=None, help="Keep the tables and the evaluation here.")
    parser.add_argument("--scale-down", action="store_true", help="Few epochs (seconds; for CI).")
    parser.add_argument("--seed", type=int, default=0)
    arguments = parser.parse_args()
    main(
        epochs=arguments.epochs,
        workdir=arguments.workdir,
        scale_down=arguments.scale_down,
        seed=arguments.seed,
    )
