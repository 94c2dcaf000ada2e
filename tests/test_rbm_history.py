"""The per-epoch history metrics: one shared product, checked against their definitions."""

from __future__ import annotations

import pytest
import torch

from deeprg.rbm.functional import free_energy, layer_units, unit_mean
from deeprg.rbm.history import history_metrics, pseudo_log_likelihood, reconstruction_error


def _model(units: str, n_visible: int = 7, n_hidden: int = 5, seed: int = 0):
    g = torch.Generator().manual_seed(seed)
    kw = {"dtype": torch.float64, "generator": g}
    w = torch.randn(n_visible, n_hidden, **kw)
    a, b = torch.randn(n_visible, **kw), torch.randn(n_hidden, **kw)
    bits = (torch.rand(40, n_visible, **kw) < 0.5).to(torch.float64)
    data = bits if units == "binary" else 2.0 * bits - 1.0
    return data, w, a, b


def _pll_by_definition(data, w, a, b, units, columns):
    """n_visible · ln p(v_i | v_-i) from the two free energies of unit i's two states."""
    rows = []
    for v, i in zip(data, columns.tolist(), strict=True):
        flipped = v.clone()
        flipped[i] = 1.0 - v[i] if units == "binary" else -v[i]
        both = free_energy(torch.stack([v, flipped]), w, a, b, units)
        # p(v_i | v_-i) = e^{-F(v)} / (e^{-F(v)} + e^{-F(ṽ)})
        rows.append(-both[0] - torch.logsumexp(-both, dim=0))
    return data.shape[1] * torch.stack(rows)


@pytest.mark.parametrize("units", ["binary", "spin"])
def test_pseudo_log_likelihood_is_the_conditional_of_the_flipped_unit(units):
    data, w, a, b = _model(units)
    got = pseudo_log_likelihood(data, w, a, b, units, torch.Generator().manual_seed(3))
    # the documented draw: one column per row from the generator, in row order
    columns = torch.randint(
        data.shape[1], (data.shape[0],), generator=torch.Generator().manual_seed(3)
    )
    want = _pll_by_definition(data, w, a, b, units, columns)
    torch.testing.assert_close(got, want, rtol=1e-12, atol=1e-12)
    # negative control: another unit's conditional is a different number
    wrong = _pll_by_definition(data, w, a, b, units, (columns + 1) % data.shape[1])
    assert (got - wrong).abs().max() > 1e-3


@pytest.mark.parametrize("units", ["binary", "spin"])
def test_history_metrics_match_the_separate_functions(units):
    data, w, a, b = _model(units)
    error, pll = history_metrics(data, w, a, b, units, torch.Generator().manual_seed(5))
    hidden = unit_mean(torch.addmm(b, data, w), layer_units(units)[1])
    reconstruction = unit_mean(torch.addmm(a, hidden, w.T), layer_units(units)[0])
    assert error == pytest.approx(float(((data - reconstruction) ** 2).mean()), rel=1e-12)
    assert error == pytest.approx(reconstruction_error(data, w, a, b, units), rel=1e-12)
    separate = pseudo_log_likelihood(data, w, a, b, units, torch.Generator().manual_seed(5))
    assert pll == pytest.approx(float(separate.mean()), rel=1e-12)


def test_history_metrics_in_bfloat16_products_stay_close_to_float32():
    """Mixed-precision history: the products' rounding moves both metrics by < 1 %."""
    data, w, a, b = (t.to(torch.float32) for t in _model("binary", 200, 50, seed=1))
    data = data.repeat(5, 1)
    exact = history_metrics(data, w, a, b, "binary", torch.Generator().manual_seed(0))
    low = history_metrics(
        data, w, a, b, "binary", torch.Generator().manual_seed(0), matmul_dtype=torch.bfloat16
    )
    assert low[0] == pytest.approx(exact[0], rel=1e-2)
    assert low[1] == pytest.approx(exact[1], rel=1e-2)
    assert low != exact  # the products really ran in bfloat16


def test_history_metrics_of_gaussian_units_have_no_pseudo_likelihood():
    data, w, a, b = _model("binary")
    error, pll = history_metrics(data * 0.7, w, a, b, "gaussian", torch.Generator())
    assert error > 0 and pll != pll
