"""The products' precision choice: "auto", TF32's guard and switch, and what is recorded."""

from __future__ import annotations

import json

import h5py
import numpy as np
import pytest
import torch
from click.testing import CliRunner

from deeprg.cli import main
from deeprg.errors import InputError
from deeprg.rbm import RBM, precision
from deeprg.rbm.precision import fast_bfloat16, resolve_matmul_dtype, tf32_products


@pytest.fixture
def data():
    rng = np.random.default_rng(0)
    return (rng.random((60, 9)) < 0.4).astype(np.float32)


def test_auto_follows_the_device_probe(monkeypatch):
    monkeypatch.setattr(precision, "fast_bfloat16", lambda device: "CPU with AVX-512 BF16")
    assert resolve_matmul_dtype("auto", "cpu") == ("bfloat16", "auto: CPU with AVX-512 BF16")
    monkeypatch.setattr(precision, "fast_bfloat16", lambda device: None)
    assert resolve_matmul_dtype("auto", "cpu") == (
        "float32",
        "auto: no fast bfloat16 products on cpu",
    )
    # Explicit choices are never changed by the probe.
    assert resolve_matmul_dtype("bfloat16", "cpu") == ("bfloat16", "requested")
    assert resolve_matmul_dtype("float32", "cpu") == ("float32", "requested")


def test_the_cpu_probe_agrees_with_the_cpu_flags():
    """fast_bfloat16('cpu') says yes exactly when the CPU reports avx512_bf16 or amx_tile."""
    try:
        with open("/proc/cpuinfo") as handle:
            flags = set(handle.read().split())
    except OSError:
        pytest.skip("no /proc/cpuinfo to compare with")
    probes = {"avx512_bf16": "_is_avx512_bf16_supported", "amx_tile": "_is_amx_tile_supported"}
    expected = any(flag in flags and hasattr(torch.cpu, probe) for flag, probe in probes.items())
    assert (fast_bfloat16("cpu") is not None) == expected
    assert fast_bfloat16("meta") is None


@pytest.mark.parametrize(
    ("name", "match"),
    [("float16", "matmul_dtype must be one of"), (32, "matmul_dtype must be one of"),
     ("tfloat32", "needs a CUDA device")],
)  # fmt: skip
def test_unusable_precisions_are_refused_with_the_fix(data, name, match):
    with pytest.raises(InputError, match=match):
        resolve_matmul_dtype(name, "cpu")
    with pytest.raises(InputError, match=match):
        RBM(3, epochs=1, matmul_dtype=name).fit(data)


def test_auto_keeps_small_layers_in_float32(monkeypatch):
    monkeypatch.setattr(precision, "fast_bfloat16", lambda device: "CPU with AMX")
    small = precision.BFLOAT16_MIN_WEIGHTS - 1
    assert resolve_matmul_dtype("auto", "cpu", n_weights=small)[0] == "float32"
    assert resolve_matmul_dtype("auto", "cpu", n_weights=small + 1)[0] == "bfloat16"
    assert resolve_matmul_dtype("bfloat16", "cpu", n_weights=1)[0] == "bfloat16"
    # A float64 training keeps float64 products under "auto".
    assert resolve_matmul_dtype("auto", "cpu", small + 1, torch.float64) == (
        "float32",
        "auto: float64 training keeps its products",
    )


def test_the_threshold_the_help_texts_state_is_the_one_auto_uses():
    # The CLI states the threshold as a literal (deriving it would import torch just to build
    # --help), and so does RBM's docstring: both must follow the constant.
    exponent = int(np.log2(precision.BFLOAT16_MIN_WEIGHTS))
    assert 2**exponent == precision.BFLOAT16_MIN_WEIGHTS
    stated = f"2^{exponent} weights"
    help_text = " ".join(CliRunner().invoke(main, ["train", "--help"]).output.split())
    assert stated in help_text
    assert stated in " ".join(RBM.__doc__.split())


