"""Figure of the 1D decimation flow J^(n) (paper Fig. 2, made quantitative).

Left: J^(n) against the layer n, from the recursion tanh J^(n+1) = tanh² J^(n) (line) and
as read off each layer's exact marginal by summation (markers), optionally with the
couplings of a trained RBM's hidden layer. Right: the map J -> J' = ½ ln cosh 2J with the
cobweb of the flow towards the stable fixed point J = 0.
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np

from . import plt, save_figure

__all__ = ["plot_rg_flow"]


def plot_rg_flow(
    couplings: Any,
    measured: Any = None,
    learned: dict | None = None,
    path: str | os.PathLike | None = None,
):
    """Plot the decimation flow.

    Parameters
    ----------
    couplings : array_like of shape (n_steps + 1,)
        J^(0..n) from :func:`deeprg.rg.decimation_couplings`.
    measured : array_like of shape (n_steps + 1,), optional
        Couplings measured from exact layer marginals (NaN where undefined, e.g. 1 spin).
    learned : dict, optional
        ``{"layer": n, "coupling": J, "label": str}``: a trained network's coupling to mark.
    path : path-like, optional
        Write the PNG here (atomically) and close the figure.

    Returns
    -------
    matplotlib.figure.Figure
    """
    flow = np.asarray(couplings, dtype=np.float64)
    layers = np.arange(flow.size)
    fig, (ax_flow, ax_map) = plt.subplots(1, 2, figsize=(10, 4))

    ax_flow.plot(layers, flow, "-", color="C0", label=r"$\tanh J^{(n+1)} = \tanh^2 J^{(n)}$")
    if measured is not None:
        values = np.asarray(measured, dtype=np.float64)
        ok = np.isfinite(values)
        ax_flow.plot(
            layers[ok],
            values[ok],
            "o",
            mfc="none",
            color="C1",
            ms=9,
            label="exact summation (layer marginal)",
        )
    if learned is not None:
        ax_flow.plot(
            [learned["layer"]],
            [learned["coupling"]],
            "s",
            color="C3",
            label=learned.get("label", "trained RBM"),
        )
    ax_flow.axhline(0.0, color="0.6", lw=0.8)
    ax_flow.set_xlabel("layer n")
    ax_flow.set_ylabel(r"coupling $J^{(n)}$")
    ax_flow.set_xticks(layers)
    ax_flow.set_title("decimation flow of the periodic chain")
    ax_flow.legend(fontsize=8)

    top = max(1.1 * float(np.max(np.abs(flow))), 0.1)
    grid = np.linspace(0.0, top, 400)
    mapped = 0.5 * (np.logaddexp(2 * grid, -2 * grid) - np.log(2.0))
    ax_map.plot(grid, mapped, color="C0", label=r"$J' = \frac{1}{2}\ln\cosh 2J$")
    ax_map.plot(grid, grid, color="0.5", lw=0.8, ls="--", label="J' = J")
    x = abs(flow[0])
    xs, ys = [x], [0.0]
    for nxt in flow[1:]:
        xs += [x, nxt]
        ys += [nxt, nxt]
        x = nxt
    ax_map.plot(xs, ys, color="C1", lw=1.0, label=r"flow from $|J^{(0)}|$")
    ax_map.plot([0.0], [0.0], "ko", ms=5)
    ax_map.annotate(
        "stable fixed point J = 0", (0.0, 0.0), xytext=(0.25 * top, 0.05 * top), fontsize=8
    )
    ax_map.set_xlim(0.0, top)
    ax_map.set_ylim(0.0, top)
    ax_map.set_xlabel("J")
    ax_map.set_ylabel("J'")
    ax_map.set_title("one decimation step")
    ax_map.legend(fontsize=8, loc="upper left")
    fig.tight_layout()
    if path is not None:
        save_figure(fig, path)
    return fig
