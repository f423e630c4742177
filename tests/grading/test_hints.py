"""Each hint detector on hand-made arrays: it fires on its pattern and stays quiet otherwise."""

from __future__ import annotations

import re

import numpy as np

from app.grading.hints import Hint, HintRules, ShapeRule, Tol, agreed, diagnose
from app.problems.mistakes import KnownMistake

TOL = Tol(rtol=1e-4, atol=1e-5)
RNG = np.random.default_rng(0)
# A seed-problem-like case: x is (L=6, C_in=2), output (L * stride, features) flattened.
INPUTS = {"x": np.zeros((6, 2), np.float32), "stride": 2, "kernel_size": 3, "features": 4}
SEED_RULES = HintRules(
    output=("x.shape[0] * stride", "features"), spatial=(0,),
    shapes=(ShapeRule(("(x.shape[0] - 1) * stride + kernel_size", "features"), "padding",
                      "that is the VALID length; this problem wants SAME."),
            ShapeRule(("x.shape[0]", "features"), "stride", "the stride was ignored.")))
IMAGE = HintRules(spatial=(-2, -1))  # NCHW outputs


def expected_seed() -> np.ndarray:
    return RNG.normal(size=(12, 4)).astype(np.float32).ravel()


def image() -> np.ndarray:
    return RNG.normal(size=(2, 3, 8, 9)).astype(np.float32)


def hint(expected, actual, rules=IMAGE, visible=True, inputs=None, mistakes=()):
    return diagnose(expected, actual, inputs or {}, rules, TOL, visible, mistakes)


def category(*args, **kwargs):
    found = hint(*args, **kwargs)
    return None if found is None else found.category


# ------------------------------------------------------------------ known mistakes

def test_known_mistake_matches_within_tolerance():
    want = expected_seed()
    wrong = want * 0.5 + 1.0
    mistake = KnownMistake("bias_first.py", "code", "the bias was created first.", "init")
    found = hint(want, wrong + 1e-7, SEED_RULES, inputs=INPUTS, mistakes=[(mistake, wrong)])
    assert found.category == "init" and "the bias was created first." in found.text
    assert found.mistake == "bias_first.py"  # course statistics count matches by this key


def test_known_mistake_does_not_match_a_different_output():
    want = expected_seed()
    mistake = KnownMistake("m.py", "code", "something else.", "init")
    other = RNG.normal(size=want.shape)
    assert category(want, want + other, SEED_RULES, inputs=INPUTS,
                    mistakes=[(mistake, want + 2 * other)]) != "init"


def test_known_mistake_with_another_length_is_matched_too():
    want = expected_seed()
    wrong = RNG.normal(size=13 * 4)
    mistake = KnownMistake("valid.py", "code", "VALID is too long.", "padding")
    assert hint(want, wrong, SEED_RULES, inputs=INPUTS, mistakes=[(mistake, wrong)]).text.endswith(
        "VALID is too long.")


# ------------------------------------------------------------------ shape reasoning

def test_valid_length_names_the_padding_convention():
    found = hint(expected_seed(), np.zeros(13 * 4), SEED_RULES, inputs=INPUTS)
    assert found.category == "padding" and "VALID" in found.text
    assert "13 x 4 instead of 12 x 4" in found.text


def test_input_length_says_stride_ignored():
    assert category(expected_seed(), np.zeros(6 * 4), SEED_RULES, inputs=INPUTS) == "stride"


def test_a_size_two_conventions_of_different_kinds_give_gets_no_shape_hint():
    rules = HintRules(output=SEED_RULES.output, spatial=(0,), shapes=(
        *SEED_RULES.shapes, ShapeRule(("x.shape[0] * stride + 1", "features"), "stride", "s.")))
    assert hint(expected_seed(), np.zeros(13 * 4), rules, inputs=INPUTS) is None


def test_unknown_length_gets_no_shape_hint():
    assert hint(expected_seed(), np.zeros(7 * 4), SEED_RULES, inputs=INPUTS) is None


def test_hidden_shape_hint_shows_no_numbers_from_the_case():
    found = hint(expected_seed(), np.zeros(13 * 4), SEED_RULES, visible=False, inputs=INPUTS)
    assert found.category == "padding" and "13" not in found.text and "12" not in found.text


