"""Training: CD/PCD against the exact gradient, the update rule, Ising KL, checkpoints, history."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import torch

from deeprg.errors import InputError
from deeprg.ising import IsingSquare
from deeprg.rbm import RBM, TrainingDivergedError
from deeprg.rbm.training import CENTERING_RATE, Trainer

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def trainer_for(rbm: RBM, data: np.ndarray, w, a, b, seed: int = 0) -> Trainer:
    config = rbm._check_params()
    generator = torch.Generator().manual_seed(seed)
    tensors = [torch.tensor(x, dtype=torch.float64) for x in (data, w, a, b)]
    return Trainer(config, tensors[0], *tensors[1:], generator=generator)


def step_delta(trainer: Trainer, rows: torch.Tensor, lr: float, momentum: float):
    """Parameter change of one update, leaving the trainer's parameters unchanged."""
    before = [t.clone() for t in (trainer.weights, trainer.visible_bias, trainer.hidden_bias)]
    trainer.step(rows, lr, momentum)
    after = [t.clone() for t in (trainer.weights, trainer.visible_bias, trainer.hidden_bias)]
    for tensor, old in zip(
        (trainer.weights, trainer.visible_bias, trainer.hidden_bias), before, strict=True
    ):
        tensor.copy_(old)
    return [(new - old).numpy() for new, old in zip(after, before, strict=True)]


# ---------------------------------------------------------------- gradient


def exact_gradient(w, a, b, data):
    """Autograd of the exact mean log-likelihood (enumeration over all visible states)."""
    wt, at, bt = (torch.tensor(x, requires_grad=True) for x in (w, a, b))
    states = torch.tensor(list(itertools.product([0.0, 1.0], repeat=len(a))), dtype=torch.float64)

    def minus_free_energy(v):
        return v @ at + torch.nn.functional.softplus(v @ wt + bt).sum(dim=1)

    log_likelihood = minus_free_energy(torch.tensor(data)).mean() - torch.logsumexp(
        minus_free_energy(states), dim=0
    )
    log_likelihood.backward()
    # Model-side standard deviation of one chain's contribution v_i E[h_j | v] (for the tolerance).
    p = torch.softmax(minus_free_energy(states), dim=0).detach()
    contribution = states[:, :, None] * torch.sigmoid(states @ wt + bt).detach()[:, None, :]
    mean = (p[:, None, None] * contribution).sum(dim=0)
    std = torch.sqrt((p[:, None, None] * (contribution - mean) ** 2).sum(dim=0))
    return [t.grad.numpy() for t in (wt, at, bt)], std.numpy()


@pytest.fixture
def tiny_problem():
    rng = np.random.default_rng(0)
    w, a, b = rng.normal(0, 0.7, (5, 3)), rng.normal(0, 0.5, 5), rng.normal(0, 0.5, 3)
    data = (rng.random((4000, 5)) < np.linspace(0.2, 0.8, 5)).astype(np.float64)
    return w, a, b, data


