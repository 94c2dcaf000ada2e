"""The verdicts of ``deeprg reproduce iso-flow``: the data, the thermometer, the flows' end points.

Each is a :class:`deeprg.experiments.verdict.Verdict`: a statement, whether it holds, and
the numbers it was judged on.
"""

from __future__ import annotations

import math

import numpy as np

from .iso_flow_flows import UPDATES
from .iso_flow_settings import T_CRITICAL, IsoFlowSettings
from .verdict import Verdict

__all__ = ["verdicts"]


def _energy_check(point: dict, tol: float) -> tuple[bool, str]:
    te = point["end_observables"]["energy_temperature"]
    t = point["temperature"]
    return bool(np.isfinite(te) and abs(te - t) <= tol), f"T_E = {te:.3f}, T* = {t:.3f}"


def _magnetisation_check(point: dict, tol: float) -> tuple[bool, str]:
    obs = point["end_observables"]
    value, ref = obs["abs_magnetization"], obs["abs_magnetization_ref"]
    return bool(abs(value - ref) <= 0.1 * ref), f"|m| = {value:.3f} vs {ref:.3f}"


def _susceptibility_check(point: dict, tol: float) -> tuple[bool, str]:
    obs = point["end_observables"]
    value, ref = obs["susceptibility"], obs["susceptibility_ref"]
    return bool(abs(value - ref) <= 0.25 * ref), f"χ = {value:.2f} vs {ref:.2f}"


#: Physics checks of the end points: (claim, test(point, tolerance) -> (holds, evidence)).
_PHYSICS_CHECKS = (
    (
        "the end point's exact-energy temperature T_E is within the convergence tolerance of T*",
        _energy_check,
    ),
    (
        "the end point's |m| is within 10 % of its equilibrium value at the reading",
        _magnetisation_check,
    ),
    (
        "the end point's χ is within 25 % of its equilibrium value at the reading",
        _susceptibility_check,
    ),
)


def _verdict(claim: str, holds: bool | None, evidence: str) -> dict:
    return Verdict(claim, holds, evidence).as_dict()


def verdicts(
    settings: IsoFlowSettings, checks: list[dict], thermo: dict, points: dict[str, list[dict]]
) -> list[dict]:
    """Plain-language statements, each true/false/None with its numbers.

    Returns
    -------
    list of dict
        ``claim``, ``holds`` (True, False or None) and ``evidence`` (the numbers).
    """
    out = []
    z = [abs(r["energy_z"]) for r in checks if r["energy_z"] is not None]
    frozen = [r for r in checks if r["energy_z"] is None]
    worst_frozen = max((abs(r["energy_difference"]) for r in frozen), default=0.0)
    holds = bool(z) and max(z) < 4.0 and worst_frozen < 1e-6
    out.append(
        _verdict(
            "The Monte Carlo data agree with Kaufman's exact E/N at every temperature (|z| < 4)",
            holds,
            f"max |z| = {max(z, default=float('nan')):.2f} over {len(z)} temperature×set checks"
            + (
                f"; {len(frozen)} without fluctuations (all ground states), |Δe| ≤ {worst_frozen:.1e}"
                if frozen
                else ""
            ),
        )
    )
    acc, chance = thermo["test_accuracy"], thermo["chance_accuracy"]
    binom = thermo["shuffled_label_binomial_stderr"]
    out.append(
        _verdict(
            "The thermometer reads temperature far above chance on independent test data",
            acc > chance + 5 * binom,
            f"accuracy {acc:.3f} (exact Bayes ceiling {thermo['bayes_accuracy']:.3f}) against "
            f"chance {chance:.3f}; within one class {thermo['within_one_class']:.3f}; "
            f"mean |ΔT| {thermo['mean_absolute_error']:.3f} (Bayes {thermo['bayes_mean_absolute_error']:.3f})",
        )
    )
    shuf = thermo["shuffled_label_accuracy"]
    perm = thermo["shuffled_label_permutation_stderr"]
    out.append(
        _verdict(
            "The shuffled-label control is at chance (within 3σ of relabelled predictions)",
            abs(shuf - chance) <= 3 * max(perm, binom),
            f"shuffled-label accuracy {shuf:.3f} against chance {chance:.3f}: "
            f"{abs(shuf - chance) / max(perm, binom):.1f}σ (σ = {perm:.4f} by relabelling, which "
            f"counts identical ground states once; binomial σ = {binom:.4f})",
        )
    )
    tol = settings.convergence_tolerance
    for update in UPDATES:
        for p in points[update]:
            t, s = p["temperature"], p["stderr"]
            label = f"{update} flows, N_h = {p['n_hidden']}"
            merged = p["converged_seeds"] == p["n_seeds"]
            sigma = p["deviation_sigma"]
            within = merged and sigma is not None and sigma <= 2.0
            out.append(
                _verdict(
                    f"{label}: flows from every temperature converge to T_c within 2σ",
                    within,
                    f"T* = {t:.3f} ± {s:.3f} against T_c = {T_CRITICAL:.4f} "
                    f"({'' if sigma is None else f'{sigma:.1f}σ, '}|ΔT| = {abs(t - T_CRITICAL):.3f}); "
                    f"{p['converged_seeds']}/{p['n_seeds']} seeds converged (all starts within "
                    f"{tol} of T*), spread between starts at the end {p['spread_between_starts']:.3f}",
                )
            )
    for update in UPDATES:
        pts = points[update]
        pairs = [
            (abs(a["temperature"] - b["temperature"]), math.hypot(a["stderr"], b["stderr"]), a, b)
            for i, a in enumerate(pts)
            for b in pts[i + 1 :]
        ]
        if not pairs:
            continue
        gap, err, a, b = max(pairs, key=lambda q: q[0] / q[1] if q[1] > 0 else 0)
        out.append(
            _verdict(
                f"{update} flows: the end point depends on N_h (Veiga & Vicente)",
                bool(err > 0 and gap > 2 * err),
                f"largest difference: N_h = {a['n_hidden']} gives {a['temperature']:.3f}, "
                f"N_h = {b['n_hidden']} gives {b['temperature']:.3f} ({gap / err:.1f}σ)"
                if err > 0
                else "no error bar",
            )
        )
    for update in UPDATES:
        for claim, test in _PHYSICS_CHECKS:
            marks = []
            for p in points[update]:
                holds, text = test(p, tol)
                marks.append((holds, f"N_h = {p['n_hidden']}: {text} {'✓' if holds else '✗'}"))
            out.append(
                _verdict(
                    f"{update} flows: {claim}",
                    all(h for h, _ in marks),
                    "; ".join(t for _, t in marks),
                )
            )
    return out