def test_same_values_in_another_axis_order_is_layout():
    want = expected_seed()
    transposed = want.reshape(12, 4).T.ravel()
    assert category(want, transposed, SEED_RULES, inputs=INPUTS) == "layout"


def test_layout_detector_ignores_unrelated_values():
    want = image()
    assert category(want, RNG.normal(size=want.shape)) is None


# ------------------------------------------------------------------ error patterns

def test_nan_in_output_is_numerical():
    want = image()
    got = want.copy()
    got[0, 0, 3, 3] = np.nan
    assert category(want, got) == "numerical"


def test_nan_where_expected_is_nan_is_not_numerical():
    want = image()
    want[0, 0, 3, 3] = np.nan
    got = want + 1.0
    assert category(want, got) != "numerical"


def test_output_reversed_along_a_spatial_axis_is_kernel_flip():
    want = image()
    assert category(want, np.flip(want, axis=-1)) == "kernel-flip"
    assert category(want, np.flip(want, axis=(-2, -1))) == "kernel-flip"


def test_reversal_along_a_channel_axis_is_not_kernel_flip():
    want = image()
    assert category(want, np.flip(want, axis=1)) != "kernel-flip"


def test_output_shifted_by_one_is_padding():
    want = image()
    got = np.zeros_like(want)
    got[..., 1:] = want[..., :-1]
    found = hint(want, got)
    assert found.category == "padding" and "1 later along axis 3" in found.text


def test_output_shifted_along_both_spatial_axes_is_padding():
    want = image()
    got = np.zeros_like(want)
    got[..., 2:, 2:] = want[..., :-2, :-2]
    assert category(want, got) == "padding"


def test_unshifted_random_error_is_not_a_shift():
    want = image()
    got = want + RNG.normal(size=want.shape)
    assert category(want, got) is None


def test_constant_ratio_is_scale_with_the_factor_on_visible_cases_only():
    want = image()
    assert "about 2" in hint(want, 2 * want).text
    hidden = hint(want, 2 * want, visible=False)
    assert hidden.category == "scale" and not re.search(r"\d", hidden.text.split(":")[0])


def test_ratio_that_varies_is_not_scale():
    want = image()
    assert category(want, want * RNG.uniform(1, 3, size=want.shape)) != "scale"


def test_negative_or_tiny_ratios_are_not_scale():
    want = image()
    assert category(want, -want) != "scale"
    assert category(np.array([2.0]), np.array([3.0]), HintRules()) is None


def test_doubling_an_output_that_is_only_a_bias_is_called_bias_not_scale():
    want = np.broadcast_to(np.array([0.5, -1.0, 2.0])[None, :, None, None], (2, 3, 4, 4)).copy()
    assert category(want, 2 * want) == "bias"


def test_constant_offset_is_bias():
    want = image()
    assert category(want, want + 0.25) == "bias"


def test_offset_per_output_channel_is_bias():
    want = image()
    got = want + np.array([0.5, -1.0, 2.0])[None, :, None, None]
    found = hint(want, got)
    assert found.category == "bias" and "per channel" in found.text


def test_one_position_per_channel_is_not_called_an_offset():
    want = RNG.normal(size=(2, 3, 1, 1))
    assert category(want, want + RNG.normal(size=want.shape)) != "bias"


def test_offset_that_varies_along_positions_is_not_bias():
    want = image()
    got = want + np.linspace(0, 1, want.shape[-1])
    assert category(want, got) != "bias"


def test_errors_only_at_the_border_are_padding():
    want = image()
    got = want.copy()
    got[..., 0, :] += 1.0
    got[..., -1] -= 2.0
    found = hint(want, got)
    assert found.category == "padding" and "borders" in found.text


def test_errors_in_the_interior_are_not_border_errors():
    want = image()
    got = want.copy()
    got[..., 4, 4] += 1.0
    assert category(want, got) != "padding"


def test_errors_on_every_other_position_are_stride():
    want = image()
    got = want.copy()
    got[..., 1::2] = 0.0
    found = hint(want, got)
    assert found.category == "stride" and "every 2th" in found.text


