"""The sampling driver behind :func:`deeprg.sample` and ``deeprg sample``.

It starts independent Markov chains, equilibrates them, measures integrated
autocorrelation times in a pilot run to choose the burn-in and the spacing between saved
samples (unless the user fixes them), then runs the production and returns a
:class:`~deeprg.samples.SampleSet` with the measured τ of the saved energy and |m| series.

Time is counted in each algorithm's update: a sweep of N single-site updates (Metropolis,
heat-bath), one full-lattice cluster decomposition (Swendsen–Wang), one cluster flip (Wolff).
"""

from __future__ import annotations

import math
import sys
import time
import warnings

import numpy as np

from .._random import SeedLike, as_generator, child_seeds
from ..constants import J_CRITICAL
from ..errors import InputError, check_int
from ..ising import IsingChain, IsingModel, IsingSquare
from ..samples import SampleSet
from ._lattice import checkerboard_order, neighbour_table
from ._records import empty_records
from ._rng import probability_threshold, seed_states
from .autocorrelation import integrated_autocorrelation_time

__all__ = ["ALGORITHMS", "DEFAULT_CPU_CHAINS", "sample"]

#: Algorithms available for both lattices, with the unit one update stands for.
ALGORITHMS = {
    "wolff": "cluster flip",
    "swendsen-wang": "Swendsen-Wang update",
    "metropolis": "sweep",
    "heat-bath": "sweep",
}
LOCAL_ALGORITHMS = ("metropolis", "heat-bath")
#: Chains run by the numba kernels unless ``n_chains`` is given: fixed (not the core count),
#: so that a seed gives the same samples on every machine; chains run on parallel threads.
DEFAULT_CPU_CHAINS = 4
DEFAULT_TORCH_CHAINS = {"cpu": 64, "cuda": 1024}

PILOT_MIN_RECORDS = 256
PILOT_MAX_RECORDS = 1 << 16
PILOT_LENGTH_IN_TAU = 50  # pilot half used for τ must span at least this many τ
BURN_IN_IN_TAU = 20  # Sokal: discard at least ~20 τ
THIN_IN_TAU = 2.0  # saved samples 2 τ apart: nearly independent (ρ ≈ e^-2)
MAX_UPDATES = 2**62  # burn-in or thin beyond this overflows the kernels' int64 counters
MAX_STRENGTH = 1e6  # |J|, |h| beyond: frozen in the ground state; energies² overflow near 1e150
CHUNK_SECONDS = 0.25  # kernel calls this long, so progress and Ctrl-C stay responsive


class _NumbaEngine:
    """Independent chains advanced by one of the numba kernels (one thread per chain)."""

    backend = "numba"

    def __init__(self, model: IsingModel, algorithm: str, spins: np.ndarray, seeds: np.ndarray):
        self.model = model
        self.algorithm = algorithm
        self.spins = np.ascontiguousarray(spins, dtype=np.int8)
        self.states = seed_states(seeds)
        self.nbr = neighbour_table(model).astype(np.uint32)  # unsigned: no wrap-around tests
        self.sign = 1 if model.coupling >= 0 else -1
        self.p_add = int(probability_threshold(1.0 - math.exp(-2.0 * abs(model.coupling))))
        self.flipped = np.zeros(self.spins.shape[0], dtype=np.int64)
        self.cluster_updates = 0
        if algorithm in LOCAL_ALGORITHMS:
            from .local import local_thresholds

            self.order = checkerboard_order(model).astype(np.uint32)
            self.thresholds = local_thresholds(
                model.coupling, model.field, self.nbr.shape[1], algorithm == "heat-bath"
            )

    @property
    def n_chains(self) -> int:
        return self.spins.shape[0]

    def mean_cluster_size(self) -> float:
        """Mean number of spins flipped per accepted Wolff cluster update so far."""
        total = self.cluster_updates * self.n_chains
        return float(self.flipped.sum() / total) if total else float("nan")

    def run(self, n_records: int, per_record: int, store: bool):
        out = empty_records(self.spins.shape[0], int(n_records), self.spins.shape[1], store)
        per_record = int(per_record)
        field = float(self.model.field)
        if self.algorithm == "wolff":
            from .wolff import wolff_run

            move = (self.p_add, self.sign, field)
            wolff_run(self.spins, self.states, self.nbr, *move, per_record, out, self.flipped)
            self.cluster_updates += n_records * per_record
        elif self.algorithm == "swendsen-wang":
            from .swendsen_wang import swendsen_wang_run

            move = (self.p_add, self.sign, field)
            swendsen_wang_run(self.spins, self.states, self.nbr, *move, per_record, out)
        else:
            from .local import local_run

            rule = (self.order, self.algorithm == "heat-bath", self.thresholds)
            local_run(self.spins, self.states, self.nbr, *rule, per_record, out)
        return (out.spins if store else None), out.bond_sum, out.magnetization


