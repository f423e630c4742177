"""Hints for wrong answers: name the misunderstanding an output suggests.

Runs on the trusted side, only for cases judged ``wrong_answer``, on the arrays that
came back from the sandbox.  Three sources, tried in this order:

1. Known mistakes: the output equals (within the problem's tolerance) what a known
   wrong solution gives on this case.  Those outputs are computed in the sandbox once
   per problem version by ``Grader.mistake_outputs``; this module only compares.
2. Shape reasoning: the output's shape (or length) equals a formula the problem's
   manifest declares under ``[[hints.shapes]]`` (e.g. the VALID-padding length).  Same
   values in another axis order is reported as a layout mistake.
3. Error patterns on a right-sized output: NaN/inf, reversed along a spatial axis,
   shifted along a spatial axis, constant ratio, constant offset, errors only near the
   borders, errors on every other (every p-th) position.

Every hint carries a ``category`` from ``CATEGORIES`` (the label vocabulary the hint
corpus uses) and a text.  For hidden cases the text never contains a value from the
case: no input values, no expected values, no ratios, offsets, shift amounts or periods
(those can equal an input such as the padding or the stride); formulas are written in
terms of input names only.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from app.grading.compare import NanPolicy, compare
from app.grading.formulas import shape_of
from app.problems.mistakes import KnownMistake


@dataclass(frozen=True)
class Hint:
    """A hint for one wrong case: a category from ``CATEGORIES`` and the text shown."""

    category: str
    text: str
    mistake: str | None = None  # the known mistake's key, when one matched (for statistics)


# ------------------------------------------------------------------ the detectors

@dataclass(frozen=True)
class ShapeRule:
    """``[[hints.shapes]]``: an output shape that betrays a misunderstanding."""

    shape: tuple[str, ...]
    category: str
    explain: str


@dataclass(frozen=True)
class HintRules:
    """The problem's hint settings (``[hints]`` in the manifest), ready to use."""

    output: tuple[str, ...] | None = None  # the logical output shape (before flattening)
    spatial: tuple[int, ...] | None = None  # spatial axes of that shape (default: all)
    shapes: tuple[ShapeRule, ...] = ()
    notes: Mapping[str, str] | None = None  # category -> sentence appended to pattern hints


@dataclass(frozen=True)
class Tol:
    rtol: float
    atol: float
    nan: NanPolicy = NanPolicy.NEVER_EQUAL


# A pattern is named only when enough values show it: with fewer, a doubling, a shift by
# one and a reversal can all fit the same two numbers (``return x`` for ``2 * x`` on a
# two-value case "is" a shift).  Counts of values compared, per detector.
MIN_VALUES = 4  # shift overlap, layout, scale: at least this many values compared
MIN_AXIS = 3  # reversal and shift: the axis has at least this many positions


def _close(a: np.ndarray, b: np.ndarray, tol: Tol) -> bool:
    return a.shape == b.shape and compare(b, a, tol.rtol, tol.atol, tol.nan).ok


def _dims(shape: Sequence[int]) -> str:
    return " x ".join(str(n) for n in shape) if len(shape) > 1 else str(shape[0])


def _ratio(got: np.ndarray, want: np.ndarray) -> float | None:
    """The least-squares factor c with got ~ c * want, or None when want is all zero."""
    norm = float(np.dot(want, want))
    return float(np.dot(got, want)) / norm if norm > 0 and np.isfinite(norm) else None


def _multiple(a: np.ndarray, b: np.ndarray, tol: Tol) -> bool:
    """Whether ``a`` is a constant multiple of ``b`` (flat arrays of one length)."""
    ratio = _ratio(a, b)
    return ratio not in (None, 0.0) and _close(a, ratio * b, tol)


