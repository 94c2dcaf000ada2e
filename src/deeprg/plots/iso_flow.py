"""Figures of ``deeprg reproduce iso-flow`` (Iso, Shiba & Yokoo 2018; Veiga & Vicente 2020).

Each function takes plain arrays and dicts (as :mod:`deeprg.experiments.iso_flow` builds
them), draws one figure and writes it with :func:`deeprg.plots.save_figure`. Curves are
``curves[update][n_hidden]``: ``steps`` (R,), per-step quantities of shape (R, K + 1) (one
column per starting temperature, the last pooled) and ``histogram`` (R, K).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from . import plt, save_figure

__all__ = [
    "plot_data_checks",
    "plot_fixed_points",
    "plot_flow_histograms",
    "plot_flow_observables",
    "plot_flow_temperatures",
    "plot_singular_values",
    "plot_thermometer",
]

_UPDATE_COLOURS = {"mean-field": "tab:blue", "sampled": "tab:orange"}


def _updates_and_sizes(curves: dict) -> tuple[list, list]:
    """The flow updates and hidden sizes of ``curves[update][n_hidden]``, in their order."""
    return list(curves), list(next(iter(curves.values())))


def _panel_grid(
    n_rows: int, n_cols: int, panel: tuple[float, float], margin: tuple[float, float], **share
):
    """A constrained-layout figure of ``n_rows`` × ``n_cols`` panels (axes always 2-D).

    ``panel`` is the (width, height) of one panel and ``margin`` the extra (width, height)
    of the figure, in inches; ``share`` passes ``sharex``/``sharey`` to matplotlib.
    """
    size = (panel[0] * n_cols + margin[0], panel[1] * n_rows + margin[1])
    return plt.subplots(n_rows, n_cols, figsize=size, squeeze=False, layout="constrained", **share)


def _step_axis(ax, steps: Sequence[int]) -> None:
    ax.set_xscale("symlog", linthresh=1.0)
    ax.set_xlim(0, max(steps))
    ax.set_xlabel("flow step n")


def plot_flow_temperatures(
    curves: dict, temperatures: np.ndarray, critical: float, path: str | os.PathLike
) -> Path:
    """Mean thermometer reading against flow step, one line per starting temperature.

    Iso et al.'s main figure: one panel per (update, N_h), rows the updates; readings are
    averaged over each starting temperature's flows and over RBM seeds.

    Parameters
    ----------
    curves : dict
        ``curves[update][n_hidden]["reading"]`` of shape (R, K + 1).
    temperatures : array of shape (K,)
        Starting (= class) temperatures.
    critical : float
        T_c, drawn as a dashed line.
    """
    updates, sizes = _updates_and_sizes(curves)
    fig, axes = _panel_grid(len(updates), len(sizes), (2.6, 2.6), (1.2, 0.6), sharey=True)
    cmap = plt.get_cmap("coolwarm")
    norm = plt.Normalize(temperatures.min(), temperatures.max())
    for row, update in enumerate(updates):
        for col, n_hidden in enumerate(sizes):
            ax = axes[row, col]
            curve = curves[update][n_hidden]
            steps = np.asarray(curve["steps"])
            reading = np.asarray(curve["reading"])
            for k, t in enumerate(temperatures):
                ax.plot(steps, reading[:, k], color=cmap(norm(t)), lw=1.0)
            ax.axhline(critical, color="k", ls="--", lw=1.0)
            _step_axis(ax, steps)
            ax.set_title(f"{update}, N_h = {n_hidden}", fontsize=9)
            if row < len(updates) - 1:
                ax.set_xlabel("")
            if col == 0:
                ax.set_ylabel("mean thermometer T")
    sm = plt.cm.ScalarMappable(cmap=cmap, norm=norm)
    fig.colorbar(sm, ax=axes, shrink=0.8, label="starting temperature")
    fig.suptitle(f"RBM flows read by the thermometer (dashed: T_c = {critical:.3f})")
    return save_figure(fig, path)


def plot_flow_histograms(
    curves: dict,
    temperatures: np.ndarray,
    steps_shown: Sequence[int],
    critical: float,
    path: str | os.PathLike,
) -> Path:
    """The thermometer's distribution of T over all flowed configurations after n steps.

    Rows: hidden sizes; columns: steps; mean-field (filled) and sampled (outline) flows.
    """
    updates, sizes = _updates_and_sizes(curves)
    fig, axes = _panel_grid(len(sizes), len(steps_shown), (2.2, 1.6), (0.4, 0.8), sharex=True)
    edges = np.concatenate(
        [
            [temperatures[0] - 0.5 * (temperatures[1] - temperatures[0])],
            0.5 * (temperatures[1:] + temperatures[:-1]),
            [temperatures[-1] + 0.5 * (temperatures[-1] - temperatures[-2])],
        ]
    )
    widths = np.diff(edges)
    for row, n_hidden in enumerate(sizes):
        for col, step in enumerate(steps_shown):
            ax = axes[row, col]
            for update in updates:
                curve = curves[update][n_hidden]
                steps = list(curve["steps"])
                index = (
                    steps.index(step)
                    if step in steps
                    else int(np.argmin(np.abs(np.array(steps) - step)))
                )
                density = np.asarray(curve["histogram"])[index] / widths
                colour = _UPDATE_COLOURS.get(update, "k")
                if update == updates[0]:
                    ax.bar(
                        edges[:-1],
                        density,
                        width=widths,
                        align="edge",
                        color=colour,
                        alpha=0.5,
                        label=update,
                    )
                else:
                    ax.stairs(density, edges, color=colour, lw=1.4, label=update)
            ax.axvline(critical, color="k", ls="--", lw=0.8)
            ax.set_yticks([])
            if row == 0:
                ax.set_title(f"n = {step}", fontsize=9)
            if col == 0:
                ax.set_ylabel(f"N_h = {n_hidden}", fontsize=9)
            if row == len(sizes) - 1:
                ax.set_xlabel("thermometer T")
    axes[0, -1].legend(fontsize=7, loc="upper right")
    fig.suptitle("Thermometer's distribution of T after n flow steps (all starting temperatures)")
    return save_figure(fig, path)


def plot_fixed_points(
    points: dict[str, list[dict]], critical: float, n_visible: int, path: str | os.PathLike
) -> Path:
    """End points T* ± standard error over seeds against N_h, beside T_c.

    Also shows T_E, the temperature whose exact energy equals the flowed spins' energy at
    the end (open markers): the physics check of the thermometer's reading.
    """
    fig, ax = plt.subplots(figsize=(6.4, 4.2))
    for offset, (update, rows) in zip((0.97, 1.03), points.items(), strict=False):
        n = np.array([r["n_hidden"] for r in rows], dtype=float)
        t = np.array([r["temperature"] for r in rows])
        s = np.array([r["stderr"] for r in rows])
        te = np.array([r["end_observables"]["energy_temperature"] for r in rows])
        colour = _UPDATE_COLOURS.get(update, "k")
        ax.errorbar(
            n * offset,
            t,
            yerr=s,
            fmt="o-",
            color=colour,
            capsize=3,
            label=f"{update}: thermometer T*",
        )
        ax.plot(
            n * offset, te, "s--", mfc="none", color=colour, label=f"{update}: exact-energy T_E"
        )
    ax.axhline(critical, color="k", ls="--", lw=1.0, label=f"T_c = {critical:.4f}")
    ax.axvline(n_visible, color="grey", ls=":", lw=1.0, label=f"N_h = N = {n_visible}")
    ax.set_xscale("log")
    sizes = sorted({r["n_hidden"] for rows in points.values() for r in rows})
    ax.set_xticks(sizes, [str(n) for n in sizes])
    ax.minorticks_off()
    ax.set_xlabel("hidden units N_h")
    ax.set_ylabel("end point temperature")
    ax.legend(fontsize=7)
    ax.set_title("Where the flows end (error bars: standard error over RBM seeds)")
    return save_figure(fig, path)


def plot_flow_observables(curves: dict, path: str | os.PathLike) -> Path:
    """E/N, |m| and χ of flowed spins (solid) against their values at the thermometer's reading (dashed).

    Pooled over starting temperatures and averaged over seeds; one column per N_h.
    References: exact energy (Kaufman) and Monte Carlo |m|, χ, mixed by each
    configuration's class probabilities.
    """
    updates, sizes = _updates_and_sizes(curves)
    names = [
        ("energy", "energy_ref", "E/(NJ)"),
        ("abs_magnetization", "abs_magnetization_ref", "|m|"),
        ("susceptibility", "susceptibility_ref", "χ"),
    ]
    fig, axes = _panel_grid(len(names), len(sizes), (2.8, 2.2), (0.6, 0.8))
    for col, n_hidden in enumerate(sizes):
        for row, (name, ref, label) in enumerate(names):
            ax = axes[row, col]
            for update in updates:
                curve = curves[update][n_hidden]
                steps = np.asarray(curve["steps"])
                colour = _UPDATE_COLOURS.get(update, "k")
                ax.plot(
                    steps, np.asarray(curve[name])[:, -1], color=colour, lw=1.3, label=f"{update}"
                )
                ax.plot(
                    steps,
                    np.asarray(curve[ref])[:, -1],
                    color=colour,
                    lw=1.0,
                    ls="--",
                    label=f"{update}: at reading",
                )
            _step_axis(ax, steps)
            if row == 0:
                ax.set_title(f"N_h = {n_hidden}", fontsize=9)
            if row < len(names) - 1:
                ax.set_xlabel("")
            if col == 0:
                ax.set_ylabel(label)
    axes[0, 0].legend(fontsize=6)
    fig.suptitle("Physics of the flowed spins (solid) against the thermometer's reading (dashed)")
    return save_figure(fig, path)


def plot_singular_values(singular: dict, n_visible: int, path: str | os.PathLike) -> Path:
    """Singular values of every RBM's weight matrix W, largest first (Veiga & Vicente).

    One colour per N_h; every seed drawn (thin lines).
    """
    fig, ax = plt.subplots(figsize=(6.4, 4.2))
    cmap = plt.get_cmap("viridis")
    sizes = list(singular)
    for index, n_hidden in enumerate(sizes):
        colour = cmap(index / max(len(sizes) - 1, 1))
        for seed, values in enumerate(singular[n_hidden]):
            ax.plot(
                np.arange(1, len(values) + 1),
                np.asarray(values),
                color=colour,
                lw=1.0,
                alpha=0.9 if seed == 0 else 0.4,
                label=f"N_h = {n_hidden}" if seed == 0 else None,
            )
    ax.set_xscale("log")
    ax.set_xlabel("index (largest first)")
    ax.set_ylabel("singular value of W")
    ax.set_title(f"Singular values of the RBM weights (N = {n_visible})")
    ax.legend(fontsize=7)
    return save_figure(fig, path)


def plot_thermometer(
    thermo: dict, temperatures: np.ndarray, critical: float, path: str | os.PathLike
) -> Path:
    """The thermometer on independent test data: confusion, readings, training.

    Left: row-normalised confusion matrix; middle: mean reading per true temperature for
    the classifier, the exact Bayes posterior and the shuffled-label control; right:
    training loss of both classifiers.
    """
    fig, axes = plt.subplots(1, 3, figsize=(13.5, 4.2), layout="constrained")
    confusion = np.asarray(thermo["classifier"]["confusion"], dtype=float)
    rows = confusion / np.maximum(confusion.sum(axis=1, keepdims=True), 1)
    ax = axes[0]
    image = ax.imshow(rows, cmap="Blues", vmin=0, vmax=1, origin="lower")
    ticks = np.arange(len(temperatures))
    step = max(1, len(ticks) // 10)
    ax.set_xticks(
        ticks[::step], [f"{t:.2f}" for t in temperatures[::step]], rotation=60, fontsize=7
    )
    ax.set_yticks(ticks[::step], [f"{t:.2f}" for t in temperatures[::step]], fontsize=7)
    ax.set_xlabel("predicted T")
    ax.set_ylabel("true T")
    ax.set_title(f"confusion (accuracy {thermo['test_accuracy']:.3f})", fontsize=10)
    fig.colorbar(image, ax=ax, shrink=0.8)
    ax = axes[1]
    for name, label, style in (
        ("classifier", "MLP thermometer", "o-"),
        ("bayes", "exact Bayes (Kaufman)", "s--"),
        ("shuffled", "shuffled-label control", "^:"),
    ):
        ax.plot(temperatures, thermo[name]["mean_reading_per_class"], style, ms=3, label=label)
    ax.plot(temperatures, temperatures, color="grey", lw=0.8)
    ax.axvline(critical, color="k", ls="--", lw=0.8)
    ax.set_xlabel("true T")
    ax.set_ylabel("mean reading Σ p_k T_k")
    ax.legend(fontsize=8)
    ax.set_title(
        f"mean |ΔT| {thermo['mean_absolute_error']:.3f} (Bayes {thermo['bayes_mean_absolute_error']:.3f})",
        fontsize=10,
    )
    ax = axes[2]
    ax.plot(np.arange(1, len(thermo["training_loss"]) + 1), thermo["training_loss"], label="labels")
    ax.plot(
        np.arange(1, len(thermo["shuffled_training_loss"]) + 1),
        thermo["shuffled_training_loss"],
        label="shuffled labels",
    )
    ax.axhline(np.log(len(temperatures)), color="grey", ls=":", lw=0.8, label="ln K (chance)")
    ax.set_xlabel("epoch")
    ax.set_ylabel("training cross-entropy")
    ax.legend(fontsize=8)
    return save_figure(fig, path)


def plot_data_checks(
    checks: list[dict], exact_curves: dict, critical: float, path: str | os.PathLike
) -> Path:
    """Monte Carlo data at every temperature against Kaufman's exact torus.

    Panels: E/(NJ) and C/N with the exact curves; their z-scores; |m| and χ (Monte Carlo
    only: no exact finite-L values).

    Parameters
    ----------
    checks : list of dict
        Rows of :func:`deeprg.experiments.iso_flow.data_checks` (both sets).
    exact_curves : dict
        ``temperature``, ``energy``, ``heat_capacity`` arrays on a fine grid.
    """
    fig, axes = plt.subplots(1, 4, figsize=(15, 3.8), layout="constrained")
    markers = {"train": "o", "test": "s"}
    for which in ("train", "test"):
        rows = [r for r in checks if r["set"] == which]
        t = np.array([r["temperature"] for r in rows])
        for ax, value, error in (
            (axes[0], "energy_per_spin", "energy_stderr"),
            (axes[1], "heat_capacity", "heat_capacity_stderr"),
        ):
            ax.errorbar(
                t,
                [r[value] for r in rows],
                yerr=[r[error] for r in rows],
                fmt=markers[which],
                ms=3,
                label=which,
            )
        for name, colour in (("energy_z", "tab:blue"), ("heat_capacity_z", "tab:green")):
            z = np.array([np.nan if r[name] is None else r[name] for r in rows], dtype=float)
            axes[2].plot(
                t,
                z,
                markers[which],
                color=colour,
                ms=4,
                label=f"{name.removesuffix('_z')} ({which})",
            )
        axes[3].errorbar(
            t,
            [r["abs_magnetization"] for r in rows],
            yerr=[r["abs_magnetization_stderr"] for r in rows],
            fmt=markers[which],
            ms=3,
            label=f"|m| ({which})",
        )
    axes[0].plot(
        exact_curves["temperature"], exact_curves["energy"], "k-", lw=1, label="exact (Kaufman)"
    )
    axes[1].plot(
        exact_curves["temperature"],
        exact_curves["heat_capacity"],
        "k-",
        lw=1,
        label="exact (Kaufman)",
    )
    axes[0].set_ylabel("E/(NJ)")
    axes[1].set_ylabel("C/N")
    axes[2].set_ylabel("z = (MC − exact)/σ")
    for level in (-3, -2, 2, 3):
        axes[2].axhline(level, color="grey", lw=0.6, ls=":" if abs(level) == 2 else "--")
    axes[3].set_ylabel("|m| (Monte Carlo)")
    for ax in axes:
        ax.axvline(critical, color="k", ls="--", lw=0.6)
        ax.set_xlabel("T")
        ax.legend(fontsize=6)
    fig.suptitle("The training and test data against Kaufman's exact torus")
    return save_figure(fig, path)
