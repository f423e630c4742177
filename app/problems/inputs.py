"""Expand case inputs (numbers, literal lists, seeded generators) into values.

Runs on the trusted side with NumPy only, deterministically: the same manifest
always yields the same arrays, so expected outputs can be cached.

An input is one of:
    3, 2.5                                   -> Python int / float
    [[1.0, 2.0], [3.0, 4.0]]                 -> float32 array
    { value = [[1, 2]], dtype = "int32" }    -> array of that dtype
    { normal = [16, 3], seed = 7 }           -> standard normal, float32
    { uniform = [4, 4], seed = 1, low = -1.0, high = 1.0 }
    { randint = [8], seed = 2, low = 0, high = 10 }   -> int32
"""

from __future__ import annotations

from typing import Any

import numpy as np

GENERATORS = ("normal", "uniform", "randint")
DTYPES = ("float32", "float64", "int32", "int64", "bool")
MAX_ELEMENTS = 1 << 24


class InputError(ValueError):
    """An input specification is malformed; the message says what is wrong."""


def _shape(value: Any) -> tuple[int, ...]:
    if not isinstance(value, list) or not all(
        isinstance(d, int) and not isinstance(d, bool) and d >= 0 for d in value
    ):
        raise InputError(f"shape must be a list of non-negative integers, got {value!r}")
    if int(np.prod(value, dtype=np.int64)) > MAX_ELEMENTS:
        raise InputError(f"shape {value} has more than {MAX_ELEMENTS} elements")
    return tuple(value)


def _dtype(spec: dict, default: str) -> str:
    dtype = spec.get("dtype", default)
    if dtype not in DTYPES:
        raise InputError(f"dtype must be one of {', '.join(DTYPES)}, got {dtype!r}")
    return dtype


def _literal(value: list, dtype: str) -> np.ndarray:
    try:
        # A number the dtype cannot hold (1e300 as float32, 2**80 as int32) is the
        # author's error, not an infinity or a wrapped value to grade against.
        with np.errstate(over="raise", invalid="raise"):
            array = np.asarray(value, dtype=dtype)
    except (ValueError, TypeError) as exc:
        raise InputError(f"not a rectangular list of numbers: {exc}") from exc
    except (OverflowError, FloatingPointError) as exc:
        raise InputError(f"a number does not fit in {dtype}: {exc}") from exc
    return array


def expand(spec: Any) -> Any:
    """Turn one input specification into a Python number or a NumPy array."""
    if isinstance(spec, bool):
        raise InputError("booleans are not valid inputs; use 0 or 1")
    if isinstance(spec, (int, float)):
        return spec
    if isinstance(spec, list):
        return _literal(spec, "float32")
    if not isinstance(spec, dict):
        raise InputError(f"unsupported input {spec!r}")
    kinds = [k for k in (*GENERATORS, "value") if k in spec]
    if len(kinds) != 1:
        raise InputError("a table input needs exactly one of: value, " + ", ".join(GENERATORS))
    kind = kinds[0]
    allowed = {kind, "seed", "dtype", "low", "high"}
    unknown = set(spec) - allowed
    if unknown:
        raise InputError(f"unknown keys {sorted(unknown)} in {kind} input")
    if kind == "value":
        return _literal(spec["value"], _dtype(spec, "float32"))
    shape = _shape(spec[kind])
    seed = spec.get("seed")
    if not isinstance(seed, int) or isinstance(seed, bool) or seed < 0:
        raise InputError(f"{kind} input needs a non-negative integer seed")
    rng = np.random.default_rng(seed)
    if kind == "normal":
        return rng.standard_normal(shape).astype(_dtype(spec, "float32"))
    if kind == "uniform":
        low, high = float(spec.get("low", 0.0)), float(spec.get("high", 1.0))
        return rng.uniform(low, high, shape).astype(_dtype(spec, "float32"))
    low, high = int(spec.get("low", 0)), int(spec.get("high", 10))
    if high <= low:
        raise InputError("randint needs high > low")
    return rng.integers(low, high, shape).astype(_dtype(spec, "int32"))


def describe(value: Any) -> Any:
    """JSON-friendly form of an expanded input (arrays become nested lists)."""
    if isinstance(value, np.ndarray):
        return value.tolist()
    return value
