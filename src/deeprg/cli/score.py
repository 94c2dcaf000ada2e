"""``deeprg score``: an anomaly score and label for each row of a table, from a model file.

DATA is read and preprocessed exactly as ``deeprg transform`` reads it (same options and
helpers); the scores are those of :class:`deeprg.anomaly.RBMDetector`.
"""

from __future__ import annotations

from pathlib import Path

import click

from ._common import emit_summary, handle_errors
from .transform import _data_options, _prepare

#: deeprg.anomaly.SCORES, spelled out: importing deeprg.anomaly (scikit-learn) here would
#: slow every deeprg command's start by over a second (a test keeps the two equal).
SCORE_CHOICES = ("free_energy", "reconstruction")


@click.command(name="score")
@_data_options
@click.option(
    "--contamination",
    type=float,
    default=0.1,
    show_default=True,
    help="Fraction of DATA's rows labelled anomalies (the threshold is that quantile).",
)
@click.option(
    "--score",
    "score_kind",
    type=click.Choice(SCORE_CHOICES),
    default="free_energy",
    show_default=True,
    help="free_energy: F(v) of the bottom layer (-ln p(v) + const); reconstruction: "
    "squared error through --depth layers.",
)
@handle_errors
def command(model: str, data: str, contamination: float, score_kind: str, **options) -> None:
    """Anomaly score of each row of DATA under MODEL (higher = more abnormal) to a CSV.

    DATA gets MODEL's stored preprocessing. Rows with NaN are scored with the missing
    entries imputed by the model (--missing impute, the default here); --missing drop skips
    them. --out (.csv) has columns row (0-based input row), score, is_anomaly (1 for the
    top --contamination fraction of the scores).

    \b
        deeprg score m.h5 sensors.csv --out scores.csv --contamination 0.05
    """
    import numpy as np

    from ..anomaly import RBMDetector
    from ..errors import InputError
    from ..io import atomic_write

    if Path(options["out"]).suffix.lower() != ".csv":
        raise InputError(f"--out {options['out']} must be a .csv file; name it e.g. scores.csv")
    if not 0 < contamination <= 0.5:
        raise InputError(f"--contamination must be in (0, 0.5], got {contamination}")
    if options["missing"] is None:
        options["missing"] = "impute"
    dbn, depth, prep, visible, info, kept, out = _prepare(model, data, options)
    detector = RBMDetector(dbn, score=score_kind, contamination=contamination, depth=depth)
    detector.fit(visible)
    table = np.column_stack([kept, detector.decision_scores_, detector.labels_])
    with atomic_write(out, overwrite=options["overwrite"]) as tmp:
        with open(tmp, "w", newline="") as handle:
            np.savetxt(
                handle,
                table,
                delimiter=",",
                header="row,score,is_anomaly",
                comments="",
                fmt=["%d", "%.9g", "%d"],
            )
    dropped = info["n_rows"] - kept.size
    summary = {
        "out": str(out),
        "n_rows": int(kept.size),
        "n_anomalies": int(detector.labels_.sum()),
        "threshold": detector.threshold_,
        "score": score_kind,
        "contamination": contamination,
        "preprocessing": prep.kind,
        "dropped_rows": int(dropped),
    }
    emit_summary(summary, options["as_json"], f"anomaly scores of {kept.size} rows", dropped)
