"""Kills and double starts: SIGKILL at seeded random moments, concurrent runs, stale locks.

After each kill the command is run again. No file may ever be half-written (every file
that exists, temporary files aside, is complete and valid), and the result of the rerun
must be bit-identical to an uninterrupted run with the same seed: every number of
metrics.json but the timings, and every weight of the models. Three kill points run in the
fast suite; the soak suite (``-m soak``) has 20 more, over ``sample``, ``train``, ``reproduce``
and ``sweep``.

Double starts: two reproductions into one folder (one refuses with the holder's PID, the
other finishes, and a reader polling the folder never sees a half-written file); a lock
left by a SIGKILLed holder is taken over; ``rg exponents --out`` holds the same lock.
Every subprocess is stopped by its PID (its process group) in a ``finally`` block.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

import robustness_helpers as rh
from deeprg import atomic, io
from deeprg.ising import IsingSquare
from deeprg.samples import SampleSet

pytestmark = pytest.mark.usefixtures("one_torch_thread")

#: The seed of every kill moment (the moments, not their outcome, are fixed).
KILL_SEED = 20260

SAMPLE = ("sample", "ising2d", "-L", "16", "-J", "0.4", "-n", "4000", "--seed", "11")
TRAIN = ("--layers", "32,8", "--epochs", "150", "--batch-size", "20", "--seed", "3")
#: A reproduction of a few seconds (the quick preset's analysis, on an 8 x 8 lattice).
REPRODUCE = (
    "reproduce",
    "mehta-schwab",
    "--size",
    "8",
    "--layers",
    "16,4",
    "--epochs",
    "40",
    "--samples",
    "400",
    "--batch-size",
    "50",
    "--generated",
    "20",
    "--generation-steps",
    "2",
    "--analysis-samples",
    "100",
    "--seed",
    "5",
    "--no-progress",
)
SWEEP = (
    "sweep",
    "mehta-schwab",
    "--couplings",
    "0.3,0.5",
    "--sizes",
    "8",
    "--layers",
    "16,4",
    "--epochs",
    "20",
    "--samples",
    "200",
    "--batch-size",
    "50",
    "--generated",
    "20",
    "--generation-steps",
    "2",
    "--analysis-samples",
    "100",
    "--workers",
    "1",
    "--no-progress",
)


def moments(name: str, count: int, low: float, high: float) -> list[float]:
    """``count`` kill delays in [low, high) seconds, the same on every run of the tests."""
    rng = np.random.default_rng([KILL_SEED, *name.encode()])
    return [float(x) for x in rng.uniform(low, high, count)]


def _killed(outcome: str) -> None:
    rh.tally(kills=int(outcome == "killed"), kill_points=1)


# ------------------------------------------------------------------------- sample


@pytest.fixture(scope="module")
def sample_reference(tmp_path_factory):
    out = tmp_path_factory.mktemp("sample-reference") / "s.h5"
    result = rh.cli(*SAMPLE, "--no-progress", "--out", out)
    assert result.exit_code == 0, result.output
    return rh.hdf5_contents(out)


def _sample_kill(folder: Path, delay: float, reference: dict) -> None:
    out = folder / "s.h5"
    outcome = rh.kill_after((*SAMPLE, "--no-progress", "--out", out), delay)
    _killed(outcome)
    rh.check_tree(folder)  # absent, or complete and valid
    if out.exists():
        assert rh.hdf5_contents(out) == reference
    result = rh.cli(*SAMPLE, "--no-progress", "--overwrite", "--out", out)
    assert result.exit_code == 0, result.output
    same = rh.hdf5_contents(out) == reference
    rh.tally(results_differed=int(not same))
    assert same, "the rerun's samples differ from an uninterrupted run's"
    assert not [p.name for p in folder.iterdir() if rh.temporary(p)], "stale temporaries"


def test_a_killed_sample_run_leaves_no_partial_file_and_reruns_identically(
    tmp_path, sample_reference
):
    (delay,) = moments("sample-fast", 1, 0.2, 0.8)
    _sample_kill(tmp_path, delay, sample_reference)


@pytest.mark.soak
@pytest.mark.parametrize("delay", moments("sample", 5, 0.05, 1.2))
def test_sample_killed_at_random_moments(tmp_path, sample_reference, delay):
    _sample_kill(tmp_path, delay, sample_reference)


# ------------------------------------------------------------------------- train


@pytest.fixture(scope="module")
def train_data(tmp_path_factory):
    folder = tmp_path_factory.mktemp("train-data")
    model = IsingSquare(8, 0.4)
    spins = np.random.default_rng(0).choice(np.array([-1, 1], np.int8), (600, 8, 8))
    samples = SampleSet(model, spins, model.energy(spins), model.magnetization(spins), "wolff", 1)
    io.save_samples(samples, folder / "samples.h5")
    (folder / "ck").mkdir()
    result = rh.cli(
        "train",
        folder / "samples.h5",
        *TRAIN,
        "--checkpoint-dir",
        folder / "ck",
        "--out",
        folder / "model.h5",
        "--no-progress",
    )
    assert result.exit_code == 0, result.output
    return folder / "samples.h5", rh.hdf5_contents(folder / "model.h5")


def _train_kill(folder: Path, delay: float, train_data) -> None:
    data, reference = train_data
    checkpoints = folder / "ck"
    checkpoints.mkdir(exist_ok=True)
    out = folder / "model.h5"
    args = ("train", data, *TRAIN, "--checkpoint-dir", checkpoints, "--out", out, "--no-progress")
    outcome = rh.kill_after(args, delay, ready=lambda: (checkpoints / "layer1.pt").exists())
    _killed(outcome)
    rh.check_tree(folder)  # checkpoints and model: absent, or complete and valid
    result = rh.cli(*args, "--overwrite")  # resumes from the checkpoints
    assert result.exit_code == 0, result.output
    same = rh.hdf5_contents(out) == reference
    rh.tally(results_differed=int(not same))
    assert same, "the resumed model differs from an uninterrupted run's"
    rh.check_tree(folder)


@pytest.mark.parametrize("delay", moments("train-fast", 2, 0.0, 1.2))
def test_a_killed_training_resumes_bit_identically(tmp_path, train_data, delay):
    _train_kill(tmp_path, delay, train_data)


@pytest.mark.soak
@pytest.mark.parametrize("delay", moments("train", 5, 0.0, 3.0))
def test_train_killed_at_random_moments(tmp_path, train_data, delay):
    _train_kill(tmp_path, delay, train_data)


# ------------------------------------------------------------------------- reproduce


def _reproduction(folder: Path) -> dict:
    """What must not change: metrics.json without timings, and every model file's content."""
    metrics = rh.strip_timing(json.loads((folder / "metrics.json").read_text()))
    models = {
        str(path.relative_to(folder)): rh.hdf5_contents(path)
        for path in sorted(folder.rglob("*.h5"))
        if not rh.temporary(path)
    }
    return {"metrics": metrics, "files": models}


