"""Where the flows of ``deeprg reproduce iso-flow`` end: T* per hidden size, and the curves.

The end point T* of a flow is the thermometer's mean reading over the last steps; each
hidden size gets T* ± its standard error over the RBM seeds, the step from which every
starting temperature stays close to it, and the end point's physics (E/N, |m|, χ).
"""

from __future__ import annotations

import numpy as np

from ..stats import mean_stderr
from .iso_flow_flows import FLOW_QUANTITIES, tail_begin
from .iso_flow_settings import T_CRITICAL, IsoFlowSettings

__all__ = ["curve_json", "fixed_points", "seed_curves"]


def _seed_end_point(record: dict, settings: IsoFlowSettings) -> dict:
    """T*, convergence step and spread of one flow (one RBM seed)."""
    steps = record["steps"]
    reading = record["reading"]  # (R, K_start + 1)
    tail = steps >= tail_begin(settings.flow_steps, settings.tail_fraction)
    t_star = float(reading[tail, -1].mean())
    starts = reading[:, :-1]
    deviation = np.abs(starts - t_star).max(axis=1)  # worst starting temperature per step
    within = deviation <= settings.convergence_tolerance
    converged_step = None
    if within[-1]:
        bad = np.nonzero(~within)[0]
        converged_step = int(steps[bad[-1] + 1]) if len(bad) else int(steps[0])
        if converged_step > steps[tail][0]:  # not settled over the window T* averages
            converged_step = None
    return {
        "temperature": t_star,
        "steps": converged_step,
        "spread": float((starts[tail].max(axis=1) - starts[tail].min(axis=1)).mean()),
        "tail": {
            name: float(np.mean(record[name][tail, -1]))
            for name in FLOW_QUANTITIES
            if name != "energy_stderr"
        },
    }


def fixed_points(settings: IsoFlowSettings, flows: dict, update: str) -> list[dict]:
    """One end point per hidden size: T* ± standard error over RBM seeds, steps, physics.

    Parameters
    ----------
    settings : IsoFlowSettings
    flows : dict
        ``(n_hidden, seed index, update)`` -> :func:`measure_flow` record.
    update : {"mean-field", "sampled"}

    Returns
    -------
    list of dict, one per hidden size
        ``n_hidden``, ``temperature`` (T*), ``stderr``, ``steps`` (mean over converged
        seeds, None if none), per-seed values, the spread between starting temperatures and
        ``end_observables`` (tail averages of every :data:`FLOW_QUANTITIES`, pooled).
    """
    rows = []
    for n_hidden in settings.hidden_sizes:
        per_seed = [
            _seed_end_point(flows[(int(n_hidden), i, update)], settings)
            for i in range(settings.rbm_seeds)
        ]
        t_star, stderr = mean_stderr([p["temperature"] for p in per_seed])
        converged = [p["steps"] for p in per_seed if p["steps"] is not None]
        steps_mean, steps_err = mean_stderr(converged) if converged else (None, None)
        row = {
            "n_hidden": int(n_hidden),
            "update": update,
            "temperature": t_star,
            "stderr": stderr,
            "steps": steps_mean,
            "steps_stderr": steps_err,
            "converged_seeds": len(converged),
            "n_seeds": len(per_seed),
            "temperature_per_seed": [p["temperature"] for p in per_seed],
            "steps_per_seed": [p["steps"] for p in per_seed],
            "spread_between_starts": float(np.mean([p["spread"] for p in per_seed])),
            "deviation_from_tc": t_star - T_CRITICAL,
            "deviation_sigma": abs(t_star - T_CRITICAL) / stderr if stderr > 0 else None,
        }
        physics = {}
        for name in per_seed[0]["tail"]:
            physics[name], physics[f"{name}_stderr"] = mean_stderr(
                [p["tail"][name] for p in per_seed]
            )
        row["end_observables"] = physics
        rows.append(row)
    return rows


def seed_curves(settings: IsoFlowSettings, flows: dict, update: str, n_hidden: int) -> dict:
    """Seed-averaged per-step curves of one hidden size (for figures and metrics.json)."""
    records = [flows[(n_hidden, i, update)] for i in range(settings.rbm_seeds)]
    out = {"steps": records[0]["steps"].tolist()}
    for name in (*FLOW_QUANTITIES, "histogram"):
        stack = np.stack([r[name] for r in records])
        out[name] = stack.mean(axis=0)
    return out


def curve_json(curve: dict) -> dict:
    """A seed-averaged curve for metrics.json: readings per starting temperature (last
    column pooled), the pooled histogram, and every other quantity pooled only."""
    out = {
        "steps": list(curve["steps"]),
        "reading": np.asarray(curve["reading"]).tolist(),
        "histogram": np.asarray(curve["histogram"]).tolist(),
    }
    for name in FLOW_QUANTITIES:
        if name != "reading":
            out[f"{name}_pooled"] = np.asarray(curve[name])[:, -1].tolist()
    return out
