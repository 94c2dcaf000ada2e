"""The exactness table: every gated number, and that a wrong formula makes it fail."""

import math

import numpy as np
import pytest

import deeprg.rg.decimation as decimation_module
from deeprg import InputError
from deeprg.rg.check import (
    check_decimation,
    check_exact_rbm,
    check_lin_tegmark,
    check_mapping,
    random_rbm,
    run_checks,
)


def test_run_checks_passes_and_reports_every_section():
    table = run_checks(size=8, coupling=0.8, seed=3)
    assert table["passed"], table["failures"]
    assert set(table) >= {"mapping", "exact_rbm", "lin_tegmark", "decimation", "passed"}
    for units in ("spin", "binary"):
        assert table["mapping"][units]["rg_minus_rbm_hidden"] < 1e-10
        assert table["mapping"][units]["trace_residual"] > 1e-3
        assert table["exact_rbm"][units]["trace_residual"] < 1e-10
    assert table["decimation"]["layer_sizes"] == [8, 4, 2, 1]
    assert table["lin_tegmark"]["mutual_information"] < 1e-10


@pytest.mark.parametrize("units", ["spin", "binary"])
def test_exact_rbm_constant_is_the_decimation_free_energy(units):
    n, coupling = 8, 0.6
    result = check_exact_rbm(n, coupling, units=units)
    # without the constant, ln Σ_h e^T = -(N/2) ln(2 sqrt(cosh 2J)) for every v
    expected = n / 2 * math.log(2 * math.sqrt(math.cosh(2 * coupling)))
    assert result["unnormalized_trace_residual"] == pytest.approx(expected, abs=1e-12)
    assert result["unnormalized_expected"] == pytest.approx(expected, abs=1e-12)
    assert result["trace_residual"] < 1e-12 and abs(result["kl"]) < 1e-12
    assert result["perturbed_trace_residual"] > 1e-2 and result["perturbed_kl"] > 1e-3


def test_mapping_and_lin_tegmark_sections():
    rng = np.random.default_rng(0)
    rbm = random_rbm(5, 3, units="binary", seed=rng)
    energy = rng.normal(size=32)
    result = check_mapping(rbm, energy)
    assert result["conditional_identity"] < 1e-12 and result["free_energy_identity"] < 1e-12
    assert result["kl"] > 0
    lt = check_lin_tegmark(energy, rng.normal(size=8))
    assert lt["trace_residual"] < 1e-12 and abs(lt["mutual_information"]) < 1e-12


def test_decimation_section_has_negative_control():
    result = check_decimation(12, 1.3)
    assert result["max_marginal_residual"] < 1e-12
    assert result["layer_sizes"] == [12, 6, 3]
    assert result["wrong_coupling_marginal_residual"] > 1e-2
    assert "kernel_rg_residual" in result["layers"][0]


def test_wrong_decimation_formula_fails_the_table(monkeypatch):
    """Negative control: plant the naive J' = J² and the table must report failure."""
    monkeypatch.setattr(decimation_module, "decimation_coupling", lambda j: j * j)
    table = run_checks(size=8, coupling=0.8)
    assert not table["passed"]
    assert any(name.startswith("decimation.") for name in table["failures"])


def test_bad_sizes():
    with pytest.raises(InputError, match="even"):
        run_checks(size=7)
    with pytest.raises(InputError, match="even"):
        run_checks(size=22)