def match_mistake(expected: np.ndarray, actual: np.ndarray,
                  outputs: Sequence[tuple[KnownMistake, np.ndarray]], tol: Tol) -> Hint | None:
    """The first known mistake whose output on this case equals ``actual`` (flattened),
    else one that ``actual`` is a constant multiple of (the same mistake, rescaled).

    A mistake whose own output here is a multiple of the expected one (e.g. a layout
    mistake on a case with as many inputs as outputs) tells nothing about a rescaled
    output: the scale detector names that better.
    """
    want = np.asarray(expected, dtype=np.float64).reshape(-1)
    got = np.asarray(actual, dtype=np.float64).reshape(-1)
    flat = [(m, np.asarray(o, dtype=np.float64).reshape(-1)) for m, o in outputs]
    exact = [mistake for mistake, output in flat if _close(got, output, tol)]
    # Known mistakes of different kinds that all give this output: the case cannot tell.
    if len({m.category for m in exact}) > 1:
        return None
    if exact:
        return Hint(exact[0].category,
                    f"Your output equals that of a known mistake: {exact[0].explanation}",
                    exact[0].key)
    for mistake, output in flat:
        if output.shape != got.shape or (output.shape == want.shape and _multiple(output, want, tol)):
            continue
        if _multiple(got, output, tol):
            return Hint(mistake.category, "Your output is a constant multiple of that of a "
                                          f"known mistake: {mistake.explanation}", mistake.key)
    return None


def shape_hint(expected: np.ndarray, actual: np.ndarray, inputs: Mapping[str, Any],
               rules: HintRules, visible: bool) -> Hint | None:
    """A ``[[hints.shapes]]`` rule whose shape (or element count) the output has."""
    if actual.size == expected.size:
        return None
    want = shape_of(rules.output, inputs) if rules.output else tuple(expected.shape)
    found: list[tuple[ShapeRule, tuple[int, ...]]] = []
    for rule in rules.shapes:
        shape = shape_of(rule.shape, inputs)
        if shape is None or shape == want:
            continue
        same = (tuple(actual.shape) == shape if actual.ndim == len(shape) and actual.ndim > 1
                else actual.size == math.prod(shape))
        if same:
            found.append((rule, shape))
    # Two conventions of different kinds giving this size here: a guess, so say nothing.
    if not found or len({rule.category for rule, _ in found}) > 1:
        return None
    rule, shape = found[0]
    text = f"Your output's size fits {', '.join(rule.shape)}: {rule.explain}"
    if visible and want is not None:
        text += f" (here {_dims(shape)} instead of {_dims(want)})"
    return Hint(rule.category, text)


def _logical(expected: np.ndarray, actual: np.ndarray, inputs: Mapping[str, Any],
             rules: HintRules) -> tuple[np.ndarray, np.ndarray, tuple[int, ...]] | None:
    """Both outputs in the problem's logical output shape, and its spatial axes."""
    shape: tuple[int, ...] | None = tuple(expected.shape)
    if rules.output:
        declared = shape_of(rules.output, inputs)
        if declared is not None and math.prod(declared) == expected.size:
            shape = declared
    if shape is None or actual.size != expected.size:
        return None
    want = np.asarray(expected, dtype=np.float64).reshape(shape)
    got = np.asarray(actual, dtype=np.float64).reshape(shape)
    axes = tuple(range(want.ndim))
    if rules.spatial is not None:
        axes = tuple(sorted({a % want.ndim for a in rules.spatial if -want.ndim <= a < want.ndim}))
    return want, got, axes


def _layout(expected, actual, want, got, tol) -> Hint | None:
    if want.ndim < 2 or want.ndim > 5 or want.size < MIN_VALUES:
        return None
    for perm in itertools.permutations(range(want.ndim)):
        if perm == tuple(range(want.ndim)):
            continue
        moved = want.transpose(perm)
        if moved.shape == want.shape and np.array_equal(moved, want):
            continue
        if _close(got.reshape(moved.shape), moved, tol):
            return Hint("layout", "Your output has the right values in another axis order: check "
                                  "which axis is which (channels vs. positions, rows vs. columns) "
                                  "and transpose before flattening.")
    return None


def _reversed(want, got, axes, tol) -> Hint | None:
    axes = tuple(a for a in axes if want.shape[a] >= MIN_AXIS)
    for count in range(1, len(axes) + 1):
        for subset in itertools.combinations(axes, count):
            flipped = np.flip(want, subset)
            if not np.array_equal(flipped, want) and _close(got, flipped, tol):
                return Hint("kernel-flip",
                            f"Your output is the expected one reversed along axis "
                            f"{', '.join(map(str, subset))}: check the direction the kernel is "
                            "applied in (flipped vs. not flipped).")
    return None