class _TorchEngine:
    """Many replicas advanced together by the batched torch checkerboard kernel."""

    backend = "torch"

    def __init__(self, model, algorithm, spins, seed, device):
        from .torch_checkerboard import TorchCheckerboard

        self.kernel = TorchCheckerboard(model, algorithm == "heat-bath", spins, seed, device)
        self.n_chains = spins.shape[0]

    def mean_cluster_size(self) -> float:
        return float("nan")

    def run(self, n_records: int, per_record: int, store: bool):
        return self.kernel.run(n_records, per_record, store)


class _NoProgress:
    """Stand-in for a disabled tqdm bar (counts only)."""

    def __init__(self, *args, **kwargs) -> None:
        self.n = 0

    def __enter__(self) -> _NoProgress:
        return self

    def __exit__(self, *exc) -> None:
        return None

    def update(self, n: int = 1) -> None:
        self.n += n


def _check_algorithm(algorithm: object) -> str:
    if not isinstance(algorithm, str):
        raise InputError(f"algorithm must be a string, got {algorithm!r}")
    name = algorithm.strip().lower().replace("_", "-")
    name = {"sw": "swendsen-wang", "swendsenwang": "swendsen-wang", "heatbath": "heat-bath"}.get(
        name, name
    )
    if name not in ALGORITHMS:
        raise InputError(f"unknown algorithm {algorithm!r}; use one of {', '.join(ALGORITHMS)}")
    return name


def _check_device(device: object, backend: object, algorithm: str) -> tuple[str, str]:
    if not isinstance(device, str) or not device.strip():
        raise InputError(f"device must be a string such as 'cpu' or 'cuda', got {device!r}")
    device = device.strip().lower()
    if backend is None:
        backend = "numba" if device == "cpu" else "torch"
    if backend not in ("numba", "torch"):
        raise InputError(f"backend must be 'numba' or 'torch', got {backend!r}")
    if backend == "numba" and device != "cpu":
        raise InputError(
            f"the numba backend runs on the cpu only; use backend='torch' for {device}"
        )
    if backend == "torch":
        if algorithm not in LOCAL_ALGORITHMS:
            raise InputError(
                f"the batched torch kernel (device {device!r}) runs metropolis or heat-bath, "
                f"not {algorithm}; choose one of those or device='cpu' with the numba backend"
            )
        import torch

        try:
            torch_device = torch.device(device)
        except RuntimeError as exc:
            raise InputError(f"unknown device {device!r}; use 'cpu' or 'cuda'") from exc
        if torch_device.type == "cuda" and not torch.cuda.is_available():
            raise InputError("CUDA is not available on this machine; use device 'cpu'")
    return device, backend


def _check_updates(name: str, value: object, minimum: int) -> int:
    """``burn_in`` or ``thin`` as an int the kernels' 64-bit counters can hold."""
    value = check_int(name, value, minimum=minimum)
    if value > MAX_UPDATES:
        raise InputError(f"{name} must be <= 2**62 updates, got {value}")
    return value


def _check_memory(n_configurations: int, n_spins: int) -> None:
    """Refuse up front a request whose int8 configurations would not fit in memory."""
    needed = n_configurations * n_spins
    try:
        import os

        available = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, ValueError, OSError):  # pragma: no cover - non-POSIX systems
        return
    if needed > 0.8 * available:
        raise InputError(
            f"{n_configurations} configurations of {n_spins} spins need {needed / 2**30:.1f} GiB, "
            f"more than this machine's memory ({available / 2**30:.1f} GiB); reduce n_samples or "
            "the lattice size"
        )