def test_values_repeated_into_the_gaps_are_stride():
    want = image()
    want[..., 1::2] = 0.0  # a spaced-out output
    got = want.copy()
    got[..., 1::2] = want[..., 0:-1:2]  # nearest-neighbour instead of zeros
    assert category(want, got) == "stride"


def test_periodic_errors_between_non_zero_values_are_not_stride():
    # A flipped 3-tap kernel on a stride-2 output errs on every other position too.
    want = image()
    got = want.copy()
    got[..., ::2] += 1.0
    assert category(want, got) != "stride"


def test_errors_on_every_position_are_not_periodic():
    want = image()
    got = want + RNG.normal(size=want.shape) * np.abs(want).max()
    assert category(want, got) is None


def test_notes_extend_a_pattern_hint():
    rules = HintRules(spatial=(-2, -1), notes={"scale": "Check the initializer."})
    want = image()
    assert hint(want, 3 * want, rules).text.endswith("Check the initializer.")


def test_constant_multiple_of_a_known_mistake_names_that_mistake():
    want = expected_seed()
    wrong = RNG.normal(size=want.shape)
    mistake = KnownMistake("normal_init.py", "code", "use lecun_normal().", "init")
    found = hint(want, 2 * wrong, SEED_RULES, inputs=INPUTS, mistakes=[(mistake, wrong)])
    assert found.category == "init" and "constant multiple" in found.text


def test_a_mistake_that_is_itself_a_multiple_of_the_expected_output_is_not_matched_rescaled():
    want = expected_seed()
    mistake = KnownMistake("layout.py", "code", "axes swapped.", "layout")
    found = hint(want, 0.25 * want, SEED_RULES, inputs=INPUTS, mistakes=[(mistake, 0.5 * want)])
    assert found.category == "scale"


def test_hidden_shift_and_period_hints_do_not_reveal_padding_or_stride():
    want = image()
    shifted = np.zeros_like(want)
    shifted[..., 2:] = want[..., :-2]
    strided = want.copy()
    strided[..., 1::3] = 0.0
    for got in (shifted, strided):
        found = hint(want, got, visible=False)
        assert found is not None and not re.search(r"\d", found.text.replace("axis 3", ""))


# ------------------------------------------------------------------ too few values to tell

VECTOR = HintRules(spatial=(-1,))


def test_returning_x_for_two_x_on_two_values_is_not_called_a_shift():
    # [1, 2] -> [2, 4] expected; [1, 2] "is" [2, 4] moved by one on one overlapping value.
    x = np.array([1.0, 2.0])
    assert hint(2 * x, x, VECTOR) is None


def test_the_same_mistake_on_enough_values_is_called_a_scale():
    x = RNG.normal(size=16)
    assert category(2 * x, x, VECTOR) == "scale"


def test_a_shift_on_a_short_axis_is_not_named():
    want = np.array([6.0, 2.0, 6.0])
    assert hint(want, np.array([0.0, 6.0, 2.0]), VECTOR) is None


def test_a_reversal_on_two_positions_is_not_called_kernel_flip():
    want = np.array([2.0, 4.0])
    assert hint(want, want[::-1].copy(), VECTOR) is None


def test_values_that_fit_two_causes_of_different_kinds_get_no_hint():
    # A shift by one of a geometric sequence is also a constant factor: 2**(i-1) = 2**i / 2.
    want = 2.0 ** np.arange(8)
    got = np.concatenate([[0.5], want[:-1]])
    assert hint(want, got, VECTOR) is None


def test_known_mistakes_of_different_kinds_with_one_output_get_no_mistake_hint():
    want = expected_seed()
    wrong = want + 1.0
    mistakes = [(KnownMistake("a.py", "code", "first.", "init"), wrong),
                (KnownMistake("b.py", "code", "second.", "layout"), wrong)]
    found = hint(want, wrong, SEED_RULES, inputs=INPUTS, mistakes=mistakes)
    assert found is None or "known mistake" not in found.text


def test_hints_of_one_submission_keep_only_what_every_wrong_case_agrees_on():
    scale, padding = Hint("scale", "a factor"), Hint("padding", "a shift")
    assert agreed([scale, None, scale]) == [scale, None, scale]
    assert agreed([padding, scale]) == [None, None]
    assert agreed([None, None]) == [None, None]
