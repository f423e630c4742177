"""Shape formulas: arithmetic on inputs is evaluated, everything else is refused."""

from __future__ import annotations

import numpy as np
import pytest

from app.grading.formulas import FormulaError, evaluate, parse_formula

INPUTS = {"x": np.zeros((6, 2), np.float32), "stride": 2, "kernel_size": 3, "features": 4}


def test_formula_evaluates_names_shapes_and_pairs():
    assert evaluate("(x.shape[0] - 1) * stride + kernel_size", INPUTS) == 13
    assert evaluate("pair(stride, 1) + max(1, 2)", {"stride": np.array([2, 3])}) == 5
    assert evaluate("pair(stride, 1)", {"stride": 4}) == 4


@pytest.mark.parametrize("text", ["__import__('os')", "x.__class__", "lambda: 1", "[1][0]",
                                  "open('f')", "x.shape.count(1)"])
def test_formula_rejects_anything_but_arithmetic(text):
    with pytest.raises(FormulaError):
        parse_formula(text)


def test_formula_on_a_missing_input_or_fraction_is_an_error():
    with pytest.raises(FormulaError):
        evaluate("padding + 1", INPUTS)
    with pytest.raises(FormulaError):
        evaluate("stride / 4", INPUTS)
