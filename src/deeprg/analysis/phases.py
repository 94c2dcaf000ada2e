"""Which phase a finite periodic L x L Ising sample is in, and what its ξ reference is.

The correlation length of the data, and of a network's hidden layers, is only comparable
with Onsager's infinite-lattice ξ_∞ where the lattice is much larger than ξ_∞. Three
regimes (:func:`classify_phase`):

- ``"disordered"`` (J < J_c, ξ_∞ <= L/4): the connected correlation decays as one
  particle, e^{-r/ξ} with 1/ξ = 2 (K* - K); exact reference: Onsager's ξ_∞;
- ``"ordered"`` (J > J_c, ξ_∞ <= L/4): the symmetry is broken in each configuration
  (L ≫ ξ, tunnelling between the two signs is suppressed by e^{-L/ξ}); the reference is
  the decay of the connected correlation of the broken-symmetry state,
  1/ξ = 4 (K - K*), measured on configurations aligned to a positive magnetisation
  (``align=True`` in :mod:`.correlations`);
- ``"critical"`` (ξ_∞ > L/4, a window around J_c, J_c itself included): finite-size
  regime, ξ_∞ (9465 at J = 0.4407) exceeds what the lattice can hold; the reference is
  the data's own finite-size ξ (the second-moment ξ_2nd of the same samples; exactly at
  J_c it tends to :data:`TORUS_CRITICAL_XI_OVER_L` x L for L → ∞).

Antiferromagnets (J < 0) on an even periodic lattice map exactly onto J > 0 by flipping
one sublattice, s_x → (-1)^{x_1 + x_2} s_x (:func:`stagger`): they are classified by |J|,
and their order is the staggered magnetisation, so stagger the spins before measuring
correlations. Odd L with J < 0 is frustrated (no such map) and is refused.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np

from ..constants import J_CRITICAL
from ..errors import InputError, check_finite, check_int
from ..exact import onsager
from ._common import as_spin_batch

__all__ = [
    "FINITE_SIZE_FRACTION",
    "PHASES",
    "TORUS_CRITICAL_XI_OVER_L",
    "CorrelationReference",
    "PhaseInfo",
    "classify_phase",
    "reference_correlation_length",
    "stagger",
]

#: The three regimes, in order of increasing coupling.
PHASES = ("disordered", "critical", "ordered")

#: ξ_∞ above this fraction of L is the finite-size ("critical") regime.
FINITE_SIZE_FRACTION = 0.25

#: lim_{L→∞} ξ_2nd(L)/L of the 2D Ising model at J_c on the symmetric L x L torus, with
#: ξ_2nd = sqrt(χ/F - 1) / (2 sin(π/L)) (J. Salas & A. D. Sokal, J. Stat. Phys. 98, 551
#: (2000), cond-mat/9904038: x* = 0.9050488292(4), from conformal field theory). Wolff
#: samples at J = 0.4407 give 0.90 ± 0.01 at L = 16, 24 and 32 (tests of this module).
TORUS_CRITICAL_XI_OVER_L = 0.9050488292

_EXACT_SOURCE = "exact infinite-lattice ξ (Onsager)"


@dataclass(frozen=True)
class PhaseInfo:
    """The regime of a periodic L x L Ising sample at coupling J.

    Attributes
    ----------
    phase : str
        ``"disordered"``, ``"critical"`` or ``"ordered"`` (see the module docstring).
    coupling : float
        J as given (either sign).
    size : int
        L.
    xi_infinite : float
        Onsager's exponential ξ along an axis of the infinite lattice at |J| (inf at J_c,
        0 at J = 0), in lattice spacings.
    staggered : bool
        True for J < 0: the order is the staggered magnetisation; apply :func:`stagger`
        to the spins before the correlation estimators.
    reason : str
        One line saying why this phase was chosen.
    reference_source : str
        What the ξ reference of this sample is, e.g. ``"exact infinite-lattice ξ
        (Onsager)"`` or ``"data's own finite-size ξ at L=24 (ξ_∞ = 9465 > L/4 = 6)"``.
    """

    phase: str
    coupling: float
    size: int
    xi_infinite: float
    staggered: bool
    reason: str
    reference_source: str

    @property
    def align(self) -> bool:
        """Whether the correlation estimators should align each configuration (ordered)."""
        return self.phase == "ordered"

    @property
    def reference_is_exact(self) -> bool:
        """True where Onsager's ξ_∞ is the reference (disordered and ordered phases)."""
        return self.phase != "critical"

    def as_dict(self) -> dict:
        """Plain values (for ``metrics.json``)."""
        return {**asdict(self), "align": self.align}


