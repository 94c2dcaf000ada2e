"""The variational-RG ↔ RBM mapping, by exact summation (Mehta & Schwab, Eqs. 5-16).

Everything here is plain float64 numpy/scipy on fully enumerated state spaces, independent
of torch and of :mod:`deeprg.rbm`'s own free-energy code, so it cross-checks that engine.
States are indexed as in :func:`deeprg.exact.enumerate_states`: row k holds the bits of k,
unit 0 the most significant bit; spin units map bit 1 -> +1 and bit 0 -> -1. An array
"over the visible states" therefore has shape (2**n_visible,), and a joint array has shape
(2**n_visible, 2**n_hidden) with [k_v, k_h] the pair of state indices.

Conventions (docs/conventions.md). The RBM energy is

    E(v, h) = -a·v - b·h - v·W·h + c,

with ``weights_`` W of shape (n_visible, n_hidden), ``visible_bias_`` a, ``hidden_bias_`` b
and an optional constant c (``energy_offset_``, 0 when absent; a constant changes no
probability but sets Z_λ). The paper writes E with plus signs, so its (b_j, w_ij, c_i) are
the negatives of our (a_i, W_ij, b_j). Marginal Hamiltonians are defined by

    p_λ(v) = e^{-H^RBM(v)} / Z_λ,   p_λ(h) = e^{-H^RBM(h)} / Z_λ      (paper Eqs. 11-12),

and the variational RG of a visible Hamiltonian H(v) with operator T(v, h) by

    e^{-H^RG(h)} = Σ_v e^{T(v,h) - H(v)}                                (paper Eq. 5).

The mapping is T(v, h) = -E(v, h) + H(v) (paper Eq. 13): then H^RG = H^RBM(h) for any
RBM, and e^{T} = p_λ(h|v) e^{H(v) - H^RBM(v)} (paper Eqs. 14-16).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from scipy.special import logsumexp

from ..errors import InputError
from ..exact import enumerate_states

__all__ = [
    "MAX_ENUMERATED_UNITS",
    "RBMParameters",
    "as_rbm_parameters",
    "conditional_identity_residual",
    "free_energy_change",
    "hidden_hamiltonian",
    "joint_energy",
    "kl_divergence",
    "lin_tegmark_energy",
    "lin_tegmark_transform",
    "log_conditional_hidden",
    "log_partition_function",
    "log_trace",
    "mapping_transform",
    "mutual_information",
    "rg_hamiltonian",
    "trace_residual",
    "visible_hamiltonian",
]

#: Largest number of units whose 2**n states are enumerated on one side of an RBM.
MAX_ENUMERATED_UNITS = 20
#: Largest n_visible + n_hidden for which a joint (2**n_visible, 2**n_hidden) array is built.
MAX_JOINT_UNITS = 24

_UNITS = ("binary", "spin")

TransformLike = np.ndarray | Callable[[np.ndarray, np.ndarray], np.ndarray] | None


def _check_units(units: object) -> str:
    if units not in _UNITS:
        raise InputError(f"units must be 'binary' or 'spin', got {units!r}")
    return str(units)


def _log_unit_sum(field: np.ndarray, units: str) -> np.ndarray:
    """ln Σ_u e^{u x} over one unit's two values: ln(1 + e^x) (binary) or ln(2 cosh x) (spin)."""
    if units == "binary":
        return np.logaddexp(0.0, field)
    return np.logaddexp(field, -field)