@pytest.mark.parametrize(
    ("persistent", "cd_k", "updates", "matmul_dtype"),
    [(True, 1, 40, "float32"), (False, 50, 2, "float32"), (True, 1, 40, "bfloat16")],
    ids=["pcd", "cd50", "pcd-bfloat16"],
)
def test_update_matches_exact_gradient(tiny_problem, persistent, cd_k, updates, matmul_dtype):
    """Averaged updates (lr 1, no momentum) ≈ autograd of the exact log-likelihood.

    The positive phase is exact (conditional means of the data). The negative phase averages
    v_i E[h_j | v] over M = 4000 chains that have mixed (PCD: 40 successive updates of
    persistent chains with the model held fixed; CD-50: 50 sweeps from the data, sampled);
    averaging more updates only lowers the variance, so 5 σ/√M with σ the exact model-side
    standard deviation of one chain's term bounds the error. Negative controls: the biased
    CD-1 estimate and the exact gradient of a model with one weight moved by 0.3 both fail
    the same bound.
    """
    w, a, b, data = tiny_problem
    rbm = RBM(
        3,
        batch_size=len(data),
        cd_k=cd_k,
        persistent=persistent,
        reconstruction="sample",
        dtype="float64",
        matmul_dtype=matmul_dtype,
    )
    trainer = trainer_for(rbm, data, w, a, b)
    rows = torch.arange(len(data))
    deltas = [step_delta(trainer, rows, 1.0, 0.0) for _ in range(updates)]
    estimate = [np.mean([d[i] for d in deltas], axis=0) for i in range(3)]
    (grad_w, grad_a, grad_b), std = exact_gradient(w, a, b, data)
    tolerance = 5 * std / np.sqrt(len(data))
    assert np.all(np.abs(estimate[0] - grad_w) < tolerance)
    assert np.all(np.abs(estimate[1] - grad_a) < 5 * 0.5 / np.sqrt(len(data)))
    assert np.all(np.abs(estimate[2] - grad_b) < 5 * 0.5 / np.sqrt(len(data)))
    # CD-1 from the data is biased (Carreira-Perpiñán & Hinton 2005): the bound detects it.
    biased = RBM(3, batch_size=len(data), reconstruction="sample", dtype="float64")
    cd1 = step_delta(trainer_for(biased, data, w, a, b), rows, 1.0, 0.0)[0]
    assert np.any(np.abs(cd1 - grad_w) > tolerance)
    w_wrong = w.copy()
    w_wrong[0, 0] += 0.3
    (grad_wrong, _, _), _ = exact_gradient(w_wrong, a, b, data)
    assert np.any(np.abs(estimate[0] - grad_wrong) > tolerance)


def test_penalties_and_momentum_enter_the_update_as_documented(tiny_problem):
    """Same random numbers, so the differences are exactly the documented extra terms."""
    w, a, b, data = tiny_problem
    rows = torch.arange(100)
    plain = RBM(3, batch_size=100, dtype="float64")
    penalised = RBM(3, batch_size=100, dtype="float64", l1=0.01, l2=0.1)
    d_plain = step_delta(trainer_for(plain, data, w, a, b), rows, 0.5, 0.0)
    d_pen = step_delta(trainer_for(penalised, data, w, a, b), rows, 0.5, 0.0)
    np.testing.assert_allclose(
        d_pen[0] - d_plain[0], -0.5 * (0.1 * w + 0.01 * np.sign(w)), atol=1e-12
    )
    np.testing.assert_allclose(d_pen[1], d_plain[1], atol=1e-12)

    # Momentum: ΔW_2 = μ ΔW_1 + (plain step 2); replay step 2 without velocity to compare.
    trainer = trainer_for(plain, data, w, a, b)
    first = [t.clone() for t in (trainer.weights,)]
    trainer.step(rows, 0.5, 0.0)
    delta_1 = (trainer.weights - first[0]).numpy()
    state = trainer.state_dict()
    params = [t.clone() for t in (trainer.weights, trainer.visible_bias, trainer.hidden_bias)]
    with_momentum = step_delta(trainer, rows, 0.5, 0.9)[0]
    replay = Trainer(
        trainer.config, trainer.data, *params, generator=torch.Generator(), state=state
    )
    replay.velocity_weights.zero_()
    replay.velocity_visible.zero_()
    replay.velocity_hidden.zero_()
    without = step_delta(replay, rows, 0.5, 0.0)[0]
    np.testing.assert_allclose(with_momentum - without, 0.9 * delta_1, atol=1e-12)


