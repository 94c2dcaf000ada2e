"""Benchmark: effective independent Ising samples per second, deeprg against peers.

For each of deeprg's algorithms, the PyPI sampler ``mcising`` (Rust, Wolff) and a plain
numpy checkerboard Metropolis baseline, this script produces the paper's data — 20,000
configurations of the periodic 40x40 lattice at J = 0.408 — as a whole command in a fresh
subprocess, start-up and file writing included, and reports

    effective samples per second = n / (2 τ_E) / wall time,

with τ_E the integrated autocorrelation time (Sokal window, deeprg.mc) of the energy
series of the saved samples, measured the same way for every sampler. Ratios are taken
against mcising measured in the same run. Run by hand (never in CI):

    python benchmarks/bench_sampling.py                 # the full table
    python benchmarks/bench_sampling.py --algorithms wolff --repeats 5   # the target only
    python benchmarks/bench_sampling.py --algorithms wolff --compare-src /tmp/old/src

(``--compare-src`` times another deeprg source tree, e.g. ``git archive OLD src | tar -x -C
/tmp/old``, in the same interleaved run: before/after ratios under the same load.)

deeprg commands run once untimed first, so numba's on-disk compile cache is warm (as for
any user's second run); the one-off compile time is printed separately.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import numpy as np

from deeprg.mc import integrated_autocorrelation_time

DEEPRG_ALGORITHMS = ("wolff", "swendsen-wang", "metropolis", "heat-bath")

MCISING_SCRIPT = textwrap.dedent(
    """
    import sys, numpy as np, mcising
    size, coupling, n, interval, seed, out = sys.argv[1:7]
    size, n, interval, seed, coupling = int(size), int(n), int(interval), int(seed), float(coupling)
    sim = mcising.IsingSimulation(size, 1.0, 0.0, 0.0, 0.0, seed, algorithm="wolff")
    temperature = 1.0 / coupling
    sim.sweep(2000, temperature=temperature)  # equilibration: 2000 cluster flips
    result = sim.production_sweeps(n, interval, temperature=temperature, store_configs=True)
    np.save(out + "_spins.npy", np.asarray(result["configurations"], dtype=np.int8))
    np.save(out + "_energy.npy", np.asarray(result["energies"], dtype=np.float64))
    """
)

NUMPY_SCRIPT = textwrap.dedent(
    """
    import sys, numpy as np
    size, coupling, n, thin, burn_in, seed, out = sys.argv[1:8]
    size, n, thin, burn_in, seed, coupling = (
        int(size), int(n), int(thin), int(burn_in), int(seed), float(coupling))
    rng = np.random.default_rng(seed)
    spins = rng.choice(np.array([-1, 1], dtype=np.int8), size=(size, size))
    colour = np.indices((size, size)).sum(axis=0) % 2
    masks = [colour == 0, colour == 1]

    def sweep(spins):
        for mask in masks:
            nn = (np.roll(spins, 1, 0) + np.roll(spins, -1, 0)
                  + np.roll(spins, 1, 1) + np.roll(spins, -1, 1))
            delta_e = 2.0 * coupling * spins * nn
            flip = mask & (rng.random(spins.shape) < np.exp(-delta_e))
            spins = np.where(flip, -spins, spins)
        return spins

    for _ in range(burn_in):
        spins = sweep(spins)
    configs = np.empty((n, size, size), dtype=np.int8)
    for k in range(n):
        for _ in range(thin):
            spins = sweep(spins)
        configs[k] = spins
    bonds = (configs * (np.roll(configs, -1, 1) + np.roll(configs, -1, 2))).sum(axis=(1, 2))
    np.save(out + "_spins.npy", configs)
    np.save(out + "_energy.npy", -coupling * bonds.astype(np.float64))
    """
)


def timed(command: list[str], env: dict | None = None) -> tuple[float, str, float]:
    """Run a command; return (wall seconds, stdout, CPU seconds of the child); fail loudly."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, check=False, env=env)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if done.returncode != 0:
        sys.exit(f"benchmark command failed: {' '.join(command)}\n{done.stderr}")
    return wall, done.stdout, cpu


