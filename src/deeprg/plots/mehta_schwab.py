"""Figures of the paper's reproduction (Mehta & Schwab Fig. 3 and deeprg's measurements).

Each function takes plain arrays, draws one figure and writes it with
:func:`deeprg.plots.save_figure`.
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from . import plt, save_figure

__all__ = [
    "plot_block_spin_measures",
    "plot_receptive_fields",
    "plot_reconstructions",
    "plot_samples",
    "plot_size_distributions",
    "plot_training_curves",
]


def _grid(n: int, max_cols: int) -> tuple[int, int]:
    cols = min(n, max_cols)
    return math.ceil(n / cols), cols


def plot_samples(spins: np.ndarray, path: str | os.PathLike, title: str = "") -> Path:
    """Show configurations as black/white images.

    Parameters
    ----------
    spins : array of shape (n_show, L, L), values ±1
    """
    rows, cols = _grid(len(spins), 6)
    fig, axes = plt.subplots(rows, cols, figsize=(1.8 * cols, 1.8 * rows + 0.4), squeeze=False)
    for ax in axes.flat:
        ax.axis("off")
    for ax, config in zip(axes.flat, spins, strict=False):
        ax.imshow(config, cmap="gray", vmin=-1, vmax=1, interpolation="nearest")
    fig.suptitle(title or "Monte Carlo samples")
    return save_figure(fig, path)


def plot_receptive_fields(
    fields_per_layer: Sequence[np.ndarray], path: str | os.PathLike, n_show: int = 8
) -> Path:
    """Effective receptive fields r^(l) of each layer as lattice images (the paper's Fig. 3).

    One row per layer; each row shares a symmetric colour scale (±max |r| of that row's
    fields), so sizes and strengths are comparable within a layer.

    Parameters
    ----------
    fields_per_layer : sequence of arrays of shape (n_hidden_l, L, L)
        Receptive fields r^(l) = W^(1) ... W^(l), reshaped to the lattice.
    n_show : int
        Fields shown per layer: those with the largest norm.
    """
    n_layers = len(fields_per_layer)
    fig, axes = plt.subplots(
        n_layers, n_show, figsize=(1.6 * n_show + 0.8, 1.7 * n_layers + 0.4), squeeze=False
    )
    for row, fields in enumerate(fields_per_layer):
        norms = np.sqrt((fields**2).reshape(len(fields), -1).sum(axis=1))
        chosen = fields[np.argsort(norms)[::-1][:n_show]]
        vmax = float(np.abs(chosen).max()) or 1.0
        image = None
        for col in range(n_show):
            ax = axes[row, col]
            ax.set_xticks([])
            ax.set_yticks([])
            if col < len(chosen):
                image = ax.imshow(chosen[col], cmap="RdBu_r", vmin=-vmax, vmax=vmax)
            else:
                ax.axis("off")
        axes[row, 0].set_ylabel(f"layer {row + 1}\n({len(fields)} units)")
        if image is not None:
            fig.colorbar(image, ax=axes[row, :].tolist(), fraction=0.02, pad=0.01)
    fig.suptitle("Effective receptive fields r^(l) = W^(1)…W^(l) (largest norms)")
    return save_figure(fig, path)


def plot_reconstructions(
    inputs: np.ndarray, reconstructions: Sequence[np.ndarray], path: str | os.PathLike
) -> Path:
    """Inputs beside their reconstructions from each depth.

    Parameters
    ----------
    inputs : array of shape (n_show, L, L), values ±1
    reconstructions : sequence (one per depth) of arrays of shape (n_show, L, L)
        Reconstructed visible means mapped to [-1, 1].
    """
    n_show = len(inputs)
    n_cols = 1 + len(reconstructions)
    fig, axes = plt.subplots(
        n_show, n_cols, figsize=(1.7 * n_cols, 1.7 * n_show + 0.4), squeeze=False
    )
    columns = [inputs, *reconstructions]
    titles = ["input"] + [f"from layer {d + 1}" for d in range(len(reconstructions))]
    for col, (images, title) in enumerate(zip(columns, titles, strict=True)):
        axes[0, col].set_title(title, fontsize=9)
        for row in range(n_show):
            ax = axes[row, col]
            ax.imshow(images[row], cmap="gray", vmin=-1, vmax=1, interpolation="nearest")
            ax.set_xticks([])
            ax.set_yticks([])
    fig.suptitle("Reconstructions: up to a layer, then back down")
    return save_figure(fig, path)


def plot_training_curves(histories: Sequence[dict], path: str | os.PathLike) -> Path:
    """Per-epoch training history of each layer (reconstruction error, pseudo-likelihood).

    Parameters
    ----------
    histories : sequence of dict
        One per layer, mapping a metric name to a list of per-epoch values.
    """
    metrics = [
        m
        for m in ("reconstruction_error", "pseudo_likelihood", "log_likelihood")
        if any(h.get(m) for h in histories)
    ]
    metrics = metrics or sorted({k for h in histories for k in h})[:2]
    fig, axes = plt.subplots(1, len(metrics), figsize=(4.5 * len(metrics), 3.4), squeeze=False)
    for ax, metric in zip(axes.flat, metrics, strict=True):
        for layer, history in enumerate(histories):
            values = history.get(metric) or []
            if len(values):
                ax.plot(np.arange(1, len(values) + 1), values, label=f"layer {layer + 1}")
        ax.set_xlabel("epoch")
        ax.set_title(metric.replace("_", " "))
        ax.legend(fontsize=8)
    fig.tight_layout()
    return save_figure(fig, path)


def plot_block_spin_measures(per_layer: Sequence[dict], path: str | os.PathLike) -> Path:
    """Locality, block size and correlation length per layer, beside controls and RG.

    Parameters
    ----------
    per_layer : sequence of dict
        One per layer (``layers`` of ``metrics.json``) with keys ``locality``,
        ``locality_shuffled``, ``block_side``, ``block_side_expected``,
        ``radius_of_gyration``, ``correlation_length_active``,
        ``correlation_length_active_stderr``, ``correlation_length_expected`` (NaN where
        unavailable or not measurable).
    """
    layers = np.arange(1, len(per_layer) + 1)

    def column(key: str) -> np.ndarray:
        values = [d.get(key) for d in per_layer]
        return np.array([np.nan if v is None else float(v) for v in values])

    fig, axes = plt.subplots(1, 3, figsize=(13, 3.6))
    width = 0.38
    axes[0].bar(layers - width / 2, column("locality"), width, label="trained")
    axes[0].bar(layers + width / 2, column("locality_shuffled"), width, label="shuffled control")
    axes[0].set_title("blob power inside best 2bˡ×2bˡ window")
    axes[0].set_ylim(0, 1.05)
    axes[1].plot(layers, column("block_side"), "o-", label="blob block side (robust)")
    axes[1].plot(
        layers,
        np.sqrt(6 * column("radius_of_gyration") ** 2 + 1),
        "s--",
        color="gray",
        label="same from whole-field R_g (old)",
    )
    axes[1].plot(layers, column("block_side_expected"), ":", color="k", label="Kadanoff bˡ")
    axes[1].set_yscale("log", base=2)
    axes[1].set_title("receptive-field size (lattice spacings)")
    axes[2].errorbar(
        layers,
        column("correlation_length_active"),
        yerr=column("correlation_length_active_stderr"),
        fmt="o-",
        capsize=3,
        label="active units (lattice spacings)",
    )
    axes[2].plot(
        layers,
        column("correlation_length_expected"),
        ":",
        color="gray",
        label="data's block spins, same estimator",
    )
    axes[2].set_title("correlation length of each layer")
    axes[2].set_ylim(bottom=0)
    for ax in axes:
        ax.set_xlabel("layer")
        ax.set_xticks(layers)
        ax.legend(fontsize=8)
    fig.tight_layout()
    return save_figure(fig, path)


def plot_size_distributions(
    fields_per_layer: Sequence[np.ndarray],
    path: str | os.PathLike,
    blobs: Sequence | None = None,
) -> Path:
    """Histogram of each layer's blob block sides: what the per-layer median summarises.

    Active units (blue, counted; the blob-power-weighted median as a solid line) beside
    Kadanoff's b^l (dotted) and, in grey, the old whole-field size sqrt(6 R_g² + 1) of every
    unit, which the noise floor inflates. The title of each panel gives the share of
    diffuse and weak units, which have no blob and are left out.

    Parameters
    ----------
    fields_per_layer : sequence of arrays of shape (n_l, L, L)
    blobs : sequence of BlobMeasures, optional
        :func:`deeprg.analysis.measure_blobs` of each layer, if already computed.
    """
    from ..analysis import blobs as blob_analysis
    from ..analysis import radius_of_gyration

    n_layers = len(fields_per_layer)
    fig, axes = plt.subplots(1, n_layers, figsize=(4.2 * n_layers, 3.4), squeeze=False)
    size = fields_per_layer[0].shape[-1]
    bins = np.linspace(0, size / 2, 41)
    for layer, (ax, fields) in enumerate(zip(axes[0], fields_per_layer, strict=True), start=1):
        measures = blob_analysis.measure_blobs(fields) if blobs is None else blobs[layer - 1]
        active = measures.active
        old = blob_analysis.equivalent_block_side(radius_of_gyration(fields))
        ax.hist(np.clip(old, 0, size / 2), bins=bins, color="0.75", label="whole-field R_g (old)")
        ax.hist(
            np.clip(measures.block_side[active], 0, size / 2),
            bins=bins,
            color="tab:blue",
            alpha=0.8,
            label="blob block side, active units",
        )
        median = blob_analysis.weighted_median(
            measures.block_side, np.where(active, measures.strength, 0.0)
        )
        if np.isfinite(median):
            ax.axvline(median, color="tab:blue", lw=2, label=f"weighted median {median:.2f}")
        ax.axvline(2.0**layer, color="k", ls=":", label=f"Kadanoff bˡ = {2**layer}")
        ax.set_title(
            f"layer {layer}: {active.mean():.0%} active, {measures.diffuse.mean():.0%} diffuse, "
            f"{measures.weak.mean():.0%} weak",
            fontsize=9,
        )
        ax.set_xlabel("size (lattice spacings)")
        ax.set_ylabel("units")
        ax.legend(fontsize=7)
    fig.tight_layout()
    return save_figure(fig, path)
