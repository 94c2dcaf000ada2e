"""Sweep scaling on Dask: wall time of the same grid on 1 and on N workers, and Dask's
overhead per point.

    python benchmarks/bench_sweep.py                  # 8 quick points, 1 vs 2 workers
    python benchmarks/bench_sweep.py --workers 4 --sizes 16,24,32

For each worker count the whole sweep runs in a fresh output folder (cluster start-up,
every point and the summary included). The speed-up is wall(1) / wall(N). The overhead
per point is (N × wall(N) - Σ point seconds) / points: what the workers spend on anything
but the reproductions themselves (task transfer, cluster start and stop, the client's
writes and the summary), spread over the points.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

from deeprg.experiments import sweep


def run(points, workers: int) -> tuple[float, float]:
    with tempfile.TemporaryDirectory(prefix="deeprg-bench-sweep-") as tmp:
        started = time.perf_counter()
        sweep.run_sweep(points, tmp, workers=workers, progress=False)
        wall = time.perf_counter() - started
        busy = sum(
            json.loads(path.read_text())["sweep_point"]["worker_seconds"]
            for path in Path(tmp).glob("points/*/metrics.json")
        )
    return wall, busy


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
        wall, busy = run(points, workers)
        overhead = (workers * wall - busy) / len(points)
        rows.append((workers, wall, busy, overhead))
    print(f"{len(points)} {args.preset} points ({args.couplings} × L = {args.sizes})")
    print(f"{'workers':>8} {'wall s':>8} {'Σ point s':>10} {'overhead s/point':>17}")
    for workers, wall, busy, overhead in rows:
        print(f"{workers:>8} {wall:>8.1f} {busy:>10.1f} {overhead:>17.2f}")
    print(f"speed-up {rows[0][1] / rows[1][1]:.2f}× on {args.workers} workers")


if __name__ == "__main__":
    main()
