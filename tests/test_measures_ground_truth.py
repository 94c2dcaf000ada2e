"""Every block-spin measure recovers the known answers of synthetic networks (issue 8).

The networks of :mod:`deeprg.analysis.synthetic` have known block sides, growth, locality
and majority-rule agreement; their units read 40 x 40 Wolff samples at the paper's
J = 0.408, so the correlation length of every layer must be the data's own. Nothing is
trained: the whole file runs in seconds. The old whole-field R_g growth is kept as the
negative control of the measure itself: it must fail the noisy network that the robust
measure gets right.
"""

from __future__ import annotations

import numpy as np
import pytest

import deeprg
from deeprg import analysis
from deeprg.analysis import synthetic
from deeprg.experiments import measurements

SIZE, COUPLING = 40, 0.408
#: Background std relative to the blob peak, per layer, measured on the paper preset's
#: trained fields (``background_to_peak`` of :func:`deeprg.analysis.summarize_blobs`,
#: median over active units; see docs/measures.md).
PAPER_BACKGROUND = (0.042, 0.041, 0.055)


@pytest.fixture(scope="module")
def data():
    samples = deeprg.sample(
        deeprg.IsingSquare(SIZE, coupling=COUPLING),
        n_samples=1500,
        algorithm="wolff",
        seed=11,
        progress=False,
    )
    spins = samples.spins
    xi = analysis.correlation_length(spins)
    reference = {"value": xi.xi, "stderr": xi.stderr, "source": "the data's own ξ"}
    return spins, reference


NETWORKS = {
    "blocks": lambda: synthetic.block_network(SIZE, 3),
    "blocks+background": lambda: synthetic.with_background(
        synthetic.block_network(SIZE, 3), PAPER_BACKGROUND, seed=1
    ),
    "blocks+diffuse": lambda: synthetic.with_diffuse_units(
        synthetic.block_network(SIZE, 3), fraction=0.5, seed=2
    ),
    "blocks+background+diffuse": lambda: synthetic.with_diffuse_units(
        synthetic.with_background(synthetic.block_network(SIZE, 3), PAPER_BACKGROUND, seed=3),
        fraction=0.5,
        seed=4,
    ),
    "gauss-1.5": lambda: synthetic.gaussian_network(SIZE, 3, sigma_1=1.5, growth=1.5),
    "gauss-2": lambda: synthetic.gaussian_network(SIZE, 3, sigma_1=1.0, growth=2.0),
    "gauss-2+background": lambda: synthetic.with_background(
        synthetic.gaussian_network(SIZE, 3, sigma_1=1.0, growth=2.0), PAPER_BACKGROUND, seed=5
    ),
}


@pytest.fixture(scope="module")
def measured(data):
    spins, reference = data
    out = {}
    for name, build in NETWORKS.items():
        network = build()
        rows, metrics = measurements.layer_measures(
            network.fields, network.activations(spins), spins, reference, seed=0
        )
        out[name] = (network, rows, metrics)
    return out


@pytest.mark.parametrize("name", list(NETWORKS))
def test_block_side_and_growth_are_recovered(measured, name):
    network, rows, metrics = measured[name]
    for row, known in zip(rows, network.block_side, strict=True):
        # stated tolerance: 2 % per layer (measured worst case 0.4 %)
        assert row["block_side"] == pytest.approx(known, rel=0.02), (name, row["layer"])
    known_ratios = np.array(network.block_side[1:]) / np.array(network.block_side[:-1])
    known_ratio = float(np.exp(np.mean(np.log(known_ratios))))
    assert metrics["growth.size_ratio_mean"]["value"] == pytest.approx(known_ratio, rel=0.02)
    for index, ratio in enumerate(known_ratios, start=1):
        measured_ratio = metrics[f"growth.size_ratio_{index}_{index + 1}"]["value"]
        assert measured_ratio == pytest.approx(ratio, rel=0.03)


def test_known_growth_factors_are_the_design(measured):
    """The Gaussian networks' known growth is g (up to the +1 of a site's own width)."""
    assert measured["blocks"][0].growth == 2.0
    for name, g in (("gauss-1.5", 1.5), ("gauss-2", 2.0)):
        sides = np.array(measured[name][0].block_side)
        assert np.exp(np.mean(np.log(sides[1:] / sides[:-1]))) == pytest.approx(g, rel=0.04)


@pytest.mark.parametrize("name", list(NETWORKS))
def test_locality_and_active_units_are_recovered(measured, name):
    network, rows, _ = measured[name]
    for row, designed in zip(rows, network.designed, strict=True):
        layer = row["layer"]
        assert row["active_fraction"] == pytest.approx(designed.mean(), abs=1e-12), layer
        assert row["diffuse_fraction"] == pytest.approx(1 - designed.mean(), abs=1e-12)
        if name.startswith("blocks"):
            assert row["locality"] == pytest.approx(1.0, abs=0.01)  # a block fits its window
        else:  # a Gaussian's true share in the 2b^l window (σ_1 = 1.5 in 4x4: 0.90)
            assert row["locality"] > 0.88
        assert row["locality_shuffled"] < 0.35  # the control discriminates


