"""The pack's house style: sentence-case titles, starters without lint directives."""

from __future__ import annotations

import pytest

from app.problems.manifest import discover, load_problem
from app.problems.style import lint_directives, title_style_errors
from tests.conftest import PROBLEMS, REFERENCE


@pytest.mark.parametrize("title", [
    "Fractional stride: spacing out a signal",
    "1-D transposed convolution in Flax",  # a number first; a proper name kept
    "conv_transpose2d with groups, dilation and output padding",  # a code name first
    "ConvTranspose2d as a Flax module, from scratch",
    "Transposed convolution as the VJP of a convolution",  # an acronym
])
def test_sentence_case_titles_pass(title: str):
    assert title_style_errors(title) == []


@pytest.mark.parametrize(("title", "named"), [
    ("Fractional Stride: Spacing Out a Signal", "'Stride', 'Spacing', 'Out', 'Signal'"),
    ("Convolution as a Matrix (and its Transpose)", "'Matrix', 'Transpose'"),
    ("scale a vector", "'scale'"),
])
def test_title_case_and_a_lowercase_start_are_rejected_naming_the_words(title: str, named: str):
    errors = title_style_errors(title)
    assert errors and named in "; ".join(errors)


def test_lint_directives_are_found_in_comments_only():
    code = ("import numpy as np  # noqa: F401\n"
            "text = '# noqa inside a string is data'\n"
            "x = np.zeros(3)  # type: ignore[assignment]\n"
            "# pylint: disable=invalid-name\n"
            "y = 1  # a plain comment\n")
    assert lint_directives(code) == [1, 3, 4]


def test_every_pack_problem_follows_the_style():
    for folder in discover(PROBLEMS):
        problem = load_problem(folder, REFERENCE)
        assert title_style_errors(problem.manifest.title) == [], folder.name
        assert lint_directives(problem.starter) == [], folder.name