class RBMParameters:
    """Parameters of an RBM (and an optional energy constant), as plain float64 numpy arrays.

    Any object with numpy attributes ``weights_``, ``visible_bias_``, ``hidden_bias_`` and
    ``units`` (e.g. a fitted :class:`deeprg.rbm.RBM`) can be used wherever an RBM is expected;
    this class is the minimal such object, with the constant ``energy_offset_`` that a plain
    RBM lacks (needed to set Z_λ = Z exactly).

    Parameters
    ----------
    weights : array_like of shape (n_visible, n_hidden)
        W in E = -a·v - b·h - v·W·h + c.
    visible_bias : array_like of shape (n_visible,)
        a.
    hidden_bias : array_like of shape (n_hidden,)
        b.
    units : {"spin", "binary"}, default "spin"
        Unit values {-1, +1} or {0, 1}, for both layers.
    energy_offset : float, default 0
        The constant c.
    """

    def __init__(
        self,
        weights: Any,
        visible_bias: Any,
        hidden_bias: Any,
        units: str = "spin",
        energy_offset: float = 0.0,
    ) -> None:
        weights = np.array(weights, dtype=np.float64)
        visible_bias = np.array(visible_bias, dtype=np.float64)
        hidden_bias = np.array(hidden_bias, dtype=np.float64)
        if weights.ndim != 2 or min(weights.shape) < 1:
            raise InputError(f"weights must have shape (n_visible, n_hidden), got {weights.shape}")
        if visible_bias.shape != (weights.shape[0],):
            raise InputError(
                f"visible_bias must have shape ({weights.shape[0]},), got {visible_bias.shape}"
            )
        if hidden_bias.shape != (weights.shape[1],):
            raise InputError(
                f"hidden_bias must have shape ({weights.shape[1]},), got {hidden_bias.shape}"
            )
        for name, arr in (
            ("weights", weights),
            ("visible_bias", visible_bias),
            ("hidden_bias", hidden_bias),
        ):
            if not np.all(np.isfinite(arr)):
                raise InputError(f"{name} must be finite; the RBM has NaN or infinite parameters")
        offset = float(energy_offset)
        if not np.isfinite(offset):
            raise InputError(f"energy_offset must be finite, got {offset}")
        self.weights_ = weights
        self.visible_bias_ = visible_bias
        self.hidden_bias_ = hidden_bias
        self.units = _check_units(units)
        self.energy_offset_ = offset

    @property
    def n_visible(self) -> int:
        """Number of visible units."""
        return self.weights_.shape[0]

    @property
    def n_hidden(self) -> int:
        """Number of hidden units."""
        return self.weights_.shape[1]

    def energy(self, visible: Any, hidden: Any) -> np.ndarray:
        """E(v, h) for paired rows, arrays of shape (m, n_visible) and (m, n_hidden) -> (m,)."""
        v = np.asarray(visible, dtype=np.float64)
        h = np.asarray(hidden, dtype=np.float64)
        return (
            -v @ self.visible_bias_
            - h @ self.hidden_bias_
            - np.einsum("mi,ij,mj->m", v, self.weights_, h)
            + self.energy_offset_
        )

    def to_units(self, units: str) -> RBMParameters:
        """The same distribution in other units: E is unchanged state by state.

        With s = 2x - 1 (spin s, binary x) the energy of every state is preserved exactly,
        constant included: W_x = 4 W_s, a_x = 2 a_s - 2 W_s·1, b_x = 2 b_s - 2 W_sᵀ·1,
        c_x = c_s + Σa_s + Σb_s - ΣW_s; and the inverse going back.
        """
        units = _check_units(units)
        if units == self.units:
            return RBMParameters(
                self.weights_, self.visible_bias_, self.hidden_bias_, units, self.energy_offset_
            )
        w, a, b, c = self.weights_, self.visible_bias_, self.hidden_bias_, self.energy_offset_
        if units == "binary":  # spin -> binary
            return RBMParameters(
                4.0 * w,
                2.0 * a - 2.0 * w.sum(axis=1),
                2.0 * b - 2.0 * w.sum(axis=0),
                "binary",
                c + a.sum() + b.sum() - w.sum(),
            )
        # binary -> spin: x = (s + 1) / 2
        return RBMParameters(
            w / 4.0,
            a / 2.0 + w.sum(axis=1) / 4.0,
            b / 2.0 + w.sum(axis=0) / 4.0,
            "spin",
            c - a.sum() / 2.0 - b.sum() / 2.0 - w.sum() / 4.0,
        )

    def __repr__(self) -> str:
        return (
            f"RBMParameters(n_visible={self.n_visible}, n_hidden={self.n_hidden}, "
            f"units={self.units!r}, energy_offset={self.energy_offset_!r})"
        )


