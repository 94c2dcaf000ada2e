"""``deeprg sample ising2d|ising1d`` through click's test runner."""

from __future__ import annotations

import json

import numpy as np
import pytest
from click.testing import CliRunner

import deeprg
from deeprg import exact
from deeprg.cli import main
from deeprg.io import load_samples


def run(*args: str):
    return CliRunner().invoke(main, ["sample", *args])


def test_ising2d_writes_a_valid_sample_file_and_prints_a_summary(tmp_path):
    out = tmp_path / "s.h5"
    result = run(
        "ising2d",
        "--size",
        "6",
        "--coupling",
        "0.3",
        "--samples",
        "400",
        "--seed",
        "3",
        "--out",
        str(out),
        "--no-progress",
    )
    assert result.exit_code == 0, result.output
    samples = load_samples(out)
    model = deeprg.IsingSquare(6, 0.3)
    assert samples.spins.shape == (400, 6, 6)
    assert samples.model == model and samples.algorithm == "wolff" and samples.seed == 3
    np.testing.assert_allclose(samples.energy, model.energy(samples.spins))
    assert np.isfinite(samples.tau_energy) and np.isfinite(samples.tau_abs_magnetization)
    assert "exact (Kaufman)" in result.output
    assert "tau energy" in result.output and "tau |m|" in result.output


def test_same_seed_gives_the_same_file_contents(tmp_path):
    args = ["ising2d", "-L", "4", "-J", "0.5", "-n", "50", "--seed", "9", "--no-progress"]
    assert run(*args, "--out", str(tmp_path / "a.h5")).exit_code == 0
    assert run(*args, "--out", str(tmp_path / "b.h5")).exit_code == 0
    a, b = load_samples(tmp_path / "a.h5"), load_samples(tmp_path / "b.h5")
    np.testing.assert_array_equal(a.spins, b.spins)


def test_json_numbers_agree_with_exact_chain(tmp_path):
    out = tmp_path / "chain.h5"
    result = run(
        "ising1d",
        "--size",
        "10",
        "--coupling",
        "0.5",
        "--field",
        "0.2",
        "--samples",
        "4000",
        "--algorithm",
        "heat-bath",
        "--seed",
        "1",
        "--out",
        str(out),
        "--json",
        "--no-progress",
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    reference = exact.chain(10, 0.5, 0.2).energy_per_spin
    assert data["exact_energy_per_spin"] == pytest.approx(reference)
    assert data["exact_source"] == "transfer matrix"
    assert abs(data["energy_per_spin"] - reference) < 4 * data["energy_per_spin_error"]
    for key in ("tau_energy", "tau_abs_magnetization", "burn_in", "thin", "n_chains", "seed"):
        assert key in data
    assert data["algorithm"] == "heat-bath" and data["out"] == str(out)


def test_field_on_a_small_square_uses_enumeration(tmp_path):
    result = run(
        "ising2d",
        "-L",
        "3",
        "-J",
        "0.3",
        "--field",
        "0.1",
        "-n",
        "200",
        "--algorithm",
        "swendsen-wang",
        "--seed",
        "1",
        "--no-progress",
        "--out",
        str(tmp_path / "f.h5"),
        "--json",
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["exact_source"] == "enumeration"


def test_existing_file_needs_overwrite(tmp_path):
    out = tmp_path / "s.h5"
    out.write_bytes(b"keep me")
    args = ["ising1d", "-L", "8", "-J", "0.4", "-n", "20", "--out", str(out), "--no-progress"]
    result = run(*args)
    assert result.exit_code != 0
    assert "--overwrite" in result.output
    assert out.read_bytes() == b"keep me"
    assert run(*args, "--overwrite").exit_code == 0
    assert load_samples(out).n_samples == 20


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--size", "1"], "size"),
        (["--coupling", "nan"], "coupling"),
        (["--coupling", "inf"], "coupling"),
        (["--field", "nan"], "field"),
        (["--samples", "0"], "n_samples"),
        (["--samples", "-3"], "n_samples"),
        (["--algorithm", "glauber"], "unknown algorithm"),
        (["--burn-in", "-1"], "burn_in"),
        (["--thin", "0"], "thin"),
        (["--chains", "0"], "n_chains"),
        (["--seed", "-2"], "seed"),
        (["--device", "tpu", "--algorithm", "metropolis"], "device"),
        (["--device", "cuda"], "metropolis or heat-bath"),
    ],
)
def test_bad_input_is_one_line_error_and_nothing_is_written(tmp_path, args, message):
    base = {"--size": "4", "--coupling": "0.3", "--samples": "10"}
    for flag, value in zip(args[::2], args[1::2], strict=True):
        base[flag] = value
    flat = [item for pair in base.items() for item in pair]
    result = run("ising2d", *flat, "--out", str(tmp_path / "s.h5"), "--no-progress")
    assert result.exit_code != 0
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error:") and message in lines[0]
    assert list(tmp_path.iterdir()) == []


def test_unwritable_directory_is_refused_before_sampling(tmp_path):
    out = tmp_path / "missing" / "s.h5"
    result = run("ising2d", "-L", "4", "-J", "0.3", "-n", "10", "--out", str(out))
    assert result.exit_code != 0
    assert "does not exist" in result.output
    assert not out.parent.exists()


def test_help_lists_the_options():
    result = run("ising2d", "--help")
    assert result.exit_code == 0
    for option in (
        "--size",
        "--coupling",
        "--samples",
        "--field",
        "--algorithm",
        "--seed",
        "--burn-in",
        "--thin",
        "--chains",
        "--device",
        "--out",
        "--overwrite",
        "--json",
        "--no-progress",
    ):
        assert option in result.output


def test_progress_bar_goes_to_stderr_with_rate(tmp_path):
    result = run(
        "ising2d",
        "-L",
        "4",
        "-J",
        "0.3",
        "-n",
        "100",
        "--seed",
        "1",
        "--out",
        str(tmp_path / "p.h5"),
        "--json",
    )
    assert result.exit_code == 0
    assert "samples/s" in result.stderr
    json.loads(result.stdout)  # stdout stays machine-readable


def test_frustrated_lattice_gets_an_enumerated_reference_not_an_error(tmp_path):
    out = tmp_path / "af.h5"
    result = run(
        *("ising2d", "-L", "3", "-J", "-0.3", "-n", "50", "--algorithm", "heat-bath"),
        *("--seed", "1", "--no-progress", "--json", "--out", str(out)),
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["exact_source"] == "enumeration"
    expected = exact.enumerate_ising(deeprg.IsingSquare(3, -0.3)).energy_per_spin
    assert json.loads(result.stdout)["exact_energy_per_spin"] == pytest.approx(expected)
    assert out.exists()
