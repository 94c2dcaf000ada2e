"""Gaussian visible units: exact ln Z against numerical integration, CD against autograd of the
exact log-likelihood, learned variances, AIS, sampling, files and refusals.

The references here are written out independently of deeprg's functions: the Gaussian-Bernoulli
energy E(v, h) = ½|x|² - a·x - b·h - x·W·h + Σ ln σ with x = v / σ, summed over the hidden
states by enumeration and integrated over v on a grid or by completing the square.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
import torch

from deeprg import io
from deeprg.errors import InputError
from deeprg.rbm import DBN, RBM, ConvRBM
from deeprg.rbm.training import Trainer

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def hidden_states(n_hidden: int) -> np.ndarray:
    return np.array(list(itertools.product([0.0, 1.0], repeat=n_hidden)))


def log_z_by_completing_the_square(w, a, b) -> float:
    """ln Σ_h ∫ exp(-½|x|² + a·x + b·h + x·W·h) dx, the x-integral done in closed form."""
    h = hidden_states(w.shape[1])
    mean = a + h @ w.T  # shape (2^n_hidden, n_visible)
    terms = h @ b + 0.5 * (mean**2).sum(axis=1) + 0.5 * w.shape[0] * math.log(2 * math.pi)
    return float(np.logaddexp.reduce(terms))


@pytest.fixture
def tiny_gaussian():
    rng = np.random.default_rng(3)
    w, a, b = rng.normal(0, 0.6, (2, 3)), rng.normal(0, 0.5, 2), rng.normal(0, 0.5, 3)
    std = np.array([0.7, 1.6])
    rbm = RBM.from_parameters(w, a, b, units="gaussian", visible_std=std)
    return rbm, w, a, b, std


def test_exact_log_partition_against_numerical_integration(tiny_gaussian):
    """ln Z by the library and ∫ p(v) dv = 1 on a grid, against the closed form."""
    rbm, w, a, b, std = tiny_gaussian
    reference = log_z_by_completing_the_square(w, a, b)
    assert abs(rbm.log_partition("exact") - reference) < 1e-12
    # Numerical integration of Σ_h exp(-E(v, h)) over v on a fine grid (trapezoid).
    grid_x = np.linspace(-12, 12, 1201)
    vx, vy = np.meshgrid(grid_x * std[0], grid_x * std[1], indexing="ij")
    v = np.stack([vx.ravel(), vy.ravel()], axis=1)
    x = v / std
    h = hidden_states(3)
    energy = (
        0.5 * (x**2).sum(1)[:, None]
        - (x @ a)[:, None]
        - (h @ b)[None, :]
        - x @ w @ h.T
        + np.log(std).sum()
    )
    density = np.exp(-energy).sum(axis=1).reshape(vx.shape)
    integral = np.trapezoid(np.trapezoid(density, vy[0], axis=1), vx[:, 0])
    assert abs(math.log(integral) - reference) < 1e-8
    # p(v) = exp(-F(v)) / Z integrates to one, with the Jacobian of x = v / σ in F.
    log_p = -rbm.free_energy(v) - rbm.log_partition()
    total = np.trapezoid(np.trapezoid(np.exp(log_p).reshape(vx.shape), vy[0], axis=1), vx[:, 0])
    assert abs(total - 1) < 1e-8
    # Negative control: dropping the Jacobian Σ ln σ breaks the normalisation.
    assert abs(total * math.exp(np.log(std).sum()) - 1) > 0.1


def test_free_energy_and_energy_agree_with_enumeration(tiny_gaussian):
    rbm, w, a, b, std = tiny_gaussian
    v = np.random.default_rng(1).normal(0, 2, (7, 2))
    h = hidden_states(3)
    energies = np.stack([rbm.energy(v, np.broadcast_to(state, (7, 3))) for state in h], axis=1)
    np.testing.assert_allclose(
        rbm.free_energy(v), -np.logaddexp.reduce(-energies, axis=1), atol=1e-12
    )
    x = v / std
    np.testing.assert_allclose(
        energies[:, -1],
        0.5 * (x**2).sum(1) - x @ a - b.sum() - (x @ w).sum(1) + np.log(std).sum(),
        atol=1e-12,
    )


def test_ais_matches_the_exact_log_partition():
    """AIS within 3 standard errors of the exact value (12 hidden units); a 5 % change of W
    moves the exact value outside that band."""
    rng = np.random.default_rng(0)
    w, a, b = rng.normal(0, 0.15, (30, 12)), rng.normal(0, 0.5, 30), rng.normal(0, 0.5, 12)
    rbm = RBM.from_parameters(w, a, b, units="gaussian")
    exact = rbm.log_partition("exact")
    assert abs(exact - log_z_by_completing_the_square(w, a, b)) < 1e-10
    estimate, error = rbm.log_partition("ais", n_chains=200, n_betas=2000, seed=5, return_std=True)
    assert abs(estimate - exact) < 3 * error + 1e-3
    moved = RBM.from_parameters(1.05 * w, a, b, units="gaussian").log_partition("exact")
    assert abs(estimate - moved) > 3 * error + 1e-3


# ---------------------------------------------------------------- gradients


def exact_log_likelihood(w, a, b, log_std, data):
    """Mean exact ln p(v) as a torch scalar (autograd-ready), written out independently."""
    h = torch.tensor(hidden_states(w.shape[1]))
    x = data / torch.exp(log_std)
    minus_free = x @ a - 0.5 * (x**2).sum(1) + torch.nn.functional.softplus(x @ w + b).sum(1)
    mean = a + h @ w.T
    log_z = torch.logsumexp(h @ b + 0.5 * (mean**2).sum(1), dim=0)
    log_z = log_z + 0.5 * w.shape[0] * math.log(2 * math.pi)
    return minus_free.mean() - log_z - log_std.sum()


def exact_sample(w, a, b, n, rng):
    """Exact samples x of a unit-variance Gaussian RBM: h from p(h), then x ~ N(a + W h, 1)."""
    h = hidden_states(w.shape[1])
    mean = a + h @ w.T
    log_weight = h @ b + 0.5 * (mean**2).sum(1)
    p = np.exp(log_weight - np.logaddexp.reduce(log_weight))
    pick = rng.choice(len(h), size=n, p=p)
    return mean[pick] + rng.normal(size=(n, w.shape[0]))


@pytest.fixture
def gradient_problem():
    rng = np.random.default_rng(0)
    w, a, b = rng.normal(0, 0.5, (4, 3)), rng.normal(0, 0.5, 4), rng.normal(0, 0.5, 3)
    data = rng.normal(0.3, 1.2, (4000, 4))
    return w, a, b, data


def one_update(units_rbm: RBM, data, w, a, b, log_std=None, seed=0):
    config = units_rbm._check_params()
    tensors = [torch.tensor(x, dtype=torch.float64) for x in (data, w, a, b)]
    trainer = Trainer(
        config,
        *tensors,
        generator=torch.Generator().manual_seed(seed),
        log_std=None if log_std is None else torch.tensor(log_std),
    )
    before = [t.clone() for t in trainer.parameter_tensors()]
    trainer.step(torch.arange(len(data)), 1.0, 0.0)
    return [(t - old).numpy() for t, old in zip(trainer.parameter_tensors(), before, strict=True)]


def test_cd_update_matches_exact_gradient(gradient_problem):
    """CD-50 (sampled) averaged over 2 full-batch updates ≈ autograd of the exact mean
    log-likelihood, within 5 σ/√M with σ the model-side spread of one chain's v_i E[h_j|v]
    (from exact samples); CD-1 and a model with one weight moved by 0.3 fail the bound."""
    w, a, b, data = gradient_problem
    rbm = RBM(3, units="gaussian", batch_size=len(data), cd_k=50, reconstruction="sample")
    rbm.dtype = "float64"
    updates = [one_update(rbm, data, w, a, b, seed=s) for s in range(2)]
    estimate = [np.mean([u[i] for u in updates], axis=0) for i in range(3)]
    params = [torch.tensor(x, requires_grad=True) for x in (w, a, b)]
    exact_log_likelihood(
        *params, torch.zeros(4, dtype=torch.float64), torch.tensor(data)
    ).backward()
    grad_w, grad_a, grad_b = (p.grad.numpy() for p in params)
    samples = exact_sample(w, a, b, 200_000, np.random.default_rng(9))
    terms = samples[:, :, None] / (1 + np.exp(-(samples @ w + b)))[:, None, :]
    tolerance = 5 * terms.std(axis=0) / np.sqrt(len(data))
    assert np.all(np.abs(estimate[0] - grad_w) < tolerance)
    assert np.all(np.abs(estimate[1] - grad_a) < 5 * samples.std(axis=0) / np.sqrt(len(data)))
    assert np.all(np.abs(estimate[2] - grad_b) < 5 * 0.5 / np.sqrt(len(data)))
    cd1 = RBM(3, units="gaussian", batch_size=len(data), reconstruction="sample")
    cd1.dtype = "float64"
    assert np.any(np.abs(one_update(cd1, data, w, a, b)[0] - grad_w) > tolerance)
    w_wrong = w.copy()
    w_wrong[0, 0] += 0.3
    params = [torch.tensor(x, requires_grad=True) for x in (w_wrong, a, b)]
    exact_log_likelihood(
        *params, torch.zeros(4, dtype=torch.float64), torch.tensor(data)
    ).backward()
    assert np.any(np.abs(estimate[0] - params[0].grad.numpy()) > tolerance)


def test_learned_variance_update_is_the_exact_gradient(gradient_problem):
    """The ln σ step (lr 1, no momentum) equals autograd of the exact mean log-likelihood
    with respect to ln σ, clipped to [-1, 1], to rounding: that derivative has no model
    term."""
    w, a, b, data = gradient_problem
    log_std = np.array([0.1, -0.2, 0.3, 0.0])
    rbm = RBM(3, units="gaussian", learn_variance=True, batch_size=len(data), dtype="float64")
    step = one_update(rbm, data, w, a, b, log_std=log_std)[3]
    tensor = torch.tensor(log_std, requires_grad=True)
    exact_log_likelihood(
        *(torch.tensor(x) for x in (w, a, b)), tensor, torch.tensor(data)
    ).backward()
    np.testing.assert_allclose(step, np.clip(tensor.grad.numpy(), -1, 1), atol=1e-12)
    assert np.any(np.abs(tensor.grad.numpy()) < 1)  # the comparison is not all clipping


def test_learned_variances_recover_the_data_scale():
    """Independent features with standard deviations 0.5, 1 and 3. With the weights held
    near zero (strong L2) the model is a product of Gaussians, whose maximum-likelihood σ is
    the data's: the learned σ land within 5 % of it. With free weights the hidden units take
    up part of the spread (σ shrinks, as for any Gaussian mixture), and the exact held-out
    log-likelihood beats the fixed unit-variance model's (-5.27 against -4.80 measured, the
    data's own -4.66), which cannot fit scales 0.5 or 3."""
    rng = np.random.default_rng(1)
    scales = np.array([0.5, 1.0, 3.0])
    data, held_out = rng.normal(2.0, scales, (5000, 3)), rng.normal(2.0, scales, (2000, 3))
    options = {"units": "gaussian", "epochs": 30, "learning_rate": 0.01, "random_state": 0}
    product = RBM(2, learn_variance=True, l2=5.0, **options).fit(data)
    np.testing.assert_allclose(product.visible_std_, scales, rtol=0.05)
    learned = RBM(4, learn_variance=True, **options).fit(data)
    fixed = RBM(4, **options).fit(data)
    np.testing.assert_array_equal(fixed.visible_std_, np.ones(3))
    exact = -0.5 * np.log(2 * np.pi * scales**2).sum() - 1.5  # the data's own ln p per row
    assert learned.score(held_out) > fixed.score(held_out) + 0.3
    assert abs(product.score(held_out) - exact) < 0.05
    # CD-1's bias with free weights costs about 0.14 nats here (measured); 0.3 bounds it.
    assert abs(learned.score(held_out) - exact) < 0.3


