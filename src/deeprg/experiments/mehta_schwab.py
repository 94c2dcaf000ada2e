"""``deeprg reproduce mehta-schwab``: the paper end to end, then measured.

Stages (each reused on a re-run into the same directory when its settings match, so an
interrupted run resumes; every file is written atomically):

1. samples   — equilibrium Monte Carlo of the periodic L×L Ising model (``samples.h5``);
2. training  — greedy layer-wise RBMs (``layers/layer{l}.h5``, with a per-epoch checkpoint
   ``layers/layer{l}-*.ckpt`` while a layer trains), assembled into ``model.h5``;
3. analysis  — receptive fields, reconstructions, generated samples, the block-spin
   measurements of :mod:`.measurements`, the exact RG table of :mod:`deeprg.rg.check`;
4. outputs   — PNG figures, ``metrics.json`` and a self-contained ``report.html``.

References: Mehta & Schwab, arXiv:1410.3831, Fig. 3 (receptive fields and
reconstructions of a 1600-400-100-25 DBN trained on 40×40 samples at J = 0.408).
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from .. import __version__, analysis, exact, io
from .._random import child_seeds
from ..constants import J_CRITICAL
from ..errors import InputError
from ..ising import IsingSquare
from ..samples import SampleSet
from . import measurements
from ._autocorrelation import observable_taus
from ._stages import RBMStore, SampleSetStore, compute_or_load
from .mehta_schwab_settings import (
    CHOICES,
    INCONSISTENCIES,
    RBM_SETTINGS,
    SAMPLE_SETTINGS,
    TRAINING_SETTINGS,
    MehtaSchwabSettings,
)
from .output import locked_output_dir, stderr_log, write_json

__all__ = ["analysis_stage", "figure_stage", "run", "sample_stage", "train_stage", "validate"]

# Child seeds of the master seed, one per stage (fixed order: never reorder).
_SEED_SAMPLES, _SEED_TRAINING, _SEED_ANALYSIS, _SEED_GENERATION = range(4)


def _stage_seeds(settings: MehtaSchwabSettings) -> np.ndarray:
    return child_seeds(settings.seed, 4)


def validate(settings: MehtaSchwabSettings, device: str = "cpu") -> None:
    """Refuse bad settings before any work.

    Raises
    ------
    InputError
        One line naming the bad setting and the fix.
    """
    from ..rbm import DBN, rbm_kwargs

    IsingSquare(settings.size, settings.coupling)  # validates size and coupling
    seed = settings.seed
    if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed < 2**63:
        raise InputError(f"seed must be an integer in [0, 2^63), got {seed!r}")
    coupling = settings.coupling
    if abs(coupling) > MAX_COUPLING or 0 < abs(coupling) < MIN_COUPLING:
        raise InputError(
            f"coupling must be 0 or have {MIN_COUPLING:g} <= |J| <= {MAX_COUPLING:g} (the exact "
            f"references fail in double precision beyond), got {coupling:g}"
        )
    if not settings.layers or any(int(n) < 1 for n in settings.layers):
        raise InputError(f"layers must be positive sizes like 400,100,25, got {settings.layers}")
    _check_memory(settings)
    try:  # the exact references of the analysis, computed now (milliseconds)
        exact.torus(settings.size, coupling)
        analysis.classify_phase(settings.size, coupling)
    except ArithmeticError as exc:
        raise InputError(
            f"the exact references fail in double precision at J = {coupling:g} ({exc}); "
            "choose another coupling"
        ) from exc
    if settings.n_samples < settings.batch_size:
        raise InputError(
            f"n_samples ({settings.n_samples}) must be at least batch_size ({settings.batch_size})"
        )
    if settings.propagate != "mean":
        raise InputError("propagate must be 'mean' (hidden means passed up, as in Hinton's code)")
    if any(int(n) < 2 for n in settings.layers):
        raise InputError(f"every layer needs >= 2 units to be measured, got {settings.layers}")
    if settings.coupling < 0 and settings.size % 2:
        raise InputError("J < 0 needs an even size (an odd periodic lattice is frustrated)")
    for name, minimum in (("n_generated", 2), ("generation_steps", 1), ("n_analysis", 2)):
        if int(getattr(settings, name)) < minimum:
            raise InputError(f"{name} must be >= {minimum}, got {getattr(settings, name)}")
    # every training setting, exactly as the RBMs will check it
    DBN(
        layers=tuple(int(n) for n in settings.layers),
        **rbm_kwargs(settings, RBM_SETTINGS),
        device=device,
    ).check_params()


#: The former name of :func:`validate`.
_validate = validate

#: Largest |J| and smallest non-zero |J| with exact references in double precision.
MAX_COUPLING, MIN_COUPLING = 100.0, 1e-100


def _check_memory(settings: MehtaSchwabSettings) -> None:
    """Refuse settings whose arrays cannot fit in this machine's memory, before any work.

    Counted in float32: the samples and the analysis' copies of them, every layer's
    parameters with their velocities and gradients (x4), and the generated samples.
    """
    import os

    n_sites = settings.size**2
    widths = [n_sites, *(int(n) for n in settings.layers)]
    elements = 3 * settings.n_samples * n_sites + settings.n_generated * n_sites
    elements += sum(4 * below * above for below, above in itertools.pairwise(widths))
    needed = 4 * elements
    try:
        available = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, OSError, ValueError):
        return
    if needed > available:
        raise InputError(
            f"these settings need about {needed / 2**30:.3g} GiB of memory (samples, layers "
            f"{settings.layers}, generated samples), more than this machine's "
            f"{available / 2**30:.3g} GiB; choose smaller layers or fewer samples"
        )


# ----------------------------------------------------------------------------- stage 1


def sample_stage(
    settings: MehtaSchwabSettings, out: Path, device: str, progress: bool, log: Callable
) -> SampleSet:
    """Monte Carlo samples, reused from ``samples.h5`` when they match the settings."""
    path = out / "samples.h5"
    return compute_or_load(
        SampleSetStore(),
        path,
        settings.key(*SAMPLE_SETTINGS),
        lambda: _sample(settings, device, progress, log),
        log=log,
        reused=lambda cached: f"samples: reusing {path} ({cached.n_samples} configurations)",
        stale=f"samples: {path} was made with other settings; sampling again",
    )


def _sample(settings: MehtaSchwabSettings, device: str, progress: bool, log: Callable) -> SampleSet:
    """:func:`sample_stage`'s samples, drawn now."""
    from ..mc import sample

    model = IsingSquare(settings.size, settings.coupling)
    log(
        f"samples: {settings.n_samples} × {settings.size}² at J = {settings.coupling} ({settings.algorithm})"
    )
    kwargs = {}
    if settings.algorithm in ("metropolis", "heat-bath") and device != "cpu":
        kwargs["device"] = device
    return sample(
        model,
        settings.n_samples,
        algorithm=settings.algorithm,
        seed=int(_stage_seeds(settings)[_SEED_SAMPLES]),
        progress=progress,
        **kwargs,
    )


