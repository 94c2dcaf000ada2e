"""``deeprg reproduce iso-flow``: RBM flows read by a thermometer (Iso, Shiba & Yokoo 2018).

Asserts on metrics.json and on the pieces it is built from: the data against Kaufman's exact
torus, the thermometer against the exact Bayes ceiling and a shuffled-label control, the
trivial RBM (zero parameters) that flows to infinite temperature in one step, the end-point
definition, stage reuse and clean refusals of bad input.
"""

import json
import math

import numpy as np
import pytest
from click.testing import CliRunner

from deeprg import RBM, IsingSquare, exact, sample
from deeprg.cli import main
from deeprg.experiments import iso_flow
from deeprg.experiments.iso_flow_settings import PRESETS, T_CRITICAL
from deeprg.thermometer import (
    bond_sums,
    chance_spread,
    exact_posterior,
    load_thermometer,
    score,
    train_thermometer,
)

QUICK = PRESETS["quick"]


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("iso")
    result = CliRunner().invoke(
        main, ["reproduce", "iso-flow", "--preset", "quick", "--out", str(out), "--no-progress"]
    )
    assert result.exit_code == 0, result.output
    return out, json.loads((out / "metrics.json").read_text()), result.output


def test_outputs_are_written(quick_run):
    out, metrics, output = quick_run
    for name in ("samples_train.h5", "samples_test.h5", "thermometer.pt", "metrics.json"):
        assert (out / name).is_file(), name
    for png in metrics["figures"].values():
        assert (out / png).stat().st_size > 1000
    report = (out / "report.html").read_text()
    assert report.count("data:image/png;base64,") == len(metrics["figures"])
    assert "T_c" in report and "Bayes" in report
    assert not list(out.rglob("*.tmp")), "temporary files left behind"
    assert "T* =" in output


def test_flow_object_has_the_published_structure(quick_run):
    _, metrics, _ = quick_run
    flow = metrics["flow"]
    assert flow["critical_temperature"] == pytest.approx(2 / math.log(1 + math.sqrt(2)), abs=1e-12)
    assert flow["critical_temperature"] in flow["temperatures"]
    for key in ("fixed_points", "fixed_points_sampled"):
        points = flow[key]
        assert [p["n_hidden"] for p in points] == list(QUICK.hidden_sizes)
        for point in points:
            assert 0 < point["temperature"] < 10
            assert math.isfinite(point["stderr"]) and point["stderr"] > 0
            assert point["steps"] is None or 0 <= point["steps"] <= QUICK.flow_steps
            assert len(point["temperature_per_seed"]) == QUICK.rbm_seeds >= 2
    thermometer = flow["thermometer"]
    for key in ("test_accuracy", "chance_accuracy", "shuffled_label_accuracy"):
        assert 0 <= thermometer[key] <= 1
    assert thermometer["chance_accuracy"] == pytest.approx(1 / len(flow["temperatures"]))
    assert metrics["settings"]["hidden_sizes"] == list(QUICK.hidden_sizes)
    # N_h below, at and above the number of visible units
    n_visible = QUICK.size**2
    sizes = QUICK.hidden_sizes
    assert min(sizes) < n_visible and n_visible in sizes and max(sizes) > n_visible


def test_data_match_kaufmans_exact_torus(quick_run):
    _, metrics, _ = quick_run
    checks = metrics["data_checks"]
    assert len(checks) == 2 * len(metrics["flow"]["temperatures"])
    for row in checks:
        reference = exact.torus(QUICK.size, 1 / row["temperature"])
        assert row["energy_exact"] == pytest.approx(reference.energy_per_spin_in_units_of_j)
        if row["energy_z"] is None:  # all ground states: no error bar, and exact anyway
            assert abs(row["energy_difference"]) < 1e-6
            continue
        assert abs(row["energy_z"]) < 4, row
    # negative control: the same data against the exact energy 10 % hotter are far off
    z_wrong = [
        (
            r["energy_per_spin"]
            - exact.torus(QUICK.size, 1 / (1.1 * r["temperature"])).energy_per_spin_in_units_of_j
        )
        / r["energy_stderr"]
        for r in checks
        if r["energy_stderr"] > 0 and 1.5 < r["temperature"] < 3.5
    ]
    assert max(abs(z) for z in z_wrong) > 6


