"""Sweep scaling on Dask: wall time of the same grid on 1 and on N workers, and Dask's
overhead per point.

    python benchmarks/bench_sweep.py                  # 8 quick points, 1 vs 2 workers
    python benchmarks/bench_sweep.py --workers 4 --sizes 16,24,32

For each worker count the whole sweep runs in a fresh output folder (cluster start-up,
every point and the summary included). The speed-up is wall(1) / wall(N). Fixed costs are
timed apart: starting and stopping the local cluster, and writing the summary (CSV, figures,
report). Dask's overhead per point is what remains, (N × (wall - fixed) - Σ point seconds)
/ points: task transfer, scheduling and the client's writes of each point.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

from deeprg.experiments import sweep
from deeprg.experiments.sweep_report import write_summary


def cluster_seconds(workers: int) -> float:
    """Start and stop a local cluster of ``workers`` processes, as the sweep does."""
    started = time.perf_counter()
    client, cluster = sweep._open_client(workers, None)
    client.close()
    cluster.close()
    return time.perf_counter() - started


def run(points, workers: int) -> tuple[float, float, float]:
    with tempfile.TemporaryDirectory(prefix="deeprg-bench-sweep-") as tmp:
        started = time.perf_counter()
        sweep.run(points, tmp, workers=workers, progress=False)
        wall = time.perf_counter() - started
        busy = sum(
            json.loads(path.read_text())["sweep_point"]["worker_seconds"]
            for path in Path(tmp).glob("points/*/metrics.json")
        )
        started = time.perf_counter()
        write_summary(points, Path(tmp), {})
        summary = time.perf_counter() - started
    return wall, busy, summary


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--couplings", default="0.36,0.40,0.44,0.48")
    parser.add_argument("--sizes", default="16,24")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--preset", default="quick")
    args = parser.parse_args()
    points = sweep.plan(
        sweep.parse_couplings(args.couplings), sweep.parse_sizes(args.sizes), 1, 0, args.preset
    )
    rows = []
    for workers in (1, args.workers):
        wall, busy, summary = run(points, workers)
        start_stop = cluster_seconds(workers)
        overhead = (workers * (wall - summary - start_stop) - busy) / len(points)
        rows.append((workers, wall, busy, start_stop, summary, overhead))
    print(f"{len(points)} {args.preset} points ({args.couplings} × L = {args.sizes})")
    print(
        f"{'workers':>8} {'wall s':>8} {'Σ point s':>10} {'cluster s':>10} {'summary s':>10}"
        f" {'overhead s/point':>17} {'points/h/core':>14}"
    )
    for workers, wall, busy, start_stop, summary, overhead in rows:
        per_core = 3600 / (busy / len(points))
        print(
            f"{workers:>8} {wall:>8.1f} {busy:>10.1f} {start_stop:>10.1f} {summary:>10.1f}"
            f" {overhead:>17.2f} {per_core:>14.0f}"
        )
    print(f"speed-up {rows[0][1] / rows[1][1]:.2f}× on {args.workers} workers")


if __name__ == "__main__":
    main()
