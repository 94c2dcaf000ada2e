"""The paper preset end to end, per stage, in each precision — and the bfloat16 quality gate.

Run by hand (never in CI)::

    python benchmarks/bench_paper.py                          # fp32 and bf16, seeds 0 and 1
    python benchmarks/bench_paper.py --precisions bf16 --seeds 0
    python benchmarks/bench_paper.py --extra "--epochs 5"     # a dry run of the script
    python benchmarks/bench_paper.py --seeds 0,1,2,3,4 --work runs --reuse   # tables again

Every run is ``deeprg reproduce mehta-schwab --preset paper --precision P --seed S`` in a
fresh subprocess and a fresh output folder (a reused folder would skip finished stages), with
the runs interleaved (seed 0 fp32, seed 0 bf16, seed 1 fp32, ...) so that a change of load
touches both precisions alike. The process's wall time includes Python start-up and imports;
the stage times are the ones the run writes to ``metrics.json`` (``run_time``). A second
table gives each layer's epoch times (fastest, median, slowest, and how many epochs ran
within 20 % of the fastest), read from the training history in ``model.h5``: on a machine
whose speed drifts, it says which speed a total was measured at.

The quality gate compares, layer by layer, the measures the paper's claim rests on — blob
block side, locality, ξ of the active units, agreement with the majority-rule block spin,
active fraction — and the growth per layer. Each bfloat16 value is compared with the float32
value of the same seed (same samples, same initial weights) in units of their combined
standard error where the measure has one, and beside the float32 seed-to-seed spread (the
largest |difference| between float32 runs of different seeds), which is the yardstick for the
measures without an error bar. A bfloat16 difference within that spread is indistinguishable
from changing the seed.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

STAGES = ("samples_s", "training_s", "analysis_s", "figures_s", "total_s")
STAGE_NAMES = {
    "samples_s": "Wolff samples",
    "training_s": "training, 3 layers",
    "analysis_s": "analysis",
    "figures_s": "figures",
    "total_s": "total (inside the run)",
    "process_s": "process wall (with start-up)",
}

#: (metrics.json key, printed name); {l} is the layer number.
LAYER_MEASURES = (
    ("layer{l}.block_side", "block side"),
    ("layer{l}.locality", "locality"),
    ("layer{l}.correlation_length_active", "xi of active units"),
    ("layer{l}.majority_agreement", "majority agreement"),
    ("layer{l}.active_fraction", "active fraction"),
)
GLOBAL_MEASURES = (("growth.size_ratio_mean", "growth per layer"),)


def _run(precision: str, seed: int, out: Path, threads: int | None, extra: list[str]) -> dict:
    """One reproduction in a fresh process; returns its metrics.json plus process time."""
    command = [
        sys.executable,
        "-c",
        "from deeprg.cli import main; main()",
        "reproduce",
        "mehta-schwab",
        "--preset",
        "paper",
        "--precision",
        precision,
        "--seed",
        str(seed),
        "--out",
        str(out),
        "--no-progress",
        *extra,
    ]
    env = dict(os.environ)
    if threads is not None:
        for variable in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
            env[variable] = str(threads)
    start = time.perf_counter()
    result = subprocess.run(command, capture_output=True, text=True, env=env)
    wall = time.perf_counter() - start
    if result.returncode != 0:
        raise SystemExit(f"{shlex.join(command)} failed:\n{result.stderr[-2000:]}")
    metrics = json.loads((out / "metrics.json").read_text())
    metrics["run_time"]["process_s"] = wall
    return metrics


def _value(metrics: dict, key: str) -> tuple[float | None, float | None]:
    entry = metrics["metrics"].get(key) or {}
    value, stderr = entry.get("value"), entry.get("stderr")
    return (None if value is None else float(value)), (None if stderr is None else float(stderr))


def _stage_table(runs: dict, precisions: list[str], seeds: list[int]) -> list[str]:
    lines = [
        "stage (median over seeds, seconds)".ljust(34) + "".join(p.rjust(10) for p in precisions)
    ]
    for stage in (*STAGES, "process_s"):
        cells = []
        for precision in precisions:
            values = [runs[precision, seed]["run_time"][stage] for seed in seeds]
            cells.append(f"{statistics.median(values):10.1f}")
        lines.append(f"  {STAGE_NAMES[stage]:<32}" + "".join(cells))
    if "fp32" in precisions and len(precisions) > 1:
        for precision in precisions:
            if precision == "fp32":
                continue
            fp32 = statistics.median(runs["fp32", s]["run_time"]["training_s"] for s in seeds)
            other = statistics.median(runs[precision, s]["run_time"]["training_s"] for s in seeds)
            lines.append(f"  training speed-up of {precision} over fp32: {fp32 / other:.2f}x")
    lines.append("per run (seconds): precision seed  " + "  ".join(s[:-2] for s in STAGES))
    for (precision, seed), metrics in runs.items():
        times = "  ".join(f"{metrics['run_time'][s]:.1f}" for s in STAGES)
        lines.append(f"  {precision:>5} {seed:>4}  {times}")
    return lines


def _epoch_table(folders: dict) -> tuple[list[str], dict]:
    """Per run and layer: the epochs' seconds from the model file's training history.

    The fastest epoch is what the machine can do; the count of epochs within 20 % of it
    shows how much of the run the machine spent at that speed (a shared or throttled
    machine's speed can change by 40 % within a minute).
    """
    import h5py
    import numpy as np

    lines = [
        "epoch seconds per layer (training history in model.h5):",
        f"  {'run':<15}{'layer':>5} {'sum s':>7} {'fastest':>8} {'median':>7} {'slowest':>8}"
        "  epochs within 1.2x the fastest",
    ]
    record = {}
    for (precision, seed), folder in folders.items():
        with h5py.File(folder / "model.h5", "r") as model:
            n_layers = int(model.attrs["n_layers"])
            names = [f"layers/{i}/history/seconds" for i in range(n_layers)]
            seconds = [np.asarray(model[name]) if name in model else None for name in names]
        for layer, epochs in enumerate(seconds, start=1):
            if epochs is None or epochs.size == 0:  # a reused folder from before histories
                lines.append(f"  {f'{precision} seed {seed}':<15}{layer:>5}  no training history")
                continue
            fastest = float(epochs.min())
            fast = int((epochs <= 1.2 * fastest).sum())
            lines.append(
                f"  {f'{precision} seed {seed}':<15}{layer:>5} {epochs.sum():7.1f} {fastest:8.3f} "
                f"{np.median(epochs):7.3f} {epochs.max():8.3f}  {fast} of {epochs.size}"
            )
            record[f"{precision}-seed{seed}-layer{layer}"] = {
                "sum_s": float(epochs.sum()),
                "fastest_s": fastest,
                "median_s": float(np.median(epochs)),
                "slowest_s": float(epochs.max()),
                "epochs_within_1.2x_fastest": fast,
                "epochs": int(epochs.size),
            }
    return lines, record


def _gate(runs: dict, precisions: list[str], seeds: list[int], n_layers: int) -> tuple[list, dict]:
    """Table lines and a JSON-able record of the bfloat16 comparison."""
    keys = [
        (key.format(l=layer), f"layer {layer} {name}")
        for layer in range(1, n_layers + 1)
        for key, name in LAYER_MEASURES
    ] + list(GLOBAL_MEASURES)
    header = f"{'measure':<30}{'seed':>5}{'fp32':>16}"
    others = [p for p in precisions if p != "fp32"]
    for precision in others:
        header += f"{precision:>16}{'diff/se':>9}"
    header += f"{'fp32 seed spread':>18}"
    lines, record = [header], []
    for key, name in keys:
        fp32_values = [_value(runs["fp32", s], key)[0] for s in seeds]
        known = [v for v in fp32_values if v is not None]
        spread = max(known) - min(known) if len(known) > 1 else None
        for seed in seeds:
            value, stderr = _value(runs["fp32", seed], key)
            row = f"{name:<30}{seed:>5}{_fmt(value, stderr):>16}"
            entry = {"measure": key, "seed": seed, "fp32": value, "fp32_stderr": stderr}
            for precision in others:
                other, other_err = _value(runs[precision, seed], key)
                z = None
                if None not in (value, other, stderr, other_err) and stderr + other_err > 0:
                    z = (other - value) / math.hypot(stderr, other_err)
                row += f"{_fmt(other, other_err):>16}{'' if z is None else f'{z:+.1f}':>9}"
                entry[precision] = other
                entry[f"{precision}_stderr"] = other_err
                entry[f"{precision}_z"] = z
                if None not in (value, other, spread):
                    entry[f"{precision}_within_seed_spread"] = abs(other - value) <= spread
            row += f"{'' if spread is None else f'{spread:.3f}':>18}"
            entry["fp32_seed_spread"] = spread
            lines.append(row)
            record.append(entry)
    return lines, {"rows": record}


def _over_seeds(runs: dict, precisions: list[str], seeds: list[int], n_layers: int):
    """Per measure, each precision's mean ± seed-to-seed standard deviation, and the
    difference of the means in units of its standard error (Welch).

    The single-run standard errors above cover the sampling noise of one network only; two
    networks trained from different seeds differ by more (other units become active, other
    blobs form), so the bfloat16 question is whether its runs look like further float32
    seeds: |difference / se| below 2 is read as indistinguishable.
    """
    keys = [
        (key.format(l=layer), f"layer {layer} {name}")
        for layer in range(1, n_layers + 1)
        for key, name in LAYER_MEASURES
    ] + list(GLOBAL_MEASURES)
    others = [p for p in precisions if p != "fp32"]
    header = f"{'measure, mean ± sd over seeds (n)':<34}{'fp32':>20}"
    for precision in others:
        header += f"{precision:>20}{'diff/se':>9}"
    lines, record = [header], []
    for key, name in keys:
        cells, entry = "", {"measure": key}
        summary = {}
        for precision in precisions:
            values = [_value(runs[precision, s], key)[0] for s in seeds]
            values = [v for v in values if v is not None]
            mean = statistics.fmean(values) if values else None
            sd = statistics.stdev(values) if len(values) > 1 else None
            summary[precision] = (mean, sd, len(values))
            entry[precision] = {"mean": mean, "sd": sd, "n": len(values)}
        cells += f"{_spread(*summary['fp32']):>20}"
        for precision in others:
            (m0, s0, n0), (m1, s1, n1) = summary["fp32"], summary[precision]
            t = None
            if None not in (m0, m1, s0, s1) and s0**2 / n0 + s1**2 / n1 > 0:
                t = (m1 - m0) / math.sqrt(s0**2 / n0 + s1**2 / n1)
            cells += f"{_spread(m1, s1, n1):>20}{'' if t is None else f'{t:+.1f}':>9}"
            entry[f"{precision}_t"] = t
        lines.append(f"{name:<34}{cells}")
        record.append(entry)
    return lines, record


def _spread(mean: float | None, sd: float | None, n: int) -> str:
    if mean is None:
        return "n/a"
    return f"{mean:.3f}±{sd:.3f} ({n})" if sd is not None else f"{mean:.3f} ({n})"


def _fmt(value: float | None, stderr: float | None) -> str:
    if value is None:
        return "n/a"
    return f"{value:.3f}" if stderr is None else f"{value:.2f}±{stderr:.2f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--precisions", default="fp32,bf16", help="comma-separated")
    parser.add_argument("--seeds", default="0,1", help="comma-separated master seeds")
    parser.add_argument("--threads", type=int, default=None, help="default: all cores")
    parser.add_argument("--work", type=Path, default=None, help="folder for the run outputs")
    parser.add_argument("--extra", default="", help="extra reproduce options, e.g. '--epochs 5'")
    parser.add_argument("--json", type=Path, default=None, help="write every number here")
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="read the runs already finished in --work instead of running them again "
        "(their process wall time is then unknown)",
    )
    args = parser.parse_args()
    precisions = args.precisions.split(",")
    seeds = [int(s) for s in args.seeds.split(",")]
    work = args.work or Path(tempfile.mkdtemp(prefix="deeprg-bench-paper-"))
    extra = shlex.split(args.extra)
    load_start = os.getloadavg()[0]

    runs, folders = {}, {}
    for seed in seeds:
        for precision in precisions:
            out = folders[precision, seed] = work / f"{precision}-seed{seed}"
            if args.reuse and (out / "metrics.json").is_file():
                metrics = json.loads((out / "metrics.json").read_text())
                metrics["run_time"]["process_s"] = float("nan")
                runs[precision, seed] = metrics
                continue
            if out.exists():
                raise SystemExit(f"{out} exists; pass an empty --work folder (or --reuse)")
            print(f"running {precision}, seed {seed} -> {out}", file=sys.stderr, flush=True)
            runs[precision, seed] = _run(precision, seed, out, args.threads, extra)

    print(f"paper preset, {os.cpu_count()} CPUs, threads {args.threads or 'all'}")
    print("\n".join(_stage_table(runs, precisions, seeds)))
    record = {"runs": {f"{p}-seed{s}": m["run_time"] for (p, s), m in runs.items()}}
    lines, record["epochs"] = _epoch_table(folders)
    print()
    print("\n".join(lines))
    if "fp32" in precisions:
        n_layers = len(runs["fp32", seeds[0]]["layers"])
        lines, record["gate"] = _gate(runs, precisions, seeds, n_layers)
        print()
        print("\n".join(lines))
        if len(seeds) > 1:
            lines, record["over_seeds"] = _over_seeds(runs, precisions, seeds, n_layers)
            print()
            print("\n".join(lines))
    print(
        f"Machine: load average {load_start:.1f} at the start, {os.getloadavg()[0]:.1f} at the end"
    )
    print(f"outputs: {work}")
    if args.json is not None:
        args.json.write_text(json.dumps(record, indent=2))


if __name__ == "__main__":
    main()
