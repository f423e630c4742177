"""Known mistakes: the wrong solutions a problem's hints match against, and their labels."""

from __future__ import annotations

from dataclasses import dataclass

# The label vocabulary: what a teacher would name.  ``bench/hints.py`` scores a corpus
# file's ``# label:`` against the category of the hint it gets.
CATEGORIES: dict[str, str] = {
    "padding": "padding convention, amount or side (SAME vs VALID, crop vs add, one-sided)",
    "stride": "stride ignored or misapplied; zero insertion between elements",
    "kernel-flip": "kernel reversed when it should not be, or not reversed when it should",
    "layout": "axis / channel order: weight layout, transposed output, swapped axes",
    "scale": "a constant factor: initializer scale, missing or extra normalisation",
    "bias": "bias missing, doubled or added in the wrong place (a constant offset)",
    "numerical": "NaN or infinity in the output",
    "init": "parameter initialisation: initializer kind or parameter creation order",
    "accumulate": "overlapping contributions overwritten instead of summed",
    "forward-conv": "computed an ordinary (forward) convolution instead of the transposed one",
    "dilation": "kernel dilation ignored or misapplied",
    "other": "a known mistake outside the categories above",
}


@dataclass(frozen=True)
class KnownMistake:
    """A wrong solution whose outputs are matched against submissions.

    ``key`` names it uniquely per problem (a file name or ``api-<id>``); ``code`` runs in
    the sandbox only; ``explanation`` is shown to the learner.
    """

    key: str
    code: str
    explanation: str
    category: str = "other"
