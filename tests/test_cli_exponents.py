"""``deeprg rg exponents``: the JSON contract, the learned transform's report, bad input."""

from __future__ import annotations

import json

import numpy as np
import pytest
from click.testing import CliRunner

from deeprg.cli import main


def invoke(*arguments):
    return CliRunner().invoke(main, ["rg", "exponents", *arguments])


def test_majority_json_contract():
    result = invoke("--size", "16", "--samples", "3000", "--seed", "3", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["transform"] == "majority" and data["size"] == 16
    assert data["exact"] == {"y_T": 1.0, "y_h": 1.875}
    for entry in data["estimates"]:
        assert {"level", "n_operators", "y_T", "y_T_err", "y_h", "y_h_err"} <= set(entry)
    best = data["best"]
    assert {"y_T", "y_T_err", "y_h", "y_h_err", "level", "n_operators"} <= set(best)
    # L = 16 with 3000 samples: loose, but the wrong orientation (y ≈ 2.85) or a broken
    # sampler would be far outside
    assert abs(best["y_T"] - 1.0) < 0.1 and abs(best["y_h"] - 1.875) < 0.02


def test_learned_transform_writes_report_with_verdict(tmp_path):
    out = tmp_path / "exp"
    result = invoke(
        "--size",
        "16",
        "--samples",
        "2000",
        "--transform",
        "learned",
        "--epochs",
        "2",
        "--out",
        str(out),
        "--no-progress",
    )
    assert result.exit_code == 0, result.output
    data = json.loads((out / "exponents.json").read_text())
    assert data["transform"] == "learned" and data["majority"]["transform"] == "majority"
    assert len(data["kernels"]) == 2  # 16 -> 8 -> 4
    statement = data["verdict"]["statement"]
    assert "majority" in statement and statement in result.output
    page = (out / "report.html").read_text()
    assert "Verdict" in page and page.count("<img") == 2
    # the learned levels are saved, and reloading them gives the same kernels
    again = invoke(
        "--size",
        "16",
        "--samples",
        "2000",
        "--transform",
        "learned",
        "--model",
        str(out / "model.h5"),
        "--json",
    )
    assert again.exit_code == 0, again.output
    reloaded = np.array(json.loads(again.output)["kernels"])
    np.testing.assert_allclose(reloaded, np.array(data["kernels"]), rtol=1e-6)
    # a conv model file is refused by the dense loader with a one-line pointer
    from deeprg import io
    from deeprg.errors import InputError

    with pytest.raises(InputError, match="load_conv_layers"):
        io.load_model(out / "model.h5")


@pytest.mark.parametrize(
    "arguments, word",
    [
        (["--size", "16", "--transform", "majority3"], "divisible"),
        (["--size", "16", "--samples", "10"], "configurations"),
        (["--size", "16", "--transform", "learned", "--kernel-size", "1"], "kernel_size"),
    ],
)
def test_bad_input_is_one_line(arguments, word):
    """Each refused before sampling, with one line naming the problem."""
    result = invoke(*arguments, "--no-progress")
    assert result.exit_code == 2, result.output
    assert word in result.output and "Traceback" not in result.output


def test_too_small_lattice_says_why_best_is_missing():
    result = invoke("--size", "10", "--samples", "500", "--no-progress")
    assert result.exit_code == 0, result.output
    assert "best: not measurable" in result.output