def _shifted(want, got, axes, tol, visible) -> Hint | None:
    """``got`` equals ``want`` moved by up to 3 positions along one or more spatial axes
    (compared where both are defined, which must be most of the array)."""
    options = [[k for k in (0, 1, -1, 2, -2, 3, -3)
                if k == 0 or (abs(k) * 2 <= want.shape[a] and want.shape[a] >= MIN_AXIS)]
               for a in axes]
    for shift in itertools.product(*options):
        if not any(shift):
            continue
        overlap = want.size // math.prod(want.shape[a] for a in axes) * math.prod(
            want.shape[a] - abs(k) for a, k in zip(axes, shift, strict=True))
        if overlap < MIN_VALUES:
            continue
        source = [slice(None)] * want.ndim
        target = [slice(None)] * want.ndim
        for axis, k in zip(axes, shift, strict=True):
            n = want.shape[axis]
            target[axis] = slice(max(k, 0), n + min(k, 0))
            source[axis] = slice(max(-k, 0), n + min(-k, 0))
        a, b = got[tuple(target)], want[tuple(source)]
        # A shift that the expected output itself survives says nothing.
        if _close(a, b, tol) and not _close(want[tuple(target)], b, tol):
            # The amount can equal an input (the padding): hidden cases get the axes only.
            moved = ", ".join((f"{abs(k)} " if visible else "")
                              + f"{'later' if k > 0 else 'earlier'} along axis {axis}"
                              for axis, k in zip(axes, shift, strict=True) if k)
            return Hint("padding",
                        f"Your output is the expected one shifted ({moved}): padding or "
                        "cropping is applied on the wrong side.")
    return None


def _scaled(want, got, axes, tol, visible) -> Hint | None:
    # Too few values make any error look like a factor; a negative factor is a sign
    # error (or an antisymmetric kernel reversed), not a scale.
    if want.size < MIN_VALUES:
        return None
    # An expected output constant along the positions (e.g. only a bias) cannot tell a
    # factor from an offset: leave it to the offset detector.
    if axes and np.allclose(want, want.mean(axis=axes, keepdims=True), atol=tol.atol, rtol=tol.rtol):
        return None
    ratio = _ratio(got.ravel(), want.ravel())
    if ratio is None or ratio <= 0.0 or abs(ratio - 1.0) < 1e-3 or not _close(got, ratio * want, tol):
        return None
    shown = f" (about {ratio:.4g})" if visible else ""
    return Hint("scale", f"Your output is a constant multiple{shown} of the expected one: a "
                         "scale factor is off (an initializer's scale, a missing or extra "
                         "normalisation).")


def _offset(want, got, axes, tol, visible) -> Hint | None:
    diff = got - want
    # With fewer than 3 positions per channel any error is "an offset per channel".
    if not axes or math.prod(want.shape[a] for a in axes) < 3:
        return None
    per_channel = diff.mean(axis=axes, keepdims=True)
    if np.allclose(per_channel, 0.0, atol=tol.atol):
        return None
    if not _close(got, want + per_channel, tol):
        return None
    constant = float(per_channel.ravel()[0])
    if np.allclose(per_channel, constant, atol=tol.atol, rtol=tol.rtol):
        shown = f" (about {constant:.4g})" if visible else ""
        what = f"Your output differs from the expected one by a constant{shown}"
    else:
        what = "Your output differs from the expected one by a constant per channel"
    return Hint("bias", what + ": the bias is missing, doubled or added in the wrong place.")


def _bad_mask(want, got, tol) -> np.ndarray:
    comparison = np.abs(got - want) <= tol.atol + tol.rtol * np.abs(want)
    return ~comparison


