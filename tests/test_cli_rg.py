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
