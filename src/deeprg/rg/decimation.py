"""The 1D decimation network: the periodic Ising chain as a stack of exact RBMs (paper Fig. 2).

The periodic chain of N (even) spins, H(s) = -J Σ_i s_i s_{i+1}, is bipartite: odd sites
couple only to even sites. It is therefore itself an RBM (docs/conventions.md) with

- visible units = the odd sites (visible unit k is site 2k+1),
- hidden units = the even sites (hidden unit k is site 2k),
- W[k, k] = W[k, k+1 mod N/2] = J (odd site 2k+1 sits between even sites 2k and 2k+2),
  no biases,

so that E(v, h) = H(s) + c. Summing out one sublattice is decimation: for each odd site,

    Σ_{s=±1} e^{J s (a + b)} = 2 cosh(J (a + b)) = A e^{J' a b},
    e^{2J'} = cosh 2J  (tanh J' = tanh² J),   A = 2 √(cosh 2J) = 2 e^{J'},

so the hidden (even) marginal is the chain of N/2 spins at J', times A^{N/2}. With the
constant c = (N/2) ln A the RBM's marginal Hamiltonian is *exactly* the coarse chain,
H^RBM(h) = H_{N/2, J'}(h) (likewise for v, by symmetry), and Z_λ = Z_{N/2}(J'). Stacking:
the hidden layer of RBM n is all the spins of chain n+1, which RBM n+1 splits again into its
odd (visible) and even (hidden) sites. Layer n (the sites k·2^n of the original chain)
therefore has the marginal of a chain of N/2^n spins at J^(n), with the bookkeeping

    ln Z_N(J^(0)) = Σ_{m<n} (N_m / 2) ln A(J^(m)) + ln Z_{N_n}(J^(n)),   N_m = N / 2^m.

The flow J^(n) -> 0 (for either sign of J^(0); J^(1) >= 0 always) is the stable
high-temperature fixed point. Steps continue while the number of spins is even; the last
possible step takes 2 spins to 1. A periodic chain of 2 spins has two bonds joining the same
pair (H = -2J s_0 s_1, the convention of :mod:`deeprg.ising`), so the single odd site
couples to the single even site with weight 2J; the result is one spin with one self-bond,
"H = -J' s s = -J'", a constant: the 1-spin chain of this module has energy -J for both
states, and ln Z_2(J) = ln A(J) + ln(2 e^{J'}) holds.

The paper's RG operator for this step, in the variational form with visible = all N spins
of chain n and hidden = the N/2 even sites, is the hard kernel e^{T(v,h)} = Π_k δ(h_k, v_{2k})
(:func:`decimation_transform`); it satisfies Tr_h e^T = 1 exactly.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import logsumexp

from ..errors import InputError, check_finite, check_int
from ..exact import enumerate_states
from .mapping import MAX_ENUMERATED_UNITS, RBMParameters

__all__ = [
    "DecimationNetwork",
    "chain_energies",
    "chain_rbm",
    "chain_sublattice_indices",
    "decimation_constant",
    "decimation_coupling",
    "decimation_couplings",
    "decimation_network",
    "decimation_transform",
    "layer_marginal_hamiltonian",
    "max_decimation_steps",
]


def decimation_coupling(coupling: float) -> float:
    """J' = ½ ln cosh 2J, i.e. tanh J' = tanh² J (one decimation step)."""
    j = check_finite("coupling", coupling)
    return 0.5 * (float(np.logaddexp(2.0 * j, -2.0 * j)) - np.log(2.0))


def decimation_constant(coupling: float) -> float:
    """ln A = ln(2 √(cosh 2J)) = ln 2 + J': free energy released per decimated spin."""
    return float(np.log(2.0) + decimation_coupling(coupling))


def decimation_couplings(coupling: float, n_steps: int) -> np.ndarray:
    """The flow J^(0), J^(1), ..., J^(n_steps) of repeated decimation.

    Parameters
    ----------
    coupling : float
        J^(0).
    n_steps : int
        Number of decimation steps, >= 0.

    Returns
    -------
    numpy.ndarray of shape (n_steps + 1,), float64
    """
    n_steps = check_int("n_steps", n_steps, minimum=0)
    flow = [check_finite("coupling", coupling)]
    for _ in range(n_steps):
        flow.append(decimation_coupling(flow[-1]))
    return np.array(flow, dtype=np.float64)