def _border(bad, axes) -> Hint | None:
    if not bad.any() or not axes:
        return None
    index = np.indices(bad.shape)
    depth = np.full(bad.shape, np.iinfo(np.int64).max)
    for axis in axes:
        n = bad.shape[axis]
        depth = np.minimum(depth, np.minimum(index[axis], n - 1 - index[axis]))
    worst = int(depth[bad].max())
    interior = depth > worst
    smallest = min(bad.shape[a] for a in axes)
    if worst + 1 > max(1, smallest // 4) or interior.sum() < bad.size / 3:
        return None
    return Hint("padding", "Only values near the borders are wrong; the interior is right: check "
                           "the padding (how much, which convention, cropped or added).")


def _zero_insertion(want, got, bad, axis, tol) -> bool:
    """At (nearly) every wrong position one side is zero, or the output repeats its
    neighbour: what misplaced or missing inserted zeros look like.  A flipped kernel on a
    strided output also errs periodically, but with non-zero values on both sides."""
    zero = tol.atol
    previous = np.roll(got, 1, axis=axis)
    explained = (np.abs(want) <= zero) | (np.abs(got) <= zero) | (np.abs(got - previous) <= zero)
    return float(explained[bad].mean()) >= 0.9


def _periodic(want, got, bad, axes, tol, visible) -> Hint | None:
    # A pattern needs more than one wrong value, over two full periods at least (n >= 2p).
    if int(bad.sum()) < 2:
        return None
    for axis in axes:
        n = bad.shape[axis]
        for p in range(2, min(8, n // 2) + 1):
            residue = np.arange(n) % p
            bad_any = [bool(np.take(bad, np.flatnonzero(residue == r), axis=axis).any())
                       for r in range(p)]
            if all(bad_any) or not any(bad_any) or not _zero_insertion(want, got, bad, axis, tol):
                continue
            # The period can equal an input (the stride): hidden cases do not get it.
            every = f" (every {p}th position)" if visible else ""
            return Hint("stride",
                        f"Errors fall on a regular pattern along axis {axis}{every}, with zeros "
                        "where values belong or values where zeros belong: check the stride and "
                        "where the zeros are inserted between input elements.")
    return None


def _with_note(hint: Hint | None, rules: HintRules) -> Hint | None:
    if hint is not None and rules.notes and hint.category in rules.notes:
        return Hint(hint.category, f"{hint.text} {rules.notes[hint.category]}")
    return hint


def _one_explanation(found: Sequence[Hint | None]) -> Hint | None:
    """The hint when every detector that fits names the same cause; None when the values
    fit causes of different kinds (the case cannot tell them apart)."""
    hints = [h for h in found if h is not None]
    if not hints or len({h.category for h in hints}) > 1:
        return None
    return hints[0]


def pattern_hint(expected: np.ndarray, actual: np.ndarray, inputs: Mapping[str, Any],
                 rules: HintRules, tol: Tol, visible: bool) -> Hint | None:
    """Error patterns on an output with the right number of values."""
    views = _logical(expected, actual, inputs, rules)
    if views is None:
        return None
    want, got, axes = views
    with np.errstate(all="ignore"):
        if (~np.isfinite(got) & np.isfinite(want)).any():
            return Hint("numerical", "Your output contains NaN or infinite values where the "
                                     "expected one is finite: look for a division by zero, a log "
                                     "or sqrt of a negative number, or uninitialised memory.")
        hint = _layout(expected, actual, want, got, tol)
        if hint is None:
            hint = _one_explanation([_reversed(want, got, axes, tol),
                                     _shifted(want, got, axes, tol, visible),
                                     _scaled(want, got, axes, tol, visible),
                                     _offset(want, got, axes, tol, visible)])
        if hint is None:
            bad = _bad_mask(want, got, tol)
            hint = _border(bad, axes) or _periodic(want, got, bad, axes, tol, visible)
    return _with_note(hint, rules)


def diagnose(expected: np.ndarray, actual: np.ndarray, inputs: Mapping[str, Any],
             rules: HintRules, tol: Tol, visible: bool,
             mistakes: Sequence[tuple[KnownMistake, np.ndarray]] = ()) -> Hint | None:
    """The most specific hint for one wrong case, or None when nothing fits."""
    actual = np.asarray(actual)
    expected = np.asarray(expected)
    return (match_mistake(expected, actual, mistakes, tol)
            or shape_hint(expected, actual, inputs, rules, visible)
            or pattern_hint(expected, actual, inputs, rules, tol, visible))


def agreed(hints: Sequence[Hint | None]) -> list[Hint | None]:
    """The hints of one submission's wrong cases, keeping only what they agree on.

    Cases that name different causes (a visible case says "padding", a hidden one
    "scale") cannot all be right, and the learner cannot tell which is: then no case
    names a cause.  A case without a hint agrees with any.
    """
    categories = {h.category for h in hints if h is not None}
    if len(categories) > 1:
        return [None] * len(hints)
    return list(hints)
