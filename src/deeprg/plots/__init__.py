"""Matplotlib figures (imported only by experiments and the command line).

Every figure is written with :func:`save_figure`, which renders off-screen (Agg) and
writes atomically (temporary name, then rename).
"""

from __future__ import annotations

import os
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt

from ..io import atomic_write

__all__ = ["plt", "save_figure"]


def save_figure(figure, path: str | os.PathLike, dpi: int = 120) -> Path:
    """Save ``figure`` as PNG at ``path`` atomically and close it.

    Parameters
    ----------
    figure : matplotlib.figure.Figure
    path : path-like
        Output file; an existing file is replaced.
    dpi : int, default 120
    """
    with atomic_write(path, overwrite=True) as tmp:
        figure.savefig(tmp, dpi=dpi, format="png", bbox_inches="tight")
    plt.close(figure)
    return Path(path)