@pytest.fixture(scope="module")
def reproduce_reference(tmp_path_factory):
    out = tmp_path_factory.mktemp("reproduce-reference") / "run"
    finished = rh.run_to_end(*REPRODUCE, "--out", out)
    assert finished.returncode == 0, finished.stderr
    return _reproduction(out)


def _watch(process: subprocess.Popen, folder: Path, until: float | None = None) -> int:
    """Validate every file of ``folder`` as it appears while ``process`` runs."""
    watcher = rh.FolderWatcher(folder)
    while process.poll() is None and (until is None or time.monotonic() < until):
        watcher.poll()
        time.sleep(0.05)
    watcher.poll()
    return watcher.validated


@pytest.mark.soak
@pytest.mark.parametrize("delay", moments("reproduce", 6, 0.5, 8.0))
def test_reproduce_killed_at_random_moments(tmp_path, reproduce_reference, delay):
    out = tmp_path / "run"
    process = rh.spawn(*REPRODUCE, "--out", out)
    try:
        seen = _watch(process, out, until=time.monotonic() + delay)
        outcome = "finished" if process.poll() is not None else "killed"
    finally:
        rh.stop(process)
    _killed(outcome)
    rh.tally(files_validated=seen)
    rh.check_tree(out)
    rerun = rh.run_to_end(*REPRODUCE, "--out", out)  # takes the killed run's lock over
    assert rerun.returncode == 0, rerun.stderr
    assert "in use" not in rerun.stderr
    same = _reproduction(out) == reproduce_reference
    rh.tally(results_differed=int(not same))
    assert same, "the resumed reproduction differs from an uninterrupted run's"
    rh.check_tree(out)


# ------------------------------------------------------------------------- sweep


def _sweep_result(folder: Path) -> dict:
    points = {
        path.parent.name: rh.strip_timing(json.loads(path.read_text()))
        for path in sorted((folder / "points").glob("*/metrics.json"))
    }
    return {"points": points, "csv": (folder / "sweep.csv").read_text()}


@pytest.fixture(scope="module")
def sweep_reference(tmp_path_factory):
    out = tmp_path_factory.mktemp("sweep-reference") / "sweep"
    finished = rh.run_to_end(*SWEEP, "--out", out)
    assert finished.returncode == 0, finished.stderr
    return _sweep_result(out)