def as_rbm_parameters(rbm: Any) -> RBMParameters:
    """Read an RBM-like object into float64 :class:`RBMParameters` (copies; validates).

    Parameters
    ----------
    rbm : object
        Has ``weights_`` (n_visible, n_hidden), ``visible_bias_``, ``hidden_bias_`` and
        ``units``; ``energy_offset_`` is read when present (0 otherwise).
    """
    if isinstance(rbm, RBMParameters):
        return rbm
    missing = [
        name
        for name in ("weights_", "visible_bias_", "hidden_bias_", "units")
        if not hasattr(rbm, name)
    ]
    if missing:
        raise InputError(
            f"expected a fitted RBM (with weights_, visible_bias_, hidden_bias_, units); "
            f"{type(rbm).__name__} lacks {', '.join(missing)} - fit it or use RBMParameters"
        )

    def _numpy(value: Any) -> np.ndarray:
        if hasattr(value, "detach"):  # a torch tensor slipped through
            value = value.detach().cpu().numpy()
        return np.asarray(value, dtype=np.float64)

    return RBMParameters(
        _numpy(rbm.weights_),
        _numpy(rbm.visible_bias_),
        _numpy(rbm.hidden_bias_),
        rbm.units,
        float(getattr(rbm, "energy_offset_", 0.0)),
    )


def _check_enumerable(name: str, n_units: int) -> None:
    if n_units > MAX_ENUMERATED_UNITS:
        raise InputError(
            f"{name} has {n_units} units; exact summation enumerates at most "
            f"{MAX_ENUMERATED_UNITS} (2**{MAX_ENUMERATED_UNITS} states) - use a smaller model"
        )


def _check_joint(n_visible: int, n_hidden: int) -> None:
    _check_enumerable("the visible layer", n_visible)
    _check_enumerable("the hidden layer", n_hidden)
    if n_visible + n_hidden > MAX_JOINT_UNITS:
        raise InputError(
            f"n_visible + n_hidden = {n_visible + n_hidden} is too large for a joint "
            f"(2**n_visible, 2**n_hidden) array; keep it <= {MAX_JOINT_UNITS}"
        )


def _states_or_all(states: Any, n_units: int, units: str, name: str) -> np.ndarray:
    if states is None:
        _check_enumerable(name, n_units)
        return enumerate_states(n_units, units=units).astype(np.float64)
    arr = np.asarray(states, dtype=np.float64)
    if arr.ndim == 1:
        arr = arr[None, :]
    if arr.ndim != 2 or arr.shape[1] != n_units:
        raise InputError(f"{name} states must have shape (m, {n_units}), got {np.shape(states)}")
    allowed = (0.0, 1.0) if units == "binary" else (-1.0, 1.0)
    if not np.all(np.isin(arr, allowed)):
        raise InputError(f"{name} states must take values {allowed} for {units} units")
    return arr


def visible_hamiltonian(rbm: Any, visible: Any = None) -> np.ndarray:
    """H^RBM(v) = -ln Σ_h e^{-E(v,h)} in closed form (paper Eq. 11).

    H^RBM(v) = -a·v - Σ_j ln Σ_{h_j} e^{h_j (b_j + (vW)_j)} + c, the inner sum being
    1 + e^x (binary) or 2 cosh x (spin).

    Parameters
    ----------
    rbm : RBM-like
        See :func:`as_rbm_parameters`.
    visible : array_like of shape (m, n_visible), optional
        Visible states in the RBM's units; all 2**n_visible states in enumeration order
        when omitted.

    Returns
    -------
    numpy.ndarray of shape (m,) or (2**n_visible,), float64
    """
    p = as_rbm_parameters(rbm)
    v = _states_or_all(visible, p.n_visible, p.units, "visible")
    field = p.hidden_bias_ + v @ p.weights_
    return -v @ p.visible_bias_ - _log_unit_sum(field, p.units).sum(axis=1) + p.energy_offset_


def hidden_hamiltonian(rbm: Any, hidden: Any = None) -> np.ndarray:
    """H^RBM(h) = -ln Σ_v e^{-E(v,h)} in closed form (paper Eq. 12).

    Parameters
    ----------
    rbm : RBM-like
    hidden : array_like of shape (m, n_hidden), optional
        Hidden states in the RBM's units; all 2**n_hidden states when omitted.

    Returns
    -------
    numpy.ndarray of shape (m,) or (2**n_hidden,), float64
    """
    p = as_rbm_parameters(rbm)
    h = _states_or_all(hidden, p.n_hidden, p.units, "hidden")
    field = p.visible_bias_ + h @ p.weights_.T
    return -h @ p.hidden_bias_ - _log_unit_sum(field, p.units).sum(axis=1) + p.energy_offset_


def log_partition_function(rbm: Any) -> float:
    """ln Z_λ = ln Σ_{v,h} e^{-E(v,h)}, summing the smaller layer exactly."""
    p = as_rbm_parameters(rbm)
    if p.n_visible <= p.n_hidden:
        return float(logsumexp(-visible_hamiltonian(p)))
    return float(logsumexp(-hidden_hamiltonian(p)))


