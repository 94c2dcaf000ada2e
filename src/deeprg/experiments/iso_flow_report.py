"""The self-contained ``report.html`` of ``deeprg reproduce iso-flow``."""

from __future__ import annotations

import html
import os
from pathlib import Path

from .html import STYLE, figure_sections, format_value, verdict_table, write_html

__all__ = ["write_report"]

_FIGURES = [
    (
        "flow_temperature",
        "Mean thermometer reading against flow step, one line per starting temperature "
        "(Iso et al.'s main figure)",
    ),
    ("flow_histograms", "The thermometer's distribution of T after n steps"),
    ("fixed_points", "End points T* against N_h, with T_c and the exact-energy temperature T_E"),
    (
        "flow_observables",
        "E/N, |m| and χ of the flowed spins against their values at the thermometer's reading",
    ),
    ("singular_values", "Singular values of the RBM weights (Veiga & Vicente)"),
    ("thermometer", "The thermometer on independent test data, beside the exact Bayes ceiling"),
    ("data_checks", "The Monte Carlo data against Kaufman's exact torus"),
]


def _num(value, digits: int = 4) -> str:
    if value is None:
        return "—"
    if isinstance(value, str):
        return html.escape(value)
    return f"{value:.{digits}f}"


def _table(header: list[str], rows: list[list[str]]) -> str:
    head = "".join(f"<th>{h}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table><tr>{head}</tr>{body}</table>"


def _fixed_point_rows(points: list[dict], critical: float) -> list[list[str]]:
    rows = []
    for p in points:
        obs = p["end_observables"]
        steps = "—" if p["steps"] is None else f"{p['steps']:.0f}"
        rows.append(
            [
                str(p["n_hidden"]),
                f"{p['temperature']:.3f} ± {p['stderr']:.3f}",
                f"{p['temperature'] - critical:+.3f}"
                + ("" if p["deviation_sigma"] is None else f" ({p['deviation_sigma']:.1f}σ)"),
                f"{steps} ({p['converged_seeds']}/{p['n_seeds']} seeds)",
                f"{p['spread_between_starts']:.3f}",
                _num(obs["energy_temperature"], 3),
                f"{obs['energy']:.4f} / {obs['energy_ref']:.4f}",
                f"{obs['abs_magnetization']:.3f} / {obs['abs_magnetization_ref']:.3f}",
                f"{obs['susceptibility']:.3f} / {obs['susceptibility_ref']:.3f}",
                f"{obs['reading_spins']:.3f}",
            ]
        )
    return rows


def write_report(result: dict, figures: dict[str, Path], path: str | os.PathLike) -> Path:
    """Write the HTML report (figures embedded as base64 PNG) atomically.

    Parameters
    ----------
    result : dict
        The contents of ``metrics.json`` (see :func:`deeprg.experiments.iso_flow.run`).
    figures : dict
        Figure name -> PNG path.
    path : path-like
        Output file.
    """
    settings = result["settings"]
    flow = result["flow"]
    thermo = result["thermometer"]
    critical = flow["critical_temperature"]
    fp_header = [
        "N_h",
        "T* ± stderr",
        "T* − T_c",
        "steps to converge",
        "spread between starts",
        "T_E (exact energy)",
        "E/(NJ) / at reading",
        "|m| / at reading",
        "χ / at reading",
        "reading of sampled spins",
    ]
    sections = []
    for update, key in (("mean-field", "fixed_points"), ("sampled", "fixed_points_sampled")):
        sections.append(
            f"<h3>{html.escape(update)} flows</h3>"
            + _table(fp_header, _fixed_point_rows(flow[key], critical))
        )
    checks = result["data_checks"]
    check_rows = [
        [
            r["set"],
            f"{r['temperature']:.4f}",
            f"{r['energy_per_spin']:.5f} ± {r['energy_stderr']:.5f}",
            f"{r['energy_exact']:.5f}",
            _num(r["energy_z"], 2),
            f"{r['heat_capacity']:.4f} ± {r['heat_capacity_stderr']:.4f}",
            f"{r['heat_capacity_exact']:.4f}",
            _num(r["heat_capacity_z"], 2),
            f"{r['abs_magnetization']:.4f}",
            f"{r['susceptibility']:.3f}",
            f"{r['tau_energy']:.2f}",
        ]
        for r in checks
    ]
    near = thermo["near_critical"]
    near_rows = [
        [f"{t:.3f}", *[str(c) for c in row]]
        for t, row in zip(near["classes"], near["confusion"], strict=False)
    ]
    figure_html = figure_sections(figures, _FIGURES)
    timings = ", ".join(f"{k.removesuffix('_s')} {v:.1f} s" for k, v in result["run_time"].items())
    settings_rows = [[html.escape(k), format_value(v)] for k, v in settings.items()]
    choice_rows = [
        [html.escape(c[k]) for k in ("setting", "value", "source", "note")]
        for c in result["choices"]
    ]
    grid = flow["temperatures"]
    parts = [
        "<!DOCTYPE html><html><head><meta charset='utf-8'>",
        f"<title>deeprg: RBM flows and T_c ({html.escape(result['preset'])})</title>",
        f"<style>{STYLE}</style></head><body>",
        "<h1>RBM flows and the critical temperature (Iso, Shiba &amp; Yokoo 2018; "
        "Veiga &amp; Vicente 2020), reproduced and checked</h1>",
        f"<p>Preset <b>{html.escape(result['preset'])}</b>: {settings['size']}×{settings['size']} "
        f"periodic Ising lattice, {len(grid)} temperatures from {min(grid):.2f} to {max(grid):.2f} "
        f"(T_c = {critical:.4f} included: {settings['include_critical']}), "
        f"{settings['n_train']} training and {settings['n_test']} test configurations per "
        f"temperature; RBMs with {html.escape(settings['units'])} units, N_h = "
        f"{', '.join(map(str, settings['hidden_sizes']))}, {settings['rbm_seeds']} seeds each; "
        f"{settings['flow_starts']} flows per temperature, {settings['flow_steps']} steps. "
        f"deeprg {html.escape(result['deeprg_version'])}, device {html.escape(result['device'])}. "
        f"Run time: {timings}.</p>",
        "<h2>Verdicts</h2>",
        verdict_table(result["verdicts"]),
        "<h2>Where the flows end</h2>",
        f"<p class=note>{html.escape(flow['definition'])}. T_E is the temperature whose exact "
        "(Kaufman) energy equals the mean energy of the flowed spins; “at reading” values mix "
        "each configuration's class probabilities with the exact energy and the Monte Carlo "
        "|m|, ⟨m²⟩ of the grid temperatures (χ from the mixed moments). Observables of "
        "mean-field flows are measured on spins drawn from the visible means; the thermometer "
        "reads the means themselves (Iso et al.), and the last column its reading of the "
        "drawn spins.</p>",
        *sections,
        "<h2>The thermometer</h2>",
        f"<p>{html.escape(thermo['architecture'])}. On {thermo['n_test']} independent test "
        f"configurations: accuracy <b>{thermo['test_accuracy']:.3f}</b> (exact Bayes ceiling "
        f"{thermo['bayes_accuracy']:.3f}, chance {thermo['chance_accuracy']:.3f}), within one "
        f"class {thermo['within_one_class']:.3f} (Bayes {thermo['bayes_within_one_class']:.3f}), "
        f"mean |ΔT| {thermo['mean_absolute_error']:.3f} (Bayes "
        f"{thermo['bayes_mean_absolute_error']:.3f}). Shuffled-label control: "
        f"{thermo['shuffled_label_accuracy']:.3f} (σ at chance: "
        f"{thermo['shuffled_label_permutation_stderr']:.4f} by relabelling, "
        f"{thermo['shuffled_label_binomial_stderr']:.4f} binomial). The Bayes posterior uses only "
        "the bond sum, a sufficient statistic for T, with Kaufman's exact ln Z: no thermometer "
        "can beat it on equilibrium data.</p>",
        f"<p>Near T_c: configurations at T_c are read as T_c {near['critical_class_accuracy']:.3f} "
        f"of the time (Bayes {near['bayes_critical_class_accuracy']:.3f}), within one class "
        f"{near['critical_class_within_one']:.3f}, mean reading "
        f"{near['critical_class_mean_reading']:.3f}. Confusion (rows true, columns predicted):</p>",
        _table(["true \\ predicted", *[f"{t:.3f}" for t in near["classes"]]], near_rows),
        "<h2>Figures</h2>",
        figure_html,
        "<h2>The data against Kaufman's exact torus</h2>",
        "<p class=note>E/(NJ) = −⟨Σ s_i s_j⟩/N, C/N = Var(H)/N, z = (MC − exact)/σ with σ from "
        "the sampler's integrated autocorrelation time; no z where every sample is a ground "
        "state (no fluctuations). |m| and χ = N(⟨m²⟩ − ⟨|m|⟩²) have no exact finite-L "
        "reference in deeprg.</p>",
        _table(
            ["set", "T", "E/(NJ)", "exact", "z", "C/N", "exact", "z", "|m|", "χ", "τ_E"],
            check_rows,
        ),
        "<h2>Settings</h2>",
        _table(["setting", "value"], settings_rows),
        "<h2>What the papers state, and what deeprg chose</h2>",
        _table(["setting", "value", "source", "note"], choice_rows),
        "<p class=note>Generated by <code>deeprg reproduce iso-flow</code>.</p>",
        "</body></html>",
    ]
    return write_html(parts, path)
