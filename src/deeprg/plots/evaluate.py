"""The compression curve's figure: the KPI score against the number of features, per method."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from . import plt, save_figure

__all__ = ["plot_compression_curve"]

_STYLE = {
    "deeprg": {"color": "#1f5fa8", "marker": "o", "ls": "-"},
    "deeprg-fine-tuned": {"color": "#b5179e", "marker": "D", "ls": "-"},
    "pca": {"color": "#2a9d3a", "marker": "s", "ls": "--"},
    "pls": {"color": "#e07b00", "marker": "^", "ls": "--"},
}


def plot_compression_curve(
    rows: Sequence[dict], metric: str, path: str | os.PathLike, title: str = ""
) -> Path:
    """Score against feature count: one line per method, raw columns and the mean as lines.

    Parameters
    ----------
    rows : sequence of dict
        The evaluation's rows (``method``, ``n_features``, ``score``, ``stderr``).
    metric : {"rmse", "accuracy"}
    path : path-like
        PNG output.
    """
    fig, ax = plt.subplots(figsize=(7.5, 4.8))
    for method, style in _STYLE.items():
        points = sorted(
            (r["n_features"], r["score"], r["stderr"]) for r in rows if r["method"] == method
        )
        if not points:
            continue
        n, score, err = (np.array(v, dtype=float) for v in zip(*points, strict=True))
        label = method if method.startswith("deeprg") else method.upper()
        ax.errorbar(n, score, yerr=np.nan_to_num(err), capsize=3, label=label, **style)
    for method, color in (("raw", "#555555"), ("mean", "#a31515")):
        for row in (r for r in rows if r["method"] == method):
            text = f"all {row['n_features']} columns" if method == "raw" else "training mean"
            if metric == "accuracy" and method == "mean":
                text = "majority class"
            ax.axhline(row["score"], color=color, ls=":", lw=1.2, label=text)
    ax.set_xscale("log", base=2)
    counts = sorted({r["n_features"] for r in rows if r["method"] not in ("raw", "mean")})
    if counts:
        ax.set_xticks(counts, [str(n) for n in counts])
        ax.minorticks_off()
    ax.set_xlabel("number of features")
    ax.set_ylabel("test RMSE (lower is better)" if metric == "rmse" else "test accuracy")
    if title:
        ax.set_title(title)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    return save_figure(fig, path)