def test_centred_update_follows_melchior_algorithm(tiny_problem):
    """One centred step equals the plain step transformed as in Melchior et al. (2016).

    With offsets μ (data mean) and λ (0.5 at the start) and the plain step's bias changes
    Δa, Δb (= η(<v>_d - <v>_m), η(<h>_d - <h>_m)): ΔW_c = ΔW - μ Δbᵀ - Δa λᵀ,
    Δa_c = Δa - ΔW_c λ, Δb_c = Δb - ΔW_cᵀ μ (same random numbers in both runs).
    """
    w, a, b, data = tiny_problem
    rows = torch.arange(200)
    plain = step_delta(
        trainer_for(RBM(3, batch_size=200, dtype="float64"), data, w, a, b), rows, 0.3, 0.0
    )
    centred_trainer = trainer_for(
        RBM(3, batch_size=200, dtype="float64", centering=True), data, w, a, b
    )
    centred = step_delta(centred_trainer, rows, 0.3, 0.0)
    mu, lam = data.mean(axis=0), np.full(3, 0.5)
    d_w = plain[0] - np.outer(mu, plain[2]) - np.outer(plain[1], lam)
    np.testing.assert_allclose(centred[0], d_w, atol=1e-12)
    np.testing.assert_allclose(centred[1], plain[1] - d_w @ lam, atol=1e-12)
    np.testing.assert_allclose(centred[2], plain[2] - d_w.T @ mu, atol=1e-12)
    # The hidden offset moved towards the data's hidden mean at the documented rate.
    h_data = 1 / (1 + np.exp(-(data[:200] @ w + b)))
    expected_lam = (1 - CENTERING_RATE) * lam + CENTERING_RATE * h_data.mean(axis=0)
    np.testing.assert_allclose(centred_trainer.hidden_offset.numpy(), expected_lam, atol=1e-12)


# ---------------------------------------------------------------- learning an Ising model


@pytest.fixture(scope="module")
def ising_3x3():
    """Exact P of the periodic 3x3 lattice at J = 0.3 and 5000 exact (i.i.d.) samples of it."""
    model = IsingSquare(3, 0.3)
    spins = np.array(list(itertools.product([-1.0, 1.0], repeat=9)))
    log_weight = -model.energy(spins.reshape(-1, 3, 3))
    log_p = log_weight - np.logaddexp.reduce(log_weight)
    rng = np.random.default_rng(0)
    samples = spins[rng.choice(len(spins), size=5000, p=np.exp(log_p))]
    return spins, log_p, samples


def kl_divergence(rbm, spins, log_p, units):
    states = spins if units == "spin" else (spins + 1) / 2
    return float(np.sum(np.exp(log_p) * (log_p - rbm.score_samples(states))))


@pytest.mark.parametrize(
    ("units", "options"),
    [
        ("spin", {"learning_rate": 0.1}),
        ("binary", {"learning_rate": 0.5, "centering": True}),
        ("spin", {"learning_rate": 0.1, "matmul_dtype": "bfloat16"}),
    ],
    ids=["spin", "binary-centred", "spin-bfloat16"],
)
def test_rbm_learns_the_3x3_ising_distribution(ising_3x3, units, options):
    """Exact KL(P || p) of an RBM trained by PCD on 5000 exact samples of the 3x3 lattice.

    Threshold 0.1 nats, justified by three exact numbers: the untrained RBM (and every model of
    independent spins, since each marginal is 1/2 at zero field) is at KL(P || uniform) =
    1.558 nats; the maximum-likelihood RBM with the same 16 hidden units fitted to the same
    samples by exact gradient ascent reaches ≈ 0.01-0.02 (finite data: ≈ d/2N = 169/10^4);
    so KL < 0.1 means > 93% of the correlation information is learned while leaving room for
    the noise of 4000 stochastic updates (measured 0.01-0.05 over seeds). A model trained on
    samples at the wrong coupling J = 0.1 must fail the same threshold (negative control).
    """
    spins, log_p, samples = ising_3x3
    data = samples if units == "spin" else (samples + 1) / 2
    common = {
        "units": units,
        "persistent": True,
        "momentum": 0.0,
        "initial_momentum": None,
        "epochs": 40,
        "batch_size": 50,
        "learning_rate_schedule": "inverse",
        "learning_rate_decay": 0.1,
        "history_samples": 0,
        "random_state": 1,
        **options,
    }
    untrained = RBM.from_parameters(np.zeros((9, 16)), np.zeros(9), np.zeros(16), units=units)
    kl_uniform = 9 * np.log(2) + np.sum(np.exp(log_p) * log_p)
    assert kl_uniform == pytest.approx(1.558, abs=1e-3)
    assert kl_divergence(untrained, spins, log_p, units) == pytest.approx(kl_uniform, rel=1e-9)
    trained = RBM(16, **common).fit(data)
    assert kl_divergence(trained, spins, log_p, units) < 0.1

    wrong_model = IsingSquare(3, 0.1)
    log_w = -wrong_model.energy(spins.reshape(-1, 3, 3))
    rng = np.random.default_rng(1)
    wrong = spins[rng.choice(len(spins), size=5000, p=np.exp(log_w - np.logaddexp.reduce(log_w)))]
    wrong_data = wrong if units == "spin" else (wrong + 1) / 2
    control = RBM(16, **common).fit(wrong_data)
    assert kl_divergence(control, spins, log_p, units) > 0.1


