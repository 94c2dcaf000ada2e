"""The variational renormalization group and its exact mapping to RBMs (Mehta & Schwab).

- :mod:`~deeprg.rg.mapping`: H^RBM(v), H^RBM(h), H^RG(h), the trace condition, ΔF, KL and
  mutual information by exact summation; the Lin–Tegmark–Rolnick counterexample.
- :mod:`~deeprg.rg.decimation`: the 1D chain as a stack of exact RBMs, tanh J' = tanh² J.
- :mod:`~deeprg.rg.couplings`: all-order effective couplings of a hidden layer (Walsh transform).
- :mod:`~deeprg.rg.learned`: an RBM trained on a chain, compared with decimation (torch is
  imported only when training).
- :mod:`~deeprg.rg.block_spin`: majority-rule and decimation block spins of lattice samples
  (the one majority rule of deeprg, with the tie rules of its callers).
- :mod:`~deeprg.rg.check`: the exactness table behind ``deeprg rg check``.
- :mod:`~deeprg.rg.mcrg`: Swendsen's Monte Carlo renormalization group, y_T and y_h from
  linearised RG matrices of blocked samples (imported on first use: it compiles a numba
  kernel); its operator sums are in :mod:`~deeprg.rg.mcrg_operators`, the linearised matrix
  in :mod:`~deeprg.rg.mcrg_linear`.

State indexing everywhere follows :func:`enumerate_states` (re-exported from
:mod:`deeprg.exact`): row k holds the bits of k, unit 0 the most significant bit.
"""

from __future__ import annotations

from ..exact import enumerate_states
from .block_spin import decimation_block_spins, majority_block_spins
from .couplings import (
    effective_couplings,
    interaction_coefficients,
    match_hidden_units,
    ring_couplings,
)
from .decimation import (
    DecimationNetwork,
    chain_energies,
    chain_rbm,
    chain_sublattice_indices,
    decimation_constant,
    decimation_coupling,
    decimation_couplings,
    decimation_network,
    decimation_transform,
    layer_marginal_hamiltonian,
    max_decimation_steps,
)
from .learned import exact_chain_samples, hidden_layer_couplings, learned_decimation
from .mapping import (
    RBMParameters,
    as_rbm_parameters,
    conditional_identity_residual,
    free_energy_change,
    hidden_hamiltonian,
    joint_energy,
    kl_divergence,
    lin_tegmark_energy,
    lin_tegmark_transform,
    log_conditional_hidden,
    log_partition_function,
    log_trace,
    mapping_transform,
    mutual_information,
    rg_hamiltonian,
    trace_residual,
    visible_hamiltonian,
)

__all__ = [
    "DecimationNetwork",
    "MCRGResult",
    "RBMParameters",
    "as_rbm_parameters",
    "chain_energies",
    "chain_rbm",
    "chain_sublattice_indices",
    "conditional_identity_residual",
    "critical_samples",
    "decimation_block_spins",
    "decimation_constant",
    "decimation_coupling",
    "decimation_couplings",
    "decimation_network",
    "decimation_transform",
    "effective_couplings",
    "enumerate_states",
    "exact_chain_samples",
    "free_energy_change",
    "hidden_hamiltonian",
    "hidden_layer_couplings",
    "interaction_coefficients",
    "joint_energy",
    "kl_divergence",
    "layer_marginal_hamiltonian",
    "learned_decimation",
    "lin_tegmark_energy",
    "lin_tegmark_transform",
    "linearized_rg_matrix",
    "log_conditional_hidden",
    "log_partition_function",
    "log_trace",
    "majority_block_spins",
    "mapping_transform",
    "match_hidden_units",
    "max_decimation_steps",
    "mcrg_exponents",
    "mutual_information",
    "operator_sums",
    "rg_hamiltonian",
    "ring_couplings",
    "trace_residual",
    "visible_hamiltonian",
]

_MCRG_NAMES = (
    "MCRGResult",
    "critical_samples",
    "linearized_rg_matrix",
    "mcrg_exponents",
    "operator_sums",
)


def __getattr__(name: str):
    """Import :mod:`deeprg.rg.mcrg` (and numba) only when one of its names is used."""
    if name in _MCRG_NAMES:
        from . import mcrg

        return getattr(mcrg, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