@pytest.mark.parametrize("name", ["blocks", "blocks+diffuse"])
def test_majority_agreement_is_one_for_majority_rule_units(measured, name):
    _, rows, _ = measured[name]
    for row in rows:
        assert row["majority_agreement"] == pytest.approx(1.0, abs=1e-6)
        assert row["majority_agreement_control"] < 0.2


def test_majority_agreement_degrades_gracefully_with_background(measured):
    """A background of the paper's amplitude adds noise to each unit's input: it still
    tracks its block (≥ 0.8; 0.85 measured at the paper's layer-1 amplitude), far above a
    randomly placed block."""
    for row in measured["blocks+background"][1]:
        assert 0.8 <= row["majority_agreement"] < 1.0
        assert row["majority_agreement_control"] < 0.2


@pytest.mark.parametrize("name", list(NETWORKS))
def test_correlation_length_of_every_layer_is_the_datas(measured, data, name):
    _, reference = data
    network, rows, metrics = measured[name]
    # stated tolerances: block units 10 % (measured at most 3 %); half of them diffuse, so
    # the rest sit irregularly, 15 % (measured -12 %); Gaussian blobs 25 %, the verdicts'
    # tolerance, since smoothing over σ_l lengthens the second-moment ξ (measured +3 % to
    # +22 %, growing with σ_l)
    tolerance = 0.10 if name in ("blocks", "blocks+background") else 0.15
    tolerance = 0.25 if name.startswith("gauss") else tolerance
    for row, designed in zip(rows, network.designed, strict=True):
        entry = metrics[f"layer{row['layer']}.correlation_length_active"]
        if designed.sum() < 16:  # e.g. 13 of 25 units left: said, not printed as a number
            assert "active units" in entry["not_measurable"]
            continue
        assert entry["value"] == pytest.approx(reference["value"], rel=tolerance), row["layer"]


def test_every_verdict_holds_on_the_exact_networks(measured):
    for name in ("blocks", "blocks+background", "blocks+diffuse", "gauss-2+background"):
        _, rows, metrics = measured[name]
        for verdict in measurements.verdicts(rows, metrics):
            assert verdict["holds"] in (True, None), (name, verdict)


def test_old_radius_growth_fails_the_noisy_network(measured):
    """Negative control of the measure itself: the whole-field median R_g, dominated by
    the noise floor, reports shrinking fields where the blobs double."""
    _, _, noisy = measured["blocks+background"]
    assert not 1.5 <= noisy["growth.radius_ratio_mean"]["value"] <= 2.5
    assert noisy["growth.size_ratio_mean"]["value"] == pytest.approx(2.0, rel=0.02)
    _, _, clean = measured["blocks"]
    assert 1.5 <= clean["growth.radius_ratio_mean"]["value"] <= 2.5  # fine without noise


def test_growth_verdict_fails_for_fields_that_do_not_grow(data):
    spins, reference = data
    flat = synthetic.gaussian_network(SIZE, 3, sigma_1=1.5, growth=1.0)
    rows, metrics = measurements.layer_measures(
        flat.fields, flat.activations(spins), spins, reference, seed=0
    )
    assert metrics["growth.size_ratio_mean"]["value"] == pytest.approx(1.0, rel=0.02)
    (growth,) = [v for v in measurements.verdicts(rows, metrics) if "grow" in v["claim"]]
    assert growth["holds"] is False


def test_locality_verdict_fails_for_shuffled_fields(data):
    spins, reference = data
    network = synthetic.with_background(synthetic.block_network(SIZE, 3), 0.04, seed=6)
    shuffled = [analysis.shuffle_sites(f, seed=7) for f in network.fields]
    activations = network.activations(spins)
    rows, metrics = measurements.layer_measures(shuffled, activations, spins, reference, seed=0)
    for verdict in measurements.verdicts(rows, metrics):
        if "local" in verdict["claim"]:
            assert verdict["holds"] is not True, verdict


def test_correlation_length_check_fails_for_the_wrong_temperature(measured):
    """Negative control: the exact-block units measured at J = 0.408 do not match the ξ
    of data at J = 0.36 (ξ_∞ = 3.2)."""
    metrics = measured["blocks"][2]
    other = deeprg.sample(
        deeprg.IsingSquare(SIZE, coupling=0.36),
        n_samples=800,
        algorithm="wolff",
        seed=12,
        progress=False,
    )
    wrong = analysis.correlation_length(other.spins).xi
    value = metrics["layer1.correlation_length_active"]["value"]
    assert abs(value - wrong) > 0.25 * wrong


def test_block_weights_multiply_to_uniform_blocks():
    weights = synthetic.block_weights(8, 3)
    assert [w.shape for w in weights] == [(64, 16), (16, 4), (4, 1)]
    fields = analysis.effective_receptive_fields(weights, (8, 8))
    for layer, layer_fields in enumerate(fields, start=1):
        side = 2**layer
        assert np.all(np.isin(layer_fields, (0.0, 1.0)))
        assert np.all(layer_fields.sum(axis=(1, 2)) == side**2)
        # every site is covered by exactly one unit of every layer
        np.testing.assert_array_equal(layer_fields.sum(axis=0), np.ones((8, 8)))