class DeeprgJob:
    """``deeprg sample ising2d ...`` for one algorithm, as a user would type it."""

    def __init__(self, algorithm: str, args, workdir: Path, src: str | None = None) -> None:
        exe = shutil.which("deeprg") or sys.exit("the deeprg command is not installed")
        self.name = f"deeprg {algorithm}"
        self.out = workdir / f"deeprg_{algorithm}.h5"
        self.env = None
        if src is not None:  # another deeprg source tree (e.g. a checkout of an older commit)
            self.name += f" @{Path(src).resolve().parent.name}"
            self.out = workdir / f"deeprg_{algorithm}_{Path(src).resolve().parent.name}.h5"
            self.env = {**os.environ, "PYTHONPATH": str(Path(src).resolve())}
        self.command = [
            exe,
            "sample",
            "ising2d",
            "--size",
            str(args.size),
            "--coupling",
            str(args.coupling),
            "--samples",
            str(args.samples),
            "--algorithm",
            algorithm,
            "--seed",
            str(args.seed),
            "--out",
            str(self.out),
            "--overwrite",
            "--json",
            "--no-progress",
        ]
        warm = self.command.copy()
        warm[warm.index("--samples") + 1] = "200"
        self.first_run, _, _ = timed(warm, self.env)  # fills numba's cache on a first ever run

    def __call__(self) -> dict:
        from deeprg.io import load_samples

        wall, stdout, cpu = timed(self.command, self.env)
        report = json.loads(stdout)
        energy = load_samples(self.out).energy
        note = f"thin {report['thin']}, {report['n_chains']} chains"
        return {"wall": wall, "cpu": cpu, "energy": energy, "note": note}


class ScriptJob:
    """A peer's sampler as a Python script: import, sample, save configurations and energies."""

    def __init__(self, name: str, script: str, argv: list[str], workdir: Path, note: str):
        self.name = name
        path = workdir / f"{name}.py"
        path.write_text(script)
        self.out = workdir / name
        self.command = [sys.executable, str(path), *argv, str(self.out)]
        self.note = note

    def __call__(self) -> dict:
        wall, _, cpu = timed(self.command)
        energy = np.load(f"{self.out}_energy.npy")
        return {"wall": wall, "cpu": cpu, "energy": energy, "note": self.note}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=40)
    parser.add_argument("--coupling", type=float, default=0.408)
    parser.add_argument("--samples", type=int, default=20000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--repeats",
        type=int,
        default=3,
        help="interleaved repetitions; the fastest of each is reported",
    )
    parser.add_argument("--algorithms", default=",".join(DEEPRG_ALGORITHMS))
    parser.add_argument(
        "--mcising-intervals",
        default="20,45",
        help="cluster flips between mcising's saved samples (each one row)",
    )
    parser.add_argument(
        "--numpy-samples",
        type=int,
        default=1000,
        help="samples for the (slow) numpy baseline; its rate is what counts",
    )
    parser.add_argument("--numpy-thin", type=int, default=32, help="sweeps between samples")
    parser.add_argument(
        "--compare-src",
        action="append",
        default=[],
        metavar="DIR",
        help="also time deeprg imported from this src folder (e.g. an older commit's "
        "`git archive` export), interleaved with the rest; repeatable",
    )
    args = parser.parse_args()
    load_before = os.getloadavg()

    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        jobs = [
            ScriptJob(
                f"mcising wolff {k}",
                MCISING_SCRIPT,
                [str(args.size), str(args.coupling), str(args.samples), str(k), str(args.seed)],
                workdir,
                f"interval {k} clusters",
            )
            for k in (int(k) for k in args.mcising_intervals.split(",") if k)
        ]
        algorithms = [a for a in args.algorithms.split(",") if a]
        jobs += [DeeprgJob(a, args, workdir) for a in algorithms]
        jobs += [DeeprgJob(a, args, workdir, src) for src in args.compare_src for a in algorithms]
        if args.numpy_samples > 0:
            jobs.append(
                ScriptJob(
                    "numpy metropolis",
                    NUMPY_SCRIPT,
                    [
                        str(args.size),
                        str(args.coupling),
                        str(args.numpy_samples),
                        str(args.numpy_thin),
                        "1000",
                        str(args.seed),
                    ],
                    workdir,
                    f"thin {args.numpy_thin} sweeps, {args.numpy_samples} samples",
                )
            )
        walls = {job.name: [] for job in jobs}
        cpus = {job.name: [] for job in jobs}
        results = {}
        for _ in range(args.repeats):  # interleaved, so slow phases of a shared machine hit all
            for job in jobs:
                result = job()
                walls[job.name].append(result["wall"])
                cpus[job.name].append(result["cpu"])
                results[job.name] = result

    rows = []
    for job in jobs:
        energy = results[job.name]["energy"]
        tau = integrated_autocorrelation_time(energy)
        effective = energy.size / (2 * tau)
        wall, cpu = min(walls[job.name]), min(cpus[job.name])
        note = results[job.name]["note"]
        if isinstance(job, DeeprgJob):
            note += f", first run {job.first_run:.1f} s"
        rows.append(
            {
                "sampler": job.name,
                "wall": wall,
                "median": float(np.median(walls[job.name])),
                "cpu": cpu,
                "n": energy.size,
                "tau": tau,
                "rate": effective / wall,
                "cpu_rate": effective / cpu,
                "note": note,
            }
        )
    print_table(rows, args, (load_before, os.getloadavg()))


