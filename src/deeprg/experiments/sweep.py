"""``deeprg sweep mehta-schwab``: the reproduction over a grid of couplings, sizes and seeds, on Dask.

Each point of the grid (coupling × size × repeat) is one full :func:`deeprg.experiments.
mehta_schwab.run` — sample, train, measure — and one Dask task. This module is the only
place in deeprg that imports dask: the numerical layers never know they run in a worker.

- **Where it runs.** By default a ``distributed.LocalCluster`` of single-threaded worker
  processes, one per core (``workers``); or any running cluster by address (``scheduler``:
  ``dask scheduler`` / ``dask worker``, dask-jobqueue, Kubernetes). Inside a task torch and
  numba use one thread, so workers never oversubscribe the cores.
- **No shared filesystem.** A task runs in a temporary folder on its worker and returns the
  contents of its ``metrics.json`` (and, with ``keep_files``, its sample and model files as
  bytes); the client alone writes ``DIR/points/<key>/``. A task retried after a worker died
  therefore cannot write twice.
- **Reproducible.** A point's master seed is derived from the sweep seed and the point's
  coupling, size and repeat (:func:`point_seed`), so its numbers do not depend on the
  number of workers, the order of completion, or the other points of the grid; the same
  point is ``deeprg reproduce mehta-schwab --seed <point seed> ...`` (its ``metrics.json``
  records the seed and every setting).
- **Resumable.** Points whose ``metrics.json`` exists are skipped; each arriving point is
  written atomically, so an interrupted sweep keeps everything finished.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from .. import io
from ..errors import InputError
from .mehta_schwab_settings import PRESETS, MehtaSchwabSettings
from .output import locked_output_dir, write_json

__all__ = [
    "SweepPoint",
    "SweepResult",
    "layers_for_size",
    "parse_couplings",
    "parse_sizes",
    "plan",
    "point_seed",
    "run",
    "run_point",
    "run_sweep",
]

#: Smallest lattice a sweep accepts (one 2×2 block step needs room for its window).
MIN_SIZE = 4


#: Most points one sweep accepts (couplings × sizes × repeats), checked before any work.
MAX_POINTS = 100_000


def parse_couplings(spec: str) -> tuple[float, ...]:
    """Couplings from ``"0.36,0.40,0.44"`` or an inclusive range ``"START:STOP:COUNT"``.

    Raises
    ------
    InputError
        On an empty list, a non-number, NaN or infinity, or a count below 1.
    """
    text = str(spec).strip()
    if not text:
        raise InputError("--couplings is empty; give e.g. 0.36,0.40,0.44 or 0.36:0.48:4")
    parts = text.split(":")
    try:
        if len(parts) == 3:
            start, stop, count = float(parts[0]), float(parts[1]), int(parts[2])
        elif len(parts) == 1:
            values = [float(part) for part in text.split(",") if part.strip()]
        else:
            raise ValueError(text)
    except ValueError as exc:
        raise InputError(
            f"cannot read --couplings {spec!r}; give numbers like 0.36,0.40 or START:STOP:COUNT"
        ) from exc
    if len(parts) == 3:
        if count < 1:
            raise InputError(f"--couplings range count must be >= 1, got {count}")
        if count > MAX_POINTS:
            raise InputError(
                f"--couplings range count {count} is more than a sweep of {MAX_POINTS} points; "
                "split the study into several sweeps"
            )
        step = (stop - start) / (count - 1) if count > 1 else 0.0
        values = [start + step * k for k in range(count)]
    if not values:
        raise InputError("--couplings is empty; give e.g. 0.36,0.40,0.44 or 0.36:0.48:4")
    if not all(math.isfinite(v) for v in values):
        raise InputError(f"--couplings must be finite numbers, got {spec!r}")
    return tuple(round(v, 12) for v in dict.fromkeys(values))


def parse_sizes(spec: str) -> tuple[int, ...]:
    """Lattice sizes from ``"16,24,40"`` (each at least 4)."""
    text = str(spec).strip()
    try:
        values = [int(part) for part in text.split(",") if part.strip()]
    except ValueError as exc:
        raise InputError(f"cannot read --sizes {spec!r}; give integers like 16,24,40") from exc
    if not values:
        raise InputError("--sizes is empty; give integers like 16,24,40")
    small = [v for v in values if v < MIN_SIZE]
    if small:
        raise InputError(f"--sizes must be at least {MIN_SIZE}, got {small}")
    return tuple(dict.fromkeys(values))


def layers_for_size(size: int) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """Hidden sizes N/4, N/16, N/64 for N = L² (the paper's 1600-400-100-25 at L = 40).

    Returns
    -------
    layers : tuple of int
        The kept layers (each with at least 2 units).
    dropped : tuple of int
        Sizes dropped for having fewer than 2 units.
    """
    n = size * size
    sizes = [n // 4, n // 16, n // 64]
    return tuple(s for s in sizes if s >= 2), tuple(s for s in sizes if s < 2)


def point_seed(sweep_seed: int, coupling: float, size: int, repeat: int) -> int:
    """The master seed of one point: a digest of the sweep seed and the point's place.

    Independent of the grid's other points and of where or when the point runs.
    """
    payload = json.dumps([int(sweep_seed), repr(float(coupling)), int(size), int(repeat)])
    return int.from_bytes(hashlib.sha256(payload.encode()).digest()[:4], "big") >> 1


@dataclass(frozen=True)
class SweepPoint:
    """One point of the grid: its place and the full settings of its reproduction."""

    coupling: float
    size: int
    repeat: int
    settings: MehtaSchwabSettings

    @property
    def key(self) -> str:
        """Folder name: readable place plus a digest of every setting."""
        digest = self.settings.key(*self.settings.as_dict())
        return f"J{self.coupling:.6g}_L{self.size}_r{self.repeat}_{digest[:8]}"


def plan(
    couplings: Sequence[float],
    sizes: Sequence[int],
    repeats: int = 1,
    seed: int = 0,
    preset: str = "quick",
    overrides: dict | None = None,
    device: str = "cpu",
    log: Callable[[str], None] | None = None,
) -> list[SweepPoint]:
    """Every point of the grid with its settings, each validated before any work.

    Parameters
    ----------
    couplings, sizes : sequences
        The grid (see :func:`parse_couplings`, :func:`parse_sizes`).
    repeats : int
        Independent seeds per (coupling, size).
    seed : int
        The sweep's master seed.
    preset : {"quick", "paper"}
        Base settings; ``overrides`` replace any of them. Without a ``layers`` override,
        the layers follow the size (:func:`layers_for_size`).
    """
    from .mehta_schwab import validate

    if preset not in PRESETS:
        raise InputError(f"unknown preset {preset!r}; use one of {sorted(PRESETS)}")
    if isinstance(repeats, bool) or not isinstance(repeats, int) or repeats < 1:
        raise InputError(f"--repeats must be an integer >= 1, got {repeats!r}")
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise InputError(f"--seed must be a non-negative integer, got {seed!r}")
    overrides = {k: v for k, v in (overrides or {}).items() if v is not None}
    for name in ("size", "coupling", "seed"):
        if name in overrides:
            raise InputError(f"{name} is set by the sweep's grid, not as an override")
    n_points = len(couplings) * len(sizes) * repeats
    if n_points > MAX_POINTS:
        raise InputError(
            f"the grid has {n_points} points (couplings × sizes × repeats), more than "
            f"{MAX_POINTS}; split the study into several sweeps"
        )
    log = log or (lambda message: None)
    base = PRESETS[preset].replace(**overrides)
    points = []
    for size in sizes:
        layers = base.layers
        if "layers" not in overrides:
            layers, dropped = layers_for_size(size)
            if dropped:
                log(
                    f"L = {size}: layers with fewer than 2 units dropped ({dropped}); using {layers}"
                )
            if not layers:
                raise InputError(f"L = {size} is too small for any layer of >= 2 units")
        for coupling in couplings:
            for repeat in range(repeats):
                settings = base.replace(
                    size=int(size),
                    coupling=float(coupling),
                    layers=tuple(layers),
                    seed=point_seed(seed, coupling, size, repeat),
                )
                validate(settings, device)
                points.append(SweepPoint(float(coupling), int(size), repeat, settings))
    return points


def _limit_threads() -> None:
    """One torch and one numba thread in this process (a worker owns one core)."""
    import torch

    torch.set_num_threads(1)
    try:
        import numba

        numba.set_num_threads(1)
    except (ImportError, ValueError):
        pass


def run_point(settings: dict, keep_files: bool = False, device: str = "cpu") -> dict:
    """Run one reproduction in a temporary folder and return what the client writes.

    Runs on a Dask worker (or anywhere): nothing outside the temporary folder is written.

    Parameters
    ----------
    settings : dict
        :meth:`MehtaSchwabSettings.as_dict` of the point.
    keep_files : bool
        Also return ``samples.h5`` and ``model.h5`` as bytes.

    Returns
    -------
    dict
        ``metrics`` (the contents of ``metrics.json``), ``files`` (name -> bytes),
        ``worker_pid`` and ``seconds``.
    """
    from . import mehta_schwab

    _limit_threads()
    values = dict(settings)
    values["layers"] = tuple(values["layers"])
    reproduction = MehtaSchwabSettings(**values)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="deeprg-point-") as tmp:
        mehta_schwab.run(
            reproduction, tmp, preset="sweep", device=device, progress=False, log=lambda m: None
        )
        metrics = json.loads((Path(tmp) / "metrics.json").read_text())
        files = {}
        if keep_files:
            for name in ("samples.h5", "model.h5"):
                files[name] = (Path(tmp) / name).read_bytes()
    return {
        "metrics": metrics,
        "files": files,
        "worker_pid": os.getpid(),
        "seconds": time.perf_counter() - started,
    }


@dataclass
class SweepResult:
    """What a sweep did: points computed now, reused, and failed (with their messages)."""

    computed: list[str]
    reused: list[str]
    failed: dict[str, str]
    out: Path
    seconds: float


def _finished(path: Path) -> bool:
    try:
        json.loads((path / "metrics.json").read_text())
    except (OSError, ValueError):
        return False
    return True


def _write_point(folder: Path, point: SweepPoint, payload: dict) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name, data in payload["files"].items():
        with io.atomic_write(folder / name, overwrite=True) as tmp:
            tmp.write_bytes(data)
    metrics = dict(payload["metrics"])
    metrics["sweep_point"] = {
        "coupling": point.coupling,
        "size": point.size,
        "repeat": point.repeat,
        "seed": point.settings.seed,
        "key": point.key,
        "worker_seconds": payload["seconds"],
    }
    write_json(metrics, folder / "metrics.json")


def _open_client(workers: int | None, scheduler: str | None):
    """A distributed Client: to ``scheduler``, or on a new LocalCluster (returned too)."""
    from distributed import Client, LocalCluster

    if scheduler:
        try:
            return Client(scheduler, timeout="20s"), None
        except OSError as exc:
            raise InputError(
                f"cannot reach the Dask scheduler at {scheduler} ({exc}); start it with "
                "'dask scheduler' or drop --scheduler to use a local cluster"
            ) from exc
    n_workers = workers or os.cpu_count() or 1
    cluster = LocalCluster(
        n_workers=n_workers,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address="127.0.0.1:0",  # a free port: never collides with another cluster
        env={"OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "NUMBA_NUM_THREADS": "1"},
    )
    return Client(cluster), cluster


def run(
    points: Sequence[SweepPoint],
    out_dir: str | os.PathLike,
    workers: int | None = None,
    scheduler: str | None = None,
    keep_files: bool = False,
    device: str = "cpu",
    progress: bool = True,
    log: Callable[[str], None] | None = None,
) -> SweepResult:
    """Run every unfinished point on Dask; write its folder as it arrives; then the summary.

    Parameters
    ----------
    points : sequence of SweepPoint
        From :func:`plan`.
    out_dir : path-like
        ``points/<key>/metrics.json`` per point, then ``sweep.csv`` and ``report.html``.
    workers : int, optional
        Worker processes of the local cluster (default: one per core).
    scheduler : str, optional
        Address of a running Dask scheduler (``tcp://host:port``); no local cluster then.
    keep_files : bool
        Also write each point's ``samples.h5`` and ``model.h5``.

    Returns
    -------
    SweepResult
    """

    log = log or (lambda message: None)
    if workers is not None and (isinstance(workers, bool) or workers < 1):
        raise InputError(f"--workers must be >= 1, got {workers}")
    if workers is not None and scheduler:
        raise InputError(
            "give --workers (a local cluster) or --scheduler (a running one), not both"
        )
    with locked_output_dir(out_dir, "sweep mehta-schwab") as out:
        return _sweep_locked(points, out, workers, scheduler, keep_files, device, progress, log)


#: The former name of :func:`run`.
run_sweep = run


def _sweep_locked(
    points: list[SweepPoint],
    out: Path,
    workers: int | None,
    scheduler: str | None,
    keep_files: bool,
    device: str,
    progress: bool,
    log: Callable[[str], None],
) -> SweepResult:
    """:func:`run`'s work, while this process holds ``out``'s lock."""
    from distributed import as_completed

    from .sweep_report import write_summary

    started = time.perf_counter()
    point_dir = out / "points"
    todo = [p for p in points if not _finished(point_dir / p.key)]
    reused = [p.key for p in points if p not in todo]
    if reused:
        log(f"sweep: {len(reused)} of {len(points)} points already finished in {point_dir}")
    computed: list[str] = []
    failed: dict[str, str] = {}
    if todo:
        point_dir.mkdir(parents=True, exist_ok=True)
        client, cluster = _open_client(workers, scheduler)
        try:
            if _has_bokeh():  # the dashboard's pages need bokeh (optional)
                log(f"sweep: Dask dashboard at {client.dashboard_link}")
            log(f"sweep: {len(todo)} points on {len(client.scheduler_info()['workers'])} workers")
            futures = {
                client.submit(
                    run_point,
                    point.settings.as_dict(),
                    keep_files,
                    device,
                    key=f"deeprg-point-{point.key}",
                    pure=False,
                ): point
                for point in todo
            }
            bar = _progress(len(todo), progress)
            try:
                for future in as_completed(futures):
                    point = futures[future]
                    try:
                        payload = future.result()
                    except Exception as exc:  # a failed point: record it, keep the others
                        message = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
                        failed[point.key] = f"{type(exc).__name__}: {message}"
                        log(f"sweep: point {point.key} failed: {failed[point.key]}")
                    else:
                        _write_point(point_dir / point.key, point, payload)
                        computed.append(point.key)
                    if bar is not None:
                        running = sum(len(keys) for keys in client.processing().values())
                        bar.update(1)
                        bar.set_postfix(done=len(computed), running=running, failed=len(failed))
            except KeyboardInterrupt:
                for future in futures:
                    future.cancel()
                raise
            finally:
                if bar is not None:
                    bar.close()
        finally:
            client.close()
            if cluster is not None:
                cluster.close()
    write_summary(points, out, failed)
    return SweepResult(computed, reused, failed, out, time.perf_counter() - started)


def _has_bokeh() -> bool:
    try:
        import bokeh  # noqa: F401
    except ImportError:
        return False
    return True


def _progress(total: int, enabled: bool):
    if not enabled:
        return None
    from tqdm import tqdm

    return tqdm(total=total, unit="point", desc="sweep", dynamic_ncols=True)
