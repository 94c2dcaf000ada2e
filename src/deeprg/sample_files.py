"""The sample file (docs/file-formats.md): Ising configurations with their provenance.

Dataset ``spins`` (int8, shape (n_samples, *lattice_shape), ±1), datasets ``energy`` and
``magnetization`` (float64, per sample), attributes ``model``, ``size``, ``coupling``,
``field``, ``algorithm``, ``seed``, ``deeprg_version`` and the sampler's measured
autocorrelation times ``tau_energy`` and ``tau_abs_magnetization``. Written atomically and
checksummed (:mod:`deeprg.hdf5`); every read is validated down to the energies matching the
spins.
"""

from __future__ import annotations

import os
from pathlib import Path

import h5py
import numpy as np

from . import __version__, hdf5
from .atomic import atomic_write
from .errors import InputError
from .ising import make_model
from .samples import SampleSet

__all__ = ["load_samples", "save_samples"]


def save_samples(samples: SampleSet, path: str | os.PathLike, overwrite: bool = False) -> Path:
    """Write a :class:`~deeprg.samples.SampleSet` to the HDF5 sample file of docs/file-formats.md.

    Returns
    -------
    pathlib.Path
        The path written.
    """
    model = samples.model
    with (
        atomic_write(path, overwrite=overwrite) as tmp,
        h5py.File(tmp, "w", libver=hdf5.LIBVER) as f,
    ):
        # Uncompressed: gzip costs ~0.6 s on the paper's 32 MB of spins, more than sampling them.
        hdf5.create_dataset(f, "spins", np.asarray(samples.spins, dtype=np.int8))
        hdf5.create_dataset(f, "energy", np.asarray(samples.energy, dtype=np.float64))
        hdf5.create_dataset(f, "magnetization", np.asarray(samples.magnetization, dtype=np.float64))
        attrs = {
            "format": hdf5.SAMPLES_FORMAT,
            "format_version": hdf5.FORMAT_VERSION,
            "model": model.name,
            "size": model.size,
            "coupling": model.coupling,
            "field": model.field,
            "algorithm": samples.algorithm,
            "seed": hdf5.seed_attr(samples.seed),
            "deeprg_version": __version__,
            "tau_energy": float(samples.tau_energy),
            "tau_abs_magnetization": float(samples.tau_abs_magnetization),
            "burn_in": int(samples.burn_in),
            "thin": int(samples.thin),
            "n_chains": int(samples.n_chains),
        }
        for key, value in samples.extra.items():
            attrs.setdefault(f"extra_{key}", value)
        for key, value in attrs.items():
            f.attrs[key] = hdf5.attribute_value(value)
    return Path(path)


def load_samples(path: str | os.PathLike) -> SampleSet:
    """Read and validate a sample file written by :func:`save_samples` (or ``deeprg sample``).

    Raises
    ------
    InputError
        If the file is missing, not a deeprg sample file, truncated or damaged, or its
        contents are inconsistent: an attribute missing or not a number, spins that are
        not ±1 integers of shape (n, *lattice_shape) with n >= 1, energies or
        magnetisations that are not one finite number per sample or do not match the spins.
    """
    with hdf5.reading(path, hdf5.SAMPLES_FORMAT) as f:
        attrs = dict(f.attrs)
        model = make_model(
            hdf5.text_attr(attrs, "model", path),
            hdf5.number_attr(attrs, "size", path, int),
            hdf5.number_attr(attrs, "coupling", path, float),
            hdf5.number_attr(attrs, "field", path, float),
        )
        spins = hdf5.read_dataset(f, "spins", path)
        energy = hdf5.real_array(hdf5.read_dataset(f, "energy", path), path, "energy", ndim=1)
        magnetization = hdf5.real_array(
            hdf5.read_dataset(f, "magnetization", path), path, "magnetization", ndim=1
        )
        seed = hdf5.number_attr(attrs, "seed", path, int, default=-1)
        tau_energy = hdf5.number_attr(attrs, "tau_energy", path, float, np.nan, finite=False)
        tau_abs_m = hdf5.number_attr(
            attrs, "tau_abs_magnetization", path, float, np.nan, finite=False
        )
        burn_in = hdf5.number_attr(attrs, "burn_in", path, int, default=0)
        thin = hdf5.number_attr(attrs, "thin", path, int, default=1)
        n_chains = hdf5.number_attr(attrs, "n_chains", path, int, default=1)
        algorithm = hdf5.text_attr(attrs, "algorithm", path, default="unknown")
        extra = {k[len("extra_") :]: v for k, v in attrs.items() if k.startswith("extra_")}
    spins = np.asarray(spins)
    if spins.ndim != 1 + len(model.lattice_shape) or spins.shape[1:] != model.lattice_shape:
        raise InputError(
            f"{path}: spins have shape {spins.shape}, expected (n, {model.lattice_shape})"
        )
    if spins.dtype.kind != "i":
        raise InputError(
            f"{path}: spins are stored as {spins.dtype}, not as signed integers (int8); "
            "the file was not written by deeprg"
        )
    if spins.shape[0] == 0:
        raise InputError(f"{path} holds no samples; sample it again")
    if not np.all(np.abs(spins) == 1):
        raise InputError(f"{path}: spins must be ±1; the file is corrupt")
    spins = spins.astype(np.int8, copy=False)
    if energy.shape != (spins.shape[0],) or magnetization.shape != (spins.shape[0],):
        raise InputError(f"{path}: energy/magnetization do not have one value per sample")
    scale = (2.0 * abs(model.coupling) + abs(model.field)) * model.n_spins
    if not np.allclose(energy, model.energy(spins), rtol=0.0, atol=1e-9 * scale + 1e-12):
        raise InputError(f"{path}: the stored energies do not match the spins; the file is corrupt")
    if not np.allclose(magnetization, model.magnetization(spins), rtol=0.0, atol=1e-6):
        raise InputError(
            f"{path}: the stored magnetisations do not match the spins; the file is corrupt"
        )
    return SampleSet(
        model=model,
        spins=spins,
        energy=energy.astype(np.float64, copy=False),
        magnetization=magnetization.astype(np.float64, copy=False),
        algorithm=algorithm,
        seed=None if seed < 0 else seed,
        tau_energy=tau_energy,
        tau_abs_magnetization=tau_abs_m,
        burn_in=burn_in,
        thin=thin,
        n_chains=n_chains,
        extra=extra,
    )
