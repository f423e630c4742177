"""Compare a submission's output with the expected output, elementwise on flat arrays."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import numpy as np

_TINY = np.finfo(np.float64).tiny


class NanPolicy(StrEnum):
    NEVER_EQUAL = "never_equal"  # a NaN anywhere is a mismatch (the default)
    EQUAL = "equal"  # NaN matches NaN at the same index


@dataclass(frozen=True)
class Comparison:
    """Result of comparing two outputs; ``ok`` means within tolerance everywhere."""

    ok: bool
    message: str
    max_abs_error: float | None = None
    max_rel_error: float | None = None
    mismatches: int | None = None
    first_mismatch: int | None = None
    tolerance_ratio: float | None = None  # max |got - want| / (atol + rtol |want|); > 1 fails


def compare(expected: np.ndarray, actual: np.ndarray, rtol: float, atol: float,
            nan: NanPolicy = NanPolicy.NEVER_EQUAL) -> Comparison:
    """Check ``|actual - expected| <= atol + rtol * |expected|`` on the flattened arrays.

    Shapes need not agree (the order of values is what is graded), lengths must.
    Infinities match only an infinity of the same sign; NaNs follow ``nan``.
    """
    want = np.asarray(expected, dtype=np.float64).reshape(-1)
    got = np.asarray(actual, dtype=np.float64).reshape(-1)
    if want.size != got.size:
        return Comparison(False, f"expected {want.size} values (shape {list(expected.shape)}), "
                                 f"got {got.size} (shape {list(actual.shape)})")
    if want.size == 0:
        return Comparison(True, "", 0.0, 0.0, 0, None, 0.0)
    with np.errstate(invalid="ignore", over="ignore"):
        diff = np.abs(got - want)
        finite = np.isfinite(want) & np.isfinite(got)
        close = np.zeros(want.shape, dtype=bool)
        close[finite] = diff[finite] <= atol + rtol * np.abs(want[finite])
        same_inf = np.isinf(want) & np.isinf(got) & (np.sign(want) == np.sign(got))
        close |= same_inf
        if nan is NanPolicy.EQUAL:
            close |= np.isnan(want) & np.isnan(got)
        finite_diff = np.where(finite, diff, 0.0)
        max_abs = float(finite_diff.max()) if finite.any() else 0.0
        rel = np.where(finite, finite_diff / np.maximum(np.abs(want), _TINY), 0.0)
        max_rel = float(rel.max()) if finite.any() else 0.0
        allowed = np.maximum(atol + rtol * np.abs(want), _TINY)
        ratio = float((finite_diff / allowed).max()) if finite.any() else 0.0
    bad = np.flatnonzero(~close)
    if bad.size == 0:
        return Comparison(True, "", max_abs, max_rel, 0, None, ratio)
    first = int(bad[0])
    message = (f"{bad.size} of {want.size} values differ; first at index {first}: "
               f"expected {want[first]:.6g}, got {got[first]:.6g}")
    non_finite = int((~np.isfinite(got) & ~same_inf).sum())
    if non_finite:  # error figures above cover only the finite values
        message += f" ({non_finite} NaN/inf values in your output)"
    return Comparison(False, message, max_abs, max_rel, int(bad.size), first, ratio)
