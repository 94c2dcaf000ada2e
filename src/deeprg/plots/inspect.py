"""Figures of ``deeprg inspect``: one layer's receptive fields, and the training history.

Each function takes plain arrays, draws one figure and writes it with
:func:`deeprg.plots.save_figure` (off-screen, atomically).
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np

from . import plt, save_figure

__all__ = ["plot_field_bars", "plot_field_images", "plot_history"]

#: Feature names are written under the bars up to this many features (indices beyond it).
MAX_NAMED_FEATURES = 40

#: History panels, in order, with their titles (a metric with no finite value is left out).
HISTORY_PANELS = (
    ("reconstruction_error", "reconstruction error (mean squared, per unit)"),
    ("pseudo_likelihood", "pseudo-log-likelihood per sample"),
    ("log_likelihood", "exact log-likelihood per sample"),
    ("learning_rate", "learning rate"),
    ("momentum", "momentum"),
    ("seconds", "seconds per epoch"),
)


def _grid(n: int, max_cols: int) -> tuple[int, int]:
    cols = max(1, min(n, max_cols))
    return max(1, math.ceil(n / cols)), cols


def plot_field_images(
    fields: np.ndarray,
    units: Sequence[int],
    path: str | os.PathLike,
    title: str,
    labels: Sequence[str] | None = None,
    max_cols: int = 6,
) -> Path:
    """Receptive fields of one layer as images on a shared symmetric colour scale.

    Parameters
    ----------
    fields : numpy.ndarray of shape (n_show, H, W)
        The fields to draw, in drawing order.
    units : sequence of int, length n_show
        Index of each field's unit in its layer (the panel titles).
    path : path-like
        Output PNG.
    title : str
        Figure title.
    labels : sequence of str, optional, length n_show
        A short line under each panel (e.g. its blob block side).
    max_cols : int, default 6
        Panels per row.

    Returns
    -------
    pathlib.Path
        ``path``.
    """
    fields = np.asarray(fields, dtype=np.float64)
    n = len(fields)
    rows, cols = _grid(n, max_cols)
    height, width = fields.shape[1:]
    # Panel sizes in inches: the grid is laid out explicitly, so that the panels fill the
    # figure whatever the shape (no slack between the title and the first row).
    side = 1.45
    panel_w, panel_h = side, side * height / width
    if panel_h > 3 * side:  # tall shapes: narrower panels rather than taller ones
        panel_w, panel_h = max(3 * side * width / height, 0.6), 3 * side
    panel_h = max(panel_h, 0.35)  # wide shapes: at least a readable strip
    title_h, label_h, gap_w = 0.24, (0.2 if labels is not None else 0.05), 0.14
    left, right, top, bottom = 0.1, 0.95, 0.45, 0.1
    fig_w = cols * panel_w + (cols - 1) * gap_w + left + right
    fig_h = rows * (panel_h + title_h + label_h) + top + bottom - title_h
    fig = plt.figure(figsize=(fig_w, fig_h))
    grid = fig.add_gridspec(
        rows,
        cols,
        left=left / fig_w,
        right=(fig_w - right) / fig_w,
        top=(fig_h - top) / fig_h,
        bottom=(bottom + label_h) / fig_h,
        wspace=gap_w / panel_w,
        hspace=(title_h + label_h) / panel_h,
    )
    vmax = float(np.abs(fields).max()) if fields.size else 0.0
    vmax = vmax or 1.0
    image = None
    for index in range(n):
        ax = fig.add_subplot(grid[index // cols, index % cols])
        image = ax.imshow(
            fields[index],
            cmap="RdBu_r",
            vmin=-vmax,
            vmax=vmax,
            interpolation="nearest",
            aspect="auto",
        )
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_title(f"unit {units[index]}", fontsize=8, pad=2)
        if labels is not None:
            ax.set_xlabel(labels[index], fontsize=7, labelpad=2)
    if image is not None:
        grid_top, grid_bottom = (fig_h - top) / fig_h, (bottom + label_h) / fig_h
        bar_height = min(grid_top - grid_bottom, 3.0 / fig_h)
        colorbar_axes = fig.add_axes(
            ((fig_w - right + 0.2) / fig_w, grid_top - bar_height, 0.14 / fig_w, bar_height)
        )
        fig.colorbar(image, cax=colorbar_axes)
        colorbar_axes.tick_params(labelsize=7)
    fig.suptitle(title, fontsize=10, y=1 - 0.12 / fig_h, va="top")
    return save_figure(fig, path)


def plot_field_bars(
    fields: np.ndarray,
    units: Sequence[int],
    path: str | os.PathLike,
    title: str,
    feature_names: Sequence[str] | None = None,
    max_cols: int = 3,
) -> Path:
    """Receptive fields of one layer as bar charts over the visible features.

    Positive weights are red and negative blue (the colours of :func:`plot_field_images`);
    every panel shares the same y range, so strengths compare across units.

    Parameters
    ----------
    fields : numpy.ndarray of shape (n_show, n_visible)
        The fields to draw, in drawing order.
    units : sequence of int, length n_show
        Index of each field's unit in its layer (the panel titles).
    path : path-like
        Output PNG.
    title : str
        Figure title.
    feature_names : sequence of str, optional, length n_visible
        Names under the bars (up to :data:`MAX_NAMED_FEATURES` features; feature indices
        otherwise).
    max_cols : int, default 3
        Panels per row.

    Returns
    -------
    pathlib.Path
        ``path``.
    """
    fields = np.asarray(fields, dtype=np.float64)
    n, n_visible = fields.shape
    # many features: wider panels, two per row; the figure is about 12 inches wide
    rows, cols = _grid(n, max_cols if n_visible <= MAX_NAMED_FEATURES else min(max_cols, 2))
    panel_w = 12.0 / max(cols, 2)
    named = feature_names is not None and n_visible <= MAX_NAMED_FEATURES
    label_room = 0.09 * max((len(str(f)) for f in feature_names), default=1) if named else 0.0
    fig, axes = plt.subplots(
        rows,
        cols,
        figsize=(panel_w * cols, (1.9 + label_room) * rows + 0.6),
        squeeze=False,
    )
    top = float(np.abs(fields).max()) if fields.size else 0.0
    top = 1.05 * (top or 1.0)
    positions = np.arange(n_visible)
    for index, ax in enumerate(axes.flat):
        if index >= n:
            ax.axis("off")
            continue
        values = fields[index]
        colours = np.where(values >= 0, "tab:red", "tab:blue")
        ax.bar(positions, values, width=0.85, color=colours)
        ax.axhline(0.0, color="0.3", lw=0.6)
        ax.set_ylim(-top, top)
        ax.set_xlim(-0.6, n_visible - 0.4)
        ax.set_title(f"unit {units[index]}", fontsize=8, pad=2)
        ax.tick_params(labelsize=7)
        if named:
            ax.set_xticks(positions)
            ax.set_xticklabels([str(f) for f in feature_names], rotation=90, fontsize=6)
        else:
            ax.set_xlabel("visible feature", fontsize=7)
    fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    return save_figure(fig, path)


def plot_history(
    histories: Sequence[Mapping[str, np.ndarray] | None], path: str | os.PathLike
) -> Path:
    """Per-epoch training history: one panel per metric, one line per layer.

    Parameters
    ----------
    histories : sequence of (dict or None), one per layer (bottom first)
        Metric name -> array of shape (n_epochs,), with ``epoch`` as the x axis; None (or
        an empty dict) for a layer without stored history. NaN values are not drawn; a
        metric without any finite value gets no panel.
    path : path-like
        Output PNG.

    Returns
    -------
    pathlib.Path
        ``path``.
    """

    def finite(history: Mapping | None, key: str) -> bool:
        values = np.asarray((history or {}).get(key, []), dtype=np.float64)
        return bool(np.isfinite(values).any())

    panels = [(k, t) for k, t in HISTORY_PANELS if any(finite(h, k) for h in histories)]
    rows, cols = _grid(len(panels), 3)
    fig, axes = plt.subplots(rows, cols, figsize=(4.3 * cols, 3.0 * rows), squeeze=False)
    for ax in axes.flat[len(panels) :]:
        ax.axis("off")
    for ax, (key, panel_title) in zip(axes.flat, panels, strict=False):
        for layer, history in enumerate(histories, start=1):
            if not finite(history, key):
                continue
            values = np.asarray(history[key], dtype=np.float64)
            epochs = np.asarray(history.get("epoch", np.arange(1, values.size + 1)), np.float64)
            if epochs.shape != values.shape:
                epochs = np.arange(1, values.size + 1, dtype=np.float64)
            keep = np.isfinite(values)
            ax.plot(
                epochs[keep],
                values[keep],
                marker="o" if keep.sum() < 12 else None,
                ms=3,
                ls=("-", "--", "-.", ":")[(layer - 1) % 4],
                color=f"C{(layer - 1) % 10}",
                label=f"layer {layer}",
            )
        ax.set_title(panel_title, fontsize=9)
        ax.set_xlabel("epoch", fontsize=8)
        ax.tick_params(labelsize=7)
        ax.legend(fontsize=7)
    fig.suptitle("Training history per layer (as stored in the model file)", fontsize=10)
    fig.tight_layout()
    return save_figure(fig, path)
