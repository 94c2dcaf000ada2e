"""`deeprg rg check`: table, JSON, figure and errors."""

import json

from click.testing import CliRunner

from deeprg.cli import main


def test_rg_check_table():
    result = CliRunner().invoke(main, ["rg", "check", "--size", "8", "--coupling", "0.7"])
    assert result.exit_code == 0, result.output
    assert "PASSED" in result.output
    assert "Lin-Tegmark" in result.output and "decimation network" in result.output


def test_rg_check_json_and_figure(tmp_path):
    figure = tmp_path / "flow.png"
    args = ["rg", "check", "--size", "8", "--json", "--figure", str(figure)]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    table = json.loads(result.output)
    assert table["passed"] is True and table["figure"] == str(figure)
    assert table["decimation"]["layer_sizes"] == [8, 4, 2, 1]
    assert figure.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert not list(tmp_path.glob(".*.tmp"))  # atomic write left no temporary file
    again = CliRunner().invoke(main, args)
    assert again.exit_code == 2 and "--overwrite" in again.output
    assert CliRunner().invoke(main, [*args, "--overwrite"]).exit_code == 0


def test_rg_check_bad_size():
    result = CliRunner().invoke(main, ["rg", "check", "--size", "9"])
    assert result.exit_code == 2
    assert "error:" in result.output and "even" in result.output


def test_rg_check_learned_section(monkeypatch):
    """--learned adds the trained-RBM section (training stubbed: tested in test_rg_learned)."""
    import deeprg.rg.learned as learned

    def fake(n_spins, coupling, seed=None):
        return {
            "n_spins": n_spins, "coupling": coupling, "n_samples": 10, "units": "spin",
            "kl": 0.01, "kl_independent": 2.0, "centres": [0.0, 2.0, 4.0, 6.0],
            "centre_spacing": [2.0] * 4, "nearest": [0.7] * 4, "nearest_mean": 0.7,
            "decimation_coupling": 0.66, "next_nearest_mean": 0.0, "beyond_nearest_max": 0.0,
            "higher_order_max": 0.0, "fields": [0.0] * 4,
        }  # fmt: skip

    monkeypatch.setattr(learned, "learned_decimation", fake)
    result = CliRunner().invoke(main, ["rg", "check", "--size", "8", "--learned"])
    assert result.exit_code == 0, result.output
    assert "learned counterpart" in result.output and "0.7 vs 0.66" in result.output