def joint_energy(rbm: Any) -> np.ndarray:
    """E(v, h) over all pairs of states, array of shape (2**n_visible, 2**n_hidden)."""
    p = as_rbm_parameters(rbm)
    _check_joint(p.n_visible, p.n_hidden)
    v = enumerate_states(p.n_visible, units=p.units).astype(np.float64)
    h = enumerate_states(p.n_hidden, units=p.units).astype(np.float64)
    return (
        -(v @ p.visible_bias_)[:, None]
        - (h @ p.hidden_bias_)[None, :]
        - v @ p.weights_ @ h.T
        + p.energy_offset_
    )


def log_conditional_hidden(rbm: Any) -> np.ndarray:
    """ln p_λ(h|v) from the factorised conditionals, array (2**n_visible, 2**n_hidden).

    ln p(h|v) = Σ_j [h_j x_j - ln Σ_{u} e^{u x_j}], x = b + vW: computed without E or Z_λ.
    """
    p = as_rbm_parameters(rbm)
    _check_joint(p.n_visible, p.n_hidden)
    v = enumerate_states(p.n_visible, units=p.units).astype(np.float64)
    h = enumerate_states(p.n_hidden, units=p.units).astype(np.float64)
    field = p.hidden_bias_ + v @ p.weights_
    return field @ h.T - _log_unit_sum(field, p.units).sum(axis=1)[:, None]


def _check_visible_energy(visible_energy: Any, n_visible: int | None = None) -> np.ndarray:
    energy = np.asarray(visible_energy, dtype=np.float64)
    if energy.ndim != 1 or energy.size < 2 or energy.size & (energy.size - 1):
        raise InputError(
            "visible_energy must be H(v) over enumerate_states(n_visible): an array of shape "
            f"(2**n_visible,), got shape {np.shape(visible_energy)}"
        )
    if n_visible is not None and energy.size != 2**n_visible:
        raise InputError(
            f"visible_energy has {energy.size} entries but the RBM has {n_visible} visible "
            f"units; pass H(v) over all 2**{n_visible} = {2**n_visible} visible states"
        )
    if not np.all(np.isfinite(energy)):
        raise InputError("visible_energy must be finite for every visible state")
    return energy


def mapping_transform(rbm: Any, visible_energy: Any) -> np.ndarray:
    """The paper's operator T(v, h) = -E(v, h) + H(v) (Eq. 13), array (2**n_v, 2**n_h)."""
    p = as_rbm_parameters(rbm)
    energy = _check_visible_energy(visible_energy, p.n_visible)
    return -joint_energy(p) + energy[:, None]


def _resolve_transform(
    rbm: Any, visible_energy: Any, transform: TransformLike
) -> tuple[np.ndarray, np.ndarray]:
    """Return (H(v), T) with T an array (2**n_visible, 2**n_hidden)."""
    if transform is None:
        if rbm is None:
            raise InputError("pass an RBM, or an explicit transform T(v, h)")
        p = as_rbm_parameters(rbm)
        energy = _check_visible_energy(visible_energy, p.n_visible)
        return energy, mapping_transform(p, energy)
    if callable(transform):
        if rbm is None:
            raise InputError(
                "a callable transform needs the RBM (for n_hidden and units); pass rbm, or "
                "pass T as an array of shape (2**n_visible, 2**n_hidden)"
            )
        p = as_rbm_parameters(rbm)
        _check_joint(p.n_visible, p.n_hidden)
        energy = _check_visible_energy(visible_energy, p.n_visible)
        v = enumerate_states(p.n_visible, units=p.units).astype(np.float64)
        h = enumerate_states(p.n_hidden, units=p.units).astype(np.float64)
        values = np.asarray(transform(v, h), dtype=np.float64)
        expected = (v.shape[0], h.shape[0])
        if values.shape != expected:
            raise InputError(
                f"the transform callable must return an array of shape {expected} "
                f"(T[v_index, h_index]), got {values.shape}"
            )
    else:
        values = np.asarray(transform, dtype=np.float64)
        n_visible = None if rbm is None else as_rbm_parameters(rbm).n_visible
        energy = _check_visible_energy(visible_energy, n_visible)
        n_rows = values.shape[0] if values.ndim == 2 else -1
        n_cols = values.shape[1] if values.ndim == 2 else 0
        if n_rows != energy.size or n_cols < 2 or n_cols & (n_cols - 1):
            raise InputError(
                f"transform must have shape ({energy.size}, 2**n_hidden) to match "
                f"visible_energy, got {values.shape}"
            )
        if rbm is not None and n_cols != 2 ** as_rbm_parameters(rbm).n_hidden:
            raise InputError(
                f"transform has {n_cols} columns but the RBM has "
                f"2**{as_rbm_parameters(rbm).n_hidden} hidden states"
            )
    if np.any(np.isnan(values)) or np.any(values == np.inf):
        raise InputError(
            "transform T(v, h) must be finite or -inf (a hard zero of e^T), not NaN/+inf"
        )
    return energy, values


