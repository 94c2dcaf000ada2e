"""Figures of a sweep: every measure against the coupling J, one line per lattice size.

Each panel marks J_c = ½ ln(1+√2) and, where one exists, draws the exact reference as a
curve (Kaufman's finite torus for energy and heat capacity, Onsager's ξ(J)). Repeats of a
point are averaged; error bars are standard errors over repeats, or the point's own error
for a single repeat.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from ..constants import J_CRITICAL
from ..exact import onsager, torus
from . import plt, save_figure

__all__ = ["plot_sweep"]


def _series(results: Sequence[dict], metric: str, field: str = "value") -> dict:
    """size -> (couplings, means, errors) of one metric, averaged over repeats."""
    grouped: dict[int, dict[float, list[tuple[float, float]]]] = defaultdict(
        lambda: defaultdict(list)
    )
    for result in results:
        entry = result["metrics"].get(metric)
        if entry is None or entry.get(field) is None:
            continue
        place = result["sweep_point"]
        error = entry.get("stderr") if field == "value" else None
        grouped[place["size"]][place["coupling"]].append(
            (float(entry[field]), float(error) if error is not None else np.nan)
        )
    out = {}
    for size, by_coupling in grouped.items():
        couplings = np.array(sorted(by_coupling))
        means, errors = [], []
        for coupling in couplings:
            values = np.array(by_coupling[coupling])
            means.append(values[:, 0].mean())
            if len(values) > 1:
                errors.append(values[:, 0].std(ddof=1) / np.sqrt(len(values)))
            else:
                errors.append(values[0, 1])
        out[size] = (couplings, np.array(means), np.array(errors))
    return out


def _colors(sizes: Sequence[int]) -> dict[int, tuple]:
    cmap = plt.get_cmap("viridis")
    return {size: cmap(k / max(len(sizes) - 1, 1) * 0.85) for k, size in enumerate(sizes)}


def _plot_metric(ax, results, metric, colors, label_suffix="", field="value", **style) -> None:
    for size, (j, mean, err) in sorted(_series(results, metric, field).items()):
        yerr = np.where(np.isfinite(err), err, 0.0)
        ax.errorbar(
            j,
            mean,
            yerr=yerr,
            color=colors[size],
            capsize=2,
            label=f"L = {size}{label_suffix}",
            **{"fmt": "o-", **style},
        )


def _finish(ax, title: str, ylabel: str) -> None:
    ax.axvline(J_CRITICAL, color="k", ls="--", lw=0.8)
    ax.set_title(title, fontsize=10)
    ax.set_xlabel("coupling J")
    ax.set_ylabel(ylabel)
    if ax.get_legend_handles_labels()[0]:
        ax.legend(fontsize=7)
    else:
        ax.text(0.5, 0.5, "not measurable here", ha="center", va="center", transform=ax.transAxes)


def plot_sweep(results: Sequence[dict], out: Path) -> dict[str, Path]:
    """Write the sweep's figures into ``out``; returns name -> path."""
    sizes = sorted({r["sweep_point"]["size"] for r in results})
    couplings = sorted({r["sweep_point"]["coupling"] for r in results})
    n_layers = max(len(r["settings"]["layers"]) for r in results)
    colors = _colors(sizes)
    fine = np.linspace(min(couplings) - 0.01, max(couplings) + 0.01, 121)
    paths: dict[str, Path] = {}

    # data thermodynamics on Kaufman's exact curves
    fig, axes = plt.subplots(1, 2, figsize=(11, 3.8))
    for size in sizes:
        exact = [torus(size, j) for j in fine]
        axes[0].plot(fine, [t.energy_per_spin for t in exact], color=colors[size], lw=1)
        axes[1].plot(fine, [t.heat_capacity_per_spin for t in exact], color=colors[size], lw=1)
    _plot_metric(axes[0], results, "data.energy_per_spin", colors, fmt="o")
    _plot_metric(axes[1], results, "data.heat_capacity", colors, fmt="o")
    _finish(axes[0], "data E/N (lines: exact, Kaufman L×L torus)", "E/N")
    _finish(axes[1], "data C/N (lines: exact)", "C/N")
    fig.tight_layout()
    paths["thermodynamics"] = save_figure(fig, out / "sweep_thermodynamics.png")

    # correlation lengths: data and every layer, against Onsager's ξ(J)
    fig, axes = plt.subplots(1, n_layers + 1, figsize=(4.6 * (n_layers + 1), 4.4), squeeze=False)
    xi = np.array([onsager(j).correlation_length for j in fine])
    for layer, ax in enumerate(axes[0]):
        ax.plot(
            fine, np.where(np.isfinite(xi), xi, np.nan), color="gray", lw=1, label="Onsager ξ(J)"
        )
        metric = (
            "data.correlation_length" if layer == 0 else f"layer{layer}.correlation_length_active"
        )
        _plot_metric(ax, results, metric, colors)
        if layer == 0:
            _plot_metric(
                ax, results, "data.correlation_length_exponential", colors, " (exp. fit)", fmt="s"
            )
        ax.set_yscale("log")
        ax.set_ylim(0.5, 2 * max(sizes))
        for size in sizes:
            ax.axhline(size, color=colors[size], lw=0.6, ls=":")
        _finish(
            ax,
            "data: ○ second moment, □ exponential fit (dotted: L)"
            if layer == 0
            else f"layer {layer}, active units",
            "ξ (lattice spacings)",
        )
    fig.tight_layout()
    paths["correlation_lengths"] = save_figure(fig, out / "sweep_correlation_lengths.png")

    # receptive fields: locality and size, with controls
    fig, axes = plt.subplots(2, n_layers, figsize=(4.2 * n_layers, 7), squeeze=False)
    for layer in range(1, n_layers + 1):
        ax = axes[0][layer - 1]
        _plot_metric(ax, results, f"layer{layer}.locality", colors)
        _plot_metric(
            ax, results, f"layer{layer}.locality", colors, " shuffled", field="control", fmt="x:"
        )
        ax.set_ylim(0, 1.05)
        _finish(ax, f"layer {layer}: blob power in the 2bˡ window", "share")
        ax = axes[1][layer - 1]
        _plot_metric(ax, results, f"layer{layer}.block_side", colors, " blob")
        _plot_metric(
            ax, results, f"layer{layer}.radius_of_gyration", colors, " R_g (old)", fmt="s:"
        )
        ax.axhline(2.0**layer, color="k", lw=0.8, ls=":", label="Kadanoff bˡ")
        _finish(ax, f"layer {layer}: size", "lattice spacings")
    fig.tight_layout()
    paths["fields"] = save_figure(fig, out / "sweep_fields.png")

    # agreement with majority-rule block spins
    fig, axes = plt.subplots(1, n_layers, figsize=(4.2 * n_layers, 3.8), squeeze=False)
    for layer, ax in enumerate(axes[0], start=1):
        _plot_metric(ax, results, f"layer{layer}.majority_agreement", colors)
        _plot_metric(
            ax,
            results,
            f"layer{layer}.majority_agreement",
            colors,
            " farthest block",
            field="control",
            fmt="x:",
        )
        ax.set_ylim(0, 1.05)
        _finish(ax, f"layer {layer}: |corr| with majority rule (given m)", "|corr|")
    fig.tight_layout()
    paths["agreement"] = save_figure(fig, out / "sweep_agreement.png")

    # generated samples
    fig, ax = plt.subplots(figsize=(5.5, 3.8))
    for size in sizes:
        ax.plot(fine, [torus(size, j).energy_per_spin for j in fine], color=colors[size], lw=1)
    _plot_metric(ax, results, "network.energy_per_spin", colors, " generated")
    _plot_metric(ax, results, "data.energy_per_spin", colors, " data", fmt="x")
    _finish(ax, "E/N of network-generated samples (lines: exact)", "E/N")
    fig.tight_layout()
    paths["generated"] = save_figure(fig, out / "sweep_generated.png")
    return paths