def test_gibbs_samples_have_the_exact_mean_and_variance(tiny_gaussian):
    """Long Gibbs chains of the tiny model: E[v] and Var[v] within 5 standard errors of the
    exact mixture moments (chains are independent, so the error is σ/√n)."""
    rbm, w, a, b, std = tiny_gaussian
    h = hidden_states(3)
    mean_x = a + h @ w.T
    log_weight = h @ b + 0.5 * (mean_x**2).sum(1)
    p = np.exp(log_weight - np.logaddexp.reduce(log_weight))
    exact_mean = std * (p @ mean_x)
    exact_var = std**2 * (1 + p @ mean_x**2 - (p @ mean_x) ** 2)
    rbm.dtype = "float64"
    v = rbm.gibbs(np.zeros((20000, 2)), n_steps=30, generator=4)
    error = np.sqrt(exact_var / len(v))
    assert np.all(np.abs(v.mean(0) - exact_mean) < 5 * error)
    assert np.all(np.abs(v.var(0) - exact_var) < 5 * exact_var * np.sqrt(2 / len(v)) * 1.5)


# ---------------------------------------------------------------- estimator, DBN, files


def test_gaussian_dbn_round_trips_through_the_model_file(tmp_path):
    rng = np.random.default_rng(0)
    data = rng.normal(0, 1, (300, 6))
    dbn = DBN((4, 2), units="gaussian", learn_variance=True, epochs=3, random_state=0).fit(data)
    assert [r.units for r in dbn.rbms_] == ["gaussian", "binary"]
    path = io.save_model(dbn, tmp_path / "g.h5")
    loaded = io.load_model(path)
    np.testing.assert_array_equal(loaded.rbms_[0].visible_std_, dbn.rbms_[0].visible_std_)
    np.testing.assert_allclose(loaded.transform(data), dbn.transform(data), atol=1e-6)
    np.testing.assert_allclose(loaded.reconstruct(data), dbn.reconstruct(data), atol=1e-6)
    assert dbn.generate(5, gibbs_steps=3, seed=1).shape == (5, 6)