def classify_phase(
    size: int, coupling: float, max_fraction: float = FINITE_SIZE_FRACTION
) -> PhaseInfo:
    """Classify a periodic L x L Ising sample as disordered, critical or ordered.

    Rule: if Onsager's ξ_∞(|J|) > ``max_fraction`` x L (equivalently, J lies in the
    window around J_c where that holds, J_c included), the sample is in the finite-size
    ("critical") regime and its ξ reference is the data's own finite-size ξ; otherwise
    it is "disordered" for |J| < J_c and "ordered" for |J| > J_c, with Onsager's ξ_∞ as
    the exact reference. The window is asymmetric: the ordered-phase ξ_∞ is half the
    disordered one at equal |K - K_c| to first order (ξ_+/ξ_- = 2).

    Parameters
    ----------
    size : int
        L >= 2.
    coupling : float
        J (β absorbed). J < 0 (antiferromagnet) is classified by |J| with ``staggered``
        set; it needs an even L.
    max_fraction : float, default 0.25
        ξ_∞ / L above which the sample counts as critical.

    Returns
    -------
    PhaseInfo

    Examples
    --------
    >>> classify_phase(24, 0.5).phase, classify_phase(24, 0.4407).phase
    ('ordered', 'critical')
    """
    size = check_int("size", size, minimum=2)
    coupling = check_finite("coupling", coupling)
    max_fraction = check_finite("max_fraction", max_fraction)
    if max_fraction <= 0:
        raise InputError(f"max_fraction must be positive, got {max_fraction}; e.g. pass 0.25")
    staggered = coupling < 0
    if staggered and size % 2:
        raise InputError(
            f"J = {coupling} < 0 on an odd {size}x{size} torus is frustrated (no "
            "sublattice map to J > 0); use an even size"
        )
    magnitude = abs(coupling)
    xi = float(onsager(magnitude).correlation_length)
    window = max_fraction * size
    side = "disordered" if magnitude < J_CRITICAL else "ordered"
    af = " (antiferromagnet: staggered order, classified by |J|)" if staggered else ""
    if xi > window:
        phase = "critical"
        reason = (
            f"ξ_∞ = {_fmt(xi)} > {max_fraction:g} L = {window:g} at |J| = {magnitude:g} "
            f"(J_c = {J_CRITICAL:.6f}): finite-size regime{af}"
        )
        bound = (
            f"L/4 = {window:g}"
            if max_fraction == FINITE_SIZE_FRACTION
            else f"{max_fraction:g} L = {window:g}"
        )
        source = f"data's own finite-size ξ at L={size} (ξ_∞ = {_fmt(xi)} > {bound})"
    else:
        phase = side
        relation = "<" if side == "disordered" else ">"
        reason = (
            f"|J| = {magnitude:g} {relation} J_c = {J_CRITICAL:.6f} and ξ_∞ = {_fmt(xi)} "
            f"<= {max_fraction:g} L = {window:g}{af}"
        )
        source = _EXACT_SOURCE
        if side == "ordered":
            source += ", decay of the connected correlation of the aligned (broken-symmetry) state"
    return PhaseInfo(phase, coupling, size, xi, staggered, reason, source)


def _fmt(value: float) -> str:
    return "inf" if math.isinf(value) else f"{value:.4g}"