def print_table(rows: list[dict], args, loads: tuple) -> None:
    peers = [r for r in rows if r["sampler"].startswith("mcising")]
    reference = max((r["rate"] for r in peers), default=None)
    cpu_reference = max((r["cpu_rate"] for r in peers), default=None)
    print(
        f"{args.size}x{args.size} periodic Ising, J = {args.coupling}, {args.samples} samples; "
        f"whole commands (start-up, file writing included), best of {args.repeats}"
    )
    width = max(20, *(len(row["sampler"]) for row in rows))
    header = (
        f"{'sampler':{width}s} {'wall s':>7s} {'median':>7s} {'cpu s':>6s} {'n':>6s} {'tau_E':>6s} "
        f"{'eff/s':>7s} {'vs mcising':>10s} {'eff/cpu-s':>9s} {'vs':>5s}  notes"
    )
    print(header)
    print("-" * len(header))
    for row in rows:
        ratio = f"{row['rate'] / reference:10.2f}" if reference else f"{'n/a':>10s}"
        cpu_ratio = f"{row['cpu_rate'] / cpu_reference:5.2f}" if cpu_reference else f"{'n/a':>5s}"
        print(
            f"{row['sampler']:{width}s} {row['wall']:7.2f} {row['median']:7.2f} {row['cpu']:6.2f} "
            f"{row['n']:6d} {row['tau']:6.2f} {row['rate']:7.0f} {ratio} "
            f"{row['cpu_rate']:9.0f} {cpu_ratio}  {row['note']}"
        )
    print("eff/s = n / (2 tau_E) / wall time (the target); eff/cpu-s: the same per CPU second")
    print("(user + system, all threads), less disturbed by other load on a shared machine.")
    print("Ratios over the best mcising row of this run; wall, cpu: fastest of the repeats.")
    (before, _, _), (after, _, _) = loads
    print(
        f"Machine: {os.cpu_count()} CPUs, 1-minute load average {before:.1f} at the start, "
        f"{after:.1f} at the end (other jobs' load slows the wall figures)."
    )


if __name__ == "__main__":
    main()
