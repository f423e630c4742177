"""Tolerance comparison on flattened outputs (rtol/atol as numpy.allclose defines them)."""

import numpy as np
import pytest

from app.grading.compare import NanPolicy, compare


def test_equal_arrays_pass_with_zero_error():
    a = np.arange(6, dtype=np.float32)
    result = compare(a, a.copy(), rtol=1e-5, atol=1e-6)
    assert result.ok and result.max_abs_error == 0.0 and result.mismatches == 0


def test_shape_is_ignored_when_values_are_in_order():
    want = np.arange(6, dtype=np.float32).reshape(2, 3)
    assert compare(want, want.reshape(-1), rtol=0, atol=0).ok


def test_different_length_is_a_mismatch_naming_both_shapes():
    result = compare(np.zeros((4, 2)), np.zeros(6), rtol=1e-5, atol=1e-6)
    assert not result.ok
    assert "[4, 2]" in result.message and "[6]" in result.message


def test_tolerance_boundary_follows_atol_plus_rtol_times_expected():
    want = np.array([100.0, 1.0])
    inside = want + np.array([100.0 * 1e-3 + 1e-4 * 0.99, 0.0])
    outside = want + np.array([100.0 * 1e-3 + 1e-4 * 1.01, 0.0])
    assert compare(want, inside, rtol=1e-3, atol=1e-4).ok
    assert not compare(want, outside, rtol=1e-3, atol=1e-4).ok


def test_reports_error_figures_and_first_mismatch():
    want = np.array([1.0, 2.0, 3.0, 4.0])
    got = np.array([1.0, 2.5, 3.0, 2.0])
    result = compare(want, got, rtol=1e-5, atol=1e-6)
    assert not result.ok
    assert result.mismatches == 2 and result.first_mismatch == 1
    assert result.max_abs_error == pytest.approx(2.0)
    assert result.max_rel_error == pytest.approx(0.5)


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_non_finite_output_never_matches_a_finite_expected(bad):
    result = compare(np.array([1.0, 2.0]), np.array([1.0, bad]), rtol=1.0, atol=1e9)
    assert not result.ok
    assert "NaN/inf" in result.message


def test_nan_never_equals_nan_by_default():
    nan = np.array([np.nan])
    assert not compare(nan, nan, rtol=1e-5, atol=1e-6).ok
    assert compare(nan, nan, rtol=1e-5, atol=1e-6, nan=NanPolicy.EQUAL).ok


def test_infinities_match_only_with_the_same_sign():
    want = np.array([np.inf, -np.inf])
    assert compare(want, want.copy(), rtol=1e-5, atol=1e-6).ok
    assert not compare(want, -want, rtol=1e-5, atol=1e-6).ok


def test_integer_and_bool_outputs_compare_as_numbers():
    assert compare(np.array([1.0, 0.0]), np.array([True, False]), rtol=0, atol=0).ok
    assert compare(np.array([3.0]), np.array([3], dtype=np.int64), rtol=0, atol=0).ok


def test_empty_outputs_are_equal():
    assert compare(np.zeros(0), np.zeros((0, 3)), rtol=0, atol=0).ok


def test_plot_data_caps_points_and_nulls_non_finite_values():
    import numpy as np

    from app.grading.arrays import PLOT_POINTS, plot_data

    small = plot_data(np.array([1.0, np.nan]), np.array([np.inf, 2.0]))
    assert small == {"expected": [1.0, None], "actual": [None, 2.0], "truncated": False}
    big = plot_data(np.zeros(PLOT_POINTS + 1), np.zeros(3))
    assert len(big["expected"]) == PLOT_POINTS and big["truncated"] is True