def test_refusals_name_the_fix():
    rbm = RBM.from_parameters(np.zeros((2, 2)), np.zeros(2), np.zeros(2), units="gaussian")
    with pytest.raises(InputError, match="inverse_transform"):
        rbm.visible_conditional(np.zeros((1, 2)))
    with pytest.raises(InputError, match="no binary or spin equivalent"):
        rbm.to_units("spin")
    with pytest.raises(InputError, match="units='gaussian'"):
        RBM(2, learn_variance=True).fit(np.zeros((4, 2)))
    with pytest.raises(InputError, match="'binary' or 'spin'"):
        ConvRBM(kernel_size=2, stride=2, lattice_shape=(4, 4), units="gaussian").fit(
            np.zeros((3, 16))
        )
    with pytest.raises(InputError, match="visible_std"):
        RBM.from_parameters(np.zeros((2, 2)), np.zeros(2), np.zeros(2), visible_std=[1, 1])
    # Real-valued data are accepted by Gaussian units and refused by binary ones.
    data = np.random.default_rng(0).normal(size=(10, 2))
    RBM(2, units="gaussian", epochs=1).fit(data)
    with pytest.raises(InputError, match=r"outside \[0, 1\]"):
        RBM(2, epochs=1).fit(data)


def test_learned_variances_stay_finite_on_standardised_digits():
    """Regression: the digits' constant and rare-spike pixels drove σ to inf (outliers give
    an x² gradient) before the ln σ step was clipped; σ now stays finite and within
    [1 %, 100×] of its start (the data's standard deviation, 1e-3 for constant features)."""
    from sklearn.datasets import load_digits

    pixels = load_digits().data
    mean, std = pixels.mean(0), pixels.std(0)
    data = np.where(std > 0, (pixels - mean) / np.where(std > 0, std, 1), 0.0)
    rbm = RBM(16, units="gaussian", learn_variance=True, epochs=10, random_state=0).fit(data)
    assert np.isfinite(rbm.visible_std_).all()
    start = np.maximum(data.std(0), 1e-3)
    assert np.all(rbm.visible_std_ >= 0.0099 * start) and np.all(rbm.visible_std_ <= 101 * start)