# ----------------------------------------------------------------------------- stage 2


def _units_data(spins_flat: np.ndarray, units: str) -> np.ndarray:
    """±1 configurations as float32 training data in the network's units."""
    from ..rbm.units import convert_states

    return convert_states(spins_flat.astype(np.float32), "spin", units)


def train_stage(
    settings: MehtaSchwabSettings,
    samples: SampleSet,
    out: Path,
    device: str,
    progress: bool,
    log: Callable,
) -> list:
    """Greedy layer-wise training by :meth:`deeprg.rbm.DBN.fit`; returns the trained RBMs.

    Each finished layer is kept in ``layers/layer<l>.h5`` under a key of every setting it
    depends on (the samples, the RBM settings and the layer sizes up to it), and reused by
    a rerun whose key matches; an interrupted layer resumes from its checkpoint there.
    """
    from ..rbm import DBN, KeyedLayerFiles, rbm_kwargs

    def key(index: int) -> str:
        sizes = [int(n) for n in settings.layers[: index + 1]]
        return settings.key(*TRAINING_SETTINGS) + "-" + "x".join(map(str, sizes))

    store = RBMStore(
        device,
        metadata=lambda rbm: {
            "matmul_dtype_used": rbm.matmul_dtype_,
            "matmul_reason": rbm.matmul_reason_,
        },
    )
    dbn = DBN(
        layers=tuple(int(n) for n in settings.layers),
        **rbm_kwargs(settings, RBM_SETTINGS),
        propagate=settings.propagate,
        random_state=int(_stage_seeds(settings)[_SEED_TRAINING]),
        device=device,
        verbose=progress,
    )
    (out / "layers").mkdir(exist_ok=True)
    dbn.fit(
        _units_data(samples.flat(), settings.units),
        layer_cache=KeyedLayerFiles(out / "layers", key, store),
        log=lambda line: log(f"training: {line}"),
    )
    return dbn.rbms_


