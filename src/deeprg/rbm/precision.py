"""Operand precision of RBM training's matrix products: float32, bfloat16, TF32 or "auto".

``RBM(matmul_dtype=...)``, ``DBN(matmul_dtype=...)`` and ``--precision fp32|bf16|tf32|auto``
choose how the large products of a CD/PCD update (mini-batch × W) are computed. Parameters,
velocities, sampling and every likelihood stay in the training dtype whatever is chosen (see
:mod:`deeprg.rbm.training`).

- ``"float32"``: plain float32 products (the library default: the same numbers on every
  machine of the same BLAS).
- ``"bfloat16"``: bfloat16 operands with float32 accumulation, about 2× faster on CPUs with
  AVX-512 BF16 or AMX and on GPUs with bfloat16 tensor cores (compute capability 8.0+).
- ``"tfloat32"``: float32 tensors with TF32 tensor-core products (10-bit mantissa, the same
  as float32's range), CUDA only.
- ``"auto"``: bfloat16 where this device runs it fast (:func:`fast_bfloat16`), the layer is
  large enough to gain (:data:`BFLOAT16_MIN_WEIGHTS`) and the training dtype is float32;
  else the training dtype's own products. Decided per layer when training starts. The
  command line's default; the choice made is recorded (``RBM.matmul_dtype_``,
  ``metrics.json``, the model file).

bfloat16 became the command line's default after its quality gate on the paper preset and on
exact likelihoods (``benchmarks/bench_paper.py``; the measurements are in the project's
``docs/precision.md``).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import torch

from ..errors import InputError

__all__ = [
    "BFLOAT16_MIN_WEIGHTS",
    "MATMUL_DTYPES",
    "fast_bfloat16",
    "resolve_matmul_dtype",
    "tf32_products",
]

#: Accepted ``matmul_dtype`` names and the operand dtype of the products (None: the training
#: dtype itself; TF32 is float32 tensors with the tensor-core mode on).
MATMUL_DTYPES = {"float32": None, "bfloat16": torch.bfloat16, "tfloat32": None, "auto": None}

#: Smallest n_visible · n_hidden for which "auto" takes bfloat16. Measured on the paper
#: preset (medians of 5 seeds, 2 cores with AVX-512 BF16, 200 epochs): the 1600→400 layer
#: (640,000 weights) trained in 124 s with bfloat16 products against 215 s in float32, the
#: 400→100 layer (40,000) in 21.0 s against 24.5 s, and the 100→25 layer (2,500) in 10.2 s
#: against 5.4 s: small products gain little or lose to the casts, so only layers well above
#: the middle one take bfloat16, and the small layers keep float32's exact rounding.
BFLOAT16_MIN_WEIGHTS = 2**17


def fast_bfloat16(device: torch.device | str = "cpu") -> str | None:
    """Why ``device`` runs bfloat16 matrix products fast (a short phrase), or None if it does not.

    CPU: AMX tiles or the AVX-512 BF16 instructions (asked from torch's own CPU feature
    probes; without them torch emulates bfloat16 products, which is slower than float32).
    CUDA: compute capability 8.0 or newer (bfloat16 tensor cores).
    """
    device = torch.device(device)
    if device.type == "cuda":
        if not torch.cuda.is_available():
            return None
        major, minor = torch.cuda.get_device_capability(device)
        if major >= 8:
            return f"CUDA compute capability {major}.{minor} (bfloat16 tensor cores)"
        return None
    if device.type != "cpu":
        return None
    for probe, phrase in (
        ("_is_amx_tile_supported", "CPU with AMX"),
        ("_is_avx512_bf16_supported", "CPU with AVX-512 BF16"),
    ):
        check = getattr(torch.cpu, probe, None)  # private probes: absent in some torch builds
        try:
            if check is not None and check():
                return phrase
        except RuntimeError:
            continue
    return None


def resolve_matmul_dtype(
    name: object,
    device: torch.device | str = "cpu",
    n_weights: int | None = None,
    dtype: torch.dtype = torch.float32,
) -> tuple[str, str]:
    """(concrete matmul_dtype name, why) for ``name`` on ``device``; InputError if unusable.

    ``why`` is a short phrase ("requested" for an explicit name, "auto: ..." with the reason
    for ``"auto"``) that training keeps (``RBM.matmul_reason_``) and the reproduction reports
    per layer, so that this function is the only place that states the rule.

    ``"auto"`` becomes ``"bfloat16"`` where :func:`fast_bfloat16` says so and the layer has
    at least :data:`BFLOAT16_MIN_WEIGHTS` weights (``n_weights`` = n_visible · n_hidden; None:
    not known yet) and the training ``dtype`` is float32, else ``"float32"`` (products in the
    training dtype: a float64 training keeps float64 products); the other names stay. Names outside
    :data:`MATMUL_DTYPES`, and ``"tfloat32"`` off CUDA, are refused with a message that names
    the fix.
    """
    if not isinstance(name, str) or name not in MATMUL_DTYPES:
        raise InputError(f"matmul_dtype must be one of {sorted(MATMUL_DTYPES)}, got {name!r}")
    if name == "tfloat32" and torch.device(device).type != "cuda":
        raise InputError(
            "matmul_dtype='tfloat32' (--precision tf32) needs a CUDA device (TF32 is a GPU "
            "tensor-core mode); use 'bfloat16' or 'float32' on the CPU"
        )
    if name != "auto":
        return name, "requested"
    if dtype != torch.float32:
        return "float32", f"auto: {str(dtype).removeprefix('torch.')} training keeps its products"
    reason = fast_bfloat16(device)
    if reason is None:
        return "float32", f"auto: no fast bfloat16 products on {torch.device(device).type}"
    if n_weights is not None and n_weights < BFLOAT16_MIN_WEIGHTS:
        return "float32", f"auto: {n_weights:,} weights, too few to gain from bfloat16"
    return "bfloat16", f"auto: {reason}"


@contextmanager
def tf32_products(enabled: bool) -> Iterator[None]:
    """Let float32 CUDA matrix products use TF32 tensor cores inside the block, then restore.

    torch keeps this switch per process (``torch.backends.cuda.matmul.allow_tf32``), so the
    block sets it and puts back the caller's value, error or not.
    """
    if not enabled:
        yield
        return
    matmul = torch.backends.cuda.matmul
    before = matmul.allow_tf32
    matmul.allow_tf32 = True
    try:
        yield
    finally:
        matmul.allow_tf32 = before