def test_fit_records_the_precision_it_used(data, monkeypatch):
    # 9 x 3 weights: "auto" keeps float32 whatever the CPU (too small to gain).
    assert RBM(3, epochs=1, random_state=0, matmul_dtype="auto").fit(data).matmul_dtype_ == (
        "float32"
    )
    assert RBM(3, epochs=1, random_state=0).fit(data).matmul_dtype_ == "float32"
    monkeypatch.setattr(precision, "BFLOAT16_MIN_WEIGHTS", 1)
    expected = "bfloat16" if fast_bfloat16("cpu") else "float32"
    assert RBM(3, epochs=1, random_state=0, matmul_dtype="auto").fit(data).matmul_dtype_ == (
        expected
    )
    # auto on a machine without fast bfloat16 trains exactly as float32 does.
    monkeypatch.setattr(precision, "fast_bfloat16", lambda device: None)
    auto = RBM(3, epochs=2, random_state=0, matmul_dtype="auto").fit(data)
    plain = RBM(3, epochs=2, random_state=0, matmul_dtype="float32").fit(data)
    assert auto.matmul_dtype_ == "float32"
    np.testing.assert_array_equal(auto.weights_, plain.weights_)
    # ... and as bfloat16 where it has it (bit for bit the same stream, other weights).
    monkeypatch.setattr(precision, "fast_bfloat16", lambda device: "test")
    auto = RBM(3, epochs=2, random_state=0, matmul_dtype="auto").fit(data)
    low = RBM(3, epochs=2, random_state=0, matmul_dtype="bfloat16").fit(data)
    assert auto.matmul_dtype_ == "bfloat16"
    np.testing.assert_array_equal(auto.weights_, low.weights_)
    assert not np.array_equal(auto.weights_, plain.weights_)
    wide = RBM(3, epochs=1, random_state=0, matmul_dtype="auto", dtype="float64").fit(data)
    assert wide.matmul_dtype_ == "float32"  # i.e. float64 products, the training's own


def test_tf32_switch_is_restored_even_after_an_error():
    matmul = torch.backends.cuda.matmul
    before = matmul.allow_tf32
    with tf32_products(True):
        assert matmul.allow_tf32 is True
    assert matmul.allow_tf32 == before
    with pytest.raises(ZeroDivisionError), tf32_products(True):
        1 / 0  # noqa: B018
    assert matmul.allow_tf32 == before
    with tf32_products(False):
        assert matmul.allow_tf32 == before


def test_cli_precision_choices_and_errors(tmp_path):
    runner = CliRunner()
    result = runner.invoke(
        main,
        ["reproduce", "mehta-schwab", "--out", str(tmp_path / "r"), "--precision", "tf32"],
    )
    assert result.exit_code != 0
    assert "needs a CUDA device" in result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "r" / "samples.h5").exists()  # refused before any work
    result = runner.invoke(main, ["reproduce", "mehta-schwab", "--out", "x", "--precision", "x"])
    assert result.exit_code == 2 and "auto" in result.output and "bf16" in result.output


def test_reproduce_records_the_resolved_precision(tmp_path, monkeypatch):
    """A small run with --precision auto names each layer's precision in metrics.json and
    its layer file (read back when a rerun reuses the layer), and why it was chosen."""
    monkeypatch.setattr(precision, "fast_bfloat16", lambda device: "CPU with AVX-512 BF16")
    monkeypatch.setattr(precision, "BFLOAT16_MIN_WEIGHTS", 64 * 16)
    out = tmp_path / "run"
    args = ["reproduce", "mehta-schwab", "--out", str(out), "--size", "8", "--samples", "400",
            "--layers", "16,4", "--epochs", "2", "--generated", "50", "--generation-steps", "5",
            "--analysis-samples", "200", "--precision", "auto", "--no-progress"]  # fmt: skip
    for _ in range(2):  # the second run reuses both layers
        result = CliRunner().invoke(main, args)
        assert result.exit_code == 0, result.output
        metrics = json.loads((out / "metrics.json").read_text())
        assert metrics["precision"] == {
            "requested": "auto",
            "layers": ["bfloat16", "float32"],  # 64x16 weights, then 16x4
            "why": [
                "auto: CPU with AVX-512 BF16",
                "auto: 64 weights, too few to gain from bfloat16",
            ],
        }
        with h5py.File(out / "model.h5", "r") as model:  # as `deeprg train`: lists as JSON text
            assert json.loads(model.attrs["matmul_dtype_used"]) == metrics["precision"]["layers"]
            assert json.loads(model.attrs["matmul_reason"]) == metrics["precision"]["why"]
        report = (out / "report.html").read_text()
        assert "layer 1 bfloat16 (auto: CPU with AVX-512 BF16)" in report
        assert "layer 2 float32 (auto: 64 weights, too few to gain from bfloat16)" in report
    assert "reusing layer 2" in result.output

    # A layer file written before the precision was recorded is still reused: its entry is
    # null (unknown), in metrics.json and in the model file alike.
    with h5py.File(out / "layers" / "layer1.h5", "r+") as layer_file:
        del layer_file.attrs["matmul_dtype_used"], layer_file.attrs["matmul_reason"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    assert "reusing layer 1" in result.output
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["precision"]["layers"] == [None, "float32"]
    assert metrics["precision"]["why"] == [None, "auto: 64 weights, too few to gain from bfloat16"]
    with h5py.File(out / "model.h5", "r") as model:
        assert json.loads(model.attrs["matmul_dtype_used"]) == [None, "float32"]
