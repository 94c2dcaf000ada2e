"""Phase classification of finite Ising samples and the ξ reference of each phase."""

from __future__ import annotations

import math

import numpy as np
import pytest

from deeprg import J_CRITICAL
from deeprg.analysis import (
    TORUS_CRITICAL_XI_OVER_L,
    PhaseInfo,
    classify_phase,
    correlation_length,
    exponential_correlation_length,
    reference_correlation_length,
    stagger,
)
from deeprg.errors import InputError
from deeprg.exact import onsager

# --- classification -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("size", "coupling", "phase", "xi"),
    [
        (32, 0.30, "disordered", 1.5789),
        (40, 0.408, "disordered", 7.4673),  # Mehta & Schwab: ξ < L/4 = 10
        (24, 0.408, "critical", 7.4673),  # the same J on a smaller lattice: ξ > 6
        (24, 0.4407, "critical", 9465.1),
        (24, 0.50, "ordered", 2.1924),
        (8, 0.50, "critical", 2.1924),  # ξ > L/4 = 2 on the ordered side too
        (16, 0.0, "disordered", 0.0),
    ],
)
def test_classify_known_cases(size, coupling, phase, xi):
    info = classify_phase(size, coupling)
    assert isinstance(info, PhaseInfo)
    assert info.phase == phase and info.size == size and info.coupling == coupling
    assert info.xi_infinite == pytest.approx(xi, rel=1e-4, abs=1e-12)
    assert info.align == (phase == "ordered")
    assert info.reference_is_exact == (phase != "critical")
    assert not info.staggered
    assert info.reason


def test_reference_sources_name_onsager_or_the_data():
    assert classify_phase(32, 0.3).reference_source == "exact infinite-lattice ξ (Onsager)"
    assert classify_phase(24, 0.5).reference_source.startswith(
        "exact infinite-lattice ξ (Onsager), decay of the connected correlation"
    )
    critical = classify_phase(24, 0.4407)
    assert critical.reference_source == "data's own finite-size ξ at L=24 (ξ_∞ = 9465 > L/4 = 6)"
    assert "finite-size regime" in critical.reason
    assert critical.as_dict()["phase"] == "critical" and not critical.as_dict()["align"]


def test_critical_window_is_exactly_where_onsager_xi_exceeds_the_fraction():
    size = 24
    couplings = np.linspace(0.30, 0.60, 61)
    for coupling in [*couplings, J_CRITICAL]:
        info = classify_phase(size, float(coupling))
        xi = onsager(float(coupling)).correlation_length
        assert (info.phase == "critical") == (xi > size / 4)
        if info.phase != "critical":
            assert info.phase == ("disordered" if coupling < J_CRITICAL else "ordered")
    assert classify_phase(size, J_CRITICAL).xi_infinite == math.inf
    # the window shrinks as L grows, and widens with max_fraction
    assert classify_phase(200, 0.43).phase == "disordered"
    assert classify_phase(40, 0.408, max_fraction=1.0).phase == "disordered"
    assert classify_phase(40, 0.408, max_fraction=0.1).phase == "critical"


def test_antiferromagnet_is_classified_by_its_magnitude_with_staggered_order():
    info = classify_phase(24, -0.5)
    assert info.phase == "ordered" and info.staggered and info.coupling == -0.5
    assert info.xi_infinite == pytest.approx(classify_phase(24, 0.5).xi_infinite)
    assert "staggered" in info.reason
    assert classify_phase(16, -0.3).phase == "disordered"
    with pytest.raises(InputError, match="even size"):
        classify_phase(15, -0.3)  # frustrated
    assert classify_phase(15, 0.3).phase == "disordered"


def test_stagger_maps_checkerboard_to_uniform_and_is_an_involution():
    checker = np.indices((6, 6)).sum(axis=0) % 2 * 2 - 1
    spins = np.stack([checker, -checker, np.ones((6, 6), int)]).astype(np.int8)
    staggered = stagger(spins)
    assert staggered.dtype == np.int8 and staggered.shape == spins.shape
    assert np.all(np.abs(staggered[:2].sum(axis=(1, 2))) == 36)
    np.testing.assert_array_equal(stagger(staggered), spins)
    np.testing.assert_array_equal(stagger(np.ones((2, 4))), [[1, -1, 1, -1]] * 2)
    with pytest.raises(InputError):
        stagger(np.ones((2, 5, 5)))


