"""deeprg's files in one import: samples, models, named arrays; atomic and checksummed.

This module gathers the public functions of the modules that own each concept, so that
``deeprg.io.<name>`` keeps working for every caller:

- :mod:`deeprg.atomic`: :func:`atomic_write` (every file appears complete or not at all)
  and :func:`os_error_reason`;
- :mod:`deeprg.hdf5`: checksummed HDF5 writing (:func:`save_arrays` for any named arrays
  with attributes) and the validated reading every deeprg file goes through;
- :mod:`deeprg.sample_files`: :func:`save_samples` / :func:`load_samples` (the sample file of
  docs/file-formats.md);
- :mod:`deeprg.model_files`: :func:`save_model`, :func:`load_layers`, :func:`load_model`,
  :func:`save_conv_layers`, :func:`load_conv_layers` and :func:`load_cached_rbm` (the model
  file).

Every HDF5 file deeprg writes goes through these functions: HDF5 1.10's format
(:data:`LIBVER`), whose metadata carries checksums, with a Fletcher-32 checksum on every
chunk of every non-empty dataset, so that a file damaged later is refused with one line
instead of being read wrongly. The readers validate everything they read and raise
:class:`~deeprg.errors.InputError`.
"""

from __future__ import annotations

# ``tempfile`` is looked up here by the fault-injection tests (they replace
# ``io.tempfile.mkstemp``, the function atomic_write calls); it is the same module object.
import tempfile  # noqa: F401

from .atomic import atomic_write, os_error_reason
from .hdf5 import FORMAT_VERSION, LIBVER, MODEL_FORMAT, SAMPLES_FORMAT, save_arrays
from .model_files import (
    load_cached_rbm,
    load_conv_layers,
    load_layers,
    load_model,
    save_conv_layers,
    save_model,
)
from .sample_files import load_samples, save_samples

__all__ = [
    "FORMAT_VERSION",
    "LIBVER",
    "MODEL_FORMAT",
    "SAMPLES_FORMAT",
    "atomic_write",
    "load_cached_rbm",
    "load_conv_layers",
    "load_layers",
    "load_model",
    "load_samples",
    "os_error_reason",
    "save_arrays",
    "save_conv_layers",
    "save_model",
    "save_samples",
]