def _initial_spins(model: IsingModel, algorithm: str, n_chains: int, rng) -> np.ndarray:
    """Starting configurations, array of shape (n_chains, n_spins), int8.

    Random (infinite temperature), except for local algorithms on the square lattice in the
    ordered phase (|J| > J_c), which start ordered (sign of h, or random when h = 0;
    staggered for J < 0): from a random start they can be trapped for very long times in
    striped, domain-wall states.
    """
    n = model.n_spins
    spins = rng.choice(np.array([-1, 1], dtype=np.int8), size=(n_chains, n))
    if (
        algorithm in LOCAL_ALGORITHMS
        and isinstance(model, IsingSquare)
        and abs(model.coupling) > J_CRITICAL
        and (model.coupling > 0 or model.size % 2 == 0)
    ):
        if model.field != 0.0:
            signs = np.full(n_chains, np.sign(model.field), dtype=np.int8)
        else:
            signs = rng.choice(np.array([-1, 1], dtype=np.int8), size=n_chains)
        pattern = np.ones(model.lattice_shape, dtype=np.int8)
        if model.coupling < 0:
            pattern = (1 - 2 * (np.indices(model.lattice_shape).sum(axis=0) % 2)).astype(np.int8)
        spins = signs[:, None] * pattern.reshape(1, n)
    return np.ascontiguousarray(spins, dtype=np.int8)


def _series_tau(model: IsingModel, bond: np.ndarray, mag: np.ndarray) -> tuple[float, float]:
    """τ_int of H and |M| for records of shape (n_chains, n)."""
    if bond.shape[1] < 2:
        return float("nan"), float("nan")
    energy = -model.coupling * bond - model.field * mag
    return (
        integrated_autocorrelation_time(energy),
        integrated_autocorrelation_time(np.abs(mag)),
    )


def _advance(engine, n_updates: int, bar) -> None:
    """Run ``n_updates`` updates unrecorded, in kernel calls of about CHUNK_SECONDS."""
    chunk = 1
    while n_updates > 0:
        size = min(chunk, n_updates)
        tick = time.perf_counter()
        engine.run(1, size, False)
        bar.update(size)
        n_updates -= size
        seconds_per_update = max(time.perf_counter() - tick, 1e-7) / size
        chunk = max(1, min(4 * size, int(CHUNK_SECONDS / seconds_per_update)))


def _observe(engine, n_records: int, per_record: int, bar) -> tuple[np.ndarray, np.ndarray]:
    """Record Σ s_i s_j and Σ s_i every ``per_record`` updates, in chunks of ~CHUNK_SECONDS.

    Returns two arrays of shape (n_chains, n_records), int64.
    """
    bonds, mags = [], []
    chunk = 1
    while n_records > 0:
        size = min(chunk, n_records)
        tick = time.perf_counter()
        _, bond, mag = engine.run(size, per_record, False)
        bonds.append(bond)
        mags.append(mag)
        bar.update(size * per_record)
        n_records -= size
        seconds_per_record = max(time.perf_counter() - tick, 1e-7) / size
        chunk = max(1, min(4 * size, int(CHUNK_SECONDS / seconds_per_record)))
    return np.concatenate(bonds, axis=1), np.concatenate(mags, axis=1)


