"""The exactness table behind ``deeprg rg check``: every statement, measured.

:func:`run_checks` returns a JSON-ready dict; each section is also a function of its own:

- :func:`check_mapping` — for an arbitrary RBM and H(v): H^RG = H^RBM(h) (paper Eq. 14),
  e^T = p(h|v) e^{H - H^RBM(v)} (Eq. 15), ΔF = ln Z - ln Z_λ, and a nonzero trace residual;
- :func:`check_exact_rbm` — an RBM that reproduces P exactly (the chain between its
  sublattices) has trace residual 0; without the constant that sets Z_λ = Z the residual is
  the constant |ln(Z_λ/Z)| with KL = 0; a perturbed RBM has residual > 0 and KL > 0;
- :func:`check_lin_tegmark` — the decoupled construction satisfies the trace condition with
  zero mutual information;
- :func:`check_decimation` — the decimation network's layer marginals against brute-force
  summation of the original chain, tanh J' = tanh² J, and free-energy bookkeeping.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy.special import logsumexp

from .._random import SeedLike, as_generator
from ..errors import InputError, check_finite, check_int
from .couplings import effective_couplings, ring_couplings
from .decimation import (
    chain_energies,
    chain_rbm,
    chain_sublattice_indices,
    decimation_coupling,
    decimation_network,
    decimation_transform,
    layer_marginal_hamiltonian,
)
from .mapping import (
    RBMParameters,
    conditional_identity_residual,
    free_energy_change,
    hidden_hamiltonian,
    joint_energy,
    kl_divergence,
    lin_tegmark_transform,
    log_partition_function,
    log_trace,
    mutual_information,
    rg_hamiltonian,
    trace_residual,
    visible_hamiltonian,
)

__all__ = [
    "check_decimation",
    "check_exact_rbm",
    "check_lin_tegmark",
    "check_mapping",
    "random_rbm",
    "run_checks",
]

#: Tolerance for identities that hold to machine precision.
EXACT_TOLERANCE = 1e-10
#: A quantity claimed to be nonzero must exceed this.
NONZERO_THRESHOLD = 1e-3
#: Largest chain for which the hard decimation kernel (2**N x 2**(N/2) array) is built.
MAX_KERNEL_SPINS = 12


def random_rbm(
    n_visible: int, n_hidden: int, units: str = "spin", scale: float = 0.5, seed: SeedLike = None
) -> RBMParameters:
    """An RBM with independent N(0, scale²) weights and biases (and a random offset)."""
    rng = as_generator(seed)
    return RBMParameters(
        rng.normal(0.0, scale, (n_visible, n_hidden)),
        rng.normal(0.0, scale, n_visible),
        rng.normal(0.0, scale, n_hidden),
        units,
        float(rng.normal()),
    )


def check_mapping(rbm: Any, visible_energy: Any) -> dict:
    """Measure the mapping identities for one RBM and one visible Hamiltonian H(v).

    Returns
    -------
    dict
        ``rg_minus_rbm_hidden`` max_h |H^RG(h) - H^RBM(h)|; ``conditional_identity``
        max |T - ln p(h|v) - H + H^RBM(v)|; ``free_energy_change`` ΔF;
        ``free_energy_identity`` |ΔF - (ln Z - ln Z_λ)|; ``trace_residual``;
        ``trace_identity`` max_v |ln Σ_h e^T - (H - H^RBM(v))|; ``kl``;
        ``mutual_information`` (conditional joint, nats).
    """
    energy = np.asarray(visible_energy, dtype=np.float64)
    log_z = float(logsumexp(-energy))
    delta_f = free_energy_change(rbm, energy)
    return {
        "rg_minus_rbm_hidden": float(
            np.max(np.abs(rg_hamiltonian(rbm, energy) - hidden_hamiltonian(rbm)))
        ),
        "conditional_identity": conditional_identity_residual(rbm, energy),
        "free_energy_change": delta_f,
        "free_energy_identity": abs(delta_f - (log_z - log_partition_function(rbm))),
        "trace_residual": trace_residual(rbm, energy),
        "trace_identity": float(
            np.max(np.abs(log_trace(rbm, energy) - (energy - visible_hamiltonian(rbm))))
        ),
        "kl": kl_divergence(rbm, energy),
        "mutual_information": mutual_information(rbm, energy),
    }


def check_exact_rbm(
    n_spins: int, coupling: float, units: str = "spin", perturbation: float = 0.2
) -> dict:
    """The trace condition for an RBM that reproduces P exactly, and its negative controls.

    P is the chain of N/2 spins at J' = ½ ln cosh 2J; the RBM is :func:`chain_rbm` (N, J):
    the N-chain between its odd (visible) and even (hidden) sites, whose visible marginal
    is P exactly.

    Returns
    -------
    dict
        ``trace_residual``, ``kl``, ``free_energy_change`` (all ~0) with Z_λ = Z;
        ``unnormalized_trace_residual`` (c = 0) and ``unnormalized_expected`` = |ln(Z_λ/Z)|,
        ``unnormalized_trace_spread`` (max - min over v of ln Σ_h e^T, ~0: a constant),
        ``unnormalized_kl`` (~0); ``perturbed_trace_residual`` and ``perturbed_kl`` (> 0)
        with ``perturbation`` δ added to every chain bond's spin-unit weight and to every
        visible bias (a field, so that KL > 0 even where symmetry hides a weight change),
        then converted to ``units``; ``mutual_information`` of the exact
        RBM (> 0: its hidden units do carry information, unlike Lin–Tegmark's).
    """
    n = check_int("n_spins", n_spins, minimum=2)
    j = check_finite("coupling", coupling)
    exact = chain_rbm(n, j, units=units)
    target = chain_energies(n // 2, decimation_coupling(j))
    bare = chain_rbm(n, j, units=units, match_partition_function=False)
    bare_trace = log_trace(bare, target)
    spin = chain_rbm(n, j)
    bonds = chain_rbm(n, 1.0).weights_  # 1 on each bond (2 for the double bond of N = 2)
    perturbed = RBMParameters(
        spin.weights_ + perturbation * bonds,
        spin.visible_bias_ + perturbation,
        spin.hidden_bias_,
        "spin",
        spin.energy_offset_,
    ).to_units(units)
    return {
        "trace_residual": trace_residual(exact, target),
        "kl": kl_divergence(exact, target),
        "free_energy_change": free_energy_change(exact, target),
        "unnormalized_trace_residual": float(np.max(np.abs(bare_trace))),
        "unnormalized_expected": abs(log_partition_function(bare) - float(logsumexp(-target))),
        "unnormalized_trace_spread": float(np.ptp(bare_trace)),
        "unnormalized_kl": kl_divergence(bare, target),
        "perturbed_trace_residual": trace_residual(perturbed, target),
        "perturbed_kl": kl_divergence(perturbed, target),
        "mutual_information": mutual_information(exact, target),
    }


def check_lin_tegmark(visible_energy: Any, hidden_energy: Any) -> dict:
    """The decoupled E = H(v) + H'(h) + ln Z': exact trace condition, zero information.

    Returns
    -------
    dict
        ``trace_residual`` (~0), ``mutual_information`` (~0) for both normalisations,
        ``rg_hamiltonian_residual`` max_h |H^RG(h) - (H'(h) + ln Z' - ln Z)|,
        ``free_energy_change`` (~0).
    """
    energy = np.asarray(visible_energy, dtype=np.float64)
    hidden = np.asarray(hidden_energy, dtype=np.float64)
    t = lin_tegmark_transform(energy, hidden)
    expected = hidden + logsumexp(-hidden) - logsumexp(-energy)
    return {
        "trace_residual": trace_residual(None, energy, t),
        "mutual_information": mutual_information(None, energy, t),
        "mutual_information_joint": mutual_information(None, energy, t, normalization="joint"),
        "rg_hamiltonian_residual": float(
            np.max(np.abs(rg_hamiltonian(None, energy, t) - expected))
        ),
        "free_energy_change": free_energy_change(None, energy, t),
    }


def _measured_coupling(hamiltonian: np.ndarray) -> tuple[float, float, float]:
    """(nearest-neighbour J, max |non-nearest pair J|, max |higher-order term|) of a ring."""
    if hamiltonian.size == 2:  # one spin: no coupling to measure
        return float("nan"), 0.0, 0.0
    found = effective_couplings(hamiltonian)
    ring = ring_couplings(found["pair_couplings"])
    far = max(ring["beyond_nearest_max"], float(np.max(np.abs(found["fields"]))))
    return ring["nearest_mean"], far, found["higher_order_max"]


def check_decimation(n_spins: int, coupling: float, units: str = "spin") -> dict:
    """The decimation network against brute-force summation of the original chain.

    For every layer n: the marginal of the sites k·2^n of the N-chain (summed by
    :func:`layer_marginal_hamiltonian`) against the chain of N_n spins at J^(n) minus the
    accumulated constants; the couplings read off that marginal (Walsh transform); for every
    RBM n: its joint against chain n, its closed-form hidden marginal against chain n+1, and
    (N_n <= 12) the hard decimation kernel through :func:`rg_hamiltonian`.

    Returns
    -------
    dict
        ``couplings``, ``layer_sizes``, ``layers`` (one dict per layer),
        ``log_partition_bookkeeping`` |ln Z_N - (Σ constants + ln Z_last)|,
        ``tanh_recursion`` max_n |tanh J^(n+1) - tanh² J^(n)|, ``max_marginal_residual``,
        ``max_rbm_residual``, and the negative control ``wrong_coupling_marginal_residual``
        (the layer-1 check with J' + 0.01, which must fail).
    """
    network = decimation_network(n_spins, coupling, units=units)
    couplings = network.couplings
    log_z = float(logsumexp(-chain_energies(network.n_spins, couplings[0])))
    layers = []
    for n, size in enumerate(network.layer_sizes):
        accumulated = float(np.sum(network.log_constants[:n]))
        marginal = layer_marginal_hamiltonian(network.n_spins, couplings[0], n)
        expected = chain_energies(size, couplings[n]) - accumulated
        measured, far, higher = _measured_coupling(marginal)
        row = {
            "layer": n,
            "n_spins": size,
            "coupling": float(couplings[n]),
            "measured_coupling": measured,
            "measured_coupling_error": abs(measured - couplings[n]) if size > 1 else 0.0,
            "measured_other_terms_max": max(far, higher),
            "marginal_residual": float(np.max(np.abs(marginal - expected))),
        }
        if n < network.n_steps:
            rbm = network.rbms[n]
            visible_index, hidden_index = chain_sublattice_indices(size)
            joint = joint_energy(rbm)[visible_index, hidden_index]
            chain = chain_energies(size, couplings[n]) + network.log_constants[n]
            coarse = chain_energies(size // 2, couplings[n + 1])
            row["rbm_joint_residual"] = float(np.max(np.abs(joint - chain)))
            row["rbm_hidden_residual"] = float(np.max(np.abs(hidden_hamiltonian(rbm) - coarse)))
            row["rbm_visible_residual"] = float(np.max(np.abs(visible_hamiltonian(rbm) - coarse)))
            if size <= MAX_KERNEL_SPINS:
                kernel = decimation_transform(size)
                fine = chain_energies(size, couplings[n])
                coarse_rg = rg_hamiltonian(None, fine, kernel)
                shift = network.log_constants[n]
                row["kernel_rg_residual"] = float(np.max(np.abs(coarse_rg - (coarse - shift))))
                row["kernel_trace_residual"] = trace_residual(None, fine, kernel)
        layers.append(row)
    wrong = layer_marginal_hamiltonian(network.n_spins, couplings[0], 1)
    wrong_expected = chain_energies(network.layer_sizes[1], couplings[1] + 0.01) - float(
        network.log_constants[0]
    )
    tanh = np.tanh(couplings)
    rbm_keys = (
        "rbm_joint_residual",
        "rbm_hidden_residual",
        "rbm_visible_residual",
        "kernel_rg_residual",
        "kernel_trace_residual",
    )
    return {
        "n_spins": network.n_spins,
        "units": units,
        "couplings": couplings,
        "layer_sizes": list(network.layer_sizes),
        "log_constants": network.log_constants,
        "layers": layers,
        "log_partition_bookkeeping": abs(log_z - network.log_partition_function(0)),
        "tanh_recursion": float(np.max(np.abs(tanh[1:] - tanh[:-1] ** 2))),
        "max_marginal_residual": max(row["marginal_residual"] for row in layers),
        "max_measured_coupling_error": max(row["measured_coupling_error"] for row in layers),
        "max_rbm_residual": max(row.get(key, 0.0) for row in layers for key in rbm_keys),
        "wrong_coupling_marginal_residual": float(np.max(np.abs(wrong - wrong_expected))),
    }


def run_checks(
    size: int = 16,
    coupling: float = 1.0,
    n_visible: int = 8,
    n_hidden: int = 5,
    seed: SeedLike = 0,
    learned: bool = False,
) -> dict:
    """Every exactness check of the RG mapping, as one JSON-ready table.

    Parameters
    ----------
    size : int, default 16
        N of the decimated chain (even, <= 20); the exact-RBM check uses min(N, 16).
    coupling : float, default 1.0
        J^(0).
    n_visible, n_hidden : int
        Size of the random RBMs of the mapping checks.
    seed : int, Generator or None
        Draws the random RBMs and Hamiltonians (and seeds the training when ``learned``).
    learned : bool, default False
        Also train an RBM on the 8-spin chain at ``coupling``
        (:func:`~deeprg.rg.learned.learned_decimation`, ~10 s on a CPU) and report its
        hidden-layer couplings in section ``learned``. A measurement: it does not enter
        ``passed``.

    Returns
    -------
    dict
        Sections ``mapping`` and ``exact_rbm`` (per units), ``lin_tegmark``,
        ``decimation`` (and ``learned``), the ``tolerance`` and ``nonzero_threshold`` used,
        and ``passed`` (every identity within tolerance, every nonzero quantity above
        threshold) with ``failures`` naming any that are not.
    """
    size = check_int("size", size, minimum=2)
    if size % 2 or size > 20:
        raise InputError(f"size must be an even number of spins <= 20, got {size}")
    coupling = check_finite("coupling", coupling)
    n_visible = check_int("n_visible", n_visible, minimum=1)
    n_hidden = check_int("n_hidden", n_hidden, minimum=1)
    rng = as_generator(seed)

    mapping, exact_rbm = {}, {}
    for units in ("spin", "binary"):
        rbm = random_rbm(n_visible, n_hidden, units=units, seed=rng)
        energy = rng.normal(0.0, 2.0, 2**n_visible)  # an arbitrary H(v)
        mapping[units] = check_mapping(rbm, energy)
        exact_rbm[units] = check_exact_rbm(min(size, 16), coupling, units=units)
    lin_tegmark = check_lin_tegmark(
        rng.normal(0.0, 2.0, 2**n_visible), rng.normal(0.0, 2.0, 2**n_hidden)
    )
    decimation = check_decimation(size, coupling)

    failures = []

    def small(name: str, value: float, tolerance: float = EXACT_TOLERANCE) -> None:
        if not abs(value) <= tolerance:
            failures.append(f"{name} = {value:.3g} exceeds {tolerance:g}")

    def large(name: str, value: float) -> None:
        if not value > NONZERO_THRESHOLD:
            failures.append(f"{name} = {value:.3g} should exceed {NONZERO_THRESHOLD:g}")

    for units in ("spin", "binary"):
        m, e = mapping[units], exact_rbm[units]
        for key in (
            "rg_minus_rbm_hidden",
            "conditional_identity",
            "free_energy_identity",
            "trace_identity",
        ):
            small(f"mapping.{units}.{key}", m[key])
        large(f"mapping.{units}.trace_residual", m["trace_residual"])
        for key in (
            "trace_residual",
            "kl",
            "free_energy_change",
            "unnormalized_trace_spread",
            "unnormalized_kl",
        ):
            small(f"exact_rbm.{units}.{key}", e[key])
        small(
            f"exact_rbm.{units}.unnormalized_trace_residual - expected",
            e["unnormalized_trace_residual"] - e["unnormalized_expected"],
        )
        for key in ("perturbed_trace_residual", "perturbed_kl"):
            large(f"exact_rbm.{units}.{key}", e[key])
    for key in (
        "trace_residual",
        "mutual_information",
        "mutual_information_joint",
        "rg_hamiltonian_residual",
        "free_energy_change",
    ):
        small(f"lin_tegmark.{key}", lin_tegmark[key])
    for key in (
        "max_marginal_residual",
        "max_rbm_residual",
        "log_partition_bookkeeping",
        "tanh_recursion",
        "max_measured_coupling_error",
    ):
        small(f"decimation.{key}", decimation[key], 1e-12)
    large(
        "decimation.wrong_coupling_marginal_residual",
        decimation["wrong_coupling_marginal_residual"],
    )

    table = {
        "settings": {
            "size": size,
            "coupling": coupling,
            "n_visible": n_visible,
            "n_hidden": n_hidden,
            "seed": seed if isinstance(seed, int) else None,
        },
        "mapping": mapping,
        "exact_rbm": exact_rbm,
        "lin_tegmark": lin_tegmark,
        "decimation": decimation,
        "tolerance": EXACT_TOLERANCE,
        "decimation_tolerance": 1e-12,
        "nonzero_threshold": NONZERO_THRESHOLD,
        "passed": not failures,
        "failures": failures,
    }
    if learned:
        from .learned import learned_decimation

        table["learned"] = learned_decimation(8, coupling, seed=rng)
    return table