def test_thermometer_beats_chance_and_the_control_does_not(quick_run):
    _, metrics, _ = quick_run
    t = metrics["thermometer"]
    # stated bounds: far above chance (> 5 binomial σ), at most 0.15 below the exact Bayes
    # ceiling, and never above it by more than sampling noise
    assert t["test_accuracy"] > t["chance_accuracy"] + 5 * t["shuffled_label_binomial_stderr"]
    assert t["test_accuracy"] > t["bayes_accuracy"] - 0.15
    assert t["test_accuracy"] < t["bayes_accuracy"] + 0.05
    assert t["mean_absolute_error"] < 0.7
    # shuffled labels: chance within 3σ of relabelled predictions (identical ground states
    # at low T count once; see deeprg.thermometer.chance_spread)
    spread = max(t["shuffled_label_permutation_stderr"], t["shuffled_label_binomial_stderr"])
    assert abs(t["shuffled_label_accuracy"] - t["chance_accuracy"]) < 3 * spread
    assert t["near_critical"]["classes"][2] == pytest.approx(T_CRITICAL)


def test_thermometer_beats_chance_and_shuffled_labels_do_not(one_torch_thread):
    """Four well separated temperatures on an 8×8 torus (no two configurations coincide).

    Bounds: the classifier is more than 10 binomial σ above chance and at most 0.1 below the
    exact Bayes ceiling. The shuffled-label control is within 3σ of chance, σ the spread of
    its accuracy over random relabellings of its predicted classes
    (:func:`deeprg.thermometer.chance_spread`). The binomial σ would be too narrow: a
    classifier trained on shuffled labels still groups inputs by what it sees (energy), so
    its errors are not independent draws (its accuracy was 4–7 binomial σ from chance for
    some seeds, never 2 relabelling σ).
    """
    temps = np.array([3.0, 4.0, 6.0, 10.0])
    size, n = 8, 400

    def draw(seed):
        sets = [
            sample(IsingSquare(size, 1 / t), n, seed=seed + k).spins for k, t in enumerate(temps)
        ]
        return np.concatenate(sets), np.repeat(np.arange(len(temps)), n)

    x_train, y_train = draw(10)
    x_test, y_test = draw(20)
    model = train_thermometer(x_train, y_train, temps, epochs=30, seed=1)
    nn = score(model.predict_proba(x_test), y_test, temps)
    bayes = score(exact_posterior(x_test, temps, size), y_test, temps)
    assert nn.accuracy > nn.chance + 10 * nn.binomial_stderr
    assert nn.accuracy > bayes.accuracy - 0.1
    rng = np.random.default_rng(3)
    control = train_thermometer(x_train, rng.permutation(y_train), temps, epochs=30, seed=2)
    shuffled = score(control.predict_proba(x_test), y_test, temps)
    spread = chance_spread(shuffled.confusion, seed=4)  # 0 for a constant prediction
    assert abs(shuffled.accuracy - shuffled.chance) <= 3 * max(spread, shuffled.binomial_stderr)
    # the spin flip is exact by construction
    assert np.allclose(model.predict_proba(x_test[:50]), model.predict_proba(-x_test[:50]))


@pytest.mark.parametrize("units", ["spin", "binary"])
def test_rbm_with_zero_parameters_flows_to_infinite_temperature(quick_run, units):
    out, _metrics, _ = quick_run
    thermometer, _ = load_thermometer(out / "thermometer.pt")
    n_visible = QUICK.size**2
    rbm = RBM.from_parameters(
        np.zeros((n_visible, 16)), np.zeros(n_visible), np.zeros(16), units=units
    )
    n = 2000
    ordered = np.ones((n, n_visible), dtype=np.float32)  # T = 0: all spins up
    steps = np.array([0, 1])
    for update in ("sampled", "mean-field"):
        states = list(iso_flow.flow_states(rbm, ordered, steps, update, seed=5))
        assert states[0][2].mean() == 1.0
        _, inputs, spins = states[1]
        if update == "mean-field":
            assert np.all(inputs == 0)  # every visible mean is exactly zero
        energy = -bond_sums(spins, QUICK.size) / n_visible
        # uncorrelated spins: e = 0 (per configuration σ = sqrt(2/N)) and |m| ~ 1/sqrt(N)
        assert abs(energy.mean()) < 4 * math.sqrt(2 / n_visible) / math.sqrt(n)
        abs_m = np.abs(spins.mean(axis=1))
        expected = math.sqrt(2 / (math.pi * n_visible))
        assert abs(abs_m.mean() - expected) < 0.1 * expected
        # the thermometer reads the hottest class
        p = thermometer.predict_proba(spins)
        assert np.mean(p.argmax(axis=1) == len(thermometer.temperatures) - 1) > 0.5