# ---------------------------------------------------------------- checkpoints and resume


@pytest.fixture
def small_data():
    rng = np.random.default_rng(5)
    return (rng.random((230, 7)) < np.linspace(0.1, 0.9, 7)).astype(np.float32)


@pytest.mark.parametrize(
    "options",
    [
        {},
        {"persistent": True, "centering": True, "l1": 1e-3, "l2": 1e-3, "cd_k": 2},
        {"units": "spin", "learning_rate_schedule": "exponential", "learning_rate_decay": 0.1},
    ],
    ids=["cd", "pcd-centred", "spin-schedule"],
)
def test_resume_is_bit_for_bit(tmp_path, small_data, options):
    """4 epochs straight == 2 epochs to a checkpoint + resumed to 4 (momentum switch at 3)."""
    data = small_data if options.get("units") != "spin" else 2 * small_data - 1
    settings = {"batch_size": 40, "momentum_switch_epoch": 3, "random_state": 11, **options}
    straight = RBM(5, epochs=4, **settings).fit(data)
    path = tmp_path / "rbm.ckpt"
    first = RBM(5, epochs=2, **settings).fit(data, checkpoint=path)
    assert first.history_["epoch"] == [1, 2]
    resumed = RBM(5, epochs=4, **settings).fit(data, checkpoint=path)
    for name in ("weights_", "visible_bias_", "hidden_bias_"):
        np.testing.assert_array_equal(getattr(resumed, name), getattr(straight, name))
    for key, values in straight.history_.items():
        if key != "seconds":
            np.testing.assert_array_equal(resumed.history_[key], values)
    # A finished checkpoint is reused as is.
    again = RBM(5, epochs=4, **settings).fit(data, checkpoint=path)
    np.testing.assert_array_equal(again.weights_, straight.weights_)
    assert list(tmp_path.iterdir()) == [path]  # no temporary file left behind


def test_checkpoint_mismatches_are_refused(tmp_path, small_data):
    path = tmp_path / "rbm.ckpt"
    RBM(5, epochs=2, random_state=0).fit(small_data, checkpoint=path)
    with pytest.raises(InputError, match="learning_rate"):
        RBM(5, epochs=3, random_state=0, learning_rate=0.2).fit(small_data, checkpoint=path)
    with pytest.raises(InputError, match="different training data"):
        RBM(5, epochs=3, random_state=0).fit(small_data[::-1].copy(), checkpoint=path)
    with pytest.raises(InputError, match="more than epochs=1"):
        RBM(5, epochs=1, random_state=0).fit(small_data, checkpoint=path)
    bad = tmp_path / "garbage.ckpt"
    bad.write_bytes(b"not a checkpoint")
    with pytest.raises(InputError, match="unreadable"):
        RBM(5, epochs=1).fit(small_data, checkpoint=bad)
    with pytest.raises(InputError, match="does not exist"):
        RBM(5, epochs=1).fit(small_data, checkpoint=tmp_path / "missing" / "x.ckpt")