def rg_hamiltonian(rbm: Any, visible_energy: Any, transform: TransformLike = None) -> np.ndarray:
    """H^RG(h) = -ln Σ_v e^{T(v,h) - H(v)}, by explicit summation over v (paper Eq. 5).

    Parameters
    ----------
    rbm : RBM-like or None
        Supplies T = -E + H when ``transform`` is None; may be None for an array transform.
    visible_energy : array_like of shape (2**n_visible,)
        H(v) over :func:`deeprg.exact.enumerate_states` (n_visible, units of the RBM).
    transform : array of shape (2**n_visible, 2**n_hidden), callable or None
        A general operator T[v_index, h_index] (entries may be -inf), or ``T(v, h)`` called
        with all states, arrays of shape (2**n_visible, n_visible) and (2**n_hidden, n_hidden)
        in the RBM's units, returning that array. None: the mapping T = -E + H.

    Returns
    -------
    numpy.ndarray of shape (2**n_hidden,), float64
    """
    energy, t = _resolve_transform(rbm, visible_energy, transform)
    return -logsumexp(t - energy[:, None], axis=0)


def log_trace(rbm: Any, visible_energy: Any, transform: TransformLike = None) -> np.ndarray:
    """ln Σ_h e^{T(v,h)} for every visible state, array of shape (2**n_visible,).

    Zero for every v is the condition for an exact RG transformation (paper Eq. 7). For the
    mapping T = -E + H it equals H(v) - H^RBM(v) (paper Eq. 16).
    """
    _, t = _resolve_transform(rbm, visible_energy, transform)
    return logsumexp(t, axis=1)


def trace_residual(rbm: Any, visible_energy: Any, transform: TransformLike = None) -> float:
    """max_v |ln Σ_h e^{T(v,h)}|: 0 exactly when the RG transformation is exact (Eq. 7)."""
    return float(np.max(np.abs(log_trace(rbm, visible_energy, transform))))


def free_energy_change(rbm: Any, visible_energy: Any, transform: TransformLike = None) -> float:
    """ΔF = F^h - F^v with F^v = -ln Σ_v e^{-H(v)}, F^h = -ln Σ_h e^{-H^RG(h)} (Eq. 8).

    For the mapping T = -E + H this is ln Z - ln Z_λ. Tr_h e^T = 1 implies ΔF = 0, but not
    conversely (the paper's "iff" is a typo): ΔF = 0 only fixes one overall normalisation.
    """
    energy, t = _resolve_transform(rbm, visible_energy, transform)
    coarse = rg_hamiltonian(None, energy, t)
    return float(-logsumexp(-coarse) + logsumexp(-energy))


def kl_divergence(rbm: Any, visible_energy: Any) -> float:
    """KL(P ‖ p_λ) = Σ_v P(v) ln[P(v) / p_λ(v)], P = e^{-H}/Z, p_λ = e^{-H^RBM(v)}/Z_λ."""
    p = as_rbm_parameters(rbm)
    energy = _check_visible_energy(visible_energy, p.n_visible)
    log_p = -energy - logsumexp(-energy)
    model = -visible_hamiltonian(p)
    log_model = model - logsumexp(model)
    return float(np.sum(np.exp(log_p) * (log_p - log_model)))