@pytest.mark.soak
@pytest.mark.parametrize("delay", moments("sweep", 4, 2.0, 14.0))
def test_sweep_killed_at_random_moments(tmp_path, sweep_reference, delay):
    out = tmp_path / "sweep"
    process = rh.spawn(*SWEEP, "--out", out)
    try:  # SIGKILL to the sweep's process group: the client and its local workers
        seen = _watch(process, out, until=time.monotonic() + delay)
        outcome = "finished" if process.poll() is not None else "killed"
    finally:
        rh.stop(process)
    _killed(outcome)
    rh.tally(files_validated=seen)
    rh.check_tree(out)
    rerun = rh.run_to_end(*SWEEP, "--out", out)
    assert rerun.returncode == 0, rerun.stderr
    same = _sweep_result(out) == sweep_reference
    rh.tally(results_differed=int(not same))
    assert same, "the resumed sweep differs from an uninterrupted one"
    rh.check_tree(out)


# ------------------------------------------------------------------------- double starts


def test_two_reproductions_into_one_folder(tmp_path):
    """Started 0.5 s apart: one finishes, the other refuses at once naming the holder's PID,
    and a reader polling the folder meanwhile never meets a half-written file."""
    out = tmp_path / "run"
    first = rh.spawn(*REPRODUCE, "--out", out)
    second = None
    try:
        watcher = rh.FolderWatcher(out)
        start = time.monotonic()
        while time.monotonic() - start < 0.5:
            watcher.poll()
            time.sleep(0.05)
        second = rh.spawn(*REPRODUCE, "--out", out)
        while first.poll() is None or second.poll() is None:
            watcher.poll()
            time.sleep(0.05)
        watcher.poll()
        outputs = {p: p.communicate() for p in (first, second)}
    finally:
        rh.stop(first)
        if second is not None:
            rh.stop(second)
    codes = sorted([first.returncode, second.returncode])
    assert codes == [0, 2], {p.returncode: outputs[p][1][-2000:] for p in outputs}
    winner, loser = (first, second) if first.returncode == 0 else (second, first)
    lines = [line for line in outputs[loser][1].splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), lines
    assert f"PID {winner.pid}" in lines[0] and "in use" in lines[0], lines[0]
    assert "Traceback" not in outputs[winner][1]
    rh.check_tree(out)
    assert (out / "metrics.json").exists() and (out / "report.html").exists()
    assert watcher.validated >= 5  # samples, layers, model, figures, ... read while written
    rh.tally(double_starts=1, files_validated=watcher.validated)


_HOLDER = """
import sys, time
from deeprg.locking import output_lock
with output_lock(sys.argv[1], "test holder"):
    print("locked", flush=True)
    time.sleep(120)
"""


def _hold_lock(folder: Path) -> subprocess.Popen:
    """A process holding ``folder``'s output lock (its PID is in the holder record)."""
    folder.mkdir(parents=True, exist_ok=True)
    holder = subprocess.Popen(
        [sys.executable, "-c", _HOLDER, str(folder)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    assert holder.stdout.readline().strip() == "locked", holder.stderr.read()
    return holder


EXPONENTS = ("rg", "exponents", "--size", "8", "--samples", "200", "--no-progress")


def test_exponents_refuses_a_held_folder_and_takes_over_a_killed_holders_lock(tmp_path):
    out = tmp_path / "exp"
    holder = _hold_lock(out)
    try:
        refused = rh.cli(*EXPONENTS, "--out", out)
        message = rh.assert_one_line_error(refused, "in use", f"PID {holder.pid}")
        assert "test holder" in message
        assert not (out / "exponents.json").exists()
    finally:
        rh.stop(holder)  # SIGKILL: the lock and its holder record are left behind
    record = json.loads((out / ".deeprg.lock.json").read_text())
    assert record["pid"] == holder.pid  # stale: its process is gone
    taken = rh.cli(*EXPONENTS, "--out", out)
    assert taken.exit_code == 0, taken.output
    assert not (out / ".deeprg.lock.json").exists()  # released at the end
    rh.check_tree(out)
    assert (out / "exponents.json").exists() and (out / "report.html").exists()
    rh.tally(double_starts=1, stale_locks_taken_over=1)


def test_stale_temporary_files_of_dead_writers_are_removed(tmp_path):
    """A SIGKILLed writer's temporary file is removed by the next write of the same file on
    that host; one of a live writer (or of another host) is left alone."""
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    host = atomic._HOST
    stale = tmp_path / f".s.h5.{dead.pid}-{host}.abc123.tmp"
    alive = tmp_path / f".s.h5.{os.getppid()}-{host}.def456.tmp"
    elsewhere = tmp_path / f".s.h5.{dead.pid}-00000000.ghi789.tmp"
    other = tmp_path / f".t.h5.{dead.pid}-{host}.jkl012.tmp"
    for path in (stale, alive, elsewhere, other):
        path.write_bytes(b"half")
    with atomic.atomic_write(tmp_path / "s.h5") as tmp:
        tmp.write_bytes(b"whole")
    assert not stale.exists()
    assert alive.exists() and elsewhere.exists() and other.exists()
    assert (tmp_path / "s.h5").read_bytes() == b"whole"
