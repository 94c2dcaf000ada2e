"""End to end: ``deeprg reproduce mehta-schwab --preset quick`` (CI's run of the main job).

Asserts on metrics.json, not on pictures: the data against the exact Kaufman torus, the
exact RG table, the block-spin measurements beside their controls, and stage reuse.
"""

import itertools
import json

import h5py
import numpy as np
import pytest
from click.testing import CliRunner

from deeprg import exact
from deeprg.cli import main
from deeprg.experiments.mehta_schwab_settings import PRESETS
from deeprg.io import load_layers, load_samples

QUICK = PRESETS["quick"]


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("quick")
    result = CliRunner().invoke(
        main, ["reproduce", "mehta-schwab", "--preset", "quick", "--out", str(out), "--no-progress"]
    )
    assert result.exit_code == 0, result.output
    return out, json.loads((out / "metrics.json").read_text()), result.output


def test_outputs_are_all_written(quick_run):
    out, metrics, _ = quick_run
    for name in ("samples.h5", "model.h5", "metrics.json", "report.html"):
        assert (out / name).is_file(), name
    for png in metrics["figures"].values():
        assert (out / png).stat().st_size > 1000
    report = (out / "report.html").read_text()
    assert report.count("data:image/png;base64,") == len(metrics["figures"])
    assert "block-spin" in report and "J_c" in report
    # The per-layer table has a column per layer and a row per measure (a row per layer
    # with ~25 measure columns made the page scroll sideways).
    per_layer = report[
        report.index("<h2>Per-layer") : report.index("<h2>", report.index("<h2>Per-layer") + 5)
    ]
    assert per_layer.count("<th>layer ") == len(metrics["layers"])
    assert per_layer.count("<tr>") == len(metrics["layers"][0])  # header + every measure
    assert not list(out.rglob("*.tmp")), "temporary files left behind"


def test_files_follow_the_design_contract(quick_run):
    out, _metrics, _ = quick_run
    samples = load_samples(out / "samples.h5")
    assert samples.spins.shape == (QUICK.n_samples, QUICK.size, QUICK.size)
    layers, _attrs = load_layers(out / "model.h5")
    sizes = [QUICK.size**2, *QUICK.layers]
    assert [layer["weights"].shape for layer in layers] == list(itertools.pairwise(sizes))
    assert all(layer["units"] == "binary" for layer in layers)
    with h5py.File(out / "model.h5") as f:
        assert "deeprg_version" in f.attrs and "seed" in f.attrs


def test_training_data_matches_the_exact_torus(quick_run):
    _, metrics, _ = quick_run
    energy = metrics["metrics"]["data.energy_per_spin"]
    reference = exact.torus(QUICK.size, QUICK.coupling).energy_per_spin
    assert energy["reference"] == pytest.approx(reference, abs=1e-12)
    assert abs(energy["value"] - reference) < 4 * energy["stderr"]
    # negative control: the same data is far from the exact energy at a slightly different J
    wrong = exact.torus(QUICK.size, QUICK.coupling * 1.05).energy_per_spin
    assert abs(energy["value"] - wrong) > 4 * energy["stderr"]


def test_exact_rg_table_passes(quick_run):
    _, metrics, _ = quick_run
    assert metrics["rg_check"]["passed"] is True
    assert metrics["metrics"]["rg.all_exact_checks_pass"]["value"] == 1.0


def test_choices_and_inconsistencies_are_recorded(quick_run):
    _, metrics, _ = quick_run
    sources = {c["source"] for c in metrics["choices"]}
    assert {"paper", "deeprg choice", "Hinton & Salakhutdinov code"} <= sources
    assert any("0.4352" in text for text in metrics["paper_inconsistencies"])
    assert any("40,000" in text for text in metrics["paper_inconsistencies"])
    assert metrics["settings"]["layers"] == list(QUICK.layers)