def _precision_record(requested: str, rbms: list) -> dict:
    """What the layers' products ran in: the request, and each layer's choice and its reason.

    The reasons are the ones :func:`deeprg.rbm.precision.resolve_matmul_dtype` gave when the
    layer was trained (kept in its layer file); None for a layer file from before they were.
    """
    return {
        "requested": requested,
        "layers": [getattr(rbm, "matmul_dtype_", None) for rbm in rbms],
        "why": [getattr(rbm, "matmul_reason_", None) for rbm in rbms],
    }


# ----------------------------------------------------------------------------- stage 3


def analysis_stage(
    settings: MehtaSchwabSettings, samples: SampleSet, dbn, log: Callable
) -> tuple[dict, dict, dict]:
    """Every number of the report, and the arrays the figures need."""
    from ..rbm.units import convert_states
    from ..rg.check import run_checks

    seeds = _stage_seeds(settings)
    size, coupling = settings.size, settings.coupling
    n_analysis = min(settings.n_analysis, samples.n_samples)
    stride = max(samples.n_samples // n_analysis, 1)
    spins = samples.spins[::stride][:n_analysis]
    data = _units_data(spins.reshape(len(spins), -1), settings.units)
    onsager = exact.onsager(coupling)
    xi_exact = onsager.correlation_length
    phase = analysis.classify_phase(size, coupling)
    log(f"analysis: {phase.phase} phase ({phase.reason})")
    xi_records = measurements.data_correlation_records(spins, phase)
    metrics = dict(xi_records)

    log("analysis: receptive fields, correlation lengths, block agreement")
    activations = [dbn.transform(data, depth=d + 1) for d in range(len(dbn.rbms_))]
    weights = [rbm.weights_ for rbm in dbn.rbms_]
    fields, blobs, per_layer, layer_metrics = measurements.block_spin_measures(
        weights,
        activations,
        spins,
        measurements.layer_xi_reference(xi_records, phase),
        seed=int(seeds[_SEED_ANALYSIS]),
        phase=phase.phase,
    )
    metrics.update(layer_metrics)

    references = measurements.exact_references(size, coupling)
    # Error bars of the data from its measured autocorrelation times (τ of |m| for the
    # magnetisation moments, the larger one for everything else).
    tau = observable_taus(samples.tau_energy, samples.tau_abs_magnetization)
    metrics.update(
        measurements.observable_records("data", samples.spins, coupling, tau, references)
    )
    data_obs = {k: v for k, v in metrics.items() if k.startswith("data.")}

    log(f"analysis: {settings.n_generated} samples generated by the network")
    generated = dbn.generate(
        settings.n_generated,
        gibbs_steps=settings.generation_steps,
        seed=int(seeds[_SEED_GENERATION]),
    )
    generated_spins = _to_spins(generated, settings)
    network_refs = dict(references)
    for name in ("abs_magnetization", "magnetization_squared", "susceptibility"):
        entry = data_obs[f"data.{name}"]
        network_refs[name] = (entry["value"], entry["stderr"], "Monte Carlo data (this run)")
    metrics.update(
        measurements.observable_records("network", generated_spins, coupling, None, network_refs)
    )
    metrics.update(_generation_diagnostics(dbn, data, settings, seeds, references))

    metrics["data.tau_energy"] = measurements.record(
        samples.tau_energy, note="saved series, Sokal window"
    )
    metrics["data.tau_abs_magnetization"] = measurements.record(samples.tau_abs_magnetization)

    log("analysis: exact RG mapping table")
    rg_table = run_checks(seed=int(seeds[_SEED_ANALYSIS]))
    metrics["rg.all_exact_checks_pass"] = measurements.record(float(rg_table["passed"]))

    n_show = min(6, len(data))
    reconstructions = [
        convert_states(dbn.reconstruct(data[:n_show], depth=d + 1), settings.units, "spin").reshape(
            n_show, size, size
        )
        for d in range(len(dbn.rbms_))
    ]
    arrays = {
        "spins": spins,
        "fields": fields,
        "blobs": blobs,
        "reconstructions": reconstructions,
        "generated_spins": generated_spins,
        "per_layer": per_layer,
        "rg_table": rg_table,
        "histories": [getattr(rbm, "history_", {}) for rbm in dbn.rbms_],
    }
    references_info = {
        "exact_energy_per_spin": references["energy_per_spin"][0],
        "exact_heat_capacity_per_spin": references["heat_capacity"][0],
        # Onsager's infinite-lattice ξ is a reference only where L >> ξ; in the critical
        # (finite-size) regime the data's own ξ is (the phase reason still quotes ξ_∞)
        "exact_correlation_length": xi_exact if phase.phase != "critical" else None,
        "phase": phase.phase,
        "phase_reason": phase.reason,
        "critical_coupling": J_CRITICAL,
    }
    arrays["phase"] = phase
    return metrics, arrays, references_info


def _to_spins(states, settings: MehtaSchwabSettings) -> np.ndarray:
    """Visible states of the network (binary or spin units) as ±1 int8 lattices."""
    threshold = 0.5 if settings.units == "binary" else 0.0
    size = settings.size
    return np.where(np.asarray(states).reshape(-1, size, size) > threshold, 1, -1).astype(np.int8)


def _generation_diagnostics(
    dbn, data: np.ndarray, settings: MehtaSchwabSettings, seeds, references: dict
) -> dict:
    """Where generated samples lose the data's energy (see docs/generation.md).

    Two references beside ``network.energy_per_spin``, each a sampled down-pass to the
    visible units:

    - ``network.energy_per_spin_top_from_data``: the top RBM's chains replaced by the data
      propagated up and sampled there — perfect top-level samples. If these are as far off
      as the generated ones, longer chains in the top RBM cannot help (not slow mixing).
    - ``network.energy_per_spin_bottom_one_sweep``: the data up one layer and straight back
      down through the bottom RBM alone. Its gap to the exact energy is the bottom layer's
      own modelling error.
    """
    from ..rbm import DBN

    s_top, s_bottom = (int(s) for s in child_seeds(int(seeds[_SEED_GENERATION]), 2))
    n_rows = min(settings.n_generated, len(data))
    rows = data[:n_rows]
    top = dbn.generate(n_rows, gibbs_steps=0, seed=s_top, init="data", data=rows)
    bottom = DBN.from_rbms(dbn.rbms_[:1], device=dbn.device).generate(
        n_rows, gibbs_steps=1, seed=s_bottom, init="data", data=rows
    )
    exact_energy = {"energy_per_spin": references["energy_per_spin"]}
    out = {}
    for name, states, note in (
        (
            "top_from_data",
            top,
            "top RBM replaced by the data propagated up (perfect top-level samples), then a sampled down-pass",
        ),
        (
            "bottom_one_sweep",
            bottom,
            "data up one layer and back down through the bottom RBM alone (its own modelling error)",
        ),
    ):
        records = measurements.observable_records(
            "network", _to_spins(states, settings), settings.coupling, None, exact_energy
        )
        entry = records["network.energy_per_spin"]
        entry["note"] = note
        out[f"network.energy_per_spin_{name}"] = entry
    return out


# ----------------------------------------------------------------------------- stage 4


def figure_stage(settings: MehtaSchwabSettings, arrays: dict, out: Path) -> dict[str, Path]:
    """Write every PNG figure; returns name -> path."""
    from ..plots import mehta_schwab as figs
    from ..plots.rg_flow import plot_rg_flow

    size = settings.size
    decimation = arrays["rg_table"]["decimation"]
    paths = {
        "samples": figs.plot_samples(
            arrays["spins"][:6],
            out / "samples.png",
            f"Monte Carlo samples, {size}×{size}, J = {settings.coupling}",
        ),
        "receptive_fields": figs.plot_receptive_fields(
            arrays["fields"], out / "receptive_fields.png"
        ),
        "size_distributions": figs.plot_size_distributions(
            arrays["fields"], out / "size_distributions.png", blobs=arrays["blobs"]
        ),
        "reconstructions": figs.plot_reconstructions(
            arrays["spins"][:6].astype(float),
            arrays["reconstructions"],
            out / "reconstructions.png",
        ),
        "generated": figs.plot_samples(
            arrays["generated_spins"][:6], out / "generated.png", "Samples generated by the network"
        ),
        "training": figs.plot_training_curves(arrays["histories"], out / "training.png"),
        "block_spin": figs.plot_block_spin_measures(arrays["per_layer"], out / "block_spin.png"),
    }
    plot_rg_flow(
        decimation["couplings"],
        measured=decimation.get("measured_couplings"),
        path=out / "rg_flow.png",
    )
    paths["rg_flow"] = out / "rg_flow.png"
    return paths


def run(
    settings: MehtaSchwabSettings,
    out_dir: str | Path,
    preset: str = "custom",
    device: str = "cpu",
    progress: bool = True,
    log: Callable[[str], None] | None = None,
) -> dict:
    """Run the reproduction into ``out_dir`` and return the contents of ``metrics.json``.

    Parameters
    ----------
    settings : MehtaSchwabSettings
        All settings (see :data:`deeprg.experiments.mehta_schwab_settings.PRESETS`).
    out_dir : path-like
        Output directory (created if missing; finished stages in it are reused).
    preset : str
        Name recorded in the outputs.
    device : str
        "cpu" or "cuda" for training (and local Monte Carlo algorithms).
    progress : bool
        Show progress bars on stderr.
    log : callable, optional
        Receives one-line stage messages (default: print to stderr).
    """
    log = log or stderr_log
    validate(settings, device)
    with locked_output_dir(out_dir, "reproduce mehta-schwab") as out:
        return _run_locked(settings, out, preset, device, progress, log)


def _run_locked(
    settings: MehtaSchwabSettings,
    out: Path,
    preset: str,
    device: str,
    progress: bool,
    log: Callable[[str], None],
) -> dict:
    """:func:`run`'s stages, while this process holds ``out``'s lock."""
    from ..rbm import DBN
    from .mehta_schwab_report import write_report

    started = time.perf_counter()
    timings = {}
    t0 = time.perf_counter()
    samples = sample_stage(settings, out, device, progress, log)
    timings["samples_s"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    rbms = train_stage(settings, samples, out, device, progress, log)
    dbn = DBN.from_rbms(rbms, device=device)
    precision = _precision_record(settings.matmul_dtype, rbms)
    # The model file names them as `deeprg train` does: one entry per layer.
    precision_used = {"matmul_dtype_used": precision["layers"], "matmul_reason": precision["why"]}
    io.save_model(
        rbms, out / "model.h5", overwrite=True, metadata={**settings.as_dict(), **precision_used}
    )
    timings["training_s"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    metrics, arrays, references = analysis_stage(settings, samples, dbn, log)
    timings["analysis_s"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    figures = figure_stage(settings, arrays, out)
    timings["figures_s"] = time.perf_counter() - t0
    timings["total_s"] = time.perf_counter() - started

    result = {
        "deeprg_version": __version__,
        "experiment": "mehta-schwab",
        "paper": "P. Mehta & D. J. Schwab, arXiv:1410.3831 (2014)",
        "preset": preset,
        "device": device,
        "precision": precision,
        "settings": settings.as_dict(),
        "choices": CHOICES,
        "paper_inconsistencies": INCONSISTENCIES,
        "references": references,
        "run_time": timings,
        "samples": samples.summary(),
        "layers": arrays["per_layer"],
        "metrics": metrics,
        "verdicts": measurements.verdicts(
            arrays["per_layer"], metrics, measurements.phase_record(arrays["phase"])
        ),
        "rg_check": arrays["rg_table"],
        "figures": {name: path.name for name, path in figures.items()},
    }
    write_json(result, out / "metrics.json")
    write_report(result, figures, out / "report.html")
    log(f"done in {timings['total_s']:.1f} s: {out / 'report.html'}")
    return result