def mutual_information(
    rbm: Any,
    visible_energy: Any,
    transform: TransformLike = None,
    normalization: str = "conditional",
) -> float:
    """Mutual information I(v; h) in nats under the joint that P and T define.

    Two joints are available (they coincide when Tr_h e^T = 1 for every v):

    - ``"conditional"`` (default): q(v, h) = P(v) e^{T(v,h)} / Σ_h' e^{T(v,h')}, i.e. the
      data distribution P = e^{-H}/Z pushed through the kernel T normalised per v. For
      T = -E + H the kernel is p_λ(h|v), so this is the information the hidden layer of the
      RBM carries about data drawn from P.
    - ``"joint"``: q(v, h) ∝ e^{T(v,h) - H(v)}, normalised over all pairs; for T = -E + H
      this is the RBM's own joint p_λ(v, h).

    Parameters
    ----------
    rbm, visible_energy, transform
        As in :func:`rg_hamiltonian`.
    normalization : {"conditional", "joint"}

    Returns
    -------
    float
        I = Σ q(v,h) ln[q(v,h) / (q(v) q(h))] >= 0 (to rounding).
    """
    energy, t = _resolve_transform(rbm, visible_energy, transform)
    if normalization == "conditional":
        row = logsumexp(t, axis=1)
        if np.any(np.isneginf(row)):
            raise InputError("T(v, h) = -inf for every h at some v; the conditional is undefined")
        log_p = -energy - logsumexp(-energy)
        log_q = log_p[:, None] + t - row[:, None]
    elif normalization == "joint":
        log_w = t - energy[:, None]
        log_q = log_w - logsumexp(log_w)
    else:
        raise InputError(f"normalization must be 'conditional' or 'joint', got {normalization!r}")
    log_qv = logsumexp(log_q, axis=1)
    log_qh = logsumexp(log_q, axis=0)
    q = np.exp(log_q)
    support = q > 0
    terms = np.where(support, log_q - log_qv[:, None] - log_qh[None, :], 0.0)
    return float(np.sum(q * terms))


def conditional_identity_residual(rbm: Any, visible_energy: Any) -> float:
    """max |T(v,h) - [ln p_λ(h|v) + H(v) - H^RBM(v)]| over all (v, h) (paper Eq. 15).

    T is built from E (Eq. 13); the right side from the factorised conditional and the
    closed-form H^RBM(v), so the two are computed independently.
    """
    p = as_rbm_parameters(rbm)
    energy = _check_visible_energy(visible_energy, p.n_visible)
    t = mapping_transform(p, energy)
    rhs = log_conditional_hidden(p) + (energy - visible_hamiltonian(p))[:, None]
    return float(np.max(np.abs(t - rhs)))


def _check_hidden_energy(hidden_energy: Any) -> np.ndarray:
    values = np.asarray(hidden_energy, dtype=np.float64)
    if values.ndim != 1 or values.size < 2 or values.size & (values.size - 1):
        raise InputError(
            f"hidden_energy must be H'(h) over all 2**n_hidden states, got shape {values.shape}"
        )
    if not np.all(np.isfinite(values)):
        raise InputError("hidden_energy must be finite")
    return values


def lin_tegmark_energy(visible_energy: Any, hidden_energy: Any) -> np.ndarray:
    """The decoupled energy E(v, h) = H(v) + H'(h) + ln Z' of Lin, Tegmark & Rolnick.

    Z' = Σ_h e^{-H'(h)}. E couples visible units to each other through H(v), so it is a
    general Boltzmann machine, not an RBM; it is returned as an array.

    Parameters
    ----------
    visible_energy : array_like of shape (2**n_visible,)
        H(v).
    hidden_energy : array_like of shape (2**n_hidden,)
        Any H'(h).

    Returns
    -------
    numpy.ndarray of shape (2**n_visible, 2**n_hidden)
    """
    energy = _check_visible_energy(visible_energy)
    hidden = _check_hidden_energy(hidden_energy)
    return energy[:, None] + hidden[None, :] + logsumexp(-hidden)


def lin_tegmark_transform(visible_energy: Any, hidden_energy: Any) -> np.ndarray:
    """T = -E + H for the decoupled energy: T(v, h) = -H'(h) - ln Z' (independent of v).

    Σ_h e^T = 1 for every v (an exact RG transformation) although h carries no information
    about v: the mutual information is 0 and H^RG(h) = H'(h) + ln Z' - ln Z.

    Returns
    -------
    numpy.ndarray of shape (2**n_visible, 2**n_hidden)
    """
    energy = _check_visible_energy(visible_energy)
    return -lin_tegmark_energy(energy, hidden_energy) + energy[:, None]
