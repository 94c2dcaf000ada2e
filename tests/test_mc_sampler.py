"""deeprg.sample: the SampleSet it returns, seeds, schedules and input validation."""

from __future__ import annotations

import numpy as np
import pytest

import deeprg
from deeprg.errors import InputError
from deeprg.mc import ALGORITHMS, sample
from deeprg.mc._lattice import checkerboard_order, neighbour_table

SQUARE = deeprg.IsingSquare(6, 0.35)
CHAIN = deeprg.IsingChain(10, 0.6, 0.2)


@pytest.mark.parametrize("algorithm", list(ALGORITHMS))
@pytest.mark.parametrize("model", [SQUARE, CHAIN], ids=repr)
def test_sample_set_is_complete_and_consistent(algorithm, model):
    samples = sample(model, 103, algorithm=algorithm, seed=1, n_chains=4)
    assert samples.spins.shape == (103, *model.lattice_shape)
    assert samples.spins.dtype == np.int8
    assert set(np.unique(samples.spins)) <= {-1, 1}
    np.testing.assert_allclose(samples.energy, model.energy(samples.spins), atol=1e-9)
    np.testing.assert_array_equal(samples.magnetization, model.magnetization(samples.spins))
    assert samples.model == model
    assert samples.algorithm == algorithm
    assert samples.seed == 1
    assert samples.n_chains == 4
    assert samples.thin >= 1 and samples.burn_in > 0
    assert np.isfinite(samples.tau_energy) and np.isfinite(samples.tau_abs_magnetization)
    assert samples.extra["backend"] == "numba"
    assert samples.extra["update_unit"] == ALGORITHMS[algorithm]


@pytest.mark.parametrize("algorithm", list(ALGORITHMS))
def test_same_seed_same_samples_different_seed_different(algorithm):
    first = sample(SQUARE, 50, algorithm=algorithm, seed=7)
    again = sample(SQUARE, 50, algorithm=algorithm, seed=7)
    other = sample(SQUARE, 50, algorithm=algorithm, seed=8)
    np.testing.assert_array_equal(first.spins, again.spins)
    np.testing.assert_array_equal(first.energy, again.energy)
    assert (first.burn_in, first.thin) == (again.burn_in, again.thin)
    assert not np.array_equal(first.spins, other.spins)


def test_generator_seed_is_accepted_and_recorded_as_none():
    samples = sample(SQUARE, 10, seed=np.random.default_rng(3))
    assert samples.seed is None
    assert samples.n_samples == 10


def test_user_burn_in_and_thin_are_used_exactly():
    samples = sample(SQUARE, 20, algorithm="metropolis", seed=1, burn_in=37, thin=3)
    assert (samples.burn_in, samples.thin) == (37, 3)
    assert np.isnan(samples.extra["pilot_tau_updates"])


def test_user_thin_with_automatic_burn_in_runs_a_pilot():
    samples = sample(SQUARE, 20, algorithm="metropolis", seed=1, thin=2)
    assert samples.thin == 2
    assert samples.burn_in >= 100
    assert samples.extra["pilot_tau_updates"] > 0


def test_zero_burn_in_and_thin_one_record_consecutive_sweeps():
    samples = sample(SQUARE, 10, algorithm="heat-bath", seed=1, burn_in=0, thin=1, n_chains=1)
    assert samples.burn_in == 0
    # a heat-bath sweep changes a random 6x6 configuration with certainty
    assert not np.array_equal(samples.spins[0], samples.spins[1])


def test_automatic_thin_follows_measured_tau():
    """Local updates decorrelate more slowly than Wolff clusters near J_c, per unit of
    work; the automatic spacing must reflect the measured τ (thin = ceil(2 τ))."""
    samples = sample(deeprg.IsingSquare(8, 0.42), 200, algorithm="metropolis", seed=2)
    assert samples.thin == int(np.ceil(2 * samples.extra["pilot_tau_updates"]))
    assert samples.thin > 2
    assert samples.burn_in >= 20 * samples.extra["pilot_tau_updates"]


def test_default_chains_and_fewer_samples_than_chains():
    assert sample(SQUARE, 40, seed=1).n_chains == 4
    one = sample(SQUARE, 1, seed=1)
    assert one.n_chains == 1 and one.n_samples == 1


def test_wolff_records_mean_cluster_size():
    samples = sample(deeprg.IsingSquare(8, 0.6), 50, seed=1)
    assert 0.5 * 64 < samples.extra["mean_cluster_size"] <= 64  # ordered: clusters span


def test_ordered_start_for_local_algorithms_below_tc():
    """Metropolis in the ordered phase starts ordered (no stripe traps): |m| stays large."""
    samples = sample(deeprg.IsingSquare(16, 0.7), 100, algorithm="metropolis", seed=4)
    assert np.min(np.abs(samples.magnetization)) / 256 > 0.9


