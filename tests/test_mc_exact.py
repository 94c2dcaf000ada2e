"""Monte Carlo against exact results, for every algorithm (issue 2, item 5).

Each check compares a sample average with an exact value (enumeration, transfer matrix,
Kaufman's finite torus) and passes when they agree within 4 standard errors computed from
the measured integrated autocorrelation time. Negative controls draw samples at a coupling
a few percent off and require the same check to fail. A chi-square test compares the full
configuration histogram of the 3x3 lattice (512 states) with its exact distribution.
Fixed seeds: every run of this file sees the same numbers.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

import deeprg
from deeprg import exact
from deeprg.mc import mean_and_error

NUMBA_ALGORITHMS = ["wolff", "swendsen-wang", "metropolis", "heat-bath"]
TORCH_ALGORITHMS = ["metropolis", "heat-bath"]
#: (algorithm, backend) for every sampler deeprg has
SAMPLERS = [(a, "numba") for a in NUMBA_ALGORITHMS] + [(a, "torch") for a in TORCH_ALGORITHMS]
SAMPLER_IDS = [f"{a}-{b}" for a, b in SAMPLERS]
N_SIGMA = 4.0


def draw(model, n, algorithm, backend, seed, **kw):
    chains = kw.pop("n_chains", 4 if backend == "numba" else 200)
    return deeprg.sample(
        model, n, algorithm=algorithm, seed=seed, n_chains=chains, backend=backend, **kw
    )


def z_score(series_by_chain: np.ndarray, exact_value: float) -> float:
    """(mean - exact) / standard error, error from the measured autocorrelation time."""
    mean, error = mean_and_error(series_by_chain)
    return (mean - exact_value) / error


def per_chain(samples, values: np.ndarray) -> np.ndarray:
    return values.reshape(samples.n_chains, -1)


def energy_and_m2_z(samples) -> tuple[float, float, float]:
    """z-scores of <H>/N, <M²>/N² and <M>/N against enumeration or the transfer matrix."""
    model = samples.model
    n = model.n_spins
    if isinstance(model, deeprg.IsingChain):
        ref = exact.chain(model.size, model.coupling, model.field)
    else:
        ref = exact.enumerate_ising(model)
    m = per_chain(samples, samples.magnetization / n)
    z_m = z_score(m, ref.magnetization_per_spin) if model.field != 0.0 else 0.0
    return (
        z_score(per_chain(samples, samples.energy / n), ref.energy_per_spin),
        z_score(m**2, ref.m2_per_spin2),
        z_m,
    )


MODELS_ENUMERATED = [
    deeprg.IsingSquare(4, 0.30),  # paramagnetic side of J_c
    deeprg.IsingSquare(4, 0.60),  # ordered side
    deeprg.IsingSquare(4, -0.40, 0.3),  # antiferromagnet in a field
    deeprg.IsingChain(12, 0.5, 0.3),  # chain with a field (transfer matrix)
    deeprg.IsingChain(11, -0.4, -0.2),  # odd antiferromagnetic chain (transfer matrix)
]


@pytest.mark.parametrize(("algorithm", "backend"), SAMPLERS, ids=SAMPLER_IDS)
@pytest.mark.parametrize("model", MODELS_ENUMERATED, ids=repr)
def test_energy_and_magnetization_match_exact(algorithm, backend, model):
    samples = draw(model, 20_000, algorithm, backend, seed=11)
    z_energy, z_m2, z_m = energy_and_m2_z(samples)
    assert abs(z_energy) < N_SIGMA
    assert abs(z_m2) < N_SIGMA
    assert abs(z_m) < N_SIGMA


@pytest.mark.parametrize(("algorithm", "backend"), SAMPLERS, ids=SAMPLER_IDS)
@pytest.mark.parametrize("coupling", [0.35, 0.5])
def test_energy_matches_kaufman_torus(algorithm, backend, coupling):
    size = 8
    samples = draw(deeprg.IsingSquare(size, coupling), 8_000, algorithm, backend, seed=12)
    ref = exact.torus(size, coupling)
    z = z_score(per_chain(samples, samples.energy / size**2), ref.energy_per_spin)
    assert abs(z) < N_SIGMA


@pytest.mark.slow
@pytest.mark.parametrize("algorithm", NUMBA_ALGORITHMS)
@pytest.mark.parametrize("coupling", [0.40, deeprg.J_CRITICAL, 0.48])
def test_energy_matches_kaufman_torus_l16(algorithm, coupling):
    size = 16
    samples = draw(deeprg.IsingSquare(size, coupling), 20_000, algorithm, "numba", seed=13)
    ref = exact.torus(size, coupling)
    z = z_score(per_chain(samples, samples.energy / size**2), ref.energy_per_spin)
    assert abs(z) < N_SIGMA


@pytest.mark.parametrize("algorithm", ["wolff", "metropolis"])
def test_negative_control_wrong_coupling_fails_the_energy_check(algorithm):
    """Samples at J 3% too large must fail the check that correct samples pass."""
    right = deeprg.IsingSquare(4, 0.30)
    wrong = deeprg.IsingSquare(4, 0.30 * 1.03)
    ref = exact.enumerate_ising(right)
    correct = draw(right, 20_000, algorithm, "numba", seed=14)
    shifted = draw(wrong, 20_000, algorithm, "numba", seed=14)
    assert abs(z_score(per_chain(correct, correct.energy / 16), ref.energy_per_spin)) < N_SIGMA
    assert abs(z_score(per_chain(shifted, shifted.energy / 16), ref.energy_per_spin)) > N_SIGMA


# --- Wolff on frustrated antiferromagnets (odd periodic sizes) ---------------------------

#: Odd periodic lattices with J < 0: no sublattice map to a ferromagnet, so Wolff's cluster
#: must mark its members explicitly (enumeration for 3x3, transfer matrix for the rings).
FRUSTRATED_MODELS = [
    deeprg.IsingSquare(3, -0.5),
    deeprg.IsingSquare(3, -0.4, 0.3),
    deeprg.IsingChain(5, -0.6),
    deeprg.IsingChain(7, -0.5, 0.2),
]


@pytest.mark.parametrize("model", FRUSTRATED_MODELS, ids=repr)
def test_wolff_on_frustrated_antiferromagnets_matches_exact(model):
    samples = draw(model, 20_000, "wolff", "numba", seed=16)
    z_energy, z_m2, z_m = energy_and_m2_z(samples)
    assert abs(z_energy) < N_SIGMA
    assert abs(z_m2) < N_SIGMA
    assert abs(z_m) < N_SIGMA


@pytest.mark.parametrize("model", FRUSTRATED_MODELS[::2], ids=repr)
def test_negative_control_frustrated_wolff_at_wrong_coupling_fails(model):
    """Samples at |J| 5% too large must fail the frustrated-lattice energy check."""
    wrong = type(model)(model.size, model.coupling * 1.05, model.field)
    samples = draw(wrong, 20_000, "wolff", "numba", seed=16)
    n = model.n_spins
    if isinstance(model, deeprg.IsingChain):
        ref = exact.chain(model.size, model.coupling, model.field)
    else:
        ref = exact.enumerate_ising(model)
    assert abs(z_score(per_chain(samples, samples.energy / n), ref.energy_per_spin)) > N_SIGMA


# --- full configuration histogram on the 3x3 lattice ----------------------------------------

HISTOGRAM_MODEL = deeprg.IsingSquare(3, 0.30, 0.1)
HISTOGRAM_SAMPLES = 40_000
#: updates between samples, long enough for nearly independent samples on 3x3 (checked below)
HISTOGRAM_THIN = {"wolff": 40, "swendsen-wang": 6, "metropolis": 8, "heat-bath": 8}


def state_codes(states: np.ndarray) -> np.ndarray:
    """Integer code Σ_i [s_i = +1] 2^i of each configuration, shape (n,)."""
    flat = states.reshape(states.shape[0], -1) > 0
    return flat @ (1 << np.arange(flat.shape[1]))


def histogram_p_value(samples, model) -> float:
    """Chi-square p-value of the sampled histogram against exact enumeration.

    States with an expected count below 5 are pooled into one bin.
    """
    ref = exact.enumerate_ising(model)
    order = np.argsort(state_codes(ref.states))
    probabilities = ref.probabilities[order]  # indexed by state code
    counts = np.bincount(state_codes(samples.spins), minlength=probabilities.size)
    expected = probabilities * samples.n_samples
    small = expected < 5
    observed = np.append(counts[~small], counts[small].sum())
    expected = np.append(expected[~small], expected[small].sum())
    return stats.chisquare(observed, expected).pvalue


@pytest.mark.parametrize(("algorithm", "backend"), SAMPLERS, ids=SAMPLER_IDS)
def test_configuration_histogram_3x3_matches_enumeration(algorithm, backend):
    samples = draw(
        HISTOGRAM_MODEL,
        HISTOGRAM_SAMPLES,
        algorithm,
        backend,
        seed=15,
        thin=HISTOGRAM_THIN[algorithm],
        burn_in=200,
    )
    # the chi-square test assumes independent samples: check the premise
    assert samples.tau_energy < 0.6
    assert samples.tau_abs_magnetization < 0.6
    assert histogram_p_value(samples, HISTOGRAM_MODEL) > 1e-4


@pytest.mark.parametrize(("algorithm", "backend"), [("wolff", "numba"), ("metropolis", "torch")])
def test_negative_control_histogram_at_wrong_coupling_fails(algorithm, backend):
    wrong = deeprg.IsingSquare(3, HISTOGRAM_MODEL.coupling * 1.05, HISTOGRAM_MODEL.field)
    samples = draw(
        wrong,
        HISTOGRAM_SAMPLES,
        algorithm,
        backend,
        seed=15,
        thin=HISTOGRAM_THIN[algorithm],
        burn_in=200,
    )
    assert histogram_p_value(samples, HISTOGRAM_MODEL) < 1e-4


#: Wolff for either sign of J: frustrated 3x3 antiferromagnets (in a field and at h = 0)
#: and a ferromagnet on the ordered side, with the spacing that makes samples independent.
WOLFF_HISTOGRAM_MODELS = [
    deeprg.IsingSquare(3, -0.5, 0.1),
    deeprg.IsingSquare(3, -0.8),
    deeprg.IsingSquare(3, 0.5),
]


@pytest.mark.parametrize("model", WOLFF_HISTOGRAM_MODELS, ids=repr)
def test_wolff_histogram_3x3_matches_enumeration_for_either_sign_of_j(model):
    samples = draw(model, HISTOGRAM_SAMPLES, "wolff", "numba", seed=15, thin=10, burn_in=200)
    assert samples.tau_energy < 0.6
    assert samples.tau_abs_magnetization < 0.6
    assert histogram_p_value(samples, model) > 1e-4


def test_negative_control_frustrated_histogram_at_wrong_coupling_fails():
    model = WOLFF_HISTOGRAM_MODELS[0]
    wrong = deeprg.IsingSquare(3, model.coupling * 1.15, model.field)
    samples = draw(wrong, HISTOGRAM_SAMPLES, "wolff", "numba", seed=15, thin=10, burn_in=200)
    assert histogram_p_value(samples, model) < 1e-4


@pytest.mark.slow
def test_paper_settings_energy_matches_kaufman():
    """The paper's data set: 20,000 samples of the 40x40 torus at J = 0.408 (Wolff)."""
    samples = deeprg.sample(deeprg.IsingSquare(40, 0.408), 20_000, seed=20)
    ref = exact.torus(40, 0.408)
    assert ref.energy_per_spin_in_units_of_j == pytest.approx(-1.151821150768, abs=1e-9)
    z = z_score(per_chain(samples, samples.energy / 1600), ref.energy_per_spin)
    assert abs(z) < N_SIGMA
    assert samples.tau_energy < 1.0  # automatic spacing gives nearly independent samples
