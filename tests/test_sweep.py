"""``deeprg sweep``: grids on Dask — exact energies, identical numbers however it runs,
a killed worker, resumption, and bad grids refused before any work.

Every cluster here is started by the test (or by the sweep itself) on 127.0.0.1 and
stopped by it; the separately started scheduler and workers are stopped by their PIDs.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time

import pytest
from click.testing import CliRunner

from deeprg import exact
from deeprg.cli import main
from deeprg.errors import InputError
from deeprg.experiments import sweep

TINY = {
    "n_samples": 400,
    "epochs": 3,
    "n_generated": 50,
    "generation_steps": 10,
    "n_analysis": 400,
}
COUPLINGS = (0.30, 0.40, 0.50)


def tiny_points(couplings=COUPLINGS, sizes=(8,), seed=5, **extra):
    return sweep.plan(couplings, sizes, 1, seed, "quick", {**TINY, **extra})


def point_values(out, points):
    values = {}
    for point in points:
        metrics = json.loads((out / "points" / point.key / "metrics.json").read_text())
        values[point.key] = {k: v["value"] for k, v in metrics["metrics"].items()}
    return values


# --- the grid ----------------------------------------------------------------------------


def test_coupling_specs():
    assert sweep.parse_couplings("0.36,0.40,0.44") == (0.36, 0.40, 0.44)
    assert sweep.parse_couplings("0.36:0.48:4") == pytest.approx((0.36, 0.40, 0.44, 0.48))
    assert sweep.parse_couplings("0.4:0.5:1") == (0.4,)
    for bad in ("", ",", "nan", "0.3,inf", "a,b", "0.1:0.2", "0.1:0.2:0"):
        with pytest.raises(InputError):
            sweep.parse_couplings(bad)


def test_size_specs_and_layers_follow_the_size():
    assert sweep.parse_sizes("16,24,40") == (16, 24, 40)
    for bad in ("", "3", "8,2", "x"):
        with pytest.raises(InputError):
            sweep.parse_sizes(bad)
    assert sweep.layers_for_size(40) == ((400, 100, 25), ())  # the paper's network
    assert sweep.layers_for_size(8) == ((16, 4), (1,))  # the 1-unit layer is dropped


def test_point_seeds_depend_only_on_the_point():
    first = {p.key: p.settings.seed for p in tiny_points()}
    alone = {p.key: p.settings.seed for p in tiny_points(couplings=(0.40,))}
    (key,) = alone
    assert first[key] == alone[key]  # the grid's other points do not matter
    assert len(set(first.values())) == len(first)
    other = {p.settings.seed for p in tiny_points(seed=6)}
    assert not other & set(first.values())


@pytest.mark.parametrize(
    "arguments, word",
    [
        (["--couplings", "", "--sizes", "8"], "couplings"),
        (["--couplings", "nan", "--sizes", "8"], "finite"),
        (["--couplings", "0.4", "--sizes", "2"], "at least 4"),
        (["--couplings", "0.4", "--sizes", "8", "--epochs", "0"], "epochs"),
        (["--couplings", "0.4", "--sizes", "8", "--repeats", "0"], "repeats"),
        (["--couplings", "0.4", "--sizes", "8", "--workers", "0"], "workers"),
    ],
)
def test_bad_grid_is_one_line_and_writes_nothing(tmp_path, arguments, word):
    out = tmp_path / "sw"
    result = CliRunner().invoke(main, ["sweep", "mehta-schwab", *arguments, "--out", str(out)])
    assert result.exit_code == 2, result.output
    assert word in result.output
    assert "Traceback" not in result.output
    assert not out.exists()


# --- running it ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def two_worker_sweep(tmp_path_factory):
    out = tmp_path_factory.mktemp("sweep2")
    points = tiny_points()
    result = sweep.run(points, out, workers=2, progress=False)
    return out, points, result


def test_sweep_writes_every_point_and_the_summary(two_worker_sweep):
    out, points, result = two_worker_sweep
    assert sorted(result.computed) == sorted(p.key for p in points)
    assert not result.failed and not result.reused
    rows = (out / "sweep.csv").read_text().splitlines()
    assert len(rows) == 1 + len(points) * 3  # header + (data + 2 layers) per point
    assert (out / "report.html").read_text().count("<img") == 5


def test_data_energies_agree_with_kaufman(two_worker_sweep):
    out, points, _ = two_worker_sweep
    for point in points:
        metrics = json.loads((out / "points" / point.key / "metrics.json").read_text())
        energy = metrics["metrics"]["data.energy_per_spin"]
        exact_energy = exact.torus(point.size, point.coupling).energy_per_spin
        assert energy["reference"] == pytest.approx(exact_energy, abs=1e-12)
        assert abs(energy["value"] - exact_energy) < 4 * energy["stderr"], point.key
        # negative control: another temperature is far outside the error bars
        wrong = exact.torus(point.size, point.coupling + 0.05).energy_per_spin
        assert abs(energy["value"] - wrong) > 4 * energy["stderr"]


def test_numbers_are_identical_on_one_worker_and_in_reproduce(
    two_worker_sweep, tmp_path, one_torch_thread
):
    from deeprg.experiments.mehta_schwab import run

    out, points, _ = two_worker_sweep
    reference = point_values(out, points)
    one = tmp_path / "one"
    sweep.run(points, one, workers=1, progress=False)
    assert point_values(one, points) == reference
    point = points[1]
    alone = tmp_path / "alone"
    run(point.settings, alone, progress=False, log=lambda message: None)
    metrics = json.loads((alone / "metrics.json").read_text())
    assert {k: v["value"] for k, v in metrics["metrics"].items()} == reference[point.key]


def test_rerun_recomputes_only_the_deleted_point(two_worker_sweep, tmp_path):
    out, points, _ = two_worker_sweep
    copy = tmp_path / "copy"
    shutil.copytree(out, copy)
    shutil.rmtree(copy / "points" / points[0].key)
    result = sweep.run(points, copy, workers=1, progress=False)
    assert result.computed == [points[0].key]
    assert sorted(result.reused) == sorted(p.key for p in points[1:])
    assert point_values(copy, points) == point_values(out, points)


def test_a_failing_point_is_reported_and_the_others_finish(tmp_path):
    points = tiny_points(couplings=(0.40,))
    broken = sweep.SweepPoint(0.45, 8, 0, points[0].settings.replace(algorithm="no-such"))
    result = sweep.run([*points, broken], tmp_path, workers=1, progress=False)
    assert result.computed == [points[0].key]
    assert list(result.failed) == [broken.key] and "no-such" in result.failed[broken.key]
    assert "no-such" in (tmp_path / "report.html").read_text()


def test_a_killed_worker_is_replaced_and_every_point_finishes(tmp_path):
    from distributed import Client, LocalCluster

    points = tiny_points(couplings=(0.30, 0.35, 0.40, 0.45), n_samples=1500, epochs=6)
    with LocalCluster(
        n_workers=2, threads_per_worker=1, host="127.0.0.1", dashboard_address=None
    ) as cluster:
        with Client(cluster) as client:
            pids = list(client.run(os.getpid).values())
        killed = []

        def kill_one():
            time.sleep(2.0)  # the first tasks are running by now
            os.kill(pids[0], signal.SIGKILL)
            killed.append(pids[0])

        killer = threading.Thread(target=kill_one)
        killer.start()
        result = sweep.run(points, tmp_path, scheduler=cluster.scheduler_address, progress=False)
        killer.join()
    assert killed
    assert sorted(result.computed) == sorted(p.key for p in points)
    assert not result.failed
    for point in points:  # every point exactly once, each file complete
        metrics = json.loads((tmp_path / "points" / point.key / "metrics.json").read_text())
        assert metrics["sweep_point"]["key"] == point.key
    assert not list(tmp_path.rglob("*.tmp"))


def test_separately_started_scheduler_gives_identical_numbers(two_worker_sweep, tmp_path):
    out, points, _ = two_worker_sweep
    scheduler_file = tmp_path / "scheduler.json"
    dask = [sys.executable, "-m", "distributed.cli.dask_scheduler"]
    scheduler = subprocess.Popen(
        [
            *dask,
            "--host",
            "127.0.0.1",
            "--port",
            "0",
            "--no-dashboard",
            "--scheduler-file",
            str(scheduler_file),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    worker = None
    try:
        for _ in range(200):
            if scheduler_file.exists() and scheduler_file.stat().st_size:
                break
            time.sleep(0.1)
        address = json.loads(scheduler_file.read_text())["address"]
        worker = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "distributed.cli.dask_worker",
                address,
                "--nworkers",
                "2",
                "--nthreads",
                "1",
                "--host",
                "127.0.0.1",
                "--no-dashboard",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        from distributed import Client

        with Client(address, timeout="30s") as client:
            client.wait_for_workers(2, timeout=60)
        separate = tmp_path / "separate"
        sweep.run(points, separate, scheduler=address, progress=False)
        assert point_values(separate, points) == point_values(out, points)
    finally:
        for process in (worker, scheduler):  # exactly the processes this test started
            if process is not None:
                process.terminate()
                try:
                    process.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