def test_neighbour_table_counts_every_bond_once_per_direction():
    for model in [
        deeprg.IsingSquare(2, 1.0),
        deeprg.IsingSquare(5, 1.0),
        deeprg.IsingChain(2, 1.0),
    ]:
        nbr = neighbour_table(model)
        spins = np.random.default_rng(0).choice([-1, 1], size=model.n_spins)
        half = nbr.shape[1] // 2
        bond_sum = np.sum(spins[:, None] * spins[nbr[:, :half]])
        assert bond_sum == model.bond_sum(spins.reshape(model.lattice_shape))


def test_checkerboard_order_visits_every_site_once():
    for model in [
        deeprg.IsingSquare(4, 1.0),
        deeprg.IsingSquare(3, 1.0),
        deeprg.IsingChain(7, 1.0),
    ]:
        order = checkerboard_order(model)
        assert sorted(order.tolist()) == list(range(model.n_spins))
    even = checkerboard_order(deeprg.IsingSquare(4, 1.0))
    rows, cols = np.divmod(even, 4)
    parity = (rows + cols) % 2
    assert np.all(parity[:8] == 0) and np.all(parity[8:] == 1)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"n_samples": 0}, "n_samples"),
        ({"n_samples": -5}, "n_samples"),
        ({"n_samples": 2.5}, "n_samples"),
        ({"algorithm": "glauber"}, "unknown algorithm"),
        ({"algorithm": 3}, "algorithm"),
        ({"burn_in": -1}, "burn_in"),
        ({"thin": 0}, "thin"),
        ({"n_chains": 0}, "n_chains"),
        ({"seed": -1}, "seed"),
        ({"seed": "abc"}, "seed"),
        ({"device": "tpu"}, "device"),
        ({"device": ""}, "device"),
        ({"device": "cuda", "algorithm": "wolff"}, "metropolis or heat-bath"),
        ({"backend": "torch", "algorithm": "swendsen-wang"}, "metropolis or heat-bath"),
        ({"backend": "jax"}, "backend"),
        ({"backend": "numba", "device": "cuda"}, "cpu only"),
        ({"progress": "yes"}, "progress"),
    ],
)
def test_bad_input_raises_input_error_naming_the_fix(kwargs, message):
    arguments = {"model": SQUARE, "n_samples": 10, **kwargs}
    with pytest.raises(InputError, match=message) as info:
        sample(**arguments)
    assert "\n" not in str(info.value)


def test_metropolis_refuses_the_non_ergodic_free_spin_case():
    with pytest.raises(InputError, match="not ergodic"):
        sample(deeprg.IsingSquare(4, 0.0), 10, algorithm="metropolis")
    with pytest.raises(InputError, match="not ergodic"):
        sample(deeprg.IsingChain(4, 0.0), 10, algorithm="metropolis", backend="torch")


def test_free_spins_are_sampled_exactly_by_the_other_algorithms():
    """J = h = 0: independent fair coins, <M²> = N exactly."""
    model = deeprg.IsingSquare(4, 0.0)
    for algorithm in ("wolff", "swendsen-wang", "heat-bath"):
        samples = sample(model, 8000, algorithm=algorithm, seed=3)
        m2 = samples.magnetization**2
        error = m2.std() / np.sqrt(m2.size) * np.sqrt(2 * max(samples.tau_abs_magnetization, 0.5))
        assert abs(m2.mean() - 16.0) < 4 * error


def test_model_must_be_an_ising_model():
    with pytest.raises(InputError, match="IsingChain or "):
        sample("ising2d", 10)


def test_cuda_request_without_a_gpu_is_a_clear_error():
    torch = pytest.importorskip("torch")
    if torch.cuda.is_available():
        pytest.skip("a GPU is present")
    with pytest.raises(InputError, match="CUDA is not available"):
        sample(SQUARE, 10, algorithm="metropolis", device="cuda")


def test_algorithm_names_are_normalised():
    assert sample(SQUARE, 5, algorithm="Swendsen_Wang", seed=1).algorithm == "swendsen-wang"
    assert sample(SQUARE, 5, algorithm="sw", seed=1).algorithm == "swendsen-wang"


def test_top_level_export_is_the_sampler():
    assert deeprg.sample is sample


