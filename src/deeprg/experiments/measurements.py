"""deeprg's block-spin measurements of a trained network (beyond the paper; issue 5 item 3).

Composes :mod:`deeprg.analysis` and :mod:`deeprg.rg` into metric records — each a dict with
``value``, and where they exist ``stderr``, ``control``, ``reference`` and
``reference_source`` — and into plain-language verdicts on where the network does and does
not behave like Kadanoff's block-spin RG.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .. import analysis, exact, rg
from .._random import SeedLike, as_generator

__all__ = ["block_spin_measures", "observable_records", "record", "verdicts"]

KADANOFF_B = analysis.KADANOFF_FACTOR


def record(
    value: float,
    stderr: float | None = None,
    reference: float | None = None,
    reference_source: str | None = None,
    control: float | None = None,
    note: str | None = None,
) -> dict:
    """One metric: its value and, where they exist, error, control and reference."""
    entry: dict = {"value": float(value)}
    if stderr is not None:
        entry["stderr"] = float(stderr)
    if control is not None:
        entry["control"] = float(control)
    if reference is not None:
        entry["reference"] = float(reference)
        entry["reference_source"] = reference_source or ""
    if note:
        entry["note"] = note
    return entry


def block_spin_measures(
    weights: Sequence[np.ndarray],
    activations: Sequence[np.ndarray],
    spins: np.ndarray,
    xi_exact: float,
    seed: SeedLike = None,
) -> tuple[list[np.ndarray], list[dict], dict]:
    """Locality, growth, correlation length and block agreement of every layer.

    Parameters
    ----------
    weights : sequence of arrays
        W^(1) of shape (L², n_1), W^(2) of shape (n_1, n_2), ... (model-file layout).
    activations : sequence of arrays
        Hidden means of each layer on ``spins``, shapes (n_samples, n_l).
    spins : array of shape (n_samples, L, L), ±1
        The data the activations were computed on (same order).
    xi_exact : float
        Exact correlation length ξ_0 of the data (lattice spacings).
    seed : int, Generator or None
        Seeds the shuffled controls and majority-rule tie-breaks.

    Returns
    -------
    fields : list of arrays of shape (n_l, L, L)
        Effective receptive fields r^(l).
    per_layer : list of dict
        Flat numbers per layer (for figures).
    metrics : dict
        Metric records named ``layer{l}.*`` and ``growth.*``.
    """
    rng = as_generator(seed)
    size = spins.shape[-1]
    fields = analysis.effective_receptive_fields(list(weights), (size, size))
    growth = analysis.receptive_field_growth(fields)
    per_layer: list[dict] = []
    metrics: dict = {}
    for depth, (layer_fields, layer_activations) in enumerate(
        zip(fields, activations, strict=True), start=1
    ):
        block = KADANOFF_B**depth
        window = analysis.layer_window(depth)
        locality = analysis.receptive_field_locality(layer_fields, window, seed=rng)
        centers = analysis.field_centers(layer_fields)
        orientation = analysis.field_orientation(layer_fields, window)
        representation = analysis.representation_correlation_length(
            layer_activations, centers, size, orientation=orientation
        )
        row = {
            "layer": depth,
            "n_units": int(layer_fields.shape[0]),
            "window": window,
            "window_fraction": locality.window_fraction.median,
            "window_fraction_shuffled": locality.window_fraction_control.median,
            "uniform_window_fraction": locality.uniform_window_fraction,
            "radius_of_gyration": locality.radius_of_gyration.median,
            "radius_of_gyration_shuffled": locality.radius_of_gyration_control.median,
            "correlation_length": representation.xi_second_moment,
            "correlation_length_stderr": representation.xi_second_moment_stderr,
            "correlation_length_expected": xi_exact,
            "correlation_length_coarse": representation.xi_second_moment_coarse,
            "correlation_length_coarse_expected": xi_exact / representation.spacing,
            "unit_spacing": representation.spacing,
            "block_agreement": float("nan"),
            "block_agreement_control": float("nan"),
        }
        if size % block == 0:
            block_spins = rg.majority_block_spins(spins, block, seed=rng)
            agreement = analysis.coarse_block_agreement(
                layer_activations, centers, block_spins, (size, size), seed=rng
            )
            row["block_agreement"] = agreement.summary.median
            row["block_agreement_control"] = agreement.control_summary.median
            row["block_agreement_null"] = agreement.null_level
        per_layer.append(row)

        prefix = f"layer{depth}"
        metrics[f"{prefix}.window_fraction"] = record(
            row["window_fraction"],
            control=row["window_fraction_shuffled"],
            reference=locality.uniform_window_fraction,
            reference_source=f"uniform (non-local) field; window {window}×{window} = 2b^l",
            note="median over units of the share of Σr² in the best periodic window",
        )
        metrics[f"{prefix}.radius_of_gyration"] = record(
            row["radius_of_gyration"],
            control=row["radius_of_gyration_shuffled"],
            reference=locality.uniform_radius_of_gyration,
            reference_source="uniform (non-local) field",
            note="median periodic radius of gyration of r², lattice spacings",
        )
        metrics[f"{prefix}.correlation_length"] = record(
            row["correlation_length"],
            stderr=row["correlation_length_stderr"],
            reference=xi_exact,
            reference_source="RG: ξ in lattice spacings is unchanged by coarse-graining (exact ξ_0)",
            note="second-moment ξ of oriented hidden activations, units at receptive-field centres",
        )
        metrics[f"{prefix}.correlation_length_coarse"] = record(
            row["correlation_length_coarse"],
            reference=row["correlation_length_coarse_expected"],
            reference_source="RG: ξ_0 / b^l in units of the layer's spacing",
        )
        if np.isfinite(row["block_agreement"]):
            metrics[f"{prefix}.block_agreement"] = record(
                row["block_agreement"],
                control=row["block_agreement_control"],
                note=f"median |corr| with the majority-rule block spin (b = {block}) under the unit",
            )
    for index, ratio in enumerate(growth.radius_ratio, start=1):
        metrics[f"growth.radius_ratio_{index}_{index + 1}"] = record(
            ratio, reference=KADANOFF_B, reference_source="Kadanoff block factor b"
        )
    if len(growth.radius_ratio):
        metrics["growth.radius_ratio_mean"] = record(
            growth.radius_ratio_mean,
            reference=KADANOFF_B,
            reference_source="Kadanoff block factor b",
            note=f"geometric mean; sizes saturate near R_g = {growth.saturation_radius:.1f} on this lattice",
        )
    return fields, per_layer, metrics


def observable_records(
    prefix: str,
    spins: np.ndarray,
    coupling: float,
    tau: float | dict | None,
    references: dict[str, tuple[float, float | None, str]],
) -> dict:
    """Metric records of energy, |m|, ⟨m²⟩, χ and C of samples, beside references.

    Parameters
    ----------
    prefix : str
        Metric name prefix (``"data"``, ``"network"``).
    spins : array of shape (n_samples, L, L), ±1
    coupling : float
    tau : float, dict or None
        Integrated autocorrelation times for the error bars (None: independent samples).
    references : dict
        Observable name -> (reference value, reference stderr or None, source).
    """
    estimates = analysis.observables(spins, coupling, tau=tau)
    out = {}
    for name, estimate in estimates.items():
        ref = references.get(name)
        entry = record(estimate.value, stderr=estimate.stderr)
        if ref is not None:
            entry["reference"] = float(ref[0])
            if ref[1] is not None:
                entry["reference_stderr"] = float(ref[1])
            entry["reference_source"] = ref[2]
            error = np.hypot(estimate.stderr, ref[1] or 0.0)
            entry["deviation_sigma"] = (
                float(abs(estimate.value - ref[0]) / error) if error > 0 else None
            )
        out[f"{prefix}.{name}"] = entry
    return out


def exact_references(size: int, coupling: float) -> dict[str, tuple[float, None, str]]:
    """Exact finite-torus references (Kaufman) for the observables that have one."""
    torus = exact.torus(size, coupling)
    source = f"exact, Kaufman {size}×{size} torus"
    return {
        "energy_per_spin": (torus.energy_per_spin, None, source),
        "heat_capacity": (torus.heat_capacity_per_spin, None, source),
    }


def verdicts(per_layer: Sequence[dict], metrics: dict) -> list[dict]:
    """Plain-language statements of where the network does / does not act like block-spin RG.

    Each entry: ``claim``, ``holds`` (True / False) and ``evidence`` (the numbers).
    Thresholds: local = window fraction above ½ and its excess over the shuffled control at
    least half of what is possible, (f - f_shuffled) / (1 - f_shuffled) >= ½;
    growth consistent with b = 2 = mean ratio within [1.5, 2.5]; correlation length
    preserved = within 25 % of ξ_0; block agreement = median |corr| at least 3× the control.
    """
    out = []
    for row in per_layer:
        layer = row["layer"]
        fraction, control = row["window_fraction"], row["window_fraction_shuffled"]
        local = fraction > 0.5 and (fraction - control) >= 0.5 * (1.0 - control)
        out.append(
            {
                "claim": f"layer {layer} receptive fields are local (block-like)",
                "holds": bool(local),
                "evidence": (
                    f"{row['window_fraction']:.2f} of Σr² inside the best {row['window']}×{row['window']}"
                    f" window vs {row['window_fraction_shuffled']:.2f} shuffled; R_g "
                    f"{row['radius_of_gyration']:.2f} vs {row['radius_of_gyration_shuffled']:.2f} shuffled"
                ),
            }
        )
        xi, xi_ref = row["correlation_length"], row["correlation_length_expected"]
        out.append(
            {
                "claim": f"layer {layer} representation keeps the correlation length (ξ_l b^l ≈ ξ_0)",
                "holds": bool(np.isfinite(xi) and abs(xi - xi_ref) <= 0.25 * xi_ref),
                "evidence": (
                    f"ξ = {xi:.2f} ± {row['correlation_length_stderr']:.2f} lattice spacings vs ξ_0 = "
                    f"{xi_ref:.3f}; coarse units {row['correlation_length_coarse']:.2f} vs "
                    f"{row['correlation_length_coarse_expected']:.2f}"
                ),
            }
        )
        if np.isfinite(row["block_agreement"]):
            agree = row["block_agreement"] >= 3 * max(row["block_agreement_control"], 1e-12)
            out.append(
                {
                    "claim": f"layer {layer} units track majority-rule block spins",
                    "holds": bool(agree),
                    "evidence": (
                        f"median |corr| {row['block_agreement']:.2f} vs {row['block_agreement_control']:.2f}"
                        " for a randomly placed block"
                    ),
                }
            )
    ratio = metrics.get("growth.radius_ratio_mean")
    if ratio is not None:
        out.append(
            {
                "claim": "receptive fields grow by Kadanoff's factor b = 2 per layer",
                "holds": bool(1.5 <= ratio["value"] <= 2.5),
                "evidence": f"geometric-mean growth of R_g per layer {ratio['value']:.2f}",
            }
        )
    network_energy = metrics.get("network.energy_per_spin")
    if network_energy is not None and "reference" in network_energy:
        sigma = network_energy.get("deviation_sigma")
        out.append(
            {
                "claim": "samples generated by the network have the data's energy",
                "holds": bool(sigma is not None and sigma <= 4),
                "evidence": (
                    f"E/N = {network_energy['value']:.4f} ± {network_energy['stderr']:.4f} vs exact "
                    f"{network_energy['reference']:.6f}"
                    + (f" ({sigma:.1f}σ)" if sigma is not None else " (no spread: σ undefined)")
                ),
            }
        )
    return out
