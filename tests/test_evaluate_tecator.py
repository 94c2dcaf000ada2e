"""examples/tecator.py at a reduced scale: the files of the evaluation and the linear baselines.

The Tecator spectra come with sktime (the ``examples`` extra); without it the test is skipped.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

pytestmark = [
    pytest.mark.usefixtures("one_torch_thread"),
    pytest.mark.skipif(
        importlib.util.find_spec("sktime") is None,
        reason="the Tecator files ship with sktime: pip install -e '.[examples]'",
    ),
]


def load_example():
    path = Path(__file__).resolve().parents[1] / "examples" / "tecator.py"
    spec = importlib.util.spec_from_file_location("tecator_example", path)
    example = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(example)
    return example


def test_tecator_example_at_reduced_scale(tmp_path):
    example = load_example()
    X, fat = example.read_ts(example.tecator_files()[0])
    assert X.shape == (172, 100) and fat.shape == (172,)
    summary = example.main(epochs=3, workdir=tmp_path, scale_down=True, verbose=False)
    header = (tmp_path / "train.csv").read_text().splitlines()[0].split(",")
    assert header[0] == "nm850" and header[-2] == "nm1048" and header[-1] == "fat"
    assert len(header) == 101
    out = Path(summary["out"])
    for name in ("evaluation.json", "evaluation.csv", "report.html", "compression_curve.png"):
        assert (out / name).is_file(), name
    assert (out / "models" / "stack_16-8.h5").is_file()
    document = json.loads((out / "evaluation.json").read_text())
    assert document["data"]["n_train"] == 172 and document["data"]["n_test"] == 43
    score = {(r["method"], r["n_features"]): r["score"] for r in summary["rows"]}
    # The linear baselines are deterministic: PCA 2.93 and PLS 2.73 at 8 components.
    assert score[("pca", 8)] == pytest.approx(2.93, abs=0.05)
    assert score[("pls", 8)] == pytest.approx(2.73, abs=0.05)
    assert score[("mean", 0)] == pytest.approx(12.9, abs=0.1)
    assert {"deeprg", "deeprg-fine-tuned"} <= {method for method, _ in score}