def test_end_point_definition_on_a_synthetic_record():
    settings = QUICK.replace(flow_steps=100, tail_fraction=0.2, convergence_tolerance=0.25)
    steps = iso_flow.record_steps(100, 0.2)
    assert steps[0] == 0 and steps[-1] == 100 and np.all(np.diff(steps) > 0)
    assert np.sum(steps >= 80) >= 5
    starts = np.array([1.0, 2.0, 4.0])
    # every start relaxes to 2.3 with a time constant of 5 steps
    reading = 2.3 + (starts[None, :] - 2.3) * np.exp(-steps[:, None] / 5.0)
    reading = np.concatenate([reading, reading.mean(axis=1, keepdims=True)], axis=1)
    record = {name: np.zeros_like(reading) for name in iso_flow.FLOW_QUANTITIES}
    record.update(steps=steps, reading=reading)
    point = iso_flow._seed_end_point(record, settings)
    assert point["temperature"] == pytest.approx(2.3, abs=1e-6)
    # the farthest start (4.0) is within 0.25 once 1.7 e^{-n/5} <= 0.25: n >= 9.6
    assert point["steps"] == 10
    assert point["spread"] < 1e-6
    # a time constant of 50 steps: within 0.25 only from step ~96, inside the averaging
    # window (steps 80-100), so the flow has not settled where T* is measured
    slow = 2.3 + (starts[None, :] - 2.3) * np.exp(-steps[:, None] / 50.0)
    record["reading"] = np.concatenate([slow, slow.mean(axis=1, keepdims=True)], axis=1)
    assert iso_flow._seed_end_point(record, settings)["steps"] is None


def test_rerun_reuses_every_stage_and_prints_json(quick_run):
    out, first, _ = quick_run
    result = CliRunner().invoke(
        main,
        [
            "reproduce",
            "iso-flow",
            "--preset",
            "quick",
            "--out",
            str(out),
            "--no-progress",
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    for stage in ("samples_train", "samples_test", "thermometer.pt", "nh36-seed0"):
        assert f"reusing {stage}" in result.stderr, stage
    assert "rbms: N_h" not in result.stderr  # nothing retrained
    second = json.loads(result.stdout)
    assert second["flow"]["fixed_points"] == first["flow"]["fixed_points"]
    assert second["thermometer"]["test_accuracy"] == first["thermometer"]["test_accuracy"]


@pytest.mark.parametrize(
    ("option", "value", "word"),
    [
        ("--temperatures", "1,-2,3", "temperatures"),
        ("--temperatures", "abc", "temperatures"),
        ("--layers", "16,0", "hidden_sizes"),
        ("--rbm-seeds", "1", "rbm_seeds"),
        ("--flow-starts", "10000", "flow_starts"),
        ("--tail-fraction", "0", "tail_fraction"),
        ("--epochs", "0", "epochs"),
        ("--size", "x", "size"),
        ("--lr", "-1", "learning_rate"),
    ],
)
def test_bad_input_is_refused_in_one_line(tmp_path, option, value, word):
    out = tmp_path / "never"
    result = CliRunner().invoke(main, ["reproduce", "iso-flow", "--out", str(out), option, value])
    assert result.exit_code == 2, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error:") and word in lines[0], lines
    assert not out.exists()  # refused before any output


def test_missing_out_and_file_as_out_are_refused(tmp_path):
    result = CliRunner().invoke(main, ["reproduce", "iso-flow"])
    assert result.exit_code == 2 and result.output.strip().startswith("error:")
    assert len(result.output.strip().splitlines()) == 1
    blocker = tmp_path / "file"
    blocker.write_text("")
    result = CliRunner().invoke(main, ["reproduce", "iso-flow", "--out", str(blocker)])
    assert result.exit_code == 2 and "is a file" in result.output
    assert len(result.output.strip().splitlines()) == 1