def test_staggered_antiferromagnet_has_onsagers_length(ising):
    size, coupling = 16, -0.30
    spins = ising(size, coupling, 10_000, 8)
    info = classify_phase(size, coupling)
    result = exponential_correlation_length(stagger(spins), info)
    exact = onsager(0.30).correlation_length
    assert abs(result.xi - exact) < 4 * result.stderr  # 1.575 ± 0.020
    assert abs(result.xi - onsager(0.33).correlation_length) > 8 * result.stderr
    # negative control: unstaggered, the uniform correlation alternates in sign
    assert not exponential_correlation_length(spins, info).measurable


# --- references -----------------------------------------------------------------------


def test_reference_table():
    disordered, ordered = classify_phase(32, 0.3), classify_phase(24, 0.5)
    ref = reference_correlation_length(disordered)
    assert ref.exact and ref.value == pytest.approx(1.5789, rel=1e-4) and ref.stderr == 0
    ref = reference_correlation_length(disordered, "second_moment")
    assert ref.exact and ref.value == disordered.xi_infinite and "lattice corrections" in ref.source
    ref = reference_correlation_length(ordered)
    assert ref.exact and ref.value == pytest.approx(2.1924, rel=1e-4)
    # the ordered second-moment length is ≈ 0.63 ξ_exp: compare it with the data's own
    with pytest.raises(InputError, match="data_xi="):
        reference_correlation_length(ordered, "second_moment")
    ref = reference_correlation_length(ordered, "second_moment", data_xi=1.40, data_xi_stderr=0.03)
    assert not ref.exact and (ref.value, ref.stderr) == (1.40, 0.03)
    assert ref.source.startswith("data's own aligned second-moment ξ at L=24")
    critical = classify_phase(24, 0.4407)
    for estimator in ("exponential", "second_moment"):
        with pytest.raises(InputError):
            reference_correlation_length(critical, estimator)
        ref = reference_correlation_length(critical, estimator, data_xi=21.7, data_xi_stderr=0.2)
        assert not ref.exact and ref.value == 21.7 and ref.source == critical.reference_source
    assert ref.as_dict()["value"] == 21.7


def test_critical_samples_have_the_finite_size_length_not_onsagers(ising):
    # At J_c the torus' ξ_2nd/L → 0.9050 (Salas & Sokal 2000); measured 0.906 ± 0.004 at
    # L = 24 and 0.911 ± 0.003 at L = 16 (5·10^4 and 10^5 samples), so allow 0.01 for
    # corrections to scaling. J = 0.43 is also "critical" at L = 24 (ξ_∞ = 23) but its
    # finite-size ξ (0.62 L) must fail the same check.
    size = 24
    info = classify_phase(size, 0.4407)
    assert info.phase == "critical" and info.xi_infinite > 100 * size
    spins = ising(size, 0.4407, 10_000, 6)
    data = correlation_length(spins, align=info.align)
    ratio, ratio_err = data.xi / size, data.stderr / size  # 0.902 ± 0.007
    tolerance = 0.01 + 4 * ratio_err
    assert abs(ratio - TORUS_CRITICAL_XI_OVER_L) < tolerance
    assert abs(data.xi - info.xi_infinite) > 1000 * data.stderr  # Onsager is no reference
    ref = reference_correlation_length(info, "second_moment", data.xi, data.stderr)
    assert ref.value == data.xi and not ref.exact
    assert not exponential_correlation_length(spins, info).measurable
    warmer = classify_phase(size, 0.43)
    assert warmer.phase == "critical"
    other = correlation_length(ising(size, 0.43, 10_000, 7))
    assert abs(other.xi / size - TORUS_CRITICAL_XI_OVER_L) > 2 * tolerance


@pytest.mark.parametrize(
    "call",
    [
        lambda: classify_phase(1, 0.3),
        lambda: classify_phase(16.0, 0.3),
        lambda: classify_phase(16, float("nan")),
        lambda: classify_phase(16, 0.3, max_fraction=0),
        lambda: reference_correlation_length("ordered"),
        lambda: reference_correlation_length(classify_phase(16, 0.3), "fourth_moment"),
    ],
)
def test_bad_input_raises_input_error(call):
    with pytest.raises(InputError):
        call()
