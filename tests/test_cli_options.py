"""One spelling per option across commands; old spellings still work, hidden, with a warning."""

from __future__ import annotations

import click
import pytest
from click.testing import CliRunner

from deeprg.cli import main
from test_cli_usage_errors import COMMANDS


def _visible_options(command: click.Command) -> dict[str, click.Option]:
    return {
        opt: p
        for p in command.params
        if isinstance(p, click.Option) and not p.hidden
        for opt in p.opts
    }


def test_no_command_shows_an_old_spelling():
    for path, command in COMMANDS.items():
        options = _visible_options(command)
        for old in ("--hidden", "--train-samples"):
            assert old not in options, (path, old)


def test_coupling_is_described_the_same_way_everywhere():
    described = {}
    for path, command in COMMANDS.items():
        option = _visible_options(command).get("--coupling")
        if option is not None and path != ("rg", "check"):  # the chain's J^(0), same words
            described[path] = option.help
    assert len(described) >= 5, described
    for path, text in described.items():
        assert text.startswith("Coupling J of H = -J Σ s_i s_j (β absorbed"), (path, text)
        assert " K" not in text, (path, text)
    check = _visible_options(COMMANDS[("rg", "check")])["--coupling"].help
    assert check.startswith("Coupling J^(0)") and "(β absorbed)" in check


def test_layer_sizes_are_called_layers_and_sample_counts_samples():
    for path in (("train",), ("reproduce", "mehta-schwab"), ("reproduce", "iso-flow")):
        assert "--layers" in _visible_options(COMMANDS[path]), path
    for path in (("sample", "ising2d"), ("rg", "exponents"), ("reproduce", "iso-flow")):
        assert "--samples" in _visible_options(COMMANDS[path]), path


@pytest.fixture
def iso_flow_settings(monkeypatch):
    """The settings ``reproduce iso-flow`` would run with (the run itself is replaced)."""
    import deeprg.experiments.iso_flow as iso_flow

    seen = []

    def run(settings, out_dir, **kwargs):
        seen.append(settings)
        return {"flow": {"critical_temperature": 2.27, "fixed_points": []}, "verdicts": []}

    monkeypatch.setattr(iso_flow, "run", run)
    return seen


def _iso_flow(tmp_path, *args):
    return CliRunner().invoke(
        main, ["reproduce", "iso-flow", "--out", str(tmp_path / "o"), "--json", *args]
    )


@pytest.mark.parametrize(
    ("old", "new", "value", "field", "expected"),
    [
        ("--hidden", "--layers", "16,36", "hidden_sizes", (16, 36)),
        ("--train-samples", "--samples", "123", "n_train", 123),
    ],
)
def test_old_spelling_warns_and_means_the_same(
    tmp_path, iso_flow_settings, old, new, value, field, expected
):
    result = _iso_flow(tmp_path, new, value)
    assert result.exit_code == 0, result.output
    assert "deprecated" not in result.output
    result = _iso_flow(tmp_path, old, value)
    assert result.exit_code == 0, result.output
    warning = f"warning: {old} is deprecated and will be removed; use {new}"
    assert result.output.splitlines()[0] == warning
    first, second = iso_flow_settings
    assert getattr(first, field) == getattr(second, field) == expected
    assert first == second


def test_old_and_new_spelling_together_is_a_usage_error(tmp_path, iso_flow_settings):
    result = _iso_flow(tmp_path, "--hidden", "16", "--layers", "36")
    assert result.exit_code == 2
    assert result.output.strip().splitlines()[-1].startswith("error: --hidden is the old name")
    assert iso_flow_settings == []


def test_old_spellings_are_hidden_from_help():
    result = CliRunner().invoke(main, ["reproduce", "iso-flow", "--help"])
    assert result.exit_code == 0
    assert "--layers" in result.output and "--samples" in result.output
    assert "--hidden " not in result.output and "--train-samples" not in result.output


@pytest.mark.parametrize("text", ["4,,3", "", "4,", "a", "1.5"])
def test_integer_lists_refuse_empty_and_non_integer_parts(text):
    from deeprg.cli._options import parse_int_list
    from deeprg.errors import InputError

    with pytest.raises(InputError, match="--layers must be comma-separated"):
        parse_int_list("--layers", text)


def test_integer_lists_check_positivity_only_when_asked():
    from deeprg.cli._options import parse_int_list
    from deeprg.errors import InputError

    assert parse_int_list("--layers", " 4, 3") == (4, 3)
    assert parse_int_list("--layers", "16,0", positive=False) == (16, 0)
    assert parse_int_list("--layers", None) is None
    with pytest.raises(InputError, match="positive integers"):
        parse_int_list("--layers", "16,0")