def test_sampling_does_not_import_torch():
    import subprocess
    import sys

    code = (
        "import sys, deeprg; deeprg.sample(deeprg.IsingSquare(4, 0.3), 5, seed=1);"
        "print('torch' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_request_larger_than_memory_is_refused_up_front():
    with pytest.raises(InputError, match="reduce n_samples"):
        sample(deeprg.IsingSquare(1000, 0.3), 10**9)


@pytest.mark.parametrize(
    "model",
    [deeprg.IsingSquare(3, -0.3), deeprg.IsingChain(5, -0.5), deeprg.IsingSquare(4, -0.3)],
    ids=repr,
)
def test_wolff_samples_frustrated_and_bipartite_antiferromagnets(model):
    samples = sample(model, 20, algorithm="wolff", seed=0)
    np.testing.assert_allclose(samples.energy, model.energy(samples.spins))
    assert 1.0 <= samples.extra["mean_cluster_size"] <= model.n_spins


def _satisfied_component(spins: np.ndarray, nbr: np.ndarray, sign: int, site: int) -> set:
    """Sites joined to ``site`` by satisfied bonds (sign * s_i * s_j > 0), breadth first."""
    component, frontier = {site}, [site]
    while frontier:
        i = frontier.pop()
        for j in nbr[i]:
            if sign * spins[i] * spins[j] > 0 and int(j) not in component:
                component.add(int(j))
                frontier.append(int(j))
    return component


@pytest.mark.parametrize(
    "model",
    [
        deeprg.IsingSquare(3, -1.0),
        deeprg.IsingChain(7, -1.0),
        deeprg.IsingSquare(5, 1.0),
        deeprg.IsingSquare(4, -1.0),
    ],
    ids=repr,
)
def test_wolff_cluster_at_p_one_is_the_satisfied_bond_component(model):
    """With p = 1 a Wolff update flips exactly one connected component of satisfied bonds,
    also on frustrated lattices, where a member can neighbour another member through an
    unsatisfied bond (marking members by their flipped spin would re-add it)."""
    from deeprg.mc._records import empty_records
    from deeprg.mc._rng import TWO_POW_53
    from deeprg.mc.wolff import wolff_run

    nbr = neighbour_table(model).astype(np.uint32)
    sign = 1 if model.coupling > 0 else -1
    rng = np.random.default_rng(5)
    for trial in range(20):
        before = rng.choice(np.array([-1, 1], dtype=np.int8), size=(1, model.n_spins))
        spins = before.copy()
        flipped = np.zeros(1, dtype=np.int64)
        out = empty_records(1, 1, model.n_spins, store=False)
        states = np.array([trial], dtype=np.uint64)
        wolff_run(spins, states, nbr, TWO_POW_53, sign, 0.0, 1, out, flipped)
        mag = out.magnetization
        members = set(np.flatnonzero(spins[0] != before[0]).tolist())
        assert flipped[0] == len(members) >= 1
        site = min(members)
        assert members == _satisfied_component(before[0], nbr, sign, site)
        assert mag[0, 0] == spins.sum()


def test_block_random_numbers_are_the_sequential_stream():
    """fill_u53 blocks reproduce repeated next_u53 calls, and block_state resumes them."""
    from numba import njit

    from deeprg.mc._rng import block_state, fill_u53, next_u53

    @njit
    def sequential(state, n):
        out = np.empty(n, dtype=np.int64)
        for k in range(n):
            state, out[k] = next_u53(state)
        return out, state

    @njit
    def blocked(state, n, block):
        buf = np.empty(block, dtype=np.int64)
        out = np.empty(n, dtype=np.int64)
        base, pos = state, 0
        fill_u53(buf, base)
        for k in range(n):
            if pos == block:
                base = block_state(base, pos)
                fill_u53(buf, base)
                pos = 0
            out[k] = buf[pos]
            pos += 1
        return out, block_state(base, pos)

    expected, end = sequential(np.uint64(12345), 1000)
    got, got_end = blocked(np.uint64(12345), 1000, 64)
    np.testing.assert_array_equal(got, expected)
    assert got_end == end
    assert 0 <= expected.min() and expected.max() < 2**53


@pytest.mark.parametrize(
    "model",
    [deeprg.IsingSquare(2, 0.4), deeprg.IsingSquare(3, -0.4, 0.2), deeprg.IsingSquare(5, 0.5)],
    ids=repr,
)
def test_wolff_observables_match_the_configurations_on_small_tori(model):
    """The row-by-row bond sum and the running magnetisation agree with the model's."""
    samples = sample(model, 200, algorithm="wolff", seed=2, thin=3, burn_in=10)
    np.testing.assert_allclose(samples.energy, model.energy(samples.spins), atol=1e-12)
    np.testing.assert_array_equal(samples.magnetization, model.magnetization(samples.spins))


def test_wolff_chains_do_not_depend_on_the_thread_count():
    from deeprg.mc._records import empty_records
    from deeprg.mc._rng import probability_threshold
    from deeprg.mc.wolff import wolff_run

    model = deeprg.IsingSquare(8, 0.4, 0.05)
    nbr = neighbour_table(model).astype(np.uint32)
    p_add = int(probability_threshold(1.0 - np.exp(-0.8)))
    start = np.random.default_rng(1).choice(np.array([-1, 1], dtype=np.int8), size=(3, 64))
    results = []
    for threads in (1, 2, 3):
        spins, states = start.copy(), np.arange(3, dtype=np.uint64) + 9
        out = empty_records(3, 5, 64, store=True)
        flipped = np.zeros(3, dtype=np.int64)
        wolff_run(spins, states, nbr, p_add, 1, 0.05, 7, out, flipped, threads)
        results.append((spins, states, *out, flipped))
    for other in results[1:]:
        for a, b in zip(results[0], other, strict=True):
            np.testing.assert_array_equal(a, b)
