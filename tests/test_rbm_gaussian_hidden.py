"""Gaussian (linear) hidden units: exact partition functions, exact sampling, PCA-like learning.

``units="gaussian-gaussian"`` (Gaussian visible and hidden units) has the energy
E = ½|v|² + ½|h|² - a·v - b·h - v·W·h, a Gaussian in (v, h) with precision matrix
M = [[I, -W], [-Wᵀ, I]]; ``units="binary-gaussian"`` has binary visible units. The checks
below compare with numerical integration (scipy), with the covariance M⁻¹, and with PCA.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from scipy import integrate

from deeprg import DBN, RBM
from deeprg.errors import InputError
from deeprg.rbm.functional import layer_units, rbm_units
from deeprg.rbm.partition import enumerated_units, exact_log_partition


def _tensors(*arrays):
    return [torch.as_tensor(np.asarray(x, dtype=np.float64)) for x in arrays]


def test_units_names_split_into_their_layers():
    assert layer_units("gaussian") == ("gaussian", "binary")
    assert layer_units("gaussian-gaussian") == ("gaussian", "gaussian")
    assert layer_units("binary-gaussian") == ("binary", "gaussian")
    assert rbm_units("gaussian", "binary") == "gaussian"
    assert rbm_units("binary", "binary") == "binary"
    with pytest.raises(InputError, match="Gaussian hidden units"):
        rbm_units("spin", "gaussian")
    assert enumerated_units((30, 4), "gaussian-gaussian") == 0
    assert enumerated_units((6, 40), "binary-gaussian") == 6
    assert enumerated_units((30, 4), "gaussian") == 4


def test_gaussian_gaussian_log_partition_equals_the_integral():
    """1 visible × 1 hidden unit: ln Z against a two-dimensional quadrature."""
    w, a, b = 0.6, 0.3, -0.8

    def density(h, v):
        return math.exp(-(0.5 * v * v + 0.5 * h * h - a * v - b * h - v * w * h))

    value, _ = integrate.dblquad(density, -30, 30, -30, 30, epsabs=1e-12, epsrel=1e-12)
    exact = exact_log_partition(*_tensors([[w]], [a], [b]), "gaussian-gaussian")
    assert exact == pytest.approx(math.log(value), abs=1e-9)
    # Negative control: a coupling of 1 or more makes the Gaussian improper.
    assert exact_log_partition(*_tensors([[1.2]], [a], [b]), "gaussian-gaussian") == math.inf


def test_binary_gaussian_log_partition_equals_the_sum_of_integrals():
    rng = np.random.default_rng(0)
    w, a, b = rng.normal(size=(3, 2)), rng.normal(size=3), rng.normal(size=2)
    total = 0.0
    for state in range(8):
        v = np.array([(state >> i) & 1 for i in range(3)], dtype=float)
        # ∫ exp(b·h + v W h - ½|h|²) dh factorises over the hidden units.
        hidden = 1.0
        for j in range(2):
            x = b[j] + v @ w[:, j]
            hidden *= integrate.quad(lambda h, x=x: math.exp(x * h - 0.5 * h * h), -40, 40)[0]
        total += math.exp(a @ v) * hidden
    exact = exact_log_partition(*_tensors(w, a, b), "binary-gaussian")
    assert exact == pytest.approx(math.log(total), abs=1e-9)


def test_score_samples_is_a_normalised_density():
    model = RBM.from_parameters(
        np.array([[0.5, -0.3]]), np.array([0.2]), np.array([0.1, 0.4]), units="gaussian-gaussian"
    )
    mass, _ = integrate.quad(
        lambda v: math.exp(float(model.score_samples(np.array([[v]]))[0])), -30, 30
    )
    assert mass == pytest.approx(1.0, abs=1e-8)


def test_gibbs_sampling_reproduces_the_exact_covariance():
    """Block Gibbs chains of a Gaussian-Gaussian RBM reach the covariance M⁻¹ (visible block)."""
    rng = np.random.default_rng(1)
    w = 0.4 * rng.normal(size=(3, 2))
    a, b = np.array([0.5, -0.2, 0.1]), np.array([0.3, -0.4])
    model = RBM.from_parameters(w, a, b, units="gaussian-gaussian", random_state=2)
    precision = np.block([[np.eye(3), -w], [-w.T, np.eye(2)]])
    covariance = np.linalg.inv(precision)
    mean = covariance @ np.concatenate([a, b])
    v = np.zeros((4000, 3))
    samples = np.asarray(model.gibbs(v, n_steps=200, generator=3))
    assert samples.shape == (4000, 3)
    sample_mean = samples.mean(axis=0)
    stderr = np.sqrt(np.diag(covariance)[:3] / len(samples))
    assert np.all(np.abs(sample_mean - mean[:3]) < 4 * stderr)
    sample_cov = np.cov(samples.T)
    # Var of a sample variance ≈ 2σ⁴/n.
    assert np.all(
        np.abs(np.diag(sample_cov) - np.diag(covariance)[:3])
        < 4 * np.sqrt(2 / len(samples)) * np.diag(covariance)[:3]
    )
    # Negative control: the covariance of the visible units alone (W = 0) is the identity,
    # which these samples clearly are not.
    assert np.max(np.abs(sample_cov - np.eye(3))) > 0.05


def test_linear_hidden_units_learn_the_principal_subspace():
    """Data on a noisy 3-dimensional subspace: the learned W spans it (as PCA would)."""
    rng = np.random.default_rng(4)
    basis = np.linalg.qr(rng.normal(size=(20, 3)))[0]
    data = (rng.normal(size=(600, 3)) * [3.0, 2.0, 1.5]) @ basis.T + 0.3 * rng.normal(
        size=(600, 20)
    )
    data = (data - data.mean(0)) / data.std(0)
    model = RBM(
        n_hidden=3, units="gaussian-gaussian", learning_rate=0.001, epochs=100, batch_size=20,
        random_state=0,
    ).fit(data.astype(np.float32))  # fmt: skip
    learned = np.linalg.qr(model.weights_.astype(np.float64))[0]
    cosines = np.linalg.svd(basis.T @ learned, compute_uv=False)
    assert cosines.min() > 0.9
    # Negative control: a random 3-dimensional subspace is far from it.
    random = np.linalg.qr(rng.normal(size=(20, 3)))[0]
    assert np.linalg.svd(basis.T @ random, compute_uv=False).min() < 0.9
    # Features are the hidden means b + xW: linear in the data.
    features = model.transform(data[:5])
    expected = data[:5] @ model.weights_.astype(np.float64) + model.hidden_bias_
    np.testing.assert_allclose(features, expected, rtol=1e-5, atol=1e-5)


def test_dbn_hidden_units_per_layer_and_model_files(tmp_path):
    from deeprg import io

    rng = np.random.default_rng(5)
    data = rng.normal(size=(200, 10)).astype(np.float32)
    dbn = DBN(
        layers=(4, 3), units="gaussian", hidden_units=["gaussian", "binary"],
        learning_rate=[0.001, 0.01], epochs=3, batch_size=20, random_state=0,
    ).fit(data)  # fmt: skip
    assert [rbm.units for rbm in dbn.rbms_] == ["gaussian-gaussian", "gaussian"]
    io.save_model(dbn, tmp_path / "m.h5")
    loaded = io.load_model(tmp_path / "m.h5")
    assert [rbm.units for rbm in loaded.rbms_] == ["gaussian-gaussian", "gaussian"]
    np.testing.assert_allclose(loaded.transform(data), dbn.transform(data), rtol=1e-5, atol=1e-6)
    top = DBN(layers=(4, 3), units="binary", hidden_units=["binary", "gaussian"], epochs=2)
    top.fit((data > 0).astype(np.float32))
    assert [rbm.units for rbm in top.rbms_] == ["binary", "binary-gaussian"]
    with pytest.raises(InputError, match="one per layer"):
        DBN(layers=(4, 3), hidden_units=["binary"]).fit(data > 0)
    with pytest.raises(InputError, match="'binary' or 'gaussian'"):
        DBN(layers=(4,), hidden_units="spin").fit(data > 0)