def max_decimation_steps(n_spins: int) -> int:
    """How many times a periodic chain of ``n_spins`` can be halved (the 2-adic order of N)."""
    n = check_int("n_spins", n_spins, minimum=1)
    steps = 0
    while n % 2 == 0:
        n //= 2
        steps += 1
    return steps


def chain_energies(n_spins: int, coupling: float) -> np.ndarray:
    """H(s) = -J Σ_i s_i s_{i+1 mod N} over all 2**N states of a periodic chain.

    N = 2 has two bonds (H = -2J s_0 s_1) and N = 1 one self-bond (H = -J), as above.

    Parameters
    ----------
    n_spins : int
        N, 1 <= N <= 20.
    coupling : float

    Returns
    -------
    numpy.ndarray of shape (2**N,), float64
        Indexed by state (row k of ``enumerate_states(N, units)`` in either units: index k
        is the same configuration, s = 2x - 1).
    """
    n = check_int("n_spins", n_spins, minimum=1)
    if n > MAX_ENUMERATED_UNITS:
        raise InputError(f"n_spins must be <= {MAX_ENUMERATED_UNITS} to enumerate, got {n}")
    j = check_finite("coupling", coupling)
    spins = enumerate_states(n, units="spin").astype(np.float64)
    return -j * np.sum(spins * np.roll(spins, -1, axis=1), axis=1)


def _check_even(n_spins: int) -> int:
    n = check_int("n_spins", n_spins, minimum=2)
    if n % 2:
        raise InputError(f"n_spins must be even to split the chain into two sublattices, got {n}")
    return n


def chain_rbm(
    n_spins: int, coupling: float, units: str = "spin", match_partition_function: bool = True
) -> RBMParameters:
    """The periodic chain as an RBM between its odd (visible) and even (hidden) sites.

    Parameters
    ----------
    n_spins : int
        N, even, >= 2. The RBM has N/2 visible and N/2 hidden units.
    coupling : float
        J of the chain.
    units : {"spin", "binary"}
        Binary parameters describe the same energy state by state (s = 2x - 1).
    match_partition_function : bool, default True
        Add c = (N/2) ln A so that H^RBM(v) and H^RBM(h) equal the N/2-spin chain at J'
        exactly (Z_λ = Z_{N/2}(J')); otherwise c = 0 and E(v, h) = H_N(s), Z_λ = Z_N(J).

    Returns
    -------
    RBMParameters
    """
    n = _check_even(n_spins)
    j = check_finite("coupling", coupling)
    half = n // 2
    weights = np.zeros((half, half))
    for k in range(half):
        weights[k, k] += j  # odd site 2k+1 -- even site 2k
        weights[k, (k + 1) % half] += j  # odd site 2k+1 -- even site 2k+2
    offset = half * decimation_constant(j) if match_partition_function else 0.0
    rbm = RBMParameters(weights, np.zeros(half), np.zeros(half), "spin", offset)
    return rbm.to_units(units)


def chain_sublattice_indices(n_spins: int) -> tuple[np.ndarray, np.ndarray]:
    """For every chain state index, the (visible, hidden) state indices of :func:`chain_rbm`.

    Returns
    -------
    visible_index, hidden_index : numpy.ndarray of shape (2**N,), int64
        Chain state k has its odd sites in visible state ``visible_index[k]`` and its even
        sites in hidden state ``hidden_index[k]``.
    """
    n = _check_even(n_spins)
    return _sublattice_index(n, 1, 2), _sublattice_index(n, 0, 2)


def _sublattice_index(n_spins: int, start: int, stride: int) -> np.ndarray:
    """State index, over the sites start, start+stride, ..., of every chain state index."""
    codes = np.arange(2**n_spins, dtype=np.int64)
    sites = range(start, n_spins, stride)
    index = np.zeros_like(codes)
    for site in sites:
        bit = (codes >> (n_spins - 1 - site)) & 1  # unit 0 is the most significant bit
        index = (index << 1) | bit
    return index