def test_partial_fit_continues_like_fit(small_data):
    straight = RBM(4, epochs=3, random_state=2, batch_size=50).fit(small_data)
    stepped = RBM(4, epochs=1, random_state=2, batch_size=50).fit(small_data)
    stepped.partial_fit(small_data).partial_fit(small_data)
    np.testing.assert_array_equal(stepped.weights_, straight.weights_)
    assert stepped.history_["epoch"] == [1, 2, 3]
    fresh = RBM(4, random_state=2, batch_size=50).partial_fit(small_data)
    np.testing.assert_array_equal(
        fresh.weights_, RBM(4, epochs=1, random_state=2, batch_size=50).fit(small_data).weights_
    )


def test_same_seed_same_model_and_refit_restarts(small_data):
    a = RBM(4, epochs=2, random_state=3).fit(small_data)
    b = RBM(4, epochs=2, random_state=3).fit(small_data)
    np.testing.assert_array_equal(a.weights_, b.weights_)
    c = RBM(4, epochs=2, random_state=4).fit(small_data)
    assert not np.array_equal(a.weights_, c.weights_)
    a.fit(small_data)  # fit restarts from scratch
    np.testing.assert_array_equal(a.weights_, b.weights_)


# ---------------------------------------------------------------- history, schedules, divergence


def test_history_records_metrics_and_schedules(small_data):
    rbm = RBM(
        5,
        epochs=4,
        random_state=0,
        batch_size=23,
        learning_rate=0.2,
        learning_rate_schedule="inverse",
        learning_rate_decay=0.5,
        momentum_switch_epoch=2,
    ).fit(small_data)
    h = rbm.history_
    assert h["epoch"] == [1, 2, 3, 4]
    np.testing.assert_allclose(h["learning_rate"], [0.2 / (1 + 0.5 * t) for t in range(4)])
    assert h["momentum"] == [0.5, 0.5, 0.9, 0.9]
    assert all(np.isfinite(h[k]).all() for k in ("reconstruction_error", "pseudo_likelihood"))
    # Exact log-likelihood (5 hidden units <= 20) on the whole data (230 <= history_samples).
    assert h["log_likelihood"][-1] == pytest.approx(rbm.score(small_data), abs=1e-5)
    wide = RBM(21, epochs=1, random_state=0).fit(np.tile(small_data, (1, 3)))
    assert np.isnan(wide.history_["log_likelihood"][0])  # both layers have 21 units
    off = RBM(3, epochs=1, random_state=0, history_samples=0).fit(small_data)
    assert np.isnan(off.history_["reconstruction_error"][0])


def test_callable_schedule(small_data):
    rbm = RBM(3, epochs=3, random_state=0, learning_rate_schedule=lambda t: 0.5**t).fit(small_data)
    np.testing.assert_allclose(rbm.history_["learning_rate"], [0.1, 0.05, 0.025])


def test_divergence_stops_with_a_clear_message(small_data):
    with pytest.raises(TrainingDivergedError, match="lower learning_rate"):
        RBM(5, epochs=3, random_state=0, learning_rate=1e38).fit(small_data)
    with pytest.raises(TrainingDivergedError, match="finite factor"):
        RBM(5, epochs=2, random_state=0, learning_rate_schedule=lambda t: float("nan")).fit(
            small_data
        )


def test_bfloat16_products_round_the_update_only_slightly(tiny_problem):
    """One CD-1 update with bfloat16 operands against float64 from the same state and random
    stream: the weight change differs (the products really ran in bfloat16) by less than
    2 % of its largest entry (bfloat16 rounds each operand by at most 2^-9 relative)."""
    w, a, b, data = tiny_problem
    rows = torch.arange(200)
    exact = step_delta(trainer_for(RBM(3, batch_size=200, dtype="float64"), data, w, a, b), rows,
                       0.1, 0.0)  # fmt: skip
    low = RBM(3, batch_size=200, dtype="float64", matmul_dtype="bfloat16")
    rounded = step_delta(trainer_for(low, data, w, a, b), rows, 0.1, 0.0)
    for e, r in zip(exact, rounded, strict=True):
        assert np.max(np.abs(e - r)) < 0.02 * np.max(np.abs(e))
    assert np.max(np.abs(exact[0] - rounded[0])) > 0
    with pytest.raises(InputError, match="matmul_dtype"):
        RBM(3, matmul_dtype="float16").fit(data)
