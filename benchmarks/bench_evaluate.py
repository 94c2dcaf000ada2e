"""Compression curves on real data: deeprg's features against PCA, PLS and the raw columns.

Run by hand (never in CI)::

    python benchmarks/bench_evaluate.py              # Tecator (~1 min) and digits (~15-30 min) on 2 cores
    python benchmarks/bench_evaluate.py --quick      # fewer epochs, a dry run
    python benchmarks/bench_evaluate.py --skip-digits --json

- **Tecator** (regression): near-infrared spectra of meat (100 channels), fat % as the KPI, the
  172/43 train/test split that sktime ships (``pip install sktime``); published test RMSEs on
  the same 43 samples beside deeprg's. Two deeprg recipes run on the same split: the one
  the README gave before Gaussian hidden units existed (a 32-8 stack of binary hidden units,
  ``--lr 0.003,0.1``) and ``deeprg evaluate``'s default (a linear 8-unit code layer, then 6
  binary units; fine-tuned).
- **digits** (classification): scikit-learn's 8×8 digits (1,797 images, 10 classes), binary
  units on min-max scaled pixels, 5-fold cross-validation; test accuracy.

Every number is from ``deeprg.experiments.evaluate.run`` (the same code as ``deeprg
evaluate``); the machine is printed with the tables.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import sys
import tempfile
import time
from pathlib import Path

from machine import describe

REPO = Path(__file__).resolve().parents[1]


def _tecator_example():
    spec = importlib.util.spec_from_file_location("tecator", REPO / "examples" / "tecator.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def tecator(workdir: Path, quick: bool) -> dict:
    """Both recipes on Tecator's given split; returns {recipe: evaluation document}."""
    from deeprg.experiments.evaluate import EvaluateSettings, run

    example = _tecator_example()
    train_ts, test_ts = example.tecator_files()
    for name, path in (("train", train_ts), ("test", test_ts)):
        example.write_csv(workdir / f"{name}.csv", *example.read_ts(path))
    epochs = 20 if quick else 200
    recipes = {
        "binary hidden units (before)": EvaluateSettings(
            target="fat", layers=(32, 8), hidden_units=("binary", "binary"),
            learning_rate=(0.003, 0.1), epochs=epochs, fine_tune=True,
            fine_tune_epochs=100 if quick else 3000,
        ),
        "linear code layer (default)": EvaluateSettings(
            target="fat", epochs=epochs, fine_tune=True, fine_tune_epochs=100 if quick else 3000
        ),
    }  # fmt: skip
    out = {}
    for label, settings in recipes.items():
        start = time.perf_counter()
        document = run(
            workdir / "train.csv", settings, workdir / label.split()[0], test=workdir / "test.csv",
            progress=False, log=lambda message: None,
        )  # fmt: skip
        document["seconds"] = time.perf_counter() - start
        out[label] = document
    out["published"] = example.PUBLISHED
    return out


def digits(workdir: Path, quick: bool) -> dict:
    """scikit-learn's digits, 5-fold CV, accuracy."""
    from sklearn.datasets import load_digits

    from deeprg.experiments.evaluate import EvaluateSettings, run

    data = load_digits()
    header = ",".join([f"p{j}" for j in range(64)] + ["digit"])
    rows = [
        ",".join(map(str, [*map(int, x), int(t)]))
        for x, t in zip(data.data, data.target, strict=True)
    ]
    (workdir / "digits.csv").write_text(header + "\n" + "\n".join(rows) + "\n")
    settings = EvaluateSettings(
        target="digit", task="classification", units="binary", layers=(32, 16),
        hidden_units=("binary", "binary"), learning_rate=(0.1,), epochs=5 if quick else 40,
        batch_size=20, folds=5, fine_tune=True, fine_tune_epochs=20 if quick else 300,
    )  # fmt: skip
    start = time.perf_counter()
    document = run(
        workdir / "digits.csv", settings, workdir / "digits", progress=False, log=lambda m: None
    )
    document["seconds"] = time.perf_counter() - start
    return {"5-fold CV": document}


def print_table(title: str, documents: dict, published: dict | None = None) -> None:
    print(f"\n{title}")
    for label, document in documents.items():
        metric = document["metric"]
        print(f"  {label} ({document['seconds']:.0f} s): test {metric}")
        _tecator_example().print_rows(document["rows"], metric, indent="    ")
    for label, value in (published or {}).items():
        print(f"  published: {label}: {value}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="few epochs: a dry run")
    parser.add_argument("--skip-digits", action="store_true")
    parser.add_argument("--skip-tecator", action="store_true")
    parser.add_argument("--json", action="store_true", help="print the documents as JSON too")
    arguments = parser.parse_args()
    results = {"machine": describe()}
    print(f"machine: {results['machine']}")
    with tempfile.TemporaryDirectory() as tmp:
        if not arguments.skip_tecator:
            (Path(tmp) / "tecator").mkdir()
            found = tecator(Path(tmp) / "tecator", arguments.quick)
            published = found.pop("published")
            print_table("Tecator: fat %, 172 training / 43 test spectra", found, published)
            results["tecator"] = found
        if not arguments.skip_digits:
            (Path(tmp) / "digits").mkdir()
            found = digits(Path(tmp) / "digits", arguments.quick)
            print_table("digits: 10 classes, 1,797 images of 8×8 pixels", found)
            results["digits"] = found
    if arguments.json:
        json.dump(results, sys.stdout, indent=1, default=str)
        print()


if __name__ == "__main__":
    main()