def _pilot(engine, model: IsingModel, algorithm: str, bar) -> tuple[int, float]:
    """Equilibrate and measure τ (in updates). Returns (updates run, τ_updates)."""
    n = model.n_spins
    updates = 0
    if algorithm == "wolff":
        _advance(engine, 100, bar)
        updates += 100
        clusters_per_sweep = n / max(engine.mean_cluster_size(), 1.0)
        equilibration = math.ceil(20 * clusters_per_sweep)
        stride = max(1, round(clusters_per_sweep / 8))
    else:
        equilibration, stride = 100, 1
    _advance(engine, equilibration, bar)
    updates += equilibration
    bonds, mags = [], []
    records = 0
    target = PILOT_MIN_RECORDS
    while True:
        bond, mag = _observe(engine, target - records, stride, bar)
        bonds.append(bond)
        mags.append(mag)
        updates += (target - records) * stride
        records = target
        half = (
            np.concatenate(bonds, axis=1)[:, records // 2 :],
            np.concatenate(mags, axis=1)[:, records // 2 :],
        )
        tau_records = max(_series_tau(model, *half))
        if records // 2 >= PILOT_LENGTH_IN_TAU * tau_records:
            break
        if records >= PILOT_MAX_RECORDS:
            warnings.warn(
                f"{algorithm} decorrelates slowly here (τ ≈ {tau_records * stride:.3g} updates "
                f"after a pilot of {updates} updates); burn-in and spacing may be too short — "
                "set them explicitly or use a cluster algorithm",
                RuntimeWarning,
                stacklevel=3,
            )
            break
        target = min(2 * records, PILOT_MAX_RECORDS)
    tau_updates = max(tau_records, 0.5) * stride
    extra = math.ceil(BURN_IN_IN_TAU * tau_updates) - updates
    if extra > 0:
        _advance(engine, extra, bar)
        updates += extra
    return updates, tau_updates


def sample(
    model: IsingModel,
    n_samples: int,
    algorithm: str = "wolff",
    seed: SeedLike = None,
    burn_in: int | None = None,
    thin: int | None = None,
    n_chains: int | None = None,
    device: str = "cpu",
    progress: bool = False,
    backend: str | None = None,
) -> SampleSet:
    """Draw equilibrium configurations of an Ising model by Markov-chain Monte Carlo.

    P(s) = exp(-H(s)) / Z with H of docs/conventions.md (β absorbed in J and h).

    Parameters
    ----------
    model : IsingChain or IsingSquare
        The model; any coupling J (either sign, frustrated odd antiferromagnets included)
        and field h, for every algorithm.
    n_samples : int
        Number of configurations returned (>= 1).
    algorithm : {"wolff", "swendsen-wang", "metropolis", "heat-bath"}
        Wolff single-cluster, Swendsen–Wang multi-cluster (both exact with a field, see
        their modules), or checkerboard single-spin Metropolis / heat-bath.
    seed : int, numpy.random.Generator or None
        Same integer seed and settings (including ``n_chains``) -> identical samples.
    burn_in : int, optional
        Updates discarded before the first saved sample. Default: chosen from a pilot run,
        at least 20 τ and including the pilot itself.
    thin : int, optional
        Updates between saved samples. Default: ceil(2 τ), τ = the larger integrated
        autocorrelation time of H and |M| measured in the pilot, in updates.
    n_chains : int, optional
        Independent chains (concatenated in order in the result). Default: 4 for the numba
        kernels (run on parallel threads), 64 replicas for the torch kernel on the CPU and
        1024 on a GPU; never more than ``n_samples``.
    device : str, default "cpu"
        "cpu" uses the numba kernels; "cuda" (or "cuda:1", ...) the batched torch
        checkerboard kernel (metropolis and heat-bath only).
    progress : bool, default False
        Show progress bars (tqdm, on stderr) with rate and remaining time.
    backend : {"numba", "torch"}, optional
        Force a backend; ``backend="torch", device="cpu"`` runs the batched kernel on the CPU.

    Returns
    -------
    SampleSet
        ``spins`` of shape (n_samples, *lattice_shape), int8; ``energy`` and
        ``magnetization`` per sample; measured ``tau_energy`` and ``tau_abs_magnetization``
        of the saved series (in saved samples; 0.5 means uncorrelated); the burn-in, thin and
        chain count used; ``extra`` holds the backend, device, update unit, pilot τ (in
        updates), mean Wolff cluster size and wall time.

    Raises
    ------
    InputError
        Unknown algorithm or device, n_samples <= 0, negative burn-in, thin < 1, ...
    """
    start = time.perf_counter()
    if not isinstance(model, (IsingChain, IsingSquare)):
        raise InputError(
            f"model must be deeprg.IsingChain or deeprg.IsingSquare, got {type(model).__name__}"
        )
    n_samples = check_int("n_samples", n_samples, minimum=1)
    algorithm = _check_algorithm(algorithm)
    if burn_in is not None:
        burn_in = _check_updates("burn_in", burn_in, minimum=0)
    if thin is not None:
        thin = _check_updates("thin", thin, minimum=1)
    for name, value in (("coupling", model.coupling), ("field", model.field)):
        if abs(value) > MAX_STRENGTH:
            raise InputError(
                f"|{name}| must be <= {MAX_STRENGTH:g} for sampling, got {value:g}; the "
                "lattice is then in its ground state to double precision"
            )
    if not isinstance(progress, bool):
        raise InputError(f"progress must be True or False, got {progress!r}")
    device, backend = _check_device(device, backend, algorithm)
    if algorithm == "metropolis" and model.coupling == 0.0 and model.field == 0.0:
        raise InputError(
            "metropolis is not ergodic at J = h = 0 (every flip is accepted, so each sweep "
            "flips every spin); use heat-bath, wolff or swendsen-wang"
        )
    if n_chains is None:
        if backend == "numba":
            n_chains = DEFAULT_CPU_CHAINS
        else:
            n_chains = DEFAULT_TORCH_CHAINS["cpu" if device == "cpu" else "cuda"]
        n_chains = min(n_chains, n_samples)
    n_chains = check_int("n_chains", n_chains, minimum=1)
    _check_memory(n_samples + n_chains, math.prod(model.lattice_shape))  # no int64 overflow
    rng = as_generator(seed)
    recorded_seed = (
        int(seed) if seed is not None and not isinstance(seed, np.random.Generator) else None
    )

    spins0 = _initial_spins(model, algorithm, n_chains, rng)
    if backend == "numba":
        engine = _NumbaEngine(model, algorithm, spins0, child_seeds(rng, n_chains))
    else:
        engine = _TorchEngine(model, algorithm, spins0, int(child_seeds(rng, 1)[0]), device)

    bar_options = {"file": sys.stderr, "dynamic_ncols": True}
    if progress:
        from tqdm.auto import tqdm
    else:
        tqdm = _NoProgress  # importing tqdm costs ~0.1 s of start-up
    pilot_tau = float("nan")
    with tqdm(desc="burn-in", unit=" updates", **bar_options) as bar:
        if burn_in is not None:
            _advance(engine, burn_in, bar)
            burned = burn_in
        else:
            burned = 0
        if burn_in is None or thin is None:
            pilot_updates, pilot_tau = _pilot(engine, model, algorithm, bar)
            burned += pilot_updates
        if thin is None:
            thin = max(1, math.ceil(THIN_IN_TAU * pilot_tau))
    burn_seconds = time.perf_counter() - start

    per_chain = -(-n_samples // n_chains)
    n_spins = model.n_spins
    spins = np.empty((n_chains, per_chain, n_spins), dtype=np.int8)
    bond = np.empty((n_chains, per_chain), dtype=np.int64)
    mag = np.empty((n_chains, per_chain), dtype=np.int64)
    with tqdm(total=n_samples, desc=algorithm, unit=" samples", **bar_options) as bar:
        done = 0
        chunk = 1
        while done < per_chain:
            size = min(chunk, per_chain - done)
            tick = time.perf_counter()
            chunk_spins, chunk_bond, chunk_mag = engine.run(size, thin, True)
            spins[:, done : done + size] = chunk_spins
            bond[:, done : done + size] = chunk_bond
            mag[:, done : done + size] = chunk_mag
            done += size
            bar.update(min(size * n_chains, n_samples - bar.n))
            seconds_per_record = max(time.perf_counter() - tick, 1e-6) / size
            chunk = max(1, min(4 * size, int(CHUNK_SECONDS / seconds_per_record)))
    tau_energy, tau_abs_magnetization = _series_tau(model, bond, mag)

    flat_bond = bond.reshape(-1)[:n_samples].astype(np.float64)
    flat_mag = mag.reshape(-1)[:n_samples].astype(np.float64)
    extra = {
        "backend": engine.backend,
        "device": device,
        "update_unit": ALGORITHMS[algorithm],
        "pilot_tau_updates": float(pilot_tau),
        "burn_in_seconds": float(burn_seconds),
        "wall_time_s": float(time.perf_counter() - start),
    }
    if algorithm == "wolff" and backend == "numba":
        extra["mean_cluster_size"] = engine.mean_cluster_size()
    return SampleSet(
        model=model,
        spins=spins.reshape(n_chains * per_chain, *model.lattice_shape)[:n_samples],
        energy=-model.coupling * flat_bond - model.field * flat_mag,
        magnetization=flat_mag,
        algorithm=algorithm,
        seed=recorded_seed,
        tau_energy=float(tau_energy),
        tau_abs_magnetization=float(tau_abs_magnetization),
        burn_in=int(burned),
        thin=int(thin),
        n_chains=int(n_chains),
        extra=extra,
    )