def test_first_layer_is_local_beyond_its_shuffled_control(quick_run):
    _, metrics, _ = quick_run
    locality = metrics["metrics"]["layer1.window_fraction"]
    assert locality["value"] > 2 * locality["control"]
    radius = metrics["metrics"]["layer1.radius_of_gyration"]
    assert radius["value"] < 0.5 * radius["control"]


def test_every_layer_is_measured_with_references(quick_run):
    _, metrics, _ = quick_run
    data_xi = metrics["metrics"]["data.correlation_length"]["value"]
    for depth in range(1, len(QUICK.layers) + 1):
        for name in ("correlation_length", "correlation_length_active"):
            entry = metrics["metrics"][f"layer{depth}.{name}"]
            if entry["value"] is None:  # said why, never printed as 0
                assert entry["not_measurable"], (depth, name)
                continue
            assert 0 < entry["value"] < QUICK.size
            # the reference is the data's majority-rule block spins, same estimator: close
            # to the data's own ξ (24 x 24 at J = 0.408 is in the finite-size regime)
            assert entry["reference"] == pytest.approx(data_xi, rel=0.25)
    assert len(metrics["verdicts"]) >= 2 * len(QUICK.layers)
    for key in ("network.energy_per_spin", "network.abs_magnetization", "network.susceptibility"):
        assert "reference" in metrics["metrics"][key]


def test_rerun_reuses_finished_stages(quick_run, tmp_path):
    out, first, _ = quick_run
    (out / "model.h5").unlink()
    (out / "layers" / f"layer{len(QUICK.layers)}.h5").unlink()
    result = CliRunner().invoke(
        main, ["reproduce", "mehta-schwab", "--preset", "quick", "--out", str(out), "--no-progress"]
    )
    assert result.exit_code == 0, result.output
    assert "samples: reusing" in result.output
    assert "reusing layer 1" in result.output
    assert (
        f"training: layer {len(QUICK.layers)}," in result.output
    )  # the deleted layer is retrained
    second = json.loads((out / "metrics.json").read_text())
    # same seed: the retrained layer is identical, so every number is too
    for name, entry in first["metrics"].items():
        if entry["value"] is None:
            assert second["metrics"][name]["value"] is None, name
            continue
        assert second["metrics"][name]["value"] == pytest.approx(
            entry["value"], rel=1e-6, abs=1e-9
        ), name


def test_verdicts_survive_generated_samples_without_spread():
    from deeprg.experiments import measurements

    frozen = np.ones((50, 8, 8), dtype=np.int8)
    records = measurements.observable_records(
        "network", frozen, 0.25, None, measurements.exact_references(8, 0.25)
    )
    (verdict,) = measurements.verdicts([], records)
    assert verdict["holds"] is False and "σ undefined" in verdict["evidence"]


def test_bad_settings_fail_cleanly(tmp_path):
    runner = CliRunner()
    result = runner.invoke(
        main, ["reproduce", "mehta-schwab", "--out", str(tmp_path / "x"), "--layers", "0,3"]
    )
    assert result.exit_code == 2
    assert "layers" in result.output
    for option, value, word in [
        ("--epochs", "0", "epochs"),
        ("--lr", "-1", "learning_rate"),
        ("--layers", "9,1", "2 units"),
        ("--generated", "1", "n_generated"),
        ("--coupling", "-0.3", "even size"),  # with --size 9 below: frustrated
    ]:
        result = runner.invoke(
            main,
            [
                "reproduce",
                "mehta-schwab",
                "--out",
                str(tmp_path / "y"),
                "--size",
                "9",
                option,
                value,
            ],
        )
        assert result.exit_code == 2 and word in result.output
    assert not (tmp_path / "y").exists()  # refused before any work or output
    blocker = tmp_path / "file"
    blocker.write_text("")
    result = runner.invoke(main, ["reproduce", "mehta-schwab", "--out", str(blocker)])
    assert result.exit_code != 0
