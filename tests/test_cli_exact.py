"""``deeprg exact ising1d|ising2d``: tables, --json numbers and one-line errors."""

import json
import math

import pytest
from click.testing import CliRunner

from deeprg.cli import main
from deeprg.exact import chain, chain_correlation


def run(*args):
    return CliRunner().invoke(main, ["exact", *args])


def test_help_lists_both_models():
    result = run("--help")
    assert result.exit_code == 0
    assert "ising1d" in result.output and "ising2d" in result.output


def test_ising2d_json_has_reference_values():
    result = run("ising2d", "--size", "40", "--coupling", "0.408", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    finite, infinite = data["finite_lattice"], data["infinite_lattice"]
    assert data["model"] == "ising2d" and data["size"] == 40
    assert finite["energy_per_spin_in_units_of_j"] == pytest.approx(-1.151821150768, abs=1e-12)
    assert finite["heat_capacity_per_spin"] == pytest.approx(0.99467047, abs=5e-9)
    assert infinite["correlation_length"] == pytest.approx(7.4673, abs=1e-4)
    assert infinite["spontaneous_magnetization"] == 0.0
    assert data["critical_coupling"] == pytest.approx(0.5 * math.log(1 + math.sqrt(2)))


def test_ising2d_table():
    result = run("ising2d", "-L", "16", "-J", "0.4406867935097715")
    assert result.exit_code == 0, result.output
    assert "Kaufman" in result.output and "Onsager" in result.output
    assert "1.4987" in result.output  # C/N of the 16 x 16 torus at J_c
    assert "inf" in result.output  # Onsager's C/N and ξ diverge at J_c


def test_ising2d_json_at_critical_point_is_valid_json():
    result = run("ising2d", "-L", "8", "-J", "0.4406867935097715", "--json")
    data = json.loads(result.stdout)
    assert data["infinite_lattice"]["heat_capacity_per_spin"] == "inf"


def test_ising1d_json_matches_library():
    result = run("ising1d", "--size", "12", "--coupling", "-0.6", "--field", "0.25", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    expected = chain(12, -0.6, 0.25)
    assert data["energy_per_spin"] == pytest.approx(expected.energy_per_spin, abs=1e-15)
    assert data["m2_per_spin2"] == pytest.approx(expected.m2_per_spin2, abs=1e-15)
    distances = data["correlation"]["distance"]
    assert distances == [1, 2, 3, 4, 5, 6]
    assert data["correlation"]["s0_sr"] == pytest.approx(
        chain_correlation(12, -0.6, 0.25, distances).tolist(), abs=1e-15
    )


def test_ising1d_table_and_chosen_distances():
    result = run("ising1d", "-N", "100", "-J", "1.0", "-r", "7", "-r", "50")
    assert result.exit_code == 0, result.output
    assert "<s_0 s_7>" in result.output and "<s_0 s_50>" in result.output
    assert "<s_0 s_1>" not in result.output


def test_default_distances_of_a_long_chain():
    data = json.loads(run("ising1d", "-N", "1000", "-J", "0.5", "--json").stdout)
    assert data["correlation"]["distance"] == [1, 2, 3, 4, 5, 8, 16, 32, 64, 128, 256, 500]


@pytest.mark.parametrize(
    "args",
    [
        ("ising2d", "--size", "1", "--coupling", "0.4"),
        ("ising2d", "--size", "8", "--coupling", "nan"),
        ("ising2d", "--size", "8", "--coupling", "inf"),
        ("ising2d", "--size", "5", "--coupling", "-0.4"),
        ("ising1d", "--size", "1", "--coupling", "0.4"),
        ("ising1d", "--size", "4", "--coupling", "0.4", "--field", "-inf"),
    ],
)
def test_bad_input_is_one_line_error(args):
    result = run(*args)
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ")
    assert "Traceback" not in result.output
    assert result.stdout == ""