@dataclass(frozen=True)
class CorrelationReference:
    """The value a measured correlation length is compared with.

    Attributes
    ----------
    value : float
        Reference ξ in lattice spacings.
    stderr : float
        0 for an exact reference; the data's standard error for a data reference.
    source : str
        Where the value comes from (one line, for reports).
    exact : bool
        True for Onsager's ξ_∞, False for the data's own ξ.
    """

    value: float
    stderr: float
    source: str
    exact: bool

    def as_dict(self) -> dict:
        """Plain values (for ``metrics.json``)."""
        return asdict(self)


def reference_correlation_length(
    phase: PhaseInfo,
    estimator: str = "exponential",
    data_xi: float | None = None,
    data_xi_stderr: float = float("nan"),
) -> CorrelationReference:
    """The reference ξ for a correlation length measured on samples in ``phase``.

    - disordered: Onsager's ξ_∞ (exact) for both estimators (ξ_2nd is 1.6 % below it at
      J = 0.30 and agrees at 0.408 within 0.6 %);
    - ordered: Onsager's ξ_∞ for ``estimator="exponential"`` (exact; aligned data); for
      ``"second_moment"`` the data's own aligned ξ_2nd (ξ_2nd ≈ 0.63 ξ_exp here, so
      Onsager's ξ is no reference);
    - critical: the data's own finite-size ξ for both.

    Parameters
    ----------
    phase : PhaseInfo
        From :func:`classify_phase`.
    estimator : {"exponential", "second_moment"}
        Which kind of ξ will be compared: the exponential decay length
        (:func:`exponential_correlation_length`) or a second-moment length
        (:func:`correlation_length`, :func:`representation_correlation_length`).
    data_xi, data_xi_stderr : float, optional
        The data's own ξ (second-moment, aligned in the ordered phase) and its error;
        required where the table says "data".

    Returns
    -------
    CorrelationReference
    """
    if not isinstance(phase, PhaseInfo):
        raise InputError("phase must be a PhaseInfo; pass classify_phase(size, coupling)")
    if estimator not in ("exponential", "second_moment"):
        raise InputError(f"estimator must be 'exponential' or 'second_moment', got {estimator!r}")
    needs_data = phase.phase == "critical" or (
        phase.phase == "ordered" and estimator == "second_moment"
    )
    if not needs_data:
        source = phase.reference_source
        if estimator == "second_moment":
            source += "; ξ_2nd differs from it by lattice corrections (-1.6 % at ξ = 1.6)"
        return CorrelationReference(phase.xi_infinite, 0.0, source, True)
    if data_xi is None:
        raise InputError(
            f"the {phase.phase} phase needs the data's own ξ as reference; pass "
            "data_xi=correlation_length(spins, align=phase.align).xi"
        )
    value = float(data_xi)
    if phase.phase == "critical":
        source = phase.reference_source
    else:
        source = (
            f"data's own aligned second-moment ξ at L={phase.size} (ordered phase: "
            f"ξ_2nd ≈ 0.63 ξ_exp, Onsager ξ_exp = {phase.xi_infinite:.4g})"
        )
    return CorrelationReference(value, float(data_xi_stderr), source, False)


def stagger(spins: object) -> np.ndarray:
    """Flip one sublattice: s_x → (-1)^{x_1 + x_2} s_x (maps J < 0 onto J > 0).

    Parameters
    ----------
    spins : array_like of shape (n_samples, L, L) or (n_samples, N)
        Periodic ±1 configurations with even L (N).

    Returns
    -------
    numpy.ndarray of the same shape and dtype
    """
    arr = as_spin_batch(spins)
    lattice = arr.shape[1:]
    if any(size % 2 for size in lattice):
        raise InputError(
            f"stagger needs even periodic sizes (odd ones are frustrated), got {lattice}"
        )
    grids = np.meshgrid(*[np.arange(size) for size in lattice], indexing="ij")
    sign = np.where(sum(grids) % 2 == 0, 1, -1).astype(arr.dtype)
    return arr * sign
