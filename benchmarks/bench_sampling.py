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
    python benchmarks/bench_sampling.py --samples 5000 --numpy-samples 500   # quicker

deeprg commands run once untimed first, so numba's on-disk compile cache is warm (as for
any user's second run); the one-off compile time is printed separately.
"""

from __future__ import annotations

import argparse
import json
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


def timed(command: list[str]) -> tuple[float, str]:
    """Run a command, return (wall seconds, stdout); fail loudly on error."""
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - start
    if done.returncode != 0:
        sys.exit(f"benchmark command failed: {' '.join(command)}\n{done.stderr}")
    return wall, done.stdout


def deeprg_row(algorithm: str, args, workdir: Path) -> dict:
    exe = shutil.which("deeprg") or sys.exit("the deeprg command is not installed")
    out = workdir / f"deeprg_{algorithm}.h5"
    command = [
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
        str(out),
        "--overwrite",
        "--json",
        "--no-progress",
    ]
    warm = command.copy()
    warm[warm.index("--samples") + 1] = "200"
    compile_wall, _ = timed(warm)  # fills numba's cache on a first ever run
    wall, stdout = timed(command)
    report = json.loads(stdout)
    from deeprg.io import load_samples

    energy = load_samples(out).energy
    return {
        "sampler": f"deeprg {algorithm}",
        "wall": wall,
        "n": energy.size,
        "tau": integrated_autocorrelation_time(energy),
        "note": f"thin {report['thin']}, {report['n_chains']} chains, "
        f"first run {compile_wall:.1f} s",
    }


def script_row(name: str, script: str, argv: list[str], workdir: Path, note: str) -> dict:
    path = workdir / f"{name}.py"
    path.write_text(script)
    out = workdir / name
    wall, _ = timed([sys.executable, str(path), *argv, str(out)])
    energy = np.load(f"{out}_energy.npy")
    return {
        "sampler": name,
        "wall": wall,
        "n": energy.size,
        "tau": integrated_autocorrelation_time(energy),
        "note": note,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=40)
    parser.add_argument("--coupling", type=float, default=0.408)
    parser.add_argument("--samples", type=int, default=20000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--algorithms", default=",".join(DEEPRG_ALGORITHMS))
    parser.add_argument(
        "--mcising-intervals",
        default="20,45",
        help="cluster flips between mcising's saved samples (each one row)",
    )
    parser.add_argument(
        "--numpy-samples",
        type=int,
        default=2000,
        help="samples for the (slow) numpy baseline; its rate is what counts",
    )
    parser.add_argument("--numpy-thin", type=int, default=32, help="sweeps between samples")
    args = parser.parse_args()

    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        for interval in [int(k) for k in args.mcising_intervals.split(",") if k]:
            rows.append(
                script_row(
                    f"mcising_wolff_{interval}",
                    MCISING_SCRIPT,
                    [
                        str(args.size),
                        str(args.coupling),
                        str(args.samples),
                        str(interval),
                        str(args.seed),
                    ],
                    workdir,
                    f"interval {interval} clusters",
                )
            )
        for algorithm in [a for a in args.algorithms.split(",") if a]:
            rows.append(deeprg_row(algorithm, args, workdir))
        if args.numpy_samples > 0:
            rows.append(
                script_row(
                    "numpy_metropolis",
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

    for row in rows:
        row["rate"] = row["n"] / (2.0 * row["tau"]) / row["wall"]
    reference = max((r["rate"] for r in rows if r["sampler"].startswith("mcising")), default=None)
    print(
        f"{args.size}x{args.size} periodic Ising, J = {args.coupling}, {args.samples} samples"
        " (whole commands, start-up and file writing included)"
    )
    header = f"{'sampler':26s} {'wall s':>8s} {'n':>6s} {'tau_E':>6s} {'eff/s':>9s} {'vs mcising':>10s}  notes"
    print(header)
    print("-" * len(header))
    for row in rows:
        ratio = f"{row['rate'] / reference:10.2f}" if reference else f"{'n/a':>10s}"
        print(
            f"{row['sampler']:26s} {row['wall']:8.2f} {row['n']:6d} {row['tau']:6.2f} "
            f"{row['rate']:9.0f} {ratio}  {row['note']}"
        )
    print("ratio: effective samples per second over the best mcising row of this run")


if __name__ == "__main__":
    main()