def decimation_transform(n_spins: int) -> np.ndarray:
    """The decimation operator T(v, h) = ln Π_k δ(h_k, v_{2k}) as an array.

    Parameters
    ----------
    n_spins : int
        N, even; v runs over the 2**N states of the chain, h over the 2**(N/2) states of the
        even sublattice.

    Returns
    -------
    numpy.ndarray of shape (2**N, 2**(N/2)), entries 0 or -inf
    """
    n = _check_even(n_spins)
    if n > MAX_ENUMERATED_UNITS:
        raise InputError(f"n_spins must be <= {MAX_ENUMERATED_UNITS} to enumerate, got {n}")
    even = _sublattice_index(n, 0, 2)
    t = np.full((2**n, 2 ** (n // 2)), -np.inf)
    t[np.arange(2**n), even] = 0.0
    return t


def layer_marginal_hamiltonian(n_spins: int, coupling: float, layer: int) -> np.ndarray:
    """-ln Σ e^{-H(s)} over all sites except k·2^layer, by brute-force summation.

    Parameters
    ----------
    n_spins : int
        N of the original chain, N <= 20, divisible by 2**layer.
    coupling : float
        J^(0).
    layer : int
        n >= 0.

    Returns
    -------
    numpy.ndarray of shape (2**(N / 2**layer),)
        Indexed by the states of the kept sites (enumeration order). Equal to
        H_{N_n}(J^(n)) - Σ_{m<n} (N_m/2) ln A(J^(m)) if the decimation formula is right.
    """
    n = check_int("n_spins", n_spins, minimum=1)
    layer = check_int("layer", layer, minimum=0)
    if n % 2**layer:
        raise InputError(f"n_spins = {n} is not divisible by 2**layer = {2**layer}")
    energy = chain_energies(n, coupling).reshape((2,) * n)  # axis i = site i
    kept = list(range(0, n, 2**layer))
    summed = [site for site in range(n) if site % 2**layer]
    grouped = energy.transpose(kept + summed).reshape(2 ** len(kept), -1)
    return -logsumexp(-grouped, axis=1)  # pairwise summation: error ~ eps log(2**N)


@dataclass(frozen=True)
class DecimationNetwork:
    """A stack of :func:`chain_rbm` layers that decimates a periodic chain.

    Attributes
    ----------
    n_spins : int
        N of the original chain.
    couplings : numpy.ndarray of shape (n_steps + 1,)
        J^(0..n_steps).
    layer_sizes : tuple of int
        N_n = N / 2^n, n = 0..n_steps.
    log_constants : numpy.ndarray of shape (n_steps,)
        (N_n / 2) ln A(J^(n)): the free energy released by step n (the RBMs' energy offsets).
    rbms : tuple of RBMParameters
        RBM n couples the odd (visible) and even (hidden) sites of chain n at J^(n).
    """

    n_spins: int
    couplings: np.ndarray
    layer_sizes: tuple[int, ...]
    log_constants: np.ndarray
    rbms: tuple[RBMParameters, ...]

    @property
    def n_steps(self) -> int:
        """Number of decimation steps (RBM layers)."""
        return len(self.rbms)

    def log_partition_function(self, layer: int = 0) -> float:
        """ln Z of the chain at layer n from the bookkeeping: Σ_{m>=n} constants + ln Z_last."""
        layer = check_int("layer", layer, minimum=0)
        if layer > self.n_steps:
            raise InputError(f"layer must be <= {self.n_steps}, got {layer}")
        last = chain_energies(self.layer_sizes[-1], self.couplings[-1])
        return float(np.sum(self.log_constants[layer:]) + logsumexp(-last))


def decimation_network(
    n_spins: int, coupling: float, n_steps: int | None = None, units: str = "spin"
) -> DecimationNetwork:
    """Build the stack of exact RBMs that decimates a periodic chain of N spins at J.

    Parameters
    ----------
    n_spins : int
        N, even, >= 2.
    coupling : float
        J^(0).
    n_steps : int, optional
        Number of layers; default (and maximum) :func:`max_decimation_steps` (N): halve while
        the number of spins is even (the last step may take 2 spins to 1, see module notes).
    units : {"spin", "binary"}

    Returns
    -------
    DecimationNetwork
    """
    n = _check_even(n_spins)
    limit = max_decimation_steps(n)
    steps = limit if n_steps is None else check_int("n_steps", n_steps, minimum=1)
    if steps > limit:
        raise InputError(
            f"a chain of {n} spins can be halved at most {limit} times; pass n_steps <= {limit}"
        )
    couplings = decimation_couplings(coupling, steps)
    sizes = tuple(n >> m for m in range(steps + 1))
    constants = np.array([sizes[m] // 2 * decimation_constant(couplings[m]) for m in range(steps)])
    rbms = tuple(chain_rbm(sizes[m], couplings[m], units=units) for m in range(steps))
    return DecimationNetwork(n, couplings, sizes, constants, rbms)
