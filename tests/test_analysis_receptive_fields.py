"""Receptive-field locality and growth against hand-made fields and brute force."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from deeprg.analysis import (
    best_window,
    effective_receptive_fields,
    field_centers,
    field_orientation,
    layer_window,
    radius_of_gyration,
    receptive_field_growth,
    receptive_field_locality,
    shuffle_sites,
    uniform_radius_of_gyration,
    window_fraction,
    window_side_for_fraction,
)
from deeprg.errors import InputError


def block_field(shape, corner, side, values=None):
    """A field that is non-zero only on the periodic side x side block at ``corner``."""
    field = np.zeros(shape)
    rows = [(corner[0] + k) % shape[0] for k in range(side)]
    cols = [(corner[1] + k) % shape[1] for k in range(side)]
    field[np.ix_(rows, cols)] = 1.0 if values is None else values
    return field


def brute_window_fraction(field, window):
    """Max over all corners of Σ r² in the periodic window, by explicit loops."""
    rows, cols = field.shape
    weight = field**2
    best = 0.0
    for i, j in itertools.product(range(rows), range(cols)):
        total = sum(
            weight[(i + a) % rows, (j + b) % cols]
            for a, b in itertools.product(range(window), range(window))
        )
        best = max(best, total)
    return best / weight.sum()


def brute_radius(field, step=0.02):
    """min over a fine grid of real centres of the periodic second moment, per axis."""
    weight = field**2
    moment = 0.0
    for axis, size in enumerate(field.shape):
        marginal = weight.sum(axis=1 - axis)
        centres = np.arange(0.0, size, step)
        raw = np.abs(np.arange(size)[None, :] - centres[:, None]) % size
        distance = np.minimum(raw, size - raw)
        moment += np.min(distance**2 @ marginal)
    return np.sqrt(moment / weight.sum())


@pytest.mark.parametrize("corner", [(10, 20), (0, 0), (38, 5), (39, 39), (7, 38)])
def test_single_block_is_fully_local_anywhere_including_wrapped(corner):
    values = np.random.default_rng(3).uniform(0.5, 2.0, size=(3, 3))
    field = block_field((40, 40), corner, 3, values)[None]
    for window in (3, 4, 10, 40, 100):
        assert window_fraction(field, window)[0] == pytest.approx(1.0, abs=1e-12)
    fit = best_window(field, 3)
    assert tuple(fit.corner[0]) == corner
    assert window_fraction(field, 2)[0] < 1.0


@pytest.mark.parametrize("corner", [(10, 20), (0, 0), (39, 39), (38, 1)])
def test_uniform_block_radius_and_centre(corner):
    field = block_field((40, 40), corner, 3)[None]
    # positions -1, 0, 1 per axis: mean square distance 2/3, two axes
    assert radius_of_gyration(field)[0] == pytest.approx(np.sqrt(4.0 / 3.0), abs=1e-12)
    expected_centre = [(corner[0] + 1) % 40, (corner[1] + 1) % 40]
    np.testing.assert_allclose(field_centers(field)[0], expected_centre, atol=1e-12)
    single = block_field((40, 40), corner, 1)[None] * -3.0
    assert radius_of_gyration(single)[0] == pytest.approx(0.0, abs=1e-12)


def test_even_block_centre_is_between_sites_across_the_boundary():
    field = block_field((12, 12), (11, 11), 2)[None]  # sites 11 and 0 on both axes
    centre = field_centers(field)[0]
    # 11.5 and -0.5 are the same point; accept either representative mod 12
    np.testing.assert_allclose(np.mod(centre - 11.5, 12.0), 0.0, atol=1e-12)
    assert radius_of_gyration(field)[0] == pytest.approx(np.sqrt(0.5), abs=1e-12)


def test_uniform_field_window_fraction_and_radius():
    shape = (40, 40)
    field = np.full((1, *shape), 0.7)
    for window in (1, 4, 8, 16, 39):
        assert window_fraction(field, window)[0] == pytest.approx(window**2 / 1600, rel=1e-12)
    expected = np.sqrt(2 * (40**2 - 1) / 12)
    assert uniform_radius_of_gyration(shape) == pytest.approx(expected, rel=1e-14)
    assert radius_of_gyration(field)[0] == pytest.approx(expected, rel=1e-12)
    assert brute_radius(field[0]) == pytest.approx(expected, rel=1e-9)
    odd = np.ones((1, 9, 9))
    assert radius_of_gyration(odd)[0] == pytest.approx(uniform_radius_of_gyration((9, 9)))
    assert brute_radius(odd[0]) == pytest.approx(uniform_radius_of_gyration((9, 9)), rel=1e-9)


def test_window_fraction_matches_brute_force_on_rectangular_lattice():
    rng = np.random.default_rng(11)
    fields = rng.normal(size=(3, 7, 9))
    for window in (1, 2, 3, 5, 7):
        expected = [brute_window_fraction(f, window) for f in fields]
        np.testing.assert_allclose(window_fraction(fields, window), expected, rtol=1e-12)


def test_radius_of_gyration_matches_grid_minimisation():
    rng = np.random.default_rng(5)
    fields = rng.normal(size=(6, 8, 10)) * (rng.random((6, 8, 10)) < 0.3)
    fields[0, 2, 3] += 4.0  # a dominant site
    radius = radius_of_gyration(fields)
    brute = np.array([brute_radius(f) for f in fields])
    # the grid minimum can only sit above the exact minimum, by at most O(step²)
    assert np.all(radius <= brute + 1e-12)
    np.testing.assert_allclose(radius, brute, atol=2e-3)


def test_shuffled_control_is_non_local_and_seeded():
    rng = np.random.default_rng(0)
    size, n_fields = 32, 60
    grid = np.arange(size)
    fields = np.empty((n_fields, size, size))
    for k in range(n_fields):
        centre = rng.integers(0, size, 2)
        d_row = np.minimum(np.abs(grid - centre[0]), size - np.abs(grid - centre[0]))
        d_col = np.minimum(np.abs(grid - centre[1]), size - np.abs(grid - centre[1]))
        envelope = np.exp(-(d_row[:, None] ** 2 + d_col[None, :] ** 2) / (2 * 1.5**2))
        fields[k] = envelope * rng.choice([-1.0, 1.0]) * (1 + 0.1 * rng.normal(size=(size, size)))
    result = receptive_field_locality(fields, window=layer_window(2), seed=4)
    assert result.window == 8
    assert result.window_fraction.median > 0.99
    # a shuffled field keeps its few large values, so some window still catches several
    assert result.window_fraction_control.median < 0.4
    assert result.radius_of_gyration.median < 2.5
    assert result.radius_of_gyration_control.median > 0.6 * result.uniform_radius_of_gyration
    assert result.uniform_window_fraction == pytest.approx(64 / 1024)
    again = receptive_field_locality(fields, window=8, seed=4)
    assert again.as_dict() == result.as_dict()
    shuffled = shuffle_sites(fields, seed=9)
    np.testing.assert_array_equal(
        np.sort(shuffled.reshape(n_fields, -1)), np.sort(fields.reshape(n_fields, -1))
    )
    np.testing.assert_array_equal(shuffled, shuffle_sites(fields, seed=9))


def test_window_side_for_fraction():
    fields = np.stack([block_field((40, 40), (38, 38), 3), np.ones((40, 40))])
    np.testing.assert_array_equal(window_side_for_fraction(fields, 1.0), [3, 40])
    # uniform: smallest w with w² / 1600 >= 0.5 is ceil(sqrt(800)) = 29
    np.testing.assert_array_equal(window_side_for_fraction(fields, 0.5), [3, 29])


def test_growth_of_uniform_blocks_matches_closed_form():
    shape = (64, 64)
    layers = [np.stack([block_field(shape, (5, 9), side)] * 3) for side in (2, 4, 8)]
    result = receptive_field_growth(layers)
    # R_g² of a uniform B x B block is 2 (B² - 1)/12
    radius = np.sqrt([2 * (b**2 - 1) / 12 for b in (2, 4, 8)])
    np.testing.assert_allclose(result.radius_of_gyration, radius, rtol=1e-12)
    np.testing.assert_allclose(result.radius_ratio, radius[1:] / radius[:-1], rtol=1e-12)
    # half of Σ r² needs a window of ceil(B / sqrt 2)
    np.testing.assert_array_equal(result.half_window_side, [2, 3, 6])
    assert result.half_window_ratio_mean == pytest.approx(np.sqrt(1.5 * 2.0))
    assert result.block_factor == 2
    # a network whose fields do not grow gives ratio 1, far from b = 2
    flat = receptive_field_growth([layers[1], layers[1]])
    assert flat.radius_ratio_mean == pytest.approx(1.0)


def test_effective_receptive_fields_are_weight_products():
    rng = np.random.default_rng(2)
    rows, cols = 4, 5
    w1 = rng.normal(size=(rows * cols, 6))
    w2 = rng.normal(size=(6, 3))
    first, second = effective_receptive_fields([w1, w2], (rows, cols))
    assert first.shape == (6, rows, cols) and second.shape == (3, rows, cols)
    for j, i, k in itertools.product(range(3), range(rows), range(cols)):
        expected = sum(w1[i * cols + k, m] * w2[m, j] for m in range(6))
        assert second[j, i, k] == pytest.approx(expected, rel=1e-12, abs=1e-12)
    assert first[2, 1, 3] == w1[1 * cols + 3, 2]


def test_field_orientation_follows_the_local_sign():
    plus = block_field((20, 20), (3, 3), 3) - 0.01
    minus = -block_field((20, 20), (19, 10), 3) + 0.01
    np.testing.assert_array_equal(field_orientation(np.stack([plus, minus]), 4), [1.0, -1.0])


def test_layer_window():
    assert [layer_window(layer) for layer in (1, 2, 3)] == [4, 8, 16]


def test_all_zero_field_gives_nan_not_a_crash():
    fields = np.zeros((2, 6, 6))
    fields[1, 2, 2] = 1.0
    assert np.isnan(window_fraction(fields, 2)[0]) and window_fraction(fields, 2)[1] == 1.0
    assert np.isnan(radius_of_gyration(fields)[0]) and radius_of_gyration(fields)[1] == 0.0


@pytest.mark.parametrize(
    "call",
    [
        lambda: window_fraction(np.ones((4, 4)), 2),
        lambda: window_fraction(np.full((1, 4, 4), np.nan), 2),
        lambda: window_fraction(np.ones((1, 4, 4)), 0),
        lambda: window_side_for_fraction(np.ones((1, 4, 4)), 1.5),
        lambda: effective_receptive_fields([np.ones((15, 2))], (4, 4)),
        lambda: effective_receptive_fields([np.ones((16, 2)), np.ones((3, 2))], (4, 4)),
        lambda: receptive_field_growth([]),
        lambda: receptive_field_growth([np.ones((1, 4, 4)), np.ones((1, 5, 5))]),
        lambda: shuffle_sites(np.ones((1, 4, 4)), seed=-1),
        lambda: layer_window(0),
    ],
)
def test_bad_input_raises_input_error(call):
    with pytest.raises(InputError):
        call()
